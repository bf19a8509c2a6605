/**
 * Pure part of the lab: every address of the lab topology, picked inside the stack's own address plan.
 *
 *   POD ──(/30 slice of the pod subnet)── NODE ──(node subnet, a bridge)──┬── VNET HOST (a VM in the node subnet)
 *                                                                         └── GATEWAY ──┬── CORPORATE HOST
 *                                                                                        └── EXTRA HOST
 * Azure keeps the first four addresses of a subnet, so hosts start at the fifth. The corporate and extra hosts sit
 * on point-to-point links (/32 with a peer) behind the gateway, so any address of their range works.
 */
import { AddressRange, cidr, containsAddress, longToIp, subtractRanges } from "../components/planner/cidr";

/** The fields of the program's `addressPlan` output the lab reads. */
export interface LabPlanInput {
    vnetAddressSpace: string[];
    nodeSubnet: { cidr: string };
    podSubnets: { cidr: string; name?: string }[];
    serviceCidr: string;
    connectedCidrs: string[];
    ipMasqAgent: { nonMasqueradeCIDRs: string[]; extraNonMasqueradeCidrs?: string[] };
}

export interface PlacedHost {
    address: string;
    /** The plan CIDR it was picked from. */
    within: string;
}

export interface LabAddresses {
    nodeSubnet: string;
    nodeSubnetPrefix: number;
    /** Every pod subnet: the VNet (and, for the extra destination, the gateway) routes them to the node. */
    podSubnets: string[];
    /** The pod's subnet and its link to the node (a /30 slice of it). */
    podSubnet: string;
    podLink: string;
    pod: string;
    nodePodSide: string;
    node: string;
    vnetHost: string;
    gateway: string;
    corporate: PlacedHost;
    /** Absent when the stack declares no extraNonMasqueradeCidrs. */
    extra?: PlacedHost;
    nonMasqueradeCIDRs: string[];
}

export class LabPlanError extends Error {}

// Never picked as a host: "this network", loopback, link-local, multicast and above.
const SPECIAL = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3"];

export function labAddresses(plan: LabPlanInput): LabAddresses {
    const node = cidr(plan.nodeSubnet.cidr);
    if (node.prefix > 29) throw new LabPlanError(`node subnet ${node.text} is smaller than /29: no room for node, VNet host and gateway after Azure's reserved addresses`);
    const podSubnets = plan.podSubnets.map((subnet) => subnet.cidr);
    if (podSubnets.length === 0) throw new LabPlanError("the plan has no pod subnet");
    const pods = cidr(podSubnets[0]);
    if (pods.prefix > 29) throw new LabPlanError(`pod subnet ${pods.text} is smaller than /29: no room for the pod link`);

    const nonMasq = plan.ipMasqAgent.nonMasqueradeCIDRs;
    const inVnet = [...plan.vnetAddressSpace, plan.serviceCidr].map(cidr);
    const extraCidrs = plan.ipMasqAgent.extraNonMasqueradeCidrs ?? [];

    // Corporate: inside a connected range, outside everything that is never masqueraded (and outside the VNet).
    const corporateExcluded = [...nonMasq, ...extraCidrs, ...SPECIAL].map(cidr).concat(inVnet);
    const corporate = pickHost(plan.connectedCidrs, corporateExcluded);
    if (!corporate) {
        throw new LabPlanError(
            `no address inside connectedCidrs (${plan.connectedCidrs.join(", ") || "none"}) lies outside nonMasqueradeCIDRs: no corporate host to test NAT against`,
        );
    }
    // Extra: inside an extraNonMasqueradeCidr, outside the VNet.
    const extra = extraCidrs.length > 0 ? pickHost(extraCidrs, [...SPECIAL.map(cidr), ...inVnet]) : undefined;
    if (extraCidrs.length > 0 && !extra) throw new LabPlanError(`no usable address inside extraNonMasqueradeCidrs ${extraCidrs.join(", ")}`);

    const addresses: LabAddresses = {
        nodeSubnet: node.text,
        nodeSubnetPrefix: node.prefix,
        podSubnets,
        podSubnet: pods.text,
        podLink: `${longToIp(pods.first + 4)}/30`,
        nodePodSide: longToIp(pods.first + 5),
        pod: longToIp(pods.first + 6),
        node: longToIp(node.first + 4),
        vnetHost: longToIp(node.first + 5),
        gateway: longToIp(node.first + 6),
        corporate,
        extra,
        nonMasqueradeCIDRs: [...nonMasq],
    };
    checkIntent(addresses);
    return addresses;
}

/** True when `address` lies in one of `cidrs`. */
export function inAny(address: string, cidrs: readonly string[]): boolean {
    const value = cidr(`${address}/32`).first;
    return cidrs.some((text) => containsAddress(cidr(text), value));
}

/** First usable address of the ranges minus the excluded ones (skips a block's network address when it can). */
function pickHost(ranges: readonly string[], excluded: readonly AddressRange[]): PlacedHost | undefined {
    for (const text of ranges) {
        const free = subtractRanges([cidr(text)], excluded);
        const range = free.find((r) => r.last - r.first >= 2) ?? free[0];
        if (range) return { address: longToIp(range.last - range.first >= 2 ? range.first + 1 : range.first), within: text };
    }
    return undefined;
}

/** The lab proves the design only if each host stands where the design says: check that before building. */
function checkIntent(a: LabAddresses): void {
    const must = (ok: boolean, message: string) => {
        if (!ok) throw new LabPlanError(message);
    };
    must(inAny(a.pod, [a.podSubnet]), `pod ${a.pod} outside its pod subnet ${a.podSubnet}`);
    for (const [role, address] of [["VNet host", a.vnetHost], ["pod", a.pod]] as const) {
        must(inAny(address, a.nonMasqueradeCIDRs), `${role} ${address} is not inside nonMasqueradeCIDRs (${a.nonMasqueradeCIDRs.join(", ")})`);
    }
    must(!inAny(a.corporate.address, a.nonMasqueradeCIDRs), `corporate host ${a.corporate.address} is inside nonMasqueradeCIDRs`);
    if (a.extra) must(inAny(a.extra.address, a.nonMasqueradeCIDRs), `extra host ${a.extra.address} is not inside nonMasqueradeCIDRs: the plan lost extraNonMasqueradeCidrs`);
}
