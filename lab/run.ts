/**
 * The data-plane lab: proves with real TCP connections between Linux network namespaces that the NAT rules
 * ip-masq-agent-v2 writes from this stack's ConfigMap do what the design says.
 *
 *   npm run lab                       stack dev (Pulumi.dev.yaml)
 *   npm run lab -- --stack prod       any stack settings file next to Pulumi.yaml
 *
 * Flows (expected source as the destination sees it):
 *   1. pod → VNet host                              the pod IP (inside nonMasqueradeCIDRs: no NAT)
 *   2. pod → corporate host                         the node IP, and the reply comes back
 *   3. the same without the agent's rules           no reply: the corporate side has no route to the pod range
 *   4. pod → extraNonMasqueradeCidrs destination    the pod IP (skipped when the stack declares none)
 *
 * Needs root, iproute2 and iptables (Debian: `apt-get install -y iptables iproute2`). Not root → skipped, exit 0.
 * Only namespaces it creates are touched; they are removed on success, failure, SIGINT/SIGTERM/SIGHUP and when the
 * watchdog fires. Ends with `lab: N passed, N failed[, N skipped]`; exits non-zero when any flow fails.
 */
import * as fs from "fs";
import * as path from "path";
import { readConfigFile, stackFile } from "../program/stackFile";
import { runProgram } from "../tools/runProgram";
import { CHECK_DATE_VARIABLE, KUBERNETES_CALENDAR } from "../components/aks/kubernetesVersions";
import { LabAddresses, LabPlanInput, labAddresses } from "./addresses";
import { Lab, hasCommand, rootLinks, sweepStale } from "./netns";
import { cleanupScript } from "../components/ipmasq/manifests";
import { parseCommandLine, UsageError } from "../tools/cli";
import { agentJumpCheckArgv, deployedAgent, effectiveAgentConfig, renderAgentRules } from "./rules";
import { connect, startServer } from "./tcp";

const PROJECT_DIR = path.join(__dirname, "..");
const FLOWS = 4;
const CONNECT_TIMEOUT_MS = 3000;
const USAGE = `usage: npm run lab -- [--stack <name>] [--timeout <seconds>] [--verbose]
  --stack    stack settings file Pulumi.<name>.yaml (default: dev)
  --timeout  watchdog for the whole lab, seconds (default: 60)
  --fault    for testing the lab itself: no-agent (never install the agent's rules), crash (throw after building),
             hang (stall until the watchdog fires)`;

type Fault = "none" | "no-agent" | "crash" | "hang";

interface Options {
    stack: string;
    timeoutSeconds: number;
    verbose: boolean;
    fault: Fault;
}

