/**
 * The data-plane lab: proves with real TCP connections between Linux network namespaces that the NAT rules
 * ip-masq-agent-v2 writes from this stack's ConfigMap do what the design says.
 *
 *   npm run lab                              stack dev (Pulumi.dev.yaml)
 *   npm run lab -- --stack prod              any stack settings file next to Pulumi.yaml
 *   npm run lab -- --config my-stack.yaml    any stack settings file (relative to where npm was started: INIT_CWD)
 *
 * Flows (lab/flows.ts; expected source as the destination sees it), at most one per range and at most 16:
 *   - pods of every pod subnet → the VNet host                 the pod IP (inside nonMasqueradeCIDRs: no NAT)
 *   - → a host in every connected range                        the node IP, and the reply comes back
 *   - → a host in every extraNonMasqueradeCidrs range          the pod IP
 *   - → a host in every hub prefix (the hub routes back)       the pod IP if the prefix is inside nonMasqueradeCIDRs,
 *                                                              else the node IP
 *   - once, the agent's rules removed → the first connected host: no reply (on-prem has no route to the pods)
 *
 * Needs root, iproute2 and iptables (Debian: `apt-get install -y iptables iproute2`): without them the lab fails
 * with the reason, counting every flow as failed, unless `--skip-unprivileged` (then they count as skipped, exit 0).
 * Only namespaces it creates are touched; they are removed on success, failure, SIGINT/SIGTERM/SIGHUP and when the
 * watchdog fires. Ends with `lab: N passed, N failed[, N skipped]`; exits non-zero when any flow fails.
 */
import * as fs from "fs";
import * as path from "path";
import { readConfigFile } from "../../program/stackFile";
import { runProgram } from "../../src/plan/runProgram";
import { CHECK_DATE_VARIABLE, KUBERNETES_CALENDAR } from "../../src/aks/kubernetesVersions";
import { LabAddresses, LabPlanInput, labAddresses } from "./addresses";
import { FlowOutcome, FlowPlan, MAX_FLOWS, PlannedFlow, finalLine, planFlows } from "./flows";
import { Lab, hasCommand, rootLinks, sweepStale } from "./netns";
import { Fault, LabOptions, labCwd, parseLabArgs, privilegeProblem } from "./options";
import { cleanupScript } from "../../src/ipmasq/manifests";
import { UsageError } from "../../src/plan/cli";
import { agentJumpCheckArgv, deployedAgent, effectiveAgentConfig, renderAgentRules } from "./rules";
import { connect, startServer } from "./tcp";

const PROJECT_DIR = path.join(__dirname, "..", "..");
const CONNECT_TIMEOUT_MS = 3000;
/** Flows running at once (each is a server and a client process). */
const CONCURRENCY = 4;
const REQUIRED_COMMANDS = ["ip", "iptables", "iptables-restore", "iptables-save", "sysctl"];

interface FlowResult {
    n: number;
    flow: string;
    destination: string;
    expected: string;
    observed: string;
    result: FlowOutcome;
}

const out = (line = "") => console.log(line);

function table(results: readonly FlowResult[]): string {
    const header = {
        n: "#",
        flow: "flow",
        destination: "destination",
        expected: "expected source",
        observed: "observed source",
        result: "result",
    };
    const rows = [header, ...results.map((r) => ({ ...r, n: String(r.n) }))];
    const keys = Object.keys(header) as (keyof typeof header)[];
    const width = Object.fromEntries(keys.map((k) => [k, Math.max(...rows.map((row) => String(row[k]).length))]));
    const line = (row: Record<string, unknown>) =>
        keys
            .map((k) => String(row[k]).padEnd(width[k]))
            .join(" | ")
            .trimEnd();
    return [line(header), keys.map((k) => "-".repeat(width[k])).join("-|-"), ...rows.slice(1).map(line)].join("\n");
}

/** A flow's row before it runs (or when it cannot). */
function row(f: PlannedFlow, observed: string, result: FlowOutcome): FlowResult {
    const expected =
        f.expect === "no-reply" ? `no reply (${f.expectedSource} unroutable)` : `${f.expectedSource} (${f.expect} IP)`;
    return { n: f.n, flow: f.label, destination: f.host ? `${f.host}:${f.port}` : "-", expected, observed, result };
}

