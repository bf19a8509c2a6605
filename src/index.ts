/**
 * aks-pod-subnet: AKS on Azure CNI Pod Subnet with node NAT by ip-masq-agent-v2.
 *
 *   Network ──(plan, subnet ids)──▶ Cluster ──(provider)──▶ IpMasqAgent
 *      ▲                                                        ▲
 *      └──────────── planAddresses (pure) ── nonMasqueradeCIDRs ┘
 *
 * Each component has a pure resolve step (resolveNetworkArgs, resolveClusterArgs, resolveIpMasqAgentArgs) that adds
 * every problem of its args to a ProblemList; its constructor resolves, then builds. A program composes the steps to
 * report every problem of every component at once, before anything is built.
 */
export { Network, NetworkArgs, ClusterNetwork, resolveNetworkArgs, plannedNetwork } from "./network/network";
export { EgressSettings, OutboundType, OUTBOUND_TYPES } from "./network/egress";
export { Cluster, ClusterArgs, resolveClusterArgs, NETWORK_CONTRIBUTOR_ROLE } from "./cluster/cluster";
export { ClusterSettings, MaintenanceWindow, NetworkPolicy, UpgradeChannel } from "./cluster/settings";
export {
    IpMasqAgent,
    IpMasqAgentArgs,
    DeployedManifests,
    ResolvedIpMasqAgent,
    resolveIpMasqAgentArgs,
} from "./ipmasq/ipMasqAgent";
export { IpMasqAgentSettings, ResolvedAgentSettings } from "./ipmasq/settings";
export {
    agentManifests,
    agentConfig,
    renderAgentConfig,
    cleanupDaemonSetManifest,
    cleanupScript,
    AgentManifests,
    AgentConfig,
} from "./ipmasq/manifests";
export * from "./planner";
export { resolvePodSubnetCluster, PodSubnetClusterSettings, ResolvedPodSubnetCluster } from "./resolve";
export { ConfigurationError, ConfigProblem, formatProblems, ProblemList, describeValue } from "./errors";
export { ComponentArgsError } from "./validation";
// Azure's name rules, for names a program derives itself (the resource group it creates, the node resource group).
export { nodeResourceGroupName, reservedNameProblem } from "./aks/names";
export { defaults } from "./defaults";
