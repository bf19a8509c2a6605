/**
 * Reads stack configuration the way the Pulumi CLI hands it to a program: the project's declared defaults from
 * Pulumi.yaml, overlaid with Pulumi.<stack>.yaml, as "namespace:key" → string (objects and lists JSON-encoded).
 * The offline plan and the lab use it to run the real program without the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ProblemList } from "../components/errors";
import { describeValue } from "../components/planner/cidr";

export const PROJECT = "aks-pod-subnet";

export type RawConfig = Record<string, string>;

/** Declared project config keys (Pulumi.yaml `config:`), with their declaration. */
export function readProjectConfigDeclarations(projectDir: string): Record<string, { type?: string; description?: string; default?: unknown }> {
    const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) ?? {};
    return project.config ?? {};
}

/** Encodes a YAML value as the string the Pulumi engine passes to the program. */
export function encodeConfigValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Project defaults + the given stack settings file, fully qualified ("aks-pod-subnet:nodeSubnetCidr"). Like the
 * Pulumi CLI, it refuses keys of the project that Pulumi.yaml does not declare, and scalars of the wrong type.
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
    const values = (document as { config?: Record<string, unknown> }).config ?? {};
    checkAgainstDeclarations(values, declarations);
    for (const [key, value] of Object.entries(values)) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            throw new Error(`${key} is encrypted; the offline plan needs plain values (secrets shape no address)`);
        }
        config[qualify(key)] = encodeConfigValue(value);
    }
    return config;
}

const SCALAR_TYPES: Record<string, (value: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => typeof v === "number" && Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
};

function checkAgainstDeclarations(values: Record<string, unknown>, declarations: ReturnType<typeof readProjectConfigDeclarations>): void {
    const problems = new ProblemList();
    for (const [qualified, value] of Object.entries(values)) {
        const [namespace, key] = qualified.includes(":") ? qualified.split(":", 2) : [PROJECT, qualified];
        if (namespace !== PROJECT) continue;
        const declaration = declarations[key];
        if (!declaration) {
            const near = Object.keys(declarations).find((k) => k.toLowerCase() === key.toLowerCase());
            problems.add(key, `is not a config key of this project${near ? `: did you mean ${near}?` : "; the keys are declared in Pulumi.yaml and listed in the README"}`);
            continue;
        }
        const type = declaration.type;
        if (type && SCALAR_TYPES[type] && value !== null && typeof value !== "object" && !SCALAR_TYPES[type](value)) {
            const hint = type === "string" && typeof value === "number" ? ` — quote it: YAML reads ${key === "kubernetesVersion" ? "1.30 as the number 1.3" : "unquoted digits as a number"}` : "";
            problems.add(key, `is declared as ${type === "integer" ? "an integer" : `a ${type}`}, got ${describeValue(value)}${hint}`);
        }
    }
    problems.throwIfAny("stack settings file");
}

/** The settings file of a stack next to Pulumi.yaml. */
export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}
