/** The agent pool profile of a planned pool: the one shape used inline (System) and by AgentPool resources. */
import * as pulumi from "@pulumi/pulumi";
import { PoolPlan } from "../planner/types";

export interface PoolSubnets {
    nodeSubnetId: pulumi.Input<string>;
    podSubnetId: pulumi.Input<string>;
}

export function agentPoolProfile(pool: PoolPlan, subnets: PoolSubnets) {
    const { vm } = pool;
    return {
        mode: pool.mode,
        type: "VirtualMachineScaleSets",
        osType: "Linux",
        osSKU: vm.osSku,
        vmSize: vm.vmSize,
        count: pool.count,
        enableAutoScaling: pool.autoscaling,
        minCount: pool.autoscaling ? pool.minCount : undefined,
        maxCount: pool.autoscaling ? pool.maxCount : undefined,
        // Nodes on the routable subnet, pods on the private one.
        vnetSubnetID: subnets.nodeSubnetId,
        podSubnetID: subnets.podSubnetId,
        podIPAllocationMode: pool.podIPAllocationMode,
        // Written explicitly: the API's defaults are ambiguous, and the planner sized the subnets for these values.
        maxPods: pool.maxPods,
        upgradeSettings: { maxSurge: pool.maxSurge },
        availabilityZones: vm.availabilityZones,
        nodeLabels: vm.nodeLabels,
        nodeTaints: vm.nodeTaints,
    };
}
