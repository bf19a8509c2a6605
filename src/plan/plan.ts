#!/usr/bin/env node
/**
 * The offline plan: runs a Pulumi program that uses these components under Pulumi's mock runtime (no Azure account,
 * no Pulumi CLI) and shows what `pulumi up` would create, the address plan, and where pod traffic is NAT'd. The
 * package's bin `aks-pod-subnet-plan` (a platform team's own project: Pulumi.yaml, its program, its stack files),
 * and this repository's `npm run plan`:
 *
 *   npm run plan -- --stack dev                 text report for Pulumi.dev.yaml
 *   npm run plan -- --config my-stack.yaml      any stack settings file
 *   npm run -s plan -- --stack dev --json       one JSON document:
 *                                               { resources, replacements, addressPlan, manifests, nat }
 *                                               (-s: without npm's banner on stdout, so that it pipes into jq)
 *   npm run plan -- --stack dev --out k8s/      the Kubernetes manifests as YAML, ready for kubectl apply -f
 *   npm run plan -- --stack prod --svg plan.svg the address map drawn to scale as SVG (with any of the above)
 *   npm run -s plan -- --stack dev --diff base.json
 *                                               the review of the change against an earlier --json plan (diff.ts)
 *   aks-pod-subnet-plan --program infra/ --stack dev --json    the same for the project in infra/
 *
 * The project is --program's folder, else the nearest folder with Pulumi.yaml from the working folder up, else from
 * the --config file's. Relative paths are the user's (INIT_CWD under `npm run plan`, else the working folder). An
 * output the plan cannot write exits with 73 (sysexits EX_CANTCREAT) and one line naming the path and the fix.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { parseCommandLine, UsageError } from "./cli";
import { natSummary, renderAccess, renderAddressPlan, renderCreationOrder, renderResourceTree } from "./report";
import { plannedReplacements, renderReplacements } from "./replacements";
import { renderAddressMap } from "./svg";
import { BasePlanError, diffPlans, PlanDocument, readBasePlan, renderDiffJson, renderDiffMarkdown } from "./diff";
import { foreignPulumiSdk, registerTypeScript } from "./loader";
import { networksOf, PlannedNetwork } from "./networks";
import { KubernetesObject, ManagedClusterInputs } from "./inputs";
import { findProjectDir, ProjectError, PulumiProject, readProject } from "./project";
import { AzureMocks } from "./mocks";
import { PlannedResource, ProgramRun, runProgram } from "./runProgram";
import { readStackOutputs, StackOutputsError } from "./stackOutputs";
import { problemsOfMessage, readStackFile, stackFile, stackFileError, stackNameOf } from "./stackFile";
import { AddressPlan } from "../planner/types";
import { ConfigurationError } from "../errors";

/** The package's bin (package.json `bin`). */
export const BIN = "aks-pod-subnet-plan";

/** How the user started the plan, for the usage and the fixes: the bin, or this repository's `npm run plan --`. */
function commandName(): string {
    const installed = __dirname.split(path.sep).includes("node_modules");
    return installed || path.basename(process.argv[1] ?? "") === BIN ? BIN : "npm run plan --";
}
const COMMAND = commandName();

interface CliOptions {
    /** The Pulumi project's folder (Pulumi.yaml). */
    program?: string;
    stack?: string;
    config?: string;
    json: boolean;
    out?: string;
    svg?: string;
    /** A plan JSON to compare with: prints the review of the change instead of the plan. */
    diff?: string;
    /** With --diff: warn when a subnet's headroom falls below this percentage of its allocatable addresses. */
    headroomWarning?: number;
    /** `NAME=FILE`: the outputs of another stack the program references. */
    stackOutputs: string[];
}

const USAGE =
    `usage: ${COMMAND} [--program <dir>] (--stack <name> | --config <file>) [--json] [--out <dir>] [--svg <file>] ` +
    "[--diff <base.json> [--headroom-warning <percent>]] [--stack-outputs <org/project/stack>=<file> ...]";

