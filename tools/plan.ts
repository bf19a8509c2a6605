/**
 * The offline plan: runs the real stack program under Pulumi's mock runtime (no Azure account, no Pulumi CLI) and
 * shows what `pulumi up` would create, the address plan, and where pod traffic is NAT'd.
 *
 *   npm run plan -- --stack dev                 text report for Pulumi.dev.yaml
 *   npm run plan -- --config my-stack.yaml      any stack settings file
 *   npm run plan -- --stack dev --json          one JSON document: { resources, addressPlan, manifests }
 *   npm run plan -- --stack dev --out k8s/      the Kubernetes manifests as YAML, ready for kubectl apply -f
 *   npm run plan -- --stack prod --svg plan.svg the address map drawn to scale as SVG (with any of the above)
 *   npm run -s plan -- --stack dev --diff base.json   the review of the change against an earlier --json plan (tools/diff.ts)
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { readConfigFile, stackFile } from "../program/stackFile";
import { parseCommandLine, UsageError } from "./cli";
import { renderAccess, renderAddressPlan, renderCreationOrder, renderResourceTree } from "./report";
import { plannedReplacements, renderReplacements } from "./replacements";
import { renderAddressMap } from "./svg";
import { BasePlanError, diffPlans, PlanDocument, readBasePlan, renderDiffJson, renderDiffMarkdown } from "./diff";
import { PlannedResource, runProgram } from "./runProgram";

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
    const { values } = parseCommandLine(argv, {
        stack: { type: "string" },
        config: { type: "string" },
        out: { type: "string" },
        svg: { type: "string" },
        json: { type: "boolean", default: false },
        diff: { type: "string" },
        "headroom-warning": { type: "string" },
    }, USAGE);
    const { "headroom-warning": headroomWarning, ...rest } = values;
    const options = rest as unknown as CliOptions;
    if (!options.stack === !options.config) throw new UsageError(`name exactly one of --stack or --config\n${USAGE}`);
    if (headroomWarning !== undefined) {
        const percent = Number(headroomWarning);
        if (options.diff === undefined) throw new UsageError(`--headroom-warning needs --diff\n${USAGE}`);
        if (headroomWarning === "" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
            throw new UsageError(`--headroom-warning takes a percentage from 0 to 100, got "${headroomWarning}"\n${USAGE}`);
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
    const file = options.config ? path.resolve(options.config) : stackFile(PROJECT_DIR, options.stack!);
    const stack = options.stack ?? path.basename(file).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
    if (!fs.existsSync(file)) {
        process.stderr.write(`no stack settings file ${file}\n${USAGE}\n`);
        return 66;
    }
    // --diff: the base plan is checked before the program runs; a bad one is one line on stderr (65 data, 66 file).
    let base: PlanDocument | undefined;
    if (options.diff !== undefined) {
        try {
            base = readBasePlan(options.diff, options.stack ? `--stack ${options.stack}` : `--config ${options.config}`);
        } catch (error) {
            if (!(error instanceof BasePlanError)) throw error;
            process.stderr.write(`${error.message}\n`);
            return error.exitCode;
        }
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

    if (options.out) {
        fs.mkdirSync(options.out, { recursive: true });
        manifests.forEach((manifest, index) => {
            const name = `${String(index).padStart(2, "0")}-${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`;
            fs.writeFileSync(path.join(options.out!, name), stringify(manifest));
        });
    }

    if (options.svg) {
        fs.mkdirSync(path.dirname(path.resolve(options.svg)), { recursive: true });
        fs.writeFileSync(options.svg, renderAddressMap(plan, stack));
    }

    if (base) {
        const next = planDocument(resources, plan, manifests) as unknown as PlanDocument;
        const diff = diffPlans(base, next, { stack, base: options.diff, headroomWarningPercent: options.headroomWarning });
        process.stdout.write(options.json ? renderDiffJson(diff) : renderDiffMarkdown(diff));
        return 0;
    }

    if (options.json) {
        process.stdout.write(`${JSON.stringify(planDocument(resources, plan, manifests), null, 2)}\n`);
    } else {
        const agent = manifests.find((m) => m.kind === "DaemonSet");
        const chain = agent?.spec.template.spec.containers[0].args.find((a: string) => a.startsWith("--masq-chain="))?.split("=")[1] ?? "?";
        const cluster = resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster");
        const lines = [
            `Offline plan of stack "${stack}" (${path.relative(process.cwd(), file) || file}) — Pulumi mock runtime: no Azure, no Pulumi CLI`,
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
            ...renderAddressPlan(plan, chain, cluster?.inputs.networkProfile?.outboundType ?? "?"),
        ];
        if (options.out) lines.push("", `Kubernetes manifests written to ${options.out} (kubectl apply -f ${options.out})`);
        if (options.svg) lines.push("", `Address map written to ${options.svg}`);
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
        resources: resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, dependsOn: r.dependencies, inputs: redactSecrets(r) })),
        replacements: plannedReplacements(resources),
        addressPlan,
        manifests,
    };
}

/** The Kubernetes provider's kubeconfig is a secret: never print it. */
function redactSecrets(resource: PlannedResource): Record<string, any> {
    return resource.type === "pulumi:providers:kubernetes" ? { ...resource.inputs, kubeconfig: "[secret]" } : resource.inputs;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