/** IpExt InNoRoutes of a namespace: packets it had to drop because no route led to their destination. */
async function inNoRoutes(lab: Lab, ns: string): Promise<number> {
    const lines = (await lab.exec(ns, "cat", ["/proc/net/netstat"]))
        .split("\n")
        .filter((line) => line.startsWith("IpExt:"));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const index = names.indexOf("InNoRoutes");
    return index > 0 ? Number(values[index]) : NaN;
}

interface Namespaces {
    node: string;
    lan: string;
    vnet: string;
    gw: string;
    /** By index of LabAddresses.pods (only the pods the flows use). */
    pods: Map<number, string>;
    /** By index of LabAddresses.destinations (only the hosts the flows use). */
    hosts: Map<number, string>;
}

/** The lab topology (see addresses.ts), for the pods and hosts the flows use. */
async function build(lab: Lab, a: LabAddresses, plan: FlowPlan): Promise<Namespaces> {
    const forward = { "net.ipv4.ip_forward": 1 };
    const ns: Namespaces = {
        node: await lab.addNamespace("node", forward),
        lan: await lab.addNamespace("lan"),
        vnet: await lab.addNamespace("vnet"),
        gw: await lab.addNamespace("gw", forward),
        pods: new Map(),
        hosts: new Map(),
    };
    for (const i of plan.pods) ns.pods.set(i, await lab.addNamespace(`pod${i}`));
    for (const j of plan.destinations) ns.hosts.set(j, await lab.addNamespace(`${a.destinations[j].kind}${j}`));
    const prefix = a.nodeSubnetPrefix;

    // The node subnet: a bridge joining node, VNet host and gateway.
    await lab.ip(ns.lan, ["link", "add", "br0", "type", "bridge"]);
    await lab.ip(ns.lan, ["link", "set", "br0", "up"]);
    for (const [peer, port] of [
        [ns.node, "node"],
        [ns.vnet, "vnet"],
        [ns.gw, "gw"],
    ] as const) {
        await lab.link(peer, "lan0", ns.lan, port);
        await lab.ip(ns.lan, ["link", "set", port, "master", "br0"]);
    }

    // Each pod ⇄ node on a /30 slice of its pod subnet; the pod's default route is the node.
    for (const [i, podNs] of ns.pods) {
        const pod = a.pods[i];
        await lab.link(podNs, "eth0", ns.node, `pod${i}`);
        await lab.ip(podNs, ["addr", "add", `${pod.address}/30`, "dev", "eth0"]);
        await lab.ip(podNs, ["route", "add", "default", "via", pod.nodeSide]);
        await lab.ip(ns.node, ["addr", "add", `${pod.nodeSide}/30`, "dev", `pod${i}`]);
    }

    // Node: node-subnet address; everything outside the VNet leaves through the gateway.
    await lab.ip(ns.node, ["addr", "add", `${a.node}/${prefix}`, "dev", "lan0"]);
    await lab.ip(ns.node, ["route", "add", "default", "via", a.gateway]);

    // VNet host: the VNet routes pod IPs to their node (Azure's SDN does this for pod subnets).
    await lab.ip(ns.vnet, ["addr", "add", `${a.vnetHost}/${prefix}`, "dev", "lan0"]);
    for (const subnet of a.podSubnets) await lab.ip(ns.vnet, ["route", "add", subnet, "via", a.node]);

    // Gateway (the VNet's router towards on-prem, the hub and the extra destinations): knows the node subnet
    // (connected); in its main table NO route to the pod range and no default route. Table 100 routes the pod
    // ranges to the node, and only traffic from hosts that route back to pod IPs (extra, hub) looks it up.
    await lab.ip(ns.gw, ["addr", "add", `${a.gateway}/${prefix}`, "dev", "lan0"]);
    for (const subnet of a.podSubnets)
        await lab.ip(ns.gw, ["route", "add", subnet, "via", a.node, "dev", "lan0", "table", "100"]);
    const pointToPoint = (inside: string, dev: string, local: string, peer: string) =>
        lab.ip(inside, ["addr", "add", `${local}/32`, "peer", `${peer}/32`, "dev", dev]);
    for (const [j, hostNs] of ns.hosts) {
        const d = a.destinations[j];
        const dev = `d${j}`;
        await lab.link(ns.gw, dev, hostNs, "eth0");
        await pointToPoint(ns.gw, dev, a.gateway, d.address!);
        await pointToPoint(hostNs, "eth0", d.address!, a.gateway);
        if (d.kind === "hub") {
            // The hub learns the VNet's address space, pod ranges included, from the peering.
            for (const range of a.vnetAddressSpace) await lab.ip(hostNs, ["route", "add", range, "via", a.gateway]);
        } else {
            await lab.ip(hostNs, ["route", "add", "default", "via", a.gateway]);
        }
        if (d.routesBack) await lab.ip(ns.gw, ["rule", "add", "iif", dev, "lookup", "100", "pref", String(100 + j)]);
    }
    return ns;
}

