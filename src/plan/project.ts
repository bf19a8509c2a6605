/**
 * A Pulumi project as the Pulumi CLI sees it: the folder holding Pulumi.yaml, the project's name (the namespace of
 * its own config keys), the program it runs and the config keys it declares. The offline plan reads the user's
 * project this way, so it needs nothing of this repository's own stack program.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** One declared config key of Pulumi.yaml (`config:`). */
export interface ConfigDeclaration {
    type?: string;
    description?: string;
    default?: unknown;
}

export interface PulumiProject {
    /** The folder holding Pulumi.yaml (and, by default, the stack settings files). */
    dir: string;
    /** Pulumi.yaml `name`: the namespace of the project's own config keys. */
    name: string;
    /** The module the nodejs runtime runs: Pulumi.yaml `main`, else the folder itself (its package.json `main`). */
    program: string;
    /** Declared config keys, by their short name. */
    config: Record<string, ConfigDeclaration>;
}

/** Pulumi.yaml missing or unreadable: one line naming the file and the fix. */
export class ProjectError extends Error {}

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

function projectFileIn(dir: string): string | undefined {
    return PROJECT_FILES.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
}

/** The nearest folder holding Pulumi.yaml, from `from` up to the root (as the Pulumi CLI looks for it). */
export function findProjectDir(from: string): string | undefined {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (projectFileIn(dir)) return dir;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** Reads the project in `dir`; a missing or malformed Pulumi.yaml is a ProjectError. */
export function readProject(dir: string): PulumiProject {
    const file = projectFileIn(dir);
    if (!file) throw new ProjectError(`no Pulumi.yaml in ${dir}: name your Pulumi project's folder`);
    let document: unknown;
    try {
        document = parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const first = String((error as Error).message).split("\n")[0];
        throw new ProjectError(`${file}: is not valid YAML (${first})`);
    }
    const project = (typeof document === "object" && document !== null ? document : {}) as Record<string, unknown>;
    if (typeof project.name !== "string" || project.name === "") {
        throw new ProjectError(`${file}: has no "name:", the project's name (the namespace of its config keys)`);
    }
    const config = project.config;
    return {
        dir,
        name: project.name,
        program: path.resolve(dir, typeof project.main === "string" ? project.main : "."),
        config: typeof config === "object" && config !== null ? (config as Record<string, ConfigDeclaration>) : {},
    };
}

/**
 * The program `pulumi preview` would run in `dir`, for runProgram's default: Pulumi.yaml `main`, else the folder.
 * Never throws (it is computed when runProgram is loaded): without a readable Pulumi.yaml it is the folder itself.
 */
export function programOf(dir: string): string {
    try {
        return readProject(dir).program;
    } catch {
        return dir;
    }
}
