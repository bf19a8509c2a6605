/**
 * Pure part of the lab: every address of the lab topology, picked inside the stack's own address plan.
 *
 *   POD i ──(/30 slice of pod subnet i)──┐
 *   (one per pod subnet)                 NODE ──(node subnet, a bridge)──┬── VNET HOST (a VM in the node subnet)
 *                                                                        └── GATEWAY (the VNet's router)
 *                                                                            ├── CONNECTED HOST per connected range
 *                                                                            ├── EXTRA HOST per extra range
 *                                                                            └── HUB HOST per hub prefix
 * Azure keeps the first four addresses of a subnet, so hosts start at the fifth. The destination hosts sit on
 * point-to-point links (/32 with a peer) behind the gateway, so any address of their range works. Every host gets
 * its own address: a range that overlaps another (an extra range inside a connected one, a hub prefix listed as
 * extra) still gets a host of its own.
 *
 * Which hosts route back to the pod ranges (the gateway forwards their traffic to the pod subnets): the extra
 * destinations (by definition) and the hub (VNet peering advertises the VNet's whole address space, pod ranges
 * included). Connected networks (on-prem) do not: their replies to a pod IP are dropped at the gateway.
 */
import { AddressRange, cidr, containsAddress, longToIp, subtractRanges } from "../../src/planner/cidr";

/** The fields of the program's `addressPlan` output the lab reads. */
export interface LabPlanInput {
    vnetAddressSpace: string[];
    nodeSubnet: { cidr: string };
    podSubnets: { cidr: string; name?: string }[];
    serviceCidr: string;
    connectedCidrs: string[];
    hubAddressSpace?: string[];
    ipMasqAgent: { nonMasqueradeCIDRs: string[]; extraNonMasqueradeCidrs?: string[] };
}

/** A pod of the lab: one per pod subnet, on a /30 slice of it, its default route the node's side of that slice. */
export interface PodPlace {
    /** Index in the plan's podSubnets. */
    index: number;
    subnet: string;
    /** The pod subnet's name in the plan (`pods`, `pods-batch`), when it has one. */
    name?: string;
    link: string;
    nodeSide: string;
    address: string;
}

export type DestinationKind = "connected" | "extra" | "hub";

/** A destination range of the plan and the host the lab puts in it (or why it cannot). */
export interface Destination {
    kind: DestinationKind;
    /** The plan CIDR the host is picked from. */
    range: string;
    /** Absent when no address of the range is usable (then `skipReason` says why). */
    address?: string;
    skipReason?: string;
    /** The source address the plan says this host sees: the pod's IP (not masqueraded) or the node's. */
    expect: "pod" | "node";
    /** Why, in the plan's terms. */
    because: string;
    /** The gateway forwards this host's traffic to the pod ranges (extra destinations and the hub; on-prem: no). */
    routesBack: boolean;
}

export interface LabAddresses {
    nodeSubnet: string;
    nodeSubnetPrefix: number;
    /** The VNet's address space: what peering advertises to the hub. */
    vnetAddressSpace: string[];
    /** Every pod subnet: the VNet (and, for destinations that route back, the gateway) routes them to the node. */
    podSubnets: string[];
    /** One pod per pod subnet, in the plan's order. */
    pods: PodPlace[];
    node: string;
    vnetHost: string;
    gateway: string;
    /** Every connected range, then every extra range, then every hub prefix, in the plan's order. */
    destinations: Destination[];
    /** The first connected host: the target of the "rules removed" flow. */
    corporate: { address: string; within: string };
    nonMasqueradeCIDRs: string[];
}

export class LabPlanError extends Error {}

// Never picked as a host: "this network", loopback, link-local, multicast and above.
const SPECIAL = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3"];

