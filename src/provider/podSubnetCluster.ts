/**
 * PodSubnetCluster: the library's Network → Cluster → IpMasqAgent chain as one component for every Pulumi language.
 * The library's Cluster takes the Network object and IpMasqAgent a Kubernetes provider instance, neither of which can
 * cross languages; this component takes the plain settings (those of the stack program's configuration) and wires the
 * three together itself. Every type here is one the component analyzer of @pulumi/pulumi accepts: strings, numbers,
 * booleans, arrays, string maps and interfaces; values with a fixed set of choices are strings the library checks.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    AddressPlan,
    Cluster,
    ClusterArgs,
    IpMasqAgent,
    IpMasqAgentSettings,
    Network,
    NetworkArgs,
    ProblemList,
    resolvePodSubnetCluster,
} from "../index";
import { raiseProblems, unresolvedArgs } from "./plain";

type LibraryPool = NetworkArgs["nodePools"][number];

/** A node pool: how many nodes, how many pods each, where their pod IPs come from, and how the VMs look. */
export interface NodePool {
    /** Pool name: lowercase letters and digits, starting with a letter, at most 12 characters. */
    name: string;
    /** System (runs the cluster add-ons; at least one pool must be) or User. Default: User. */
    mode?: string;
    /** Fixed node count; with autoscaling, the initial count. Default: 3 (or minCount when autoscaling). */
    count?: number;
    /** Autoscaler lower bound; set together with maxCount. */
    minCount?: number;
    /** Autoscaler upper bound; the subnets are sized for it. */
    maxCount?: number;
    /** Pods per node, 10-250. Default: 50. */
    maxPods?: number;
    /** Extra nodes during upgrades, as Azure takes it: a count ("1") or a percentage ("33%"). Default: "10%". */
    maxSurge?: string;
    /** How nodes get pod IPs: DynamicIndividual or StaticBlock. Default: DynamicIndividual. */
    podIPAllocationMode?: string;
    /** The pool's own pod subnet; pools naming the same CIDR share it. Default: the shared podSubnetCidr. */
    podSubnetCidr?: string;
    /** VM size of the nodes, e.g. Standard_D4s_v5. Default: Standard_D4s_v5. */
    vmSize?: string;
    /** Node OS: AzureLinux or Ubuntu. Default: AzureLinux. */
    osSku?: string;
    /** Availability zones to spread the nodes over, e.g. ["1", "2", "3"]. Default: none (regional). */
    availabilityZones?: string[];
    /** Kubernetes labels on every node of the pool. Default: none. */
    nodeLabels?: Record<string, string>;
    /** Taints on every node, as key=value:Effect (NoSchedule, PreferNoSchedule, NoExecute). Default: none. */
    nodeTaints?: string[];
}

/** The hub VNet this spoke VNet is peered with. */
export interface Hub {
    /** The hub VNet's resource ID. */
    vnetId: string;
    /** The hub VNet's address prefixes; the spoke's whole address space must be disjoint from them. */
    addressSpace: string[];
    /** The address spaces of the other spokes already peered with the hub. Default: none. */
    spokeAddressSpaces?: string[];
    /** Reach on-premises networks through the hub's gateway (gateway transit). Default: true. */
    useRemoteGateways?: boolean;
    /** Also create the hub-to-spoke peering (needs write access to the hub VNet). Default: false. */
    peerBack?: boolean;
}

/** A weekly window in which AKS may apply automatic upgrades. */
export interface MaintenanceWindow {
    /** Day of the week, e.g. Sunday. */
    dayOfWeek: string;
    /** Local start time, HH:MM. */
    startTime: string;
    /** Length of the window: 4-24 hours. */
    durationHours: number;
    /** Offset of startTime from UTC, +HH:MM or -HH:MM. Default: +00:00. */
    utcOffset?: string;
}

