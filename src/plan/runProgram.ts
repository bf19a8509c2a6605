/**
 * Runs a Pulumi program under Pulumi's mock runtime with a given configuration, and returns every resource it
 * registered (with parent, dependencies and resource options), every invoke and the stack outputs. Used by the
 * offline plan (on any project), the tests and the benchmark (on this repository's program).
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureMocks, RecordedInvoke, RecordedResource } from "./mocks";
import { programOf, readProject } from "./project";
import { RawConfig } from "./stackFile";

export interface PlannedResource extends RecordedResource {
    /** Position in the order the program constructed resources (deterministic, unlike registration order). */
    order: number;
    /** Name of the parent resource (`<project>-<stack>` for the stack itself). */
    parent: string;
    parentType: string;
    /** The explicit `dependsOn` option only, in the order the program gave it (components by their own name). */
    dependsOn: string[];
    /**
     * Everything this resource waits for before it is created (the plan JSON's `dependsOn`), sorted, without
     * itself: the explicit `dependsOn` (and `replaceWith`), every resource whose outputs its inputs read, its
     * provider and a custom parent. A dependency on a component is named by the component: the engine waits for
     * all of the component's custom descendants (tools/order.ts expands it).
     */
    dependencies: string[];
    /**
     * What the engine receives: the custom resources listed in the RegisterResourceRequest's `dependencies`, where
     * the SDK has already replaced each component by its custom descendants. Sorted; for checking `dependencies`.
     */
    requestDependencies: string[];
    ignoreChanges: string[];
    /** Inputs whose change replaces the resource (beyond what the provider itself replaces for). */
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    protect: boolean;
}

export interface ProgramRun {
    resources: PlannedResource[];
    /** The component resources the program constructed, as objects (e.g. a Network's plan), in construction order. */
    components: { type: string; name: string; resource: pulumi.ComponentResource }[];
    invokes: RecordedInvoke[];
    /**
     * The stack outputs: whatever the program exports (or its function returns), resolved. Untyped like the recorded
     * inputs (mocks.ts): the tests and tools outside src/plan read them like JSON (`outputs.addressPlan.nodeSubnet`).
     */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the program's own values, read as JSON by tests
    outputs: Record<string, any>;
}

/**
 * The program `pulumi preview` would run in the working folder (Pulumi.yaml `main`, else the folder): the default
 * program. In this repository that is index.ts, which the tests run through their TypeScript loader.
 */
export const PROGRAM = programOf(process.cwd());

interface Options {
    stack: string;
    config: RawConfig;
    /** Run as `pulumi preview` (true) or `pulumi up` (false). */
    preview?: boolean;
    /**
     * The program: a module path (its exports are the stack outputs; default: PROGRAM), or a function run inside
     * the stack (its awaited result is the stack outputs, so it may await Outputs while the runtime is up). A
     * TypeScript module needs a TypeScript loader registered (see loader.ts).
     */
    program?: string | (() => unknown);
    /** Pulumi project name (the namespace of its config keys). Default: Pulumi.yaml's in the working folder. */
    project?: string;
    /** The mocks to record into; pass your own to see what was registered even when the run rejects. */
    mocks?: AzureMocks;
    /**
     * Capture JavaScript stack traces while the program runs (default true). The Pulumi SDK records one for every
     * promise it creates, for its leak report; the offline plan and the benchmark turn that off (measured: 25
     * clusters plan in 7.2 s instead of 9.8 s). Source positions of resources are captured either way.
     */
    stackTraces?: boolean;
}

/**
 * The SDK's own resolution of the `dependsOn` and `replaceWith` options (flattens arrays, awaits Promises and
 * Outputs): internal to @pulumi/pulumi 3.248 and untyped, used so that explicit dependencies are read exactly as the
 * SDK reads them before it registers a resource.
 */
