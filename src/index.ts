/**
 * aks-pod-subnet: AKS on Azure CNI Pod Subnet with node NAT by ip-masq-agent-v2.
 *
 *   Network ──(plan, subnet ids)──▶ Cluster ──(provider)──▶ IpMasqAgent
 *      ▲                                                        ▲
 *      └──────────── planAddresses (pure) ── nonMasqueradeCIDRs ┘
 */
export { Network, NetworkArgs, ClusterNetwork, checkNetworkArgs } from "./network/network";
export { EgressSettings, OutboundType, OUTBOUND_TYPES } from "./network/egress";
export { Cluster, ClusterArgs, NETWORK_CONTRIBUTOR_ROLE } from "./cluster/cluster";
export { ClusterSettings, MaintenanceWindow, NetworkPolicy, UpgradeChannel } from "./cluster/settings";
export { NodePoolSpec, OsSku } from "./cluster/args";
export { IpMasqAgent, IpMasqAgentArgs, DeployedManifests } from "./ipmasq/ipMasqAgent";
export { IpMasqAgentSettings } from "./ipmasq/settings";
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
export { ConfigurationError, ConfigProblem, formatProblems } from "./errors";
export { defaults } from "./defaults";
