import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "../../src/errors";
import { readConfigFile } from "../../program/stackFile";
import { AzureMocks } from "../../src/plan/mocks";
import { runProgram } from "../../src/plan/runProgram";
import { CliRun, runPlanCli } from "../helpers/planCli";

/*
 * The bad-input corpus: every file in test/fixtures/bad/ is a complete stack settings file (the valid dev stack with
 * one or a few deliberate faults) whose first line names the config keys its error must name:
 *
 *     # expect: nodePools[0].maxPods, nodePools[1].maxPods
 *
 * Each one must be rejected by the stack program (in-process, under Pulumi mocks) before any resource but the stack
 * itself is registered, and by the offline plan CLI (a child process) with a non-zero exit; both report exactly the
 * expected keys, one line per problem, and no stack trace. A file the stack file reader refuses (an undeclared or
 * misspelt key, a wrong type, no `config:` section) is rejected by the reader instead, before the program runs, with
 * the program's own problems in the same list: one run shows every problem.
 */

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(__dirname, "..", "fixtures", "bad");
const EXPECT = /^# expect: (.+)$/;
const STACK_ROOT = "pulumi:pulumi:Stack";

interface Fixture {
    name: string;
    file: string;
    /** The stack name the plan CLI derives from the file name (`Pulumi.<stack>.yaml` → stack, else the basename). */
    stack: string;
    /** Config keys the error must name; every problem line names one of them. */
    expect: string[];
}

function loadFixtures(): Fixture[] {
    return fs
        .readdirSync(FIXTURES)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => {
            const file = path.join(FIXTURES, name);
            const firstLine = fs.readFileSync(file, "utf8").split("\n", 1)[0];
            const match = EXPECT.exec(firstLine);
            if (!match)
                throw new Error(
                    `${file}: the first line must be "# expect: <key>[, <key>...]", got ${JSON.stringify(firstLine)}`,
                );
            const stack = name.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
            return { name, file, stack, expect: match[1].split(",").map((key) => key.trim()) };
        });
}

/**
 * Checks a configuration error as a user sees it: a header `Invalid <subject> (N problems):`, then exactly N lines
 * `  - <key>: <message>`, no stack trace, and the reported keys are exactly the expected ones.
 */
function assertProblemReport(text: string, fixture: Fixture): void {
    const lines = text.replace(/\n$/, "").split("\n");
    const context = `${fixture.name}:\n${text}`;
    assert.ok(!lines.some((line) => /^\s+at \S/.test(line)), `stack trace in the report of ${context}`);
    const header = /^Invalid [a-z ]+ \((\d+) problems?\):$/.exec(lines[0]);
    assert.ok(header, `no "Invalid ... (N problems):" header in ${context}`);
    const problems = lines.slice(1);
    assert.equal(problems.length, Number(header[1]), `expected one line per problem in ${context}`);
    const keys = problems.map((line) => {
        const match = /^ {2}- (.+?): \S/.exec(line);
        assert.ok(match, `"${line}" is not a "  - <key>: <message>" line in ${context}`);
        return fixture.expect.find((key) => line.startsWith(`  - ${key}: `)) ?? match[1];
    });
    for (const key of fixture.expect) assert.ok(keys.includes(key), `no problem names ${key} in ${context}`);
    const unexpected = keys.filter((key) => !fixture.expect.includes(key));
    assert.deepEqual(unexpected, [], `problems on keys the fixture does not expect in ${context}`);
}

/** A queue that runs at most `limit` tasks at once, in the order they were added. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async (task) => {
        if (running < limit) running++;
        else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing task hands its slot over
        try {
            return await task();
        } finally {
            const next = waiting.shift();
            if (next) next();
            else running--;
        }
    };
}

function runPlanCliOn(file: string): Promise<CliRun> {
    return runPlanCli(["--config", file]);
}

/** Lets rejections and registrations still in flight after the program's own rejection arrive. */
function settle(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 20));
}

