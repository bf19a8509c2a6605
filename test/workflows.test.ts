import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { register } from "node:module";
import * as path from "path";
import type { TemplateParseResult, WorkflowTemplate } from "@actions/workflow-parser";

/*
 * The workflows are checked with GitHub's own workflow parser (@actions/workflow-parser, the one behind the Actions
 * language service): schema errors, unknown keys and contexts used where GitHub does not allow them all fail here,
 * before a pull request ever reaches GitHub. On top of the parser, `auditWorkflow` enforces this project's policy
 * (least permissions, OIDC only, no hard-coded backend) and is itself tested on bad examples.
 */

type Parser = typeof import("@actions/workflow-parser");
type Token = NonNullable<TemplateParseResult["value"]>;
type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
type PlainMap = { [key: string]: Plain };

/**
 * The parser is an ES module that imports its JSON schema without an import attribute (fine for bundlers, refused by
 * Node). A tiny loader hook adds `type: "json"` to exactly those imports, then a dynamic import() loads it.
 */
let parserPromise: Promise<Parser> | undefined;
function loadParser(): Promise<Parser> {
    if (!parserPromise) {
        const hook = `export async function load(url, context, next) {
            if (url.endsWith(".json") && url.includes("/@actions/workflow-parser/")) {
                return next(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
            }
            return next(url, context);
        }`;
        register(`data:text/javascript,${encodeURIComponent(hook)}`);
        parserPromise = import("@actions/workflow-parser");
    }
    return parserPromise;
}

/**
 * Inputs declared by the action.yml of each action at the major version in use (checked against the upstream repos).
 */
const KNOWN_INPUTS: Record<string, { version: string; inputs: string[] }> = {
    "pulumi/actions": {
        version: "v6",
        inputs: [
            "command",
            "stack-name",
            "pulumi-version",
            "pulumi-version-file",
            "work-dir",
            "comment-on-pr",
            "comment-on-pr-number",
            "comment-on-summary",
            "github-token",
            "cloud-url",
            "secrets-provider",
            "parallel",
            "message",
            "config-map",
            "expect-no-changes",
            "diff",
            "replace",
            "target",
            "target-dependents",
            "policyPacks",
            "policyPackConfigs",
            "refresh",
            "upsert",
            "remove",
            "edit-pr-comment",
            "color",
            "exclude-protected",
            "plan",
            "suppress-outputs",
            "suppress-progress",
            "always-include-summary",
        ],
    },
    "azure/login": {
        version: "v2",
        inputs: [
            "client-id",
            "tenant-id",
            "subscription-id",
            "creds",
            "enable-AzPSSession",
            "environment",
            "allow-no-subscriptions",
            "audience",
            "auth-type",
        ],
    },
    // Azure/use-kubelogin action.yml: without kubelogin-version (or with "latest" or "*") it resolves the newest
    // release through the GitHub API at run time.
    "azure/use-kubelogin": {
        version: "v1",
        inputs: ["kubelogin-version", "skip-cache", "github-api-base-url"],
    },
    "actions/checkout": {
        version: "v4",
        inputs: [
            "repository",
            "ref",
            "token",
            "ssh-key",
            "ssh-known-hosts",
            "ssh-strict",
            "ssh-user",
            "persist-credentials",
            "path",
            "clean",
            "filter",
            "sparse-checkout",
            "sparse-checkout-cone-mode",
            "fetch-depth",
            "fetch-tags",
            "show-progress",
            "lfs",
            "submodules",
            "set-safe-directory",
            "github-server-url",
            "allow-unsafe-pr-checkout",
        ],
    },
    "actions/setup-node": {
        version: "v4",
        inputs: [
            "always-auth",
            "node-version",
            "node-version-file",
            "architecture",
            "check-latest",
            "registry-url",
            "scope",
            "token",
            "cache",
            "cache-dependency-path",
            "mirror",
            "mirror-token",
        ],
    },
    "actions/upload-artifact": {
        version: "v4",
        inputs: [
            "name",
            "path",
            "if-no-files-found",
            "retention-days",
            "compression-level",
            "overwrite",
            "include-hidden-files",
        ],
    },
    "actions/download-artifact": {
        version: "v4",
        inputs: ["name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id"],
    },
    "actions/github-script": {
        version: "v7",
        inputs: [
            "script",
            "github-token",
            "debug",
            "user-agent",
            "previews",
            "result-encoding",
            "retries",
            "retry-exempt-status-codes",
            "base-url",
        ],
    },
};

/**
 * Events whose runs hold the base repository's token (write access, secrets) even for a pull request from a fork.
 * Checking out or running pull-request code there is a "pwn request": such workflows must not check out or run
 * anything but their own steps.
 */
const PRIVILEGED_EVENTS = ["pull_request_target", "workflow_run"];

/**
 * A kubelogin release tag, as azure/use-kubelogin expects it: "latest", "*", an expression or nothing is not pinned.
 */
const PINNED_KUBELOGIN = /^v\d+\.\d+\.\d+$/;

type Level = "none" | "read" | "write";
const LEVELS: Level[] = ["none", "read", "write"];

const PREVIEW_PERMISSIONS: Record<string, Level> = { "id-token": "write", contents: "read", "pull-requests": "write" };
const DEPLOY_PERMISSIONS: Record<string, Level> = { "id-token": "write", contents: "read" };
const COMMENT_PERMISSIONS: Record<string, Level> = { actions: "read", "pull-requests": "write" };

/** Long-lived Azure credentials have no place in an OIDC workflow, whatever they are called. */
const SECRET_PATTERN = /client[-_]?secret|AZURE_CREDENTIALS|ARM_CLIENT_CERTIFICATE|AZURE_CLIENT_CERTIFICATE/i;
/** A state backend written into the workflow instead of read from `vars.PULUMI_BACKEND_URL`. */
const BACKEND_PATTERN = /\b(azblob|s3|gs|file):\/\/|https?:\/\/[\w.-]*pulumi\.com/i;
const BACKEND_FROM_VARIABLE = "${{ vars.PULUMI_BACKEND_URL }}";

interface ParsedWorkflow {
    errors: string[];
    /** The parser's token tree as plain values; expressions appear as "${{ expression }}". */
    raw: PlainMap;
    template?: WorkflowTemplate;
}

async function parse(name: string, content: string): Promise<ParsedWorkflow> {
    const parser = await loadParser();
    const result = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
    const errors = result.context.errors.getErrors().map((error) => error.message);
    if (!result.value) return { errors: errors.length ? errors : [`${name}: no workflow`], raw: {} };
    const raw = toPlain(parser, result.value);
    if (errors.length) return { errors, raw: isMap(raw) ? raw : {} };
    const template = await parser.convertWorkflowTemplate(result.context, result.value);
    for (const error of template.errors ?? []) errors.push(error.Message);
    return { errors, raw: isMap(raw) ? raw : {}, template };
}

