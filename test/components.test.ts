import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { parse } from "yaml";
import {
    AddressPlanInput,
    Cluster,
    ClusterNetwork,
    IpMasqAgent,
    Network,
    NETWORK_CONTRIBUTOR_ROLE,
    NodePoolSpec,
    planAddresses,
} from "../src";
import { AzureMocks, MOCK_SUBSCRIPTION, mockKubeconfig } from "../src/plan/mocks";
import { PlannedResource, runProgram } from "../src/plan/runProgram";

/*
 * The components used directly, the way a platform team composes them in its own program (not through index.ts),
 * under Pulumi's mock runtime with the project's Azure mocks.
 */

const PROJECT = "platform";
const STACK = "components";
const STACK_NAME = `${PROJECT}-${STACK}`;

interface Mocked<T> {
    resources: PlannedResource[];
    invokes: AzureMocks["invokes"];
    /** What `program` returned, every Output in it resolved while the runtime was up. */
    value: T;
}

/** Runs `program` as a Pulumi stack under the mocks (see src/plan/runProgram.ts); it may await Outputs inside. */
async function runMocked<T>(program: () => T | Promise<T>, preview = false): Promise<Mocked<Awaited<T>>> {
    let value: Awaited<T> | undefined;
    const run = await runProgram({
        project: PROJECT,
        stack: STACK,
        config: {},
        preview,
        program: async () => {
            value = await program();
            return {};
        },
    });
    return { resources: run.resources, invokes: run.invokes, value: value as Awaited<T> };
}

/** Resolves an Output (with its secretness) inside the running stack. */
async function resolve<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    const value = await new Promise<T>((ok) => o.apply((v) => ok(v)));
    return { value, secret: await pulumi.isSecret(o) };
}

/** Constructs a component and returns the error its constructor throws (the test fails if it throws none). */
function constructionError(construct: () => unknown): unknown {
    try {
        construct();
    } catch (error) {
        return error;
    }
    assert.fail("the component accepted invalid args");
}

/** A one-pool plan for the tests that hand the Cluster a ClusterNetwork of their own. */
function smallPlan() {
    const pools: NodePoolSpec[] = [{ name: "system", mode: "System", count: 2, maxPods: 40, maxSurge: "1" }];
    return planAddresses({
        nodeSubnetCidr: "10.70.0.0/28",
        podSubnetCidr: "100.64.0.0/22",
        serviceCidr: "172.21.0.0/16",
        nodePools: pools,
    });
}

/** The problem lines of a project error message (`  - key: message`). */
function problemLines(error: unknown): string[] {
    // One error, both kinds: a ResourceError on the component (its message, no stack, in a TypeScript program) and the
    // SDK's InputPropertiesError (each problem on its property, through the multi-language provider).
    assert.ok(pulumi.ResourceError.isInstance(error), `expected a pulumi.ResourceError, got ${error}`);
    assert.ok(pulumi.InputPropertiesError.isInstance(error), `expected a pulumi.InputPropertiesError, got ${error}`);
    const { errors, message } = error as pulumi.InputPropertiesError;
    assert.deepEqual(
        errors.map((e) => `  - ${e.propertyPath}: ${e.reason}`),
        message.split("\n").slice(1),
        "every problem on its property path, as the message lists them",
    );
    return message.split("\n").filter((line) => line.startsWith("  - "));
}

function childrenOf(m: Mocked<unknown>, parent: string): PlannedResource[] {
    return m.resources.filter(
        (r) => r.parent === parent || (r.name.startsWith(`${parent}-`) && r.type !== "pulumi:pulumi:Stack"),
    );
}

const RG = "rg-platform";
const rgId = `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${RG}`;

const POOLS: NodePoolSpec[] = [
    { name: "sys", mode: "System", count: 3, maxPods: 30, maxSurge: "1", availabilityZones: ["1", "2", "3"] },
    { name: "web", mode: "User", minCount: 2, maxCount: 6, maxPods: 60, maxSurge: "1", vmSize: "Standard_D8s_v5" },
    {
        name: "gpu",
        mode: "User",
        count: 1,
        maxPods: 30,
        maxSurge: "1",
        podSubnetCidr: "100.72.0.0/22",
        nodeTaints: ["sku=gpu:NoSchedule"],
    },
];

const ADDRESSES: AddressPlanInput = {
    nodeSubnetCidr: "10.60.0.0/27",
    podSubnetCidr: "100.64.0.0/21",
    serviceCidr: "172.20.0.0/16",
    connectedCidrs: ["10.0.0.0/8"],
    nodePools: POOLS,
    kubernetesVersion: "1.36",
};

