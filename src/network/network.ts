/**
 * Network: the VNet with a small routable node subnet and private pod subnet(s), laid out by the address planner.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { checkPoolSettings } from "../nodePools/vmSettings";
import { checkTags, reservedNameProblem } from "../aks/names";
import { defaults } from "../defaults";
import { ProblemList } from "../errors";
import { AddressPlan, AddressPlanInput, NodePoolSpec, planInto } from "../planner";
import { resolveFor } from "../validation";
import { checkEgress, EgressSettings, OutboundType } from "./egress";
import { checkHub, parseVnetId } from "./hub";

export interface NetworkArgs extends AddressPlanInput, EgressSettings {
    /** Resource group of the VNet. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region. Default: the resource group's / provider's location. */
    location?: pulumi.Input<string>;
    /** Azure name of the VNet (≤ 63 characters). Default: Pulumi auto-naming from the component name. */
    vnetName?: string;
    /** The node pools, address-shaping and VM fields alike; the plan sizes the subnets for them. */
    nodePools: NodePoolSpec[];
    /** Tags on every Azure resource of the network. Default: none. */
    tags?: Record<string, string>;
    /** Protect the VNet from deletion (`pulumi destroy` refuses until unprotected). Default: false. */
    protect?: boolean;
    /** Let a VM size family the project's dated data does not know through with a warning. Default: false. */
    allowUnknownAzureValues?: boolean;
}

/** What a Cluster needs from a network: the plan (each pool with its VM spec) and the subnet IDs. A Network is one. */
export interface ClusterNetwork {
    readonly plan: AddressPlan;
    readonly nodeSubnetId: pulumi.Input<string>;
    /** The VNet's ID; needed with a custom private DNS zone (the cluster identity gets Network Contributor on it). */
    readonly vnetId?: pulumi.Input<string>;
    /** Pod subnet ID by subnet name (`plan.podSubnets[i].name`). */
    readonly podSubnetIds: Record<string, pulumi.Input<string>>;
    /** The virtual nodes' subnet, when the plan has one. */
    readonly virtualNodeSubnetName?: string;
    readonly virtualNodeSubnetId?: pulumi.Input<string>;
    /** How the nodes reach the internet (the network provides the NAT gateway or route table it needs). */
    readonly outboundType?: OutboundType;
    /** With a NAT gateway: its public IP address, which the cluster adds to the API server's authorized ranges. */
    readonly egressPublicIpAddress?: pulumi.Input<string>;
    /**
     * The peerings to the hub: a private API server is reached through them from a runner in the hub, so the
     * Kubernetes provider waits for them.
     */
    readonly peerings?: pulumi.Resource[];
}

// Pod subnets declare the delegation AKS adds anyway, or every later `pulumi up` would try to remove it.
const AKS_DELEGATION = { name: "aks-pod-subnet", serviceName: "Microsoft.ContainerService/managedClusters" };
// Virtual nodes run in Azure Container Instances, which needs its subnet delegated to container groups.
const ACI_DELEGATION = { name: "aci-virtual-nodes", serviceName: "Microsoft.ContainerInstance/containerGroups" };
// Azure: VNet names are 2–64 letters, digits, '-', '_' and '.', ending in a letter, digit or '_' (kept to 63 here).
const AZURE_NAME = /^[a-zA-Z0-9][-\w.]{0,61}[\w]$/;

