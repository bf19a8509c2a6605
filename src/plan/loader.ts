/**
 * Loading the user's program, which is TypeScript (Pulumi runs it with ts-node; the plan has no Pulumi CLI).
 *
 * esbuild (a dependency of the package; npm installs its platform binary with it, so nothing is downloaded at run
 * time and the plan works offline) transpiles each .ts file as Node's CommonJS loader asks for it: registering the
 * extensions is also what makes TypeScript's extensionless imports (`./network`) resolve, as with ts-node. Nothing is
 * type-checked (the user's `tsc` or `pulumi preview` does). Measured on the dev stack: loading the library's 28
 * source files this way costs ~125 ms over plain JavaScript on the first run and next to nothing once cached; tsx's
 * require hook, which also sees every module of node_modules, ~450 ms; ts-node, which type-checks, about 10 s.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Loader, TransformOptions } from "esbuild";

const LOADERS: Record<string, Loader> = { ".ts": "ts", ".cts": "ts", ".mts": "ts", ".tsx": "tsx" };

let registered = false;

/**
 * Lets `require` load TypeScript for the rest of the process, with the compiler options esbuild honours from the
 * project's tsconfig.json (decorators, class fields) when it has one. Idempotent.
 */
export function registerTypeScript(projectDir: string): void {
    if (registered) return;
    const options: TransformOptions = {
        format: "cjs",
        target: "node20",
        sourcemap: "inline",
        tsconfigRaw: tsconfigOf(projectDir),
    };
    const cache = transpileCache(JSON.stringify(options));
    // Stack traces of a program error then point at the TypeScript lines.
    process.setSourceMapsEnabled(true);
    for (const [extension, loader] of Object.entries(LOADERS)) {
        require.extensions[extension] = (module, filename) => {
            const source = fs.readFileSync(filename, "utf8");
            const code = cache(filename, source, () => transform(source, { ...options, loader, sourcefile: filename }));
            (module as NodeJS.Module & { _compile(code: string, filename: string): void })._compile(code, filename);
        };
    }
    registered = true;
}

function transform(source: string, options: TransformOptions): string {
    // Loaded on the first file not in the cache: starting esbuild's service costs ~80 ms.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { transformSync } = require("esbuild") as typeof import("esbuild");
    return transformSync(source, options).code;
}

/**
 * Transpiled files by content, in the user's temporary folder (as tsx and ts-node keep theirs): a second plan of an
 * unchanged program starts no esbuild at all. A cache that cannot be written is skipped, never an error.
 */
function transpileCache(optionsKey: string) {
    const dir = path.join(os.tmpdir(), `aks-pod-subnet-plan-${process.getuid?.() ?? "user"}`);
    return (filename: string, source: string, make: () => string): string => {
        const key = crypto.createHash("sha256").update(optionsKey).update(filename).update(source).digest("hex");
        const file = path.join(dir, `${key}.js`);
        try {
            return fs.readFileSync(file, "utf8");
        } catch {
            const code = make();
            try {
                fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
                fs.writeFileSync(`${file}.${process.pid}`, code);
                fs.renameSync(`${file}.${process.pid}`, file); // atomic: a parallel plan never reads half a file
            } catch {
                // read-only or full temporary folder: transpile every time
            }
            return code;
        }
    };
}

/** The project's tsconfig.json as text for esbuild (it reads the options that change the emitted code), if any. */
function tsconfigOf(projectDir: string): string | undefined {
    try {
        return fs.readFileSync(path.join(projectDir, "tsconfig.json"), "utf8");
    } catch {
        return undefined;
    }
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
