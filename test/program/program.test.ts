import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { readStackConfig, StackSettings } from "../../program/config";
import { PROJECT, RawConfig, readConfigFile } from "../../program/stackFile";
import { withKubeloginMode } from "../../src/cluster/kubernetesAccess";
import { MOCK_SUBSCRIPTION, mockExecKubeconfig, mockKubeconfig, stableGuid } from "../../src/plan/mocks";
import { manifestsOf } from "../../src/plan/plan";
import { PlannedResource, PROGRAM, ProgramRun, runProgram } from "../../src/plan/runProgram";

/*
 * The real stack program (index.ts) under Pulumi's mock runtime, for the dev and prod stacks. Every assertion names a
 * concrete value: what the program sends to Azure and Kubernetes, not merely that it sends something.
 */

const ROOT = path.join(__dirname, "..", "..");
const DELEGATION = "Microsoft.ContainerService/managedClusters";
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

const T = {
    rg: "azure-native:resources:ResourceGroup",
    vnet: "azure-native:network:VirtualNetwork",
    subnet: "azure-native:network:Subnet",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    role: "azure-native:authorization:RoleAssignment",
    cluster: "azure-native:containerservice:ManagedCluster",
    pool: "azure-native:containerservice:AgentPool",
    k8s: "pulumi:providers:kubernetes",
    configMap: "kubernetes:core/v1:ConfigMap",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    network: "aks-pod-subnet:index:Network",
    clusterComponent: "aks-pod-subnet:index:Cluster",
    agent: "aks-pod-subnet:index:IpMasqAgent",
} as const;

interface Run extends ProgramRun {
    /** index.ts's own exports as the program produced them (Outputs, with their secretness). */
    exports: Record<string, any>;
}

/** Runs index.ts and keeps its raw module exports: runProgram hands back resolved (plain) stack outputs only. */
async function run(stack: string, config: RawConfig, preview = false): Promise<Run> {
    const result = await runProgram({ stack, config, preview });
    // runProgram clears index.ts from the require cache before requiring it, so the cached module is this run's.
    const exports = require.cache[require.resolve(PROGRAM)]?.exports;
    assert.ok(exports, "index.ts is not in the require cache after the run");
    return { ...result, exports };
}

/** What the cluster-user credentials decode to: with Entra ID the exec kubeconfig, logging in with the Azure CLI. */
function expectedKubeconfig(expected: Expected, clusterName: string): string {
    return expected.entraId
        ? withKubeloginMode(mockExecKubeconfig(clusterName), "azurecli")
        : mockKubeconfig(clusterName);
}

/** One run per stack and mode, shared by the suites that read it (each run takes a second or two). */
const runs = new Map<string, Promise<Run>>();
function runStack(stack: string, preview = false): Promise<Run> {
    const key = `${stack}:${preview}`;
    if (!runs.has(key)) runs.set(key, run(stack, configOf(stack), preview));
    return runs.get(key)!;
}

function configOf(stack: string): RawConfig {
    return readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
}

/** The stack settings (address plan included) computed from the same config, independently of the program run. */
function settingsOf(stack: string, config: RawConfig): StackSettings {
    return readStackConfig((key) => config[key.includes(":") ? key : `${PROJECT}:${key}`], stack);
}

function all(r: ProgramRun, type: string): PlannedResource[] {
    return r.resources.filter((x) => x.type === type);
}

function one(r: ProgramRun, type: string, name?: string): PlannedResource {
    const found = r.resources.filter((x) => x.type === type && (name === undefined || x.name === name));
    assert.equal(
        found.length,
        1,
        `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.map((x) => x.name).join(", ") || "none"}`,
    );
    return found[0];
}

const rgId = (rg: string) => `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${rg}`;
const subnetId = (rg: string, vnet: string, subnet: string) =>
    `${rgId(rg)}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}`;
const clusterIdOf = (rg: string, cluster: string) =>
    `${rgId(rg)}/providers/Microsoft.ContainerService/managedClusters/${cluster}`;
const identityIdOf = (rg: string) =>
    `${rgId(rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cluster-identity`;

