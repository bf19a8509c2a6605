/**
 * Creation order as data (pure): which resources wait for which, from the `dependencies` runProgram records.
 *
 * A dependency names a resource as it appears in the plan's `resources[].name`. A dependency on a component resource
 * means what the engine does with it: waiting for every custom resource below the component (through nested
 * components, not through custom resources: the SDK stops there too). Components themselves are never created, so
 * the creation order holds custom resources (providers included) only.
 */

/** What the order needs of a planned resource (PlannedResource has it). */
export interface OrderNode {
    name: string;
    type: string;
    /** Name of the parent resource. */
    parent: string;
    /** false for components and the stack. */
    custom: boolean;
    /** Names of the resources this one waits for (components by their own name). */
    dependencies: readonly string[];
}

class Graph<T extends OrderNode> {
    readonly byName = new Map<string, T>();
    private readonly children = new Map<string, T[]>();
    private readonly expanded = new Map<string, string[]>();
    private readonly reached = new Map<string, Set<string>>();

    constructor(readonly nodes: readonly T[]) {
        for (const node of nodes) {
            if (this.byName.has(node.name))
                throw new Error(`two resources are named ${node.name}: dependencies by name would be ambiguous`);
            this.byName.set(node.name, node);
        }
        for (const node of nodes) {
            for (const dependency of node.dependencies) {
                if (!this.byName.has(dependency))
                    throw new Error(`${node.name} depends on ${dependency}, which is not a resource of the plan`);
            }
            if (node.parent === node.name) continue;
            const list = this.children.get(node.parent) ?? [];
            list.push(node);
            this.children.set(node.parent, list);
        }
    }

    node(name: string): T {
        const node = this.byName.get(name);
        if (!node) throw new Error(`no resource named ${name} in the plan`);
        return node;
    }

    /** The custom resources that waiting for `name` means: itself, or a component's custom descendants. */
    expand(name: string): string[] {
        let result = this.expanded.get(name);
        if (!result) {
            const node = this.node(name);
            result = node.custom ? [name] : (this.children.get(name) ?? []).flatMap((child) => this.expand(child.name));
            this.expanded.set(name, result);
        }
        return result;
    }

    /** The custom resources `name` waits for directly (components expanded). */
    direct(name: string): string[] {
        const node = this.node(name);
        return [...new Set(node.dependencies.flatMap((d) => this.expand(d)))].filter((d) => d !== name);
    }

    /**
     * Every custom resource `name` waits for, transitively. A component is complete when its custom descendants
     * are: for a component, that is them and everything they wait for.
     */
    reachable(name: string): Set<string> {
        let result = this.reached.get(name);
        if (result) return result;
        result = new Set<string>();
        const stack = this.node(name).custom ? this.direct(name) : this.expand(name);
        while (stack.length) {
            const next = stack.pop()!;
            if (result.has(next)) continue;
            result.add(next);
            stack.push(...this.direct(next));
        }
        this.reached.set(name, result);
        return result;
    }
}

/**
 * Whether `a` waits for `b`, transitively: `b` (every custom resource of `b`, if `b` is a component; false when it
 * has none) exists before `a` is created. Throws on a name that is not in `resources`.
 */
export function waitsFor(resources: readonly OrderNode[], a: string, b: string): boolean {
    return waits(new Graph(resources), a, b);
}

function waits(graph: Graph<OrderNode>, a: string, b: string): boolean {
    const targets = graph.expand(b);
    const reached = graph.reachable(a);
    return targets.length > 0 && targets.every((t) => reached.has(t));
}

/** The pairs among `names` that may run at the same time: neither waits for the other. */
export function unorderedPairs(resources: readonly OrderNode[], names: readonly string[]): [string, string][] {
    const graph = new Graph(resources);
    const pairs: [string, string][] = [];
    names.forEach((a, i) =>
        names.slice(i + 1).forEach((b) => {
            if (!waits(graph, a, b) && !waits(graph, b, a)) pairs.push([a, b]);
        }),
    );
    return pairs;
}

/** One resource of a creation wave, with what it waits for directly (components expanded). */
export interface WaveEntry<T extends OrderNode = OrderNode> {
    resource: T;
    /** Custom resources it waits for directly, sorted. */
    waitsFor: string[];
    /** The subset of `waitsFor` not already implied by another entry of it (the transitive reduction), sorted. */
    waitsForDirectly: string[];
}

/**
 * The custom resources in creation waves: wave 0 waits for nothing, and each later wave holds the resources whose
 * dependencies all lie in earlier waves (each as early as it can start). Within a wave, the plan's order. Throws
 * on a cycle (the engine would never start any resource on it), naming it.
 */
export function creationWaves<T extends OrderNode>(resources: readonly T[]): WaveEntry<T>[][] {
    const graph = new Graph(resources);
    const wave = new Map<string, number>();
    const visiting: string[] = [];
    const waveOf = (name: string): number => {
        const known = wave.get(name);
        if (known !== undefined) return known;
        const at = visiting.indexOf(name);
        if (at >= 0) throw new Error(`dependency cycle: ${[...visiting.slice(at), name].join(" → ")}`);
        visiting.push(name);
        const result = Math.max(-1, ...graph.direct(name).map(waveOf)) + 1;
        visiting.pop();
        wave.set(name, result);
        return result;
    };
    const waves: WaveEntry<T>[][] = [];
    for (const resource of resources) {
        if (!resource.custom) continue;
        const index = waveOf(resource.name);
        const direct = graph.direct(resource.name).sort();
        const implied = new Set(direct.flatMap((d) => [...graph.reachable(d)]));
        (waves[index] ??= []).push({
            resource,
            waitsFor: direct,
            waitsForDirectly: direct.filter((d) => !implied.has(d)),
        });
    }
    return waves;
}
