import { strict as assert } from "assert";
import * as path from "path";
import { readConfigFile } from "../../program/stackFile";
import { stableGuid } from "../../src/plan/mocks";
import { creationWaves, OrderNode, unorderedPairs, waitsFor } from "../../src/plan/order";
import { manifestsOf, planDocument } from "../../src/plan/plan";
import { renderCreationOrder } from "../../src/plan/report";
import { PlannedResource, ProgramRun, runProgram } from "../../src/plan/runProgram";

/*
 * Creation order as data: the dependencies runProgram records for every resource, and the orderings Azure imposes —
 * one subnet write at a time per VNet, one agent-pool operation at a time per cluster, the identity's role
 * assignments before the cluster. Each stack runs once (in `before`); the rest is pure.
 */

const ROOT = path.join(__dirname, "..", "..");

const T = {
    subnet: "azure-native:network:Subnet",
    role: "azure-native:authorization:RoleAssignment",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    cluster: "azure-native:containerservice:ManagedCluster",
    pool: "azure-native:containerservice:AgentPool",
    maintenance: "azure-native:containerservice:MaintenanceConfiguration",
    k8s: "pulumi:providers:kubernetes",
    configMap: "kubernetes:core/v1:ConfigMap",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
} as const;

const ofType = (resources: readonly PlannedResource[], type: string) => resources.filter((r) => r.type === type);
function one(resources: readonly PlannedResource[], type: string): PlannedResource {
    const found = ofType(resources, type);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
    return groups;
}

/** A deep enough copy to break: the same resources with their own dependency lists. */
const copyOf = (resources: readonly PlannedResource[]): PlannedResource[] =>
    resources.map((r) => ({ ...r, dependencies: [...r.dependencies] }));
function dropEdge(resources: PlannedResource[], from: string, to: string): PlannedResource[] {
    const r = resources.find((x) => x.name === from)!;
    assert.ok(r.dependencies.includes(to), `${from} does not depend on ${to}: nothing to drop`);
    r.dependencies = r.dependencies.filter((d) => d !== to);
    return resources;
}

/** What differs between the stacks, written out by hand from Pulumi.<stack>.yaml. */
const STACKS = {
    dev: {
        vnet: "vnet-aks-dev",
        cluster: "aks-dev",
        subnets: ["network-nodes", "network-pods"],
        poolOperations: ["cluster-aks", "cluster-pool-apps"],
    },
    prod: {
        vnet: "vnet-aks-prod",
        cluster: "aks-prod",
        subnets: ["network-nodes", "network-pods", "network-pods-batch"],
        poolOperations: [
            "cluster-aks",
            "cluster-pool-apps",
            "cluster-pool-batch",
            "cluster-auto-upgrade-window",
            "cluster-node-os-upgrade-window",
        ],
    },
} as const;

