import { strict as assert } from "assert";
import { ConfigurationError, ConfigProblem } from "../../src/errors";
import { AddressPlanInput, planAddresses } from "../../src/planner";

/** A valid plan input; each test changes one thing. */
function base(overrides: Partial<AddressPlanInput> = {}): AddressPlanInput {
    return {
        nodeSubnetCidr: "10.10.0.0/26",
        podSubnetCidr: "100.64.0.0/20",
        serviceCidr: "172.16.0.0/16",
        connectedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        nodePools: [{ name: "system", mode: "System", count: 3, maxPods: 50, maxSurge: "1" }],
        ...overrides,
    };
}

function problemsOf(input: unknown): ConfigProblem[] {
    try {
        planAddresses(input as AddressPlanInput);
    } catch (error) {
        assert.ok(error instanceof ConfigurationError, `expected ConfigurationError, got ${error}`);
        return [...error.problems];
    }
    return [];
}

/** Asserts exactly one problem, on `key`, whose message contains every fragment. */
function assertProblem(input: unknown, key: string, ...fragments: string[]): void {
    const problems = problemsOf(input);
    assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems, null, 2)}`);
    assert.equal(problems[0].key, key);
    for (const fragment of fragments)
        assert.ok(problems[0].message.includes(fragment), `"${problems[0].message}" lacks "${fragment}"`);
}

describe("address planner", () => {
    describe("the worked example from the reference", () => {
        // 20 nodes, surge 2, maxPods 50 → pod subnet needs 22 × 64 = 1408 IPs → /21; node subnet 22 + 5 = 27 → /27.
        const pool = { name: "system", mode: "System" as const, count: 20, maxSurge: "2", maxPods: 50 };

        it("fits a /21 pod subnet and a /27 node subnet exactly", () => {
            const plan = planAddresses(
                base({ nodeSubnetCidr: "10.10.0.0/27", podSubnetCidr: "100.64.0.0/21", nodePools: [pool] }),
            );
            assert.deepEqual(plan.pools[0].peakNodes, 22);
            assert.equal(plan.pools[0].podIPsPerNode, 64);
            assert.equal(plan.pools[0].podIPsNeeded, 1408);
            assert.deepEqual(
                {
                    size: plan.podSubnets[0].size,
                    allocatable: plan.podSubnets[0].allocatable,
                    needed: plan.podSubnets[0].needed,
                    headroom: plan.podSubnets[0].headroom,
                },
                { size: 2048, allocatable: 2032, needed: 1408, headroom: 624 },
            );
            assert.deepEqual(
                {
                    size: plan.nodeSubnet.size,
                    needed: plan.nodeSubnet.needed,
                    usable: plan.nodeSubnet.usable,
                    headroom: plan.nodeSubnet.headroom,
                },
                { size: 32, needed: 22, usable: 27, headroom: 5 },
            );
            assert.deepEqual(plan.routableAddresses, {
                podSubnetMode: 32,
                nodeSubnetModeNeeded: 22 * 51 + 5,
                nodeSubnetModePrefix: 21,
                savingPercent: 97.2,
            });
        });

        it("rejects a /22 pod subnet and suggests /21", () => {
            assertProblem(
                base({ nodeSubnetCidr: "10.10.0.0/27", podSubnetCidr: "100.64.0.0/22", nodePools: [pool] }),
                "podSubnetCidr",
                "100.64.0.0/22 holds 1008 allocatable pod IPs; pools need 1408 (22 nodes × 64). Use /21 or larger.",
            );
        });

        it("rejects a /28 node subnet and suggests /27", () => {
            assertProblem(
                base({ nodeSubnetCidr: "10.10.0.0/28", podSubnetCidr: "100.64.0.0/21", nodePools: [pool] }),
                "nodeSubnetCidr",
                "holds 16 addresses; nodes need 27",
                "Use /27 or larger.",
            );
        });

        it("words the issue's example message exactly", () => {
            assertProblem(
                base({ podSubnetCidr: "100.64.0.0/24", nodePools: [pool] }),
                "podSubnetCidr",
                "100.64.0.0/24 holds 240 allocatable pod IPs; pools need 1408 (22 nodes × 64). Use /21 or larger.",
            );
        });
    });

    describe("plan output", () => {
        it("defaults the VNet to exactly the node and pod subnets", () => {
            assert.deepEqual(planAddresses(base()).vnetAddressSpace, ["10.10.0.0/26", "100.64.0.0/20"]);
        });

        it("keeps an explicit VNet address space", () => {
            const plan = planAddresses(base({ vnetAddressSpace: ["10.10.0.0/24", "100.64.0.0/16"] }));
            assert.deepEqual(plan.vnetAddressSpace, ["10.10.0.0/24", "100.64.0.0/16"]);
        });

        it("defaults dnsServiceIP to the network address + 10", () => {
            assert.equal(planAddresses(base()).dnsServiceIP, "172.16.0.10");
            assert.equal(
                planAddresses(base({ serviceCidr: "192.168.128.0/20", connectedCidrs: [] })).dnsServiceIP,
                "192.168.128.10",
            );
        });

        it("keeps an explicit dnsServiceIP", () => {
            assert.equal(planAddresses(base({ dnsServiceIP: "172.16.0.53" })).dnsServiceIP, "172.16.0.53");
        });

        it("merges VNet, service range and extra list into the fewest aligned CIDRs", () => {
            // 100.64.0.0/20 + 100.64.16.0/20 merge into /19; node /26 + adjacent extra /26 merge into /25.
            const plan = planAddresses(
                base({
                    vnetAddressSpace: ["10.10.0.0/26", "100.64.0.0/20", "100.64.16.0/20"],
                    extraNonMasqueradeCidrs: ["10.10.0.64/26", "10.50.0.0/16"],
                }),
            );
            assert.deepEqual(plan.ipMasqAgent.nonMasqueradeCIDRs, [
                "10.10.0.0/25",
                "10.50.0.0/16",
                "100.64.0.0/19",
                "172.16.0.0/16",
            ]);
        });

        it("lists the parts of connected networks that pods reach as the node IP", () => {
            const plan = planAddresses(
                base({
                    nodeSubnetCidr: "10.0.0.0/26",
                    connectedCidrs: ["10.0.0.0/24", "192.168.0.0/16"],
                    extraNonMasqueradeCidrs: ["10.0.0.128/25"],
                }),
            );
            assert.deepEqual(plan.ipMasqAgent.masqueradedConnectedCidrs, ["10.0.0.64/26", "192.168.0.0/16"]);
        });

        it("counts surge as a percentage of the pool, rounded up", () => {
            const plan = planAddresses(
                base({
                    nodePools: [
                        { name: "system", mode: "System", minCount: 3, maxCount: 10, maxSurge: "33%", maxPods: 30 },
                    ],
                }),
            );
            assert.equal(plan.pools[0].surgeNodes, 4);
            assert.equal(plan.pools[0].peakNodes, 14);
            assert.equal(plan.pools[0].count, 3);
            assert.equal(plan.pools[0].autoscaling, true);
            assert.equal(plan.pools[0].podIPsPerNode, 48); // 16 × ceil(30/16 + 0.5) = 16 × 3
        });

        it("normalizes a numeric maxSurge to Azure's string form and applies pool defaults", () => {
            const plan = planAddresses(base({ nodePools: [{ name: "system", mode: "System", maxSurge: 2 }] }));
            assert.deepEqual(
                {
                    count: plan.pools[0].count,
                    maxPods: plan.pools[0].maxPods,
                    maxSurge: plan.pools[0].maxSurge,
                    mode: plan.pools[0].podIPAllocationMode,
                },
                { count: 3, maxPods: 50, maxSurge: "2", mode: "DynamicIndividual" },
            );
            assert.equal(
                planAddresses(base({ nodePools: [{ name: "system", mode: "System" }] })).pools[0].maxSurge,
                "10%",
            );
        });

        it("sizes StaticBlock pools in /28 blocks", () => {
            // maxPods 31 → ceil(32/16) = 2 blocks = 32 IPs per node.
            const plan = planAddresses(
                base({
                    nodePools: [
                        {
                            name: "system",
                            mode: "System",
                            count: 4,
                            maxPods: 31,
                            maxSurge: "1",
                            podIPAllocationMode: "StaticBlock",
                        },
                    ],
                }),
            );
            assert.equal(plan.pools[0].podIPsPerNode, 32);
            assert.equal(plan.podSubnets[0].allocatable, (4096 / 16 - 2) * 16);
        });

        it("puts pools on their own pod subnets and counts pools sharing one", () => {
            const plan = planAddresses(
                base({
                    vnetAddressSpace: ["10.10.0.0/26", "100.64.0.0/16"],
                    nodePools: [
                        { name: "system", mode: "System", count: 3, maxSurge: "1" },
                        { name: "batch", count: 5, maxSurge: "1", podSubnetCidr: "100.64.32.0/20" },
                        { name: "batch2", count: 5, maxSurge: "1", podSubnetCidr: "100.64.32.0/20" },
                    ],
                }),
            );
            assert.deepEqual(
                plan.podSubnets.map((s) => [s.name, s.cidr, s.pools, s.needed]),
                [
                    ["pods", "100.64.0.0/20", ["system"], 4 * 64],
                    ["pods-batch", "100.64.32.0/20", ["batch", "batch2"], 12 * 64],
                ],
            );
            assert.equal(plan.pools[2].podSubnetName, "pods-batch");
            assert.equal(plan.nodeSubnet.needed, 4 + 6 + 6);
        });
    });

    describe("rules", () => {
        it("accepts the base plan", () => assert.deepEqual(problemsOf(base()), []));

        describe("CIDR syntax", () => {
            it("rejects a misaligned CIDR and names the aligned one", () =>
                assertProblem(base({ serviceCidr: "10.1.2.3/16" }), "serviceCidr", `write "10.1.0.0/16"`));
            it("rejects IPv6", () => assertProblem(base({ podSubnetCidr: "fd00::/64" }), "podSubnetCidr", "IPv6"));
            it("rejects text that is not a CIDR", () =>
                assertProblem(base({ nodeSubnetCidr: "10.10.0.0" }), "nodeSubnetCidr", "not an IPv4 CIDR"));
            it("rejects shorthand netmask would accept", () =>
                assertProblem(
                    base({ extraNonMasqueradeCidrs: ["10/8"] }),
                    "extraNonMasqueradeCidrs[0]",
                    "not an IPv4 CIDR",
                ));
            it("rejects leading zeros", () =>
                assertProblem(base({ connectedCidrs: ["010.0.0.0/8"] }), "connectedCidrs[0]", "not an IPv4 CIDR"));
            it("rejects a missing required CIDR", () =>
                assertProblem({ ...base(), serviceCidr: undefined }, "serviceCidr", "is required"));
            it("rejects a string where a list is expected", () =>
                assertProblem(
                    { ...base(), connectedCidrs: "10.0.0.0/8" },
                    "connectedCidrs",
                    "expected a list of CIDRs",
                ));
            it("rejects an empty explicit VNet address space", () =>
                assertProblem(base({ vnetAddressSpace: [] }), "vnetAddressSpace", "empty list"));
        });

        describe("VNet layout", () => {
            it("rejects a subnet outside the VNet", () =>
                assertProblem(
                    base({ vnetAddressSpace: ["10.10.0.0/24", "100.64.0.0/24"] }),
                    "podSubnetCidr",
                    "not inside vnetAddressSpace",
                ));
            it("rejects overlapping VNet prefixes", () =>
                assertProblem(
                    base({ vnetAddressSpace: ["10.10.0.0/24", "100.64.0.0/16", "100.64.0.0/20"] }),
                    "vnetAddressSpace[2]",
                    "overlaps vnetAddressSpace[1]",
                ));
            it("rejects a pod subnet overlapping the node subnet", () =>
                assertProblem(
                    base({
                        podSubnetCidr: "10.10.0.0/20",
                        connectedCidrs: [],
                        nodePools: [{ name: "system", mode: "System", count: 1, maxSurge: "1" }],
                    }),
                    "podSubnetCidr",
                    "overlaps nodeSubnetCidr",
                ));
            it("rejects two pool pod subnets that overlap without being the same", () =>
                assertProblem(
                    base({
                        vnetAddressSpace: ["10.10.0.0/26", "100.64.0.0/16"],
                        nodePools: [
                            { name: "system", mode: "System", count: 1, maxSurge: "1" },
                            { name: "a", count: 1, maxSurge: "1", podSubnetCidr: "100.64.0.0/19" },
                        ],
                    }),
                    "nodePools[1].podSubnetCidr",
                    "overlaps podSubnetCidr 100.64.0.0/20",
                ));
        });

        describe("reserved ranges", () => {
            for (const [key, value] of [
                ["podSubnetCidr", "172.30.0.0/20"],
                ["podSubnetCidr", "172.31.0.0/20"],
                ["nodeSubnetCidr", "169.254.0.0/26"],
                ["serviceCidr", "192.0.2.0/24"],
            ] as const) {
                it(`rejects ${key} ${value}`, () => assertProblem(base({ [key]: value }), key, "a range AKS rejects"));
            }
            it("rejects an explicit VNet prefix that covers a rejected range", () =>
                assertProblem(
                    base({
                        vnetAddressSpace: ["10.10.0.0/24", "100.64.0.0/16", "172.16.0.0/12"],
                        serviceCidr: "192.168.0.0/16",
                        connectedCidrs: [],
                    }),
                    "vnetAddressSpace[2]",
                    "172.30.0.0/16",
                ));
        });

        describe("service range", () => {
            it("rejects a service range overlapping the VNet", () =>
                assertProblem(base({ serviceCidr: "100.64.0.0/16" }), "serviceCidr", "overlaps podSubnetCidr"));
            it("rejects a service range overlapping a connected network", () =>
                assertProblem(
                    base({ serviceCidr: "10.96.0.0/16" }),
                    "serviceCidr",
                    "overlaps connectedCidrs[0] 10.0.0.0/8",
                ));
            it("rejects a service range larger than /12", () =>
                assertProblem(
                    base({ serviceCidr: "64.0.0.0/11", connectedCidrs: [] }),
                    "serviceCidr",
                    "/12 or longer",
                ));
            it("accepts a /12 service range", () =>
                assert.deepEqual(
                    problemsOf(base({ serviceCidr: "172.16.0.0/12", podSubnetCidr: "100.64.0.0/20" })).length,
                    1,
                )); // 172.16/12 holds 172.30/16
            it("accepts a /12 service range clear of rejected ranges", () =>
                assert.deepEqual(problemsOf(base({ serviceCidr: "198.16.0.0/12" })), []));
        });

        describe("DNS service IP", () => {
            it("rejects one outside the service range", () =>
                assertProblem(
                    base({ dnsServiceIP: "172.17.0.10" }),
                    "dnsServiceIP",
                    "outside serviceCidr 172.16.0.0/16",
                ));
            it("rejects the network address", () =>
                assertProblem(base({ dnsServiceIP: "172.16.0.0" }), "dnsServiceIP", "the network address"));
            it("rejects the first host (kubernetes.default)", () =>
                assertProblem(base({ dnsServiceIP: "172.16.0.1" }), "dnsServiceIP", "the first host"));
            it("rejects the broadcast address", () =>
                assertProblem(base({ dnsServiceIP: "172.16.255.255" }), "dnsServiceIP", "the broadcast address"));
            it("rejects something that is not an address", () =>
                assertProblem(base({ dnsServiceIP: "172.16.0.10/32" }), "dnsServiceIP", "expected an IPv4 address"));
            it("accepts the second host", () =>
                assert.equal(planAddresses(base({ dnsServiceIP: "172.16.0.2" })).dnsServiceIP, "172.16.0.2"));
            it("explains when the default does not fit a tiny service range", () =>
                assertProblem(
                    base({ serviceCidr: "172.16.0.0/29" }),
                    "dnsServiceIP",
                    "the default 172.16.0.10 (network address + 10) is outside",
                ));
        });

        describe("connected networks", () => {
            it("accepts a corporate supernet around the node subnet", () =>
                assert.deepEqual(problemsOf(base({ connectedCidrs: ["10.0.0.0/8"] })), []));
            it("rejects one overlapping the pod subnet", () =>
                assertProblem(
                    base({ connectedCidrs: ["100.64.0.0/10"] }),
                    "connectedCidrs[0]",
                    "pods could never reach it",
                ));
            it("rejects one lying inside the VNet", () =>
                assertProblem(
                    base({ vnetAddressSpace: ["10.10.0.0/24", "100.64.0.0/20"], connectedCidrs: ["10.10.0.128/25"] }),
                    "connectedCidrs[0]",
                    "lies inside the VNet",
                ));
            it("rejects an extra destination that swallows a whole connected network", () =>
                assertProblem(
                    base({ extraNonMasqueradeCidrs: ["192.168.0.0/16"] }),
                    "extraNonMasqueradeCidrs[0]",
                    "covers all of connectedCidrs[1]",
                ));
            it("accepts an extra destination carved out of a connected network", () =>
                assert.deepEqual(
                    planAddresses(base({ extraNonMasqueradeCidrs: ["10.50.0.0/16"] })).ipMasqAgent
                        .extraNonMasqueradeCidrs,
                    ["10.50.0.0/16"],
                ));
        });

        describe("node pools", () => {
            const pool = (overrides: object) =>
                base({ nodePools: [{ name: "system", mode: "System", count: 3, maxSurge: "1", ...overrides }] });
            it("rejects maxPods below 10", () =>
                assertProblem(pool({ maxPods: 9 }), "nodePools[0].maxPods", "from 10 to 250"));
            it("rejects maxPods above 250", () =>
                assertProblem(pool({ maxPods: 251 }), "nodePools[0].maxPods", "from 10 to 250"));
            it("accepts maxPods 10 and 250", () => {
                assert.deepEqual(problemsOf(pool({ maxPods: 10 })), []);
                assert.deepEqual(problemsOf(pool({ maxPods: 250 })), []);
            });
            it("rejects a number written as a string", () =>
                assertProblem(pool({ maxPods: "50" }), "nodePools[0].maxPods", `the string "50"`));
            it("rejects an upper-case pool name", () =>
                assertProblem(pool({ name: "System" }), "nodePools[0].name", "lowercase"));
            it("rejects a pool name over 12 characters", () =>
                assertProblem(pool({ name: "abcdefghijklm" }), "nodePools[0].name", "1–12"));
            it("rejects a pool name starting with a digit", () =>
                assertProblem(pool({ name: "1pool" }), "nodePools[0].name"));
            it("rejects duplicate pool names", () =>
                assertProblem(
                    base({
                        nodePools: [
                            { name: "system", mode: "System", count: 1, maxSurge: "1" },
                            { name: "system", count: 1, maxSurge: "1" },
                        ],
                    }),
                    "nodePools[1].name",
                    "unique",
                ));
            it("rejects a plan without a System pool", () =>
                assertProblem(pool({ mode: "User" }), "nodePools", `mode "System"`));
            it("rejects an empty pool list", () => assertProblem(base({ nodePools: [] }), "nodePools", "is empty"));
            it("rejects an unknown mode", () =>
                assertProblem(pool({ mode: "system" }), "nodePools[0].mode", `"System" or "User"`));
            it("rejects an unknown allocation mode", () =>
                assertProblem(pool({ podIPAllocationMode: "Static" }), "nodePools[0].podIPAllocationMode"));
            it("rejects minCount without maxCount", () =>
                assertProblem(pool({ count: undefined, minCount: 1 }), "nodePools[0].maxCount", "is missing"));
            it("rejects minCount above maxCount", () =>
                assertProblem(
                    pool({ count: undefined, minCount: 5, maxCount: 3 }),
                    "nodePools[0].minCount",
                    "above maxCount",
                ));
            it("rejects a count outside the autoscaler bounds", () =>
                assertProblem(pool({ count: 9, minCount: 1, maxCount: 5 }), "nodePools[0].count", "from 1 to 5"));
            it("rejects a System pool of zero nodes", () =>
                assertProblem(pool({ count: 0 }), "nodePools[0].count", "from 1 to 1000"));
            it("accepts a User pool of zero nodes", () =>
                assert.deepEqual(
                    problemsOf(
                        base({
                            nodePools: [
                                { name: "system", mode: "System", count: 1, maxSurge: "1" },
                                { name: "spare", count: 0 },
                            ],
                        }),
                    ),
                    [],
                ));
            for (const bad of ["0", "0%", "101%", "-1", "1.5", "ten", 1.5]) {
                it(`rejects maxSurge ${JSON.stringify(bad)}`, () =>
                    assertProblem(pool({ maxSurge: bad }), "nodePools[0].maxSurge"));
            }
            it("rejects a pool that is not an object", () =>
                assertProblem(base({ nodePools: ["system" as never] }), "nodePools[0]", "expected a pool object"));
            it("rejects StaticBlock before Kubernetes 1.28", () =>
                assertProblem(
                    { ...pool({ podIPAllocationMode: "StaticBlock" }), kubernetesVersion: "1.27" },
                    "nodePools[0].podIPAllocationMode",
                    "1.28 or newer",
                ));
            it("accepts StaticBlock on Kubernetes 1.28", () =>
                assert.deepEqual(
                    problemsOf({ ...pool({ podIPAllocationMode: "StaticBlock" }), kubernetesVersion: "1.28.3" }),
                    [],
                ));
            it("rejects StaticBlock on a pod subnet larger than /12", () =>
                assertProblem(
                    base({
                        podSubnetCidr: "100.0.0.0/11",
                        nodePools: [
                            {
                                name: "system",
                                mode: "System",
                                count: 1,
                                maxSurge: "1",
                                podIPAllocationMode: "StaticBlock",
                            },
                        ],
                    }),
                    "nodePools[0].podIPAllocationMode",
                    "/12 or smaller",
                ));
            it("rejects a malformed kubernetesVersion", () =>
                assertProblem({ ...base(), kubernetesVersion: "latest" }, "kubernetesVersion"));
        });

        describe("virtual nodes", () => {
            it("adds the virtual nodes' subnet to the VNet, the agent's list and the routable count", () => {
                const plan = planAddresses(base({ virtualNodeSubnetCidr: "10.10.1.0/24" }));
                assert.deepEqual(plan.vnetAddressSpace, ["10.10.0.0/26", "100.64.0.0/20", "10.10.1.0/24"]);
                assert.deepEqual(
                    plan.virtualNodeSubnet && [
                        plan.virtualNodeSubnet.name,
                        plan.virtualNodeSubnet.role,
                        plan.virtualNodeSubnet.usable,
                    ],
                    ["virtual-nodes", "virtual-nodes", 251],
                );
                assert.ok(plan.ipMasqAgent.nonMasqueradeCIDRs.includes("10.10.1.0/24"));
                assert.equal(plan.routableAddresses.podSubnetMode, 64 + 256);
            });
            it("rejects a virtual nodes' subnet overlapping the pod subnet", () =>
                assertProblem(
                    base({ virtualNodeSubnetCidr: "100.64.8.0/24" }),
                    "virtualNodeSubnetCidr",
                    "overlaps podSubnetCidr",
                ));
            it("rejects a virtual nodes' subnet outside an explicit VNet", () =>
                assertProblem(
                    base({
                        vnetAddressSpace: ["10.10.0.0/26", "100.64.0.0/20"],
                        virtualNodeSubnetCidr: "10.10.1.0/24",
                    }),
                    "virtualNodeSubnetCidr",
                    "not inside vnetAddressSpace",
                ));
            it("rejects a virtual nodes' subnet smaller than /29", () =>
                assertProblem(
                    base({ virtualNodeSubnetCidr: "10.10.1.0/30" }),
                    "virtualNodeSubnetCidr",
                    "/29 or larger",
                ));
        });

        describe("capacity", () => {
            it("counts StaticBlock blocks when sizing a shortfall", () =>
                // 14 nodes × 64 = 896 IPs; a /22 gives 62 blocks (992) under StaticBlock, a /23 only 30 (480).
                assertProblem(
                    base({
                        podSubnetCidr: "100.64.0.0/23",
                        nodePools: [
                            {
                                name: "system",
                                mode: "System",
                                count: 13,
                                maxSurge: "1",
                                maxPods: 63,
                                podIPAllocationMode: "StaticBlock",
                            },
                        ],
                    }),
                    "podSubnetCidr",
                    "holds 480 allocatable pod IPs; pools need 896",
                    "Use /22",
                ));
            it("counts every pool sharing the node subnet, surge included", () =>
                assertProblem(
                    base({
                        nodeSubnetCidr: "10.10.0.0/28",
                        nodePools: [
                            { name: "system", mode: "System", count: 3, maxSurge: "1" },
                            { name: "user", minCount: 1, maxCount: 5, maxSurge: "100%" },
                        ],
                    }),
                    "nodeSubnetCidr",
                    "nodes need 19",
                    "system 3+1, user 5+5",
                    "Use /27",
                ));
            it("accepts a node subnet filled exactly", () =>
                assert.equal(
                    planAddresses(
                        base({
                            nodeSubnetCidr: "10.10.0.0/28",
                            nodePools: [{ name: "system", mode: "System", count: 10, maxSurge: "1" }],
                        }),
                    ).nodeSubnet.headroom,
                    0,
                ));
        });

        describe("agent config", () => {
            it("rejects more than 64 CIDRs after merging", () => {
                // Every other /24 of 10.50/16: none of them merge.
                const extra = Array.from({ length: 62 }, (_, i) => `10.50.${i * 2}.0/24`);
                assertProblem(
                    base({ extraNonMasqueradeCidrs: extra }),
                    "extraNonMasqueradeCidrs",
                    "would hold 65 CIDRs",
                );
            });
            it("accepts exactly 64", () => {
                const extra = Array.from({ length: 61 }, (_, i) => `10.50.${i * 2}.0/24`);
                assert.equal(
                    planAddresses(base({ extraNonMasqueradeCidrs: extra })).ipMasqAgent.nonMasqueradeCIDRs.length,
                    64,
                );
            });
            it("accepts many CIDRs that merge below the limit", () => {
                const extra = Array.from({ length: 256 }, (_, i) => `10.50.${i}.0/24`);
                assert.deepEqual(
                    planAddresses(base({ extraNonMasqueradeCidrs: extra })).ipMasqAgent.nonMasqueradeCIDRs,
                    ["10.10.0.0/26", "10.50.0.0/16", "100.64.0.0/20", "172.16.0.0/16"],
                );
            });
        });

        describe("error style", () => {
            it("collects every problem into one error", () => {
                const problems = problemsOf({
                    ...base(),
                    nodeSubnetCidr: "nope",
                    serviceCidr: "10.1.2.3/16",
                    nodePools: [{ name: "X" }],
                });
                assert.deepEqual(
                    problems.map((p) => p.key),
                    ["nodeSubnetCidr", "serviceCidr", "nodePools[0].name"],
                );
            });
            it("prints one line per problem, naming the key", () => {
                try {
                    planAddresses({ ...base(), serviceCidr: "10.1.2.3/16", dnsServiceIP: "x" });
                    assert.fail("expected an error");
                } catch (error) {
                    assert.ok(error instanceof ConfigurationError);
                    assert.equal(
                        error.message,
                        [
                            "Invalid address plan (2 problems):",
                            `  - serviceCidr: "10.1.2.3/16" is not aligned to its network; ` +
                                `write "10.1.0.0/16" (a misaligned CIDR crashes ip-masq-agent-v2)`,
                            `  - dnsServiceIP: expected an IPv4 address inside serviceCidr such as ` +
                                `"172.16.0.10", got the string "x"`,
                        ].join("\n"),
                    );
                }
            });
            it("rejects input that is not an object", () => assert.equal(problemsOf("nodes: 3")[0].key, "(root)"));
        });
    });
});
