/**
 * How many addresses pools need and subnets give, by the rules Azure CNI Pod Subnet applies
 * (docs/design.md, "Capacity rules", and docs/azure-rules.md name the sources).
 */
import { AZURE_RESERVED_PER_SUBNET, POD_IP_BATCH } from "../defaults";
import { PodIPAllocationMode } from "./types";

/**
 * Pod-subnet addresses one node can hold.
 * - DynamicIndividual: IPs come in batches of 16 and a node asks for another batch when fewer than 8 are free, so a
 *   full node can hold `16 × ceil(maxPods/16 + 0.5)` (50 pods → 64).
 * - StaticBlock: `ceil((maxPods + 1) / 16)` /28 blocks per node (the +1 is the node's own address).
 */
export function podIPsPerNode(mode: PodIPAllocationMode, maxPods: number): number {
    const batches =
        mode === "StaticBlock" ? Math.ceil((maxPods + 1) / POD_IP_BATCH) : Math.ceil(maxPods / POD_IP_BATCH + 0.5);
    return batches * POD_IP_BATCH;
}

/** Nodes added during an upgrade: a count, or a percentage of the pool rounded up (as AKS rounds it). */
export function surgeNodes(maxSurge: string, maxNodes: number): number {
    return maxSurge.endsWith("%") ? Math.ceil((maxNodes * Number(maxSurge.slice(0, -1))) / 100) : Number(maxSurge);
}

export function usableAddresses(size: number): number {
    return Math.max(0, size - AZURE_RESERVED_PER_SUBNET);
}

/**
 * Pod IPs a pod subnet can hand out. DynamicIndividual takes whole batches of 16 from the usable addresses (a /24
 * gives 240). StaticBlock takes aligned /28 blocks, and the first and last block of a subnet hold Azure's reserved
 * addresses; a subnet shared with a StaticBlock pool is counted that way, conservatively.
 */
export function allocatablePodIPs(size: number, anyStaticBlock: boolean): number {
    if (anyStaticBlock) {
        return Math.max(0, size / POD_IP_BATCH - 2) * POD_IP_BATCH;
    }
    return Math.floor(usableAddresses(size) / POD_IP_BATCH) * POD_IP_BATCH;
}

/** Smallest prefix length of a pod subnet that can hand out `needed` pod IPs (undefined when even /8 cannot). */
export function smallestPodSubnetPrefix(needed: number, anyStaticBlock: boolean): number | undefined {
    for (let prefix = 28; prefix >= 8; prefix--) {
        if (allocatablePodIPs(2 ** (32 - prefix), anyStaticBlock) >= needed) return prefix;
    }
    return undefined;
}

/** Smallest prefix length of a node subnet with `needed` addresses, reserved ones included (Azure's minimum is /29). */
export function smallestNodeSubnetPrefix(needed: number): number {
    let prefix = 29;
    while (prefix > 0 && 2 ** (32 - prefix) < needed) prefix--;
    return prefix;
}