function toPlain(parser: Parser, token: Token): Plain {
    if (parser.isMapping(token)) {
        const map: PlainMap = {};
        for (const pair of token) map[pair.key.toString()] = toPlain(parser, pair.value);
        return map;
    }
    if (parser.isSequence(token)) return [...token].map((item) => toPlain(parser, item));
    if (parser.isString(token) || parser.isBoolean(token) || parser.isNumber(token)) return token.value;
    if (parser.isBasicExpression(token)) return token.toString();
    return null;
}

function isMap(value: Plain | undefined): value is PlainMap {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function map(value: Plain | undefined, what: string): PlainMap {
    assert.ok(isMap(value), `${what} is not a mapping: ${JSON.stringify(value)}`);
    return value;
}

/** Every key and scalar in the tree, with its path. */
function* scalars(value: Plain, at = ""): Generator<[string, string]> {
    if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) yield* scalars(item, `${at}[${i}]`);
    } else if (isMap(value)) {
        for (const [key, item] of Object.entries(value)) {
            yield [`${at}.${key} (key)`, key];
            yield* scalars(item, `${at}.${key}`);
        }
    } else if (value !== null) {
        yield [at, String(value)];
    }
}

function actionOf(step: PlainMap): { name: string; ref: string } | undefined {
    if (typeof step.uses !== "string") return undefined;
    const [name, ref = ""] = step.uses.split("@");
    return { name: name.toLowerCase(), ref };
}

function jobsOf(raw: PlainMap): [string, PlainMap][] {
    return Object.entries(isMap(raw.jobs) ? raw.jobs : {}).map(([id, job]) => [id, isMap(job) ? job : {}]);
}

function stepsOf(job: PlainMap): PlainMap[] {
    return (Array.isArray(job.steps) ? job.steps : []).map((step) => (isMap(step) ? step : {}));
}

function checkPermissions(
    where: string,
    permissions: Plain | undefined,
    allowed: Record<string, Level>,
    exact: boolean,
): string[] {
    if (permissions === undefined)
        return exact ? [`${where}: permissions are not declared (the default token may write)`] : [];
    if (!isMap(permissions)) return [`${where}: permissions must list scopes, not ${JSON.stringify(permissions)}`];
    const problems: string[] = [];
    for (const [scope, level] of Object.entries(permissions)) {
        const granted = LEVELS.indexOf(level as Level);
        const limit = LEVELS.indexOf(allowed[scope] ?? "none");
        if (granted > limit) problems.push(`${where}: ${scope}: ${level} exceeds ${allowed[scope] ?? "none"}`);
    }
    if (exact) {
        for (const [scope, level] of Object.entries(allowed)) {
            if (permissions[scope] !== level)
                problems.push(`${where}: ${scope} must be ${level}, is ${permissions[scope] ?? "unset"}`);
        }
    }
    return problems;
}

/**
 * Everything wrong with a workflow: parser errors, then this project's policy: exactly the allowed token permissions,
 * azure/login, azure/use-kubelogin and pulumi/actions at their pinned majors with known inputs only, kubelogin at a
 * pinned release, OIDC instead of credentials, outputs suppressed, and the backend read from the PULUMI_BACKEND_URL
 * variable.
 */
async function auditWorkflow(name: string, content: string, allowed: Record<string, Level>): Promise<string[]> {
    const { errors, raw } = await parse(name, content);
    if (errors.length) return errors;
    const problems = checkPermissions("workflow", raw.permissions, allowed, true);
    const events =
        typeof raw.on === "string"
            ? [raw.on]
            : Array.isArray(raw.on)
              ? raw.on.map(String)
              : Object.keys(isMap(raw.on) ? raw.on : {});
    const privileged = events.filter((event) => PRIVILEGED_EVENTS.includes(event));
    for (const [id, job] of jobsOf(raw)) {
        for (const [i, step] of stepsOf(job).entries()) {
            if (!privileged.length) break;
            if (actionOf(step)?.name === "actions/checkout")
                problems.push(
                    `job ${id} step ${i + 1}: checks out code in a ${privileged.join("/")} workflow, ` +
                        `which holds a write token for fork pull requests`,
                );
            if (typeof step.run === "string")
                problems.push(
                    `job ${id} step ${i + 1}: runs a shell command in a ${privileged.join("/")} workflow ` +
                        `(only its own actions may run there)`,
                );
        }
        problems.push(...checkPermissions(`job ${id}`, job.permissions, allowed, false));
        for (const [i, step] of stepsOf(job).entries()) {
            const action = actionOf(step);
            const known = action && KNOWN_INPUTS[action.name];
            if (!action || !known) continue;
            const where = `job ${id} step ${i + 1} (${action.name})`;
            const inputs = isMap(step.with) ? step.with : {};
            if (action.ref !== known.version) problems.push(`${where}: expected @${known.version}, got @${action.ref}`);
            for (const input of Object.keys(inputs)) {
                if (!known.inputs.includes(input)) problems.push(`${where}: unknown input ${input}`);
            }
            if (action.name === "azure/login") {
                if ("creds" in inputs) problems.push(`${where}: creds is a client secret; use OpenID Connect`);
                for (const input of ["client-id", "tenant-id", "subscription-id"]) {
                    if (!(input in inputs)) problems.push(`${where}: ${input} is missing`);
                }
            }
            if (action.name === "azure/use-kubelogin") {
                const version = inputs["kubelogin-version"];
                if (version === undefined)
                    problems.push(
                        `${where}: kubelogin-version is missing (the action then installs the latest release)`,
                    );
                else if (!PINNED_KUBELOGIN.test(String(version)))
                    problems.push(`${where}: kubelogin-version must pin a release (vX.Y.Z), is ${version}`);
            }
            if (action.name === "pulumi/actions") {
                if (String(inputs["suppress-outputs"]) !== "true")
                    problems.push(`${where}: suppress-outputs is not true`);
                if ("cloud-url" in inputs && inputs["cloud-url"] !== BACKEND_FROM_VARIABLE) {
                    problems.push(`${where}: cloud-url must be ${BACKEND_FROM_VARIABLE}, is ${inputs["cloud-url"]}`);
                }
            }
        }
    }
    for (const [at, text] of scalars(raw)) {
        if (SECRET_PATTERN.test(text)) problems.push(`${at}: looks like a client secret or credentials: ${text}`);
        if (BACKEND_PATTERN.test(text)) problems.push(`${at}: hard-coded backend URL: ${text}`);
    }
    return problems;
}

