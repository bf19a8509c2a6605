/** A shipped stack with some keys changed, run through the real program: the helpers the stack-level tests share. */
import { strict as assert } from "assert";
import * as path from "path";
import { encodeConfigValue, PROJECT, readConfigFile } from "../../program/stackFile";
import { runProgram } from "../../src/plan/runProgram";

const ROOT = path.join(__dirname, "..", "..");

/**
 * `Pulumi.<stack>.yaml` with overrides: keys without a namespace are the project's; values as YAML would give them
 * (encoded as the engine passes them); undefined removes a key.
 */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const config = readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`), ROOT);
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = encodeConfigValue(value);
    }
    return config;
}

/** The problems a stack with overrides reports, as `key: message` lines; fails the test when it plans. */
export async function problemsOf(
    stack: string,
    overrides: Record<string, unknown>,
    stackName = stack,
): Promise<string[]> {
    try {
        await runProgram({ stack: stackName, config: stackConfig(stack, overrides) });
    } catch (error) {
        return (error as Error).message
            .split("\n")
            .slice(1)
            .map((line) => line.trim().replace(/^- /, ""));
    }
    return assert.fail("expected the configuration to be rejected");
}

/** The keys of `key: message` lines. */
export const keysOf = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(": ")));