/** What each stack file must produce, written out by hand from Pulumi.<stack>.yaml and the planning rules. */
interface Expected {
    stack: string;
    vnetAddressSpace: string[];
    nodeSubnet: string;
    podSubnets: Record<string, string>;
    serviceCidr: string;
    dnsServiceIP: string;
    nonMasqueradeCIDRs: string[];
    kubernetesVersion: string;
    /** pool → [pod subnet, autoscaled, mode, maxPods, maxSurge, podIPAllocationMode, vmSize] */
    pools: Record<
        string,
        {
            podSubnet: string;
            autoscaled: boolean;
            mode: string;
            maxPods: number;
            maxSurge: string;
            allocation: string;
            vmSize: string;
        }
    >;
    resyncInterval: number;
    outboundType: string;
    /** Entra ID: the kubeconfig is requested in the exec (kubelogin) format. */
    entraId: boolean;
    /** An auto-upgrade channel with a maintenance window: the cluster ignores kubernetesVersion. */
    autoUpgrades: boolean;
    /** Node OS images updated in the maintenance window too. */
    nodeOsWindow: boolean;
    /** Peered with a hub (the spoke→hub peering). */
    hub: boolean;
    /** A custom private DNS zone: the cluster identity gets rights on the zone and the VNet. */
    customDnsZone: boolean;
    tags: Record<string, string>;
}

const DEV: Expected = {
    stack: "dev",
    vnetAddressSpace: ["10.42.8.0/27", "100.64.0.0/20"],
    nodeSubnet: "10.42.8.0/27",
    podSubnets: { pods: "100.64.0.0/20" },
    serviceCidr: "100.96.0.0/16",
    dnsServiceIP: "100.96.0.10",
    nonMasqueradeCIDRs: ["10.42.8.0/27", "10.250.0.0/24", "100.64.0.0/20", "100.96.0.0/16"],
    kubernetesVersion: "1.37",
    pools: {
        system: {
            podSubnet: "pods",
            autoscaled: false,
            mode: "System",
            maxPods: 50,
            maxSurge: "1",
            allocation: "DynamicIndividual",
            vmSize: "Standard_D4s_v5",
        },
        apps: {
            podSubnet: "pods",
            autoscaled: true,
            mode: "User",
            maxPods: 50,
            maxSurge: "33%",
            allocation: "DynamicIndividual",
            vmSize: "Standard_D4s_v5",
        },
    },
    resyncInterval: 60,
    outboundType: "loadBalancer",
    entraId: false,
    autoUpgrades: false,
    nodeOsWindow: false,
    hub: false,
    customDnsZone: false,
    tags: { stack: "dev" },
};

const PROD: Expected = {
    stack: "prod",
    vnetAddressSpace: ["10.42.16.0/26", "100.64.0.0/16", "100.65.0.0/20"],
    nodeSubnet: "10.42.16.0/26",
    podSubnets: { pods: "100.64.0.0/16", "pods-batch": "100.65.0.0/20" },
    serviceCidr: "100.96.0.0/16",
    dnsServiceIP: "100.96.0.10",
    nonMasqueradeCIDRs: ["10.42.16.0/26", "100.64.0.0/16", "100.65.0.0/20", "100.96.0.0/16"],
    kubernetesVersion: "1.36",
    pools: {
        system: {
            podSubnet: "pods",
            autoscaled: false,
            mode: "System",
            maxPods: 30,
            maxSurge: "1",
            allocation: "DynamicIndividual",
            vmSize: "Standard_D4s_v5",
        },
        apps: {
            podSubnet: "pods",
            autoscaled: true,
            mode: "User",
            maxPods: 110,
            maxSurge: "10%",
            allocation: "DynamicIndividual",
            vmSize: "Standard_D8s_v5",
        },
        batch: {
            podSubnet: "pods-batch",
            autoscaled: true,
            mode: "User",
            maxPods: 63,
            maxSurge: "1",
            allocation: "StaticBlock",
            vmSize: "Standard_F8s_v2",
        },
    },
    resyncInterval: 30,
    outboundType: "userAssignedNATGateway",
    entraId: true,
    autoUpgrades: true,
    nodeOsWindow: true,
    hub: true,
    customDnsZone: true,
    tags: { environment: "production", costCenter: "4711", stack: "prod" },
};