export interface PodSubnetClusterArgs {
    /** Resource group of the VNet, the cluster and its identity. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region. Default: the resource group's location. */
    location?: pulumi.Input<string>;
    /** Routable node subnet, e.g. 10.42.8.0/27: sized for every pool at maxCount plus surge, plus 5 reserved. */
    nodeSubnetCidr: string;
    /** Private pod subnet, e.g. 100.64.0.0/20, shared by the pools that name none of their own. */
    podSubnetCidr: string;
    /** VNet address prefixes. Default: exactly the node and pod subnet ranges (the least routable space). */
    vnetAddressSpace?: string[];
    /** Kubernetes service range: disjoint from the VNet and every connected network, /12 or longer. */
    serviceCidr: string;
    /** Cluster DNS service IP inside serviceCidr. Default: the network address of serviceCidr + 10. */
    dnsServiceIP?: string;
    /** Networks reached by peering, VPN or ExpressRoute that cannot route back to pod IPs (reached as the node). */
    connectedCidrs?: string[];
    /** Destinations outside the VNet that do route back to pod IPs and must see them. Default: none. */
    extraNonMasqueradeCidrs?: string[];
    /** The hub VNet this spoke is peered with. Default: no peering. */
    hub?: Hub;
    /** Subnet for virtual nodes (ACI connector), routable like the node subnet. Default: no virtual nodes. */
    virtualNodeSubnetCidr?: string;
    /** Node-subnet addresses that are not nodes (internal load balancers, private endpoints). Default: 0. */
    nodeSubnetExtraAddresses?: number;
    /** The node pools; the first System pool is created with the cluster. */
    nodePools: NodePool[];
    /** Azure name of the VNet (at most 63 characters). Default: Pulumi auto-naming. */
    vnetName?: string;
    /** How nodes reach the internet: loadBalancer (the default), userAssignedNATGateway or userDefinedRouting. */
    outboundType?: string;
    /** With userDefinedRouting: private IP of the firewall or appliance that 0.0.0.0/0 is routed to. */
    egressNextHopIp?: string;
    /** With userAssignedNATGateway: the NAT gateway's idle timeout, 4-120 minutes. Default: 4. */
    natGatewayIdleTimeoutMinutes?: number;
    /** Azure name of the cluster, also its DNS prefix (at most 63 characters). Default: Pulumi auto-naming. */
    clusterName?: string;
    /** Kubernetes version, e.g. 1.33. Default: AKS's default version at creation. */
    kubernetesVersion?: string;
    /** The resource group AKS creates for the nodes. Default: AKS's MC_<group>_<cluster>_<location>. */
    nodeResourceGroup?: string;
    /** Private API server, reachable only from the VNet and networks connected to it. Default: false. */
    privateCluster?: boolean;
    /** With privateCluster: system, none, or the resource ID of your private DNS zone. Default: system. */
    privateDnsZone?: string;
    /** Public API server only: the CIDRs allowed to reach it. Default: none (open). */
    authorizedIpRanges?: string[];
    /** Microsoft Entra ID with Azure RBAC, local accounts disabled (the kubeconfig needs kubelogin). Default: false. */
    entraId?: boolean;
    /** With entraId: object IDs of the Entra groups that become cluster admins. Default: none. */
    adminGroupObjectIds?: string[];
    /** With entraId: how kubelogin logs in (azurecli, workloadidentity, spn, msi). Default: azurecli. */
    kubeloginMode?: string;
    /** With entraId: seconds to wait once for the deployer's new Kubernetes role to apply. Default: 300. */
    rbacPropagationSeconds?: number;
    /** AKS auto-upgrade channel: none, patch, stable, rapid or node-image. Default: none. */
    autoUpgradeChannel?: string;
    /** How node OS images are updated: None, Unmanaged, NodeImage or SecurityPatch. Default: AKS's (NodeImage). */
    nodeOsUpgradeChannel?: string;
    /** When automatic upgrades may run. Default: any time. */
    maintenanceWindow?: MaintenanceWindow;
    /** AKS pricing tier: Free, Standard (uptime SLA, for production) or Premium. Default: Free. */
    tier?: string;
    /** Kubernetes NetworkPolicy engine: none, azure or calico. Default: none. */
    networkPolicy?: string;
    /** Tags on every Azure resource. Default: none. */
    tags?: Record<string, string>;
    /** Protect the VNet and the cluster from deletion, for production. Default: false. */
    protect?: boolean;
    /** ip-masq-agent-v2 settings. Default: the agent with the library's defaults. */
    ipMasqAgent?: IpMasqAgentSettings;
    /** Let a VM size or Kubernetes version the library's dated Azure data does not know through with a warning. */
    allowUnknownAzureValues?: boolean;
}

