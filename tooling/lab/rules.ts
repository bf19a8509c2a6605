/**
 * Pure part of the data-plane lab: from the Kubernetes objects the program deploys (the agent's ConfigMap and
 * DaemonSet) to the exact iptables rules ip-masq-agent-v2 writes on a node.
 *
 * Mirrors Azure/ip-masq-agent-v2 cmd/ip-masq-agent-v2/ip-masq-agent.go at tag v0.1.15 (commit 1340324f; HEAD
 * 45758a6f differs only in go.mod, go.sum and the Makefile):
 *  - config (syncConfig, lines 193–249): every file in /etc/config whose name starts with "ip-masq", YAML or JSON →
 *    {nonMasqueradeCIDRs, masqLinkLocal, masqLinkLocalIPv6}; each file validated (≤ 64 CIDRs, aligned, no IPv6
 *    without --enable-ipv6; anything invalid makes the agent exit); files merged (union of CIDRs through a Go map,
 *    OR of booleans); no such file → the built-in default "never masquerade 10/8, 172.16/12, 192.168/16".
 *  - rules (syncMasqRules, lines 317–357), nat table, through k8s.io/kubernetes pkg/util/iptables:
 *     1. EnsureChain: `iptables -N <chain> -t nat` (exit status 1, "Chain already exists", adopts the chain);
 *     2. EnsureRule (ensurePostroutingJump, lines 412–420): `iptables -C POSTROUTING -t nat <args>` and, when that
 *        finds nothing, `iptables -A POSTROUTING -t nat <args>`, each one exec'd with <args> as separate argv
 *        elements, no shell:
 *            -m comment --comment <postroutingJumpComment()> -m addrtype ! --dst-type LOCAL -j <chain>
 *        where postroutingJumpComment() is fmt.Sprintf of the Go raw string (line 406)
 *            `"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom %s chain"`
 *        so the comment the kernel stores begins and ends with a literal double quote;
 *     3. RestoreAll with --noflush of lines joined by spaces (writeRule/writeLine, lines 446–454):
 *            *nat
 *            :<chain> - [0:0]                       (MakeChainLine: flushes the chain atomically)
 *            -A <chain> <nonMasqRuleComment> -d <cidr> -j RETURN
 *            -A <chain> <masqRuleComment> -j MASQUERADE
 *            COMMIT
 *        a RETURN for 169.254.0.0/16 unless masqLinkLocal, then one per IPv4 CIDR, MASQUERADE last. These comments
 *        are constants that include `-m comment --comment "…"` (lines 432 and 438; NON_MASQ_RULE_COMMENT and
 *        MASQ_RULE_COMMENT below); iptables-restore strips the quotes, so these comments are stored without them.
 * The lab writes the jump in the same restore (a fresh namespace has no jump yet, so "ensure" is "append"), quoted
 * for iptables-restore so that the kernel stores exactly the argv the agent passes: the agent's own `-C` finds it
 * (test/slow/lab-rules.test.ts checks this, and the whole table, against a replay of the agent's commands).
 */
import { parse } from "yaml";
import { parseCidr } from "../../src/planner/cidr";

export const DEFAULT_CHAIN = "IP-MASQ-AGENT";
export const LINK_LOCAL_CIDR = "169.254.0.0/16";
export const CONFIG_DIR = "/etc/config";
export const CONFIG_FILE_PREFIX = "ip-masq";
export const MAX_CIDRS_PER_FILE = 64;
/** The agent's fallback when no config file is found (without --nomasq-all-reserved-ranges). */
export const NO_CONFIG_DEFAULT_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * ip-masq-agent.go line 406, `postRoutingMasqChainCommentFormat`: a Go raw string, the double quotes are part of it.
 */
export const POSTROUTING_COMMENT_FORMAT =
    '"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom %s chain"';
/** ip-masq-agent.go line 432, `nonMasqRuleComment`: written into the restore text as is. */
export const NON_MASQ_RULE_COMMENT = '-m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE"';
/** ip-masq-agent.go line 438, `masqRuleComment`: written into the restore text as is. */
export const MASQ_RULE_COMMENT =
    '-m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)"';

