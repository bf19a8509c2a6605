/** The address planner's input and output. Everything here is a plain value so that every check runs at preview. */

export type PoolMode = "System" | "User";
export type PodIPAllocationMode = "DynamicIndividual" | "StaticBlock";

export const OS_SKUS = ["AzureLinux", "Ubuntu"] as const;
export type OsSku = (typeof OS_SKUS)[number];

/** How a pool's VMs look: nothing here shapes addresses; the plan carries it to the cluster with the pool. */
export interface NodePoolVmSpec {
    /** VM size of the nodes. Default: `Standard_D4s_v5`. */
    vmSize?: string;
    /** Node OS. Default: `AzureLinux`. */
    osSku?: OsSku;
    /** Availability zones to spread nodes over, e.g. `["1", "2", "3"]`. Default: none (regional). */
    availabilityZones?: string[];
    /** Kubernetes labels on every node of the pool. Default: none. */
    nodeLabels?: Record<string, string>;
    /** Taints on every node, as `key=value:Effect` (NoSchedule, PreferNoSchedule, NoExecute). Default: none. */
    nodeTaints?: string[];
}

/** A planned pool's VM spec, defaults applied. */
export type PoolVm = NodePoolVmSpec & Required<Pick<NodePoolVmSpec, "vmSize" | "osSku">>;

/** A node pool: its address-shaping fields plus how its VMs look. */
export interface NodePoolSpec extends NodePoolAddressSpec, NodePoolVmSpec {}

/** A node pool as far as addresses are concerned. */
export interface NodePoolAddressSpec {
    /** Pool name: lowercase letters and digits, starting with a letter, at most 12 characters (AKS, Linux pools). */
    name: string;
    /** `System` pools run the cluster add-ons (at least one is required). Default: `User`. */
    mode?: PoolMode;
    /** Fixed node count; with autoscaling, the initial count. Default: 3 (or `minCount` when autoscaling). */
    count?: number;
    /** Autoscaler lower bound; set together with `maxCount`. */
    minCount?: number;
    /** Autoscaler upper bound; the planner sizes subnets for it. */
    maxCount?: number;
    /** Pods per node, 10–250. Default: 50. */
    maxPods?: number;
    /** Extra nodes during upgrades, as Azure takes it (`"1"`, `"33%"`) or a number. Default: `"10%"`. */
    maxSurge?: string | number;
    /** How nodes get pod IPs. Default: `DynamicIndividual`. */
    podIPAllocationMode?: PodIPAllocationMode;
    /** The pool's own pod subnet; pools naming the same CIDR share it. Default: the shared `podSubnetCidr`. */
    podSubnetCidr?: string;
}

/**
 * The hub this spoke is peered with. The planner reads its addresses (plain prefixes, so that the overlap check runs
 * at preview); the Network creates the peerings from the rest.
 */
export interface HubSettings {
    /** The hub VNet's resource ID. */
    vnetId: string;
    /** The hub VNet's address prefixes. */
    addressSpace: string[];
    /** The address spaces of the other spokes already peered with the hub. Default: none. */
    spokeAddressSpaces?: string[];
    /**
     * Reach on-prem through the hub's gateway (gateway transit). The hub side must allow gateway transit. Default:
     * true.
     */
    useRemoteGateways?: boolean;
    /**
     * Create the hub→spoke peering too (with gateway transit allowed), when the identity running `pulumi up` may write
     * the hub VNet and the hub is in the same subscription. Default: false (the hub's owners create it).
     */
    peerBack?: boolean;
}

export interface AddressPlanInput {
    /** The routable node subnet. */
    nodeSubnetCidr: string;
    /** The private, never-routed pod subnet shared by pools that name none of their own. */
    podSubnetCidr: string;
    /**
     * Subnet of the virtual nodes (ACI connector), delegated to Azure Container Instances. ACI pods are not NAT'd by
     * the agent (it never runs on virtual nodes), so this subnet is routable like the node subnet. Default: none.
     */
    virtualNodeSubnetCidr?: string;
    /** VNet address prefixes. Default: exactly the node and pod subnet ranges (the least routable space). */
    vnetAddressSpace?: string[];
    /** Kubernetes service range: disjoint from the VNet and every connected network, /12 or longer. */
    serviceCidr: string;
    /** Cluster DNS service IP. Default: network address of `serviceCidr` + 10. */
    dnsServiceIP?: string;
    /**
     * Networks reached via peering, VPN or ExpressRoute that cannot route back to pod IPs: pods reach them as the node.
     */
    connectedCidrs?: string[];
    /** Destinations outside the VNet that do route back to pod IPs and must see them. */
    extraNonMasqueradeCidrs?: string[];
    /**
     * The hub this spoke VNet is peered with: its address prefixes and those of the other spokes already peered with
     * it. Azure refuses a peering whose address space overlaps either, so the spoke's whole address space (pod ranges
     * included) must be disjoint from them. Default: no hub.
     */
    hub?: HubSettings;
    nodePools: NodePoolSpec[];
    /**
     * A private cluster: AKS puts the API server's private endpoint in the node subnet, which then holds one address
     * that is not a node. Default: false.
     */
    privateCluster?: boolean;
    /**
     * Other addresses in the node subnet that are not nodes: internal load balancer frontends and private endpoints
     * you place there. Counted so that the subnet never fills up (SubnetIsFull). Default: 0.
     */
    nodeSubnetExtraAddresses?: number;
    /** Cluster Kubernetes version, when known (StaticBlock needs 1.28 or newer). */
    kubernetesVersion?: string;
}

