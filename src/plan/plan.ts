/**
 * The offline plan: runs the real stack program under Pulumi's mock runtime (no Azure account, no Pulumi CLI) and
 * shows what `pulumi up` would create, the address plan, and where pod traffic is NAT'd.
 *
 *   npm run plan -- --stack dev                 text report for Pulumi.dev.yaml
 *   npm run plan -- --config my-stack.yaml      any stack settings file
 *   npm run -s plan -- --stack dev --json       one JSON document: { resources, replacements, addressPlan, manifests, nat }
 *                                               (-s: without npm's banner on stdout, so that it pipes into jq)
 *   npm run plan -- --stack dev --out k8s/      the Kubernetes manifests as YAML, ready for kubectl apply -f
 *   npm run plan -- --stack prod --svg plan.svg the address map drawn to scale as SVG (with any of the above)
 *   npm run -s plan -- --stack dev --diff base.json   the review of the change against an earlier --json plan (tools/diff.ts)
 *
 * Relative paths are the user's (INIT_CWD under `npm run plan`, else the working folder). An output the plan cannot
 * write exits with 73 (sysexits EX_CANTCREAT) and one line naming the path and the fix.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { readConfigFile, stackFile } from "../../program/stackFile";
import { parseCommandLine, UsageError } from "./cli";
import { natSummary, renderAccess, renderAddressPlan, renderCreationOrder, renderResourceTree } from "./report";
import { plannedReplacements, renderReplacements } from "./replacements";
import { renderAddressMap } from "./svg";
import { BasePlanError, diffPlans, PlanDocument, readBasePlan, renderDiffJson, renderDiffMarkdown } from "./diff";
import { PlannedResource, runProgram } from "./runProgram";
import { AddressPlan } from "../planner/types";

const PROJECT_DIR = projectDir(__dirname);

/** The folder holding Pulumi.yaml, above this file (tools/ in the sources, dist/tools/ when transpiled). */
function projectDir(from: string): string {
    let dir = from;
    while (!fs.existsSync(path.join(dir, "Pulumi.yaml")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    return dir;
}

interface CliOptions {
    stack?: string;
    config?: string;
    json: boolean;
    out?: string;
    svg?: string;
    /** A plan JSON to compare with: prints the review of the change instead of the plan. */
    diff?: string;
    /** With --diff: warn when a subnet's headroom falls below this percentage of its allocatable addresses. */
    headroomWarning?: number;
}

const USAGE =
    "usage: npm run plan -- (--stack <name> | --config <file>) [--json] [--out <dir>] [--svg <file>] [--diff <base.json> [--headroom-warning <percent>]]";

export function parseArgs(argv: string[]): CliOptions {
    const { values } = parseCommandLine(
        argv,
        {
            stack: { type: "string" },
            config: { type: "string" },
            out: { type: "string" },
            svg: { type: "string" },
            json: { type: "boolean", default: false },
            diff: { type: "string" },
            "headroom-warning": { type: "string" },
        },
        USAGE,
    );
    const { "headroom-warning": headroomWarning, ...rest } = values;
    const options = rest as unknown as CliOptions;
    if (!options.stack === !options.config) throw new UsageError(`name exactly one of --stack or --config\n${USAGE}`);
    if (headroomWarning !== undefined) {
        const percent = Number(headroomWarning);
        if (options.diff === undefined) throw new UsageError(`--headroom-warning needs --diff\n${USAGE}`);
        if (headroomWarning === "" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
            throw new UsageError(
                `--headroom-warning takes a percentage from 0 to 100, got "${headroomWarning}"\n${USAGE}`,
            );
        }
        options.headroomWarning = percent;
    }
    return options;
}

/** Kubernetes objects as deployed: the recorded inputs of every kubernetes:* resource, in deployment order. */
export function manifestsOf(resources: PlannedResource[]): Record<string, any>[] {
    const order = ["ConfigMap", "DaemonSet"];
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r) => r.inputs)
        .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

export async function main(argv: string[]): Promise<number> {
    let options: CliOptions;
    try {
        options = parseArgs(argv);
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        return 64;
    }
    // Relative paths are the user's: `npm run` starts scripts in the package folder and names the caller's in INIT_CWD.
    const userDir =
        process.env.npm_lifecycle_event === "plan" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
    const file = options.config ? path.resolve(userDir, options.config) : stackFile(PROJECT_DIR, options.stack!);
    const stack =
        options.stack ??
        path
            .basename(file)
            .replace(/^Pulumi\./, "")
            .replace(/\.ya?ml$/, "");
    if (!fs.existsSync(file)) {
        process.stderr.write(`no stack settings file ${file}\n${USAGE}\n`);
        return 66;
    }
    // --diff: the base plan is checked before the program runs; a bad one is one line on stderr (65 data, 66 file).
    let base: PlanDocument | undefined;
    if (options.diff !== undefined) {
        try {
            base = readBasePlan(
                options.diff,
                options.stack ? `--stack ${options.stack}` : `--config ${options.config}`,
            );
        } catch (error) {
            if (!(error instanceof BasePlanError)) throw error;
            process.stderr.write(`${error.message}\n`);
            return error.exitCode;
        }
    }

    // Where the plan writes: checked before the program runs, so that a wrong path costs no time.
    const out = options.out === undefined ? undefined : outputPath(options.out, userDir);
    const svg = options.svg === undefined ? undefined : outputPath(options.svg, userDir);
    try {
        if (out) checkOutFolder(out);
        if (svg) checkSvgFile(svg);
    } catch (error) {
        if (!(error instanceof OutputError)) throw error;
        process.stderr.write(`${error.message}\n`);
        return EX_CANTCREAT;
    }

    let run;
    try {
        run = await runProgram({ stack, config: readConfigFile(file, PROJECT_DIR), stackTraces: false });
    } catch (error) {
        // Configuration problems arrive as one message listing each problem with its key; print it, no stack trace.
        process.stderr.write(`${(error as Error).message}\n`);
        return 2;
    }
    const resources = run.resources;
    const manifests = manifestsOf(resources);
    const plan = run.outputs.addressPlan;

    const nat = natSummary(plan, manifests);
    try {
        if (out) writeManifests(out, manifests);
        if (svg) writeFileIn(svg, renderAddressMap(plan, stack, nat), "--svg");
    } catch (error) {
        if (!(error instanceof OutputError)) throw error;
        process.stderr.write(`${error.message}\n`);
        return EX_CANTCREAT;
    }

    if (base) {
        const next = planDocument(resources, plan, manifests) as unknown as PlanDocument;
        const diff = diffPlans(base, next, {
            stack,
            base: options.diff,
            headroomWarningPercent: options.headroomWarning,
        });
        process.stdout.write(options.json ? renderDiffJson(diff) : renderDiffMarkdown(diff));
        return 0;
    }

    if (options.json) {
        process.stdout.write(`${JSON.stringify(planDocument(resources, plan, manifests), null, 2)}\n`);
    } else {
        const cluster = resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster");
        const lines = [
            `Offline plan of stack "${stack}" (${path.relative(userDir, file) || file}) — Pulumi mock runtime: no Azure, no Pulumi CLI`,
            "",
            `Resources (${resources.length})`,
            ...renderResourceTree(resources),
            "",
            ...renderCreationOrder(resources),
            "",
            ...renderReplacements(resources),
            "",
            ...renderAccess(resources),
            "",
            "Address plan",
            ...renderAddressPlan(plan, nat, cluster?.inputs.networkProfile?.outboundType ?? "?"),
        ];
        if (out) {
            const shown = shownPath(out, userDir);
            lines.push(
                "",
                manifests.length
                    ? `Kubernetes manifests written to ${shown} (kubectl apply -f ${shown})`
                    : `No Kubernetes manifests in this plan: ${shown} is left empty`,
            );
        }
        if (svg) lines.push("", `Address map written to ${shownPath(svg, userDir)}`);
        process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
}

/**
 * The `--json` document. Each resource's `dependsOn` names every resource it waits for (explicit `dependsOn`, the
 * resources whose outputs its inputs read, its provider), sorted, as they appear in `resources[].name`; a component
 * stands for all of its resources.
 */
export function planDocument(resources: PlannedResource[], addressPlan: unknown, manifests: Record<string, any>[]) {
    return {
        resources: resources.map((r) => ({
            type: r.type,
            name: r.name,
            parent: r.parent,
            dependsOn: r.dependencies,
            inputs: redactSecrets(r),
        })),
        replacements: plannedReplacements(resources),
        addressPlan,
        manifests,
        // What NATs pod traffic: the agent, or nothing (turned off, or cleaning up); the text plan says the same.
        nat: natSummary(addressPlan as AddressPlan | undefined, manifests),
    };
}

// --- Writing files -------------------------------------------------------------------------------------------

/** sysexits.h EX_CANTCREAT: a (user) output file cannot be created. */
const EX_CANTCREAT = 73;

/** A path the plan cannot write: one line naming the path and the fix. */
class OutputError extends Error {}

/** The manifests' names: `NN-kind-name.yaml`, numbered in apply order. Files of that form are this tool's. */
const MANIFEST_FILE = /^\d{2}-[a-z0-9]+-[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.yaml$/;

function manifestFileName(manifest: Record<string, any>, index: number): string {
    return `${String(index).padStart(2, "0")}-${String(manifest.kind).toLowerCase()}-${manifest.metadata.name}.yaml`;
}

function outputPath(given: string, userDir: string): { given: string; path: string } {
    return { given, path: path.resolve(userDir, given) };
}

/** How a written path is printed: relative to the user's folder when inside it (works as typed there), else absolute. */
function shownPath(target: { path: string }, userDir: string): string {
    const relative = path.relative(userDir, target.path);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative)
        ? relative
        : relative === ""
          ? "."
          : target.path;
}

function statOf(file: string): fs.Stats | undefined {
    try {
        return fs.statSync(file);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new OutputError(`${file}: cannot be read: ${reason(error)}; name another path`);
    }
}

function reason(error: unknown): string {
    const code = (error as NodeJS.ErrnoException).code;
    const known: Record<string, string> = {
        EACCES: "permission denied",
        EPERM: "operation not permitted",
        EROFS: "read-only file system",
        ENOSPC: "no space left on the device",
        ENOTDIR: "a part of the path is a file, not a folder",
        EISDIR: "is a folder",
        ENOENT: "no such file or folder",
        EEXIST: "already exists",
    };
    return code && known[code] ? `${known[code]} (${code})` : (code ?? String((error as Error).message).split("\n")[0]);
}

/** --out: a folder that is new, empty, or holds only manifests this tool wrote before. */
function checkOutFolder(out: { given: string; path: string }): void {
    const stat = statOf(out.path);
    if (!stat) return;
    if (!stat.isDirectory())
        throw new OutputError(
            `--out ${out.given}: is a file, not a folder: name a folder for the manifests, e.g. --out k8s/`,
        );
    let entries: string[];
    try {
        entries = fs.readdirSync(out.path);
    } catch (error) {
        throw new OutputError(
            `--out ${out.given}: cannot be read: ${reason(error)}; name a folder you can write, e.g. --out k8s/`,
        );
    }
    const foreign = entries.filter((name) => !MANIFEST_FILE.test(name));
    if (foreign.length) {
        const listed =
            foreign.length > 3 ? `${foreign.slice(0, 3).join(", ")}, … ${foreign.length} in all` : foreign.join(", ");
        throw new OutputError(
            `--out ${out.given}: holds files this plan did not write (${listed}): name an empty or new folder, or move them away`,
        );
    }
}

/** --svg: a file (new or to be replaced), not a folder. */
function checkSvgFile(svg: { given: string; path: string }): void {
    const stat = statOf(svg.path);
    if (stat?.isDirectory())
        throw new OutputError(
            `--svg ${svg.given}: is a folder, not a file: name the SVG file, e.g. --svg ${path.join(svg.given, "plan.svg")}`,
        );
}

/**
 * Creates `dir` and its missing parents, one level at a time (bounded by the path's depth; fs.mkdirSync's
 * recursive mode loops forever under /proc on Node 20).
 */
function makeFolder(dir: string, option: string, given: string): void {
    const missing: string[] = [];
    for (let current = dir; ; current = path.dirname(current)) {
        const stat = statOf(current);
        if (stat?.isDirectory()) break;
        if (stat)
            throw new OutputError(
                `${option} ${given}: cannot create it: ${current} is a file, not a folder; name another path`,
            );
        if (path.dirname(current) === current) break;
        missing.unshift(current);
    }
    for (const folder of missing) {
        try {
            fs.mkdirSync(folder);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "EEXIST" && statOf(folder)?.isDirectory()) continue;
            throw new OutputError(
                `${option} ${given}: cannot create ${folder}: ${reason(error)}; name a path you can write`,
            );
        }
    }
}

/** Writes this plan's manifests into `out`, removing those an earlier plan left there (and nothing else). */
function writeManifests(out: { given: string; path: string }, manifests: Record<string, any>[]): void {
    makeFolder(out.path, "--out", out.given);
    checkOutFolder(out);
    const names = manifests.map(manifestFileName);
    try {
        for (const old of fs.readdirSync(out.path)) {
            if (MANIFEST_FILE.test(old) && !names.includes(old)) fs.rmSync(path.join(out.path, old));
        }
        manifests.forEach((manifest, index) =>
            fs.writeFileSync(path.join(out.path, names[index]), stringify(manifest)),
        );
    } catch (error) {
        throw new OutputError(
            `--out ${out.given}: cannot write the manifests: ${reason(error)}; name a folder you can write`,
        );
    }
}

function writeFileIn(target: { given: string; path: string }, content: string, option: string): void {
    makeFolder(path.dirname(target.path), option, target.given);
    try {
        fs.writeFileSync(target.path, content);
    } catch (error) {
        throw new OutputError(
            `${option} ${target.given}: cannot be written: ${reason(error)}; name a path you can write`,
        );
    }
}

/** The Kubernetes provider's kubeconfig is a secret: never print it. */
function redactSecrets(resource: PlannedResource): Record<string, any> {
    return resource.type === "pulumi:providers:kubernetes"
        ? { ...resource.inputs, kubeconfig: "[secret]" }
        : resource.inputs;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