export function labAddresses(plan: LabPlanInput): LabAddresses {
    const node = cidr(plan.nodeSubnet.cidr);
    if (node.prefix > 29)
        throw new LabPlanError(
            `node subnet ${node.text} is smaller than /29: ` +
                `no room for node, VNet host and gateway after Azure's reserved addresses`,
        );
    if (plan.podSubnets.length === 0) throw new LabPlanError("the plan has no pod subnet");
    const pods = plan.podSubnets.map((subnet, index): PodPlace => {
        const range = cidr(subnet.cidr);
        if (range.prefix > 29)
            throw new LabPlanError(`pod subnet ${range.text} is smaller than /29: no room for the pod link`);
        return {
            index,
            subnet: range.text,
            name: subnet.name,
            link: `${longToIp(range.first + 4)}/30`,
            nodeSide: longToIp(range.first + 5),
            address: longToIp(range.first + 6),
        };
    });

    const nonMasq = plan.ipMasqAgent.nonMasqueradeCIDRs;
    const nonMasqRanges = nonMasq.map(cidr);
    const inVnet = [...plan.vnetAddressSpace, plan.serviceCidr].map(cidr);
    const extraCidrs = plan.ipMasqAgent.extraNonMasqueradeCidrs ?? [];
    const hub = plan.hubAddressSpace ?? [];
    const base = [...SPECIAL.map(cidr), ...inVnet];
    const used: AddressRange[] = [];
    const take = (range: string, excluded: readonly AddressRange[]): string | undefined => {
        const address = pickHost(range, [...excluded, ...used]);
        if (address) {
            const value = cidr(`${address}/32`);
            used.push(value);
        }
        return address;
    };

    const destinations: Destination[] = [];
    // Connected (on-prem): outside everything never masqueraded, the VNet and the hub (a host there is the hub's).
    for (const range of plan.connectedCidrs) {
        const address = take(range, [...base, ...nonMasqRanges, ...extraCidrs.map(cidr), ...hub.map(cidr)]);
        destinations.push({
            kind: "connected",
            range,
            address,
            skipReason: address
                ? undefined
                : `no address of ${range} lies outside nonMasqueradeCIDRs${hub.length ? ", the hub" : ""} and the VNet`,
            expect: "node",
            because: "connected, outside nonMasqueradeCIDRs: MASQUERADE",
            routesBack: false,
        });
    }
    // Extra: inside an extraNonMasqueradeCidr, outside the VNet (a host inside the VNet is the VNet host's case).
    for (const range of extraCidrs) {
        const address = take(range, base);
        destinations.push({
            kind: "extra",
            range,
            address,
            skipReason: address
                ? undefined
                : `${range} lies inside the VNet or the service range: the VNet host flows cover it`,
            expect: "pod",
            because: "extraNonMasqueradeCidrs: RETURN",
            routesBack: true,
        });
    }
    // Hub: the pod IP when the whole prefix is never masqueraded, else a host of the part that is (the node IP).
    for (const range of hub) {
        const kept = subtractRanges([cidr(range)], nonMasqRanges).length === 0;
        const address = take(range, kept ? base : [...base, ...nonMasqRanges]);
        destinations.push({
            kind: "hub",
            range,
            address,
            skipReason: address ? undefined : `no usable address in hub prefix ${range} outside the VNet`,
            expect: kept ? "pod" : "node",
            because: kept
                ? "hub prefix inside nonMasqueradeCIDRs: RETURN"
                : "hub prefix outside nonMasqueradeCIDRs: MASQUERADE",
            routesBack: true,
        });
    }

    const firstConnected = destinations.find((d) => d.kind === "connected" && d.address);
    if (!firstConnected) {
        throw new LabPlanError(
            `no address inside connectedCidrs (${plan.connectedCidrs.join(", ") || "none"}) ` +
                `lies outside nonMasqueradeCIDRs: no corporate host to test NAT against`,
        );
    }
    const addresses: LabAddresses = {
        nodeSubnet: node.text,
        nodeSubnetPrefix: node.prefix,
        vnetAddressSpace: [...plan.vnetAddressSpace],
        podSubnets: pods.map((p) => p.subnet),
        pods,
        node: longToIp(node.first + 4),
        vnetHost: longToIp(node.first + 5),
        gateway: longToIp(node.first + 6),
        destinations,
        corporate: { address: firstConnected.address!, within: firstConnected.range },
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

/** First usable address of the range minus the excluded ones (skips a block's network address when it can). */
function pickHost(range: string, excluded: readonly AddressRange[]): string | undefined {
    const free = subtractRanges([cidr(range)], excluded);
    const block = free.find((r) => r.last - r.first >= 2) ?? free[0];
    if (!block) return undefined;
    return longToIp(block.last - block.first >= 2 ? block.first + 1 : block.first);
}

/** The lab proves the design only if each host stands where the design says: check that before building. */
function checkIntent(a: LabAddresses): void {
    const must = (ok: boolean, message: string) => {
        if (!ok) throw new LabPlanError(message);
    };
    for (const pod of a.pods) {
        must(inAny(pod.address, [pod.subnet]), `pod ${pod.address} outside its pod subnet ${pod.subnet}`);
        must(
            inAny(pod.address, a.nonMasqueradeCIDRs),
            `pod ${pod.address} is not inside nonMasqueradeCIDRs (${a.nonMasqueradeCIDRs.join(", ")})`,
        );
    }
    must(
        inAny(a.vnetHost, a.nonMasqueradeCIDRs),
        `VNet host ${a.vnetHost} is not inside nonMasqueradeCIDRs (${a.nonMasqueradeCIDRs.join(", ")})`,
    );
    for (const d of a.destinations) {
        if (!d.address) continue;
        must(inAny(d.address, [d.range]), `${d.kind} host ${d.address} outside ${d.range}`);
        const kept = inAny(d.address, a.nonMasqueradeCIDRs);
        if (d.kind === "extra")
            must(
                kept,
                `extra host ${d.address} is not inside nonMasqueradeCIDRs: the plan lost extraNonMasqueradeCidrs`,
            );
        else
            must(
                kept === (d.expect === "pod"),
                `${d.kind} host ${d.address} is ${kept ? "inside" : "outside"} nonMasqueradeCIDRs, ` +
                    `but the lab expects the ${d.expect} IP`,
            );
    }
}
