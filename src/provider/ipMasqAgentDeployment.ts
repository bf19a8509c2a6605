/**
 * IpMasqAgentDeployment: the library's IpMasqAgent for any cluster, from any Pulumi language. The library component
 * takes a Kubernetes provider instance, which cannot cross languages; this one takes the cluster's kubeconfig and
 * makes the provider itself.
 */
import * as pulumi from "@pulumi/pulumi";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { IpMasqAgent, IpMasqAgentSettings, ProblemList, resolveIpMasqAgentArgs } from "../index";
import { raiseProblems, unresolvedArgs } from "./plain";

/** The agent's own settings are the library's (IpMasqAgentSettings), descriptions included. */
export interface IpMasqAgentDeploymentArgs extends IpMasqAgentSettings {
    /** Kubeconfig of the target cluster (e.g. PodSubnetCluster's kubeconfig output); keep it secret. */
    kubeconfig: pulumi.Input<string>;
    /**
     * Destinations pods reach with their own IPs: at least every VNet prefix (PodSubnetCluster's nonMasqueradeCIDRs
     * output). Everything else leaves with the node IP. IPv4, aligned, at most 64 after merging.
     */
    nonMasqueradeCIDRs: string[];
}

/**
 * ip-masq-agent-v2 on a cluster given by its kubeconfig: a ConfigMap listing what keeps pod IPs and a DaemonSet that
 * NATs everything else to the node IP (or, with cleanup, the DaemonSet that removes the agent's rules).
 */
export class IpMasqAgentDeployment extends pulumi.ComponentResource {
    /** Name of the agent's DaemonSet (absent with enabled false). */
    public readonly daemonSetName?: pulumi.Output<string>;
    /** Name of the agent's ConfigMap (absent with enabled false). */
    public readonly configMapName?: pulumi.Output<string>;
    /** Name of the clean-up DaemonSet (present with cleanup true). */
    public readonly cleanupDaemonSetName?: pulumi.Output<string>;
    /** The agent's config file as deployed: the merged nonMasqueradeCIDRs (absent with enabled false). */
    public readonly agentConfig?: pulumi.Output<string>;

    constructor(name: string, args: IpMasqAgentDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:IpMasqAgentDeployment", name, {}, opts);
        const { kubeconfig, ...settings } = args;
        const subject = "IpMasqAgentDeployment args";
        // The kubeconfig may be unknown at preview (a cluster not yet created); everything else must be known.
        raiseProblems(this, subject, unresolvedArgs(settings, []));
        // Checked before the Kubernetes provider exists. The library names the agent's settings as the stack program's
        // ipMasqAgent key; here they are this component's own args.
        const problems = new ProblemList();
        resolveIpMasqAgentArgs(settings, problems);
        raiseProblems(
            this,
            subject,
            problems.problems.map((p) => ({ ...p, key: p.key.replace(/^ipMasqAgent\./, "") })),
        );

        const provider = new KubernetesProvider(`${name}-k8s`, { kubeconfig }, { parent: this });
        const agent = new IpMasqAgent(`${name}-agent`, { ...settings, provider }, { parent: this });

        const deployed = agent.manifests;
        this.daemonSetName = agent.daemonSet?.metadata.name;
        this.configMapName = agent.configMap?.metadata.name;
        this.cleanupDaemonSetName = agent.cleanup?.metadata.name;
        const config = deployed.agent && Object.values(deployed.agent.configMap.data)[0];
        this.agentConfig = config === undefined ? undefined : pulumi.output(config);
        this.registerOutputs({
            daemonSetName: this.daemonSetName,
            configMapName: this.configMapName,
            cleanupDaemonSetName: this.cleanupDaemonSetName,
            agentConfig: this.agentConfig,
        });
    }
}