interface Probe {
    client: Awaited<ReturnType<typeof connect>>;
    server: Awaited<Awaited<ReturnType<typeof startServer>>["result"]>;
}

async function probe(lab: Lab, from: string, to: string, host: string, port: number, token: string): Promise<Probe> {
    const server = await startServer(lab, to, host, port, CONNECT_TIMEOUT_MS + 1500);
    const client = await connect(lab, from, host, port, CONNECT_TIMEOUT_MS, token);
    const report = await Promise.race([
        server.result,
        new Promise<{ event: "killed" }>((resolve) => setTimeout(() => resolve({ event: "killed" }), 1000)),
    ]);
    server.stop();
    return { client, server: report };
}

/** A flow that must complete, arriving from its expected source. */
function arrivedFrom(f: PlannedFlow, p: Probe, token: string): FlowResult {
    const c = p.client;
    let observed: string;
    let pass = false;
    if (!c.ok) {
        observed =
            c.error === "timeout"
                ? `timeout after ${CONNECT_TIMEOUT_MS / 1000} s` +
                  (c.connected ? " (connected, no reply)" : " (no SYN-ACK)")
                : c.error;
        if (p.server.event === "accepted") observed += `; server saw ${p.server.peer}`;
    } else {
        const echoed = c.echo === token;
        const serverAgrees = p.server.event === "accepted" && p.server.peer === c.peer;
        pass = c.peer === f.expectedSource && echoed && serverAgrees;
        const disagrees = serverAgrees ? "" : ", server log disagrees";
        observed = `${c.peer} (reply ok, echo ${echoed ? "ok" : "WRONG"}${disagrees}, ${c.ms} ms)`;
    }
    return row(f, observed, pass ? "PASS" : "FAIL");
}

