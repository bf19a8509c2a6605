/**
 * Loads the ARM contract that Azure's own JavaScript SDK packages carry: the autorest "classic" generator emits, per
 * package, `models/mappers` (every model with its properties' wire names, types, readOnly/required flags and
 * constraints) and `models/parameters` (every operation parameter, URL path parameters with their constraints).
 * Those modules are not part of the packages' public API, so they are loaded from the packages' files:
 * - newer packages (tshy layout) ship CommonJS builds, `dist/commonjs/models/*.js`, required directly;
 * - older packages ship a single rollup bundle (`dist/index.js`) that does not export the mappers, plus an ES module
 *   tree `dist-esm/src/models/*.js` (without `"type": "module"`, so Node would not load it as ESM): those files are
 *   converted to CommonJS with esbuild and evaluated.
 * The PUT operation of a resource (its ARM path, request body and URL parameters) is read from the generated
 * operation module's text: the operation specs are module-private constants, generated in one fixed layout.
 */
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";

/** A serializer mapper as @azure/core-client defines it (only what the validator reads). */
export interface Mapper {
    serializedName?: string;
    type: MapperType;
    required?: boolean;
    readOnly?: boolean;
    nullable?: boolean;
    isConstant?: boolean;
    defaultValue?: unknown;
    constraints?: Constraints;
}

export interface Constraints {
    Pattern?: RegExp | string;
    MaxLength?: number;
    MinLength?: number;
    InclusiveMaximum?: number;
    InclusiveMinimum?: number;
    ExclusiveMaximum?: number;
    ExclusiveMinimum?: number;
    MultipleOf?: number;
    MaxItems?: number;
    MinItems?: number;
    UniqueItems?: true;
}

export type MapperType =
    | {
          name: "Composite";
          className?: string;
          modelProperties?: Record<string, Mapper>;
          additionalProperties?: Mapper;
          uberParent?: string;
          polymorphicDiscriminator?: { serializedName: string; clientName: string };
      }
    | { name: "Sequence"; element: Mapper }
    | { name: "Dictionary"; value: Mapper }
    | { name: "Enum"; allowedValues: unknown[] }
    | { name: string; [key: string]: unknown };

export interface OperationParameter {
    parameterPath: string | string[] | Record<string, unknown>;
    mapper: Mapper;
    skipEncoding?: boolean;
}

export interface SdkModels {
    /** npm package name and version. */
    package: string;
    version: string;
    /** Every model mapper by class name, plus `discriminators` (polymorphic subtypes by "Parent.value"). */
    mappers: Record<string, Mapper> & { discriminators?: Record<string, Mapper> };
    /** Every operation parameter by its export name (e.g. `agentPoolName`, `resourceName1`). */
    parameters: Record<string, OperationParameter>;
    /** The package's directory holding `mappers.js`, `parameters.js` and `../operations/`. */
    modelsDir: string;
}

/** What the generated PUT operation of a resource says: its ARM path, API version, body and URL parameters. */
export interface PutOperation {
    file: string;
    spec: string;
    path: string;
    apiVersion: string;
    /** Export name in models/parameters of the request body parameter. */
    requestBody: string;
    /** Export names in models/parameters of the URL parameters, in order. */
    urlParameters: string[];
}

const loaded = new Map<string, SdkModels>();

function packageDir(name: string): string {
    // Every @azure/arm-* package lets `package.json` be resolved (the tshy ones export it explicitly).
    return path.dirname(require.resolve(`${name}/package.json`));
}

