/**
 * The agent's own settings (image, chain, resync interval, object names): defaults and checks. Address-shaping
 * values (the CIDR list) come from the address plan, not from here.
 */
import { defaults } from "../defaults";
import { ProblemList } from "../errors";
import { describeValue } from "../planner/cidr";

export interface IpMasqAgentSettings {
    /** Agent image, pinned by tag or digest; never `latest`. Default: `mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15`. */
    image?: string;
    /** iptables chain of this agent (`--masq-chain`), ≤ 28 characters. Default: `POD-SUBNET-MASQ`, so it never fights AKS's own `IP-MASQ-AGENT`. */
    chain?: string;
    /** Seconds between re-reads of the config and rewrites of the rules (`--resync-interval`). Default: 60. */
    resyncInterval?: number;
    /** Name of the DaemonSet; the ConfigMap is `<name>-config`. Default: `pod-subnet-ip-masq-agent`. */
    name?: string;
    /** Namespace of both objects. Default: `kube-system`. */
    namespace?: string;
    /** Deploy the agent. Default: true. With false, nothing NATs pod traffic (unless a firewall or appliance does). */
    enabled?: boolean;
    /**
     * Deploy the clean-up DaemonSet `<name>-cleanup`, which removes the agent's chain and POSTROUTING jump from every
     * node (deleting the agent leaves them in place). Only with `enabled: false`. Default: false.
     */
    cleanup?: boolean;
    /** Image of the clean-up DaemonSet: needs `nsenter` and a shell. Default: `mcr.microsoft.com/azurelinux/busybox:1.36`. */
    cleanupImage?: string;
}

export type ResolvedAgentSettings = Required<IpMasqAgentSettings>;

// iptables chain names: at most 28 characters; letters, digits, '-' and '_' keep them shell- and log-friendly.
const CHAIN = /^[A-Za-z][A-Za-z0-9_-]{0,27}$/;
// Kubernetes object names (DNS-1123 subdomain, kept to 63 so derived names stay valid labels).
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// registry/repository[:tag][@sha256:digest]
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const RESERVED_CHAINS = ["IP-MASQ-AGENT", "POSTROUTING", "PREROUTING", "INPUT", "OUTPUT", "FORWARD", "MASQUERADE", "RETURN", "ACCEPT", "DROP"];

/** Applies defaults and checks every setting; problems are added under `keyPrefix` (e.g. `ipMasqAgent`). */
export function resolveAgentSettings(raw: unknown, problems: ProblemList, keyPrefix = "ipMasqAgent"): ResolvedAgentSettings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && raw !== null && given !== raw) {
        problems.add(keyPrefix, `expected an object with image, chain and resyncInterval, got ${describeValue(raw)}`);
    }
    const settings = {
        image: given.image ?? defaults.ipMasqAgent.image,
        chain: given.chain ?? defaults.ipMasqAgent.chain,
        resyncInterval: given.resyncInterval ?? defaults.ipMasqAgent.resyncInterval,
        name: given.name ?? defaults.ipMasqAgent.name,
        namespace: given.namespace ?? defaults.ipMasqAgent.namespace,
        enabled: given.enabled ?? defaults.ipMasqAgent.enabled,
        cleanup: given.cleanup ?? defaults.ipMasqAgent.cleanup,
        cleanupImage: given.cleanupImage ?? defaults.ipMasqAgent.cleanupImage,
    };
    for (const field of ["enabled", "cleanup"] as const) {
        if (typeof settings[field] !== "boolean") problems.add(`${keyPrefix}.${field}`, `expected true or false, got ${describeValue(settings[field])}`);
    }
    if (settings.enabled === true && settings.cleanup === true) {
        problems.add(
            `${keyPrefix}.cleanup`,
            "removes the agent's iptables rules from every node, which the running agent would write again: set enabled to false together with cleanup",
        );
    }
    if (settings.cleanup === true) checkImage(settings.cleanupImage, `${keyPrefix}.cleanupImage`, problems);
    checkImage(settings.image, `${keyPrefix}.image`, problems);
    if (typeof settings.chain !== "string" || !CHAIN.test(settings.chain)) {
        problems.add(`${keyPrefix}.chain`, `${describeValue(settings.chain)} is not a usable iptables chain name: 1–28 letters, digits, '-' or '_', starting with a letter`);
    } else if (RESERVED_CHAINS.includes(settings.chain.toUpperCase())) {
        problems.add(
            `${keyPrefix}.chain`,
            `"${settings.chain}" is a built-in target or AKS's own agent chain; two agents on one chain rewrite each other's rules: pick another, e.g. "${defaults.ipMasqAgent.chain}"`,
        );
    }
    const interval = settings.resyncInterval;
    if (typeof interval !== "number" || !Number.isInteger(interval) || interval < 1 || interval > 3600) {
        problems.add(`${keyPrefix}.resyncInterval`, `expected whole seconds from 1 to 3600, got ${describeValue(interval)}`);
    }
    for (const field of ["name", "namespace"] as const) {
        const value = settings[field];
        // The ConfigMap adds "-config" to the name; keep both within 63 characters.
        const limit = field === "name" ? 56 : 63;
        if (typeof value !== "string" || !OBJECT_NAME.test(value) || value.length > limit) {
            problems.add(`${keyPrefix}.${field}`, `${describeValue(value)} is not a valid Kubernetes name: lowercase letters, digits and '-', at most ${limit} characters`);
        } else if (field === "name" && value.startsWith("azure-ip-masq-agent")) {
            problems.add(`${keyPrefix}.name`, `"${value}" collides with AKS's own azure-ip-masq-agent objects, which AKS reconciles: pick another name`);
        }
    }
    return settings as ResolvedAgentSettings;
}

function checkImage(image: unknown, key: string, problems: ProblemList): void {
    if (typeof image !== "string" || !IMAGE.test(image)) {
        problems.add(key, `${describeValue(image)} is not an image reference such as "${defaults.ipMasqAgent.image}"`);
        return;
    }
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const hasDigest = image.includes("@sha256:");
    const tag = lastSegment.split("@")[0].split(":")[1];
    if (!hasDigest && tag === undefined) {
        problems.add(key, `"${image}" has no tag: pin a release tag or a digest (e.g. "${defaults.ipMasqAgent.image}") so every node runs the same agent`);
    } else if (tag === "latest" && !hasDigest) {
        problems.add(key, `"${image}" uses the moving "latest" tag: pin a release tag or a digest (e.g. "${defaults.ipMasqAgent.image}")`);
    }
}