/** Runs `task` over `items`, at most `limit` at once, results in item order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await task(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

async function runFlows(
    lab: Lab,
    ns: Namespaces,
    a: LabAddresses,
    plan: FlowPlan,
    rules: { install: string; chain: string },
    fault: Fault,
    state: RunState,
): Promise<void> {
    const token = (n: number) => `lab-flow-${n}-${lab.id}`;

    // The agent's rules, printed once: as the node's nat table holds them after the install.
    if (fault === "no-agent") out("FAULT INJECTED: the agent's rules are not installed");
    else await lab.exec(ns.node, "iptables-restore", ["--noflush"], rules.install);
    const installed = (await lab.exec(ns.node, "iptables-save", ["-t", "nat"]))
        .split("\n")
        .filter((line) => line.startsWith("-A"));
    out(
        "node nat table after `iptables-restore --noflush` of ip-masq-agent-v2's restore with its POSTROUTING jump " +
            "(iptables-save -t nat, -A lines):",
    );
    for (const line of installed) out(`  ${line}`);
    if (installed.length === 0) out("  (empty)");
    if (fault !== "no-agent") {
        // The agent's own EnsureRule check, argv for argv: it must find the lab's jump (else a real agent would add a
        // second one).
        const check = agentJumpCheckArgv(rules.chain);
        await lab.exec(ns.node, "iptables", check).catch((error: Error) => {
            throw new Error(
                `the agent's check \`iptables ${check.join(" ")}\` does not find the lab's POSTROUTING jump: ` +
                    error.message,
            );
        });
        out(
            "the agent's own check (iptables -C POSTROUTING -t nat, the agent's argv) finds the lab's POSTROUTING jump",
        );
    }
    out();

    if (fault === "crash") throw new Error("FAULT INJECTED: crash after building the topology");
    if (fault === "hang") {
        out("FAULT INJECTED: hanging until the watchdog fires");
        await new Promise(() => {});
    }

    // Every flow but the last runs with the agent's rules in place, a few at once (own ports, own destinations).
    const withRules = plan.flows.filter((f) => f.kind !== "rules-removed");
    await mapLimit(withRules, CONCURRENCY, async (f) => {
        if (f.skip) {
            state.results.push(row(f, `not run: ${f.skip}`, "SKIP"));
            return;
        }
        const to = f.kind === "vnet" ? ns.vnet : ns.hosts.get(f.destination!)!;
        const p = await probe(lab, ns.pods.get(f.pod)!, to, f.host!, f.port, token(f.n));
        state.results.push(arrivedFrom(f, p, token(f.n)));
    });

    // Last: the agent's rules removed by the project's own clean-up script (what the clean-up DaemonSet runs on
    // every node after the agent is deleted): no SNAT any more, and the routing problem is back.
    const f = plan.flows.find((flow) => flow.kind === "rules-removed")!;
    const pod = a.pods[f.pod].address;
    if (fault !== "no-agent") await lab.exec(ns.node, "sh", ["-c", cleanupScript(rules.chain)]);
    const left = (await lab.exec(ns.node, "iptables-save", ["-t", "nat"]))
        .split("\n")
        .filter((line) => line.includes(rules.chain));
    const dropsBefore = await inNoRoutes(lab, ns.gw);
    const p = await probe(lab, ns.pods.get(f.pod)!, ns.hosts.get(f.destination!)!, f.host!, f.port, token(f.n));
    const drops = (await inNoRoutes(lab, ns.gw)) - dropsBefore;
    const c = p.client;
    let observed: string;
    let pass = false;
    if (left.length > 0) {
        observed = `agent rules still present (${left.length} lines)`;
    } else if (c.ok) {
        observed = `${c.peer} (connection completed: the reply found a way back)`;
    } else {
        const why =
            drops > 0 ? `SYN-ACK to ${pod} has no route: gateway dropped ${drops}` : "no drop counted at the gateway";
        observed =
            c.error === "timeout" ? `timeout after ${CONNECT_TIMEOUT_MS / 1000} s (${why})` : `${c.error} (${why})`;
        pass = c.error === "timeout" && !c.connected && p.server.event !== "accepted" && drops > 0;
    }
    state.results.push(row(f, observed, pass ? "PASS" : "FAIL"));
    state.results.sort((x, y) => x.n - y.n);
}

async function main(): Promise<number> {
    const started = Date.now();
    let options: LabOptions;
    try {
        options = parseLabArgs(process.argv.slice(2), PROJECT_DIR, labCwd());
    } catch (error) {
        if (error instanceof UsageError) {
            console.error(error.message);
            return 2;
        }
        throw error;
    }
    out(`data-plane lab, stack "${options.stack}"${options.fromConfig ? ` (${options.file})` : ""}`);

    // From here on, whatever happens, the lab's namespaces go away: signals, an uncaught error, or the watchdog.
    const state: RunState = { started, results: [], total: 1, linksBefore: "" };
    let aborting = false;
    const abort = (reason: string, code: number) => {
        if (aborting) return;
        aborting = true;
        out(`lab aborted: ${reason}`);
        finishCleanup(state);
        if (state.results.length > 0) out(table(state.results));
        out(`lab: finished in ${elapsed(state)}`);
        out(finalLine(state.results, state.total));
        process.exit(code);
    };
    const signals: [NodeJS.Signals, number][] = [
        ["SIGINT", 130],
        ["SIGTERM", 143],
        ["SIGHUP", 129],
    ];
    // Handlers stay installed (a second Ctrl-C must not fall back to the default "exit now"), and run after a short
    // delay: tsx relays signals to this process and SIGKILLs it unless this event loop acknowledges them first.
    for (const [signal, code] of signals) {
        process.on(signal, () => {
            state.interrupted ??= { signal, code };
            setTimeout(() => abort(`${signal} received`, code), 50);
        });
    }
    process.once("uncaughtException", (error) => abort(`uncaught ${error.stack ?? error}`, 1));
    const watchdog = setTimeout(
        () => abort(`watchdog: not done after ${options.timeoutSeconds} s`, 1),
        options.timeoutSeconds * 1000,
    );
    try {
        return await runLab(options, state);
    } finally {
        clearTimeout(watchdog);
    }
}

/** What the abort path (signals, watchdog) needs to clean up and report. */
interface RunState {
    started: number;
    lab?: Lab;
    results: FlowResult[];
    /** The flows the final line counts: 1 until the plan is known (the lab itself), then the planned flows. */
    total: number;
    /** Root-namespace link names before the lab, to show they are unchanged after. */
    linksBefore: string;
    /** The first signal received (a Ctrl-C also stops the lab's helpers, so the flows may end before the handler). */
    interrupted?: { signal: NodeJS.Signals; code: number };
}

