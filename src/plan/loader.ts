/**
 * Loading the user's program, which is TypeScript (Pulumi runs it with ts-node; the plan has no Pulumi CLI).
 *
 * tsx (a dependency of the package): its `register` API hooks Node's require for .ts/.tsx/.mts/.cts and resolves
 * TypeScript's extensionless imports, transpiling each file with esbuild, whose platform binary npm installs with
 * it: nothing is downloaded at run time, so the plan works offline. It does not type-check (the user's `tsc` or
 * `pulumi preview` does), so a plan costs about what plain JavaScript would (tsx caches its output). esbuild alone
 * would need a hand-written require hook; Pulumi's own ts-node type-checks the program and the SDK's types, ~10 s.
 */
import * as fs from "fs";
import * as path from "path";

let registered = false;

/** Registers tsx for the rest of the process, with the project's tsconfig.json when it has one. Idempotent. */
export function registerTypeScript(projectDir: string): void {
    if (registered) return;
    const tsconfig = path.join(projectDir, "tsconfig.json");
    // tsx otherwise looks for tsconfig.json in the working folder, which need not be the project's.
    if (!process.env.TSX_TSCONFIG_PATH && fs.existsSync(tsconfig)) process.env.TSX_TSCONFIG_PATH = tsconfig;
    // Loaded here: only the CLI needs it. Typed by hand: tsx publishes its API's types for node16 resolution only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { register } = require("tsx/cjs/api") as { register(): () => void };
    register();
    registered = true;
}

/**
 * Where the program's `@pulumi/pulumi` comes from, if it is not the one the plan sets its mocks on: a second copy
 * would run the program against a Pulumi engine that is not there. Undefined when they are the same module.
 */
export function foreignPulumiSdk(projectDir: string): string | undefined {
    const ours = fs.realpathSync(require.resolve("@pulumi/pulumi"));
    let theirs: string;
    try {
        theirs = fs.realpathSync(require.resolve("@pulumi/pulumi", { paths: [projectDir] }));
    } catch {
        return `${projectDir} cannot load @pulumi/pulumi: run npm install in the project`;
    }
    return theirs === ours
        ? undefined
        : `the program loads @pulumi/pulumi from ${path.dirname(theirs)}, the plan from ${path.dirname(ours)}: ` +
              "install aks-pod-subnet next to the program's own SDK (npm dedupe), so that there is one copy of each";
}
