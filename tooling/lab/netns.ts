/**
 * Network namespaces for the lab, and the only code that touches the kernel.
 *
 * Safety rules: every namespace is named `apslab-<pid>-<random>-<role>`; veth pairs are created directly inside
 * two of those namespaces (`ip -n A link add X type veth peer name Y netns B`), so no link ever appears in the root
 * namespace, whose routes and iptables are never touched. Processes started inside a namespace are tracked and
 * killed by pid before the namespace is deleted (a namespace with a live process would outlive `ip netns del`).
 * Commands run asynchronously (signals are handled between them); cleanup is synchronous so that signal handlers
 * and the watchdog can run it right before exiting. A detached reaper removes the namespaces even when the lab
 * process is killed outright (SIGKILL runs no handler).
 */
import { ChildProcess, execFile, execFileSync, spawn } from "child_process";
import { randomBytes } from "crypto";

export const PREFIX = "apslab-";
const COMMAND_TIMEOUT_MS = 10_000;

export class CommandError extends Error {}

/** Runs a command synchronously; throws CommandError with its stderr. */
export function run(command: string, args: readonly string[], input?: string): string {
    try {
        return execFileSync(command, args, {
            input,
            encoding: "utf8",
            timeout: COMMAND_TIMEOUT_MS,
            stdio: ["pipe", "pipe", "pipe"],
        });
    } catch (error) {
        const e = error as { stderr?: string; message: string };
        throw new CommandError(`${command} ${args.join(" ")}: ${(e.stderr ?? "").trim() || e.message}`);
    }
}

/** Runs a command without blocking the event loop; rejects with CommandError carrying its stderr. */
export function runAsync(command: string, args: readonly string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            command,
            args,
            { encoding: "utf8", timeout: COMMAND_TIMEOUT_MS },
            (error, stdout, stderr) => {
                if (error) reject(new CommandError(`${command} ${args.join(" ")}: ${stderr.trim() || error.message}`));
                else resolve(stdout);
            },
        );
        // A command that never reads its input may exit first: ignore EPIPE on its stdin.
        child.stdin?.on("error", () => {});
        if (input === undefined) child.stdin?.end();
        else child.stdin?.end(input);
    });
}

