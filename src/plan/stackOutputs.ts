/**
 * `--stack-outputs NAME=FILE`: the outputs of another stack the program reads through a StackReference (a hub's
 * address space, the network team's VNet IDs), as `pulumi stack output --json --stack NAME > FILE` writes them. The
 * offline plan has no backend to read them from; with them, a program that awaits them plans on the real values.
 */
import * as fs from "fs";
import * as path from "path";

/** A `--stack-outputs` value the plan cannot use: one line on stderr, exit 64 (usage), 65 (data) or 66 (file). */
export class StackOutputsError extends Error {
    constructor(
        message: string,
        readonly exitCode: 64 | 65 | 66,
    ) {
        super(message);
    }
}

/** The outputs of every `NAME=FILE` given, by stack name; relative files are taken from `userDir`. */
export function readStackOutputs(specs: readonly string[], userDir: string): Record<string, Record<string, unknown>> {
    const stacks: Record<string, Record<string, unknown>> = {};
    for (const spec of specs) {
        const at = spec.indexOf("=");
        const name = spec.slice(0, at);
        const file = spec.slice(at + 1);
        if (at <= 0 || file === "") {
            throw new StackOutputsError(
                `--stack-outputs ${spec}: expected NAME=FILE, e.g. --stack-outputs acme/network/hub=hub.json`,
                64,
            );
        }
        let text: string;
        try {
            text = fs.readFileSync(path.resolve(userDir, file), "utf8");
        } catch (error) {
            throw new StackOutputsError(
                `--stack-outputs ${spec}: cannot read ${file} (${(error as NodeJS.ErrnoException).code}); ` +
                    `write it with: pulumi stack output --json --stack ${name} > ${file}`,
                66,
            );
        }
        let outputs: unknown;
        try {
            outputs = JSON.parse(text);
        } catch (error) {
            throw new StackOutputsError(
                `--stack-outputs ${spec}: ${file} is not JSON (${(error as Error).message}); ` +
                    `write it with: pulumi stack output --json --stack ${name} > ${file}`,
                65,
            );
        }
        if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
            throw new StackOutputsError(
                `--stack-outputs ${spec}: ${file} holds no map of outputs (as \`pulumi stack output --json\` writes)`,
                65,
            );
        }
        stacks[name] = outputs as Record<string, unknown>;
    }
    return stacks;
}
