import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import {
    CHECK_DATE_VARIABLE,
    checkKubernetesVersion,
    creatableVersions,
    KUBERNETES_CALENDAR,
    versionCheckDate,
} from "../../src/aks/kubernetesVersions";
import { AGENT_POOL_REPLACEMENTS } from "../../src/aks/replacements";
import { ClusterArgs, resolveClusterArgs } from "../../src/cluster/cluster";
import { ProblemList } from "../../src/errors";
import { inlinePoolChanges } from "../../src/cluster/inlinePool";
import { encodeConfigValue, readConfigFile } from "../../program/stackFile";
import { parse } from "yaml";
import { withKubeloginMode } from "../../src/cluster/kubernetesAccess";
import { keysOf, problemsOf, stackConfig } from "../helpers/stackOverrides";
import { AzureMocks, mockExecKubeconfig, stableGuid } from "../../src/plan/mocks";
import { waitsFor } from "../../src/plan/order";
import { renderAccess, renderAddressPlan } from "../../src/plan/report";
import { PlannedResource, runProgram } from "../../src/plan/runProgram";

/*
 * What real Azure does that the rest of the suite does not show: the AKS version calendar, requests azure-native
 * would send that Azure ignores or refuses (podCidr), edits AKS cannot apply in place (replacement of agent pools, the
 * inline System pool). Sources: docs/azure-rules.md.
 */

const ROOT = path.join(__dirname, "..", "..");
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const POOL = "azure-native:containerservice:AgentPool";
const day = (text: string) => new Date(`${text}T12:00:00Z`);

function versionProblems(version: unknown, date: Date): string[] {
    const problems = new ProblemList();
    checkKubernetesVersion(version, "kubernetesVersion", date, problems);
    return problems.problems.map((p) => p.message);
}