export class Network extends pulumi.ComponentResource implements ClusterNetwork {
    public readonly plan: AddressPlan;
    public readonly vnet: network.VirtualNetwork;
    public readonly vnetId: pulumi.Output<string>;
    public readonly nodeSubnet: network.Subnet;
    public readonly nodeSubnetId: pulumi.Output<string>;
    public readonly podSubnets: Record<string, network.Subnet>;
    public readonly podSubnetIds: Record<string, pulumi.Output<string>>;
    public readonly virtualNodeSubnet?: network.Subnet;
    public readonly virtualNodeSubnetName?: string;
    public readonly virtualNodeSubnetId?: pulumi.Output<string>;
    public readonly outboundType: OutboundType;
    /** With `userAssignedNATGateway`: the NAT gateway and its public IP. */
    public readonly natGateway?: network.NatGateway;
    public readonly egressPublicIp?: network.PublicIPAddress;
    public readonly egressPublicIpAddress?: pulumi.Output<string>;
    /** With `userDefinedRouting`: the route table sending 0.0.0.0/0 to the appliance. */
    public readonly routeTable?: network.RouteTable;
    /** With `hub`: this VNet's peering to the hub, and (with `hub.peerBack`) the hub's to this VNet. */
    public readonly spokeToHubPeering?: network.VirtualNetworkPeering;
    public readonly hubToSpokePeering?: network.VirtualNetworkPeering;
    public readonly peerings: network.VirtualNetworkPeering[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:Network", name, {}, opts);
        this.plan = resolveFor(this, "network", (problems) => resolveNetworkArgs(args, problems));
        this.outboundType = args.outboundType ?? defaults.outboundType;
        const { resourceGroupName, location, tags } = args;

        this.vnet = new network.VirtualNetwork(
            `${name}-vnet`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                virtualNetworkName: args.vnetName,
                addressSpace: { addressPrefixes: this.plan.vnetAddressSpace },
                tags: args.tags,
                // No inline `subnets`: the standalone Subnet resources below own them.
            },
            { parent: this, protect: args.protect },
        );

        // Egress: the NAT gateway or route table goes on every subnet whose traffic leaves the VNet (the node
        // subnet carries the node-IP traffic the agent produces; the pod subnets get it too, harmlessly, so that
        // egress does not depend on which subnet Azure evaluates for a multi-subnet NIC).
        if (this.outboundType === "userAssignedNATGateway") {
            this.egressPublicIp = new network.PublicIPAddress(
                `${name}-egress-ip`,
                { resourceGroupName, location, sku: { name: "Standard" }, publicIPAllocationMethod: "Static", tags },
                { parent: this },
            );
            this.natGateway = new network.NatGateway(
                `${name}-nat`,
                {
                    resourceGroupName,
                    location,
                    sku: { name: "Standard" },
                    publicIpAddresses: [{ id: this.egressPublicIp.id }],
                    idleTimeoutInMinutes: args.natGatewayIdleTimeoutMinutes ?? defaults.natGatewayIdleTimeoutMinutes,
                    tags,
                },
                { parent: this },
            );
        } else if (this.outboundType === "userDefinedRouting") {
            this.routeTable = new network.RouteTable(
                `${name}-routes`,
                {
                    resourceGroupName,
                    location,
                    routes: [
                        {
                            name: "default-via-appliance",
                            addressPrefix: "0.0.0.0/0",
                            nextHopType: "VirtualAppliance",
                            nextHopIpAddress: args.egressNextHopIp,
                        },
                    ],
                    tags,
                },
                { parent: this },
            );
        }
        const egress = {
            natGateway: this.natGateway ? { id: this.natGateway.id } : undefined,
            routeTable: this.routeTable ? { id: this.routeTable.id } : undefined,
        };

        // Subnets of one VNet are created one after another: Azure rejects concurrent subnet writes on a VNet.
        let previous: network.Subnet | undefined;
        const subnet = (
            subnetName: string,
            cidr: string,
            delegation: typeof AKS_DELEGATION | undefined,
            withEgress: boolean,
        ) =>
            (previous = new network.Subnet(
                `${name}-${subnetName}`,
                {
                    resourceGroupName,
                    virtualNetworkName: this.vnet.name,
                    subnetName,
                    addressPrefix: cidr,
                    delegations: delegation ? [delegation] : undefined,
                    ...(withEgress ? egress : {}),
                },
                { parent: this, dependsOn: previous ? [previous] : [] },
            ));

        this.nodeSubnet = subnet(this.plan.nodeSubnet.name, this.plan.nodeSubnet.cidr, undefined, true);
        this.podSubnets = {};
        for (const pods of this.plan.podSubnets) {
            this.podSubnets[pods.name] = subnet(pods.name, pods.cidr, AKS_DELEGATION, true);
        }
        const virtualNodes = this.plan.virtualNodeSubnet;
        if (virtualNodes) {
            // Virtual-node pods leave through this subnet: its egress follows outboundType like the others.
            this.virtualNodeSubnet = subnet(virtualNodes.name, virtualNodes.cidr, ACI_DELEGATION, true);
            this.virtualNodeSubnetName = virtualNodes.name;
            this.virtualNodeSubnetId = this.virtualNodeSubnet.id;
        }

