/**
 * The shapes of the recorded inputs (and Kubernetes manifests) the offline plan reads, per resource type: only the
 * fields read here, each optional (a program may leave any of them out). The SDK hands the mocks untyped data, and a
 * base plan is any JSON: these types are what the readers expect, not what was checked; a value of another type reads
 * as it did untyped (e.g. `undefined` or its string form).
 */

/** An agent pool: the AgentPool resource's inputs, or a ManagedCluster's inline `agentPoolProfiles[]` entry. */
export interface AgentPoolInputs {
    /** The inline profile's name (`agentPoolName` on an AgentPool). */
    name?: string;
    agentPoolName?: string;
    mode?: string;
    vmSize?: string;
    count?: number;
    minCount?: number;
    maxCount?: number;
    enableAutoScaling?: boolean;
    maxPods?: number;
    upgradeSettings?: { maxSurge?: string };
    podIPAllocationMode?: string;
    vnetSubnetID?: string;
    podSubnetID?: string;
    /** Read by input path (replacements.ts). */
    [property: string]: unknown;
}

export interface ManagedClusterInputs {
    resourceName?: string;
    kubernetesVersion?: string;
    networkProfile?: {
        networkPlugin?: string;
        networkPluginMode?: string;
        networkDataplane?: string;
        serviceCidr?: string;
        dnsServiceIP?: string;
        outboundType?: string;
        networkPolicy?: string;
    };
    apiServerAccessProfile?: {
        enablePrivateCluster?: boolean;
        authorizedIPRanges?: string[];
        privateDNSZone?: string;
    };
    aadProfile?: unknown;
    disableLocalAccounts?: boolean;
    autoUpgradeProfile?: { upgradeChannel?: string };
    addonProfiles?: Record<string, { enabled?: boolean; config?: Record<string, string> } | undefined>;
    agentPoolProfiles?: AgentPoolInputs[];
}

export interface VirtualNetworkInputs {
    virtualNetworkName?: string;
    addressSpace?: { addressPrefixes?: string[] };
}

export interface SubnetInputs {
    subnetName?: string;
    addressPrefix?: string;
    delegations?: { serviceName?: string }[];
    natGateway?: { id?: string };
    routeTable?: { id?: string };
}

export interface RoleAssignmentInputs {
    roleDefinitionId?: string;
    scope?: string;
}

/** A Kubernetes object: a kubernetes:* resource's inputs, i.e. a manifest. */
export interface KubernetesObject {
    kind?: string;
    metadata?: { name?: string; namespace?: string };
    data?: Record<string, unknown>;
    spec?: { template?: { spec?: { containers?: Container[] } } };
}

export interface Container {
    image?: string;
    args?: unknown;
    command?: unknown;
}