/** `postroutingJumpComment()`: the comment argument, quote characters included. */
export function postroutingJumpComment(chain: string): string {
    return POSTROUTING_COMMENT_FORMAT.replace("%s", chain);
}

/**
 * The arguments of the agent's EnsureRule for the POSTROUTING jump (after `POSTROUTING -t nat`),
 * one argv element each.
 */
export function postroutingJumpArgs(chain: string): string[] {
    checkChain(chain);
    return [
        "-m",
        "comment",
        "--comment",
        postroutingJumpComment(chain),
        "-m",
        "addrtype",
        "!",
        "--dst-type",
        "LOCAL",
        "-j",
        chain,
    ];
}

/**
 * The `iptables` argv of the agent's rule check (EnsureRule → checkRuleUsingCheck): the wait flags k8s.io/kubernetes
 * pkg/util/iptables passes to iptables ≥ 1.6.1 (`-w 5 -W 100000`), `-C`, then makeFullArgs: chain, `-t nat`, args.
 */
export function agentJumpCheckArgv(chain: string): string[] {
    return ["-w", "5", "-W", "100000", "-C", "POSTROUTING", "-t", "nat", ...postroutingJumpArgs(chain)];
}

/**
 * One argv element as iptables-restore text, so that the restore parser (iptables 1.8 xshared.c add_param_to_argv:
 * inside double quotes a backslash takes the next character literally) hands iptables exactly this element. Plain
 * words stay bare, as the agent writes them.
 */
