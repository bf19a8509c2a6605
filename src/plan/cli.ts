/** Command-line parsing for the project's tools, on Node's own util.parseArgs, with one usage-error style. */
import { parseArgs, ParseArgsConfig } from "util";

/** A mistake in the command line: printed with the usage, exit status 64. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` strictly (unknown flags and missing values are usage errors); `--help` prints the usage. */
export function parseCommandLine(
    argv: string[],
    options: Options,
    usage: string,
): { values: Record<string, string | string[] | boolean | undefined> } {
    try {
        const parsed = parseArgs({
            args: argv,
            options: { ...options, help: { type: "boolean", short: "h" } },
            strict: true,
            allowPositionals: false,
        });
        const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
        if (values.help) throw new UsageError(usage);
        return { values };
    } catch (error) {
        if (error instanceof UsageError) throw error;
        // Node's messages name the flag ("Option '--svg <value>' argument missing"); keep them and add the usage.
        throw new UsageError(`${(error as Error).message}\n${usage}`);
    }
}