/** Every assertion about one stack run; used for dev and prod in update mode and for dev in preview mode. */
function describeStack(expected: Expected, preview: boolean): void {
    const { stack } = expected;
    const rg = `rg-aks-${stack}`;
    const vnetName = `vnet-aks-${stack}`;
    const clusterName = `aks-${stack}`;
    const nodeSubnetId = subnetId(rg, vnetName, "nodes");
    const podSubnetIdOf = (name: string) => subnetId(rg, vnetName, name);
    const principalId = stableGuid("principal:cluster-identity");

    describe(`stack ${stack} (${preview ? "preview" : "update"})`, () => {
        let r: Run;
        let settings: StackSettings;
        before(async () => {
            settings = settingsOf(stack, configOf(stack));
            r = await runStack(stack, preview);
        });

        describe("network", () => {
            it("has a VNet whose address prefixes equal the plan, and no inline subnets", () => {
                const vnet = one(r, T.vnet);
                assert.equal(vnet.name, "network-vnet");
                assert.deepEqual(vnet.inputs.addressSpace, { addressPrefixes: expected.vnetAddressSpace });
                assert.deepEqual(vnet.inputs.addressSpace.addressPrefixes, settings.plan.vnetAddressSpace);
                assert.equal(vnet.inputs.virtualNetworkName, vnetName);
                assert.equal(vnet.inputs.resourceGroupName, rg);
                assert.ok(
                    !("subnets" in vnet.inputs),
                    `VirtualNetwork has inline subnets: ${JSON.stringify(vnet.inputs.subnets)}`,
                );
            });

            it("declares every subnet as a standalone Subnet resource with the planned CIDR", () => {
                const subnets = all(r, T.subnet);
                const byName = Object.fromEntries(subnets.map((s) => [s.inputs.subnetName, s]));
                assert.deepEqual(Object.keys(byName).sort(), ["nodes", ...Object.keys(expected.podSubnets)].sort());
                assert.equal(byName.nodes.inputs.addressPrefix, expected.nodeSubnet);
                assert.equal(byName.nodes.inputs.addressPrefix, settings.plan.nodeSubnet.cidr);
                for (const [name, cidr] of Object.entries(expected.podSubnets))
                    assert.equal(byName[name].inputs.addressPrefix, cidr);
                assert.deepEqual(
                    settings.plan.podSubnets.map((s) => [s.name, s.cidr]),
                    Object.entries(expected.podSubnets),
                );
                for (const s of subnets) {
                    assert.equal(s.inputs.virtualNetworkName, vnetName);
                    assert.equal(s.inputs.resourceGroupName, rg);
                }
            });

            it(
                "delegates every pod subnet to Microsoft.ContainerService/managedClusters " +
                    "and leaves the node subnet undelegated",
                () => {
                    for (const s of all(r, T.subnet)) {
                        if (s.inputs.subnetName === "nodes") {
                            assert.ok(
                                s.inputs.delegations === undefined || s.inputs.delegations.length === 0,
                                `node subnet delegated: ${JSON.stringify(s.inputs.delegations)}`,
                            );
                        } else {
                            assert.equal(s.inputs.delegations.length, 1);
                            assert.equal(s.inputs.delegations[0].serviceName, DELEGATION);
                        }
                    }
                },
            );

            it("creates the subnets one after another (Azure rejects concurrent subnet writes on one VNet)", () => {
                const subnets = all(r, T.subnet);
                assert.deepEqual(subnets[0].dependsOn, []);
                for (let i = 1; i < subnets.length; i++) assert.deepEqual(subnets[i].dependsOn, [subnets[i - 1].name]);
            });
        });

        describe("cluster", () => {
            it(
                "uses Azure CNI Pod Subnet: plugin azure, no plugin mode, azure dataplane, " +
                    "planned service range, the stack's egress",
                () => {
                    const np = one(r, T.cluster).inputs.networkProfile;
                    assert.equal(np.networkPlugin, "azure");
                    assert.ok(!("networkPluginMode" in np), `networkPluginMode is set: ${np.networkPluginMode}`);
                    assert.equal(np.networkDataplane, "azure");
                    assert.equal(np.serviceCidr, expected.serviceCidr);
                    assert.equal(np.serviceCidr, settings.plan.serviceCidr);
                    assert.equal(np.dnsServiceIP, expected.dnsServiceIP);
                    assert.equal(np.dnsServiceIP, settings.plan.dnsServiceIP);
                    assert.equal(np.outboundType, expected.outboundType);
                    assert.ok(
                        !("networkPolicy" in np) || np.networkPolicy !== "cilium",
                        "cilium network policy needs the cilium dataplane",
                    );
                },
            );

            it("names the cluster after the stack and pins the configured Kubernetes version", () => {
                const mc = one(r, T.cluster);
                assert.equal(mc.name, "cluster-aks");
                assert.equal(mc.inputs.resourceName, clusterName);
                assert.equal(mc.inputs.resourceGroupName, rg);
                assert.equal(mc.inputs.location, "westeurope");
                assert.equal(mc.inputs.kubernetesVersion, expected.kubernetesVersion);
            });

            it("runs as the user-assigned identity", () => {
                const identity = one(r, T.identity);
                assert.equal(identity.name, "cluster-identity");
                assert.equal(identity.inputs.resourceGroupName, rg);
                assert.deepEqual(one(r, T.cluster).inputs.identity, {
                    type: "UserAssigned",
                    userAssignedIdentities: [identityIdOf(rg)],
                });
            });

            it(
                "has exactly one inline pool, the System pool: nodes on the node subnet, " +
                    "pods on its pod subnet, explicit maxPods and maxSurge",
                () => {
                    const profiles = one(r, T.cluster).inputs.agentPoolProfiles;
                    assert.equal(profiles.length, 1);
                    const [system] = profiles;
                    const want = expected.pools.system;
                    assert.equal(system.name, "system");
                    assert.equal(system.mode, "System");
                    assert.equal(system.vnetSubnetID, nodeSubnetId);
                    assert.equal(system.podSubnetID, podSubnetIdOf(want.podSubnet));
                    assert.equal(system.podIPAllocationMode, want.allocation);
                    assert.equal(system.maxPods, want.maxPods);
                    assert.deepEqual(system.upgradeSettings, { maxSurge: want.maxSurge });
                    assert.equal(system.vmSize, want.vmSize);
                    assert.equal(system.osType, "Linux");
                    assert.equal(system.enableAutoScaling, false);
                    const plan = settings.plan.pools.find((p) => p.name === "system")!;
                    assert.equal(system.count, plan.count);
                },
            );

            it(
                "fixed inline System pool: the cluster ignores no pool count (prod: the auto-upgraded version), " +
                    "and a recorded podCidr",
                () => {
                    assert.deepEqual(one(r, T.cluster).ignoreChanges, [
                        ...(expected.autoUpgrades ? ["kubernetesVersion"] : []),
                        "networkProfile.podCidr",
                    ]);
                },
            );

            it("creates every User pool as its own AgentPool on the right pod subnet, in this cluster", () => {
                const pools = all(r, T.pool);
                const userPools = Object.entries(expected.pools).filter(([, p]) => p.mode === "User");
                assert.deepEqual(
                    pools.map((p) => p.inputs.agentPoolName).sort(),
                    userPools.map(([name]) => name).sort(),
                );
                for (const [name, want] of userPools) {
                    const pool = one(r, T.pool, `cluster-pool-${name}`);
                    const plan = settings.plan.pools.find((p) => p.name === name)!;
                    assert.equal(pool.inputs.resourceName, clusterName, `${name}: resourceName`);
                    assert.equal(pool.inputs.resourceGroupName, rg);
                    assert.equal(pool.inputs.mode, "User");
                    assert.equal(pool.inputs.vnetSubnetID, nodeSubnetId, `${name}: node subnet`);
                    assert.equal(pool.inputs.podSubnetID, podSubnetIdOf(want.podSubnet), `${name}: pod subnet`);
                    assert.equal(plan.podSubnetName, want.podSubnet);
                    assert.equal(pool.inputs.podIPAllocationMode, want.allocation);
                    assert.equal(pool.inputs.maxPods, want.maxPods);
                    assert.deepEqual(pool.inputs.upgradeSettings, { maxSurge: want.maxSurge });
                    assert.equal(pool.inputs.vmSize, want.vmSize);
                    assert.equal(pool.inputs.enableAutoScaling, want.autoscaled);
                    if (want.autoscaled) {
                        assert.equal(pool.inputs.minCount, plan.minCount);
                        assert.equal(pool.inputs.maxCount, plan.maxCount);
                    }
                }
            });

            it("lets the autoscaler own `count` of autoscaled pools only", () => {
                for (const [name, want] of Object.entries(expected.pools).filter(([, p]) => p.mode === "User")) {
                    assert.deepEqual(
                        one(r, T.pool, `cluster-pool-${name}`).ignoreChanges,
                        want.autoscaled ? ["count"] : [],
                        name,
                    );
                }
            });

            it("grants Network Contributor on every subnet to the cluster identity, before the cluster exists", () => {
                const roles = all(r, T.role).filter((x) => x.inputs.scope.includes("/subnets/"));
                const subnets = ["nodes", ...Object.keys(expected.podSubnets)];
                assert.equal(roles.length, subnets.length, "one role assignment per subnet");
                assert.deepEqual(
                    roles.map((x) => x.inputs.scope).sort(),
                    subnets.map((s) => subnetId(rg, vnetName, s)).sort(),
                );
                for (const role of roles) {
                    const subscription = role.inputs.scope.split("/").slice(0, 3).join("/");
                    assert.equal(subscription, `/subscriptions/${MOCK_SUBSCRIPTION}`);
                    assert.equal(
                        role.inputs.roleDefinitionId,
                        `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
                    );
                    assert.equal(role.inputs.principalId, principalId);
                    assert.equal(role.inputs.principalType, "ServicePrincipal");
                }
                const zoneRoles = expected.customDnsZone
                    ? ["cluster-network-contributor-vnet", "cluster-private-dns-zone-contributor-zone"]
                    : [];
                assert.deepEqual(
                    [...one(r, T.cluster).dependsOn].sort(),
                    [...roles.map((x) => x.name), ...zoneRoles].sort(),
                );
            });

            it("reads the cluster-user credentials of this cluster, never the admin credentials", () => {
                assert.deepEqual(
                    r.invokes.filter((i) => i.token !== "azure-native:authorization:getClientConfig"),
                    [
                        {
                            token: "azure-native:containerservice:listManagedClusterUserCredentials",
                            // prod uses Entra ID: the exec format (kubelogin) is the only one that works
                            // without local accounts.
                            inputs: {
                                resourceGroupName: rg,
                                resourceName: clusterName,
                                ...(expected.entraId ? { format: "exec" } : {}),
                            },
                        },
                    ],
                );
                // With Entra ID the program asks who runs it, to grant that identity its Kubernetes role.
                assert.equal(
                    r.invokes.some((i) => i.token === "azure-native:authorization:getClientConfig"),
                    expected.entraId,
                );
                assert.ok(!r.invokes.some((i) => i.token.includes("listManagedClusterAdminCredentials")));
            });

            it("builds the Kubernetes provider from the secret kubeconfig with clusterIdentifier = cluster id", () => {
                const provider = one(r, T.k8s);
                assert.equal(provider.name, "cluster-k8s");
                assert.equal(provider.inputs.clusterIdentifier, clusterIdOf(rg, clusterName));
                // The kubeconfig input travels as a secret (Pulumi's secret signature), holding the decoded kubeconfig.
                assert.equal(provider.inputs.kubeconfig[SECRET_SIG.key], SECRET_SIG.value);
                assert.equal(provider.inputs.kubeconfig.value, expectedKubeconfig(expected, clusterName));
            });
        });

        describe("ip-masq-agent", () => {
            let cm: PlannedResource;
            let ds: PlannedResource;
            let pod: any;
            let container: any;
            before(() => {
                cm = one(r, T.configMap);
                ds = one(r, T.daemonSet);
                pod = ds.inputs.spec.template.spec;
                assert.equal(pod.containers.length, 1);
                container = pod.containers[0];
            });

            it("deploys both objects through the cluster's provider into kube-system, under its own names", () => {
                for (const obj of [cm, ds]) {
                    assert.ok(obj.provider?.includes("cluster-k8s"), `${obj.name} provider: ${obj.provider}`);
                    assert.equal(obj.inputs.metadata.namespace, "kube-system");
                    assert.ok(!obj.inputs.metadata.name.startsWith("azure-ip-masq-agent"), obj.inputs.metadata.name);
                    const labels = obj.inputs.metadata.labels ?? {};
                    assert.ok(!("addonmanager.kubernetes.io/mode" in labels), `${obj.name} has the addonmanager label`);
                    assert.ok(
                        !("kubernetes.io/cluster-service" in labels),
                        `${obj.name} has the cluster-service label`,
                    );
                }
                assert.equal(cm.inputs.metadata.name, "pod-subnet-ip-masq-agent-config");
                assert.equal(ds.inputs.metadata.name, "pod-subnet-ip-masq-agent");
                const templateLabels = ds.inputs.spec.template.metadata.labels;
                assert.ok(
                    !("addonmanager.kubernetes.io/mode" in templateLabels) &&
                        !("kubernetes.io/cluster-service" in templateLabels),
                );
                for (const [k, v] of Object.entries(ds.inputs.spec.selector.matchLabels))
                    assert.equal(templateLabels[k], v, `selector ${k} matches the pod labels`);
            });

            it(
                "configures the agent with every VNet prefix (the plan's list) and link-local left alone, " +
                    "under an ip-masq* key",
                () => {
                    const keys = Object.keys(cm.inputs.data);
                    assert.equal(keys.length, 1);
                    assert.ok(keys[0].startsWith("ip-masq"), keys[0]);
                    const config = parse(cm.inputs.data[keys[0]]);
                    assert.deepEqual(config, {
                        nonMasqueradeCIDRs: settings.plan.ipMasqAgent.nonMasqueradeCIDRs,
                        masqLinkLocal: false,
                        masqLinkLocalIPv6: false,
                    });
                    assert.deepEqual(config.nonMasqueradeCIDRs, expected.nonMasqueradeCIDRs);
                    for (const prefix of expected.vnetAddressSpace)
                        assert.ok(config.nonMasqueradeCIDRs.includes(prefix), `${prefix} missing`);
                },
            );

            it("runs the pinned agent image on its own chain with the configured resync interval", () => {
                assert.equal(container.image, "mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15");
                assert.ok(container.args.includes("--masq-chain=POD-SUBNET-MASQ"), container.args.join(" "));
                assert.ok(
                    container.args.includes(`--resync-interval=${expected.resyncInterval}`),
                    container.args.join(" "),
                );
                assert.equal(container.args.filter((a: string) => a.startsWith("--resync-interval=")).length, 1);
                assert.ok(!container.args.some((a: string) => a.startsWith("--enable-ipv6")), "IPv6 is not configured");
            });

            it(
                "runs on the host network, system-node-critical, on every Linux node but virtual ones, " +
                    "tolerating every taint",
                () => {
                    assert.equal(pod.hostNetwork, true);
                    assert.equal(pod.priorityClassName, "system-node-critical");
                    assert.deepEqual(pod.tolerations, [
                        { key: "CriticalAddonsOnly", operator: "Exists" },
                        { operator: "Exists", effect: "NoSchedule" },
                        { operator: "Exists", effect: "NoExecute" },
                    ]);
                    assert.deepEqual(pod.affinity, {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [
                                    {
                                        matchExpressions: [
                                            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                            { key: "type", operator: "NotIn", values: ["virtual-kubelet"] },
                                        ],
                                    },
                                ],
                            },
                        },
                    });
                },
            );

            it("requests 100m/50Mi and is limited to 500m/250Mi", () => {
                assert.deepEqual(container.resources, {
                    requests: { cpu: "100m", memory: "50Mi" },
                    limits: { cpu: "500m", memory: "250Mi" },
                });
            });

            it("is not privileged, adds exactly NET_ADMIN and NET_RAW, and mounts no service account token", () => {
                assert.equal(container.securityContext.privileged, false);
                assert.deepEqual(container.securityContext.capabilities, { add: ["NET_ADMIN", "NET_RAW"] });
                assert.equal(pod.automountServiceAccountToken, false);
            });

            it(
                "mounts /etc/config read-only from a required projected ConfigMap source (mode 0444) " +
                    "and shares /run/xtables.lock",
                () => {
                    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m]));
                    assert.equal(mounts["/etc/config"].readOnly, true);
                    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
                    const config = volumes[mounts["/etc/config"].name];
                    assert.equal(config.projected.defaultMode, 0o444);
                    assert.equal(config.projected.defaultMode, 292);
                    assert.equal(config.projected.sources.length, 1);
                    const source = config.projected.sources[0].configMap;
                    assert.equal(source.name, cm.inputs.metadata.name);
                    assert.equal(source.optional, false);
                    assert.equal(source.items.length, 1);
                    assert.ok(source.items[0].path.startsWith("ip-masq"), source.items[0].path);
                    assert.ok(
                        source.items[0].key in cm.inputs.data,
                        `item key ${source.items[0].key} is not a ConfigMap key`,
                    );
                    const lock = volumes[mounts["/run/xtables.lock"].name];
                    assert.deepEqual(lock.hostPath, { path: "/run/xtables.lock", type: "FileOrCreate" });
                },
            );

            it("waits for the ConfigMap and rolls out half the nodes at a time", () => {
                assert.deepEqual(ds.dependsOn, [cm.name]);
                assert.deepEqual(ds.inputs.spec.updateStrategy, {
                    type: "RollingUpdate",
                    rollingUpdate: { maxUnavailable: "50%" },
                });
            });
        });

        describe("structure and outputs", () => {
            it("names children `${component}-<role>` and parents them to their component", () => {
                const components = r.resources.filter((x) => x.type.startsWith("aks-pod-subnet:index:"));
                assert.deepEqual(
                    components.map((c) => [c.type, c.name, c.parent]),
                    [
                        [T.network, "network", `${PROJECT}-${stack}`],
                        [T.clusterComponent, "cluster", `${PROJECT}-${stack}`],
                        [T.agent, "ip-masq-agent", `${PROJECT}-${stack}`],
                    ],
                );
                const childrenOf = (parent: string) =>
                    r.resources.filter((x) => x.parent === parent).map((x) => `${x.type}::${x.name}`);
                const podSubnets = Object.keys(expected.podSubnets);
                const userPools = Object.keys(expected.pools).filter((p) => expected.pools[p].mode === "User");
                const natGateway =
                    expected.outboundType === "userAssignedNATGateway"
                        ? [
                              "azure-native:network:PublicIPAddress::network-egress-ip",
                              "azure-native:network:NatGateway::network-nat",
                          ]
                        : [];
                assert.deepEqual(childrenOf("network"), [
                    `${T.vnet}::network-vnet`,
                    ...natGateway,
                    `${T.subnet}::network-nodes`,
                    ...podSubnets.map((s) => `${T.subnet}::network-${s}`),
                    ...(expected.hub ? ["azure-native:network:VirtualNetworkPeering::network-spoke-to-hub"] : []),
                ]);
                assert.deepEqual(childrenOf("cluster"), [
                    `${T.identity}::cluster-identity`,
                    ...["nodes", ...podSubnets].map((s) => `${T.role}::cluster-network-contributor-${s}`),
                    ...(expected.customDnsZone
                        ? [
                              `${T.role}::cluster-private-dns-zone-contributor-zone`,
                              `${T.role}::cluster-network-contributor-vnet`,
                          ]
                        : []),
                    `${T.cluster}::cluster-aks`,
                    ...userPools.map((p) => `${T.pool}::cluster-pool-${p}`),
                    ...(expected.autoUpgrades
                        ? ["azure-native:containerservice:MaintenanceConfiguration::cluster-auto-upgrade-window"]
                        : []),
                    ...(expected.nodeOsWindow
                        ? ["azure-native:containerservice:MaintenanceConfiguration::cluster-node-os-upgrade-window"]
                        : []),
                    ...(expected.entraId
                        ? [
                              `${T.role}::cluster-deployer-cluster-admin`,
                              "pulumi-nodejs:dynamic:Resource::cluster-deployer-role-propagation",
                          ]
                        : []),
                    `${T.k8s}::cluster-k8s`,
                ]);
                assert.deepEqual(childrenOf("ip-masq-agent"), [
                    `${T.configMap}::ip-masq-agent-config`,
                    `${T.daemonSet}::ip-masq-agent-daemonset`,
                ]);
                for (const child of r.resources.filter((x) => x.parentType.startsWith("aks-pod-subnet:index:"))) {
                    assert.ok(
                        child.name.startsWith(`${child.parent}-`),
                        `${child.name} is not named after its parent ${child.parent}`,
                    );
                }
                const rgResource = one(r, T.rg, "rg");
                assert.equal(rgResource.parent, `${PROJECT}-${stack}`);
                const tags = expected.tags;
                assert.deepEqual(rgResource.inputs, { resourceGroupName: rg, location: "westeurope", tags });
            });

            it("exports every documented output with its real value", () => {
                const o = r.outputs;
                assert.deepEqual(Object.keys(o).sort(), [
                    "addressPlan",
                    "capacity",
                    "clusterId",
                    "clusterName",
                    "inlineSystemPool",
                    "kubeconfig",
                    "nodeSubnetId",
                    "nonMasqueradeCIDRs",
                    "podSubnetIds",
                    "vnetId",
                ]);
                const system = expected.pools.system;
                assert.deepEqual(o.inlineSystemPool, {
                    name: "system",
                    vmSize: system.vmSize,
                    podIPAllocationMode: system.allocation,
                    maxPods: system.maxPods,
                    availabilityZones: expected.stack === "prod" ? ["1", "2", "3"] : [],
                    podSubnetCidr: expected.podSubnets[system.podSubnet],
                });
                assert.equal(o.clusterName, clusterName);
                assert.equal(o.clusterId, clusterIdOf(rg, clusterName));
                assert.equal(o.vnetId, `${rgId(rg)}/providers/Microsoft.Network/virtualNetworks/${vnetName}`);
                assert.equal(o.nodeSubnetId, nodeSubnetId);
                assert.deepEqual(
                    o.podSubnetIds,
                    Object.fromEntries(Object.keys(expected.podSubnets).map((s) => [s, podSubnetIdOf(s)])),
                );
                assert.deepEqual(o.nonMasqueradeCIDRs, expected.nonMasqueradeCIDRs);
                // As JSON, the way the engine stores stack outputs (keys holding undefined are dropped).
                const json = (v: unknown) => JSON.parse(JSON.stringify(v));
                assert.deepEqual(json(o.addressPlan), json(settings.plan));
                assert.deepEqual(
                    o.capacity.subnets.map((s: any) => [s.name, s.cidr]),
                    [["nodes", expected.nodeSubnet], ...Object.entries(expected.podSubnets)],
                );
                assert.deepEqual(
                    o.capacity.pools.map((p: any) => [p.name, p.podSubnet]),
                    Object.entries(expected.pools).map(([name, p]) => [name, p.podSubnet]),
                );
                for (const s of o.capacity.subnets)
                    assert.ok(s.headroom >= 0 && s.needed + s.headroom === s.allocatable, JSON.stringify(s));
                assert.deepEqual(o.capacity.routableAddresses, settings.plan.routableAddresses);
            });

            it("exports the kubeconfig as a secret that decodes to the cluster-user kubeconfig", async () => {
                assert.equal(r.outputs.kubeconfig, expectedKubeconfig(expected, clusterName));
                assert.ok(pulumi.Output.isInstance(r.exports.kubeconfig));
                assert.equal(await pulumi.isSecret(r.exports.kubeconfig), true);
                assert.equal(await (r.exports.kubeconfig as any).isSecret, true);
                // The check tells secrets from plain values.
                assert.equal(await pulumi.isSecret(r.exports.clusterId), false);
            });
        });
    });
}

describe("stack program under Pulumi mocks", () => {
    describeStack(DEV, false);
    describeStack(PROD, false);
    describeStack(DEV, true);

    describe("preview and update", () => {
        it("register the same resources with the same plain inputs and options", async () => {
            const update = await runStack("dev");
            const preview = await runStack("dev", true);
            const shape = (x: ProgramRun) =>
                x.resources.map((r) => ({
                    type: r.type,
                    name: r.name,
                    parent: r.parent,
                    dependsOn: r.dependsOn,
                    ignoreChanges: r.ignoreChanges,
                    provider: r.provider,
                    inputs: r.inputs,
                }));
            assert.ok(update.resources.length > 10);
            assert.deepEqual(shape(preview), shape(update));
            assert.deepEqual(preview.invokes, update.invokes);
        });
    });

    describe("determinism", () => {
        it("planning prod twice gives byte-identical resource inputs (in order) and manifests", async () => {
            const first = await runStack("prod");
            const second = await runProgram({ stack: "prod", config: configOf("prod") });
            const inputs = (x: ProgramRun) => JSON.stringify(x.resources.map((r) => [r.type, r.name, r.inputs]));
            assert.equal(inputs(second), inputs(first));
            const manifests = (x: ProgramRun) => JSON.stringify(manifestsOf(x.resources));
            assert.equal(manifests(second), manifests(first));
            assert.deepEqual(
                manifestsOf(first.resources).map((m) => m.kind),
                ["ConfigMap", "DaemonSet"],
            );
            assert.equal(JSON.stringify(second.outputs), JSON.stringify(first.outputs));
        });
    });

    describe("custom configurations", () => {
        it(
            "an autoscaled inline System pool is ignored on agentPoolProfiles[0].count; " +
                "a fixed User pool on nothing",
            async () => {
                const config = configOf("dev");
                config[`${PROJECT}:nodePools`] = JSON.stringify([
                    { name: "system", mode: "System", minCount: 1, maxCount: 3, maxPods: 50, maxSurge: "1" },
                    { name: "apps", mode: "User", count: 2, maxPods: 50, maxSurge: "1" },
                ]);
                const r = await runProgram({ stack: "dev", config });
                const mc = one(r, T.cluster);
                assert.deepEqual(mc.ignoreChanges, ["agentPoolProfiles[0].count", "networkProfile.podCidr"]);
                const [system] = mc.inputs.agentPoolProfiles;
                assert.deepEqual([system.enableAutoScaling, system.minCount, system.maxCount], [true, 1, 3]);
                const apps = one(r, T.pool, "cluster-pool-apps");
                assert.deepEqual(apps.ignoreChanges, []);
                assert.deepEqual(
                    [apps.inputs.enableAutoScaling, apps.inputs.count, apps.inputs.minCount, apps.inputs.maxCount],
                    [false, 2, undefined, undefined],
                );
            },
        );

        it(
            "resourceGroupName: existing-rg creates no resource group " + "and puts everything into existing-rg",
            async () => {
                const config = { ...configOf("dev"), [`${PROJECT}:resourceGroupName`]: "existing-rg" };
                const r = await runProgram({ stack: "dev", config });
                assert.deepEqual(all(r, T.rg), []);
                const azure = r.resources.filter((x) => x.type.startsWith("azure-native:"));
                assert.ok(azure.length >= 7);
                for (const res of azure) {
                    if (res.type === T.role) {
                        assert.ok(res.inputs.scope.startsWith(`${rgId("existing-rg")}/`), res.inputs.scope);
                    } else {
                        assert.equal(res.inputs.resourceGroupName, "existing-rg", `${res.type} ${res.name}`);
                    }
                }
                for (const p of one(r, T.cluster).inputs.agentPoolProfiles)
                    assert.ok(p.vnetSubnetID.startsWith(`${rgId("existing-rg")}/`));
                assert.equal(r.invokes[0].inputs.resourceGroupName, "existing-rg");
                assert.ok(r.outputs.clusterId.startsWith(`${rgId("existing-rg")}/`));
                assert.ok(!JSON.stringify(r.resources.map((x) => x.inputs)).includes("rg-aks-dev"));
            },
        );
    });
});
