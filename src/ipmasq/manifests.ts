/**
 * The ip-masq-agent-v2 objects as plain Kubernetes manifests. The IpMasqAgent component deploys exactly these
 * objects, the offline plan prints and writes them, and the data-plane lab turns the rendered config into iptables
 * rules, so all three agree by construction.
 */
import { stringify } from "yaml";
import { defaults } from "../defaults";
import { ResolvedAgentSettings } from "./settings";

/** The agent's config file: what it never masquerades, and link-local left alone. */
export interface AgentConfig {
    nonMasqueradeCIDRs: string[];
    masqLinkLocal: boolean;
    masqLinkLocalIPv6: boolean;
}

export interface AgentManifests {
    configMap: ConfigMapManifest;
    daemonSet: DaemonSetManifest;
}

export interface ObjectMeta {
    name: string;
    namespace: string;
    labels: Record<string, string>;
}

export interface ConfigMapManifest {
    apiVersion: "v1";
    kind: "ConfigMap";
    metadata: ObjectMeta;
    data: Record<string, string>;
}

export interface DaemonSetManifest {
    apiVersion: "apps/v1";
    kind: "DaemonSet";
    metadata: ObjectMeta;
    // The spec is typed where it is read (tests validate it against the Kubernetes schema, and read its nested fields
    // directly: a PodSpec type here would make them fail to compile, e.g. on an optional container `command`).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
    spec: Record<string, any>;
}

/** The data key and the file name under /etc/config; the agent only reads files whose name starts with `ip-masq`. */
const CONFIG_FILE = defaults.ipMasqAgent.configFileName;
const CONFIG_MOUNT = "/etc/config";
const XTABLES_LOCK = "/run/xtables.lock";

export function agentConfig(nonMasqueradeCIDRs: readonly string[]): AgentConfig {
    // masqLinkLocal false: 169.254.0.0/16 (IMDS, and 168.63.129.16's neighbours) must keep working from pods.
    return { nonMasqueradeCIDRs: [...nonMasqueradeCIDRs], masqLinkLocal: false, masqLinkLocalIPv6: false };
}

/** The config file as the agent reads it, rendered by a YAML library (never by string templates). */
export function renderAgentConfig(config: AgentConfig): string {
    return stringify(config);
}

export function configMapName(settings: ResolvedAgentSettings): string {
    return `${settings.name}-config`;
}

function labels(settings: ResolvedAgentSettings): Record<string, string> {
    // No addonmanager.kubernetes.io/mode or kubernetes.io/cluster-service: AKS's addon manager prunes such objects.
    return {
        "app.kubernetes.io/name": "ip-masq-agent-v2",
        "app.kubernetes.io/instance": settings.name,
        "app.kubernetes.io/part-of": "aks-pod-subnet",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

function configMapManifest(settings: ResolvedAgentSettings, nonMasqueradeCIDRs: readonly string[]): ConfigMapManifest {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: configMapName(settings), namespace: settings.namespace, labels: labels(settings) },
        data: { [CONFIG_FILE]: renderAgentConfig(agentConfig(nonMasqueradeCIDRs)) },
    };
}

function daemonSetManifest(settings: ResolvedAgentSettings): DaemonSetManifest {
    const selector = { "app.kubernetes.io/name": "ip-masq-agent-v2", "app.kubernetes.io/instance": settings.name };
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: settings.name, namespace: settings.namespace, labels: labels(settings) },
        spec: {
            selector: { matchLabels: selector },
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } },
            template: {
                // No config checksum annotation: the agent re-reads its config every resync, so a CIDR change
                // needs no pod restart.
                metadata: { labels: labels(settings) },
                spec: {
                    hostNetwork: true,
                    priorityClassName: "system-node-critical",
                    automountServiceAccountToken: false,
                    tolerations: [
                        { key: "CriticalAddonsOnly", operator: "Exists" },
                        { operator: "Exists", effect: "NoSchedule" },
                        { operator: "Exists", effect: "NoExecute" },
                    ],
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [
                                    {
                                        matchExpressions: [
                                            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                            // Virtual nodes (ACI) have no host iptables to write.
                                            { key: "type", operator: "NotIn", values: ["virtual-kubelet"] },
                                        ],
                                    },
                                ],
                            },
                        },
                    },
                    containers: [
                        {
                            name: "ip-masq-agent",
                            image: settings.image,
                            imagePullPolicy: "IfNotPresent",
                            args: [
                                `--masq-chain=${settings.chain}`,
                                `--resync-interval=${settings.resyncInterval}`,
                                "--v=2",
                            ],
                            resources: {
                                requests: { cpu: "100m", memory: "50Mi" },
                                limits: { cpu: "500m", memory: "250Mi" },
                            },
                            securityContext: {
                                privileged: false,
                                capabilities: { add: ["NET_ADMIN", "NET_RAW"] },
                            },
                            volumeMounts: [
                                { name: "config", mountPath: CONFIG_MOUNT, readOnly: true },
                                { name: "xtables-lock", mountPath: XTABLES_LOCK, readOnly: false },
                            ],
                        },
                    ],
                    volumes: [
                        {
                            name: "config",
                            projected: {
                                // optional: false — without the file the agent falls back to "never masquerade
                                // RFC 1918", silently disabling the whole design; better a pod that waits.
                                sources: [
                                    {
                                        configMap: {
                                            name: configMapName(settings),
                                            optional: false,
                                            items: [{ key: CONFIG_FILE, path: CONFIG_FILE }],
                                        },
                                    },
                                ],
                                defaultMode: 0o444,
                            },
                        },
                        // Shared with kube-proxy so that the two never write iptables at the same time.
                        { name: "xtables-lock", hostPath: { path: XTABLES_LOCK, type: "FileOrCreate" } },
                    ],
                },
            },
        },
    };
}

