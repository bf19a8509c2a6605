/**
 * The agent's own settings (image, chain, resync interval, object names): defaults and checks. Address-shaping
 * values (the CIDR list) come from the address plan, not from here.
 */
import { defaults } from "../defaults";
import { checkKnownFields, describeValue, ProblemList } from "../errors";

export interface IpMasqAgentSettings {
    /**
     * Agent image, pinned by tag or digest; never `latest`. Default: `mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15`.
     */
    image?: string;
    /**
     * iptables chain of this agent (`--masq-chain`), ≤ 28 characters. Default: `POD-SUBNET-MASQ`, so it never fights
     * AKS's own `IP-MASQ-AGENT`.
     */
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
    /**
     * Image of the clean-up DaemonSet: needs `nsenter` and a shell. Default:
     * `mcr.microsoft.com/azurelinux/busybox:1.36`.
     */
    cleanupImage?: string;
}

export type ResolvedAgentSettings = Required<IpMasqAgentSettings>;

// iptables chain names: at most 28 characters (iptables: "chain name `…' too long (must be under 29 chars)");
// letters, digits, '-' and '_' keep them shell- and log-friendly (iptables itself refuses only a leading '-' or '!'
// and whitespace).
const CHAIN = /^[A-Za-z][A-Za-z0-9_-]{0,27}$/;
// Kubernetes object names (DNS-1123 subdomain, kept to 63 so derived names stay valid labels).
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// registry/repository[:tag][@sha256:digest]
const IMAGE = new RegExp(
    String.raw`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*` +
        String.raw`(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`,
);

/*
 * Chain names the agent cannot use. Every comparison is exact: iptables chain and target names are case-sensitive
 * (`iptables -t nat -N snat` works, `-N SNAT` does not), and so are the owners' chain names below.
 *
 * The agent creates its chain with `iptables -t nat -N <chain>` (k8s.io/kubernetes pkg/util/iptables EnsureChain,
 * called from ip-masq-agent.go syncMasqRules): exit status 1 ("Chain already exists") means "adopt it", anything
 * else is an error on which the agent exits, and its restore then starts with `:<chain> - [0:0]`, which flushes the
 * chain at every resync.
 */

/**
 * iptables' standard verdicts. `-N` looks the name up as a target first (iptables 1.8.9 iptables/xshared.c
 * parse_chain → libxtables xtables_find_target(name, XTF_TRY_LOAD), which maps "", ACCEPT, DROP, QUEUE and RETURN
 * to the target "standard"; "standard" itself is the target of libxt_standard.so) and refuses a match with "chain
 * name may not clash with target name", exit status 2.
 */
export const IPTABLES_STANDARD_TARGETS: readonly string[] = ["ACCEPT", "DROP", "QUEUE", "RETURN", "standard"];

/**
 * iptables' target extensions for IPv4, refused by `-N` the same way. Source: the extensions Debian 12's `iptables`
 * 1.8.9 package ships (Debian 12 is also the base of the agent image's registry.k8s.io/build-image/distroless-iptables
 * v0.6.3, whose iptables comes from that package): the upper-case names of /usr/lib/x86_64-linux-gnu/xtables/libxt_*.so
 * and libipt_*.so (lower-case ones are matches). libxt_NAT.so is left out: it only holds SNAT, DNAT, MASQUERADE and
 * REDIRECT (symlinked under those names), and `-N NAT` is accepted. IPv6-only targets (libip6t_: DNPT, HL, SNPT) are
 * accepted by iptables and would matter only with --enable-ipv6, which this project never passes.
 * test/slow/lab-rules.test.ts creates every name of this list with the real iptables (nft and legacy) in a throwaway
 * network namespace and requires each to be refused.
 */
export const IPTABLES_TARGET_EXTENSIONS: readonly string[] = [
    "AUDIT",
    "CHECKSUM",
    "CLASSIFY",
    "CLUSTERIP",
    "CONNMARK",
    "CONNSECMARK",
    "CT",
    "DNAT",
    "DSCP",
    "ECN",
    "HMARK",
    "IDLETIMER",
    "LED",
    "LOG",
    "MARK",
    "MASQUERADE",
    "NETMAP",
    "NFLOG",
    "NFQUEUE",
    "NOTRACK",
    "RATEEST",
    "REDIRECT",
    "REJECT",
    "SECMARK",
    "SET",
    "SNAT",
    "SYNPROXY",
    "TCPMSS",
    "TCPOPTSTRIP",
    "TEE",
    "TOS",
    "TPROXY",
    "TRACE",
    "TTL",
    "ULOG",
];