describe("Azure fidelity", () => {
    describe("Kubernetes version calendar", () => {
        it("is dated data with its source, and every release's dates are in order", () => {
            assert.match(KUBERNETES_CALENDAR.source, /supported-kubernetes-versions\.md/);
            assert.match(KUBERNETES_CALENDAR.asOf, /^\d{4}-\d{2}-\d{2}$/);
            for (const r of KUBERNETES_CALENDAR.releases) {
                assert.ok(r.preview <= r.ga && r.ga < r.endOfLife && r.endOfLife < r.ltsEnd, r.minor);
            }
        });

        it("refuses a version past end of life and names the versions AKS creates", () => {
            const [message] = versionProblems("1.33", day("2026-11-30"));
            assert.match(message, /^1\.33 reached end of life on 2026-07-31: AKS creates no new cluster on it/);
            assert.match(message, /AKS creates clusters on 1\.34, 1\.35, 1\.36, 1\.37 on 2026-11-30$/);
        });

        it("takes end of life as the last day of the month the calendar names, or the exact date it gives", () => {
            assert.deepEqual(versionProblems("1.34", day("2026-11-30")), []);
            assert.match(versionProblems("1.34.1", day("2026-12-01"))[0], /1\.34\.1 reached end of life on 2026-11-30/);
            assert.deepEqual(versionProblems("1.31", day("2025-11-01")), []);
            assert.match(versionProblems("1.31", day("2025-11-02"))[0], /end of life on 2025-11-01/);
        });

        it("refuses a version before its AKS preview, and versions the calendar does not know", () => {
            assert.match(
                versionProblems("1.37", day("2026-08-15"))[0],
                /not available in AKS before its preview in 2026-09/,
            );
            assert.match(
                versionProblems("1.38", day("2026-11-30"))[0],
                /newer than 1\.37, the newest in AKS's calendar as of 2026-11-30 .*update the calendar/,
            );
            assert.match(versionProblems("1.20", day("2026-11-30"))[0], /older than every version AKS still lists/);
            assert.match(versionProblems("v1.36", day("2026-11-30"))[0], /expected a version such as "1\.36"/);
            assert.deepEqual(versionProblems(undefined, day("2026-11-30")), [], "unset means AKS's default");
        });

        it("lists the creatable versions of a day", () => {
            assert.deepEqual(creatableVersions(day("2026-11-30")), ["1.34", "1.35", "1.36", "1.37"]);
            assert.deepEqual(creatableVersions(day("2027-04-01")), ["1.36", "1.37"]);
        });

        it(
            "checks for the day AKS_POD_SUBNET_CHECK_DATE names " +
                "(the tests pin it to the calendar's date), else today",
            () => {
                assert.equal(process.env[CHECK_DATE_VARIABLE], KUBERNETES_CALENDAR.asOf);
                assert.equal(
                    versionCheckDate({ [CHECK_DATE_VARIABLE]: "2027-01-15" }).toISOString(),
                    "2027-01-15T00:00:00.000Z",
                );
                const now = Date.now();
                assert.ok(
                    Math.abs(versionCheckDate({}).getTime() - now) < 5000,
                    "Math.abs(versionCheckDate({}).getTime() - now) < 5000",
                );
                assert.ok(
                    Math.abs(versionCheckDate({ [CHECK_DATE_VARIABLE]: "next tuesday" }).getTime() - now) < 5000,
                    'Math.abs(versionCheckDate({ [CHECK_DATE_VARIABLE]: "next tue',
                );
            },
        );

        it("the shipped stacks pin versions AKS creates on the calendar's date", () => {
            for (const stack of ["dev", "prod"]) {
                const config = readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
                assert.deepEqual(
                    versionProblems(config["aks-pod-subnet:kubernetesVersion"], new Date(KUBERNETES_CALENDAR.asOf)),
                    [],
                    stack,
                );
            }
        });

        it("the stack program refuses an end-of-life version at preview, before any resource", async () => {
            const config = readConfigFile(path.join(ROOT, "Pulumi.dev.yaml"));
            const mocks = new AzureMocks();
            await assert.rejects(
                runProgram({
                    stack: "dev",
                    config: { ...config, "aks-pod-subnet:kubernetesVersion": "1.33" },
                    preview: true,
                    mocks,
                }),
                /kubernetesVersion: 1\.33 reached end of life/,
            );
            assert.deepEqual(
                mocks.resources.map((r) => r.type),
                ["pulumi:pulumi:Stack"],
            );
        });
    });

    describe("requests Azure ignores or refuses", () => {
        let dev: PlannedResource[];
        let prod: PlannedResource[];
        before(async () => {
            dev = (await runProgram({ stack: "dev", config: readConfigFile(path.join(ROOT, "Pulumi.dev.yaml")) }))
                .resources;
            prod = (await runProgram({ stack: "prod", config: readConfigFile(path.join(ROOT, "Pulumi.prod.yaml")) }))
                .resources;
        });

        it(
            "azure-native's SDK would send podCidr 10.244.0.0/16 " + "with any network profile (the broken copy)",
            async () => {
                const mocks = new AzureMocks();
                await runProgram({
                    stack: "raw",
                    config: {},
                    mocks,
                    program: () => {
                        new containerservice.ManagedCluster("raw", {
                            resourceGroupName: "rg",
                            networkProfile: { networkPlugin: "azure" },
                        });
                    },
                });
                const raw = mocks.resources.find((r) => r.type === CLUSTER)!;
                assert.equal(raw.inputs.networkProfile.podCidr, "10.244.0.0/16");
            },
        );

        it(
            "the cluster sends no podCidr (pod IPs come from the pod subnets) " +
                "and keeps a recorded one of older stacks",
            () => {
                for (const resources of [dev, prod]) {
                    const cluster = resources.find((r) => r.type === CLUSTER)!;
                    assert.ok(
                        !("podCidr" in cluster.inputs.networkProfile),
                        JSON.stringify(cluster.inputs.networkProfile),
                    );
                    assert.ok(
                        cluster.ignoreChanges.includes("networkProfile.podCidr"),
                        'cluster.ignoreChanges.includes("networkProfile.podCidr")',
                    );
                    // The rest of the profile is still sent.
                    assert.equal(cluster.inputs.networkProfile.networkPlugin, "azure");
                    assert.equal(cluster.inputs.networkProfile.serviceCidr, "100.96.0.0/16");
                }
            },
        );

        it(
            "an AgentPool edit AKS cannot apply in place shows as a replacement, " +
                "old pool first (its name is fixed)",
            () => {
                const pools = prod.filter((r) => r.type === POOL);
                assert.equal(pools.length, 2);
                for (const pool of pools) {
                    assert.deepEqual(
                        pool.replaceOnChanges,
                        AGENT_POOL_REPLACEMENTS.map((r) => r.property),
                    );
                    assert.ok(
                        pool.replaceOnChanges.includes("podIPAllocationMode") &&
                            pool.replaceOnChanges.includes("maxPods"),
                        'pool.replaceOnChanges.includes("podIPAllocationMode") && poo',
                    );
                    assert.equal(pool.deleteBeforeReplace, true);
                }
            },
        );
    });

    describe("the inline System pool", () => {
        const deployed = {
            name: "system",
            vmSize: "Standard_D4s_v5",
            podIPAllocationMode: "DynamicIndividual",
            maxPods: 30,
            availabilityZones: ["1", "2", "3"],
            podSubnetCidr: "100.64.0.0/16",
        };
        const prodConfig = () => readConfigFile(path.join(ROOT, "Pulumi.prod.yaml"));
        const withSystemPool = (change: Record<string, unknown>) => {
            const config = prodConfig();
            const pools = JSON.parse(config["aks-pod-subnet:nodePools"]);
            pools[0] = { ...pools[0], ...change };
            return { ...config, "aks-pod-subnet:nodePools": encodeConfigValue(pools) };
        };
        const plan = (config: Record<string, string>, outputs: Record<string, unknown>) =>
            runProgram({ stack: "prod", config, preview: true, mocks: new AzureMocks(outputs) });

        it("exports what it was deployed with, and a preview against identical settings passes", async () => {
            const run = await plan(prodConfig(), { inlineSystemPool: deployed });
            assert.deepEqual(run.outputs.inlineSystemPool, deployed);
        });

        it("a count, surge or label edit reaches Azure in the cluster's update: the preview passes", async () => {
            const run = await plan(withSystemPool({ count: 4, maxSurge: "2", nodeLabels: { tier: "system" } }), {
                inlineSystemPool: deployed,
            });
            const cluster = run.resources.find((r) => r.type === CLUSTER)!;
            assert.equal(cluster.inputs.agentPoolProfiles[0].count, 4);
            assert.deepEqual(cluster.inputs.agentPoolProfiles[0].nodeLabels, { tier: "system" });
        });

        it("a VM size or maxPods edit AKS cannot apply is refused at preview with the way to apply it", async () => {
            await assert.rejects(
                plan(withSystemPool({ vmSize: "Standard_D8s_v5", maxPods: 50 }), { inlineSystemPool: deployed }),
                (error: Error) => {
                    assert.match(
                        error.message,
                        new RegExp(
                            String.raw`nodePools\[0\]\.vmSize: the cluster's inline System pool "system" was ` +
                                String.raw`created with vmSize "Standard_D4s_v5"`,
                        ),
                    );
                    assert.match(error.message, /nodePools\[0\]\.maxPods: .* was created with maxPods 30/);
                    assert.match(error.message, /add another System pool after it with vmSize "Standard_D8s_v5"/);
                    assert.ok(!/\n\s+at /.test(error.message), "no stack trace");
                    return true;
                },
            );
        });

        it("compares field by field, and nothing on a new stack", () => {
            const planned = { ...deployed };
            assert.deepEqual(inlinePoolChanges(undefined, planned, "nodePools[0]"), []);
            assert.deepEqual(
                inlinePoolChanges({}, planned, "nodePools[0]"),
                [],
                "a stack deployed before the check recorded nothing",
            );
            assert.deepEqual(
                inlinePoolChanges(
                    deployed,
                    { ...planned, availabilityZones: ["1", "2"], name: "sys" },
                    "nodePools[0]",
                ).map((p) => p.key),
                ["nodePools[0].name", "nodePools[0].availabilityZones"],
            );
            assert.deepEqual(
                inlinePoolChanges(deployed, { ...planned, podSubnetCidr: "100.66.0.0/16" }, "nodePools[2]").map(
                    (p) => p.key,
                ),
                ["nodePools[2].podSubnetCidr"],
            );
        });
    });
});