export function parseArgs(argv: string[]): CliOptions {
    const { values } = parseCommandLine(
        argv,
        {
            program: { type: "string" },
            stack: { type: "string" },
            config: { type: "string" },
            out: { type: "string" },
            svg: { type: "string" },
            json: { type: "boolean", default: false },
            diff: { type: "string" },
            "headroom-warning": { type: "string" },
            "stack-outputs": { type: "string", multiple: true, default: [] },
        },
        USAGE,
    );
    const { "headroom-warning": headroomWarning, "stack-outputs": stackOutputs, ...rest } = values;
    const options = { ...rest, stackOutputs } as unknown as CliOptions;
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
export function manifestsOf(resources: PlannedResource[]): Record<string, unknown>[] {
    const order = ["ConfigMap", "DaemonSet"];
    const rank = (manifest: Record<string, unknown>) => order.findIndex((kind) => kind === manifest.kind);
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r): Record<string, unknown> => r.inputs)
        .sort((a, b) => rank(a) - rank(b));
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
    const given = options.config ? path.resolve(userDir, options.config) : undefined;
    let project: PulumiProject;
    try {
        project = readProject(projectDirOf(options, userDir, given));
    } catch (error) {
        if (!(error instanceof ProjectError)) throw error;
        process.stderr.write(`${error.message}\n${USAGE}\n`);
        return 66;
    }
    const file = given ?? stackFile(project.dir, options.stack!);
    const stack = options.stack ?? stackNameOf(file);
    if (!fs.existsSync(file)) {
        process.stderr.write(`no stack settings file ${file}\n${USAGE}\n`);
        return 66;
    }
    // --diff: the base plan is checked before the program runs; a bad one is one line on stderr (65 data, 66 file).
    let base: PlanDocument | undefined;
    if (options.diff !== undefined) {
        try {
            const planArgs = options.stack ? `--stack ${options.stack}` : `--config ${options.config}`;
            base = readBasePlan(options.diff, planArgs, COMMAND === BIN ? BIN : undefined);
        } catch (error) {
            if (!(error instanceof BasePlanError)) throw error;
            process.stderr.write(`${error.message}\n`);
            return error.exitCode;
        }
    }

    // Other stacks' outputs: read before the program runs, so that a bad file costs no time.
    let otherStacks: Record<string, Record<string, unknown>>;
    try {
        otherStacks = readStackOutputs(options.stackOutputs, userDir);
    } catch (error) {
        if (!(error instanceof StackOutputsError)) throw error;
        process.stderr.write(`${error.message}\n`);
        return error.exitCode;
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

    // The mocks are set on the plan's @pulumi/pulumi: the program must load that one (a peer dependency).
    const sdk = foreignPulumiSdk(project.dir);
    if (sdk) {
        process.stderr.write(`${sdk}\n`);
        return 2;
    }
    registerTypeScript(project.dir);

    let run: ProgramRun;
    try {
        run = await runUserProgram(project, file, stack, otherStacks);
    } catch (error) {
        // Configuration problems arrive as one message listing each problem with its key; print it, no stack trace.
        process.stderr.write(`${(error as Error).message}\n`);
        return 2;
    }
    const resources = run.resources;
    const manifests = manifestsOf(resources);
    const networks = networksOf(run, manifestsOf);
    // This repository's stack exports its plan; a program of one Network has that Network's.
    const plan: AddressPlan | undefined =
        run.outputs.addressPlan ?? (networks.length === 1 ? networks[0].addressPlan : undefined);
    const several = plan === undefined && networks.length > 1;

    const nat = natSummary(plan, manifests);
    try {
        if (
            out &&
            several &&
            new Set(resources.map((r) => r.custom && r.type.startsWith("kubernetes:") && r.provider)).size > 2
        )
            throw new OutputError(
                `--out ${out.given}: the program deploys to ${networks.length} clusters, ` +
                    "whose manifests share names: " +
                    "plan them one at a time, or leave --out out and read them from the --json plan",
            );
        if (out) writeManifests(out, manifests);
        if (svg && !several) writeFileIn(svg, renderAddressMap(plan!, stack, nat), "--svg");
        if (svg && several) {
            for (const n of networks)
                writeFileIn(svgOf(svg, n), renderAddressMap(n.addressPlan, stack, n.nat), "--svg");
        }
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
        const document = several
            ? { ...planDocument(resources, undefined, manifests), nat: undefined, networks: networks.map(networkJson) }
            : planDocument(resources, plan, manifests);
        process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
        const cluster: ManagedClusterInputs | undefined = resources.find(
            (r) => r.type === "azure-native:containerservice:ManagedCluster",
        )?.inputs;
        const shownFile = path.relative(userDir, file) || file;
        const lines = [
            `Offline plan of stack "${stack}" (${shownFile}) — Pulumi mock runtime: no Azure, no Pulumi CLI`,
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
            ...(several
                ? networks.flatMap((n) => [
                      `Address plan of ${n.name}`,
                      ...renderAddressPlan(n.addressPlan, n.nat, n.outboundType),
                      "",
                  ])
                : plan
                  ? ["Address plan", ...renderAddressPlan(plan, nat, cluster?.networkProfile?.outboundType ?? "?")]
                  : ["No address plan: the program builds no Network and exports no addressPlan"]),
        ];
        if (several) lines.pop();
        if (out) {
            const shown = shownPath(out, userDir);
            lines.push(
                "",
                manifests.length
                    ? `Kubernetes manifests written to ${shown} (kubectl apply -f ${shown})`
                    : `No Kubernetes manifests in this plan: ${shown} is left empty`,
            );
        }
        if (svg && !several) lines.push("", `Address map written to ${shownPath(svg, userDir)}`);
        if (svg && several) {
            lines.push(
                "",
                ...networks.map((n) => `Address map of ${n.name} written to ${shownPath(svgOf(svg, n), userDir)}`),
            );
        }
        process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
}

/**
 * The project: --program's folder, else the nearest folder with Pulumi.yaml from the working folder up (as the
 * Pulumi CLI finds it; under `npm run` the package's folder), else from the --config file's folder up.
 */
function projectDirOf(options: CliOptions, userDir: string, configFile: string | undefined): string {
    if (options.program !== undefined) return path.resolve(userDir, options.program);
    const found = findProjectDir(process.cwd()) ?? (configFile ? findProjectDir(path.dirname(configFile)) : undefined);
    if (found) return found;
    throw new ProjectError(
        `no Pulumi.yaml in ${process.cwd()} or above: run the plan in your Pulumi project's folder, ` +
            "or name it with --program <dir>",
    );
}

/**
 * Runs the program on the stack file. A file with problems still runs the program, on the rest of its settings,
 * so that the one error lists the file's problems and the program's own configuration problems together.
 */
async function runUserProgram(
    project: PulumiProject,
    file: string,
    stack: string,
    otherStacks: Record<string, Record<string, unknown>>,
): Promise<ProgramRun> {
    const reading = readStackFile(file, project.dir);
    const options = { stack, project: project.name, program: project.program, stackTraces: false };
    const run = () =>
        quietly(() => runProgram({ ...options, config: reading.config, mocks: new AzureMocks({}, otherStacks) }));
    if (reading.problems.length === 0) return await run();
    let programProblems: ReturnType<typeof problemsOfMessage> = [];
    try {
        await run();
    } catch (error) {
        programProblems =
            error instanceof ConfigurationError
                ? [...error.problems]
                : problemsOfMessage(String((error as Error)?.message));
    }
    throw stackFileError(reading, programProblems);
}

/** Runs `action` with anything the program prints to stdout sent to stderr: stdout is the plan's (pipes into jq). */
async function quietly<T>(action: () => Promise<T>): Promise<T> {
    const write = process.stdout.write;
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
    try {
        return await action();
    } finally {
        process.stdout.write = write;
    }
}

/** With several address plans, --svg plan.svg writes plan-<network>.svg per Network. */
function svgOf(svg: { given: string; path: string }, network: PlannedNetwork): { given: string; path: string } {
    const suffixed = (file: string) => file.replace(/(\.svg)?$/i, (ext) => `-${network.name}${ext || ".svg"}`);
    return { given: suffixed(svg.given), path: suffixed(svg.path) };
}

function networkJson(network: PlannedNetwork) {
    return {
        name: network.name,
        addressPlan: network.addressPlan,
        outboundType: network.outboundType,
        nat: network.nat,
    };
}

/**
 * The `--json` document. Each resource's `dependsOn` names every resource it waits for (explicit `dependsOn`, the
 * resources whose outputs its inputs read, its provider), sorted, as they appear in `resources[].name`; a component
 * stands for all of its resources.
 */
export function planDocument(resources: PlannedResource[], addressPlan: unknown, manifests: Record<string, unknown>[]) {
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

function manifestFileName(manifest: KubernetesObject, index: number): string {
    return `${String(index).padStart(2, "0")}-${String(manifest.kind).toLowerCase()}-${manifest.metadata!.name}.yaml`;
}

function outputPath(given: string, userDir: string): { given: string; path: string } {
    return { given, path: path.resolve(userDir, given) };
}

/**
 * How a written path is printed: relative to the user's folder when inside it (works as typed there), else absolute.
 */
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
            `--out ${out.given}: holds files this plan did not write (${listed}): ` +
                "name an empty or new folder, or move them away",
        );
    }
}

/** --svg: a file (new or to be replaced), not a folder. */
function checkSvgFile(svg: { given: string; path: string }): void {
    const stat = statOf(svg.path);
    if (stat?.isDirectory())
        throw new OutputError(
            `--svg ${svg.given}: is a folder, not a file: ` +
                `name the SVG file, e.g. --svg ${path.join(svg.given, "plan.svg")}`,
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
function writeManifests(out: { given: string; path: string }, manifests: Record<string, unknown>[]): void {
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
function redactSecrets(resource: PlannedResource): Record<string, unknown> {
    return resource.type === "pulumi:providers:kubernetes"
        ? { ...resource.inputs, kubeconfig: "[secret]" }
        : resource.inputs;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