// A require, not an import: the module's typings declare nothing (the function is internal, stripped from them), so
// an import could not name it; the cast states the one function used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { gatherExplicitDependencies } = require("@pulumi/pulumi/runtime/dependsOn") as {
    gatherExplicitDependencies(dependsOn: unknown): Promise<pulumi.Resource[]>;
};

/** The parts of a RegisterResourceRequest (protobuf) read here. */
interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): {
        forEach(callback: (dependencies: { getUrnsList(): string[] }, property: string) => void): void;
    };
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` → name. */
function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** What the stack transformation records per resource; explicit dependencies resolve after the run. */
interface Recorded {
    order: number;
    parent: string;
    parentType: string;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    protect: boolean;
    explicit: Promise<pulumi.Resource[]>;
    replaceWith: Promise<pulumi.Resource[]>;
    /** Resources whose URN the SDK awaits before registering: a custom parent and `deletedWith`. */
    awaited: pulumi.Resource[];
}

const sortedUnique = (names: Iterable<string>) => [...new Set(names)].sort();

/** Runs the program once; rejects with the program's own error (a RunError for configuration problems). */
export async function runProgram({
    stack,
    config,
    preview = false,
    program = PROGRAM,
    project = readProject(process.cwd()).name,
    mocks = new AzureMocks(),
    stackTraces = true,
}: Options): Promise<ProgramRun> {
    const stackTraceLimit = Error.stackTraceLimit;
    if (!stackTraces) Error.stackTraceLimit = 0;
    // "organization" is what a self-managed (DIY) backend calls every organization.
    await pulumi.runtime.setMocks(mocks, project, stack, preview, "organization");
    pulumi.runtime.setAllConfig(config);

    // Parents, dependencies and options are not part of what mocks see: a stack transformation records them.
    const stackName = `${project}-${stack}`;
    const identities = new Map<pulumi.Resource, { name: string; type: string }>();
    const options = new Map<string, Recorded>();
    const nameOf = (resource: unknown) => identities.get(resource as pulumi.Resource)?.name ?? stackName;

    // Implicit dependencies (inputs that read another resource's Output) come from the RegisterResourceRequest the
    // SDK sends to the (mock) monitor: its `propertyDependencies` are exactly the resources the SDK found while it
    // serialized the inputs for the engine (Outputs inside Promises, Outputs of Outputs, apply results carrying
    // their sources, resource references), and its `dependencies` are what the engine orders by. Walking
    // `args.props` in the transformation instead would re-implement that serialization (allResources() is a
    // promise, values nest), and could only approximate it. The request, though, already has components replaced
    // by their custom descendants, so explicit `dependsOn` comes from the transformation, where a component is
    // still itself; test/plan/order.test.ts checks that the two, expanded, are the request's set exactly.
    const requests = new Map<string, { dependencies: string[]; implicit: string[] }>();
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(request: RegisterResourceRequest, callback: unknown): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
        const implicit: string[] = [];
        request.getPropertydependenciesMap().forEach((dependencies) => implicit.push(...dependencies.getUrnsList()));
        requests.set(`${request.getType()}::${request.getName()}`, {
            dependencies: request.getDependenciesList(),
            implicit,
        });
        return register(request, callback);
    };

    // A failed resource operation (an input whose Output rejected) reaches the language host as an unhandled
    // rejection, which ends `pulumi up` with that error; under mocks nothing else would, and the run would wait
    // forever.
    let failRun: (reason: unknown) => void = () => undefined;
    const runFailed = new Promise<never>((_, reject) => (failRun = reject));
    process.on("unhandledRejection", failRun);

    let outputs: Record<string, unknown> = {};
    let failed = false;
    try {
        const stack = pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                identities.set(args.resource, { name: args.name, type: args.type });
                const parent = args.opts.parent;
                const opts = args.opts as pulumi.CustomResourceOptions;
                // A rejection here rejects the registration too, and so the run; the copy must not go unhandled.
                const gather = (dependencies: unknown) =>
                    gatherExplicitDependencies(dependencies).catch(() => [] as pulumi.Resource[]);
                options.set(`${args.type}::${args.name}`, {
                    order: options.size,
                    parent: nameOf(parent),
                    parentType: parent
                        ? (identities.get(parent)?.type ?? "pulumi:pulumi:Stack")
                        : "pulumi:pulumi:Stack",
                    ignoreChanges: args.opts.ignoreChanges ?? [],
                    replaceOnChanges: args.opts.replaceOnChanges ?? [],
                    deleteBeforeReplace: opts.deleteBeforeReplace === true,
                    protect: args.opts.protect === true,
                    explicit: gather(args.opts.dependsOn),
                    replaceWith: gather(opts.replaceWith),
                    awaited: [
                        ...(pulumi.CustomResource.isInstance(parent) ? [parent] : []),
                        ...(opts.deletedWith ? [opts.deletedWith] : []),
                    ],
                });
                return undefined;
            });
            if (typeof program === "function") return await program();
            delete require.cache[require.resolve(program)];
            // The user's program, loaded fresh on every run (the cache entry is dropped above) and only now: its path
            // is known at run time, and it must load after the mocks are set.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exported: unknown = require(program);
            // As Pulumi's nodejs runtime does (cmd/run/run.js): a module that exports a function is an async entry
            // point (`export = async () => { ... }`, e.g. to await another stack's outputs); its result is the outputs.
            return { ...((exported instanceof Function ? await exported() : exported) as object) };
        });
        outputs =
            (await Promise.race([stack, runFailed.catch((reason) => ((failed = true), Promise.reject(reason)))])) ?? {};
    } finally {
        process.off("unhandledRejection", failRun);
        // After a failed operation the runtime still waits for it: disconnect without waiting (the next run resets it).
        if (failed) void pulumi.runtime.disconnect().catch(() => undefined);
        else await pulumi.runtime.disconnect();
        Error.stackTraceLimit = stackTraceLimit;
    }

    // Registration order is not construction order: sort by the order the program constructed resources in (the
    // stack itself is not transformed: it comes first).
    const resources = await Promise.all(
        mocks.resources.map(async (r): Promise<PlannedResource> => {
            const key = `${r.type}::${r.name}`;
            const request = requests.get(key) ?? { dependencies: [], implicit: [] };
            const recorded = options.get(key);
            const explicit = recorded ? (await recorded.explicit).map(nameOf) : [];
            const others = recorded ? [...(await recorded.replaceWith), ...recorded.awaited].map(nameOf) : [];
            // The provider reference is `<urn>::<id>`: the SDK awaits both, so the resource waits for its provider.
            const provider = r.provider ? [nameOfUrn(r.provider.slice(0, r.provider.lastIndexOf("::")))] : [];
            const dependencies = sortedUnique([
                ...explicit,
                ...others,
                ...request.implicit.map(nameOfUrn),
                ...provider,
            ]).filter((name) => name !== r.name);
            return {
                ...r,
                order: recorded?.order ?? -1,
                parent: recorded?.parent ?? "",
                parentType: recorded?.parentType ?? "",
                dependsOn: explicit,
                dependencies,
                requestDependencies: sortedUnique(request.dependencies.map(nameOfUrn)),
                ignoreChanges: recorded?.ignoreChanges ?? [],
                replaceOnChanges: recorded?.replaceOnChanges ?? [],
                deleteBeforeReplace: recorded?.deleteBeforeReplace ?? false,
                protect: recorded?.protect ?? false,
            };
        }),
    );
    resources.sort((a, b) => a.order - b.order);
    const components = [...identities]
        .filter(([resource]) => pulumi.ComponentResource.isInstance(resource))
        .map(([resource, { name, type }]) => ({ type, name, resource: resource as pulumi.ComponentResource }));
    return { resources, components, invokes: mocks.invokes, outputs };
}
