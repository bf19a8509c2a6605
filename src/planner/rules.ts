/**
 * Second pass of the planner: the rules between fields (containment, overlaps, reserved ranges, the DNS service
 * IP, capacity, the agent's limits). Each rule adds problems that name the key, the values and the fix; a rule only
 * looks at values that parsed, so one typo yields one message, not a cascade.
 */
import {
    AGENT_MAX_CIDRS,
    AKS_REJECTED_RANGES,
    AZURE_VNET_REFUSED_RANGES,
    MAX_POOLS_PER_CLUSTER,
    AZURE_RESERVED_PER_SUBNET,
    AZURE_SMALLEST_SUBNET_PREFIX,
    LINK_LOCAL_CIDR,
    MAX_DYNAMIC_POD_IPS,
    MIN_PODS_PER_POOL,
    SERVICE_CIDR_MAX_PREFIX,
    STATIC_BLOCK_MAX_PREFIX,
} from "../defaults";
import { KUBERNETES_CALENDAR, olderThan, parseKubernetesVersion } from "../aks/kubernetesVersions";
import { ProblemList } from "../errors";
import { allocatablePodIPs, podIPsPerNode, smallestNodeSubnetPrefix, smallestPodSubnetPrefix } from "./capacity";
import { cidr, contains, containsAddress, longToIp, mergeToCidrs, overlaps } from "./cidr";
import { KeyedCidr, NormalizedInput, NormalizedPool } from "./normalize";

/** A pod subnet and the pools placed on it. */
export interface PodSubnetGroup {
    subnet: KeyedCidr;
    pools: NormalizedPool[];
}

/** What the rules look at, derived from the normalized input. */
export interface Layout {
    input: NormalizedInput;
    /** Subnets whose addresses other networks see: the node subnet and the virtual nodes' subnet. */
    routable: KeyedCidr[];
    /** The VNet prefixes in force: explicit, or the subnets themselves. */
    vnet: KeyedCidr[];
    podSubnets: PodSubnetGroup[];
}

export function checkRules(layout: Layout, problems: ProblemList): void {
    for (const rule of [
        vnetPrefixesDisjoint,
        subnetsInsideVnet,
        subnetsDisjoint,
        nothingInRejectedRanges,
        clusterLimits,
        serviceRange,
        dnsServiceIP,
        connectedNetworks,
        peeringOverlaps,
        extraDestinations,
        oneAllocationModePerSubnet,
        staticBlock,
        nodeSubnetCapacity,
        virtualNodeSubnetSize,
        podSubnetCapacity,
        minimumPodsPerPool,
        dynamicPodIPLimit,
        agentConfigLimits,
    ]) {
        rule(layout, problems);
    }
}

function vnetPrefixesDisjoint({ input }: Layout, problems: ProblemList): void {
    const prefixes = input.vnetAddressSpace ?? [];
    prefixes.forEach((b, j) => {
        const a = prefixes.slice(0, j).find((earlier) => overlaps(earlier.cidr, b.cidr));
        if (a)
            problems.add(
                b.key,
                `${b.cidr.text} overlaps ${a.key} ${a.cidr.text}: VNet address prefixes must be disjoint; ` +
                    `remove or shrink one`,
            );
    });
}

function subnetsInsideVnet({ input, podSubnets }: Layout, problems: ProblemList): void {
    if (!input.vnetAddressSpace || input.vnetAddressSpace.length === 0) return;
    const prefixes = input.vnetAddressSpace;
    const listed = prefixes.map((p) => p.cidr.text).join(", ");
    for (const subnet of allSubnets({ input, podSubnets })) {
        if (subnet && !prefixes.some((p) => contains(p.cidr, subnet.cidr))) {
            problems.add(
                subnet.key,
                `${subnet.cidr.text} is not inside vnetAddressSpace (${listed}): ` +
                    `add a prefix that contains it or move the subnet`,
            );
        }
    }
}