const elapsed = (state: RunState) => `${((Date.now() - state.started) / 1000).toFixed(1)} s`;

/** Removes the lab's namespaces (idempotent); false when anything is left or the root namespace changed. */
function finishCleanup(state: RunState): boolean {
    if (!state.lab) return true;
    const { removed, left } = state.lab.cleanup();
    const rootUnchanged = rootLinks().join(",") === state.linksBefore;
    const leftOver = left.length === 0 ? "none left" : `LEFT: ${left.join(", ")}`;
    out(
        `cleanup: removed ${removed.length} namespaces (${state.lab.name("*")}); ${leftOver}; ` +
            `root namespace links ${rootUnchanged ? "unchanged" : "CHANGED"}`,
    );
    return left.length === 0 && rootUnchanged;
}

/** /proc/self/status CapEff, when readable (Linux). */
function effectiveCapabilities(): string | undefined {
    try {
        return /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1];
    } catch {
        return undefined;
    }
}

function describePlan(a: LabAddresses, plan: FlowPlan): void {
    out("addresses (picked inside the stack's plan):");
    out(`  node           ${a.node}  (node subnet ${a.nodeSubnet}), ip_forward=1, default via gateway`);
    out(`  VNet host      ${a.vnetHost}  (node subnet; routes ${a.podSubnets.join(", ")} to the node)`);
    out(
        `  gateway        ${a.gateway}  ` +
            "(node subnet; routes the pod ranges only for destinations that route back to them)",
    );
    for (const i of plan.pods) {
        const pod = a.pods[i];
        out(
            `  pod            ${pod.address}  (pod subnet ${pod.name ? `${pod.name} ` : ""}${pod.subnet}; ` +
                `link ${pod.link}, default via node ${pod.nodeSide})`,
        );
    }
    for (const j of plan.destinations) {
        const d = a.destinations[j];
        const role = `${d.kind} host`.padEnd(14);
        const where =
            d.kind === "connected"
                ? `in connectedCidr ${d.range}, outside nonMasqueradeCIDRs; no route back to the pod range`
                : d.kind === "extra"
                  ? `in extraNonMasqueradeCidr ${d.range}; the gateway routes its replies to the pod range`
                  : `in hub prefix ${d.range}, ${d.expect === "pod" ? "inside" : "outside"} nonMasqueradeCIDRs; ` +
                    `routes back to the pod range: peering advertises ${a.vnetAddressSpace.join(", ")}`;
        out(`  ${role} ${d.address}  (${where})`);
    }
    const kinds = (kind: string) => a.destinations.filter((d) => d.kind === kind).length;
    if (kinds("extra") === 0) out("  (no extra destination: the stack declares no extraNonMasqueradeCidrs)");
    if (kinds("hub") === 0) out("  (no hub host: the stack declares no hub)");
    const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    out(
        `flows: ${plan.flows.length} (${count(a.pods.length, "pod subnet")}, ` +
            `${count(kinds("connected"), "connected range")}, ${count(kinds("extra"), "extra range")}, ` +
            `${count(kinds("hub"), "hub prefix", "hub prefixes")}, and the rules removed once)`,
    );
    if (plan.dropped.length > 0) {
        out(
            `note: the stack declares ${plan.flows.length + plan.dropped.length} flows; ` +
                `the lab runs at most ${MAX_FLOWS} and leaves out: ${plan.dropped.join("; ")}`,
        );
    }
}