/** True when `command` is on PATH. */
export function hasCommand(command: string): boolean {
    try {
        execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** Namespace names currently present (`ip netns list`). */
export function listNamespaces(): string[] {
    return run("ip", ["netns", "list"])
        .split("\n")
        .map((line) => line.trim().split(/\s+/)[0])
        .filter(Boolean);
}

/** Root-namespace link names, read only (to show that the lab left them alone). */
export function rootLinks(): string[] {
    return run("ip", ["-o", "link", "show"])
        .split("\n")
        .map((line) => line.split(":")[1]?.trim().split("@")[0])
        .filter((name): name is string => Boolean(name));
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Processes inside a namespace (started by this lab: nothing else enters its namespaces). */
function pidsIn(ns: string): number[] {
    try {
        return run("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

function deleteNamespace(ns: string, killInside: boolean): void {
    for (const pid of killInside ? pidsIn(ns) : []) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    try {
        run("ip", ["netns", "del", ns]);
    } catch {
        // reported by the caller's check of what is left
    }
}

/**
 * Deletes lab namespaces left by an earlier run that was killed outright (SIGKILL skips every handler): only
 * `apslab-<pid>-…` names whose owner pid is no longer running. Their processes are not ours to kill; the lab's
 * helpers end on their own within seconds, and the namespace goes with the last of them.
 */
export function sweepStale(log: (line: string) => void): void {
    for (const ns of listNamespaces()) {
        const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(ns);
        if (!owner || Number(owner[1]) === process.pid || alive(Number(owner[1]))) continue;
        deleteNamespace(ns, false);
        log(`removed stale namespace ${ns} (its lab process ${owner[1]} is gone)`);
    }
}

// Waits for the lab process to end (or the deadline), then removes what is left of its namespaces. Detached into its
// own session, so a Ctrl-C to the lab's process group or a SIGKILL of the lab does not stop it.
const REAPER = `
owner=$1; deadline=$2; prefix=$3
while kill -0 "$owner" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix"); do
    for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns"
done
`;

export class Lab {
    readonly id = `${process.pid}-${randomBytes(2).toString("hex")}`;
    private readonly namespaces: string[] = [];
    private readonly children = new Set<ChildProcess>();
    private cleaned = false;
    private reaper?: ChildProcess;

    constructor(private readonly trace: (line: string) => void = () => {}) {}

    /** Starts the reaper: it removes this lab's namespaces once this process is gone, however it ended. */
    startReaper(deadlineSeconds: number): void {
        const deadline = Math.ceil(Date.now() / 1000) + deadlineSeconds;
        this.reaper = spawn(
            "sh",
            ["-c", REAPER, "reaper", String(process.pid), String(deadline), `${PREFIX}${this.id}-`],
            {
                detached: true,
                stdio: "ignore",
            },
        );
        this.reaper.unref();
    }

    name(role: string): string {
        return `${PREFIX}${this.id}-${role}`;
    }

    /** Creates a namespace with loopback up and the given sysctls (rp_filter off: the lab routes asymmetrically). */
    async addNamespace(role: string, sysctls: Record<string, string | number> = {}): Promise<string> {
        const ns = this.name(role);
        this.namespaces.push(ns);
        await this.cmd("ip", ["netns", "add", ns]);
        await this.ip(ns, ["link", "set", "lo", "up"]);
        const settings = {
            "net.ipv4.conf.all.rp_filter": 0,
            "net.ipv4.conf.default.rp_filter": 0,
            "net.ipv4.ip_forward": 0,
            ...sysctls,
        };
        await this.exec(ns, "sysctl", ["-qw", ...Object.entries(settings).map(([key, value]) => `${key}=${value}`)]);
        return ns;
    }

    /** A veth pair with one end in each namespace, both up; never visible in the root namespace. */
    async link(a: string, aName: string, b: string, bName: string): Promise<void> {
        await this.ip(a, ["link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b]);
        await this.ip(a, ["link", "set", aName, "up"]);
        await this.ip(b, ["link", "set", bName, "up"]);
    }

    /** `ip -n <ns> …` */
    ip(ns: string, args: readonly string[]): Promise<string> {
        return this.cmd("ip", ["-n", ns, ...args]);
    }

    /** `ip netns exec <ns> <command> …` */
    exec(ns: string, command: string, args: readonly string[], input?: string): Promise<string> {
        return this.cmd("ip", ["netns", "exec", ns, command, ...args], input);
    }

    /** Starts a long-running process inside a namespace; cleanup kills it. */
    spawnIn(ns: string, command: string, args: readonly string[]): ChildProcess {
        if (this.cleaned) throw new Error("lab already cleaned up");
        this.trace(`$ ip netns exec ${ns} ${command} …`);
        const child = spawn("ip", ["netns", "exec", ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        this.children.add(child);
        child.on("exit", () => this.children.delete(child));
        return child;
    }

    /** Kills every process the lab started and deletes its namespaces (with them every veth and the bridge). */
    cleanup(): { removed: string[]; left: string[] } {
        if (this.cleaned) return { removed: [], left: this.leftovers() };
        this.cleaned = true;
        for (const child of this.children) {
            if (child.pid !== undefined && child.exitCode === null) {
                try {
                    process.kill(child.pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        }
        const existing = new Set(safeList());
        const removed: string[] = [];
        for (const ns of [...this.namespaces].reverse()) {
            if (!existing.has(ns)) continue;
            // Anything inside this lab's own namespaces was started by this lab.
            deleteNamespace(ns, true);
            removed.push(ns);
        }
        const left = this.leftovers();
        // Nothing left for the reaper: stop it (it would exit by itself once this process is gone).
        if (left.length === 0 && this.reaper?.pid !== undefined && this.reaper.exitCode === null) {
            try {
                process.kill(this.reaper.pid, "SIGTERM");
            } catch {
                // already gone
            }
        }
        return { removed, left };
    }

    /** This lab's namespaces still present. */
    leftovers(): string[] {
        return safeList().filter((ns) => ns.startsWith(`${PREFIX}${this.id}-`));
    }

    private async cmd(command: string, args: readonly string[], input?: string): Promise<string> {
        if (this.cleaned) throw new Error("lab already cleaned up");
        this.trace(`$ ${command} ${args.join(" ")}`);
        return runAsync(command, args, input);
    }
}

function safeList(): string[] {
    try {
        return listNamespaces();
    } catch {
        return [];
    }
}
