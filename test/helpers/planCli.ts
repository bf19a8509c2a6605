/** The offline plan as a user runs it: `node dist/src/plan/plan.js` (transpiled by tooling/transpile.mjs). */
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
export const PLAN_CLI = path.join(ROOT, "dist", "src", "plan", "plan.js");

export interface CliRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
}

export interface CliOptions {
    /** The working folder. Default: the repository. */
    cwd?: string;
    /** Run as `npm run plan` does from this folder (INIT_CWD, npm_lifecycle_event). Default: as the plain command. */
    npm?: string;
    timeoutMs?: number;
}

/** Runs the plan CLI with `args` and collects its exit, output and duration; never rejects on a non-zero exit. */
export function runPlanCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
    const env = { ...process.env };
    delete env.INIT_CWD;
    delete env.npm_lifecycle_event;
    if (options.npm) Object.assign(env, { INIT_CWD: options.npm, npm_lifecycle_event: "plan" });
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [PLAN_CLI, ...args], {
            cwd: options.cwd ?? ROOT,
            env,
            stdio: ["ignore", "pipe", "pipe"],
            timeout: options.timeoutMs ?? 60_000,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
    });
}