for (const [stack, expected] of Object.entries(STACKS)) {
    describe(`creation order of stack ${stack}`, () => {
        let run: ProgramRun;
        let resources: PlannedResource[];
        before(async () => {
            run = await runProgram({
                stack,
                config: readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`)),
                stackTraces: false,
            });
            resources = run.resources;
        });

        describe("recorded dependencies", () => {
            it(
                "every resource lists what it waits for: sorted, once each, never itself, " +
                    "its explicit dependsOn included",
                () => {
                    for (const r of resources) {
                        assert.deepEqual(r.dependencies, [...new Set(r.dependencies)].sort(), r.name);
                        assert.ok(!r.dependencies.includes(r.name), `${r.name} depends on itself`);
                        for (const d of r.dependsOn)
                            assert.ok(
                                r.dependencies.includes(d),
                                `${r.name}: explicit ${d} missing from ${r.dependencies}`,
                            );
                    }
                },
            );

            it(
                "are exactly what the engine receives: components expanded and the provider aside, " +
                    "the request's dependencies",
                () => {
                    const custom = (name: string) => resources.find((r) => r.name === name)!.custom;
                    const descendants = (name: string): string[] =>
                        custom(name)
                            ? [name]
                            : resources
                                  .filter((r) => r.parent === name && r.name !== name)
                                  .flatMap((r) => descendants(r.name));
                    let compared = 0;
                    for (const r of resources) {
                        const provider = ofType(resources, T.k8s).find((p) =>
                            r.provider?.includes(`::${p.name}::`),
                        )?.name;
                        const expanded = [
                            ...new Set(r.dependencies.filter((d) => d !== provider).flatMap(descendants)),
                        ].sort();
                        assert.deepEqual(expanded, r.requestDependencies, r.name);
                        compared += r.requestDependencies.length;
                    }
                    assert.ok(compared > 20, `only ${compared} dependencies compared`);
                },
            );

            it(
                "include implicit ones: a subnet reads its VNet's name, a role assignment the identity's " +
                    "principal and the subnet's id",
                () => {
                    for (const s of ofType(resources, T.subnet))
                        assert.ok(s.dependencies.includes("network-vnet"), `${s.name}: ${s.dependencies}`);
                    for (const role of ofType(resources, T.role).filter((r) => r.inputs.scope.includes("/subnets/"))) {
                        const subnet = ofType(resources, T.subnet).find((s) =>
                            role.inputs.scope.endsWith(`/subnets/${s.inputs.subnetName}`),
                        )!;
                        assert.deepEqual(role.dependencies, ["cluster-identity", subnet.name]);
                        assert.deepEqual(role.dependsOn, []);
                    }
                },
            );
        });

        describe("the orderings Azure imposes", () => {
            it("one subnet write at a time per VNet: every two subnets of a VNet are ordered", () => {
                const byVnet = groupBy(ofType(resources, T.subnet), (s) => s.inputs.virtualNetworkName);
                assert.deepEqual([...byVnet.keys()], [expected.vnet]);
                const names = byVnet.get(expected.vnet)!.map((s) => s.name);
                assert.deepEqual(names, expected.subnets);
                assert.deepEqual(unorderedPairs(resources, names), []);
            });

            it(
                "one agent-pool operation at a time per cluster: the cluster (its inline System pool), " +
                    "every AgentPool and the maintenance configuration are ordered",
                () => {
                    const operations = [
                        ...ofType(resources, T.cluster),
                        ...ofType(resources, T.pool),
                        ...ofType(resources, T.maintenance),
                    ];
                    const byCluster = groupBy(operations, (r) => r.inputs.resourceName);
                    assert.deepEqual([...byCluster.keys()], [expected.cluster]);
                    const names = byCluster.get(expected.cluster)!.map((r) => r.name);
                    assert.deepEqual([...names].sort(), [...expected.poolOperations].sort());
                    assert.deepEqual(unorderedPairs(resources, names), []);
                    for (const name of names.filter((n) => n !== "cluster-aks"))
                        assert.ok(waitsFor(resources, name, "cluster-aks"), `${name} does not wait for the cluster`);
                },
            );

            it(
                "every role assignment granting the cluster identity " +
                    "rights on a subnet comes before the ManagedCluster",
                () => {
                    const principal = stableGuid(`principal:${one(resources, T.identity).name}`);
                    const grants = ofType(resources, T.role).filter(
                        (r) => r.inputs.principalId === principal && r.inputs.scope.includes("/subnets/"),
                    );
                    assert.equal(grants.length, expected.subnets.length);
                    for (const grant of grants) {
                        assert.ok(
                            waitsFor(resources, "cluster-aks", grant.name),
                            `cluster-aks does not wait for ${grant.name}`,
                        );
                        assert.ok(
                            !waitsFor(resources, grant.name, "cluster-aks"),
                            `${grant.name} waits for the cluster`,
                        );
                    }
                },
            );

            it(
                "the ManagedCluster waits for its subnets; the ConfigMap and DaemonSet for the cluster, " +
                    "via the Kubernetes provider",
                () => {
                    for (const subnet of expected.subnets)
                        assert.ok(
                            waitsFor(resources, "cluster-aks", subnet),
                            `cluster-aks does not wait for ${subnet}`,
                        );
                    const provider = one(resources, T.k8s);
                    assert.ok(
                        provider.dependencies.includes("cluster-aks"),
                        `${provider.name}: ${provider.dependencies}`,
                    );
                    for (const object of [one(resources, T.configMap), one(resources, T.daemonSet)]) {
                        assert.ok(
                            object.dependencies.includes(provider.name),
                            `${object.name}: ${object.dependencies}`,
                        );
                        assert.ok(
                            !object.dependencies.includes("cluster-aks"),
                            `${object.name} reads the cluster directly`,
                        );
                        assert.ok(
                            waitsFor(resources, object.name, "cluster-aks"),
                            `${object.name} does not wait for the cluster`,
                        );
                    }
                    assert.ok(waitsFor(resources, "ip-masq-agent-daemonset", "ip-masq-agent-config"));
                    // Waiting for a component is waiting for all of its resources.
                    assert.ok(waitsFor(resources, "ip-masq-agent-daemonset", "network"));
                },
            );
        });

        describe("the plan's output", () => {
            it(
                "the JSON plan has dependsOn on every resource, " +
                    "and every name resolves to exactly one resource of the plan",
                () => {
                    const document = JSON.parse(
                        JSON.stringify(planDocument(resources, run.outputs.addressPlan, manifestsOf(resources))),
                    );
                    assert.equal(document.resources.length, resources.length);
                    const names = document.resources.map((r: any) => r.name);
                    assert.equal(new Set(names).size, names.length, "resource names are not unique");
                    let edges = 0;
                    document.resources.forEach((entry: any, i: number) => {
                        assert.ok(Array.isArray(entry.dependsOn), `${entry.name} has no dependsOn`);
                        assert.deepEqual(entry.dependsOn, resources[i].dependencies);
                        for (const d of entry.dependsOn)
                            assert.equal(names.filter((n: string) => n === d).length, 1, `${entry.name}: ${d}`);
                        edges += entry.dependsOn.length;
                    });
                    assert.ok(edges > 20, `only ${edges} dependencies`);
                    assert.ok(
                        !JSON.stringify(document).includes("mock-token-not-a-secret"),
                        "the kubeconfig is printed",
                    );
                    assert.equal(document.resources.find((r: any) => r.type === T.k8s).inputs.kubeconfig, "[secret]");
                },
            );

            it("the text plan lists every custom resource once, in waves, after everything it waits for", () => {
                const lines = renderCreationOrder(resources);
                const custom = resources.filter((r) => r.custom);
                assert.match(lines[0], new RegExp(`^Creation order \\(${custom.length} resources in \\d+ waves`));
                // A line is "[wave] name kind [after ...]": the wave number only on a wave's first line.
                const listed = lines.slice(1).map((l) => {
                    const [first, second] = l.trim().split(/\s+/);
                    return /^\d+$/.test(first) ? second : first;
                });
                assert.deepEqual([...listed].sort(), custom.map((r) => r.name).sort());
                const position = new Map(listed.map((name, i) => [name, i]));
                for (const r of custom) {
                    for (const other of custom) {
                        if (other !== r && waitsFor(resources, r.name, other.name))
                            assert.ok(
                                position.get(other.name)! < position.get(r.name)!,
                                `${r.name} is listed before ${other.name}`,
                            );
                    }
                }
                assert.equal(lines.length, custom.length + 1);
                assert.ok(!lines.join("\n").includes("mock-token"), "the kubeconfig is printed");
            });

            it("waves: each resource is in the first wave after everything it waits for", () => {
                const waves = creationWaves(resources);
                const waveOf = new Map(waves.flatMap((wave, i) => wave.map((e) => [e.resource.name, i] as const)));
                assert.equal(waveOf.size, resources.filter((r) => r.custom).length);
                for (const [name, wave] of waveOf) {
                    const before = [...waveOf].filter(([other]) => waitsFor(resources, name, other)).map(([, w]) => w);
                    assert.equal(wave, before.length ? Math.max(...before) + 1 : 0, name);
                }
                // The resource group, and the program's read of its own last outputs (StackReference "self").
                assert.deepEqual(
                    waves[0].map((e) => e.resource.name),
                    ["rg", "self"],
                );
            });
        });

        describe("a broken copy fails the checks", () => {
            it("dropping the edge between two subnets leaves them unordered, and the check names them", () => {
                const broken = dropEdge(copyOf(resources), expected.subnets[1], expected.subnets[0]);
                // The first subnet is now unordered with the second, and so with every subnet that only waits for
                // the second.
                assert.deepEqual(
                    unorderedPairs(broken, expected.subnets),
                    expected.subnets.slice(1).map((s) => [expected.subnets[0], s]),
                );
                assert.deepEqual(unorderedPairs(resources, expected.subnets), [], "the copy shares state with the run");
            });

            it("dropping the cluster's dependency on a role assignment lets the cluster start before the grant", () => {
                const broken = dropEdge(copyOf(resources), "cluster-aks", "cluster-network-contributor-nodes");
                assert.equal(waitsFor(broken, "cluster-aks", "cluster-network-contributor-nodes"), false);
                assert.equal(waitsFor(resources, "cluster-aks", "cluster-network-contributor-nodes"), true);
            });

            if (stack === "prod") {
                it("dropping the chain between the two AgentPools leaves them unordered", () => {
                    const broken = dropEdge(copyOf(resources), "cluster-pool-batch", "cluster-pool-apps");
                    assert.deepEqual(unorderedPairs(broken, expected.poolOperations), [
                        ["cluster-pool-apps", "cluster-pool-batch"],
                        ["cluster-pool-apps", "cluster-auto-upgrade-window"],
                        ["cluster-pool-apps", "cluster-node-os-upgrade-window"],
                    ]);
                });
            }

            it("a cycle or an unknown name is an error, not an order", () => {
                const cyclic = dropEdge(copyOf(resources), expected.subnets[1], expected.subnets[0]);
                cyclic.find((r) => r.name === expected.subnets[0])!.dependencies.push(expected.subnets[1]);
                cyclic.find((r) => r.name === expected.subnets[1])!.dependencies.push(expected.subnets[0]);
                assert.throws(() => creationWaves(cyclic), new RegExp(`dependency cycle: .*${expected.subnets[0]}`));
                const unknown = copyOf(resources);
                unknown[1].dependencies.push("no-such-resource");
                assert.throws(
                    () => creationWaves(unknown),
                    /depends on no-such-resource, which is not a resource of the plan/,
                );
            });
        });
    });
}

describe("order helpers on a hand-made graph", () => {
    const node = (name: string, parent: string, custom: boolean, dependencies: string[] = []): OrderNode => ({
        name,
        type: custom ? "t:m:Custom" : "t:m:Component",
        parent,
        custom,
        dependencies,
    });
    // stack ─ comp ─ x, inner ─ y (custom) ─ z (custom child of a custom resource); a depends on comp; b on nothing.
    const graph = [
        node("stack", "", false),
        node("comp", "stack", false),
        node("x", "comp", true),
        node("inner", "comp", false),
        node("y", "inner", true),
        node("z", "y", true, ["late"]),
        node("late", "stack", true),
        node("a", "stack", true, ["comp"]),
        node("b", "stack", true),
        node("empty", "stack", false),
        node("c", "stack", true, ["empty"]),
    ];

    it(
        "a dependency on a component waits for its custom descendants, " +
            "through nested components but not custom ones",
        () => {
            assert.equal(waitsFor(graph, "a", "x"), true);
            assert.equal(waitsFor(graph, "a", "y"), true);
            assert.equal(waitsFor(graph, "a", "comp"), true);
            assert.equal(waitsFor(graph, "a", "inner"), true);
            assert.equal(waitsFor(graph, "a", "z"), false);
            assert.equal(waitsFor(graph, "a", "late"), false);
            assert.equal(waitsFor(graph, "z", "late"), true);
            assert.equal(waitsFor(graph, "x", "a"), false);
            assert.equal(waitsFor(graph, "c", "empty"), false, "an empty component is nothing to wait for");
        },
    );

    it("orders in waves and reports unordered pairs", () => {
        const waves = creationWaves(graph).map((w) => w.map((e) => e.resource.name));
        assert.deepEqual(waves, [
            ["x", "y", "late", "b", "c"],
            ["z", "a"],
        ]);
        assert.deepEqual(unorderedPairs(graph, ["a", "x", "b"]), [
            ["a", "b"],
            ["x", "b"],
        ]);
    });

    it("names only the direct waits that nothing else implies", () => {
        const chain = [
            node("s", "", false),
            node("p", "s", true),
            node("q", "s", true, ["p"]),
            node("r", "s", true, ["p", "q"]),
        ];
        const r = creationWaves(chain)[2][0];
        assert.deepEqual([r.resource.name, r.waitsFor, r.waitsForDirectly], ["r", ["p", "q"], ["q"]]);
    });

    it("refuses two resources of one name", () => {
        assert.throws(
            () => waitsFor([node("s", "", false), node("d", "s", true), node("d", "s", true)], "d", "d"),
            /two resources are named d/,
        );
    });
});