const WORKFLOWS = path.join(__dirname, "..", ".github", "workflows");
const read = (file: string) => readFileSync(path.join(WORKFLOWS, file), "utf8");

/** The steps of a job that use `action` (name without @ref). */
function uses(job: PlainMap, action: string): PlainMap[] {
    return stepsOf(job).filter((step) => actionOf(step)?.name === action);
}

function only(steps: PlainMap[], what: string): PlainMap {
    assert.equal(steps.length, 1, `expected exactly one ${what} step, found ${steps.length}`);
    return steps[0];
}

/** Index of the first step matching, for ordering assertions. */
function indexOf(job: PlainMap, match: (step: PlainMap) => boolean, what: string): number {
    const index = stepsOf(job).findIndex(match);
    assert.ok(index >= 0, `no ${what} step`);
    return index;
}

const runs = (command: string) => (step: PlainMap) => typeof step.run === "string" && step.run.trim() === command;
/**
 * A step that runs the test suite, in any spelling npm accepts (`npm test`, `npm t`, `npm run test`,
 * `npm run-script test`).
 */
const runsTests = (step: PlainMap) =>
    typeof step.run === "string" && /\bnpm\s+(?:(?:run|run-script)\s+(?:-\S+\s+)*)?(?:test|t|tst)\b/.test(step.run);
const usesAction = (action: string) => (step: PlainMap) => actionOf(step)?.name === action;

/**
 * A value of a matrix job for one stack. The parser writes "a-${{ matrix.stack }}-b" as
 * "${{ format('a-{0}-b', matrix.stack) }}"; any other expression is refused.
 */
