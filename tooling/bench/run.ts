/**
 * npm run bench: wall-clock timings of whole processes, as a user experiences them.
 *  - floor: a Node process that only loads the SDK modules the program loads (found in the transpiled sources);
 *  - plan: the offline plan of the dev stack (`node dist/src/plan/plan.js --stack dev`);
 *  - fleet-1 / fleet-25: the mock runtime planning 1 and 25 clusters from one program;
 *  - bare-350: as many plain resources as fleet-25 registers (350), without components or planner: the SDK's own
 *    cost, for reading fleet-25 against.
 * Also the address planner alone, in-process. Prints the median of several runs and the ratios plan/floor
 * (goal ≤ 1.5) and fleet-25/fleet-1 (goal ≤ 4).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readStackConfig } from "../../program/config";
import { readConfigFile } from "../../program/stackFile";
import { planAddresses } from "../../src/planner";

const DIST = path.join(__dirname, "..", "..");
const RUNS = Number(process.env.BENCH_RUNS ?? "7");

/** Every `@pulumi/...` module the transpiled program, components and plan tool require. */
function sdkModules(): string[] {
    // Not src/provider: the multi-language provider is never loaded by the program or the plan.
    const files = ["index.js", "src", "program"]
        .flatMap((entry) => jsFiles(path.join(DIST, entry)))
        .filter((file) => !file.startsWith(path.join(DIST, "src", "provider")));
    const found = new Set<string>();
    for (const file of files) {
        for (const match of fs.readFileSync(file, "utf8").matchAll(/require\("(@pulumi\/[^"]+)"\)/g))
            found.add(match[1]);
    }
    return [...found].sort();
}

function jsFiles(entry: string): string[] {
    if (entry.endsWith(".js")) return [entry];
    return fs
        .readdirSync(entry, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".js"))
        .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** The Node flags `npm run plan` uses (a larger young generation: the SDK allocates many short-lived objects). */
const NODE_FLAGS = ["--max-semi-space-size=64"];

function time(label: string, args: string[], env: Record<string, string> = {}, runs = RUNS): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const result = spawnSync(process.execPath, [...NODE_FLAGS, ...args], {
            cwd: path.join(DIST, ".."),
            env: { ...process.env, ...env },
            encoding: "utf8",
        });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (result.status !== 0) throw new Error(`${label} failed (${result.status}):\n${result.stderr}`);
        samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)];
    console.log(
        `${label.padEnd(10)} median ${median.toFixed(0).padStart(5)} ms   ` +
            `(min ${samples[0].toFixed(0)}, max ${samples[samples.length - 1].toFixed(0)}, ${runs} runs)`,
    );
    return median;
}

/** In-process: microseconds per `planAddresses` call on a stack's planner input. */
function planMicros(stack: string): number {
    const root = path.join(DIST, "..");
    const raw = readConfigFile(path.join(root, `Pulumi.${stack}.yaml`), root);
    const { addressPlanInput } = readStackConfig(
        (key) => raw[key.includes(":") ? key : `aks-pod-subnet:${key}`],
        stack,
    );
    for (let i = 0; i < 2000; i++) planAddresses(addressPlanInput);
    const n = 20000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) planAddresses(addressPlanInput);
    return Number(process.hrtime.bigint() - start) / 1e3 / n;
}

for (const stack of ["dev", "prod"])
    console.log(`planner    ${planMicros(stack).toFixed(0).padStart(5)} µs per planAddresses (${stack}, 20,000 calls)`);

const modules = sdkModules();
console.log(
    `Node ${process.version} ${NODE_FLAGS.join(" ")}; ` +
        `floor loads ${modules.length} SDK modules: ${modules.join(", ")}\n`,
);
const floor = time("floor", ["-e", modules.map((m) => `require(${JSON.stringify(m)});`).join("")]);
const plan = time("plan", [path.join(DIST, "src", "plan", "plan.js"), "--stack", "dev"]);
const fleet1 = time("fleet-1", [path.join(DIST, "tooling", "bench", "fleetRun.js")], { FLEET_SIZE: "1" });
const fleet25 = time("fleet-25", [path.join(DIST, "tooling", "bench", "fleetRun.js")], { FLEET_SIZE: "25" });
const bare = time(
    "bare-350",
    [path.join(DIST, "tooling", "bench", "bareRun.js")],
    { BARE_COUNT: "350" },
    Math.min(RUNS, 3),
);

const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(`\nplan / floor          = ${ratio(plan, floor)}  (goal ≤ 1.5)`);
console.log(`fleet-25 / fleet-1    = ${ratio(fleet25, fleet1)}  (goal ≤ 4)`);
console.log(
    `fleet-25 / bare-350   = ${ratio(fleet25, bare)}  (the same number of resources without this project's code)`,
);
