/**
 * Reads stack configuration the way the Pulumi CLI hands it to a program: the project's declared defaults from
 * Pulumi.yaml, overlaid with Pulumi.<stack>.yaml, as "namespace:key" → string (objects and lists JSON-encoded).
 * Generic over the project (its name and declarations come from its Pulumi.yaml): the offline plan CLI reads a
 * platform team's own stack files with it; this repository's program/stackFile.ts adds its program's checks.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigProblem, ConfigurationError, describeValue, ProblemList } from "../errors";
import { ConfigDeclaration, readProject } from "./project";

export type RawConfig = Record<string, string>;

/** What a stack settings file gives the program, and what it refused. */
export interface StackFileReading {
    /** The stack name: `Pulumi.<stack>.yaml` → stack, else the file's base name. */
    stack: string;
    /** Pulumi.yaml `name`. */
    project: string;
    /** Declared defaults plus every value of the file that was not refused, as the engine passes them. */
    config: RawConfig;
    /** The file's problems (undeclared keys, scalars of the wrong type, encrypted values); empty when it is fine. */
    problems: ConfigProblem[];
    /** Keys refused for their value, as written in the file (their problems are the file's, not the program's). */
    rejected: Set<string>;
    /** Keys that misspelt ones stand for, as the program names them (the program's "is required" on them is noise). */
    suggested: Set<string>;
}

/** Declared project config keys (Pulumi.yaml `config:`), with their declaration. */
export function readProjectConfigDeclarations(projectDir: string): Record<string, ConfigDeclaration> {
    return readProject(projectDir).config;
}

/** Encodes a YAML value as the string the Pulumi engine passes to the program. */
export function encodeConfigValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The settings file of a stack next to Pulumi.yaml. */
export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** The stack name the plan derives from a settings file: `Pulumi.<stack>.yaml` → stack, else the file's base name. */
export function stackNameOf(file: string): string {
    return path
        .basename(file)
        .replace(/^Pulumi\./, "")
        .replace(/\.ya?ml$/, "");
}

/**
 * Project defaults + the given stack settings file, fully qualified ("<project>:nodeSubnetCidr"). Like the Pulumi
 * CLI it refuses scalars of the wrong declared type; where the project declares its keys, it also refuses keys of
 * the project it does not declare (with the key probably meant). A file without its `config:` section throws at once
 * (a ConfigurationError of that one problem); every other problem is returned, with the config of the rest, so that
 * the caller can add the program's own problems (stackFileError) and show them all in one run.
 */
export function readStackFile(file: string, projectDir = path.dirname(file)): StackFileReading {
    const project = readProject(projectDir);
    const config: RawConfig = {};
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    for (const [key, declaration] of Object.entries(project.config)) {
        if (declaration && typeof declaration === "object" && "default" in declaration) {
            config[qualify(key)] = encodeConfigValue(declaration.default);
        }
    }
    const document = parse(fs.readFileSync(file, "utf8")) ?? {};
    const problems = new ProblemList();
    const values = configSection(document, problems);
    problems.throwIfAny("stack settings file");
    const { rejected, suggested } = checkAgainstDeclarations(values!, project.name, project.config, problems);
    for (const [key, value] of Object.entries(values!)) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            problems.add(
                key,
                "is encrypted; the offline plan needs plain values (secrets shape no address): " +
                    "set it as plain text in a copy of the file",
            );
            rejected.add(key);
        }
        if (rejected.has(key)) continue;
        config[qualify(key)] = encodeConfigValue(value);
    }
    return {
        stack: stackNameOf(file),
        project: project.name,
        config,
        problems: [...problems.problems],
        rejected,
        suggested,
    };
}

/**
 * One error for a file that has problems: the file's first, then the program's own problems (`programProblems`,
 * found with the config of the rest). Keys the file refused are checked by the program with their default, so their
 * problems (and "is required" on a key a misspelt one stands for) are left out: one line per fault.
 */
export function stackFileError(
    reading: StackFileReading,
    programProblems: readonly ConfigProblem[],
): ConfigurationError {
    const prefix = `${reading.project}:`;
    const own = [...reading.rejected].map((key) => (key.startsWith(prefix) ? key.slice(prefix.length) : key));
    const covered = (key: string) => own.some((k) => key === k || key.startsWith(`${k}.`) || key.startsWith(`${k}[`));
    const all = [...reading.problems];
    for (const p of programProblems) {
        if (covered(p.key) || (reading.suggested.has(p.key) && p.message.startsWith("is required"))) continue;
        all.push(p);
    }
    return new ConfigurationError(all, "stack configuration");
}

/**
 * The problems of an error message in the project's one error style (formatProblems: a line "Invalid … (N
 * problems):", then "  - key: message" per problem), e.g. a ConfigurationError the program raised as a RunError.
 * Anything else has none.
 */
export function problemsOfMessage(message: string): ConfigProblem[] {
    const [header, ...lines] = message.split("\n");
    if (!/^Invalid .+ \(\d+ problems?\):$/.test(header ?? "")) return [];
    const problems: ConfigProblem[] = [];
    for (const line of lines) {
        const item = /^ {2}- (.+?): (.*)$/.exec(line);
        if (item) problems.push({ key: item[1], message: item[2] });
        else if (problems.length) problems[problems.length - 1].message += `\n${line}`;
    }
    return problems;
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
            `the stack settings file has no "config:" section${found}: put every setting under a line "config:", ` +
                `indented by two spaces, e.g. "config:" then "  azure-native:location: westeurope"`,
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

const SCALAR_TYPES: Record<string, (value: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => typeof v === "number" && Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
};

/**
 * Keys of other namespaces that programs of these components read (the region); a near miss of one is a typo,
 * anything else the provider's business.
 */
const FOREIGN_KEYS = ["azure-native:location"];
const ALL_KNOWN: Record<string, true> = { location: true };

/**
 * Adds a problem per undeclared project key (with the key it was probably meant to be; only where the project
 * declares its keys: Pulumi itself accepts undeclared ones) and per scalar of the wrong declared type. Returns the
 * keys refused for their value (`rejected`, as written in the file) and the keys that misspelt ones stand for
 * (`suggested`, as the program names them).
 */
function checkAgainstDeclarations(
    values: Record<string, unknown>,
    projectName: string,
    declarations: Record<string, ConfigDeclaration>,
    problems: ProblemList,
): { rejected: Set<string>; suggested: Set<string> } {
    const rejected = new Set<string>();
    const suggested = new Set<string>();
    const declaresKeys = Object.keys(declarations).length > 0;
    for (const [qualified, value] of Object.entries(values)) {
        const [namespace, key] = qualified.includes(":") ? splitKey(qualified) : [projectName, qualified];
        if (namespace !== projectName) {
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
            if (!declaresKeys) continue;
            const near = nearest(key, Object.keys(declarations));
            if (near) suggested.add(near);
            problems.add(
                key,
                `is not a config key of this project${
                    near ? `: did you mean ${near}?` : "; the keys are declared in Pulumi.yaml and listed in the README"
                }`,
            );
            continue;
        }
        const type = declaration.type;
        if (type && SCALAR_TYPES[type] && value !== null && typeof value !== "object" && !SCALAR_TYPES[type](value)) {
            const misread = /version/i.test(key) ? "1.30 as the number 1.3" : "unquoted digits as a number";
            const hint = type === "string" && typeof value === "number" ? ` — quote it: YAML reads ${misread}` : "";
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
