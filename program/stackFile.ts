/**
 * Reads stack configuration the way the Pulumi CLI hands it to a program: the project's declared defaults from
 * Pulumi.yaml, overlaid with Pulumi.<stack>.yaml, as "namespace:key" → string (objects and lists JSON-encoded).
 * The offline plan and the lab use it to run the real program without the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

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

/** Project defaults + the given stack settings file, fully qualified ("aks-pod-subnet:nodeSubnetCidr"). */
export function readConfigFile(file: string, projectDir = path.dirname(file)): RawConfig {
    const config: RawConfig = {};
    for (const [key, declaration] of Object.entries(readProjectConfigDeclarations(projectDir))) {
        if (declaration && typeof declaration === "object" && "default" in declaration) {
            config[qualify(key)] = encodeConfigValue(declaration.default);
        }
    }
    const text = fs.readFileSync(file, "utf8");
    const document = parse(text) ?? {};
    const values = (document as { config?: Record<string, unknown> }).config ?? {};
    for (const [key, value] of Object.entries(values)) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            throw new Error(`${key} is encrypted; the offline plan needs plain values (secrets shape no address)`);
        }
        config[qualify(key)] = encodeConfigValue(value);
    }
    return config;
}

/** The settings file of a stack next to Pulumi.yaml. */
export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}