function forStack(value: Plain | undefined, stack: string): string {
    const text = String(value);
    const format = /^\$\{\{ format\('((?:[^']|'')*)'((?:, matrix\.stack)*)\) \}\}$/s.exec(text);
    if (!format) {
        assert.doesNotMatch(text, /\$\{\{/, `unexpected expression in ${text}`);
        return text;
    }
    const count = format[2].split(",").length - 1;
    return format[1].replaceAll("''", "'").replace(/\{(\d+)\}/g, (whole, index) => {
        assert.ok(Number(index) < count, `${whole} has no argument in ${text}`);
        return stack;
    });
}

/**
 * The build steps both workflows share, in order: checkout, Node 20 with npm cache, npm ci, kubelogin, login,
 * Pulumi. kubelogin comes before the login, so that nothing runs between the login (whose GitHub OIDC token lives
 * only minutes) and Pulumi. No tests: the workflow's `test` job ran them once, before this job.
 */
function assertPipeline(job: PlainMap): void {
    const checkout = indexOf(job, usesAction("actions/checkout"), "checkout");
    const setupNode = indexOf(job, usesAction("actions/setup-node"), "setup-node");
    const install = indexOf(job, runs("npm ci"), "npm ci");
    const kubelogin = indexOf(job, usesAction("azure/use-kubelogin"), "azure/use-kubelogin");
    const login = indexOf(job, usesAction("azure/login"), "azure/login");
    const pulumi = indexOf(job, usesAction("pulumi/actions"), "pulumi/actions");
    const order = [checkout, setupNode, install, kubelogin, login, pulumi];
    assert.deepEqual(stepsOf(job).filter(runsTests), [], "the tests run in the test job, not here");
    assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        `steps out of order: ${order}`,
    );

    const node = map(only(uses(job, "actions/setup-node"), "setup-node").with, "setup-node with");
    assert.equal(String(node["node-version"]), "20");
    assert.equal(node.cache, "npm");

    // Entra ID clusters need kubelogin on the PATH of the Pulumi step (preview and up): a pinned release, not latest.
    const kube = only(uses(job, "azure/use-kubelogin"), "azure/use-kubelogin");
    assert.equal(actionOf(kube)?.ref, "v1");
    assert.match(String(map(kube.with, "azure/use-kubelogin with")["kubelogin-version"]), PINNED_KUBELOGIN);

    const azure = map(only(uses(job, "azure/login"), "azure/login").with, "azure/login with");
    assert.deepEqual(Object.keys(azure).sort(), ["client-id", "subscription-id", "tenant-id"]);
    assert.match(String(azure["client-id"]), /\$\{\{.*\b(vars|secrets)\.AZURE_CLIENT_ID\b.*\}\}/);
    assert.match(String(azure["tenant-id"]), /\$\{\{.*\b(vars|secrets)\.AZURE_TENANT_ID\b.*\}\}/);
    assert.match(String(azure["subscription-id"]), /\$\{\{.*\b(vars|secrets)\.AZURE_SUBSCRIPTION_ID\b.*\}\}/);

    const env = map(only(uses(job, "pulumi/actions"), "pulumi/actions").env, "pulumi step env");
    assert.equal(String(env.ARM_USE_OIDC), "true");
    for (const name of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
        assert.match(
            String(env[name]),
            new RegExp(`\\b(vars|secrets)\\.AZURE_${name.slice(4)}\\b`),
            `${name}: ${env[name]}`,
        );
    }
    assert.match(String(env.PULUMI_ACCESS_TOKEN), /^\$\{\{ secrets\.PULUMI_ACCESS_TOKEN \}\}$/);
    // kubelogin reuses the az CLI session of azure/login instead of the kubeconfig's interactive device-code login.
    assert.equal(env.AAD_LOGIN_METHOD, "azurecli");
}

/** The runs-on of prod: the self-hosted runner named by the PRIVATE_RUNNER variable, GitHub-hosted if it is unset. */
const PRIVATE_RUNNER = "${{ vars.PRIVATE_RUNNER || 'ubuntu-latest' }}";

function pulumiInputs(job: PlainMap): PlainMap {
    return map(only(uses(job, "pulumi/actions"), "pulumi/actions").with, "pulumi/actions with");
}

/** Each job's `needs`, as GitHub's parser resolved them. */
function needsOf(parsed: ParsedWorkflow): Map<string, string[]> {
    return new Map(parsed.template!.jobs.map((each) => [each.id.value, (each.needs ?? []).map((need) => need.value)]));
}

/** The jobs `id` waits for, directly or through the jobs it needs. */
function upstreamOf(needs: Map<string, string[]>, id: string, seen = new Set<string>()): Set<string> {
    for (const need of needs.get(id) ?? []) {
        if (!seen.has(need)) {
            seen.add(need);
            upstreamOf(needs, need, seen);
        }
    }
    return seen;
}

/**
 * A job that runs pull-request code and nothing else: a read-only token (so no OIDC token), no secret and no
 * variable, no Azure or Pulumi action, no environment and no condition. Such a job runs alike for a pull request from
 * a fork, whose run gets a read-only token and no secrets.
 */
function assertNeedsNothingPrivileged(id: string, job: PlainMap): void {
    assert.deepEqual(job.permissions, { contents: "read" }, `job ${id}: the token only reads`);
    for (const action of ["azure/login", "azure/use-kubelogin", "pulumi/actions"])
        assert.deepEqual(uses(job, action), [], `${action} in job ${id}`);
    for (const [at, text] of scalars(job)) {
        assert.doesNotMatch(
            text,
            /\bsecrets\.|\bvars\.|id-token|ACTIONS_ID_TOKEN/,
            `job ${id}${at} needs a secret, a variable or an OIDC token`,
        );
        assert.doesNotMatch(text, /head\.repo|\bfork\b/, `job ${id}${at} tells fork pull requests apart`);
    }
    assert.equal(job.environment, undefined, `job ${id} runs in an environment`);
    for (const step of uses(job, "actions/checkout"))
        assert.equal(
            String(map(step.with, `job ${id} checkout with`)["persist-credentials"]),
            "false",
            `job ${id} keeps the token`,
        );
}

/**
 * The tests run once per workflow run: exactly one job, `test`, runs them (check out, Node 20, npm ci, npm test, the
 * slow suites, the type check), with a read-only token and nothing else; every other job waits for it, directly or
 * through a job that does.
 */
function assertTestsOnce(parsed: ParsedWorkflow): PlainMap {
    const testing = jobsOf(parsed.raw)
        .filter(([, each]) => stepsOf(each).some(runsTests))
        .map(([id]) => id);
    assert.deepEqual(testing, ["test"], "exactly one job runs npm test");
    const job = map(map(parsed.raw.jobs, "jobs").test, "job test");
    const steps = stepsOf(job).map((step) => actionOf(step)?.name ?? String(step.run).trim());
    assert.deepEqual(steps, [
        "actions/checkout",
        "actions/setup-node",
        "npm ci",
        "npm test",
        "npm run test:slow",
        "npm run -s typecheck",
    ]);
    const node = map(only(uses(job, "actions/setup-node"), "setup-node").with, "setup-node with");
    assert.equal(String(node["node-version"]), "20");
    assert.equal(node.cache, "npm");
    assertNeedsNothingPrivileged("test", job);

    const needs = needsOf(parsed);
    assert.deepEqual(needs.get("test"), [], "the test job waits for nothing");
    for (const id of needs.keys()) {
        if (id !== "test") assert.ok(upstreamOf(needs, id).has("test"), `job ${id} does not wait for the test job`);
    }
    return job;
}

describe("GitHub workflows", () => {
    before(async function () {
        this.timeout(30_000);
        await loadParser();
    });

    describe("the audit helper catches realistic mistakes", () => {
        const good = `
on: push
permissions:
  id-token: write
  contents: read
jobs:
  up:
    runs-on: ubuntu-latest
    steps:
      - uses: azure/use-kubelogin@v1
        with:
          kubelogin-version: v0.1.6
      - uses: azure/login@v2
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
      - uses: pulumi/actions@v6
        with:
          command: up
          stack-name: dev
          cloud-url: \${{ vars.PULUMI_BACKEND_URL }}
          suppress-outputs: true
`;
        const audit = (content: string) => auditWorkflow("example.yml", content, DEPLOY_PERMISSIONS);
        async function assertCaught(content: string, fragment: string): Promise<void> {
            assert.notEqual(content, good, "the bad example must differ from the good one");
            const problems = await audit(content);
            assert.ok(
                problems.some((problem) => problem.includes(fragment)),
                `"${fragment}" not in ${JSON.stringify(problems, null, 2)}`,
            );
        }

        it("passes the minimal good example", async () => {
            assert.deepEqual(await audit(good), []);
        });

        it(
            "reports parse errors from GitHub's parser " + "(bad YAML, unknown keys, contexts not allowed there)",
            async () => {
                await assertCaught(good.replace("runs-on:", "runs_on:"), "runs_on");
                await assertCaught(good.replace("command: up", "command: up\n         bad-indent: x"), "example.yml");
                await assertCaught(
                    good.replace(
                        "runs-on: ubuntu-latest",
                        "runs-on: ubuntu-latest\n    concurrency: x-${{ secrets.X }}",
                    ),
                    "secrets",
                );
                // A matrix may use vars (as preview.yml does for the prod runner), but not secrets.
                const matrix = (value: string) =>
                    good.replace(
                        "    runs-on: ubuntu-latest",
                        `    runs-on: \${{ matrix.runner }}\n    strategy:\n      matrix:\n` +
                            `        include:\n          - runner: ${value}`,
                    );
                assert.deepEqual(await audit(matrix("${{ vars.PRIVATE_RUNNER || 'ubuntu-latest' }}")), []);
                await assertCaught(matrix("${{ secrets.PRIVATE_RUNNER }}"), "secrets");
            },
        );

        it("rejects write-all, read-all and missing permissions", async () => {
            await assertCaught(
                good.replace("permissions:\n  id-token: write\n  contents: read\n", "permissions: write-all\n"),
                "must list scopes",
            );
            await assertCaught(
                good.replace("permissions:\n  id-token: write\n  contents: read\n", "permissions: read-all\n"),
                "must list scopes",
            );
            await assertCaught(good.replace("permissions:\n  id-token: write\n  contents: read\n", ""), "not declared");
        });

        it("rejects write scopes beyond those allowed, at workflow or job level", async () => {
            await assertCaught(good.replace("contents: read", "contents: write"), "contents: write exceeds read");
            await assertCaught(
                good.replace("contents: read", "contents: read\n  packages: write"),
                "packages: write exceeds none",
            );
            await assertCaught(
                good.replace("    runs-on:", "    permissions:\n      pull-requests: write\n    runs-on:"),
                "job up: pull-requests: write exceeds none",
            );
            await assertCaught(good.replace("id-token: write", "id-token: none"), "id-token must be write");
        });

        it("rejects client secrets in any form", async () => {
            await assertCaught(
                good.replace(
                    /client-id:.*\n.*tenant-id:.*\n.*subscription-id:.*\n/,
                    "creds: ${{ secrets.AZURE_CREDENTIALS }}\n",
                ),
                "creds is a client secret",
            );
            await assertCaught(
                good.replace("client-id:", "client-secret: ${{ secrets.SP_SECRET }}\n          client-id:"),
                "client-secret",
            );
            await assertCaught(
                good.replace(
                    "suppress-outputs: true",
                    "suppress-outputs: true\n        env:\n          ARM_CLIENT_SECRET: ${{ secrets.SP }}",
                ),
                "ARM_CLIENT_SECRET",
            );
        });

        it("rejects a hard-coded backend, unknown inputs, other majors and unsuppressed outputs", async () => {
            await assertCaught(
                good.replace("${{ vars.PULUMI_BACKEND_URL }}", "azblob://state"),
                "hard-coded backend URL",
            );
            await assertCaught(
                good.replace("${{ vars.PULUMI_BACKEND_URL }}", "https://api.pulumi.com"),
                "hard-coded backend URL",
            );
            await assertCaught(
                good.replace("suppress-outputs: true", "suppress-output: true"),
                "unknown input suppress-output",
            );
            await assertCaught(
                good.replace("suppress-outputs: true", "suppress-outputs: false"),
                "suppress-outputs is not true",
            );
            await assertCaught(good.replace("pulumi/actions@v6", "pulumi/actions@v5"), "expected @v6");
            await assertCaught(good.replace("azure/login@v2", "azure/login@v1"), "expected @v2");
        });

        it("rejects checking out or running code in pull_request_target and workflow_run workflows", async () => {
            const comment = `
on:
  workflow_run:
    workflows: [Preview]
    types: [completed]
permissions:
  id-token: write
  contents: read
jobs:
  up:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/github-script@v7
        with:
          script: core.info("hello")
`;
            assert.deepEqual(await audit(comment), []);
            const checkout = comment.replace("    steps:\n", "    steps:\n      - uses: actions/checkout@v4\n");
            assert.ok((await audit(checkout)).some((p) => p.includes("checks out code in a workflow_run workflow")));
            const target = checkout.replace(/on:\n( {2}.*\n)+/, "on: pull_request_target\n");
            assert.ok(
                (await audit(target)).some((p) => p.includes("checks out code in a pull_request_target workflow")),
            );
            const shell = comment.replace("    steps:\n", "    steps:\n      - run: npm ci\n");
            assert.ok((await audit(shell)).some((p) => p.includes("runs a shell command in a workflow_run workflow")));
            assert.ok(
                (await audit(comment.replace("actions/github-script@v7", "actions/github-script@v6"))).some((p) =>
                    p.includes("expected @v7"),
                ),
            );
        });

        it("rejects kubelogin that is not pinned to a release, unknown inputs and other majors", async () => {
            await assertCaught(
                good.replace("kubelogin-version: v0.1.6", "kubelogin-version: latest"),
                "must pin a release (vX.Y.Z), is latest",
            );
            await assertCaught(
                good.replace("kubelogin-version: v0.1.6", "kubelogin-version: '*'"),
                "must pin a release (vX.Y.Z), is *",
            );
            await assertCaught(
                good.replace("kubelogin-version: v0.1.6", "kubelogin-version: ${{ vars.KUBELOGIN }}"),
                "must pin a release",
            );
            await assertCaught(
                good.replace("        with:\n          kubelogin-version: v0.1.6\n", ""),
                "kubelogin-version is missing",
            );
            await assertCaught(
                good.replace("kubelogin-version: v0.1.6", "kubelogin-version: v0.1.6\n          version: v0.1.6"),
                "unknown input version",
            );
            await assertCaught(good.replace("azure/use-kubelogin@v1", "azure/use-kubelogin@main"), "expected @v1");
        });
    });

    describe("preview.yml", () => {
        let parsed: ParsedWorkflow;
        let job: PlainMap;
        before(async () => {
            parsed = await parse("preview.yml", read("preview.yml"));
            assert.deepEqual(parsed.errors, []);
            job = map(map(parsed.raw.jobs, "jobs").preview, "job preview");
        });

        it("parses without errors and passes the audit", async () => {
            assert.ok(parsed.template, "the parser produced no workflow template");
            assert.deepEqual(await auditWorkflow("preview.yml", read("preview.yml"), PREVIEW_PERMISSIONS), []);
        });

        it("runs on pull requests to main, and on nothing else", () => {
            const events = parsed.template!.events;
            assert.deepEqual(Object.keys(events), ["pull_request"]);
            assert.deepEqual(events.pull_request?.branches, ["main"]);
        });

        it(
            "grants the token id-token: write, contents: read and pull-requests: write only; " +
                "the test and review jobs contents: read alone",
            () => {
                assert.deepEqual(parsed.raw.permissions, {
                    "id-token": "write",
                    contents: "read",
                    "pull-requests": "write",
                });
                const permissions = Object.fromEntries(jobsOf(parsed.raw).map(([id, each]) => [id, each.permissions]));
                assert.deepEqual(permissions, {
                    test: { contents: "read" },
                    preview: undefined,
                    review: { contents: "read" },
                });
            },
        );

        it("runs the tests and the type check once, in the job test, which the preview and review jobs need", () => {
            const test = assertTestsOnce(parsed);
            assert.equal(test["runs-on"], "ubuntu-latest");
            assert.equal(test.if, undefined, "runs for every pull request");
            const concurrency = map(test.concurrency, "test concurrency");
            assert.match(String(concurrency.group), /github\.ref/);
            assert.equal(concurrency["cancel-in-progress"], true);
            const needs = needsOf(parsed);
            assert.deepEqual(needs.get("preview"), ["test"]);
            // Not the preview: a fork's preview cannot log in to Azure, and its review and plan must not wait for it.
            assert.deepEqual(needs.get("review"), ["test"]);
            assert.ok(
                JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).scripts?.typecheck,
                "package.json has no typecheck script",
            );
        });

        it("has one job per stack: a matrix over dev and prod that lets both finish", () => {
            assert.deepEqual(
                parsed.template!.jobs.map((each) => each.id.value),
                ["test", "preview", "review"],
            );
            const strategy = map(job.strategy, "strategy");
            const matrix = map(strategy.matrix, "matrix");
            assert.deepEqual(Object.keys(matrix), ["include"]);
            assert.ok(Array.isArray(matrix.include), "matrix.include is not a list");
            assert.deepEqual(
                matrix.include.map((entry) => map(entry, "matrix entry").stack),
                ["dev", "prod"],
            );
            assert.equal(strategy["fail-fast"], false);
        });

        it("previews dev on ubuntu-latest and prod on the runner named by vars.PRIVATE_RUNNER", () => {
            assert.equal(job["runs-on"], "${{ matrix.runner }}");
            const include = map(map(job.strategy, "strategy").matrix, "matrix").include as Plain[];
            const runnerOf = new Map(
                include.map((entry) => [map(entry, "matrix entry").stack, map(entry, "matrix entry").runner]),
            );
            assert.equal(runnerOf.get("dev"), "ubuntu-latest");
            assert.equal(runnerOf.get("prod"), PRIVATE_RUNNER);
        });

        it("cancels a superseded preview of the same stack and pull request", () => {
            const concurrency = map(job.concurrency, "concurrency");
            assert.match(String(concurrency.group), /matrix\.stack/);
            assert.match(String(concurrency.group), /github\.ref/);
            assert.equal(concurrency["cancel-in-progress"], true);
        });

        it(
            "checks out, installs with npm ci, installs kubelogin, " +
                "logs in with OIDC, then previews (no tests: job test ran them)",
            () => {
                assertPipeline(job);
            },
        );

        it("previews the matrix stack with a diff, as one PR comment edited on each push, outputs suppressed", () => {
            const inputs = pulumiInputs(job);
            assert.equal(inputs.command, "preview");
            assert.match(String(inputs["stack-name"]), /matrix\.stack/);
            assert.equal(String(inputs["comment-on-pr"]), "true");
            assert.equal(String(inputs["edit-pr-comment"]), "true");
            assert.equal(String(inputs.diff), "true");
            assert.equal(String(inputs["suppress-outputs"]), "true");
            assert.equal(inputs["cloud-url"], BACKEND_FROM_VARIABLE);
        });
    });

    describe("preview.yml, job review: the offline plan review of every pull request", () => {
        let parsed: ParsedWorkflow;
        let job: PlainMap;
        let steps: PlainMap[];
        const script = (step: PlainMap) => String(step.run ?? "");
        const stepNamed = (name: string) => {
            const step = steps.find((each) => each.name === name);
            assert.ok(step, `no step "${name}"`);
            return step;
        };
        before(async () => {
            parsed = await parse("preview.yml", read("preview.yml"));
            job = map(map(parsed.raw.jobs, "jobs").review, "job review");
            steps = stepsOf(job);
        });

        it("runs for every stack on a GitHub-hosted runner, both stacks to the end, superseded runs cancelled", () => {
            assert.equal(job["runs-on"], "ubuntu-latest");
            const strategy = map(job.strategy, "strategy");
            assert.deepEqual(map(strategy.matrix, "matrix").stack, ["dev", "prod"]);
            assert.equal(strategy["fail-fast"], false);
            const concurrency = map(job.concurrency, "concurrency");
            // The parser writes "review-${{ matrix.stack }}-${{ github.ref }}" as a format() expression.
            assert.equal(concurrency.group, "${{ format('review-{0}-{1}', matrix.stack, github.ref) }}");
            assert.equal(concurrency["cancel-in-progress"], true);
        });

        it(
            "needs no Azure, no Pulumi and no secrets, so it also runs for fork pull requests; " +
                "its token only reads",
            () => {
                assert.deepEqual(job.permissions, { contents: "read" });
                for (const action of ["azure/login", "azure/use-kubelogin", "pulumi/actions"])
                    assert.deepEqual(uses(job, action), [], `${action} in the review job`);
                for (const [at, text] of scalars(job)) assert.doesNotMatch(text, /\bsecrets\./, `${at} reads a secret`);
                assert.equal(job.if, undefined, "runs for every pull request");
            },
        );

        it(
            "checks out the merge commit without keeping the token, and the base commit " +
                "(its first parent) beside it",
            () => {
                const checkout = only(uses(job, "actions/checkout"), "actions/checkout");
                const inputs = map(checkout.with, "checkout with");
                assert.equal(String(inputs["fetch-depth"]), "2");
                assert.equal(String(inputs["persist-credentials"]), "false");
                assert.equal(inputs.ref, undefined, "the pull request's merge commit, GitHub's default");
                assert.equal(
                    script(stepNamed("Check out the base commit")).trim(),
                    'git worktree add --detach "$RUNNER_TEMP/base" HEAD^1',
                );
                const node = map(only(uses(job, "actions/setup-node"), "setup-node").with, "setup-node with");
                assert.equal(String(node["node-version"]), "20");
            },
        );

        it(
            "plans the base commit as JSON there (npm ci, npm run -s plan --json), " +
                "tolerating a base without the stack",
            () => {
                const base = stepNamed("Plan of the base commit");
                assert.equal(base.id, "base");
                assert.equal(base["continue-on-error"], true);
                assert.equal(base["working-directory"], "${{ format('{0}/base', runner.temp) }}");
                const lines = script(base).trim().split("\n");
                assert.deepEqual(lines, [
                    "npm ci",
                    'npm run -s plan -- --stack "$STACK" --json > "$GITHUB_WORKSPACE/base.json"',
                ]);
                assert.equal(map(job.env, "job env").STACK, "${{ matrix.stack }}");
            },
        );

        it(
            "then installs the pull request's dependencies and " +
                "writes the review with --diff base.json into review.md",
            () => {
                const names = steps.map((each) => each.name);
                const order = [
                    "Check out",
                    "Set up Node.js 20",
                    "Check out the base commit",
                    "Plan of the base commit",
                    "Install dependencies",
                    "Plan review of this pull request",
                    "Upload the review",
                    "Offline plan of this pull request",
                    "Upload the plan",
                ];
                assert.deepEqual(names, order);
                assert.equal(script(stepNamed("Install dependencies")).trim(), "npm ci");
                const review = stepNamed("Plan review of this pull request");
                // base.json lies in the workspace, where the review step runs: the review names it "base.json".
                assert.match(script(review), /npm run -s plan -- --stack "\$STACK" --diff base\.json > "\$review"/);
                assert.match(script(review), /review="\$RUNNER_TEMP\/review\/review\.md"/);
                assert.equal(map(review.env, "review env").BASE_OUTCOME, "${{ steps.base.outcome }}");
                // A failing plan (an invalid configuration in the pull request) becomes the review, and fails the job.
                assert.match(script(review), /The plan of this pull request fails/);
                assert.match(script(review), /exit "\$status"\s*$/);
            },
        );

        it("silences npm wherever a plan's stdout is redirected (npm run prints a banner on stdout without -s)", () => {
            for (const each of steps) {
                for (const line of script(each)
                    .split("\n")
                    .filter((l) => /npm run\b.*>/.test(l)))
                    assert.match(line, /npm run -s /, line);
            }
        });

        it("uploads review.md as the artifact plan-review-<stack>, also when the plan fails", () => {
            const upload = stepNamed("Upload the review");
            assert.equal(actionOf(upload)?.name, "actions/upload-artifact");
            assert.equal(upload.if, "always()");
            const inputs = map(upload.with, "upload with");
            assert.equal(inputs.name, "${{ format('plan-review-{0}', matrix.stack) }}");
            assert.equal(inputs.path, "${{ format('{0}/review/review.md', runner.temp) }}");
            assert.equal(inputs["if-no-files-found"], "ignore");
        });

        it(
            "plans the pull request as text with the address map (--svg), and as JSON, " +
                "once the dependencies are installed",
            () => {
                const plan = stepNamed("Offline plan of this pull request");
                assert.equal(plan.id, "plan");
                assert.equal(stepNamed("Install dependencies").id, "install");
                // Also after a failed review step (which a failing plan fails), never after a failed install or
                // a cancel.
                assert.equal(plan.if, "${{ !cancelled() && steps.install.outcome == 'success' }}");
                assert.equal(plan["working-directory"], undefined, "the pull request's checkout, not the base");
                assert.deepEqual(script(plan).trim().split("\n"), [
                    "mkdir -p plan-out",
                    'npm run -s plan -- --stack "$STACK" --svg "plan-out/plan-$STACK.svg" > "plan-out/plan-$STACK.txt"',
                    'npm run -s plan -- --stack "$STACK" --json > "plan-out/plan-$STACK.json"',
                ]);
                assert.ok(
                    readFileSync(path.join(__dirname, "..", ".gitignore"), "utf8")
                        .split("\n")
                        .includes("/plan-out/"),
                    "plan-out/ is not git-ignored",
                );
            },
        );

        it(
            "uploads, per stack, the artifact plan-<stack> holding exactly the text plan, " +
                "the JSON plan and the SVG it wrote",
            () => {
                const plan = stepNamed("Offline plan of this pull request");
                const upload = stepNamed("Upload the plan");
                assert.equal(actionOf(upload)?.name, "actions/upload-artifact");
                assert.equal(
                    actionOf(upload)?.ref,
                    KNOWN_INPUTS["actions/upload-artifact"].version,
                    "pinned like every other action",
                );
                assert.equal(
                    upload.if,
                    "${{ !cancelled() && steps.plan.outcome == 'success' }}",
                    "only a whole plan is uploaded",
                );
                const inputs = map(upload.with, "upload with");
                assert.equal(inputs["if-no-files-found"], "error");
                assert.equal(inputs["github-token"], undefined);
                const stacks = map(map(job.strategy, "strategy").matrix, "matrix").stack as string[];
                assert.deepEqual(stacks, ["dev", "prod"]);
                for (const stack of stacks) {
                    const name = forStack(inputs.name, stack);
                    assert.equal(name, `plan-${stack}`);
                    // The comment workflow posts every plan-review-* artifact as a review:
                    // the plan must not look like one.
                    assert.doesNotMatch(name, /^plan-review-/);
                    const uploaded = forStack(inputs.path, stack)
                        .split("\n")
                        .map((line) => line.trim())
                        .filter(Boolean)
                        .sort();
                    const wanted = ["json", "svg", "txt"].map((ext) => `plan-out/plan-${stack}.${ext}`);
                    assert.deepEqual(uploaded, wanted);
                    const written = [...script(plan).matchAll(/(?:--svg|>) "([^"]+)"/g)]
                        .map((match) => match[1].replaceAll("$STACK", stack))
                        .sort();
                    assert.deepEqual(written, wanted, "the plan step writes what is uploaded");
                }
            },
        );

        it(
            "plans only in this job, one per stack per run " +
                "(no other job of Preview or the comment workflow runs the plan)",
            async () => {
                const all = [
                    ...jobsOf(parsed.raw),
                    ...jobsOf((await parse("plan-review-comment.yml", read("plan-review-comment.yml"))).raw),
                ];
                const planning = all
                    .filter(([, each]) =>
                        stepsOf(each).some((step) => /\bnpm run (-s )?plan\b/.test(String(step.run ?? ""))),
                    )
                    .map(([id]) => id);
                assert.deepEqual(planning, ["review"]);
            },
        );

        it("the checks above catch tests run twice, a job that skips them and a secret in the fork jobs", async () => {
            const content = read("preview.yml");
            const mutated = async (from: string, to: string) => {
                assert.ok(content.includes(from), `preview.yml no longer has ${JSON.stringify(from)}`);
                const each = await parse("preview.yml", content.replace(from, to));
                assert.deepEqual(each.errors, []);
                return each;
            };
            const install = "      - name: Install dependencies\n        run: npm ci\n\n      # Entra";
            const twice = await mutated(
                install,
                install.replace("run: npm ci\n", "run: npm ci\n\n      - run: npm run test\n"),
            );
            assert.throws(() => assertTestsOnce(twice), /exactly one job runs npm test/);
            const skips = await mutated(
                "    needs: test\n    runs-on: ubuntu-latest\n",
                "    runs-on: ubuntu-latest\n",
            );
            assert.throws(() => assertTestsOnce(skips), /job review does not wait for the test job/);
            const secret = await mutated(
                "      STACK: ${{ matrix.stack }}\n",
                "      STACK: ${{ matrix.stack }}\n      TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n",
            );
            assert.throws(
                () => assertNeedsNothingPrivileged("review", map(map(secret.raw.jobs, "jobs").review, "review")),
                /needs a secret/,
            );
            const oidc = await mutated(
                "    permissions:\n      contents: read\n    strategy:",
                "    permissions:\n      contents: read\n      id-token: write\n    strategy:",
            );
            assert.throws(
                () => assertNeedsNothingPrivileged("review", map(map(oidc.raw.jobs, "jobs").review, "review")),
                /the token only reads/,
            );
        });

        it(
            "gives fork pull requests the plan and the review: " +
                "no step of the test or review job needs a secret or an OIDC token",
            () => {
                for (const id of ["test", "review"])
                    assertNeedsNothingPrivileged(id, map(map(parsed.raw.jobs, "jobs")[id], `job ${id}`));
                for (const step of steps) {
                    if (step.if !== undefined)
                        assert.doesNotMatch(String(step.if), /head|fork|secrets|vars/, `step ${step.name}: ${step.if}`);
                }
            },
        );
    });

    describe("plan-review-comment.yml: posts the reviews without ever running pull-request code", () => {
        let parsed: ParsedWorkflow;
        let job: PlainMap;
        let github: string;
        before(async () => {
            parsed = await parse("plan-review-comment.yml", read("plan-review-comment.yml"));
            assert.deepEqual(parsed.errors, []);
            job = map(map(parsed.raw.jobs, "jobs").comment, "job comment");
            github = String(
                map(only(uses(job, "actions/github-script"), "actions/github-script").with, "github-script with")
                    .script,
            );
        });

        it("parses without errors and passes the audit", async () => {
            assert.ok(parsed.template, "the parser produced no workflow template");
            assert.deepEqual(
                await auditWorkflow("plan-review-comment.yml", read("plan-review-comment.yml"), COMMENT_PERMISSIONS),
                [],
            );
        });

        it("runs when the Preview workflow completes (workflow_run), never on pull_request_target", async () => {
            assert.deepEqual(Object.keys(map(parsed.raw.on, "on")), ["workflow_run"]);
            const trigger = map(map(parsed.raw.on, "on").workflow_run, "workflow_run");
            const preview = await parse("preview.yml", read("preview.yml"));
            assert.deepEqual(trigger.workflows, [preview.raw.name]);
            assert.deepEqual(trigger.types, ["completed"]);
            assert.equal(job.if, "github.event.workflow_run.event == 'pull_request'");
        });

        it("grants the token actions: read and pull-requests: write only", () => {
            assert.deepEqual(parsed.raw.permissions, { actions: "read", "pull-requests": "write" });
            assert.equal(job.permissions, undefined);
        });

        it("has no checkout and no shell step: only the Preview run's artifacts and a script of its own", () => {
            assert.deepEqual(
                stepsOf(job).map((step) => actionOf(step)?.name),
                ["actions/download-artifact", "actions/github-script"],
            );
            for (const step of stepsOf(job)) assert.equal(step.run, undefined);
        });

        it("downloads every stack's review of that run", () => {
            const inputs = map(
                only(uses(job, "actions/download-artifact"), "actions/download-artifact").with,
                "download with",
            );
            assert.equal(inputs["run-id"], "${{ github.event.workflow_run.id }}");
            assert.equal(inputs["github-token"], "${{ github.token }}");
            // The pattern matches the name preview.yml uploads under (plan-review-<stack>).
            assert.equal(inputs.pattern, "plan-review-*");
            assert.equal(inputs.path, "reviews");
        });

        it(
            "finds the pull request from the run's head commit, never from the artifact, " +
                "and edits one comment per stack",
            () => {
                assert.match(github, /github\.rest\.pulls\.list/);
                assert.match(github, /p\.head\.sha === run\.head_sha/);
                assert.doesNotMatch(
                    github,
                    /issue_number: Number|parseInt|pr-number/i,
                    "the PR number never comes from the artifact",
                );
                assert.match(github, /const marker = `<!-- aks-pod-subnet plan review: \$\{stack\} -->`/);
                assert.match(github, /github\.rest\.issues\.updateComment/);
                assert.match(github, /github\.rest\.issues\.createComment/);
                assert.match(github, /c\.user\?\.login === "github-actions\[bot\]"/);
                assert.match(github, /review\.length > 60000/, "kept below GitHub's comment size limit");
                assert.doesNotMatch(
                    github,
                    /\beval\b|child_process|new Function|require\("vm"\)/,
                    "the artifact is text, never run",
                );
            },
        );
    });

    describe("deploy.yml", () => {
        let parsed: ParsedWorkflow;
        let jobs: PlainMap;
        before(async () => {
            parsed = await parse("deploy.yml", read("deploy.yml"));
            assert.deepEqual(parsed.errors, []);
            jobs = map(parsed.raw.jobs, "jobs");
        });

        it("parses without errors and passes the audit", async () => {
            assert.ok(parsed.template, "the parser produced no workflow template");
            assert.deepEqual(await auditWorkflow("deploy.yml", read("deploy.yml"), DEPLOY_PERMISSIONS), []);
        });

        it("runs on pushes to main and on demand, never on pull requests", () => {
            const events = parsed.template!.events;
            assert.deepEqual(Object.keys(events).sort(), ["push", "workflow_dispatch"]);
            assert.deepEqual(events.push?.branches, ["main"]);
        });

        it("grants the token id-token: write and contents: read only; the test job contents: read alone", () => {
            assert.deepEqual(parsed.raw.permissions, { "id-token": "write", contents: "read" });
            const permissions = Object.fromEntries(jobsOf(parsed.raw).map(([id, each]) => [id, each.permissions]));
            assert.deepEqual(permissions, { test: { contents: "read" }, dev: undefined, prod: undefined });
        });

        it(
            "runs the tests and the type check once, in the job test, " +
                "before dev (and so before prod), from main only",
            () => {
                const test = assertTestsOnce(parsed);
                assert.equal(test["runs-on"], "ubuntu-latest");
                assert.equal(test.if, map(jobs.dev, "dev").if);
            },
        );

        it("tests, then deploys dev, then prod after dev, prod in the production environment", () => {
            const byId = new Map(parsed.template!.jobs.map((each) => [each.id.value, each]));
            assert.deepEqual([...byId.keys()], ["test", "dev", "prod"]);
            assert.deepEqual(
                byId.get("dev")!.needs?.map((need) => need.value),
                ["test"],
            );
            assert.deepEqual(
                byId.get("prod")!.needs?.map((need) => need.value),
                ["dev"],
            );
            assert.equal(map(jobs.prod, "prod").environment, "production");
            assert.equal(map(jobs.dev, "dev").environment, undefined);
        });

        it("deploys dev on ubuntu-latest and prod on the runner named by vars.PRIVATE_RUNNER", () => {
            assert.equal(map(jobs.dev, "dev")["runs-on"], "ubuntu-latest");
            assert.equal(map(jobs.prod, "prod")["runs-on"], PRIVATE_RUNNER);
        });

        for (const stack of ["dev", "prod"]) {
            describe(`job ${stack}`, () => {
                let job: PlainMap;
                before(() => {
                    job = map(jobs[stack], `job ${stack}`);
                });

                it("deploys only from main (workflow_dispatch can target any branch)", () => {
                    assert.match(String(job.if), /github\.ref == 'refs\/heads\/main'/);
                });

                it("queues behind a running deploy of the same stack and never cancels it", () => {
                    const concurrency = map(job.concurrency, "concurrency");
                    assert.match(String(concurrency.group), new RegExp(`\\b${stack}\\b`));
                    assert.equal(concurrency["cancel-in-progress"], false);
                });

                it(
                    "installs, installs kubelogin, logs in with OIDC, " +
                        "then runs pulumi up on its stack with outputs suppressed",
                    () => {
                        assertPipeline(job);
                        const inputs = pulumiInputs(job);
                        assert.equal(inputs.command, "up");
                        assert.match(String(inputs["stack-name"]), new RegExp(`\\b${stack}\\b`));
                        assert.equal(String(inputs["suppress-outputs"]), "true");
                        assert.equal(inputs["cloud-url"], BACKEND_FROM_VARIABLE);
                    },
                );
            });
        }

        it("uses different concurrency groups for dev and prod", () => {
            assert.notEqual(
                map(map(jobs.dev, "dev").concurrency, "c").group,
                map(map(jobs.prod, "prod").concurrency, "c").group,
            );
        });
    });
});
