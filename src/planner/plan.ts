/**
 * The address planner: plain values in, a checked and normalized address plan out. No Pulumi here, so it runs in
 * microseconds, during `pulumi preview`, in the offline plan and in tests alike.
 */
import { AZURE_RESERVED_PER_SUBNET, defaults, LINK_LOCAL_CIDR } from "../defaults";
import { ConfigurationError, ProblemList } from "../errors";
import { allocatablePodIPs, podIPsPerNode, usableAddresses } from "./capacity";
import { cidr, longToIp, mergeToCidrs, prefixForSize, subtractRanges } from "./cidr";
import { KeyedCidr, NormalizedInput, normalizeInput } from "./normalize";
import { allSubnets, checkRules, Layout, nonMasqueradeCidrs, PodSubnetGroup, podIPsNeeded } from "./rules";
import { AddressPlan, AddressPlanInput, PoolPlan, SubnetPlan } from "./types";

/**
 * Checks `input` against every rule and returns the plan, or throws one `ConfigurationError` listing every problem.
 * The input is typed for TypeScript callers but checked as if it could hold anything (it usually comes from YAML).
 */
export function planAddresses(input: AddressPlanInput): AddressPlan {
    const problems = new ProblemList();
    const normalized = normalizeInput(input, problems);
    const layout = layoutOf(normalized);
    checkRules(layout, problems);
    problems.throwIfAny("address plan");
    return buildPlan(layout);
}

/** Plans `input`, adding its problems to `problems` instead of throwing (for callers that check more than the plan). */
export function planInto(input: AddressPlanInput, problems: ProblemList): AddressPlan | undefined {
    try {
        return planAddresses(input);
    } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        error.problems.forEach((p) => problems.add(p.key, p.message));
        return undefined;
    }
}

function layoutOf(input: NormalizedInput): Layout {
    const podSubnets = groupPodSubnets(input);
    const vnet = input.vnetAddressSpace ?? allSubnets({ input, podSubnets });
    const routable = [input.nodeSubnet, input.virtualNodeSubnet].filter((s): s is KeyedCidr => s !== undefined);
    return { input, vnet, podSubnets, routable };
}

/** The shared pod subnet first, then each distinct pool-owned subnet; pools naming the same CIDR share one. */
function groupPodSubnets(input: NormalizedInput): PodSubnetGroup[] {
    const groups = new Map<string, PodSubnetGroup>();
    if (input.podSubnet) groups.set(input.podSubnet.cidr.text, { subnet: input.podSubnet, pools: [] });
    for (const pool of input.pools) {
        const subnet = pool.ownPodSubnet ?? input.podSubnet;
        if (!subnet) continue;
        const group = groups.get(subnet.cidr.text) ?? { subnet, pools: [] };
        group.pools.push(pool);
        groups.set(subnet.cidr.text, group);
    }
    return [...groups.values()];
}

/** A shallow copy of `value` without `keys`. */
function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
    const copy: Partial<T> = { ...value };
    for (const key of keys) delete copy[key];
    return copy as Omit<T, K>;
}

