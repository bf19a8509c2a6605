/**
 * The component boundary: a component runs its pure resolve step, and a problem in its args becomes one error on the
 * component that lists every problem and names each property.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, formatProblems, ProblemList } from "./errors";

/**
 * The SDK's InputPropertiesError (each problem on its property path, which Pulumi shows per property when the
 * component is constructed through the multi-language provider), marked as a ResourceError on the component with its
 * stack hidden as well: in a TypeScript program the nodejs runtime prints an InputPropertiesError as an unhandled
 * exception with its stack (cmd/run/run.js), but a ResourceError as its message on the component.
 */
export class ComponentArgsError extends pulumi.InputPropertiesError {
    /** The marks `pulumi.ResourceError.isInstance` and the runtime's error handler read. */
    readonly __pulumResourceError = true;
    readonly hideStack = true;

    constructor(
        readonly resource: pulumi.Resource,
        readonly problems: readonly ConfigProblem[],
        subject: string,
    ) {
        super({
            message: formatProblems(problems, subject),
            errors: problems.map((p) => ({ propertyPath: p.key, reason: p.message })),
        });
        this.name = "ComponentArgsError";
    }
}

/**
 * Runs a component's resolve step: every problem is raised once as a ComponentArgsError on `component`; values the
 * dated Azure data does not know, let through by `allowUnknownAzureValues`, are logged as warnings on it.
 */
export function resolveFor<T>(
    component: pulumi.Resource,
    subject: string,
    resolve: (problems: ProblemList) => T | undefined,
): T {
    const problems = new ProblemList();
    const value = resolve(problems);
    if (!problems.isEmpty) throw new ComponentArgsError(component, problems.problems, subject);
    for (const w of problems.warnings) pulumi.log.warn(`${w.key}: ${w.message}`, component);
    return value as T;
}
