/**
 * Reads stack configuration the way the Pulumi CLI hands it to a program: the project's declared defaults from
 * Pulumi.yaml, overlaid with Pulumi.<stack>.yaml, as "namespace:key" → string (objects and lists JSON-encoded).
 * The offline plan and the lab use it to run the real program without the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigurationError, ProblemList } from "../src/errors";
import { describeValue } from "../src/planner/cidr";

export const PROJECT = "aks-pod-subnet";

export type RawConfig = Record<string, string>;

/** Declared project config keys (Pulumi.yaml `config:`), with their declaration. */
export function readProjectConfigDeclarations(
    projectDir: string,
): Record<string, { type?: string; description?: string; default?: unknown }> {
    const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) ?? {};
    return project.config ?? {};
}

/** Encodes a YAML value as the string the Pulumi engine passes to the program. */
export function encodeConfigValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Project defaults + the given stack settings file, fully qualified ("aks-pod-subnet:nodeSubnetCidr"). Like the
 * Pulumi CLI, it refuses keys of the project that Pulumi.yaml does not declare, and scalars of the wrong type; and,
 * so that one run shows every problem, it then runs the program's own checks on the rest and raises one
 * ConfigurationError listing all of them (the file's first). A file without its `config:` section is that one problem.
 */
export function readConfigFile(file: string, projectDir = path.dirname(file)): RawConfig {
    const config: RawConfig = {};
    const declarations = readProjectConfigDeclarations(projectDir);
    for (const [key, declaration] of Object.entries(declarations)) {
        if (declaration && typeof declaration === "object" && "default" in declaration) {
            config[qualify(key)] = encodeConfigValue(declaration.default);
        }
    }
    const text = fs.readFileSync(file, "utf8");
    const document = parse(text) ?? {};
    const problems = new ProblemList();
    const values = configSection(document, problems);
    problems.throwIfAny("stack settings file");
    const { rejected, suggested } = checkAgainstDeclarations(values!, declarations, problems);
    for (const [key, value] of Object.entries(values!)) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            problems.add(
                key,
                "is encrypted; the offline plan needs plain values (secrets shape no address): set it as plain text in a copy of the file",
            );
            rejected.add(key);
        }
        if (rejected.has(key)) continue;
        config[qualify(key)] = encodeConfigValue(value);
    }
    if (!problems.isEmpty) throw withProgramProblems(problems, config, stackNameOf(file), rejected, suggested);
    return config;
}

/** The stack name the plan derives from a settings file: `Pulumi.<stack>.yaml` → stack, else the file's base name. */
function stackNameOf(file: string): string {
    return path
        .basename(file)
        .replace(/^Pulumi\./, "")
        .replace(/\.ya?ml$/, "");
}

/** The file's `config:` map, or a problem saying it is missing (settings at the top level are named). */
function configSection(document: unknown, problems: ProblemList): Record<string, unknown> | undefined {
    const top =
        typeof document === "object" && document !== null && !Array.isArray(document)
            ? (document as Record<string, unknown>)
            : {};
    const section = top.config;
    if (section === undefined || section === null) {
        const stray = Object.keys(top).filter((key) => key.includes(":") || Object.hasOwn(ALL_KNOWN, key));
        const found = stray.length
            ? ` (${stray.slice(0, 3).join(", ")}${stray.length > 3 ? ", …" : ""} stand at the top level)`
            : "";
        problems.add(
            "config",
            `the stack settings file has no "config:" section${found}: put every setting under a line "config:", indented by two spaces, e.g. "config:" then "  azure-native:location: westeurope"`,
        );
        return undefined;
    }
    if (typeof section !== "object" || Array.isArray(section)) {
        problems.add(
            "config",
            `expected a map of settings such as "azure-native:location: westeurope", got ${describeValue(section)}`,
        );
        return undefined;
    }
    return section as Record<string, unknown>;
}

/**
 * The program's own problems of a file that already has some, merged into one error. Keys the file refused are
 * checked by the program with their default, so their problems (and "is required" on a key a misspelt one stands
 * for) are left out: one line per fault.
 */
