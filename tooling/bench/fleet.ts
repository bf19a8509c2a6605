/**
 * A fleet program for the benchmark: FLEET_SIZE clusters, each with its own VNet (Network + Cluster + IpMasqAgent),
 * all sharing one private pod range and one service range — the way a platform team would stamp out clusters.
 */
import { Cluster, IpMasqAgent, Network } from "../../src";

const size = Number(process.env.FLEET_SIZE ?? "25");
const clusters: Record<string, unknown> = {};

for (let i = 0; i < size; i++) {
    const name = `c${String(i).padStart(2, "0")}`;
    const network = new Network(`${name}-network`, {
        resourceGroupName: "rg-fleet",
        location: "westeurope",
        nodeSubnetCidr: `10.100.${i}.0/26`,
        podSubnetCidr: "100.64.0.0/18",
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: ["10.0.0.0/9", "192.168.0.0/16"],
        nodePools: [
            { name: "system", mode: "System", count: 3, maxPods: 50, maxSurge: "1" },
            { name: "apps", minCount: 2, maxCount: 20, maxPods: 110, maxSurge: "10%" },
        ],
    });
    const cluster = new Cluster(`${name}-cluster`, {
        resourceGroupName: "rg-fleet",
        location: "westeurope",
        network,
        clusterName: `aks-${name}`,
    });
    new IpMasqAgent(`${name}-ip-masq-agent`, {
        provider: cluster.provider,
        nonMasqueradeCIDRs: network.plan.ipMasqAgent.nonMasqueradeCIDRs,
    });
    clusters[name] = cluster.clusterId;
}

export const clusterIds = clusters;