/** Both objects, ConfigMap first (the order they must be applied in). */
export function agentManifests(settings: ResolvedAgentSettings, nonMasqueradeCIDRs: readonly string[]): AgentManifests {
    return { configMap: configMapManifest(settings, nonMasqueradeCIDRs), daemonSet: daemonSetManifest(settings) };
}

/**
 * Shell script that removes the agent's rules from a node: every POSTROUTING jump into `chain`, then the chain.
 * Only rules jumping into this agent's own chain are touched (AKS's IP-MASQ-AGENT chain is left alone).
 */
export function cleanupScript(chain: string): string {
    return [
        "set -eu",
        `chain='${chain}'`,
        // `-S` prints rules as they were added; turning -A into -D deletes exactly those rules (eval keeps quoting).
        `iptables -t nat -S POSTROUTING | grep -- "-j $chain\\$" | sed 's/^-A /-D /' | while read -r rule; ` +
            `do eval "iptables -t nat $rule"; done`,
        `if iptables -t nat -S "$chain" >/dev/null 2>&1; then iptables -t nat -F "$chain"; ` +
            `iptables -t nat -X "$chain"; fi`,
        `echo "removed chain $chain and its POSTROUTING jump on $(hostname)"`,
    ].join("\n");
}

/** A temporary DaemonSet that runs `cleanupScript` in every node's host namespaces, then idles. */
export function cleanupDaemonSetManifest(settings: ResolvedAgentSettings): DaemonSetManifest {
    const agent = daemonSetManifest(settings);
    const name = `${settings.name}-cleanup`;
    const podLabels = { ...labels(settings), "app.kubernetes.io/instance": name };
    const pod = agent.spec.template.spec;
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name, namespace: settings.namespace, labels: podLabels },
        spec: {
            selector: {
                matchLabels: { "app.kubernetes.io/name": "ip-masq-agent-v2", "app.kubernetes.io/instance": name },
            },
            updateStrategy: agent.spec.updateStrategy,
            template: {
                metadata: { labels: podLabels },
                spec: {
                    // Same placement as the agent: every Linux node it may have run on.
                    hostNetwork: true,
                    // hostPID lets nsenter reach PID 1, so the script runs the node's own iptables.
                    hostPID: true,
                    priorityClassName: pod.priorityClassName,
                    automountServiceAccountToken: false,
                    tolerations: pod.tolerations,
                    affinity: pod.affinity,
                    containers: [
                        {
                            name: "cleanup",
                            image: settings.cleanupImage,
                            imagePullPolicy: "IfNotPresent",
                            command: [
                                "nsenter",
                                "--target",
                                "1",
                                "--mount",
                                "--net",
                                "--",
                                "sh",
                                "-c",
                                `${cleanupScript(settings.chain)}\nexec sleep infinity`,
                            ],
                            resources: {
                                requests: { cpu: "10m", memory: "16Mi" },
                                limits: { cpu: "100m", memory: "64Mi" },
                            },
                            // Entering the host's namespaces needs a privileged container: a temporary step only.
                            securityContext: { privileged: true },
                        },
                    ],
                },
            },
        },
    };
}