function buildPlan(layout: Layout): AddressPlan {
    const { input, vnet, podSubnets } = layout;
    const nodeSubnet = input.nodeSubnet!;
    const service = input.service!;
    const nonMasquerade = nonMasqueradeCidrs(layout);

    const podSubnetPlans = podSubnets.map((group) => podSubnetPlan(group, input));
    const subnetNameOf = new Map(podSubnetPlans.map((s) => [s.cidr, s.name]));
    const pools: PoolPlan[] = input.pools.map((p) => {
        const podSubnetCidr = (p.ownPodSubnet ?? input.podSubnet!).cidr.text;
        return {
            ...omit(p, "key", "ownPodSubnet"),
            peakNodes: p.maxCount + p.surgeNodes,
            podSubnetName: subnetNameOf.get(podSubnetCidr)!,
            podSubnetCidr,
            podIPsPerNode: podIPsPerNode(p.podIPAllocationMode, p.maxPods),
            podIPsNeeded: podIPsNeeded(p),
        };
    });

    const peakNodes = pools.reduce((sum, p) => sum + p.peakNodes, 0);
    // Node-subnet mode gives every node maxPods + 1 routable addresses (the node's own plus one per pod).
    const nodeSubnetModeNeeded =
        pools.reduce((sum, p) => sum + p.peakNodes * (p.maxPods + 1), 0) + AZURE_RESERVED_PER_SUBNET;
    // Routable space is what the corporate network must allot and route: the VNet's address space outside the pod
    // subnets (by default exactly the node subnet and the virtual nodes' subnet; all of a larger vnetAddressSpace).
    const routable = subtractRanges(
        vnet.map((v) => v.cidr),
        podSubnets.map((g) => g.subnet.cidr),
    ).reduce((sum, range) => sum + (range.last - range.first + 1), 0);
    const virtualNodes = input.virtualNodeSubnet;

    // What the agent leaves alone: its list, and link-local, which it always returns (masqLinkLocal: false).
    const nonMasqueradeRanges = [...nonMasquerade, LINK_LOCAL_CIDR].map(cidr);
    return {
        vnetAddressSpace: vnet.map((v) => v.cidr.text),
        nodeSubnet: subnetPlan(
            defaults.subnetNames.nodes,
            "nodes",
            nodeSubnet,
            usableAddresses(nodeSubnet.cidr.size),
            peakNodes + input.nodeSubnetOthers.privateEndpoint + input.nodeSubnetOthers.extra,
            pools.map((p) => p.name),
        ),
        podSubnets: podSubnetPlans,
        virtualNodeSubnet: virtualNodes
            ? subnetPlan(
                  defaults.subnetNames.virtualNodes,
                  "virtual-nodes",
                  virtualNodes,
                  usableAddresses(virtualNodes.cidr.size),
                  0,
                  [],
              )
            : undefined,
        serviceCidr: service.cidr.text,
        dnsServiceIP: longToIp(input.dnsServiceIP!.address),
        nodeSubnetOtherAddresses: input.nodeSubnetOthers,
        pools,
        connectedCidrs: input.connected.map((c) => c.cidr.text),
        advertisedRanges: vnet.map((v) => v.cidr.text),
        hubAddressSpace: input.hub?.addressSpace.map((c) => c.cidr.text),
        ipMasqAgent: {
            nonMasqueradeCIDRs: nonMasquerade,
            masqueradedConnectedCidrs: subtractRanges(
                input.connected.map((c) => c.cidr),
                nonMasqueradeRanges,
            )
                .flatMap((range) => mergeToCidrs([range]))
                .map((c) => c.text),
            extraNonMasqueradeCidrs: input.extra.map((c) => c.cidr.text),
        },
        routableAddresses: {
            podSubnetMode: routable,
            nodeSubnetModeNeeded,
            nodeSubnetModePrefix: prefixForSize(nodeSubnetModeNeeded),
            savingPercent: Math.round(1000 * (1 - routable / nodeSubnetModeNeeded)) / 10,
        },
    };
}

function podSubnetPlan({ subnet, pools }: PodSubnetGroup, input: NormalizedInput): SubnetPlan {
    const shared = subnet.cidr.text === input.podSubnet?.cidr.text;
    const name = shared ? defaults.subnetNames.pods : `${defaults.subnetNames.pods}-${pools[0].name}`;
    const anyStaticBlock = pools.some((p) => p.podIPAllocationMode === "StaticBlock");
    const needed = pools.reduce((sum, p) => sum + podIPsNeeded(p), 0);
    return subnetPlan(
        name,
        "pods",
        subnet,
        allocatablePodIPs(subnet.cidr.size, anyStaticBlock),
        needed,
        pools.map((p) => p.name),
    );
}

function subnetPlan(
    name: string,
    role: SubnetPlan["role"],
    subnet: KeyedCidr,
    allocatable: number,
    needed: number,
    pools: string[],
): SubnetPlan {
    return {
        name,
        role,
        cidr: subnet.cidr.text,
        key: subnet.key,
        size: subnet.cidr.size,
        usable: usableAddresses(subnet.cidr.size),
        allocatable,
        needed,
        headroom: allocatable - needed,
        pools,
    };
}