/** Every subnet of the VNet: node, pods, virtual nodes. */
export function allSubnets({ input, podSubnets }: Pick<Layout, "input" | "podSubnets">): KeyedCidr[] {
    return [input.nodeSubnet, ...podSubnets.map((g) => g.subnet), input.virtualNodeSubnet].filter(
        (s): s is KeyedCidr => s !== undefined,
    );
}

function subnetsDisjoint({ input, podSubnets }: Layout, problems: ProblemList): void {
    const subnets = allSubnets({ input, podSubnets });
    subnets.forEach((b, j) => {
        const a = subnets.slice(0, j).find((earlier) => overlaps(earlier.cidr, b.cidr));
        if (a)
            problems.add(
                b.key,
                `${b.cidr.text} overlaps ${a.key} ${a.cidr.text}: ` +
                    `the node subnet and every pod subnet must be disjoint`,
            );
    });
}

function nothingInRejectedRanges({ input, podSubnets }: Layout, problems: ProblemList): void {
    const rejected = AKS_REJECTED_RANGES.map(cidr);
    const refusedInVnet = AZURE_VNET_REFUSED_RANGES.map(cidr);
    const inVnet = [...allSubnets({ input, podSubnets }), ...(input.vnetAddressSpace ?? [])];
    for (const item of [...inVnet, input.service]) {
        const hit = item && rejected.find((range) => overlaps(range, item.cidr));
        if (item && hit) {
            problems.add(
                item.key,
                `${item.cidr.text} overlaps ${hit.text}, a range AKS rejects (${AKS_REJECTED_RANGES.join(", ")}); ` +
                    `choose another range`,
            );
            continue;
        }
        const refused = item && item !== input.service && refusedInVnet.find((range) => overlaps(range, item.cidr));
        if (item && refused) {
            problems.add(
                item.key,
                `${item.cidr.text} overlaps ${refused.text}, ` +
                    `which Azure refuses in a virtual network ` +
                    `(multicast 224.0.0.0/4, broadcast, loopback 127.0.0.0/8, the platform's 168.63.129.16): ` +
                    `choose another range`,
            );
        }
    }
}

/** At most 100 pools per cluster (the node count per tier is the Cluster's check: the tier is a cluster setting). */
function clusterLimits({ input }: Layout, problems: ProblemList): void {
    if (input.pools.length > MAX_POOLS_PER_CLUSTER) {
        problems.add(
            "nodePools",
            `lists ${input.pools.length} pools; AKS allows at most ${MAX_POOLS_PER_CLUSTER} per cluster ` +
                `(MaxAgentPoolCountReached): merge pools`,
        );
    }
}

function serviceRange({ input, vnet }: Layout, problems: ProblemList): void {
    const service = input.service;
    if (!service) return;
    if (service.cidr.prefix < SERVICE_CIDR_MAX_PREFIX) {
        problems.add(
            service.key,
            `${service.cidr.text} is larger than AKS allows: use /${SERVICE_CIDR_MAX_PREFIX} or longer ` +
                `(a /16 holds 65,536 services)`,
        );
    }
    for (const other of [...vnet, ...input.connected]) {
        if (overlaps(service.cidr, other.cidr)) {
            problems.add(
                service.key,
                `${service.cidr.text} overlaps ${other.key} ${other.cidr.text}: ` +
                    `the service range must be disjoint from the VNet and every connected network`,
            );
        }
    }
}

