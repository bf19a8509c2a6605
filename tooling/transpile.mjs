// Transpiles the program, the library (src/) and the lab and bench tooling to dist/ with esbuild (about 50 ms), so
// that the offline plan and the benchmark run plain JavaScript. The plan loads the stack program itself (Pulumi.yaml
// `main: index.ts`) through tsx, as it loads any project's: tsx caches what it transpiles.
// Type checking is `npm run typecheck`; `npm run build` emits the library package with declarations.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["index.ts", "src", "program", "tooling/lab", "tooling/bench"];
const entryPoints = roots.flatMap((root) => sources(root));

function sources(path) {
    try {
        return readdirSync(path, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
            .map((e) => join(e.parentPath ?? e.path, e.name));
    } catch {
        return path.endsWith(".ts") ? [path] : [];
    }
}

await build({
    entryPoints,
    outdir: "dist",
    outbase: ".",
    format: "cjs",
    platform: "node",
    target: "node20",
    logLevel: "warning",
});