export function restoreWord(arg: string): string {
    if (arg !== "" && !/[\s"'\\]/.test(arg)) return arg;
    return `"${arg.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The agent's MasqConfig. */
export interface MasqConfig {
    nonMasqueradeCIDRs: string[];
    masqLinkLocal: boolean;
    masqLinkLocalIPv6: boolean;
}

/** A file the agent would find in /etc/config. */
export interface ConfigFile {
    name: string;
    text: string;
}

/** The agent's effective configuration, and where it came from. */
export interface EffectiveConfig {
    config: MasqConfig;
    /** Files that were read (names starting with "ip-masq"). */
    files: string[];
    /** True when no file was found and the agent uses its RFC 1918 default. */
    usedDefault: boolean;
}

export class AgentConfigError extends Error {}

/**
 * The POSTROUTING jump as an iptables-restore rule: the agent's EnsureRule argv,
 * each element quoted for the restore parser.
 */
export function postroutingJumpLine(chain: string): string {
    return ["-A", "POSTROUTING", ...postroutingJumpArgs(chain).map(restoreWord)].join(" ");
}

/**
 * The agent's own restore input (step 3 above): the chain line, RETURNs (link-local unless masqLinkLocal, then every
 * IPv4 nonMasqueradeCIDR in order) and MASQUERADE last, joined exactly as writeRule/writeLine join them.
 */
export function renderAgentChain(config: MasqConfig, chain: string): string {
    checkChain(chain);
    const lines = ["*nat", `:${chain} - [0:0]`];
    const nonMasq = (cidr: string) =>
        lines.push(["-A", chain, NON_MASQ_RULE_COMMENT, "-d", cidr, "-j", "RETURN"].join(" "));
    if (!config.masqLinkLocal) nonMasq(LINK_LOCAL_CIDR);
    // IPv6 CIDRs go to ip6tables (only with --enable-ipv6); the IPv4 table skips them, as the agent does.
    for (const cidr of config.nonMasqueradeCIDRs) if (!cidr.includes(":")) nonMasq(cidr);
    lines.push(["-A", chain, MASQ_RULE_COMMENT, "-j", "MASQUERADE"].join(" "), "COMMIT");
    return lines.join("\n") + "\n";
}

/**
 * The iptables-restore input (nat table, for `iptables-restore --noflush`) that leaves a fresh node's nat table
 * byte for byte as the agent leaves it: the agent's restore (renderAgentChain) with the POSTROUTING jump of steps 1–2
 * added after the chain line.
 */
export function renderAgentRules(config: MasqConfig, chain: string): string {
    const lines = renderAgentChain(config, chain).split("\n");
    lines.splice(2, 0, postroutingJumpLine(chain));
    return lines.join("\n");
}

function checkChain(chain: string): void {
    // iptables chain names: at most 28 characters, no whitespace or quotes (they would break the restore text).
    if (!/^[A-Za-z0-9_.-]{1,28}$/.test(chain)) {
        throw new AgentConfigError(
            `"${chain}" is not a usable iptables chain name (1–28 characters: letters, digits, '-', '_', '.')`,
        );
    }
}

/**
 * One config file as the agent parses and validates it (YAML → JSON → Go struct: unknown keys ignored, keys
 * matched case-insensitively, null means "not set"). Throws AgentConfigError where the agent would exit.
 */
export function parseAgentConfigFile(name: string, text: string): MasqConfig {
    let document: unknown;
    try {
        document = parse(text);
    } catch (error) {
        throw new AgentConfigError(
            `config file "${name}" is not valid YAML (the agent would exit): ${(error as Error).message}`,
        );
    }
    const config: MasqConfig = { nonMasqueradeCIDRs: [], masqLinkLocal: false, masqLinkLocalIPv6: false };
    if (document === null || document === undefined) return config;
    if (typeof document !== "object" || Array.isArray(document)) {
        throw new AgentConfigError(`config file "${name}" is not an object (the agent would exit)`);
    }
    const field = (wanted: string): unknown => {
        const entries = Object.entries(document as Record<string, unknown>);
        const exact = entries.find(([key]) => key === wanted);
        return (exact ?? entries.find(([key]) => key.toLowerCase() === wanted.toLowerCase()))?.[1];
    };
    const cidrs = field("nonMasqueradeCIDRs");
    if (cidrs !== undefined && cidrs !== null) {
        if (!Array.isArray(cidrs) || cidrs.some((cidr) => typeof cidr !== "string")) {
            throw new AgentConfigError(
                `config file "${name}": nonMasqueradeCIDRs must be a list of strings (the agent would exit)`,
            );
        }
        config.nonMasqueradeCIDRs = [...(cidrs as string[])];
    }
    for (const key of ["masqLinkLocal", "masqLinkLocalIPv6"] as const) {
        const value = field(key);
        if (value === undefined || value === null) continue;
        if (typeof value !== "boolean")
            throw new AgentConfigError(`config file "${name}": ${key} must be true or false (the agent would exit)`);
        config[key] = value;
    }
    if (config.nonMasqueradeCIDRs.length > MAX_CIDRS_PER_FILE) {
        throw new AgentConfigError(
            `config file "${name}" has ${config.nonMasqueradeCIDRs.length} CIDRs; ` +
                `the agent accepts at most ${MAX_CIDRS_PER_FILE} per file and would exit`,
        );
    }
    for (const cidr of config.nonMasqueradeCIDRs) {
        const parsed = parseCidr(cidr);
        if (!parsed.ok) throw new AgentConfigError(`config file "${name}": ${parsed.reason}`);
    }
    return config;
}

/** What the agent runs with, given the files in /etc/config (only names starting with "ip-masq" count). */
export function effectiveAgentConfig(files: readonly ConfigFile[]): EffectiveConfig {
    const read = files.filter((file) => file.name.startsWith(CONFIG_FILE_PREFIX));
    if (read.length === 0) {
        return {
            config: {
                nonMasqueradeCIDRs: [...NO_CONFIG_DEFAULT_CIDRS],
                masqLinkLocal: false,
                masqLinkLocalIPv6: false,
            },
            files: [],
            usedDefault: true,
        };
    }
    const merged: MasqConfig = { nonMasqueradeCIDRs: [], masqLinkLocal: false, masqLinkLocalIPv6: false };
    for (const file of read) {
        const config = parseAgentConfigFile(file.name, file.text);
        // The agent's union goes through a Go map (random order); first-seen order here. Order does not matter:
        // every entry is a RETURN.
        for (const cidr of config.nonMasqueradeCIDRs)
            if (!merged.nonMasqueradeCIDRs.includes(cidr)) merged.nonMasqueradeCIDRs.push(cidr);
        merged.masqLinkLocal ||= config.masqLinkLocal;
        merged.masqLinkLocalIPv6 ||= config.masqLinkLocalIPv6;
    }
    return { config: merged, files: read.map((file) => file.name), usedDefault: false };
}

/** `--masq-chain` from container args as Go's flag package reads them (last one wins), else the default. */
export function masqChainOf(args: readonly string[]): string {
    let chain = DEFAULT_CHAIN;
    for (let i = 0; i < args.length; i++) {
        const match = /^--?masq-chain(?:=(.*))?$/.exec(args[i]);
        if (!match) continue;
        if (match[1] !== undefined) chain = match[1];
        else if (i + 1 < args.length) chain = args[++i];
    }
    return chain;
}

/**
 * A Kubernetes object as the program registers it (the recorded resource inputs), typed by the fields read here. The
 * inputs are not checked against it: every field is optional and read defensively.
 */
export interface Manifest {
    metadata?: { name?: string };
    spec?: { template?: { spec?: PodSpec } };
    data?: Record<string, string>;
}

interface PodSpec {
    containers?: Container[];
    volumes?: Volume[];
}

interface Container {
    image?: string;
    args?: string[];
    volumeMounts?: { name: string; mountPath: string }[];
}

interface Volume {
    name: string;
    projected?: { sources?: { configMap?: ConfigMapSource }[] };
    configMap?: ConfigMapSource;
}

interface ConfigMapSource {
    name: string;
    items?: { key: string; path: string }[];
}

/** The agent as deployed: its chain and the files it finds in /etc/config. */
export interface DeployedAgent {
    daemonSetName: string;
    configMapName: string;
    chain: string;
    files: ConfigFile[];
}

/**
 * Follows the DaemonSet's /etc/config mount to its ConfigMap and returns the files the agent would see there
 * (projected items map a data key to a file path; without items every key becomes a file).
 */
export function deployedAgent(daemonSetInputs: object, configMapInputs: readonly object[]): DeployedAgent {
    const daemonSet = daemonSetInputs as Manifest;
    const configMaps = configMapInputs as readonly Manifest[];
    const podSpec: PodSpec = daemonSet?.spec?.template?.spec ?? {};
    const containers: Container[] = podSpec.containers ?? [];
    const container =
        containers.find(
            (c) =>
                /ip-masq-agent/.test(String(c.image ?? "")) || (c.args ?? []).some((a: string) => /masq-chain/.test(a)),
        ) ?? containers[0];
    if (!container) throw new AgentConfigError(`DaemonSet ${daemonSet?.metadata?.name} has no container`);
    const mount = (container.volumeMounts ?? []).find((m) => String(m.mountPath).replace(/\/+$/, "") === CONFIG_DIR);
    if (!mount)
        throw new AgentConfigError(
            `the agent container mounts nothing at ${CONFIG_DIR}: the agent would exit (config directory missing)`,
        );
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume)
        throw new AgentConfigError(`volume "${mount.name}" mounted at ${CONFIG_DIR} is not declared in the pod`);
    const sources: ConfigMapSource[] = volume.projected
        ? (volume.projected.sources ?? []).map((s) => s.configMap).filter((s): s is ConfigMapSource => Boolean(s))
        : volume.configMap
          ? [volume.configMap]
          : [];
    if (sources.length === 0) throw new AgentConfigError(`volume "${mount.name}" holds no ConfigMap`);
    const files: ConfigFile[] = [];
    let configMapName = "";
    for (const source of sources) {
        const configMap = configMaps.find((cm) => cm?.metadata?.name === source.name);
        if (!configMap)
            throw new AgentConfigError(`ConfigMap "${source.name}" referenced by the agent is not deployed`);
        configMapName ||= source.name;
        const data: Record<string, string> = configMap.data ?? {};
        const items: { key: string; path: string }[] =
            source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        for (const item of items) {
            if (!(item.key in data))
                throw new AgentConfigError(
                    `ConfigMap "${source.name}" has no key "${item.key}" (the pod would not start)`,
                );
            if (item.path.includes("/")) {
                // The agent lists /etc/config only; a nested file is never read (or, under an "ip-masq*" folder,
                // fails).
                throw new AgentConfigError(
                    `config item path "${item.path}" is nested below ${CONFIG_DIR}; ` +
                        "the agent reads only top-level files",
                );
            }
            files.push({ name: item.path, text: data[item.key] });
        }
    }
    return {
        daemonSetName: daemonSet?.metadata?.name ?? "",
        configMapName,
        chain: masqChainOf(container.args ?? []),
        files,
    };
}
