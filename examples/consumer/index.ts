/**
 * What a platform team writes with the aks-pod-subnet package: two AKS clusters, each in its own spoke VNet. Pods
 * reach the corporate network as their node's IP (ip-masq-agent-v2), so only the small node subnets must be routable
 * from on-prem. The pod ranges still travel: VNet peering and gateway transit advertise a spoke's whole address space,
 * and Azure refuses to peer two overlapping VNets with one hub. So each spoke gets its own pod block, carved from a
 * range the network team reserves for pods and filters on-prem (here 100.64.0.0/10, one /16 per spoke).
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { Cluster, IpMasqAgent, Network, NodePoolSpec } from "aks-pod-subnet";

const config = new pulumi.Config();

/** The same in every cluster: the service range (never advertised) and the networks pods reach as the node. */
const shared = {
    serviceCidr: "100.96.0.0/16",
    // The corporate network, through the hub: it has no route back to 100.64.0.0/16.
    connectedCidrs: ["10.0.0.0/8"],
    kubernetesVersion: config.get("kubernetesVersion") ?? "1.36",
};

const nodePools: NodePoolSpec[] = [
    { name: "system", mode: "System", count: 2, maxPods: 50, maxSurge: "1" },
    { name: "apps", mode: "User", minCount: 1, maxCount: 5, maxPods: 50, maxSurge: "33%" },
];

const resourceGroup = new resources.ResourceGroup("platform", {
    resourceGroupName: `rg-aks-platform-${pulumi.getStack()}`,
});

/** One cluster: its VNet (routable node subnet + its own pod block), the cluster, and its ip-masq-agent. */
function aksCluster(name: string, nodeSubnetCidr: string, podSubnetCidr: string) {
    const network = new Network(`${name}-network`, {
        ...shared,
        nodeSubnetCidr,
        podSubnetCidr,
        nodePools,
        resourceGroupName: resourceGroup.name,
        vnetName: `vnet-aks-${name}`,
    });
    const cluster = new Cluster(name, {
        resourceGroupName: resourceGroup.name,
        network,
        clusterName: `aks-${name}`,
        kubernetesVersion: shared.kubernetesVersion,
    });
    new IpMasqAgent(`${name}-ip-masq-agent`, {
        provider: cluster.provider,
        // The cluster's own VNet (node subnet + pod range) and service range keep pod IPs; the rest sees the node.
        nonMasqueradeCIDRs: network.plan.ipMasqAgent.nonMasqueradeCIDRs,
    });
    return { cluster, network };
}

const blue = aksCluster("blue", "10.42.32.0/27", "100.64.0.0/16");
const green = aksCluster("green", "10.42.32.32/27", "100.65.0.0/16");

export const clusterNames = { blue: blue.cluster.clusterName, green: green.cluster.clusterName };
export const nonMasqueradeCIDRs = {
    blue: blue.network.plan.ipMasqAgent.nonMasqueradeCIDRs,
    green: green.network.plan.ipMasqAgent.nonMasqueradeCIDRs,
};