const devPools = () => JSON.parse(stackConfig("dev")["aks-pod-subnet:nodePools"]);
const withPool = (index: number, change: Record<string, unknown>) =>
    devPools().map((p: any, i: number) => (i === index ? { ...p, ...change } : p));

describe("Azure's name and size rules, at preview", () => {
    it("room for 30 pods per pool: maxPods of 30, or maxPods × initial nodes of 30", async () => {
        const problems = await problemsOf("dev", { nodePools: withPool(0, { count: 2, maxPods: 12 }) });
        assert.deepEqual(keysOf(problems), ["nodePools[0].maxPods"]);
        assert.match(
            problems[0],
            new RegExp(
                String.raw`12 pods × 2 nodes gives the pool room for 24 pods; AKS needs room for at least 30 ` +
                    String.raw`per pool: raise maxPods to 30 or the initial node count to 3`,
            ),
        );
        await runProgram({
            stack: "dev",
            config: stackConfig("dev", { nodePools: withPool(0, { count: 3, maxPods: 10 }) }),
        });
    });

    it("at most 64,000 dynamically allocated pod IPs", async () => {
        const pools = [
            ...devPools(),
            { name: "huge", minCount: 1, maxCount: 1000, maxPods: 250, maxSurge: "1", podSubnetCidr: "100.80.0.0/12" },
        ];
        const problems = await problemsOf("dev", {
            nodePools: pools,
            vnetAddressSpace: ["10.42.8.0/27", "100.64.0.0/20", "100.80.0.0/12"],
        });
        assert.ok(
            problems.some((p) =>
                /^nodePools: the DynamicIndividual pools need \d+ pod IPs at peak .* serves at most 64000/.test(p),
            ),
            problems.join("\n"),
        );
    });

    it("node labels: AKS's reserved prefixes, lengths, and values that need quoting", async () => {
        const labels = {
            "kubernetes.azure.com/mode": "x",
            "node-role.kubernetes.io/infra": "",
            "example.k8s.io/a": "b",
            ["a".repeat(64)]: "x",
            tier: 2,
            "example.com/team": "web",
        };
        const problems = await problemsOf("dev", { nodePools: withPool(1, { nodeLabels: labels }) });
        assert.deepEqual(keysOf(problems), [
            "nodePools[1].nodeLabels.kubernetes.azure.com/mode",
            "nodePools[1].nodeLabels.node-role.kubernetes.io/infra",
            "nodePools[1].nodeLabels.example.k8s.io/a",
            `nodePools[1].nodeLabels.${"a".repeat(64)}`,
            "nodePools[1].nodeLabels.tier",
        ]);
        assert.match(problems[0], /which AKS reserves \(kubernetes\.azure\.com\)/);
        assert.match(problems[4], /quote it in YAML: "2"/);
    });

    it(
        "taints: the az CLI's form, the effect named, " +
            "and only CriticalAddonsOnly or PreferNoSchedule on a System pool",
        async () => {
            const problems = await problemsOf("dev", {
                nodePools: withPool(0, {
                    nodeTaints: [
                        "CriticalAddonsOnly=true:NoSchedule",
                        "team=infra:PreferNoSchedule",
                        "team=infra:NoSchedule",
                        "x=y:NoScheduel",
                        `${"k".repeat(254)}=v:NoSchedule`,
                    ],
                }),
            });
            assert.deepEqual(keysOf(problems), [
                "nodePools[0].nodeTaints[2]",
                "nodePools[0].nodeTaints[3]",
                "nodePools[0].nodeTaints[4]",
            ]);
            assert.match(problems[0], /SystemPoolHasRestrictedTaint/);
            assert.match(problems[1], /the effect "NoScheduel" is not one of NoSchedule, PreferNoSchedule, NoExecute/);
        },
    );

    it("System pools: at least 4 vCPUs and no B-series; User pools may be smaller", async () => {
        for (const [vmSize, pattern] of [
            ["Standard_D2s_v5", /has 2 vCPUs; AKS System pools need at least 4 vCPUs/],
            ["Standard_E8-2ds_v5", /has 2 vCPUs/],
            ["Standard_B4ms", /burstable B-series/],
        ] as const) {
            const problems = await problemsOf("dev", { nodePools: withPool(0, { vmSize }) });
            assert.deepEqual(keysOf(problems), ["nodePools[0].vmSize"], vmSize);
            assert.match(problems[0], pattern);
        }
        await runProgram({
            stack: "dev",
            config: stackConfig("dev", { nodePools: withPool(1, { vmSize: "Standard_D2s_v5" }) }),
        });
    });

    it("the DNS prefix (the cluster's name) is at most 54 letters, digits and hyphens", async () => {
        const long = "s".repeat(51);
        const problems = await problemsOf("dev", {}, long);
        assert.deepEqual(keysOf(problems), ["(stack name)"]);
        assert.match(problems[0], /DNS prefix "aks-s+" \(55 characters\) is not one Azure accepts/);
        assert.match((await problemsOf("dev", {}, "team_a"))[0], /DNS prefix "aks-team_a"/);
        await runProgram({ stack: "s".repeat(50), config: stackConfig("dev") });
    });

    it("authorized IP ranges: public IPv4 only, 0.0.0.0/32 alone, not with virtual nodes", async () => {
        const problems = await problemsOf("dev", { authorizedIpRanges: ["10.1.0.0/16", "0.0.0.0/32", "20.50.0.0/24"] });
        assert.deepEqual(keysOf(problems), ["authorizedIpRanges[0]", "authorizedIpRanges[1]"]);
        assert.match(problems[0], /overlaps 10\.0\.0\.0\/8, which is not public address space/);
        assert.match(problems[1], /"0\.0\.0\.0\/32" .* is allowed alone/);
        const withVirtualNodes = await problemsOf("dev", {
            authorizedIpRanges: ["20.50.0.0/24"],
            virtualNodeSubnetCidr: "10.42.8.32/27",
            vnetAddressSpace: ["10.42.8.0/26", "100.64.0.0/20"],
        });
        assert.deepEqual(keysOf(withVirtualNodes), ["authorizedIpRanges"]);
    });

    it(
        "with a NAT gateway, the cluster adds the gateway's public IP to the authorized ranges " +
            "(nodes reach the API server from it)",
        async () => {
            const run = await runProgram({
                stack: "dev",
                config: stackConfig("dev", {
                    outboundType: "userAssignedNATGateway",
                    authorizedIpRanges: ["20.50.0.0/24"],
                }),
            });
            const ip = run.resources.find((r) => r.type === "azure-native:network:PublicIPAddress")!;
            const cluster = run.resources.find((r) => r.type === CLUSTER)!;
            const ranges: string[] = cluster.inputs.apiServerAccessProfile.authorizedIPRanges;
            assert.equal(ranges.length, 2);
            assert.equal(ranges[0], "20.50.0.0/24");
            assert.match(ranges[1], /^198\.51\.100\.\d+\/32$/);
            assert.ok(cluster.dependencies.includes(ip.name), "the cluster waits for the public IP it lists");
            const loadBalancer = await runProgram({
                stack: "dev",
                config: stackConfig("dev", { authorizedIpRanges: ["20.50.0.0/24"] }),
            });
            assert.deepEqual(
                loadBalancer.resources.find((r) => r.type === CLUSTER)!.inputs.apiServerAccessProfile
                    .authorizedIPRanges,
                ["20.50.0.0/24"],
                "AKS adds the load balancer's IP itself",
            );
        },
    );

    it("the NAT gateway's idle timeout is 4–120 minutes (the az CLI's range)", async () => {
        for (const minutes of [3, 121]) {
            const problems = await problemsOf("prod", { natGatewayIdleTimeoutMinutes: String(minutes) });
            assert.deepEqual(keysOf(problems), ["natGatewayIdleTimeoutMinutes"], String(minutes));
        }
    });

    describe("a custom private DNS zone", () => {
        const zone = (name: string) =>
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns" +
            `/providers/Microsoft.Network/privateDnsZones/${name}`;

        it(
            "grants the cluster identity Private DNS Zone Contributor on the zone and Network Contributor on the " +
                "VNet, before the cluster",
            async () => {
                const run = await runProgram({
                    stack: "prod",
                    config: stackConfig("prod", { privateDnsZone: zone("team-a.privatelink.westeurope.azmk8s.io") }),
                });
                const roles = run.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
                const zoneRole = roles.find((r) => r.name === "cluster-private-dns-zone-contributor-zone")!;
                const vnetRole = roles.find((r) => r.name === "cluster-network-contributor-vnet")!;
                assert.equal(zoneRole.inputs.scope, zone("team-a.privatelink.westeurope.azmk8s.io"));
                assert.match(
                    zoneRole.inputs.roleDefinitionId,
                    /\/roleDefinitions\/b12aa53e-6015-4669-85d0-8515ebb3ae7f$/,
                );
                assert.match(vnetRole.inputs.scope, /\/virtualNetworks\/vnet-aks-prod$/);
                assert.match(
                    vnetRole.inputs.roleDefinitionId,
                    /\/roleDefinitions\/4d97b98b-1d4f-4787-a291-c67834d212e7$/,
                );
                const cluster = run.resources.find((r) => r.type === CLUSTER)!;
                assert.ok(
                    cluster.dependsOn.includes(zoneRole.name) && cluster.dependsOn.includes(vnetRole.name),
                    "cluster.dependsOn.includes(zoneRole.name) && cluster.depends",
                );
                const system = await runProgram({
                    stack: "prod",
                    config: stackConfig("prod", { privateDnsZone: "system" }),
                });
                assert.ok(
                    !system.resources.some((r) => r.name.includes("private-dns-zone")),
                    "the system zone needs no grant",
                );
            },
        );

        it(
            "refuses a zone of another region, " + "a subzone over 32 characters, and more than one subzone label",
            async () => {
                assert.match(
                    (await problemsOf("prod", { privateDnsZone: zone("privatelink.northeurope.azmk8s.io") }))[0],
                    /^privateDnsZone: the zone is for region "northeurope", the cluster is in "westeurope"/,
                );
                assert.match(
                    (
                        await problemsOf("prod", {
                            privateDnsZone: zone(`${"a".repeat(33)}.privatelink.westeurope.azmk8s.io`),
                        })
                    )[0],
                    /has 33 characters; AKS allows at most 32/,
                );
                assert.match(
                    (await problemsOf("prod", { privateDnsZone: zone("a.b.privatelink.westeurope.azmk8s.io") }))[0],
                    /^privateDnsZone: expected "system", "none" or the resource ID/,
                );
            },
        );
    });
});