/**
 * Built-in chains of the nat table. `-N` exits 1 ("Chain already exists"), so the agent adopts the chain, and then
 * its POSTROUTING jump into a built-in chain is refused: the agent exits (checked with iptables 1.8.9, nft and legacy).
 */
export const NAT_BUILT_IN_CHAINS: readonly string[] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"];

/**
 * Built-in chains of the other tables only (filter, mangle, security): a nat chain of that name works, but reads as the
 * built-in one.
 */
const OTHER_BUILT_IN_CHAINS: readonly string[] = ["FORWARD"];

/** Chains another component writes on an AKS node: the agent would adopt them and flush them at every resync. */
export interface OwnedChains {
    /** Who writes them, as the message names it ("kube-proxy"). */
    owner: string;
    /** Exact chain names. */
    names?: readonly string[];
    /** Every chain whose name starts with this (the owner's naming scheme). */
    prefix?: string;
}

export const OWNED_CHAINS: readonly OwnedChains[] = [
    // ip-masq-agent's default --masq-chain (Azure/ip-masq-agent-v2 cmd/ip-masq-agent-v2/ip-masq-agent.go line 53,
    // masqChainFlag), which AKS's own azure-ip-masq-agent runs with.
    { owner: "the AKS-managed ip-masq-agent", names: ["IP-MASQ-AGENT"] },
    // kubernetes/kubernetes pkg/proxy/iptables/proxier.go (KUBE-SERVICES, KUBE-POSTROUTING, KUBE-MARK-MASQ,
    // KUBE-NODEPORTS, KUBE-SVC-…, KUBE-SEP-…) and pkg/kubelet/kubelet_network_linux.go (KUBE-FIREWALL,
    // KUBE-KUBELET-CANARY): every chain of kube-proxy and the kubelet starts with KUBE-.
    { owner: "kube-proxy", prefix: "KUBE-" },
    // Azure/azure-container-networking: SWIFT (nat; cni/network/invoker_cns.go, SNAT to Azure DNS and IMDS in
    // pod-subnet mode) and AZURECNIINPUT / AZURECNIOUTPUT (filter; network/snat/snat_linux.go), all three named in
    // iptables/iptables.go; SWIFT-POSTROUTING (nat; CNS, cns/restserver/internalapi_linux.go).
    { owner: "Azure CNI", names: ["SWIFT", "SWIFT-POSTROUTING", "AZURECNIINPUT", "AZURECNIOUTPUT"] },
    // Azure/azure-container-networking npm/util/const.go: AZURE-NPM, AZURE-NPM-ACCEPT, AZURE-NPM-INGRESS-…, ….
    { owner: "Azure NPM", prefix: "AZURE-NPM" },
    // projectcalico/calico felix/rules/rule_defs.go: ChainNamePrefix = "cali-".
    { owner: "Calico", prefix: "cali-" },
    // moby/moby libnetwork (drivers/bridge/setup_ip_tables.go, resolver_unix.go): DOCKER, DOCKER-USER,
    // DOCKER-ISOLATION-STAGE-1/2, DOCKER-INGRESS, DOCKER_OUTPUT, DOCKER_POSTROUTING.
    { owner: "Docker", prefix: "DOCKER" },
];

/** Why `chain` cannot be the agent's chain, or undefined when it can (the name's syntax is checked separately). */
export function chainConflict(chain: string): string | undefined {
    const fix = `pick another, e.g. "${defaults.ipMasqAgent.chain}"`;
    if (IPTABLES_STANDARD_TARGETS.includes(chain) || IPTABLES_TARGET_EXTENSIONS.includes(chain)) {
        return (
            `"${chain}" is an iptables target, and iptables refuses a chain of that name ` +
            `("chain name may not clash with target name"), so the agent would crash-loop on every node: ${fix}`
        );
    }
    if (NAT_BUILT_IN_CHAINS.includes(chain)) {
        return (
            `"${chain}" is a built-in chain of the nat table: the agent would adopt it, ` +
            `fail to add its POSTROUTING jump into it and crash-loop on every node: ${fix}`
        );
    }
    if (OTHER_BUILT_IN_CHAINS.includes(chain)) {
        return (
            `"${chain}" is a built-in chain of the filter and mangle tables; ` +
            `a nat chain of that name would pass for the built-in one in every listing: ${fix}`
        );
    }
    for (const owned of OWNED_CHAINS) {
        if (owned.names?.includes(chain) || (owned.prefix !== undefined && chain.startsWith(owned.prefix))) {
            const scheme = owned.prefix !== undefined ? ` (its chains start with "${owned.prefix}")` : "";
            return (
                `"${chain}" belongs to ${owned.owner}${scheme}; this agent adopts an existing chain, ` +
                `so it would flush ${owned.owner}'s rules at every resync: ${fix}`
            );
        }
    }
    return undefined;
}