function dnsServiceIP({ input }: Layout, problems: ProblemList): void {
    const dns = input.dnsServiceIP;
    const service = input.service?.cidr;
    if (!dns || !service) return;
    const text = longToIp(dns.address);
    if (!containsAddress(service, dns.address)) {
        problems.add(
            dns.key,
            dns.defaulted
                ? `the default ${text} (network address + 10) is outside serviceCidr ${service.text}: ` +
                      `use a larger serviceCidr or set dnsServiceIP`
                : `${text} is outside serviceCidr ${service.text}: pick an address inside it, ` +
                      `e.g. ${longToIp(service.first + 10)}`,
        );
        return;
    }
    const taken: [number, string][] = [
        [service.first, "the network address"],
        [service.first + 1, "the first host, which AKS gives to the kubernetes.default service"],
        [service.last, "the broadcast address"],
    ];
    const clash = taken.find(([address]) => address === dns.address);
    if (clash) {
        problems.add(
            dns.key,
            `${text} is ${clash[1]} of serviceCidr ${service.text}: pick another address inside it, ` +
                `e.g. ${longToIp(service.first + 10)}`,
        );
    }
}

function connectedNetworks({ input, vnet, podSubnets }: Layout, problems: ProblemList): void {
    const linkLocal = cidr(LINK_LOCAL_CIDR);
    for (const network of input.connected) {
        if (contains(linkLocal, network.cidr)) {
            problems.add(
                network.key,
                `${network.cidr.text} is link-local (${LINK_LOCAL_CIDR}), which ip-masq-agent-v2 never masquerades ` +
                    `(masqLinkLocal stays false so that pods reach IMDS): pods would reach it with pod IPs; remove it`,
            );
            continue;
        }
        const pods = podSubnets.find((g) => overlaps(g.subnet.cidr, network.cidr));
        if (pods) {
            problems.add(
                network.key,
                `${network.cidr.text} overlaps pod subnet ${pods.subnet.key} ${pods.subnet.cidr.text}: ` +
                    `pods could never reach it; choose a pod range that no connected network uses`,
            );
            continue;
        }
        const inside = vnet.find((prefix) => contains(prefix.cidr, network.cidr));
        if (inside) {
            problems.add(
                network.key,
                `${network.cidr.text} lies inside the VNet (${inside.key} ${inside.cidr.text}): ` +
                    `a connected network is outside the VNet; remove it or fix the VNet address space`,
            );
        }
    }
}

/**
 * Peering advertises the whole VNet address space, pod ranges included, and Azure refuses a peering whose address space
 * overlaps the hub's or that of a VNet already peered with the hub (VnetAddressSpaceOverlapsWithAlreadyPeeredVnet).
 */
function peeringOverlaps({ input, vnet }: Layout, problems: ProblemList): void {
    if (!input.hub) return;
    for (const [others, what] of [
        [input.hub.addressSpace, "the hub's address space"],
        [input.hub.spokes, "another spoke already peered with the hub"],
    ] as const) {
        for (const other of others) {
            const clash = vnet.find((prefix) => overlaps(prefix.cidr, other.cidr));
            if (clash) {
                problems.add(
                    other.key,
                    `${other.cidr.text}, ${what}, overlaps this VNet's ${clash.cidr.text} (${clash.key}): ` +
                        `peering advertises the whole VNet, pod ranges included, ` +
                        `and Azure refuses a peering that overlaps the hub or a VNet already peered with it ` +
                        `(VnetAddressSpaceOverlapsWithAlreadyPeeredVnet); give this spoke ranges of its own`,
                );
            }
        }
    }
}

function extraDestinations({ input }: Layout, problems: ProblemList): void {
    for (const extra of input.extra) {
        const swallowed = input.connected.find((network) => contains(extra.cidr, network.cidr));
        if (swallowed) {
            problems.add(
                extra.key,
                `${extra.cidr.text} covers all of ${swallowed.key} ${swallowed.cidr.text}, ` +
                    `so pods would reach it with pod IPs it cannot route back to; ` +
                    `list only the destinations that route to the pod range`,
            );
        }
    }
}

/**
 * configure-azure-cni-static-block-allocation.md (Limitations): a subnet serves pods of one allocation mode only.
 * The first pool on a subnet sets its mode; a later pool with the other mode is refused.
 */