/** A subnet of the address plan, with what its pools need at their peak and what is left. */
export interface PlannedSubnet {
    /** Subnet name in the VNet. */
    name: string;
    /** What the subnet holds: nodes, pods or virtual-nodes. */
    role: string;
    /** The subnet's range. */
    cidr: string;
    /** Addresses that can be handed out (whole batches or blocks for pods). */
    allocatable: number;
    /** Addresses the subnet's pools need at their peak (maxCount plus surge). */
    needed: number;
    /** allocatable minus needed. */
    headroom: number;
    /** The pools on this subnet. */
    pools: string[];
}

/** The plain settings, as the library's Network takes them (the library checks every value, strings included). */
function networkArgs(args: PodSubnetClusterArgs): NetworkArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        nodeSubnetCidr: args.nodeSubnetCidr,
        podSubnetCidr: args.podSubnetCidr,
        vnetAddressSpace: args.vnetAddressSpace,
        serviceCidr: args.serviceCidr,
        dnsServiceIP: args.dnsServiceIP,
        connectedCidrs: args.connectedCidrs,
        extraNonMasqueradeCidrs: args.extraNonMasqueradeCidrs,
        hub: args.hub,
        virtualNodeSubnetCidr: args.virtualNodeSubnetCidr,
        nodeSubnetExtraAddresses: args.nodeSubnetExtraAddresses,
        privateCluster: args.privateCluster,
        kubernetesVersion: args.kubernetesVersion,
        // The library types fixed choices as string unions; it checks the strings it is given at run time.
        nodePools: args.nodePools as LibraryPool[],
        vnetName: args.vnetName,
        outboundType: args.outboundType as NetworkArgs["outboundType"],
        egressNextHopIp: args.egressNextHopIp,
        natGatewayIdleTimeoutMinutes: args.natGatewayIdleTimeoutMinutes,
        tags: args.tags,
        protect: args.protect,
        allowUnknownAzureValues: args.allowUnknownAzureValues,
    };
}

/** The Cluster's args but the network it joins (the Network built from the same args). */
function clusterArgs(args: PodSubnetClusterArgs): Omit<ClusterArgs, "network"> {
    return {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        clusterName: args.clusterName,
        kubernetesVersion: args.kubernetesVersion,
        nodeResourceGroup: args.nodeResourceGroup,
        rbacPropagationSeconds: args.rbacPropagationSeconds,
        privateCluster: args.privateCluster,
        privateDnsZone: args.privateDnsZone,
        authorizedIpRanges: args.authorizedIpRanges,
        entraId: args.entraId,
        adminGroupObjectIds: args.adminGroupObjectIds,
        kubeloginMode: args.kubeloginMode as ClusterArgs["kubeloginMode"],
        autoUpgradeChannel: args.autoUpgradeChannel as ClusterArgs["autoUpgradeChannel"],
        nodeOsUpgradeChannel: args.nodeOsUpgradeChannel as ClusterArgs["nodeOsUpgradeChannel"],
        maintenanceWindow: args.maintenanceWindow as ClusterArgs["maintenanceWindow"],
        tier: args.tier as ClusterArgs["tier"],
        networkPolicy: args.networkPolicy as ClusterArgs["networkPolicy"],
        tags: args.tags,
        protect: args.protect,
        allowUnknownAzureValues: args.allowUnknownAzureValues,
    };
}

/** Args that are Inputs (they may be unknown at preview and pass through as they are); every other arg is plain. */
const INPUT_ARGS: readonly (keyof PodSubnetClusterArgs)[] = ["resourceGroupName", "location"];

/**
 * Every problem of the args, raised once, before anything is built: the library's resolve steps of the Network, the
 * Cluster and the IpMasqAgent as the library composes them (resolvePodSubnetCluster). Returns the address plan.
 */