function parseArgs(argv: string[]): Options {
    const { values } = parseCommandLine(
        argv,
        {
            stack: { type: "string", default: "dev" },
            timeout: { type: "string", default: "60" },
            fault: { type: "string", default: "none" },
            verbose: { type: "boolean", short: "v", default: false },
        },
        USAGE,
    );
    const options: Options = { stack: values.stack as string, timeoutSeconds: Number(values.timeout), verbose: values.verbose === true, fault: values.fault as Fault };
    if (!(options.timeoutSeconds > 0 && options.timeoutSeconds <= 600)) throw new UsageError(`--timeout takes 1–600 seconds\n${USAGE}`);
    if (!["none", "no-agent", "crash", "hang"].includes(options.fault)) throw new UsageError(`unknown fault "${options.fault}"\n${USAGE}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(options.stack)) throw new UsageError(`"${options.stack}" is not a stack name\n${USAGE}`);
    return options;
}

interface FlowResult {
    n: number;
    flow: string;
    destination: string;
    expected: string;
    observed: string;
    result: "PASS" | "FAIL" | "SKIP";
}

const out = (line = "") => console.log(line);

function finalLine(results: readonly FlowResult[], total = FLOWS): string {
    const passed = results.filter((r) => r.result === "PASS").length;
    const skipped = results.filter((r) => r.result === "SKIP").length;
    const failed = total - passed - skipped;
    return `lab: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}

function table(results: readonly FlowResult[]): string {
    const header = { n: "#", flow: "flow", destination: "destination", expected: "expected source", observed: "observed source", result: "result" };
    const rows = [header, ...results.map((r) => ({ ...r, n: String(r.n) }))];
    const keys = Object.keys(header) as (keyof typeof header)[];
    const width = Object.fromEntries(keys.map((k) => [k, Math.max(...rows.map((row) => String(row[k]).length))]));
    const line = (row: Record<string, unknown>) => keys.map((k) => String(row[k]).padEnd(width[k])).join(" | ").trimEnd();
    return [line(header), keys.map((k) => "-".repeat(width[k])).join("-|-"), ...rows.slice(1).map(line)].join("\n");
}

/** IpExt InNoRoutes of a namespace: packets it had to drop because no route led to their destination. */
async function inNoRoutes(lab: Lab, ns: string): Promise<number> {
    const lines = (await lab.exec(ns, "cat", ["/proc/net/netstat"])).split("\n").filter((line) => line.startsWith("IpExt:"));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const index = names.indexOf("InNoRoutes");
    return index > 0 ? Number(values[index]) : NaN;
}

/** The lab topology (see addresses.ts); returns the namespace of each role. */
async function build(lab: Lab, a: LabAddresses) {
    const forward = { "net.ipv4.ip_forward": 1 };
    const ns = {
        pod: await lab.addNamespace("pod"),
        node: await lab.addNamespace("node", forward),
        lan: await lab.addNamespace("lan"),
        vnet: await lab.addNamespace("vnet"),
        gw: await lab.addNamespace("gw", forward),
        corp: await lab.addNamespace("corp"),
        extra: a.extra ? await lab.addNamespace("extra") : undefined,
    };
    const prefix = a.nodeSubnetPrefix;

    // The node subnet: a bridge joining node, VNet host and gateway.
    await lab.ip(ns.lan, ["link", "add", "br0", "type", "bridge"]);
    await lab.ip(ns.lan, ["link", "set", "br0", "up"]);
    for (const [peer, port] of [[ns.node, "node"], [ns.vnet, "vnet"], [ns.gw, "gw"]] as const) {
        await lab.link(peer, "lan0", ns.lan, port);
        await lab.ip(ns.lan, ["link", "set", port, "master", "br0"]);
    }

    // Pod ⇄ node on a /30 slice of the pod subnet; the pod's default route is the node.
    await lab.link(ns.pod, "eth0", ns.node, "pod0");
    await lab.ip(ns.pod, ["addr", "add", `${a.pod}/30`, "dev", "eth0"]);
    await lab.ip(ns.pod, ["route", "add", "default", "via", a.nodePodSide]);
    await lab.ip(ns.node, ["addr", "add", `${a.nodePodSide}/30`, "dev", "pod0"]);

    // Node: node-subnet address; everything outside the VNet leaves through the gateway.
    await lab.ip(ns.node, ["addr", "add", `${a.node}/${prefix}`, "dev", "lan0"]);
    await lab.ip(ns.node, ["route", "add", "default", "via", a.gateway]);

    // VNet host: the VNet routes pod IPs to their node (Azure's SDN does this for pod subnets).
    await lab.ip(ns.vnet, ["addr", "add", `${a.vnetHost}/${prefix}`, "dev", "lan0"]);
    for (const subnet of a.podSubnets) await lab.ip(ns.vnet, ["route", "add", subnet, "via", a.node]);

    // Gateway: knows the node subnet (connected); NO route to the pod range, no default route.
    await lab.ip(ns.gw, ["addr", "add", `${a.gateway}/${prefix}`, "dev", "lan0"]);
    const pointToPoint = (inside: string, dev: string, local: string, peer: string) =>
        lab.ip(inside, ["addr", "add", `${local}/32`, "peer", `${peer}/32`, "dev", dev]);
    await lab.link(ns.gw, "corp0", ns.corp, "eth0");
    await pointToPoint(ns.gw, "corp0", a.gateway, a.corporate.address);
    await pointToPoint(ns.corp, "eth0", a.corporate.address, a.gateway);
    await lab.ip(ns.corp, ["route", "add", "default", "via", a.gateway]);

    if (ns.extra && a.extra) {
        await lab.link(ns.gw, "extra0", ns.extra, "eth0");
        await pointToPoint(ns.gw, "extra0", a.gateway, a.extra.address);
        await pointToPoint(ns.extra, "eth0", a.extra.address, a.gateway);
        await lab.ip(ns.extra, ["route", "add", "default", "via", a.gateway]);
        // Only traffic coming back from the extra destination may route to the pod range: that destination "by
        // definition routes back to pod IPs"; corporate traffic still cannot.
        await lab.ip(ns.gw, ["rule", "add", "iif", "extra0", "lookup", "100", "pref", "100"]);
        for (const subnet of a.podSubnets) await lab.ip(ns.gw, ["route", "add", subnet, "via", a.node, "dev", "lan0", "table", "100"]);
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
    const report = await Promise.race([server.result, new Promise<{ event: "killed" }>((resolve) => setTimeout(() => resolve({ event: "killed" }), 1000))]);
    server.stop();
    return { client, server: report };
}

/** A flow that must complete, arriving from `expected`. */
function arrivedFrom(n: number, flow: string, destination: string, expected: string, expectedLabel: string, p: Probe, token: string): FlowResult {
    const c = p.client;
    let observed: string;
    let pass = false;
    if (!c.ok) {
        observed = c.error === "timeout" ? `timeout after ${CONNECT_TIMEOUT_MS / 1000} s${c.connected ? " (connected, no reply)" : " (no SYN-ACK)"}` : c.error;
        if (p.server.event === "accepted") observed += `; server saw ${p.server.peer}`;
    } else {
        const echoed = c.echo === token;
        const serverAgrees = p.server.event === "accepted" && p.server.peer === c.peer;
        pass = c.peer === expected && echoed && serverAgrees;
        observed = `${c.peer} (reply ok, echo ${echoed ? "ok" : "WRONG"}${serverAgrees ? "" : ", server log disagrees"}, ${c.ms} ms)`;
    }
    return { n, flow, destination, expected: `${expected} (${expectedLabel})`, observed, result: pass ? "PASS" : "FAIL" };
}

async function flows(lab: Lab, ns: Awaited<ReturnType<typeof build>>, a: LabAddresses, rules: { install: string; chain: string }, fault: Fault): Promise<FlowResult[]> {
    const results: FlowResult[] = [];
    const token = (n: number) => `lab-flow-${n}-${lab.id}`;

    if (fault === "no-agent") out("FAULT INJECTED: the agent's rules are not installed");
    else await lab.exec(ns.node, "iptables-restore", ["--noflush"], rules.install);
    const installed = (await lab.exec(ns.node, "iptables-save", ["-t", "nat"])).split("\n").filter((line) => line.startsWith("-A"));
    out(`node nat table (iptables-save -t nat, -A lines) in ${ns.node}:`);
    for (const line of installed) out(`  ${line}`);
    if (fault !== "no-agent") {
        // The agent's own EnsureRule check, argv for argv: it must find the lab's jump (else a real agent would add a second one).
        const check = agentJumpCheckArgv(rules.chain);
        await lab.exec(ns.node, "iptables", check).catch((error: Error) => {
            throw new Error(`the agent's check \`iptables ${check.join(" ")}\` does not find the lab's POSTROUTING jump: ${error.message}`);
        });
        out("the agent's own check (iptables -C POSTROUTING -t nat, the agent's argv) finds the lab's POSTROUTING jump");
    }
    out();

    if (fault === "crash") throw new Error("FAULT INJECTED: crash after building the topology");
    if (fault === "hang") {
        out("FAULT INJECTED: hanging until the watchdog fires");
        await new Promise(() => {});
    }

    // Flows 1, 2 and 4 run with the agent's rules in place, concurrently (own ports, own destinations).
    const extra = ns.extra && a.extra ? { ns: ns.extra, address: a.extra.address } : undefined;
    const [p1, p2, p4] = await Promise.all([
        probe(lab, ns.pod, ns.vnet, a.vnetHost, 7001, token(1)),
        probe(lab, ns.pod, ns.corp, a.corporate.address, 7002, token(2)),
        extra ? probe(lab, ns.pod, extra.ns, extra.address, 7004, token(4)) : undefined,
    ]);
    results.push(arrivedFrom(1, "pod → VNet host", `${a.vnetHost}:7001`, a.pod, "pod IP", p1, token(1)));
    results.push(arrivedFrom(2, "pod → corporate host", `${a.corporate.address}:7002`, a.node, "node IP", p2, token(2)));
    if (extra && p4) {
        results.push(arrivedFrom(4, "pod → extra destination", `${extra.address}:7004`, a.pod, "pod IP", p4, token(4)));
    } else {
        out("note: flow 4 skipped: the stack declares no extraNonMasqueradeCidrs");
        results.push({ n: 4, flow: "pod → extra destination", destination: "-", expected: "-", observed: "stack has no extraNonMasqueradeCidrs", result: "SKIP" });
    }

    // Flow 3: the agent's rules removed by the project's own clean-up script (what the clean-up DaemonSet runs on
    // every node after the agent is deleted): no SNAT any more, and the routing problem is back.
    if (fault !== "no-agent") await lab.exec(ns.node, "sh", ["-c", cleanupScript(rules.chain)]);
    const left = (await lab.exec(ns.node, "iptables-save", ["-t", "nat"])).split("\n").filter((line) => line.includes(rules.chain));
    const dropsBefore = await inNoRoutes(lab, ns.gw);
    const p3 = await probe(lab, ns.pod, ns.corp, a.corporate.address, 7003, token(3));
    const drops = (await inNoRoutes(lab, ns.gw)) - dropsBefore;
    const c3 = p3.client;
    let observed3: string;
    let pass3 = false;
    if (left.length > 0) {
        observed3 = `agent rules still present (${left.length} lines)`;
    } else if (c3.ok) {
        observed3 = `${c3.peer} (connection completed: the reply found a way back)`;
    } else {
        const why = drops > 0 ? `SYN-ACK to ${a.pod} has no route: gateway dropped ${drops}` : "no drop counted at the gateway";
        observed3 = c3.error === "timeout" ? `timeout after ${CONNECT_TIMEOUT_MS / 1000} s (${why})` : `${c3.error} (${why})`;
        pass3 = c3.error === "timeout" && !c3.connected && p3.server.event !== "accepted" && drops > 0;
    }
    results.push({
        n: 3,
        flow: "pod → corporate host, rules cleaned up",
        destination: `${a.corporate.address}:7003`,
        expected: `no reply (${a.pod} unroutable)`,
        observed: observed3,
        result: pass3 ? "PASS" : "FAIL",
    });
    return results.sort((x, y) => x.n - y.n);
}

async function main(): Promise<number> {
    const started = Date.now();
    let options: Options;
    try {
        options = parseArgs(process.argv.slice(2));
    } catch (error) {
        if (error instanceof UsageError) {
            console.error(error.message);
            return 2;
        }
        throw error;
    }
    out(`data-plane lab, stack "${options.stack}"`);

    // From here on, whatever happens, the lab's namespaces go away: signals, an uncaught error, or the watchdog.
    const state: RunState = { started, results: [], linksBefore: "" };
    let aborting = false;
    const abort = (reason: string, code: number) => {
        if (aborting) return;
        aborting = true;
        out(`lab aborted: ${reason}`);
        finishCleanup(state);
        if (state.results.length > 0) out(table(state.results));
        out(`lab: finished in ${elapsed(state)}`);
        out(finalLine(state.results));
        process.exit(code);
    };
    const signals: [NodeJS.Signals, number][] = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]];
    // Handlers stay installed (a second Ctrl-C must not fall back to the default "exit now"), and run after a short
    // delay: tsx relays signals to this process and SIGKILLs it unless this event loop acknowledges them first.
    for (const [signal, code] of signals) {
        process.on(signal, () => {
            state.interrupted ??= { signal, code };
            setTimeout(() => abort(`${signal} received`, code), 50);
        });
    }
    process.once("uncaughtException", (error) => abort(`uncaught ${error.stack ?? error}`, 1));
    const watchdog = setTimeout(() => abort(`watchdog: not done after ${options.timeoutSeconds} s`, 1), options.timeoutSeconds * 1000);
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
    out(
        `cleanup: removed ${removed.length} namespaces (${state.lab.name("*")}); ${left.length === 0 ? "none left" : `LEFT: ${left.join(", ")}`}; ` +
            `root namespace links ${rootUnchanged ? "unchanged" : "CHANGED"}`,
    );
    return left.length === 0 && rootUnchanged;
}