function oneAllocationModePerSubnet({ podSubnets }: Layout, problems: ProblemList): void {
    for (const { subnet, pools } of podSubnets) {
        const first = pools[0];
        for (const pool of pools.filter((p) => p.podIPAllocationMode !== first?.podIPAllocationMode)) {
            problems.add(
                `${pool.key}.podIPAllocationMode`,
                `${pool.podIPAllocationMode} on pod subnet ${subnet.cidr.text}, ` +
                    `which pool "${first.name}" uses with ${first.podIPAllocationMode}: ` +
                    `Azure serves one pod IP allocation mode per subnet; ` +
                    `give this pool its own podSubnetCidr or use ${first.podIPAllocationMode}`,
            );
        }
    }
}

function staticBlock({ input, podSubnets }: Layout, problems: ProblemList): void {
    const version = input.kubernetesVersion;
    const minimum = parseKubernetesVersion(KUBERNETES_CALENDAR.minimumFor.staticBlock)!;
    for (const group of podSubnets) {
        for (const pool of group.pools.filter((p) => p.podIPAllocationMode === "StaticBlock")) {
            if (version && olderThan(version, minimum)) {
                problems.add(
                    `${pool.key}.podIPAllocationMode`,
                    `StaticBlock needs Kubernetes ${minimum.minorText} or newer; ` +
                        `kubernetesVersion is ${version.minorText}: upgrade or use DynamicIndividual`,
                );
            }
            if (group.subnet.cidr.prefix < STATIC_BLOCK_MAX_PREFIX) {
                problems.add(
                    `${pool.key}.podIPAllocationMode`,
                    `StaticBlock takes pod subnets of /${STATIC_BLOCK_MAX_PREFIX} or smaller; ` +
                        `${group.subnet.key} is ${group.subnet.cidr.text}`,
                );
            }
        }
    }
}

function nodeSubnetCapacity({ input }: Layout, problems: ProblemList): void {
    const subnet = input.nodeSubnet;
    if (!subnet || !input.poolsComplete) return;
    const peak = input.pools.reduce((sum, p) => sum + p.maxCount + p.surgeNodes, 0);
    const { privateEndpoint, extra } = input.nodeSubnetOthers;
    const needed = peak + privateEndpoint + extra + AZURE_RESERVED_PER_SUBNET;
    if (subnet.cidr.size < needed) {
        const detail = input.pools.map((p) => `${p.name} ${p.maxCount}+${p.surgeNodes}`).join(", ");
        const others = [
            ...(privateEndpoint ? ["1 for the API server's private endpoint"] : []),
            ...(extra ? [`${extra} nodeSubnetExtraAddresses`] : []),
        ];
        problems.add(
            subnet.key,
            `${subnet.cidr.text} holds ${subnet.cidr.size} addresses; nodes need ${needed} (${peak} nodes at peak ` +
                `incl. surge [${detail}]${others.map((o) => ` + ${o}`).join("")} + ${AZURE_RESERVED_PER_SUBNET} ` +
                `reserved). Use /${smallestNodeSubnetPrefix(needed)} or larger.`,
        );
    }
}

function virtualNodeSubnetSize({ input }: Layout, problems: ProblemList): void {
    const subnet = input.virtualNodeSubnet;
    if (subnet && subnet.cidr.prefix > AZURE_SMALLEST_SUBNET_PREFIX) {
        problems.add(
            subnet.key,
            `${subnet.cidr.text} is smaller than Azure's smallest subnet: ` +
                `use /${AZURE_SMALLEST_SUBNET_PREFIX} or larger (one address per virtual-node pod)`,
        );
    }
}