function resolveArgs(component: PodSubnetCluster, name: string, args: PodSubnetClusterArgs): AddressPlan {
    const subject = "PodSubnetCluster args";
    // Values that cannot be read make every other check meaningless (a CIDR that is an Output is "not a string").
    raiseProblems(component, subject, unresolvedArgs(args, INPUT_ARGS));

    // Warnings are left to the components, which resolve their args again when they are built and warn on themselves.
    const problems = new ProblemList();
    const { plan } = resolvePodSubnetCluster(
        { network: networkArgs(args), cluster: clusterArgs(args), ipMasqAgent: args.ipMasqAgent },
        problems,
        clusterName(name),
    );
    raiseProblems(component, subject, problems.problems);
    return plan!;
}

/** Names of the library components inside (the cluster's is its DNS prefix when clusterName is unset). */
const networkName = (name: string) => `${name}-network`;
const clusterName = (name: string) => `${name}-cluster`;
const agentName = (name: string) => `${name}-ip-masq-agent`;

/**
 * An AKS cluster on Azure CNI Pod Subnet (private, non-overlay pod IPs) with ip-masq-agent-v2 NATing pod traffic
 * that leaves the VNet to the node IP: the VNet with a routable node subnet and private pod subnets laid out and
 * checked by the address planner, the cluster with its identity and pools, and the agent.
 */
export class PodSubnetCluster extends pulumi.ComponentResource {
    /** Azure name of the AKS cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** Resource ID of the AKS cluster. */
    public readonly clusterId: pulumi.Output<string>;
    /** The cluster-user kubeconfig (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Resource ID of the VNet. */
    public readonly vnetId: pulumi.Output<string>;
    /** Resource ID of the node subnet. */
    public readonly nodeSubnetId: pulumi.Output<string>;
    /** Resource IDs of the pod subnets, by subnet name. */
    public readonly podSubnetIds: pulumi.Output<Record<string, string>>;
    /** What ip-masq-agent-v2 leaves alone (pods keep their IPs): the VNet, the service range and the extra list. */
    public readonly nonMasqueradeCIDRs: pulumi.Output<string[]>;
    /** The address plan's subnets, with the addresses their pools need at peak and the headroom left. */
    public readonly subnets: pulumi.Output<PlannedSubnet[]>;
    /** With outboundType userAssignedNATGateway: the NAT gateway's public IP address. */
    public readonly egressPublicIpAddress?: pulumi.Output<string>;

    constructor(name: string, args: PodSubnetClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:PodSubnetCluster", name, {}, opts);
        const plan = resolveArgs(this, name, args);

        const network = new Network(networkName(name), networkArgs(args), { parent: this });
        const cluster = new Cluster(clusterName(name), { ...clusterArgs(args), network }, { parent: this });
        new IpMasqAgent(
            agentName(name),
            {
                ...args.ipMasqAgent,
                provider: cluster.provider,
                nonMasqueradeCIDRs: plan.ipMasqAgent.nonMasqueradeCIDRs,
            },
            { parent: this },
        );

        this.clusterName = cluster.clusterName;
        this.clusterId = cluster.clusterId;
        this.kubeconfig = cluster.kubeconfig;
        this.vnetId = network.vnetId;
        this.nodeSubnetId = network.nodeSubnetId;
        this.podSubnetIds = pulumi.output(network.podSubnetIds);
        this.nonMasqueradeCIDRs = pulumi.output(plan.ipMasqAgent.nonMasqueradeCIDRs);
        this.subnets = pulumi.output(
            [plan.nodeSubnet, ...plan.podSubnets, ...(plan.virtualNodeSubnet ? [plan.virtualNodeSubnet] : [])].map(
                (s): PlannedSubnet => ({
                    name: s.name,
                    role: s.role,
                    cidr: s.cidr,
                    allocatable: s.allocatable,
                    needed: s.needed,
                    headroom: s.headroom,
                    pools: [...s.pools],
                }),
            ),
        );
        this.egressPublicIpAddress = network.egressPublicIpAddress;
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterId: this.clusterId,
            kubeconfig: this.kubeconfig,
            vnetId: this.vnetId,
            nodeSubnetId: this.nodeSubnetId,
            podSubnetIds: this.podSubnetIds,
            nonMasqueradeCIDRs: this.nonMasqueradeCIDRs,
            subnets: this.subnets,
            egressPublicIpAddress: this.egressPublicIpAddress,
        });
    }
}