/** The models of an SDK package, loaded once per process. */
export function sdkModels(name: string): SdkModels {
    const cached = loaded.get(name);
    if (cached) return cached;
    const dir = packageDir(name);
    const version: string = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
    let modelsDir = path.join(dir, "dist", "commonjs", "models");
    // A computed path, loaded only when the contract check runs: `import` cannot name it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    let load: (file: string) => any = (file) => require(file);
    if (!fs.existsSync(path.join(modelsDir, "mappers.js"))) {
        modelsDir = path.join(dir, "dist-esm", "src", "models");
        load = loadEsModule;
    }
    if (!fs.existsSync(path.join(modelsDir, "mappers.js"))) {
        throw new Error(
            `${name}@${version} has no generated models/mappers.js: not an autorest "classic" package ` +
                `(TypeSpec-generated packages carry no constraints)`,
        );
    }
    const models: SdkModels = {
        package: name,
        version,
        mappers: load(path.join(modelsDir, "mappers.js")),
        parameters: load(path.join(modelsDir, "parameters.js")),
        modelsDir,
    };
    loaded.set(name, models);
    return models;
}

const esModules = new Map<string, any>();

/** Evaluates one file of an ES module tree as CommonJS (esbuild converts the syntax); relative imports likewise. */
function loadEsModule(file: string): any {
    const resolved = file.endsWith(".js") ? file : `${file}.js`;
    const cached = esModules.get(resolved);
    if (cached) return cached.exports;
    // esbuild is a devDependency of this project (tooling/transpile.mjs); loaded lazily, only for such packages.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { transformSync } = require("esbuild") as typeof import("esbuild");
    const { code } = transformSync(fs.readFileSync(resolved, "utf8"), {
        format: "cjs",
        loader: "js",
        target: "node20",
        sourcefile: resolved,
    });
    const module = { exports: {} as any };
    esModules.set(resolved, module);
    const localRequire = (id: string) =>
        // The evaluated module's own require of a package, resolved at run time.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        id.startsWith(".") ? loadEsModule(path.resolve(path.dirname(resolved), id)) : require(id);
    const wrapper = vm.runInThisContext(`(function (exports, require, module) {${code}\n})`, { filename: resolved });
    wrapper(module.exports, localRequire, module);
    return module.exports;
}

/**
 * Finds the PUT operation whose ARM path is `armPath` in the package's generated operations (`operations/*.js`)
 * and reads its request body and URL parameters. Throws if there is none, or more than one.
 */
export function putOperation(models: SdkModels, armPath: string): PutOperation {
    const operationsDir = path.join(models.modelsDir, "..", "operations");
    const found: PutOperation[] = [];
    for (const file of fs.readdirSync(operationsDir).filter((f) => f.endsWith(".js") && f !== "index.js")) {
        const text = fs.readFileSync(path.join(operationsDir, file), "utf8");
        // `const createOrUpdateOperationSpec = { path: "…", httpMethod: "PUT", … };` — one object literal per spec.
        for (const match of text.matchAll(
            /const (\w+OperationSpec) = \{\s*path: "([^"]+)",\s*httpMethod: "PUT",([\s\S]*?)\n\};/g,
        )) {
            if (match[2] !== armPath) continue;
            const body = match[3];
            const requestBody = /requestBody: Parameters\.(\w+)/.exec(body)?.[1];
            const urlList = /urlParameters: \[([^\]]*)\]/.exec(body)?.[1] ?? "";
            const queryList = /queryParameters: \[([^\]]*)\]/.exec(body)?.[1] ?? "";
            const apiVersionParameter = [...queryList.matchAll(/Parameters\.(\w+)/g)]
                .map((m) => m[1])
                .find((p) => /^apiVersion\d*$/.test(p));
            const apiVersion = apiVersionParameter
                ? models.parameters[apiVersionParameter]?.mapper.defaultValue
                : undefined;
            if (!requestBody || typeof apiVersion !== "string")
                throw new Error(`${models.package}: cannot read ${match[1]} in ${file}`);
            found.push({
                file,
                spec: match[1],
                path: match[2],
                apiVersion,
                requestBody,
                urlParameters: [...urlList.matchAll(/Parameters\.(\$?\w+)/g)].map((m) => m[1]),
            });
        }
    }
    if (found.length !== 1)
        throw new Error(`${models.package}@${models.version}: ${found.length} PUT operations for ${armPath}`);
    return found[0];
}