/** Every field of the settings: a record keyed by the interface's, so the compiler keeps the two in step. */
const AGENT_FIELDS: Record<keyof IpMasqAgentSettings, true> = {
    image: true,
    chain: true,
    resyncInterval: true,
    name: true,
    namespace: true,
    enabled: true,
    cleanup: true,
    cleanupImage: true,
};

/**
 * Applies defaults and checks every setting, unknown fields included (`otherFields` are the ones the caller reads
 * itself); problems are added under `keyPrefix` (e.g. `ipMasqAgent`).
 */
export function resolveAgentSettings(
    raw: unknown,
    problems: ProblemList,
    keyPrefix = "ipMasqAgent",
    otherFields: readonly string[] = [],
): ResolvedAgentSettings {
    const known = { ...AGENT_FIELDS, ...Object.fromEntries(otherFields.map((field) => [field, true as const])) };
    checkKnownFields(raw, known, keyPrefix, "ipMasqAgent", problems);
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<
        string,
        unknown
    >;
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
        if (typeof settings[field] !== "boolean")
            problems.add(`${keyPrefix}.${field}`, `expected true or false, got ${describeValue(settings[field])}`);
    }
    if (settings.enabled === true && settings.cleanup === true) {
        problems.add(
            `${keyPrefix}.cleanup`,
            "removes the agent's iptables rules from every node, which the running agent would write again: " +
                "set enabled to false together with cleanup",
        );
    }
    if (settings.cleanup === true) checkImage(settings.cleanupImage, `${keyPrefix}.cleanupImage`, problems);
    checkImage(settings.image, `${keyPrefix}.image`, problems);
    if (typeof settings.chain !== "string" || !CHAIN.test(settings.chain)) {
        problems.add(
            `${keyPrefix}.chain`,
            `${describeValue(settings.chain)} is not a usable iptables chain name: ` +
                `1–28 letters, digits, '-' or '_', starting with a letter`,
        );
    } else {
        const conflict = chainConflict(settings.chain);
        if (conflict !== undefined) problems.add(`${keyPrefix}.chain`, conflict);
    }
    const interval = settings.resyncInterval;
    if (typeof interval !== "number" || !Number.isInteger(interval) || interval < 1 || interval > 3600) {
        problems.add(
            `${keyPrefix}.resyncInterval`,
            `expected whole seconds from 1 to 3600, got ${describeValue(interval)}`,
        );
    }
    for (const field of ["name", "namespace"] as const) {
        const value = settings[field];
        // The ConfigMap adds "-config" to the name; keep both within 63 characters.
        const limit = field === "name" ? 56 : 63;
        if (typeof value !== "string" || !OBJECT_NAME.test(value) || value.length > limit) {
            problems.add(
                `${keyPrefix}.${field}`,
                `${describeValue(value)} is not a valid Kubernetes name: ` +
                    `lowercase letters, digits and '-', at most ${limit} characters`,
            );
        } else if (field === "name" && value.startsWith("azure-ip-masq-agent")) {
            problems.add(
                `${keyPrefix}.name`,
                `"${value}" collides with AKS's own azure-ip-masq-agent objects, which AKS reconciles: ` +
                    `pick another name`,
            );
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
        problems.add(
            key,
            `"${image}" has no tag: pin a release tag or a digest (e.g. "${defaults.ipMasqAgent.image}") ` +
                `so every node runs the same agent`,
        );
    } else if (tag === "latest" && !hasDigest) {
        problems.add(
            key,
            `"${image}" uses the moving "latest" tag: ` +
                `pin a release tag or a digest (e.g. "${defaults.ipMasqAgent.image}")`,
        );
    }
}
