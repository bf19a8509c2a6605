/**
 * Network: the VNet with a small routable node subnet and private pod subnet(s), laid out by the address planner.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { checkPoolSettings, NodePoolSpec } from "../cluster/args";
import { ProblemList, ConfigurationError } from "../errors";
import { AddressPlan, AddressPlanInput, planAddresses } from "../planner";
import { validateFor } from "../validation";

export interface NetworkArgs extends AddressPlanInput {
    /** Resource group of the VNet. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region. Default: the resource group's / provider's location. */
    location?: pulumi.Input<string>;
    /** Azure name of the VNet (≤ 63 characters). Default: Pulumi auto-naming from the component name. */
    vnetName?: string;
    /** The node pools, address-shaping and VM fields alike; the plan sizes the subnets for them. */
    nodePools: NodePoolSpec[];
    /** Tags on the VNet. Default: none. */
    tags?: Record<string, string>;
}

/** What a Cluster needs from a network: the plan, the pools and the subnet IDs. The Network component is one. */
export interface ClusterNetwork {
    readonly plan: AddressPlan;
    readonly nodePools: NodePoolSpec[];
    readonly nodeSubnetId: pulumi.Input<string>;
    /** Pod subnet ID by subnet name (`plan.podSubnets[i].name`). */
    readonly podSubnetIds: Record<string, pulumi.Input<string>>;
}

// Pod subnets declare the delegation AKS adds anyway, or every later `pulumi up` would try to remove it.
const AKS_DELEGATION = { name: "aks-pod-subnet", serviceName: "Microsoft.ContainerService/managedClusters" };

export class Network extends pulumi.ComponentResource implements ClusterNetwork {
    public readonly plan: AddressPlan;
    public readonly nodePools: NodePoolSpec[];
    public readonly vnet: network.VirtualNetwork;
    public readonly vnetId: pulumi.Output<string>;
    public readonly nodeSubnet: network.Subnet;
    public readonly nodeSubnetId: pulumi.Output<string>;
    public readonly podSubnets: Record<string, network.Subnet>;
    public readonly podSubnetIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:Network", name, {}, opts);
        this.plan = validateFor(this, () => checkNetworkArgs(args));
        this.nodePools = args.nodePools;

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
            { parent: this },
        );

        // Subnets of one VNet are created one after another: Azure rejects concurrent subnet writes on a VNet.
        const subnet = (role: string, subnetName: string, cidr: string, delegated: boolean, after?: network.Subnet) =>
            new network.Subnet(
                `${name}-${role}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    virtualNetworkName: this.vnet.name,
                    subnetName,
                    addressPrefix: cidr,
                    delegations: delegated ? [AKS_DELEGATION] : undefined,
                },
                { parent: this, dependsOn: after ? [after] : [] },
            );

        this.nodeSubnet = subnet("nodes", this.plan.nodeSubnet.name, this.plan.nodeSubnet.cidr, false);
        this.podSubnets = {};
        let previous = this.nodeSubnet;
        for (const pods of this.plan.podSubnets) {
            previous = this.podSubnets[pods.name] = subnet(pods.name, pods.name, pods.cidr, true, previous);
        }

        this.vnetId = this.vnet.id;
        this.nodeSubnetId = this.nodeSubnet.id;
        this.podSubnetIds = Object.fromEntries(Object.entries(this.podSubnets).map(([subnetName, s]) => [subnetName, s.id]));
        this.registerOutputs({ plan: this.plan, vnetId: this.vnetId, nodeSubnetId: this.nodeSubnetId, podSubnetIds: this.podSubnetIds });
    }
}

/** Every check of the Network's plain args, raised once. */
export function checkNetworkArgs(args: NetworkArgs): AddressPlan {
    const problems = new ProblemList();
    let plan: AddressPlan | undefined;
    try {
        plan = planAddresses(args);
    } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        error.problems.forEach((p) => problems.add(p.key, p.message));
    }
    checkPoolSettings(args.nodePools, problems);
    if (args.vnetName !== undefined && !/^[a-zA-Z0-9][-\w.]{0,61}[\w]$/.test(args.vnetName)) {
        problems.add("vnetName", `"${args.vnetName}" is not a valid VNet name: 2–63 letters, digits, '-', '_' or '.', ending in a letter, digit or '_'`);
    }
    problems.throwIfAny("network");
    return plan!;
}
