/**
 * Real TCP connections between lab namespaces: a server that accepts one connection and answers with the source
 * address it saw (and an echo of what it received), and a client with a bounded connect/reply timeout. Both are
 * tiny Node scripts run inside a namespace with `ip netns exec <ns> node -e …`; both end on their own timers too.
 */
import { ChildProcess } from "child_process";
import { Lab } from "./netns";

const SERVER = `
const net = require("net");
const [host, port, waitMs] = process.argv.slice(1);
const report = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const finish = (o) => { report(o); process.exit(0); };
const server = net.createServer((socket) => {
    const peer = socket.remoteAddress;
    socket.on("error", () => {});
    socket.once("data", (data) => {
        const echo = data.toString();
        socket.end(JSON.stringify({ peer, echo }) + "\\n", () => finish({ event: "accepted", peer, echo }));
    });
});
server.on("error", (e) => finish({ event: "error", error: e.code || e.message }));
server.listen(Number(port), host, () => report({ event: "listening" }));
setTimeout(() => finish({ event: "no-connection" }), Number(waitMs));
`;

const CLIENT = `
const net = require("net");
const [host, port, timeoutMs, token] = process.argv.slice(1);
const started = Date.now();
const finish = (o) => {
    process.stdout.write(JSON.stringify({ ...o, ms: Date.now() - started }) + "\\n");
    process.exit(0);
};
let connected = false, buffer = "";
const socket = net.connect({ host, port: Number(port) });
const timer = setTimeout(() => {
    socket.destroy();
    finish({ ok: false, error: "timeout", connected });
}, Number(timeoutMs));
socket.on("connect", () => { connected = true; socket.write(token); });
socket.on("data", (data) => {
    buffer += data;
    if (!buffer.includes("\\n")) return;
    clearTimeout(timer);
    const reply = JSON.parse(buffer.slice(0, buffer.indexOf("\\n")));
    finish({ ok: true, local: socket.localAddress, peer: reply.peer, echo: reply.echo });
});
socket.on("error", (e) => { clearTimeout(timer); finish({ ok: false, error: e.code || e.message, connected }); });
`;

export type ServerReport =
    | { event: "accepted"; peer: string; echo: string }
    | { event: "no-connection" }
    | { event: "error"; error: string }
    | { event: "killed" };

export type ClientReport =
    | { ok: true; local: string; peer: string; echo: string; ms: number }
    | { ok: false; error: string; connected: boolean; ms: number };

export interface Server {
    /** Resolves with the server's only report (or "killed" when it had to be stopped). */
    result: Promise<ServerReport>;
    stop(): void;
}

/** JSON lines from a child's stdout; the child's stderr is kept for error messages. */
function jsonLines(child: ChildProcess, onLine: (value: unknown) => void, onEnd: (stderr: string) => void): void {
    let out = "";
    let err = "";
    child.stdout!.on("data", (data) => {
        out += data;
        let newline: number;
        while ((newline = out.indexOf("\n")) >= 0) {
            const line = out.slice(0, newline).trim();
            out = out.slice(newline + 1);
            if (!line) continue;
            try {
                onLine(JSON.parse(line));
            } catch {
                // not ours
            }
        }
    });
    child.stderr!.on("data", (data) => (err += data));
    child.on("close", () => onEnd(err.trim()));
}

/** Starts a one-connection server in `ns` on host:port and waits until it listens. */
export function startServer(lab: Lab, ns: string, host: string, port: number, waitMs: number): Promise<Server> {
    return new Promise((resolveStarted, rejectStarted) => {
        const child = lab.spawnIn(ns, process.execPath, ["-e", SERVER, host, String(port), String(waitMs)]);
        let settle: (report: ServerReport) => void = () => {};
        const result = new Promise<ServerReport>((resolve) => (settle = resolve));
        let listening = false;
        const stop = () => {
            if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
        };
        const startTimer = setTimeout(() => {
            stop();
            rejectStarted(new Error(`server in ${ns} on ${host}:${port} did not start within 5 s`));
        }, 5000);
        jsonLines(
            child,
            (value) => {
                const line = value as ServerReport | { event: "listening" };
                if (line.event === "listening") {
                    listening = true;
                    clearTimeout(startTimer);
                    resolveStarted({ result, stop });
                } else {
                    settle(line);
                }
            },
            (stderr) => {
                clearTimeout(startTimer);
                if (!listening)
                    rejectStarted(new Error(`server in ${ns} on ${host}:${port} exited: ${stderr || "no output"}`));
                settle({ event: "killed" });
            },
        );
    });
}

/** One client connection from `ns` to host:port, bounded by timeoutMs (plus a margin for process start-up). */
export function connect(
    lab: Lab,
    ns: string,
    host: string,
    port: number,
    timeoutMs: number,
    token: string,
): Promise<ClientReport> {
    return new Promise((resolve) => {
        const child = lab.spawnIn(ns, process.execPath, ["-e", CLIENT, host, String(port), String(timeoutMs), token]);
        let report: ClientReport | undefined;
        const hardStop = setTimeout(() => {
            if (child.exitCode === null) child.kill("SIGKILL");
        }, timeoutMs + 3000);
        jsonLines(
            child,
            (value) => (report = value as ClientReport),
            (stderr) => {
                clearTimeout(hardStop);
                resolve(
                    report ?? {
                        ok: false,
                        error: `client failed: ${stderr || "killed"}`,
                        connected: false,
                        ms: timeoutMs,
                    },
                );
            },
        );
    });
}
