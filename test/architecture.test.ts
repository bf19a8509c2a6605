import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

/*
 * The layout is the architecture: src/ is the package, index.ts + program/ the stack program that consumes it, and
 * tooling/ what only development needs. The program uses the package as a platform team would: through its public
 * API (src/index.ts) only, never a component's internal file.
 */
const ROOT = path.join(__dirname, "..");

/** Every module specifier a TypeScript file imports, requires or re-exports. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const pattern = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']([^"']+)["']/g;
    return [...text.matchAll(pattern)].map((m) => m[1]);
}

function tsFiles(dir: string): string[] {
    return fs
        .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(dir, f));
}

/**
 * The package's entry points as source files: each subpath of package.json's `exports` that points into lib/ maps to
 * the src/ module it is built from (`./lib/index.js` → `src/index`, `./lib/plan/index.js` → `src/plan/index`).
 */
function publicEntryPoints(): string[] {
    const { exports } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const targets = Object.values(exports as Record<string, string | { default?: string }>).map((t) =>
        typeof t === "string" ? t : t.default,
    );
    return targets
        .filter((t): t is string => typeof t === "string" && t.startsWith("./lib/"))
        .map((t) => path.join("src", t.slice("./lib/".length).replace(/\.js$/, "")));
}

/** The imports of `file` that reach into src/ other than through one of the package's entry points. */
function internalImports(file: string): string[] {
    const entryPoints = new Set(publicEntryPoints().flatMap((e) => [e, e.replace(/[/\\]index$/, "")]));
    return importsOf(path.join(ROOT, file))
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), specifier)))
        .filter((target) => target === "src" || target.startsWith(`src${path.sep}`))
        .filter((target) => !entryPoints.has(target));
}

describe("architecture", () => {
    const programFiles = ["index.ts", ...tsFiles("program")];

    it("the package's entry points include src/index.ts", () => {
        assert.ok(publicEntryPoints().includes(path.join("src", "index")), publicEntryPoints().join(", "));
    });

    it("the stack program imports only the package's public API (its entry points in package.json exports)", () => {
        const leaks = programFiles.flatMap((file) => internalImports(file).map((target) => `${file} → ${target}`));
        assert.deepEqual(leaks, [], "import these from the package's index (export them there if they are public)");
    });

    it("the check sees a leak: an import of a component's file is reported", () => {
        const probe = path.join(ROOT, "program", "__probe.ts");
        fs.writeFileSync(probe, 'import { planInto } from "../src/planner/plan";\nexport { planInto };\n');
        try {
            assert.deepEqual(internalImports(path.join("program", "__probe.ts")), [
                path.join("src", "planner", "plan"),
            ]);
        } finally {
            fs.rmSync(probe);
        }
    });

    it("the package never imports the program, the tooling or the tests", () => {
        const outside = ["program", "tooling", "test", "index"];
        const leaks = tsFiles("src").flatMap((file) =>
            importsOf(path.join(ROOT, file))
                .filter((specifier) => specifier.startsWith("."))
                .map((specifier) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), specifier)))
                .filter((target) => outside.some((dir) => target === dir || target.startsWith(`${dir}${path.sep}`)))
                .map((target) => `${file} → ${target}`),
        );
        assert.deepEqual(leaks, []);
    });
});