function podSubnetCapacity({ input, podSubnets }: Layout, problems: ProblemList): void {
    if (!input.poolsComplete) return;
    for (const { subnet, pools } of podSubnets) {
        const anyStaticBlock = pools.some((p) => p.podIPAllocationMode === "StaticBlock");
        const allocatable = allocatablePodIPs(subnet.cidr.size, anyStaticBlock);
        const needed = pools.reduce((sum, p) => sum + podIPsNeeded(p), 0);
        if (allocatable < needed) {
            const prefix = smallestPodSubnetPrefix(needed, anyStaticBlock);
            const detail = pools
                .map((p) => `${p.maxCount + p.surgeNodes} nodes × ${podIPsPerNode(p.podIPAllocationMode, p.maxPods)}`)
                .join(" + ");
            problems.add(
                subnet.key,
                `${subnet.cidr.text} holds ${allocatable} allocatable pod IPs; pools need ${needed} (${detail}). ` +
                    (prefix === undefined
                        ? "Split the pools over several pod subnets or lower maxPods."
                        : `Use /${prefix} or larger.`),
            );
        }
    }
}

/**
 * AKS refuses a pool with room for fewer than 30 pods. The service's own wording (AKS release notes, quoted in
 * Azure/AKS#931): "maxPods or maxPods * vm_count" must exceed what the managed add-ons need, so a pool passes with
 * maxPods of 30 or more, or with maxPods × the nodes it is created with of 30 or more.
 */
function minimumPodsPerPool({ input }: Layout, problems: ProblemList): void {
    for (const pool of input.pools) {
        if (pool.maxPods >= MIN_PODS_PER_POOL || pool.maxPods * pool.count >= MIN_PODS_PER_POOL) continue;
        problems.add(
            `${pool.key}.maxPods`,
            `${pool.maxPods} pods × ${pool.count} node${pool.count === 1 ? "" : "s"} ` +
                `gives the pool room for ${pool.maxPods * pool.count} pods; ` +
                `AKS needs room for at least ${MIN_PODS_PER_POOL} per pool: raise maxPods to ${MIN_PODS_PER_POOL}` +
                (pool.count > 0 ? ` or the initial node count to ${Math.ceil(MIN_PODS_PER_POOL / pool.maxPods)}` : ""),
        );
    }
}

/** Dynamic pod IP allocation serves at most 64,000 pod IPs (StaticBlock pools are not counted). */
function dynamicPodIPLimit({ input }: Layout, problems: ProblemList): void {
    if (!input.poolsComplete) return;
    const dynamic = input.pools.filter((p) => p.podIPAllocationMode === "DynamicIndividual");
    const needed = dynamic.reduce((sum, p) => sum + podIPsNeeded(p), 0);
    if (needed > MAX_DYNAMIC_POD_IPS) {
        problems.add(
            "nodePools",
            `the DynamicIndividual pools need ${needed} pod IPs at peak ` +
                `(${dynamic.map((p) => `${p.name} ${podIPsNeeded(p)}`).join(", ")}); ` +
                `Azure CNI Pod Subnet with dynamic allocation serves at most ${MAX_DYNAMIC_POD_IPS}: ` +
                `lower maxCount or maxPods, or move large pools to StaticBlock on their own pod subnet`,
        );
    }
}

/** Pod IPs a pool needs at its peak (maxCount plus upgrade surge). */
export function podIPsNeeded(pool: NormalizedPool): number {
    return (pool.maxCount + pool.surgeNodes) * podIPsPerNode(pool.podIPAllocationMode, pool.maxPods);
}

function agentConfigLimits(layout: Layout, problems: ProblemList): void {
    const list = nonMasqueradeCidrs(layout);
    if (list.length > AGENT_MAX_CIDRS) {
        problems.add(
            "extraNonMasqueradeCidrs",
            `the agent's nonMasqueradeCIDRs would hold ${list.length} CIDRs after merging ` +
                `(VNet, service range and extra list); ip-masq-agent-v2 exits above ${AGENT_MAX_CIDRS}: ` +
                `merge or drop destinations`,
        );
    }
}

/** Every VNet prefix, the service range and the extra list, merged into the fewest aligned CIDRs. */
export function nonMasqueradeCidrs({ input, vnet }: Layout): string[] {
    const ranges = [...vnet, ...(input.service ? [input.service] : []), ...input.extra].map((k) => k.cidr);
    return mergeToCidrs(ranges).map((c) => c.text);
}
