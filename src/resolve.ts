/**
 * The three components' resolve steps composed, for a program (or a component) that builds Network → Cluster →
 * IpMasqAgent: one run reports the problems of all three before anything is built.
 */
import { ClusterArgs, resolveClusterArgs } from "./cluster/cluster";
import { ProblemList } from "./errors";
import { ResolvedIpMasqAgent, resolveIpMasqAgentArgs } from "./ipmasq/ipMasqAgent";
import { IpMasqAgentSettings } from "./ipmasq/settings";
import { NetworkArgs, plannedNetwork, resolveNetworkArgs } from "./network/network";
import { AddressPlan } from "./planner/types";

/** The args of the three components, less what one gives the next (the network, the agent's CIDR list). */
export interface PodSubnetClusterSettings {
    network: NetworkArgs;
    cluster: Omit<ClusterArgs, "network">;
    ipMasqAgent?: IpMasqAgentSettings;
}

export interface ResolvedPodSubnetCluster {
    /** The address plan, whenever the addresses plan. */
    plan?: AddressPlan;
    /** The agent's settings and manifests, when they have no problem. */
    ipMasqAgent?: ResolvedIpMasqAgent;
}

/**
 * Resolves the Network's args, the Cluster's against the network those args plan (`plannedNetwork`), and the
 * IpMasqAgent's with the plan's `nonMasqueradeCIDRs`, adding every problem to `problems` once, named by the
 * components' args. Without a plan, the Cluster and the agent settings are still checked; only what needs the plan
 * (the network the cluster joins, the CIDR list) is left to the network's own problems.
 * `clusterComponentName` is the Cluster component's name, its DNS prefix when `clusterName` is unset.
 */
export function resolvePodSubnetCluster(
    settings: PodSubnetClusterSettings,
    problems: ProblemList,
    clusterComponentName?: string,
): ResolvedPodSubnetCluster {
    const own = new ProblemList();
    const plan = resolveNetworkArgs(settings.network, own);
    const network = plan ? plannedNetwork(settings.network, plan) : undefined;
    resolveClusterArgs({ ...settings.cluster, network: network! }, own, clusterComponentName);
    const ipMasqAgent = resolveIpMasqAgentArgs(
        // Without a plan there is no list to check: a placeholder, whose problems cannot arise.
        { ...settings.ipMasqAgent, nonMasqueradeCIDRs: plan?.ipMasqAgent.nonMasqueradeCIDRs ?? ["0.0.0.0/0"] },
        own,
    );
    for (const { key, message } of own.problems) {
        if (!plan && key === "network") continue;
        // Rules two components share (tags) are reported once.
        if (!problems.problems.some((p) => p.key === key && p.message === message)) problems.add(key, message);
    }
    return { plan, ipMasqAgent };
}