async function runLab(options: LabOptions, state: RunState): Promise<number> {
    const fail = (reason: string) => {
        out(`lab failed: ${reason}`);
        out(finalLine(state.results, state.total));
        return 1;
    };
    // The objects the program deploys and its address plan, from the real program under Pulumi mocks. The lab proves
    // the data plane, not the version calendar: versions are checked for the calendar's own date, so an aged table
    // does not fail the lab (the plan and `pulumi up` check against today).
    process.env[CHECK_DATE_VARIABLE] ??= KUBERNETES_CALENDAR.asOf;
    if (!fs.existsSync(options.file)) {
        return fail(
            `no stack settings file ${options.fromConfig ? options.file : path.relative(PROJECT_DIR, options.file)}`,
        );
    }
    let addresses: LabAddresses;
    let plan: FlowPlan;
    let rules: { install: string; chain: string };
    try {
        const programRun = await runProgram({
            stack: options.stack,
            config: readConfigFile(options.file, PROJECT_DIR),
            stackTraces: false,
        });
        const manifests = (type: string) => programRun.resources.filter((r) => r.type === type).map((r) => r.inputs);
        const daemonSets = manifests("kubernetes:apps/v1:DaemonSet");
        const configMaps = manifests("kubernetes:core/v1:ConfigMap");
        if (daemonSets.length !== 1 || configMaps.length === 0) {
            throw new Error(
                "expected the agent's DaemonSet and ConfigMap, " +
                    `found ${daemonSets.length} DaemonSet(s) and ${configMaps.length} ConfigMap(s)`,
            );
        }
        const agent = deployedAgent(daemonSets[0], configMaps);
        const effective = effectiveAgentConfig(agent.files);
        addresses = labAddresses(programRun.outputs.addressPlan as LabPlanInput);
        plan = planFlows(addresses);
        rules = { install: renderAgentRules(effective.config, agent.chain), chain: agent.chain };

        const configSource = effective.usedDefault
            ? "NO ip-masq* file: the agent's RFC 1918 default"
            : `/etc/config/${effective.files.join(", /etc/config/")}`;
        out(
            `agent: DaemonSet ${agent.daemonSetName}, chain ${agent.chain}, ConfigMap ${agent.configMapName} → ` +
                configSource,
        );
        out(
            `  nonMasqueradeCIDRs ${effective.config.nonMasqueradeCIDRs.join(", ")}; ` +
                `masqLinkLocal ${effective.config.masqLinkLocal}`,
        );
        describePlan(addresses, plan);
        out();
    } catch (error) {
        return fail((error as Error).message);
    }
    state.total = plan.flows.length;

    // Without root (or the tools) no flow can run: a failure with the reason, or, when asked, skipped.
    const missing = REQUIRED_COMMANDS.filter((command) => !hasCommand(command));
    const problem = privilegeProblem(process.getuid?.(), effectiveCapabilities(), missing);
    if (problem) {
        const skip = options.skipUnprivileged;
        state.results = plan.flows.map((f) => row(f, `not run: ${problem.summary}`, skip ? "SKIP" : "FAIL"));
        out(table(state.results));
        out();
        out(
            `lab ${skip ? "skipped (--skip-unprivileged)" : "failed"}: ${problem.detail}` +
                (skip ? "" : ". To count the flows as skipped instead, pass --skip-unprivileged"),
        );
        out(finalLine(state.results, state.total));
        return skip ? 0 : 1;
    }

    sweepStale((line) => out(`note: ${line}`));
    state.linksBefore = rootLinks().join(",");
    const lab = (state.lab = new Lab(options.verbose ? (line) => out(`[${elapsed(state)}] ${line}`) : undefined));
    lab.startReaper(options.timeoutSeconds + 30);

    let error: unknown;
    try {
        const ns = await build(lab, addresses, plan);
        const roles = [
            "node",
            "lan",
            "vnet",
            "gw",
            ...plan.pods.map((i) => `pod${i}`),
            ...plan.destinations.map((j) => `${addresses.destinations[j].kind}${j}`),
        ];
        out(`topology: ${roles.length} namespaces ${lab.name(`{${roles.join(",")}}`)}`);
        await runFlows(lab, ns, addresses, plan, rules, options.fault, state);
    } catch (e) {
        error = e;
    }
    const results = state.results;
    const clean = finishCleanup(state);
    if (state.interrupted) out(`lab interrupted by ${state.interrupted.signal}`);
    else if (error) out(`lab failed: ${(error as Error).message}`);
    out();
    if (results.length > 0) out(table(results));
    out();
    out(`lab: finished in ${elapsed(state)}`);
    out(finalLine(results, state.total));
    if (state.interrupted) return state.interrupted.code;
    const failed = error !== undefined || results.length < state.total || results.some((r) => r.result === "FAIL");
    return failed || !clean ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        console.error(error);
        out("lab: 0 passed, 1 failed");
        process.exit(1);
    },
);
