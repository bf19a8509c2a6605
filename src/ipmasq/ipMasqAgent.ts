/**
 * IpMasqAgent: ip-masq-agent-v2 as a ConfigMap and a DaemonSet in kube-system. Needs only a Kubernetes provider,
 * so it also serves clusters this project did not create.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import { DaemonSet, DaemonSetArgs } from "@pulumi/kubernetes/apps/v1";
import { AGENT_MAX_CIDRS } from "../defaults";
import { ProblemList } from "../errors";
import { mergeToCidrs, parseCidr } from "../planner/cidr";
import { resolveFor } from "../validation";
import { agentManifests, AgentManifests, cleanupDaemonSetManifest, DaemonSetManifest } from "./manifests";
import { IpMasqAgentSettings, ResolvedAgentSettings, resolveAgentSettings } from "./settings";

export interface IpMasqAgentArgs extends IpMasqAgentSettings {
    /** Provider of the target cluster (e.g. `Cluster.provider`). */
    provider: pulumi.ProviderResource;
    /**
     * Destinations pods reach with their own IPs: at least every VNet prefix (use
     * `plan.ipMasqAgent.nonMasqueradeCIDRs`). Everything else leaves with the node IP. IPv4, aligned, at most 64 after
     * merging.
     */
    nonMasqueradeCIDRs: string[];
}

export class IpMasqAgent extends pulumi.ComponentResource {
    /** The objects as deployed (plain manifests), in apply order. */
    public readonly manifests: DeployedManifests;
    /** The agent's objects (absent with `enabled: false`). */
    public readonly configMap?: ConfigMap;
    public readonly daemonSet?: DaemonSet;
    /** The clean-up DaemonSet (with `cleanup: true`). */
    public readonly cleanup?: DaemonSet;

    constructor(name: string, args: IpMasqAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:IpMasqAgent", name, {}, opts);
        this.manifests = resolveFor(this, "ip-masq-agent", (problems) =>
            resolveIpMasqAgentArgs(args, problems),
        ).manifests;
        const childOpts = { parent: this, provider: args.provider };

        const { agent, cleanup } = this.manifests;
        if (agent) {
            const { configMap, daemonSet } = agent;
            this.configMap = new ConfigMap(`${name}-config`, configMap, childOpts);
            // The DaemonSet waits for the ConfigMap: a pod started without its config would fall back to "never
            // masquerade RFC 1918" (the projected volume is required, so it would not start at all).
            this.daemonSet = new DaemonSet(`${name}-daemonset`, daemonSet as DaemonSetArgs, {
                ...childOpts,
                dependsOn: [this.configMap],
            });
        }
        if (cleanup) {
            this.cleanup = new DaemonSet(`${name}-cleanup`, cleanup as DaemonSetArgs, childOpts);
        }

        this.registerOutputs({
            configMap: this.configMap?.metadata.name,
            daemonSet: this.daemonSet?.metadata.name,
            cleanup: this.cleanup?.metadata.name,
        });
    }
}

/** What the component deploys: the agent (unless disabled) and the clean-up DaemonSet (when asked for). */
export interface DeployedManifests {
    agent?: AgentManifests;
    cleanup?: DaemonSetManifest;
}

/** What the IpMasqAgent's resolve step gives: its settings with defaults applied, and the manifests to deploy. */
export interface ResolvedIpMasqAgent {
    settings: ResolvedAgentSettings;
    manifests: DeployedManifests;
}

/** The IpMasqAgent's resolve step: every check of its args, collected into `problems`; the manifests to deploy. */
export function resolveIpMasqAgentArgs(
    args: Omit<IpMasqAgentArgs, "provider">,
    problems: ProblemList,
): ResolvedIpMasqAgent | undefined {
    const before = problems.problems.length;
    const settings = resolveAgentSettings(args, problems, "ipMasqAgent", ["provider", "nonMasqueradeCIDRs"]);
    const list = args.nonMasqueradeCIDRs;
    const parsed = Array.isArray(list) ? list.map((text, i) => ({ i, result: parseCidr(text) })) : [];
    if (settings.enabled && (!Array.isArray(list) || list.length === 0)) {
        problems.add(
            "nonMasqueradeCIDRs",
            "is empty or not a list: the agent would then masquerade everything, pod-to-pod traffic included; " +
                "list at least every VNet prefix",
        );
    }
    for (const { i, result } of parsed) {
        if (!result.ok) problems.add(`nonMasqueradeCIDRs[${i}]`, result.reason);
    }
    const valid = parsed.flatMap(({ result }) => (result.ok ? [result.cidr] : []));
    const merged = mergeToCidrs(valid).map((c) => c.text);
    if (merged.length > AGENT_MAX_CIDRS) {
        problems.add(
            "nonMasqueradeCIDRs",
            `holds ${merged.length} CIDRs after merging; ip-masq-agent-v2 exits above ${AGENT_MAX_CIDRS}: ` +
                `merge or drop destinations`,
        );
    }
    if (problems.problems.length !== before) return undefined;
    const manifests = {
        agent: settings.enabled ? agentManifests(settings, merged) : undefined,
        cleanup: settings.cleanup ? cleanupDaemonSetManifest(settings) : undefined,
    };
    return { settings, manifests };
}