        // Peering writes the VNet too: after the last subnet, as Azure takes one write per VNet at a time.
        if (args.hub) {
            const hub = args.hub;
            const useRemoteGateways = hub.useRemoteGateways ?? true;
            const hubVnet = parseVnetId(hub.vnetId)!;
            if (hub.peerBack) {
                // First, so that the spoke's useRemoteGateways finds gateway transit allowed on the hub side.
                this.hubToSpokePeering = new network.VirtualNetworkPeering(
                    `${name}-hub-to-spoke`,
                    {
                        resourceGroupName: hubVnet.resourceGroupName,
                        virtualNetworkName: hubVnet.name,
                        remoteVirtualNetwork: { id: this.vnet.id },
                        allowVirtualNetworkAccess: true,
                        allowForwardedTraffic: true,
                        allowGatewayTransit: useRemoteGateways,
                    },
                    { parent: this, dependsOn: previous ? [previous] : [] },
                );
            }
            this.spokeToHubPeering = new network.VirtualNetworkPeering(
                `${name}-spoke-to-hub`,
                {
                    resourceGroupName,
                    virtualNetworkName: this.vnet.name,
                    remoteVirtualNetwork: { id: hub.vnetId },
                    allowVirtualNetworkAccess: true,
                    // Traffic from on-prem arrives through the hub's gateway or firewall, i.e. forwarded.
                    allowForwardedTraffic: true,
                    useRemoteGateways,
                },
                {
                    parent: this,
                    dependsOn: [
                        ...(previous ? [previous] : []),
                        ...(this.hubToSpokePeering ? [this.hubToSpokePeering] : []),
                    ],
                },
            );
        }

        this.peerings = [this.hubToSpokePeering, this.spokeToHubPeering].filter(
            (p): p is network.VirtualNetworkPeering => p !== undefined,
        );
        this.vnetId = this.vnet.id;
        this.egressPublicIpAddress = this.egressPublicIp?.ipAddress.apply((ip) => ip ?? "");
        this.nodeSubnetId = this.nodeSubnet.id;
        this.podSubnetIds = Object.fromEntries(
            Object.entries(this.podSubnets).map(([subnetName, s]) => [subnetName, s.id]),
        );
        this.registerOutputs({
            plan: this.plan,
            vnetId: this.vnetId,
            nodeSubnetId: this.nodeSubnetId,
            podSubnetIds: this.podSubnetIds,
        });
    }
}

/**
 * The Network's resolve step: every check of its plain args, collected into `problems`; the address plan whenever the
 * addresses plan, so that a program can check a Cluster against it in the same run even when another arg is wrong.
 * Pure, so a program can run it (and compose it with the other components') before building anything.
 */
export function resolveNetworkArgs(args: NetworkArgs, problems: ProblemList): AddressPlan | undefined {
    const plan = planInto(args, problems);
    checkPoolSettings(args.nodePools, problems, args.allowUnknownAzureValues === true);
    checkEgress(args, plan, problems);
    checkHub(args.hub, problems);
    if (args.vnetName !== undefined && !AZURE_NAME.test(args.vnetName)) {
        problems.add(
            "vnetName",
            `"${args.vnetName}" is not a valid VNet name: ` +
                `2–63 letters, digits, '-', '_' or '.', ending in a letter, digit or '_'`,
        );
    } else if (args.vnetName !== undefined && reservedNameProblem(args.vnetName)) {
        problems.add("vnetName", reservedNameProblem(args.vnetName)!);
    }
    checkTags(args.tags, problems);
    return plan;
}

/**
 * What a Network built from `args` gives a Cluster, before it exists: the plan and a placeholder for every ID, so that
 * a program can resolve the Cluster's args together with the Network's and report every problem at once.
 */
export function plannedNetwork(args: NetworkArgs, plan: AddressPlan): ClusterNetwork {
    const planned = "(planned)";
    return {
        plan,
        nodeSubnetId: planned,
        vnetId: planned,
        podSubnetIds: Object.fromEntries(plan.podSubnets.map((s) => [s.name, planned])),
        virtualNodeSubnetName: plan.virtualNodeSubnet?.name,
        virtualNodeSubnetId: plan.virtualNodeSubnet ? planned : undefined,
        outboundType: args.outboundType ?? defaults.outboundType,
    };
}
