/**
 * Which edits Azure applies in place, and which replace a resource, as data. The plan names them, the components set
 * their resource options from them, and docs/operations.md says how to change each safely.
 */

/** A resource input whose change replaces the resource, and the config key (stack program) that sets it. */
export interface Replacement {
    /** Input path on the azure-native resource. */
    property: string;
    /** The stack config key (or what derives it) a user edits. */
    key: string;
    /** Who forces the replacement. */
    source: string;
}

const AZURE_NATIVE_REPLACEMENTS =
    "pulumi-azure-native provider/pkg/gen/replacement.go (forceNew map, PR #4771) and path parameters";

/**
 * ManagedCluster inputs azure-native replaces the cluster for (a new cluster: new API server, nodes and kubeconfig).
 * The stack program sets each from the key named; `networkPlugin` is fixed to `azure` and `podCidr` is never sent.
 */
export const CLUSTER_REPLACEMENTS: readonly Replacement[] = [
    { property: "resourceName", key: "(stack name → cluster name)", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "resourceGroupName", key: "resourceGroupName", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "location", key: "azure-native:location", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "dnsPrefix", key: "(stack name → DNS prefix)", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "networkProfile.serviceCidr", key: "serviceCidr", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "networkProfile.dnsServiceIP", key: "dnsServiceIP", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "networkProfile.outboundType", key: "outboundType", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "networkProfile.networkPolicy", key: "networkPolicy", source: AZURE_NATIVE_REPLACEMENTS },
    { property: "networkProfile.networkDataplane", key: "networkDataplane", source: AZURE_NATIVE_REPLACEMENTS },
    {
        property: "networkProfile.networkPlugin",
        key: "(networkPlugin, always azure)",
        source: AZURE_NATIVE_REPLACEMENTS,
    },
    { property: "networkProfile.networkPluginMode", key: "networkPluginMode", source: AZURE_NATIVE_REPLACEMENTS },
];

/**
 * AgentPool inputs AKS cannot change on an existing pool. azure-native replaces for `vmSize` (and the pool's name, a
 * path parameter) by itself; for the others it would send an update that AKS refuses at `pulumi up`, so the Cluster
 * asks for the replacement with `replaceOnChanges`, and the plan says so at preview.
 */
export const AGENT_POOL_REPLACEMENTS: readonly Replacement[] = [
    { property: "agentPoolName", key: "nodePools[].name", source: AZURE_NATIVE_REPLACEMENTS },
    {
        property: "vmSize",
        key: "nodePools[].vmSize",
        source:
            `${AZURE_NATIVE_REPLACEMENTS}; manage-node-pools.md: ` +
            `"You can't change the VM size of a node pool after you create it."`,
    },
    {
        property: "podIPAllocationMode",
        key: "nodePools[].podIPAllocationMode",
        source:
            "configure-azure-cni-static-block-allocation.md: " +
            '"Migrating or updating existing clusters or node pools is not supported."',
    },
    {
        property: "maxPods",
        key: "nodePools[].maxPods",
        source: "concepts-network-ip-address-planning.md: maximum pods per node is set when a node pool is created",
    },
    {
        property: "availabilityZones",
        key: "nodePools[].availabilityZones",
        source:
            "reliability-availability-zones-configure.md: " +
            '"You can\'t change the number of availability zones after you create a node pool."',
    },
    {
        property: "podSubnetID",
        key: "nodePools[].podSubnetCidr",
        source: "AKS: a node pool's subnets are chosen when it is created",
    },
    {
        property: "vnetSubnetID",
        key: "nodeSubnetCidr",
        source: "AKS: a node pool's subnets are chosen when it is created",
    },
];

/** The inline System pool's fields AKS cannot change in place (the same list, on the ManagedCluster's first pool). */
export const INLINE_POOL_IMMUTABLE = [
    "name",
    "vmSize",
    "podIPAllocationMode",
    "maxPods",
    "availabilityZones",
    "podSubnetCidr",
] as const;