async function runLab(options: Options, state: RunState): Promise<number> {
    if (typeof process.getuid === "function" && process.getuid() !== 0) {
        out("lab skipped: needs root (it creates network namespaces, veth pairs and iptables rules inside them); run it as root, as CI does");
        out(`lab: 0 passed, 0 failed, ${FLOWS} skipped`);
        return 0;
    }
    const missing = ["ip", "iptables-restore", "iptables-save", "sysctl"].filter((command) => !hasCommand(command));
    if (missing.length > 0) {
        out(`lab failed: ${missing.join(", ")} not found. Install with: apt-get install -y iptables iproute2 procps (.ci/run installs them before \`npm run lab\`)`);
        out(`lab: 0 passed, ${FLOWS} failed`);
        return 1;
    }

    // The objects the program deploys and its address plan, from the real program under Pulumi mocks. The lab proves
    // the data plane, not the version calendar: versions are checked for the calendar's own date, so an aged table
    // does not fail the lab (the plan and `pulumi up` check against today).
    process.env[CHECK_DATE_VARIABLE] ??= KUBERNETES_CALENDAR.asOf;
    const file = stackFile(PROJECT_DIR, options.stack);
    if (!fs.existsSync(file)) {
        out(`lab failed: no stack settings file ${path.relative(PROJECT_DIR, file)}`);
        out(`lab: 0 passed, ${FLOWS} failed`);
        return 1;
    }
    let addresses: LabAddresses;
    let rules: { install: string; chain: string };
    try {
        const programRun = await runProgram({ stack: options.stack, config: readConfigFile(file) });
        const manifests = (type: string) => programRun.resources.filter((r) => r.type === type).map((r) => r.inputs);
        const daemonSets = manifests("kubernetes:apps/v1:DaemonSet");
        const configMaps = manifests("kubernetes:core/v1:ConfigMap");
        if (daemonSets.length !== 1 || configMaps.length === 0) {
            throw new Error(`expected the agent's DaemonSet and ConfigMap, found ${daemonSets.length} DaemonSet(s) and ${configMaps.length} ConfigMap(s)`);
        }
        const agent = deployedAgent(daemonSets[0], configMaps);
        const effective = effectiveAgentConfig(agent.files);
        addresses = labAddresses(programRun.outputs.addressPlan as LabPlanInput);
        rules = { install: renderAgentRules(effective.config, agent.chain), chain: agent.chain };

        out(`agent: DaemonSet ${agent.daemonSetName}, chain ${agent.chain}, ConfigMap ${agent.configMapName} → ${effective.usedDefault ? "NO ip-masq* file: the agent's RFC 1918 default" : `/etc/config/${effective.files.join(", /etc/config/")}`}`);
        out(`  nonMasqueradeCIDRs ${effective.config.nonMasqueradeCIDRs.join(", ")}; masqLinkLocal ${effective.config.masqLinkLocal}`);
        const a = addresses;
        out("addresses (picked inside the stack's plan):");
        out(`  pod          ${a.pod}  (pod subnet ${a.podSubnet}; link ${a.podLink}, default via node ${a.nodePodSide})`);
        out(`  node         ${a.node}  (node subnet ${a.nodeSubnet}), ip_forward=1, default via gateway`);
        out(`  VNet host    ${a.vnetHost}  (node subnet; routes ${a.podSubnets.join(", ")} to the node)`);
        out(`  gateway      ${a.gateway}  (node subnet; no route to ${a.podSubnets.join(", ")})`);
        out(`  corporate    ${a.corporate.address}  (in connectedCidr ${a.corporate.within}, outside nonMasqueradeCIDRs)`);
        out(`  extra        ${a.extra ? `${a.extra.address}  (in extraNonMasqueradeCidr ${a.extra.within}; the gateway routes its replies to the pod range)` : "none: the stack declares no extraNonMasqueradeCidrs"}`);
        out("iptables-restore --noflush input (nat): ip-masq-agent-v2's restore, with its POSTROUTING jump (which it adds by exec) byte for byte:");
        for (const line of rules.install.trimEnd().split("\n")) out(`  ${line}`);
        out();
    } catch (error) {
        out(`lab failed: ${(error as Error).message}`);
        out(`lab: 0 passed, ${FLOWS} failed`);
        return 1;
    }

    sweepStale((line) => out(`note: ${line}`));
    state.linksBefore = rootLinks().join(",");
    const lab = (state.lab = new Lab(options.verbose ? (line) => out(`[${elapsed(state)}] ${line}`) : undefined));
    lab.startReaper(options.timeoutSeconds + 30);

    let error: unknown;
    try {
        const ns = await build(lab, addresses);
        const roles = Object.entries(ns).filter(([, name]) => name !== undefined).map(([role]) => role);
        out(`topology: ${roles.length} namespaces ${lab.name(`{${roles.join(",")}}`)}`);
        state.results = await flows(lab, ns, addresses, rules, options.fault);
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
    out(finalLine(results));
    if (state.interrupted) return state.interrupted.code;
    const failed = error !== undefined || results.length === 0 || results.some((r) => r.result === "FAIL");
    return failed || !clean ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        console.error(error);
        out(`lab: 0 passed, ${FLOWS} failed`);
        process.exit(1);
    },
);