describe("bad-input corpus", function () {
    const fixtures = loadFixtures();
    /** The program's error message per fixture, to compare with what the CLI prints. */
    const messages = new Map<string, string>();

    it("holds at least 60 distinct invalid stacks, each declaring the keys its error names", () => {
        assert.ok(fixtures.length >= 60, `only ${fixtures.length} fixtures in ${FIXTURES}`);
        // Distinct settings; fixtures about the stack name (taken from the file name) differ by that name alone.
        const settings = fixtures.map(
            (f) =>
                (f.expect.includes("(stack name)") ? `${f.stack}\n` : "") +
                fs.readFileSync(f.file, "utf8").replace(/^#.*\n/gm, ""),
        );
        assert.equal(new Set(settings).size, fixtures.length, "two fixtures hold the same configuration");
        for (const fixture of fixtures)
            assert.ok(
                fixture.expect.every((key) => key.length > 0),
                `${fixture.name}: empty key in "# expect:"`,
            );
    });

    describe("the stack program (in-process, Pulumi mocks)", () => {
        // A failed program leaves its error rejected in promises nobody awaits (the Pulumi CLI de-duplicates
        // them the same way); collect them, to check that nothing else went wrong.
        const stray: unknown[] = [];
        const collect = (reason: unknown) => stray.push(reason);
        before(() => process.on("unhandledRejection", collect));
        after(() => process.off("unhandledRejection", collect));

        for (const fixture of fixtures) {
            it(`${fixture.name}: rejected before any resource, naming ${fixture.expect.join(", ")}`, async () => {
                const mocks = new AzureMocks();
                stray.length = 0;
                // A file the reader refuses (an undeclared key, a wrong type, no config: section) never reaches the
                // program: the reader's one error lists those problems and the program's own checks on the rest.
                let config;
                try {
                    config = readConfigFile(fixture.file, ROOT);
                } catch (error) {
                    assert.ok(
                        error instanceof ConfigurationError,
                        "expected a ConfigurationError from the stack file reader, " +
                            `got ${(error as Error)?.stack ?? error}`,
                    );
                    assertProblemReport(error.message, fixture);
                    messages.set(fixture.name, error.message);
                    return;
                }
                const error = await runProgram({ stack: fixture.stack, config, mocks }).then(
                    () => undefined,
                    (e: unknown) => e,
                );
                await settle();
                assert.ok(error !== undefined, `the program accepted ${fixture.name}`);
                assert.ok(
                    pulumi.RunError.isInstance(error),
                    `expected a RunError (a configuration error), got ${(error as Error)?.stack ?? error}`,
                );
                assertProblemReport(error.message, fixture);
                messages.set(fixture.name, error.message);
                assert.deepEqual(
                    mocks.resources.map((r) => `${r.type}::${r.name}`),
                    [`${STACK_ROOT}::aks-pod-subnet-${fixture.stack}`],
                    "only the stack itself may be registered",
                );
                const other = stray.filter((reason) => reason !== error);
                assert.deepEqual(other.map(String), [], "other errors escaped the program");
            });
        }
    });

    describe("the offline plan CLI (child process)", () => {
        // Each run loads @pulumi/pulumi (about a second of CPU), so runs overlap: a test starts its own run and the
        // next ones (bounded by the cores), then waits for its own. With --grep only the matching tests (and a few
        // after them) start runs.
        const parallel = Math.min(4, Math.max(2, os.availableParallelism()));
        const queue = limiter(parallel);
        const runs = new Map<number, Promise<CliRun>>();
        const runAt = (index: number): Promise<CliRun> => {
            if (!runs.has(index))
                runs.set(
                    index,
                    queue(() => runPlanCliOn(fixtures[index].file)),
                );
            return runs.get(index)!;
        };

        before(function () {
            this.timeout(120_000);
            execFileSync(process.execPath, [path.join(ROOT, "tooling", "transpile.mjs")], {
                cwd: ROOT,
                stdio: "inherit",
            });
        });

        fixtures.forEach((fixture, index) => {
            it(`${fixture.name}: exits non-zero, naming ${fixture.expect.join(", ")}`, async function () {
                this.timeout(180_000);
                for (let next = index; next < Math.min(fixtures.length, index + parallel); next++)
                    runAt(next).catch(() => undefined);
                const run = await runAt(index);
                assert.equal(run.signal, null, `killed by ${run.signal}: ${run.stderr}`);
                assert.equal(
                    run.code,
                    2,
                    `expected exit code 2 (invalid configuration), got ${run.code}; stderr:\n${run.stderr}`,
                );
                assert.equal(run.stdout, "", "nothing on stdout");
                assertProblemReport(run.stderr, fixture);
                const message = messages.get(fixture.name);
                if (message !== undefined)
                    assert.equal(run.stderr, `${message}\n`, "the CLI prints exactly the program's error");
            });
        });
    });
});
