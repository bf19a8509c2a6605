/**
 * What a provider-hosted component receives is not what a TypeScript caller passes: the engine sends a value that is
 * unknown at preview as a sentinel, and a secret or a value depending on another resource as an Output, even where
 * the schema declares the property plain. The address plan and every check need real values before anything is
 * deployed, so such values are reported as problems instead of reaching the library's checks (which would call them
 * "an object") or crashing on them.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentArgsError, ConfigProblem } from "../index";

const UNKNOWN =
    "is unknown until another resource is created; the address plan and its checks run before anything is " +
    "deployed, so give a literal or a configuration value";
const OUTPUT =
    "arrived as an Output (a secret, or a value computed from another resource); this setting is plain: give a " +
    "literal or a non-secret configuration value";

/** Every place in `value` (a plain setting named `key`) that holds no readable value, as problems. */
export function unresolvedProblems(value: unknown, key: string): ConfigProblem[] {
    if (pulumi.isUnknown(value)) return [{ key, message: UNKNOWN }];
    if (pulumi.Output.isInstance(value)) return [{ key, message: OUTPUT }];
    if (Array.isArray(value)) return value.flatMap((item, i) => unresolvedProblems(item, `${key}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([field, item]) => unresolvedProblems(item, `${key}.${field}`));
    }
    return [];
}

/** The problems of the args' plain settings (every arg but `inputs`) that hold no readable value. */
export function unresolvedArgs(args: object, inputs: readonly string[]): ConfigProblem[] {
    return Object.entries(args)
        .filter(([key]) => !inputs.includes(key))
        .flatMap(([key, value]) => unresolvedProblems(value, key));
}

/**
 * Raises `problems`, if any, as one error on `component`, the way the library's components do: a ComponentArgsError
 * lists every problem in its message and names each property, which Pulumi shows per property when the component is
 * constructed through the provider. The same problem found by two resolve steps (tags are checked by the network's
 * and by the cluster's) is listed once.
 */
export function raiseProblems(component: pulumi.Resource, subject: string, problems: readonly ConfigProblem[]): void {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
        const id = `${p.key}\n${p.message}`;
        return !seen.has(id) && seen.add(id) !== undefined;
    });
    if (unique.length > 0) throw new ComponentArgsError(component, unique, subject);
}
