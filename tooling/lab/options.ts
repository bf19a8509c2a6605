/**
 * Pure part of the lab: its command line, where its stack settings file is, and whether this process may build
 * network namespaces at all.
 */
import * as path from "path";
import { stackFile } from "../../program/stackFile";
import { parseCommandLine, UsageError } from "../../src/plan/cli";

export const USAGE =
    "usage: npm run lab -- [--stack <name> | --config <file>] [--timeout <seconds>] " +
    `[--skip-unprivileged] [--verbose]
  --stack              stack settings file Pulumi.<name>.yaml next to Pulumi.yaml (default: dev)
  --config             any stack settings file; the stack name is its file name without "Pulumi." and ".yaml".
                       A relative path is taken from the directory npm was started in ($INIT_CWD; npm run itself
                       runs in the package root), else from the current directory
  --timeout            watchdog for the whole lab, seconds (default: 60)
  --skip-unprivileged  without root (or without ip, iptables, sysctl) count the flows as skipped and exit 0,
                       instead of failing
  --fault              for testing the lab itself: no-agent (never install the agent's rules), crash (throw after
                       building), hang (stall until the watchdog fires)`;

export type Fault = "none" | "no-agent" | "crash" | "hang";

export interface LabOptions {
    stack: string;
    /** The stack settings file, absolute. */
    file: string;
    /** True when the file was named with --config. */
    fromConfig: boolean;
    timeoutSeconds: number;
    verbose: boolean;
    skipUnprivileged: boolean;
    fault: Fault;
}

/**
 * Parses the lab's arguments. `cwd` is where relative --config paths start: pass `labCwd()` (npm's INIT_CWD).
 * Throws UsageError.
 */
export function parseLabArgs(argv: string[], projectDir: string, cwd: string): LabOptions {
    const { values } = parseCommandLine(
        argv,
        {
            stack: { type: "string" },
            config: { type: "string" },
            timeout: { type: "string", default: "60" },
            fault: { type: "string", default: "none" },
            "skip-unprivileged": { type: "boolean", default: false },
            verbose: { type: "boolean", short: "v", default: false },
        },
        USAGE,
    );
    const config = values.config as string | undefined;
    if (values.stack !== undefined && config !== undefined)
        throw new UsageError(`name one of --stack or --config, not both\n${USAGE}`);
    if (config === "") throw new UsageError(`--config needs a file\n${USAGE}`);
    const timeoutSeconds = Number(values.timeout);
    const fault = values.fault as Fault;
    if (!(timeoutSeconds > 0 && timeoutSeconds <= 600)) throw new UsageError(`--timeout takes 1–600 seconds\n${USAGE}`);
    if (!["none", "no-agent", "crash", "hang"].includes(fault))
        throw new UsageError(`unknown fault "${fault}"\n${USAGE}`);
    const common = {
        timeoutSeconds,
        verbose: values.verbose === true,
        skipUnprivileged: values["skip-unprivileged"] === true,
        fault,
    };
    if (config !== undefined) {
        const file = path.resolve(cwd, config);
        return { stack: stackNameOf(file), file, fromConfig: true, ...common };
    }
    const stack = (values.stack as string | undefined) ?? "dev";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`"${stack}" is not a stack name\n${USAGE}`);
    return { stack, file: stackFile(projectDir, stack), fromConfig: false, ...common };
}

/** The stack a settings file is for, as `npm run plan -- --config` names it: Pulumi.<stack>.yaml → <stack>. */
export function stackNameOf(file: string): string {
    return path
        .basename(file)
        .replace(/^Pulumi\./, "")
        .replace(/\.ya?ml$/, "");
}

/** Where the user started the command: npm sets INIT_CWD (and runs the script in the package root). */
export function labCwd(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
    return env.INIT_CWD ? path.resolve(cwd, env.INIT_CWD) : cwd;
}

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

/**
 * Why this process cannot build the lab, or undefined when it can: it needs root (`ip netns add` mounts a
 * namespace: CAP_SYS_ADMIN; links, routes and iptables: CAP_NET_ADMIN) and the tools. `capEff` is the CapEff line
 * of /proc/self/status (hex), when readable.
 */
export function privilegeProblem(
    uid: number | undefined,
    capEff: string | undefined,
    missingCommands: readonly string[],
): { summary: string; detail: string } | undefined {
    if (uid !== undefined && uid !== 0) {
        return {
            summary: "not root",
            detail:
                "needs root (it creates network namespaces, veth pairs and iptables rules inside them); " +
                `running as uid ${uid}. Run it as root, as CI does`,
        };
    }
    if (capEff !== undefined && /^[0-9a-f]+$/i.test(capEff)) {
        const caps = BigInt(`0x${capEff}`);
        const lacking = [
            [CAP_SYS_ADMIN, "CAP_SYS_ADMIN"],
            [CAP_NET_ADMIN, "CAP_NET_ADMIN"],
        ]
            .filter(([bit]) => (caps & (1n << BigInt(bit))) === 0n)
            .map(([, name]) => name);
        if (lacking.length > 0) {
            return {
                summary: `no ${lacking.join(", ")}`,
                detail:
                    `root without ${lacking.join(" and ")} (a restricted container?): ` +
                    "cannot create network namespaces",
            };
        }
    }
    if (missingCommands.length > 0) {
        return {
            summary: `${missingCommands.join(", ")} not found`,
            detail:
                `${missingCommands.join(", ")} not found. Install with: apt-get install -y iptables iproute2 procps ` +
                "(.ci/run installs them before `npm run lab`)",
        };
    }
    return undefined;
}