describe("one pod IP allocation mode per pod subnet, and link-local", () => {
    it("refuses a StaticBlock pool on a subnet a DynamicIndividual pool uses", async () => {
        const problems = await problemsOf("dev", {
            nodePools: withPool(1, { podIPAllocationMode: "StaticBlock", maxPods: 47 }),
        });
        assert.deepEqual(keysOf(problems), ["nodePools[1].podIPAllocationMode"]);
        assert.match(
            problems[0],
            new RegExp(
                String.raw`StaticBlock on pod subnet 100\.64\.0\.0\/20, which pool "system" uses with ` +
                    String.raw`DynamicIndividual: Azure serves one pod IP allocation mode per subnet`,
            ),
        );
    });

    it("refuses a connected network inside link-local, which the agent never masquerades", async () => {
        const problems = await problemsOf("dev", { connectedCidrs: ["10.0.0.0/8", "169.254.10.0/24"] });
        assert.deepEqual(keysOf(problems), ["connectedCidrs[1]"]);
        assert.match(problems[0], /is link-local \(169\.254\.0\.0\/16\), which ip-masq-agent-v2 never masquerades/);
    });
});

describe("addresses in the node subnet that are not nodes (SubnetIsFull)", () => {
    it("a private cluster's API server endpoint takes one address of the node subnet", async () => {
        const prod = await runProgram({ stack: "prod", config: stackConfig("prod") });
        const plan = prod.outputs.addressPlan;
        assert.deepEqual(plan.nodeSubnetOtherAddresses, { privateEndpoint: 1, extra: 0 });
        const peak = plan.pools.reduce((sum: number, p: any) => sum + p.peakNodes, 0);
        assert.equal(plan.nodeSubnet.needed, peak + 1);
    });

    it("nodeSubnetExtraAddresses are counted, and a subnet that cannot hold them is refused", async () => {
        // dev: /27 = 32 addresses, 5 reserved, system 2+1 and apps 5+2 at peak: 17 left.
        const run = await runProgram({ stack: "dev", config: stackConfig("dev", { nodeSubnetExtraAddresses: "17" }) });
        assert.equal(run.outputs.addressPlan.nodeSubnet.headroom, 0);
        const problems = await problemsOf("dev", { nodeSubnetExtraAddresses: "18" });
        assert.deepEqual(keysOf(problems), ["nodeSubnetCidr"]);
        assert.match(
            problems[0],
            new RegExp(
                String.raw`nodes need 33 \(10 nodes at peak incl\. surge \[system 2\+1, apps 5\+2\] \+ 18 ` +
                    String.raw`nodeSubnetExtraAddresses \+ 5 reserved\)\. Use \/26 or larger`,
            ),
        );
    });

    it("a Cluster refuses a private API server on a network planned without it", async () => {
        const plan = (await runProgram({ stack: "dev", config: stackConfig("dev") })).outputs.addressPlan;
        assert.throws(
            () =>
                checkClusterArgs({
                    resourceGroupName: "rg",
                    privateCluster: true,
                    network: { plan, nodeSubnetId: "n", podSubnetIds: { pods: "p" } },
                }),
            /privateCluster: the network's address plan does not count the API server's private endpoint/,
        );
    });
});