function withProgramProblems(
    problems: ProblemList,
    config: RawConfig,
    stack: string,
    rejected: Set<string>,
    suggested: Set<string>,
): ConfigurationError {
    // Required here, not at the top: the program's checks import the components, which the file reader alone does not need.
    const { readStackConfig } = require("./config") as typeof import("./config");
    const own = new Set(
        [...rejected].map((key) => (key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key)),
    );
    const covered = (key: string) =>
        [...own].some((k) => key === k || key.startsWith(`${k}.`) || key.startsWith(`${k}[`));
    const all = [...problems.problems];
    try {
        readStackConfig((key) => config[qualify(key)], stack);
    } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        for (const p of error.problems) {
            if (covered(p.key) || (suggested.has(p.key) && p.message.startsWith("is required"))) continue;
            all.push(p);
        }
    }
    return new ConfigurationError(all, "stack configuration");
}

const SCALAR_TYPES: Record<string, (value: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => typeof v === "number" && Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
};

/** Keys of other namespaces the program reads; a near miss of one is a typo, anything else the provider's business. */
const FOREIGN_KEYS = ["azure-native:location"];
const ALL_KNOWN: Record<string, true> = { location: true };

/**
 * Adds a problem per undeclared project key (with the key it was probably meant to be) and per scalar of the wrong
 * declared type. Returns the keys refused for their value (`rejected`, as written in the file) and the keys that
 * misspelt ones stand for (`suggested`, as the program names them).
 */
function checkAgainstDeclarations(
    values: Record<string, unknown>,
    declarations: ReturnType<typeof readProjectConfigDeclarations>,
    problems: ProblemList,
): { rejected: Set<string>; suggested: Set<string> } {
    const rejected = new Set<string>();
    const suggested = new Set<string>();
    for (const [qualified, value] of Object.entries(values)) {
        const [namespace, key] = qualified.includes(":") ? splitKey(qualified) : [PROJECT, qualified];
        if (namespace !== PROJECT) {
            if (FOREIGN_KEYS.includes(qualified)) continue;
            const near = FOREIGN_KEYS.find((known) => distance(known, qualified) <= 2 || known.split(":")[1] === key);
            if (near) {
                problems.add(qualified, `is not a setting the program reads: did you mean ${near}?`);
                suggested.add(near);
            }
            continue;
        }
        const declaration = declarations[key];
        if (!declaration) {
            if (key === "location") {
                problems.add(key, "is not a config key of this project: the Azure region is azure-native:location");
                suggested.add("azure-native:location");
                continue;
            }
            const near = nearest(key, Object.keys(declarations));
            if (near) suggested.add(near);
            problems.add(
                key,
                `is not a config key of this project${near ? `: did you mean ${near}?` : "; the keys are declared in Pulumi.yaml and listed in the README"}`,
            );
            continue;
        }
        const type = declaration.type;
        if (type && SCALAR_TYPES[type] && value !== null && typeof value !== "object" && !SCALAR_TYPES[type](value)) {
            const hint =
                type === "string" && typeof value === "number"
                    ? ` — quote it: YAML reads ${key === "kubernetesVersion" ? "1.30 as the number 1.3" : "unquoted digits as a number"}`
                    : "";
            problems.add(
                key,
                `is declared as ${type === "integer" ? "an integer" : `a ${type}`}, got ${describeValue(value)}${hint}`,
            );
            rejected.add(qualified);
        }
    }
    return { rejected, suggested };
}

function splitKey(qualified: string): [string, string] {
    const colon = qualified.indexOf(":");
    return [qualified.slice(0, colon), qualified.slice(colon + 1)];
}

/** The declared key a misspelt one most likely means: same letters in another case, or at most 2 edits away. */
function nearest(key: string, known: string[]): string | undefined {
    const sameCase = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (sameCase) return sameCase;
    const scored = known.map((k) => ({ k, d: distance(k.toLowerCase(), key.toLowerCase()) })).filter((x) => x.d <= 2);
    scored.sort((a, b) => a.d - b.d);
    return scored[0]?.k;
}

/** Edit distance with transpositions (optimal string alignment): `locaton` → `location` is 1. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The settings file of a stack next to Pulumi.yaml. */
export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}