export interface SubnetPlan {
    /** Subnet resource name. */
    name: string;
    role: "nodes" | "pods" | "virtual-nodes";
    cidr: string;
    /** Config key the CIDR came from. */
    key: string;
    size: number;
    /** Addresses left after Azure's 5 reserved ones. */
    usable: number;
    /** Addresses that can actually be handed out: usable for nodes; whole 16-address batches or /28 blocks for pods. */
    allocatable: number;
    /**
     * Addresses the pools on this subnet need at their peak (maxCount + surge): node IPs (plus, in the node subnet,
     * the private endpoint and other non-node addresses), or pod IPs.
     */
    needed: number;
    /** allocatable − needed. */
    headroom: number;
    /** Pools on this subnet. */
    pools: string[];
}

/** A pool's settings with every default applied: what the planner reads and what the plan gives back. */
export interface PoolSettings {
    name: string;
    mode: PoolMode;
    /** Initial / fixed node count. */
    count: number;
    autoscaling: boolean;
    minCount: number;
    maxCount: number;
    maxPods: number;
    /** maxSurge normalized to the string Azure takes. */
    maxSurge: string;
    surgeNodes: number;
    podIPAllocationMode: PodIPAllocationMode;
    /** The pool's VMs, carried with the pool so that the cluster never looks them up by name. */
    vm: PoolVm;
}

export interface PoolPlan extends PoolSettings {
    /** maxCount + surge: the most nodes this pool ever holds at once. */
    peakNodes: number;
    podSubnetName: string;
    podSubnetCidr: string;
    /** Pod-subnet addresses one node of this pool can hold. */
    podIPsPerNode: number;
    /** peakNodes × podIPsPerNode. */
    podIPsNeeded: number;
}

export interface AddressPlan {
    vnetAddressSpace: string[];
    nodeSubnet: SubnetPlan;
    podSubnets: SubnetPlan[];
    /** The virtual nodes' subnet, when virtual nodes are enabled. */
    virtualNodeSubnet?: SubnetPlan;
    serviceCidr: string;
    dnsServiceIP: string;
    /** Node-subnet addresses that are not nodes: the private cluster's API server endpoint, and the extra ones. */
    nodeSubnetOtherAddresses: { privateEndpoint: number; extra: number };
    pools: PoolPlan[];
    connectedCidrs: string[];
    /**
     * What this VNet makes known beyond itself: VNet peering and gateway transit advertise its whole address space,
     * the private pod ranges included, to the hub and through the hub's gateway to on-prem.
     */
    advertisedRanges: string[];
    /** The hub's prefixes, when a hub is set. */
    hubAddressSpace?: string[];
    ipMasqAgent: {
        /** What the agent leaves alone (pods keep their IPs): VNet, service range, extra list, merged. */
        nonMasqueradeCIDRs: string[];
        /** The parts of the connected networks that pods reach as the node IP. */
        masqueradedConnectedCidrs: string[];
        /** Extra destinations that keep pod IPs, as given. */
        extraNonMasqueradeCidrs: string[];
    };
    routableAddresses: {
        /**
         * Routable addresses this design consumes: the VNet's address space outside the pod subnets, which the
         * corporate network must allot and route. With the default VNet (exactly the subnets' ranges) that is the node
         * subnet and the virtual nodes' subnet; a larger `vnetAddressSpace` counts whole.
         */
        podSubnetMode: number;
        /** Addresses Azure CNI node-subnet mode would need for the same pools: peak nodes × (maxPods + 1) + 5. */
        nodeSubnetModeNeeded: number;
        /** The smallest prefix that holds them. */
        nodeSubnetModePrefix: number;
        /**
         * 1 − podSubnetMode / nodeSubnetModeNeeded, in percent (one decimal); negative when a large vnetAddressSpace
         * routes more.
         */
        savingPercent: number;
    };
}