/** The Cluster's resolve step, raised as the component raises it. */
function checkClusterArgs(args: ClusterArgs): void {
    const problems = new ProblemList();
    resolveClusterArgs(args, problems);
    problems.throwIfAny("cluster");
}

describe("AKS's error catalogue, caught at preview or built right", () => {
    it("VNet ranges Azure refuses: multicast, loopback, the platform's 168.63.129.16", async () => {
        const problems = await problemsOf("dev", {
            vnetAddressSpace: ["10.42.8.0/27", "100.64.0.0/20", "224.1.0.0/16", "168.63.129.0/24"],
        });
        assert.deepEqual(keysOf(problems), ["vnetAddressSpace[2]", "vnetAddressSpace[3]"]);
        assert.match(problems[0], /overlaps 224\.0\.0\.0\/4, which Azure refuses in a virtual network/);
        assert.match(problems[1], /overlaps 168\.63\.129\.16\/32/);
    });

    it(
        "a next hop on an address Azure keeps in the node subnet, " +
            "or in the virtual nodes' subnet (OutboundConnFail)",
        async () => {
            const udr = {
                outboundType: "userDefinedRouting",
                vnetAddressSpace: ["10.42.8.0/26", "100.64.0.0/20"],
                virtualNodeSubnetCidr: "10.42.8.32/27",
            };
            for (const [hop, pattern] of [
                ["10.42.8.1", /one of the 5 addresses Azure keeps in node subnet 10\.42\.8\.0\/27/],
                ["10.42.8.31", /one of the 5 addresses Azure keeps/],
                ["10.42.8.40", /virtual nodes' subnet 10\.42\.8\.32\/27, delegated to Azure Container Instances/],
            ] as const) {
                const problems = await problemsOf("dev", { ...udr, egressNextHopIp: hop });
                assert.deepEqual(keysOf(problems), ["egressNextHopIp"], hop);
                assert.match(problems[0], pattern);
            }
            await runProgram({ stack: "dev", config: stackConfig("dev", { ...udr, egressNextHopIp: "10.42.8.4" }) });
        },
    );

    it(
        "a node resource group name AKS would refuse (over 80 characters) is replaced by a short one; " +
            "a fitting default is kept",
        async () => {
            // 27 + 1: MC_rg-aks-<stack>_aks-<stack>_westeurope is 82 characters
            const long = "platform-team-westeurope-01";
            const run = await runProgram({ stack: `${long}x`, config: stackConfig("dev") });
            const cluster = run.resources.find((r) => r.type === CLUSTER)!;
            assert.equal(cluster.inputs.nodeResourceGroup, `MC_aks-${long}x_westeurope`);
            const fits = await runProgram({ stack: long, config: stackConfig("dev") });
            assert.equal(
                fits.resources.find((r) => r.type === CLUSTER)!.inputs.nodeResourceGroup,
                undefined,
                "80 characters: AKS's own default",
            );
        },
    );

    it("names with words Azure reserves (ReservedResourceName)", async () => {
        const derived = await problemsOf("dev", {}, "microsoft-dev");
        for (const name of ["vnet-aks-microsoft-dev", "aks-microsoft-dev", "rg-aks-microsoft-dev"]) {
            const pattern = new RegExp(`^\\(stack name\\): "${name}" contains "MICROSOFT", a word Azure reserves`);
            assert.ok(
                derived.some((p) => pattern.test(p)),
                `${name} in:\n${derived.join("\n")}`,
            );
        }
        assert.match(
            (await problemsOf("dev", { resourceGroupName: "azure" }))[0],
            /^resourceGroupName: "azure" contains "AZURE"/,
        );
    });

    it("at most 100 pools, and 1,000 nodes on the Free tier", async () => {
        const many = Array.from({ length: 101 }, (_, i) => ({
            name: `p${i}`,
            mode: i === 0 ? "System" : "User",
            count: 0,
            maxPods: 30,
            maxSurge: "1",
            ...(i === 0 ? { count: 1 } : {}),
        }));
        const tooMany = await problemsOf("dev", { nodePools: many });
        assert.ok(
            tooMany.some((p) =>
                /^nodePools: lists 101 pools; AKS allows at most 100 per cluster \(MaxAgentPoolCountReached\)/.test(p),
            ),
            tooMany.join("\n"),
        );
        const big = withPool(1, { minCount: 1, maxCount: 1000, maxPods: 30, maxSurge: "1" });
        const vnet = {
            nodeSubnetCidr: "10.42.0.0/21",
            vnetAddressSpace: ["10.42.0.0/21", "100.64.0.0/12"],
            podSubnetCidr: "100.64.0.0/12",
        };
        const free = await problemsOf("dev", { nodePools: big, ...vnet });
        assert.ok(
            free.some((p) =>
                new RegExp(
                    String.raw`^nodePools: the pools' maxCount add up to 1002 nodes; a Free-tier AKS cluster ` +
                        String.raw`supports at most 1000`,
                ).test(p),
            ),
            free.join("\n"),
        );
    });

    it(
        "an unknown region is refused with a suggestion; zones in a region without them are refused " +
            "(AvailabilityZoneNotSupported)",
        async () => {
            const typo = await problemsOf("dev", { "azure-native:location": "westeuropa" });
            assert.deepEqual(keysOf(typo), ["azure-native:location"]);
            assert.match(
                typo[0],
                new RegExp(
                    String.raw`"westeuropa" is not an Azure region known to this version of the data .*did you ` +
                        String.raw`mean westeurope\?.*set allowUnknownAzureValues: true`,
                ),
            );
            const zones = await problemsOf("prod", { "azure-native:location": "westus" });
            assert.ok(
                zones.some((p) => /^nodePools\[0\]\.availabilityZones: westus has no availability zones/.test(p)),
                zones.join("\n"),
            );
        },
    );

    it("a VM size of a family Azure does not offer is refused", async () => {
        const problems = await problemsOf("dev", { nodePools: withPool(1, { vmSize: "Standard_Q4s_v5" }) });
        assert.deepEqual(keysOf(problems), ["nodePools[1].vmSize"]);
        assert.match(problems[0], /"Standard_Q4s_v5" is not a VM size known to this version of the data/);
    });

    it(
        "allowUnknownAzureValues turns unknown values (region, VM size, newer Kubernetes) " +
            "into warnings, and only those",
        async () => {
            const overrides = {
                allowUnknownAzureValues: "true",
                "azure-native:location": "marsnorth",
                kubernetesVersion: "1.38",
                nodePools: withPool(1, { vmSize: "Standard_Q4s_v5" }),
            };
            const warnings: string[] = [];
            const warn = pulumi.log.warn;
            (pulumi.log as any).warn = (message: string) => warnings.push(message);
            try {
                await runProgram({ stack: "dev", config: stackConfig("dev", overrides) });
            } finally {
                (pulumi.log as any).warn = warn;
            }
            assert.deepEqual(
                warnings.map((w) => w.slice(0, w.indexOf(":"))).sort(),
                // The region is the Cluster component's `location` arg; the component warns under its own name.
                ["location", "kubernetesVersion", "nodePools[1].vmSize"].sort(),
            );
            assert.ok(
                warnings.some((w) => /"marsnorth" is not an Azure region known/.test(w)),
                'warnings.some((w) => /"marsnorth" is not an Azure region kno',
            );
            // A known-bad value stays an error.
            assert.deepEqual(keysOf(await problemsOf("dev", { ...overrides, kubernetesVersion: "1.33" })), [
                "kubernetesVersion",
            ]);
        },
    );
});

describe("hub connectivity", () => {
    const HUB =
        "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub" +
        "/providers/Microsoft.Network/virtualNetworks/vnet-hub";
    const PEERING = "azure-native:network:VirtualNetworkPeering";

    it(
        "peers the spoke with the hub after its subnets: " + "forwarded traffic allowed, the hub's gateway used",
        async () => {
            const run = await runProgram({
                stack: "dev",
                config: stackConfig("dev", { hub: { vnetId: HUB, addressSpace: ["192.168.0.0/16"] } }),
            });
            const peerings = run.resources.filter((r) => r.type === PEERING);
            assert.deepEqual(
                peerings.map((p) => p.name),
                ["network-spoke-to-hub"],
            );
            const [peering] = peerings;
            assert.equal(peering.inputs.virtualNetworkName, "vnet-aks-dev");
            assert.deepEqual(peering.inputs.remoteVirtualNetwork, { id: HUB });
            assert.equal(peering.inputs.allowForwardedTraffic, true);
            assert.equal(peering.inputs.useRemoteGateways, true);
            const subnets = run.resources.filter((r) => r.type === "azure-native:network:Subnet").map((r) => r.name);
            assert.ok(
                subnets.every((s) => waitsFor(run.resources, peering.name, s)),
                "one write per VNet: the peering waits for every subnet",
            );
            assert.deepEqual(run.outputs.addressPlan.advertisedRanges, ["10.42.8.0/27", "100.64.0.0/20"]);
            assert.deepEqual(run.outputs.addressPlan.hubAddressSpace, ["192.168.0.0/16"]);
        },
    );

    it("with peerBack, creates the hub's peering first, allowing gateway transit", async () => {
        const run = await runProgram({
            stack: "dev",
            config: stackConfig("dev", { hub: { vnetId: HUB, addressSpace: ["192.168.0.0/16"], peerBack: true } }),
        });
        const back = run.resources.find((r) => r.name === "network-hub-to-spoke")!;
        assert.equal(back.inputs.resourceGroupName, "rg-hub");
        assert.equal(back.inputs.virtualNetworkName, "vnet-hub");
        assert.equal(back.inputs.allowGatewayTransit, true);
        assert.match(back.inputs.remoteVirtualNetwork.id, /\/virtualNetworks\/vnet-aks-dev$/);
        assert.ok(waitsFor(run.resources, "network-spoke-to-hub", "network-hub-to-spoke"));
    });

    it("refuses an overlap of the whole VNet, pod ranges included, with the hub or its other spokes", async () => {
        const problems = await problemsOf("dev", {
            hub: { vnetId: HUB, addressSpace: ["10.42.0.0/16"], spokeAddressSpaces: ["10.50.0.0/16", "100.64.0.0/16"] },
        });
        assert.deepEqual(keysOf(problems), ["hub.addressSpace[0]", "hub.spokeAddressSpaces[1]"]);
        assert.match(
            problems[0],
            new RegExp(
                String.raw`10\.42\.0\.0\/16, the hub's address space, overlaps this VNet's 10\.42\.8\.0\/27 ` +
                    String.raw`.*Azure refuses a peering .*VnetAddressSpaceOverlapsWithAlreadyPeeredVnet`,
            ),
        );
        assert.match(
            problems[1],
            /100\.64\.0\.0\/16, another spoke already peered with the hub, overlaps this VNet's 100\.64\.0\.0\/20/,
        );
    });

    it("refuses a hub without its address space, a bad VNet ID and unknown fields", async () => {
        const problems = await problemsOf("dev", { hub: { vnetId: "vnet-hub", peerback: true } });
        assert.deepEqual(keysOf(problems).sort(), ["hub.addressSpace", "hub.peerback", "hub.vnetId"]);
        assert.ok(
            problems.some((p) => /hub\.peerback: is not a field of hub: did you mean peerBack\?/.test(p)),
            "problems.some((p) => /hub\\.peerback: is not a field of hub: ",
        );
    });

    it("the address report states what peering advertises and how pods reach the hub", async () => {
        const config = stackConfig("dev", { hub: { vnetId: HUB, addressSpace: ["10.40.0.0/16"] } });
        const plan = (await runProgram({ stack: "dev", config })).outputs.addressPlan;
        const text = renderAddressPlan(plan, "POD-SUBNET-MASQ", "loadBalancer").join("\n");
        assert.match(
            text,
            new RegExp(
                String.raw`Advertised by VNet peering and gateway transit \(to the hub and on-prem\): ` +
                    String.raw`10\.42\.8\.0\/27, 100\.64\.0\.0\/20`,
            ),
        );
        assert.match(text, /hub 10\.40\.0\.0\/16: pods reach it as the node IP/);
        const keep = (
            await runProgram({
                stack: "dev",
                config: stackConfig("dev", {
                    hub: { vnetId: HUB, addressSpace: ["10.40.0.0/16"] },
                    extraNonMasqueradeCidrs: ["10.40.0.0/16"],
                }),
            })
        ).outputs.addressPlan;
        assert.match(
            renderAddressPlan(keep, "POD-SUBNET-MASQ", "loadBalancer").join("\n"),
            /hub 10\.40\.0\.0\/16: pods reach it as their pod IP/,
        );
    });

    it(
        "the prod stack: a spoke of its hub, private API server with the zone in the hub, " +
            "reachable by a runner there",
        async () => {
            const run = await runProgram({ stack: "prod", config: stackConfig("prod") });
            assert.ok(
                run.resources.some((r) => r.type === PEERING && r.name === "network-spoke-to-hub"),
                'run.resources.some((r) => r.type === PEERING && r.name === "',
            );
            const text = renderAccess(run.resources).join("\n");
            assert.match(text, /pulumi up runs in the hub vnet-hub or a network peered with it/);
            assert.match(text, /Azure Kubernetes Service RBAC Cluster Admin/);
            const dev = await runProgram({ stack: "dev", config: stackConfig("dev", { privateCluster: "true" }) });
            assert.match(
                renderAccess(dev.resources).join("\n"),
                /pulumi up must run where it reaches this VNet and resolves the API server/,
            );
        },
    );
});

describe("Kubernetes access with Entra ID", () => {
    it(
        "grants the identity running pulumi up a Kubernetes role, " + "and the Kubernetes objects wait for it to apply",
        async () => {
            const run = await runProgram({ stack: "prod", config: stackConfig("prod") });
            const role = run.resources.find((r) => r.name === "cluster-deployer-cluster-admin")!;
            assert.match(role.inputs.roleDefinitionId, /\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
            assert.match(role.inputs.scope, /\/managedClusters\/aks-prod$/);
            assert.equal(
                role.inputs.principalId,
                stableGuid("deployer-object"),
                "the objectId getClientConfig returns",
            );
            const wait = run.resources.find((r) => r.name === "cluster-deployer-role-propagation")!;
            assert.equal(wait.inputs.seconds, 300);
            for (const kind of ["kubernetes:core/v1:ConfigMap", "kubernetes:apps/v1:DaemonSet"]) {
                const object = run.resources.find((r) => r.type === kind)!;
                assert.ok(waitsFor(run.resources, object.name, wait.name), `${kind} waits for the role to apply`);
                assert.ok(
                    waitsFor(run.resources, object.name, role.name),
                    "waitsFor(run.resources, object.name, role.name)",
                );
            }
            const dev = await runProgram({ stack: "dev", config: stackConfig("dev") });
            assert.ok(!dev.resources.some((r) => r.name.includes("deployer")), "no Entra ID, no deployer role");
        },
    );

    it("rewrites the exec kubeconfig for a non-interactive kubelogin login (never device code)", () => {
        const kubeconfig = mockExecKubeconfig("aks-prod");
        assert.match(kubeconfig, /- devicecode/);
        const args = (mode: "azurecli" | "spn" | "workloadidentity") =>
            (parse(withKubeloginMode(kubeconfig, mode)) as any).users[0].user.exec.args;
        assert.deepEqual(args("azurecli"), [
            "get-token",
            "--login",
            "azurecli",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
        ]);
        assert.deepEqual(args("workloadidentity"), [
            "get-token",
            "--login",
            "workloadidentity",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
        ]);
        assert.deepEqual(args("spn"), [
            "get-token",
            "--login",
            "spn",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
            "--tenant-id",
            "11111111-1111-1111-1111-111111111111",
            "--environment",
            "AzurePublicCloud",
        ]);
    });

    it("the program's kubeconfig uses kubeloginMode (default azurecli); kubeloginMode needs Entra ID", async () => {
        const run = await runProgram({
            stack: "prod",
            config: stackConfig("prod", { kubeloginMode: "workloadidentity" }),
        });
        assert.match(run.outputs.kubeconfig, /- workloadidentity/);
        assert.ok(!/devicecode/.test(run.outputs.kubeconfig), "!/devicecode/.test(run.outputs.kubeconfig)");
        assert.deepEqual(keysOf(await problemsOf("dev", { kubeloginMode: "azurecli" })), ["kubeloginMode"]);
        assert.match((await problemsOf("prod", { kubeloginMode: "devicecode" }))[0], /never devicecode/);
    });
});

describe("production defaults", () => {
    it("prod: Standard tier, node OS images in the same window, Calico", async () => {
        const run = await runProgram({ stack: "prod", config: stackConfig("prod") });
        const cluster = run.resources.find((r) => r.type === CLUSTER)!;
        assert.deepEqual(cluster.inputs.sku, { name: "Base", tier: "Standard" });
        assert.deepEqual(cluster.inputs.autoUpgradeProfile, {
            upgradeChannel: "patch",
            nodeOSUpgradeChannel: "NodeImage",
        });
        assert.equal(cluster.inputs.networkProfile.networkPolicy, "calico");
        const windows = run.resources.filter(
            (r) => r.type === "azure-native:containerservice:MaintenanceConfiguration",
        );
        assert.deepEqual(
            windows.map((w) => w.inputs.configName),
            ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"],
        );
        assert.ok(
            waitsFor(run.resources, windows[1].name, windows[0].name),
            "one agent-pool-level operation at a time",
        );
    });

    it("the node limit follows the tier: 1,000 on Free, 5,000 on Standard", async () => {
        // 1,002 nodes at 48 pod IPs each stay under the 64,000 dynamic pod IPs, so only the node limit speaks.
        const big = withPool(1, { minCount: 1, maxCount: 1000, maxPods: 30, maxSurge: "1" });
        const free = await problemsOf("dev", {
            nodePools: big,
            nodeSubnetCidr: "10.42.0.0/21",
            vnetAddressSpace: ["10.42.0.0/21", "100.64.0.0/12"],
            podSubnetCidr: "100.64.0.0/12",
        });
        assert.ok(
            free.some((p) =>
                /a Free-tier AKS cluster supports at most 1000: lower maxCount, or set tier "Standard"/.test(p),
            ),
            free.join("\n"),
        );
        await runProgram({
            stack: "dev",
            config: stackConfig("dev", {
                nodePools: big,
                tier: "Standard",
                nodeSubnetCidr: "10.42.0.0/21",
                vnetAddressSpace: ["10.42.0.0/21", "100.64.0.0/12"],
                podSubnetCidr: "100.64.0.0/12",
            }),
        });
    });
});
