/** The stack: resource group → Network → Cluster → IpMasqAgent, from checked stack settings. */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { Cluster, IpMasqAgent, Network } from "../src";
import { StackSettings } from "./config";

export function createStack(settings: StackSettings) {
    const { plan, location } = settings;
    const { tags } = settings;
    const production = settings.cluster.protect === true;
    const resourceGroupName: pulumi.Input<string> =
        settings.resourceGroupName ??
        new resources.ResourceGroup(
            "rg",
            { resourceGroupName: `rg-aks-${settings.stack}`, location, tags },
            { protect: production },
        ).name;

    const network = new Network("network", {
        ...settings.addressPlanInput,
        nodePools: settings.nodePools,
        allowUnknownAzureValues: settings.allowUnknownAzureValues,
        resourceGroupName,
        location,
        vnetName: settings.vnetName,
        ...settings.egress,
        tags,
        protect: production,
    });

    const cluster = new Cluster("cluster", {
        resourceGroupName,
        deployedInlinePool: lastDeployed("inlineSystemPool"),
        allowUnknownAzureValues: settings.allowUnknownAzureValues,
        location,
        network,
        clusterName: settings.clusterName,
        nodeResourceGroup: settings.nodeResourceGroup,
        kubernetesVersion: settings.kubernetesVersion,
        networkDataplane: settings.networkDataplane,
        ...settings.cluster,
        tags,
    });

    new IpMasqAgent("ip-masq-agent", {
        ...settings.ipMasqAgent,
        provider: cluster.provider,
        nonMasqueradeCIDRs: plan.ipMasqAgent.nonMasqueradeCIDRs,
    });

    return {
        clusterName: cluster.clusterName,
        clusterId: cluster.clusterId,
        vnetId: network.vnetId,
        nodeSubnetId: network.nodeSubnetId,
        podSubnetIds: network.podSubnetIds,
        kubeconfig: cluster.kubeconfig,
        nonMasqueradeCIDRs: plan.ipMasqAgent.nonMasqueradeCIDRs,
        capacity: capacitySummary(settings),
        inlineSystemPool: cluster.inlineSystemPool,
        addressPlan: plan,
    };
}

/**
 * An output of this stack's last `pulumi up`, read through a StackReference to the stack itself (undefined on the
 * first run). It lets the preview compare with what is deployed where Azure cannot change a setting in place.
 */
function lastDeployed<T>(output: string): pulumi.Output<T | undefined> {
    const self = new pulumi.StackReference("self", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    return self.getOutput(output);
}

/** What `pulumi stack output capacity` shows: per subnet and per pool, what is needed and what is left. */
export function capacitySummary({ plan }: StackSettings) {
    return {
        subnets: [plan.nodeSubnet, ...plan.podSubnets].map((s) => ({
            name: s.name,
            cidr: s.cidr,
            allocatable: s.allocatable,
            needed: s.needed,
            headroom: s.headroom,
        })),
        pools: plan.pools.map((p) => ({
            name: p.name,
            peakNodes: p.peakNodes,
            podIPsNeeded: p.podIPsNeeded,
            podSubnet: p.podSubnetName,
        })),
        routableAddresses: plan.routableAddresses,
    };
}