describe("components used directly", () => {
    describe("Network + Cluster + IpMasqAgent in a platform team's own program", () => {
        let m: Mocked<{
            kubeconfig: { value: string; secret: boolean };
            clusterName: string;
            podSubnetIds: Record<string, string>;
            plan: Network["plan"];
        }>;
        before(async () => {
            m = await runMocked(async () => {
                const net = new Network("core", {
                    ...ADDRESSES,
                    resourceGroupName: RG,
                    location: "northeurope",
                    vnetName: "vnet-core",
                    nodePools: POOLS,
                });
                const cluster = new Cluster("k", {
                    resourceGroupName: RG,
                    location: "northeurope",
                    network: net,
                    clusterName: "aks-core",
                    kubernetesVersion: "1.36",
                });
                new IpMasqAgent("nat", {
                    provider: cluster.provider,
                    nonMasqueradeCIDRs: net.plan.ipMasqAgent.nonMasqueradeCIDRs,
                    chain: "PLATFORM-MASQ",
                    name: "platform-masq",
                    resyncInterval: 120,
                });
                const podSubnetIds = Object.fromEntries(
                    await Promise.all(
                        Object.entries(net.podSubnetIds).map(async ([k, v]) => [k, (await resolve(v)).value] as const),
                    ),
                );
                return {
                    kubeconfig: await resolve(cluster.kubeconfig),
                    clusterName: (await resolve(cluster.clusterName)).value,
                    podSubnetIds,
                    plan: net.plan,
                };
            });
        });

        const find = (type: string, name: string) => {
            const found = m.resources.find((r) => r.type === type && r.name === name);
            assert.ok(found, `${type} ${name} not registered; got ${m.resources.map((r) => r.name).join(", ")}`);
            return found;
        };
        const subnetId = (name: string) =>
            `${rgId}/providers/Microsoft.Network/virtualNetworks/vnet-core/subnets/${name}`;

        it("registers each component's children as `${name}-<role>` under that component", () => {
            const shape = (parent: string) => m.resources.filter((r) => r.parent === parent).map((r) => r.name);
            assert.deepEqual(shape(STACK_NAME), ["core", "k", "nat"]);
            assert.deepEqual(shape("core"), ["core-vnet", "core-nodes", "core-pods", "core-pods-gpu"]);
            assert.deepEqual(shape("k"), [
                "k-identity",
                "k-network-contributor-nodes",
                "k-network-contributor-pods",
                "k-network-contributor-pods-gpu",
                "k-aks",
                "k-pool-web",
                "k-pool-gpu",
                "k-k8s",
            ]);
            assert.deepEqual(shape("nat"), ["nat-config", "nat-daemonset"]);
        });

        it("lays out the VNet from the plan: delegated pod subnets, an undelegated node subnet", () => {
            assert.deepEqual(
                find("azure-native:network:VirtualNetwork", "core-vnet").inputs.addressSpace.addressPrefixes,
                ["10.60.0.0/27", "100.64.0.0/21", "100.72.0.0/22"],
            );
            assert.equal(find("azure-native:network:VirtualNetwork", "core-vnet").inputs.location, "northeurope");
            assert.equal(find("azure-native:network:Subnet", "core-nodes").inputs.delegations, undefined);
            for (const name of ["core-pods", "core-pods-gpu"]) {
                assert.deepEqual(
                    find("azure-native:network:Subnet", name).inputs.delegations.map((d: any) => d.serviceName),
                    ["Microsoft.ContainerService/managedClusters"],
                );
            }
            assert.deepEqual(m.value.podSubnetIds, { pods: subnetId("pods"), "pods-gpu": subnetId("pods-gpu") });
        });

        it(
            "puts each pool on its pod subnet, the System pool inline, " +
                "and ignores count only where the autoscaler owns it",
            () => {
                const mc = find("azure-native:containerservice:ManagedCluster", "k-aks");
                assert.equal(mc.inputs.resourceName, "aks-core");
                assert.equal(mc.inputs.dnsPrefix, "aks-core");
                assert.deepEqual(
                    mc.inputs.agentPoolProfiles.map((p: any) => [p.name, p.vnetSubnetID, p.podSubnetID, p.maxPods]),
                    [["sys", subnetId("nodes"), subnetId("pods"), 30]],
                );
                assert.deepEqual(mc.ignoreChanges, ["networkProfile.podCidr"]);
                assert.equal(mc.inputs.networkProfile.serviceCidr, "172.20.0.0/16");
                assert.equal(mc.inputs.networkProfile.dnsServiceIP, "172.20.0.10");
                const web = find("azure-native:containerservice:AgentPool", "k-pool-web");
                const gpu = find("azure-native:containerservice:AgentPool", "k-pool-gpu");
                assert.deepEqual(
                    [web.inputs.resourceName, web.inputs.podSubnetID, web.ignoreChanges],
                    ["aks-core", subnetId("pods"), ["count"]],
                );
                assert.deepEqual(
                    [gpu.inputs.resourceName, gpu.inputs.podSubnetID, gpu.ignoreChanges],
                    ["aks-core", subnetId("pods-gpu"), []],
                );
                assert.deepEqual(gpu.inputs.nodeTaints, ["sku=gpu:NoSchedule"]);
                assert.equal(web.inputs.vmSize, "Standard_D8s_v5");
            },
        );

        it("grants Network Contributor on all three subnets before the cluster", () => {
            const roles = m.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
            assert.deepEqual(
                roles.map((r) => r.inputs.scope),
                [subnetId("nodes"), subnetId("pods"), subnetId("pods-gpu")],
            );
            for (const r of roles)
                assert.ok(r.inputs.roleDefinitionId.endsWith(`/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE}`));
            assert.deepEqual(
                find("azure-native:containerservice:ManagedCluster", "k-aks").dependsOn,
                roles.map((r) => r.name),
            );
        });

        it(
            "exposes a secret kubeconfig from the user credentials " +
                "and deploys the agent through the cluster's provider",
            () => {
                assert.deepEqual(m.value.kubeconfig, { value: mockKubeconfig("aks-core"), secret: true });
                assert.equal(m.value.clusterName, "aks-core");
                assert.deepEqual(
                    m.invokes.map((i) => [i.token, i.inputs.resourceName]),
                    [["azure-native:containerservice:listManagedClusterUserCredentials", "aks-core"]],
                );
                const cm = find("kubernetes:core/v1:ConfigMap", "nat-config");
                const ds = find("kubernetes:apps/v1:DaemonSet", "nat-daemonset");
                for (const obj of [cm, ds]) assert.ok(obj.provider?.includes("k-k8s"), obj.provider);
                assert.equal(cm.inputs.metadata.name, "platform-masq-config");
                assert.equal(ds.inputs.metadata.name, "platform-masq");
                assert.deepEqual(
                    parse(cm.inputs.data["ip-masq-agent"]).nonMasqueradeCIDRs,
                    m.value.plan.ipMasqAgent.nonMasqueradeCIDRs,
                );
                assert.deepEqual(m.value.plan.ipMasqAgent.nonMasqueradeCIDRs, [
                    "10.60.0.0/27",
                    "100.64.0.0/21",
                    "100.72.0.0/22",
                    "172.20.0.0/16",
                ]);
                const args = ds.inputs.spec.template.spec.containers[0].args;
                assert.ok(
                    args.includes("--masq-chain=PLATFORM-MASQ") && args.includes("--resync-interval=120"),
                    args.join(" "),
                );
                assert.deepEqual(ds.dependsOn, ["nat-config"]);
            },
        );
    });

    describe("Cluster on a network it did not create (ClusterNetwork from plain IDs)", () => {
        it("uses the given subnet IDs and creates no network resources", async () => {
            const plan = smallPlan();
            const ids = {
                nodes:
                    "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/net" +
                    "/providers/Microsoft.Network/virtualNetworks/hub/subnets/nodes",
                pods:
                    "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/net" +
                    "/providers/Microsoft.Network/virtualNetworks/hub/subnets/pods",
            };
            const network: ClusterNetwork = {
                plan,
                nodeSubnetId: ids.nodes,
                podSubnetIds: { pods: ids.pods },
            };
            const m = await runMocked(() => {
                new Cluster("byo", { resourceGroupName: "rg-apps", network, clusterName: "aks-byo" });
            });
            assert.ok(!m.resources.some((r) => r.type.startsWith("azure-native:network:")));
            const mc = m.resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster")!;
            assert.deepEqual(
                [mc.inputs.agentPoolProfiles[0].vnetSubnetID, mc.inputs.agentPoolProfiles[0].podSubnetID],
                [ids.nodes, ids.pods],
            );
            const roles = m.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
            // The role lives in the subnets' subscription, not the cluster's.
            assert.deepEqual(
                roles.map((r) => [r.inputs.scope, r.inputs.roleDefinitionId]),
                [ids.nodes, ids.pods].map((id) => [
                    id,
                    "/subscriptions/22222222-2222-2222-2222-222222222222" +
                        `/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE}`,
                ]),
            );
        });
    });

    describe("IpMasqAgent alone on an existing cluster", () => {
        it("needs nothing but a Kubernetes provider: no Azure resource, no invoke", async () => {
            const kubeconfig = mockKubeconfig("existing");
            const m = await runMocked(() => {
                const provider = new KubernetesProvider("existing", { kubeconfig });
                new IpMasqAgent("masq", {
                    provider,
                    nonMasqueradeCIDRs: ["10.1.0.0/17", "10.1.128.0/17", "100.64.0.0/16"],
                });
            });
            assert.deepEqual(
                m.resources.map((r) => [r.type, r.name, r.parent]),
                [
                    ["pulumi:pulumi:Stack", STACK_NAME, ""],
                    ["pulumi:providers:kubernetes", "existing", STACK_NAME],
                    ["aks-pod-subnet:index:IpMasqAgent", "masq", STACK_NAME],
                    ["kubernetes:core/v1:ConfigMap", "masq-config", "masq"],
                    ["kubernetes:apps/v1:DaemonSet", "masq-daemonset", "masq"],
                ],
            );
            assert.deepEqual(m.invokes, []);
            const cm = m.resources.find((r) => r.name === "masq-config")!;
            const ds = m.resources.find((r) => r.name === "masq-daemonset")!;
            for (const obj of [cm, ds]) assert.ok(obj.provider?.includes("::existing::"), obj.provider);
            // Adjacent halves are merged; defaults apply.
            assert.deepEqual(parse(cm.inputs.data["ip-masq-agent"]), {
                nonMasqueradeCIDRs: ["10.1.0.0/16", "100.64.0.0/16"],
                masqLinkLocal: false,
                masqLinkLocalIPv6: false,
            });
            assert.equal(
                ds.inputs.spec.template.spec.containers[0].image,
                "mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15",
            );
            assert.ok(ds.inputs.spec.template.spec.containers[0].args.includes("--masq-chain=POD-SUBNET-MASQ"));
        });
    });

    describe("validation before any child exists", () => {
        it("Network: a misaligned CIDR and a bad pool name → one ResourceError listing both, no children", async () => {
            let error: unknown;
            const m = await runMocked(() => {
                error = constructionError(
                    () =>
                        new Network("net", {
                            resourceGroupName: RG,
                            nodeSubnetCidr: "10.60.0.1/27",
                            podSubnetCidr: "100.64.0.0/21",
                            serviceCidr: "172.20.0.0/16",
                            nodePools: [{ name: "Bad_Name", mode: "System", count: 2, maxPods: 30 }],
                        }),
                );
            });
            const lines = problemLines(error);
            assert.equal(lines.length, 2, (error as Error).message);
            assert.ok(
                lines[0].startsWith("  - nodeSubnetCidr:") &&
                    lines[0].includes('"10.60.0.1/27"') &&
                    lines[0].includes("10.60.0.0/27"),
                lines[0],
            );
            assert.ok(lines[1].startsWith("  - nodePools[0].name:") && lines[1].includes("Bad_Name"), lines[1]);
            assert.ok((error as Error).message.startsWith("Invalid network (2 problems):"), (error as Error).message);
            assert.deepEqual(childrenOf(m, "net"), []);
            assert.ok(!m.resources.some((r) => r.custom), "no custom resource at all");
        });

        it("Network: VM-side pool settings are checked too (bad vmSize, zone, taint, vnetName)", async () => {
            let error: unknown;
            const m = await runMocked(() => {
                error = constructionError(
                    () =>
                        new Network("net", {
                            ...ADDRESSES,
                            resourceGroupName: RG,
                            vnetName: "-bad",
                            nodePools: [
                                {
                                    name: "sys",
                                    mode: "System",
                                    count: 2,
                                    vmSize: "D4s",
                                    availabilityZones: ["4"],
                                    nodeTaints: ["gpu"],
                                },
                            ],
                        }),
                );
            });
            const keys = problemLines(error).map((l) => l.slice(4, l.indexOf(":", 4)));
            assert.deepEqual(keys.sort(), [
                "nodePools[0].availabilityZones",
                "nodePools[0].nodeTaints[0]",
                "nodePools[0].vmSize",
                "vnetName",
            ]);
            assert.deepEqual(childrenOf(m, "net"), []);
        });

        it(
            "Cluster: a bad clusterName and Kubernetes version → one ResourceError listing both, " +
                "no identity, no role, no cluster",
            async () => {
                const plan = smallPlan();
                const network: ClusterNetwork = {
                    plan,
                    nodeSubnetId: "/subscriptions/x/nodes",
                    podSubnetIds: { pods: "/subscriptions/x/pods" },
                };
                let error: unknown;
                const m = await runMocked(() => {
                    error = constructionError(
                        () =>
                            new Cluster("c", {
                                resourceGroupName: RG,
                                network,
                                clusterName: "aks_core!",
                                kubernetesVersion: "latest",
                            }),
                    );
                });
                const lines = problemLines(error);
                assert.equal(lines.length, 2, (error as Error).message);
                assert.ok(lines[0].startsWith("  - clusterName:") && lines[0].includes("aks_core!"), lines[0]);
                assert.ok(lines[1].startsWith("  - kubernetesVersion:") && lines[1].includes("latest"), lines[1]);
                assert.deepEqual(childrenOf(m, "c"), []);
                assert.ok(!m.resources.some((r) => r.custom));
                assert.deepEqual(m.invokes, []);
            },
        );

        it("Cluster: an outboundType other than the one the network was built for is rejected", async () => {
            const plan = smallPlan();
            const network: ClusterNetwork = {
                plan,
                nodeSubnetId: "n",
                podSubnetIds: { pods: "p" },
                outboundType: "userAssignedNATGateway",
            };
            let error: unknown;
            const m = await runMocked(() => {
                error = constructionError(
                    () => new Cluster("c", { resourceGroupName: RG, network, outboundType: "loadBalancer" }),
                );
            });
            const lines = problemLines(error);
            assert.equal(lines.length, 1);
            assert.ok(
                lines[0].startsWith(
                    "  - outboundType: is loadBalancer, but the network was built for userAssignedNATGateway",
                ),
                lines[0],
            );
            assert.deepEqual(childrenOf(m, "c"), []);
        });

        it("Cluster: a hand-made plan whose pool has no VM spec is one configuration error naming it", async () => {
            const plan = smallPlan();
            // A plan built or edited by hand (JSON from elsewhere) rather than by planAddresses.
            const bare: Partial<(typeof plan.pools)[number]> = structuredClone(plan.pools[0]);
            delete bare.vm;
            const network = { plan: { ...plan, pools: [bare] }, nodeSubnetId: "n", podSubnetIds: { pods: "p" } };
            let error: unknown;
            const m = await runMocked(() => {
                error = constructionError(
                    () => new Cluster("c", { resourceGroupName: RG, network: network as unknown as ClusterNetwork }),
                );
            });
            const lines = problemLines(error);
            assert.equal(lines.length, 1, (error as Error).message);
            assert.ok(lines[0].startsWith("  - network.plan.pools[0].vm:") && lines[0].includes('"system"'), lines[0]);
            assert.deepEqual(childrenOf(m, "c"), []);
        });

        it(
            "Cluster: a ClusterNetwork without an ID for a planned pod subnet " +
                "(and one for an unplanned one) is rejected",
            async () => {
                // Without this check the pool would get no podSubnetID and AKS would give its pods node-subnet IPs.
                const plan = smallPlan();
                const network: ClusterNetwork = {
                    plan,
                    nodeSubnetId: "/subscriptions/x/n",
                    podSubnetIds: { podz: "/subscriptions/x/p" },
                };
                let error: unknown;
                const m = await runMocked(() => {
                    error = constructionError(() => new Cluster("c", { resourceGroupName: RG, network }));
                });
                const lines = problemLines(error);
                assert.equal(lines.length, 2, (error as Error).message);
                assert.ok(
                    lines.some((l) => l.startsWith("  - network.podSubnetIds:") && l.includes('"pods"')),
                    lines.join("\n"),
                );
                assert.ok(
                    lines.some((l) => l.startsWith("  - network.podSubnetIds:") && l.includes('"podz"')),
                    lines.join("\n"),
                );
                assert.deepEqual(childrenOf(m, "c"), []);
            },
        );

        it(
            "IpMasqAgent: empty CIDR list, a `latest` image and AKS's own chain → " +
                "three problems, no ConfigMap, no DaemonSet",
            async () => {
                let error: unknown;
                const m = await runMocked(() => {
                    const provider = new KubernetesProvider("existing", { kubeconfig: mockKubeconfig("existing") });
                    error = constructionError(
                        () =>
                            new IpMasqAgent("masq", {
                                provider,
                                nonMasqueradeCIDRs: [],
                                image: "mcr.microsoft.com/aks/ip-masq-agent-v2:latest",
                                chain: "IP-MASQ-AGENT",
                            }),
                    );
                });
                const lines = problemLines(error);
                assert.equal(lines.length, 3, (error as Error).message);
                const text = lines.join("\n");
                assert.ok(/image: .*"latest"/.test(text), text);
                assert.ok(/chain: "IP-MASQ-AGENT"/.test(text), text);
                assert.ok(/nonMasqueradeCIDRs: is empty/.test(text), text);
                assert.deepEqual(childrenOf(m, "masq"), []);
                assert.ok(!m.resources.some((r) => r.type.startsWith("kubernetes:")));
            },
        );

        it("IpMasqAgent: a misaligned CIDR and an untagged image → two problems, no children", async () => {
            let error: unknown;
            const m = await runMocked(() => {
                const provider = new KubernetesProvider("existing", { kubeconfig: mockKubeconfig("existing") });
                error = constructionError(
                    () =>
                        new IpMasqAgent("masq", {
                            provider,
                            nonMasqueradeCIDRs: ["10.1.2.3/16"],
                            image: "mcr.microsoft.com/aks/ip-masq-agent-v2",
                        }),
                );
            });
            const lines = problemLines(error);
            assert.equal(lines.length, 2, (error as Error).message);
            const text = lines.join("\n");
            assert.ok(/image: .*has no tag/.test(text), text);
            assert.ok(/nonMasqueradeCIDRs\[0\]: "10\.1\.2\.3\/16" is not aligned.*"10\.1\.0\.0\/16"/.test(text), text);
            assert.deepEqual(childrenOf(m, "masq"), []);
        });

        it(
            "IpMasqAgent: a chain over 28 characters, a name reusing azure-ip-masq-agent and a resync of 0 → " +
                "three problems",
            async () => {
                let error: unknown;
                const m = await runMocked(() => {
                    const provider = new KubernetesProvider("existing", { kubeconfig: mockKubeconfig("existing") });
                    error = constructionError(
                        () =>
                            new IpMasqAgent("masq", {
                                provider,
                                nonMasqueradeCIDRs: ["10.1.0.0/16"],
                                chain: "A-CHAIN-NAME-LONGER-THAN-28-CHARS",
                                name: "azure-ip-masq-agent-custom",
                                resyncInterval: 0,
                            }),
                    );
                });
                // The keys carry the stack config's "ipMasqAgent." prefix even here;
                // the argument names are what matter.
                const keys = problemLines(error).map((l) =>
                    l.slice(4, l.indexOf(":", 4)).replace(/^ipMasqAgent\./, ""),
                );
                assert.deepEqual(keys, ["chain", "resyncInterval", "name"]);
                assert.deepEqual(childrenOf(m, "masq"), []);
            },
        );

        it("a component error left uncaught fails the whole program with that ResourceError", async () => {
            await assert.rejects(
                runMocked(() => {
                    const provider = new KubernetesProvider("existing", { kubeconfig: mockKubeconfig("existing") });
                    new IpMasqAgent("masq", { provider, nonMasqueradeCIDRs: [] });
                }),
                (error: unknown) =>
                    pulumi.ResourceError.isInstance(error) && /Invalid ip-masq-agent \(1 problem\)/.test(error.message),
            );
        });
    });
});

describe("pools carry their VM spec through the plan", () => {
    it("planAddresses keeps each pool's VM fields with defaults, so the cluster never joins pools by name", () => {
        const plan = planAddresses({
            nodeSubnetCidr: "10.42.8.0/27",
            podSubnetCidr: "100.64.0.0/20",
            serviceCidr: "100.96.0.0/16",
            nodePools: [
                { name: "system", mode: "System", count: 2, maxPods: 50, maxSurge: "1" },
                { name: "apps", count: 2, vmSize: "Standard_E8s_v5", osSku: "Ubuntu", nodeTaints: ["a=b:NoSchedule"] },
            ],
        });
        assert.deepEqual(
            plan.pools.map((p) => p.vm),
            [
                { vmSize: "Standard_D4s_v5", osSku: "AzureLinux" },
                { vmSize: "Standard_E8s_v5", osSku: "Ubuntu", nodeTaints: ["a=b:NoSchedule"] },
            ],
        );
    });
});
