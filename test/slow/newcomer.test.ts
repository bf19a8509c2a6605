import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigurationError, ProblemList } from "../../src/errors";
import { checkClusterSettings, ClusterSettings } from "../../src/cluster/settings";
import { checkPoolSettings } from "../../src/nodePools/vmSettings";
import { readStackConfig } from "../../program/config";
import { PROJECT, readConfigFile } from "../../program/stackFile";
import { renderAddressPlan } from "../../src/plan/report";
import { runProgram } from "../../src/plan/runProgram";
import { CliRun, runPlanCli } from "../helpers/planCli";

/*
 * Issue 12: the project tried as a new user would. Each point is reproduced here first, as the user met it:
 * the agent turned off (or cleaning up), the README's commands, a stack file with several faults, the files the
 * plan writes, settings that were silently ignored, and messages that did not name the element at fault.
 */

const ROOT = path.join(__dirname, "..", "..");
const DEV = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");

/** Runs the plan CLI as `node dist/src/plan/plan.js`, or with `npm: dir` as `npm run plan` does from `dir`. */
const plan = runPlanCli;

/** The dev stack with some settings added under `config:` (later keys win in the program's reading). */
function devWith(settings: Record<string, unknown>): string {
    const extra = stringify({ config: settings }).replace(/^config:\n/, "");
    return `${DEV.trimEnd()}\n${extra}`;
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "newcomer-"));
}

function writeStack(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

/** One line on stderr, no stack trace. */
function assertOneLine(run: CliRun, code: number, pattern: RegExp): void {
    assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, `one line on stderr, got:\n${run.stderr}`);
    assert.ok(!/^\s+at /m.test(run.stderr), `no stack trace:\n${run.stderr}`);
    assert.match(run.stderr, pattern);
}

function configProblems(action: () => unknown): string[] {
    try {
        action();
    } catch (error) {
        if (error instanceof ConfigurationError) return error.problems.map((p) => `${p.key}: ${p.message}`);
        throw error;
    }
    return [];
}

function settingsOf(file: string) {
    const raw = readConfigFile(file, ROOT);
    return readStackConfig((key) => raw[key.includes(":") ? key : `${PROJECT}:${key}`], "dev");
}

describe("issue 12: a new user's first day", function () {
    this.timeout(120_000);
    let dir: string;

    before(function () {
        execFileSync(process.execPath, [path.join(ROOT, "tooling", "transpile.mjs")], { cwd: ROOT, stdio: "ignore" });
    });
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("1. the plan says the same about NAT in text, JSON and SVG, whatever the agent's state", () => {
        const states = {
            on: {},
            off: { enabled: false },
            cleanup: { enabled: false, cleanup: true },
        } as const;

        for (const [state, agent] of Object.entries(states)) {
            it(`agent ${state}`, async () => {
                const file = writeStack(
                    dir,
                    `Pulumi.agent-${state}.yaml`,
                    devWith({ "aks-pod-subnet:ipMasqAgent": agent }),
                );
                const svg = path.join(dir, "map.svg");
                const text = await plan(["--config", file, "--svg", svg]);
                assert.equal(text.code, 0, text.stderr);
                const json = await plan(["--config", file, "--json"]);
                assert.equal(json.code, 0, json.stderr);
                const nat = JSON.parse(json.stdout).nat;
                const map = fs.readFileSync(svg, "utf8");

                assert.equal(nat.agent, state);
                if (state === "on") {
                    assert.equal(nat.chain, "POD-SUBNET-MASQ");
                    assert.match(text.stdout, /NAT by ip-masq-agent-v2 on every node \(chain POD-SUBNET-MASQ\)/);
                    assert.match(
                        text.stdout,
                        new RegExp(
                            String.raw`pods appear as the node IP towards the connected networks: ` +
                                String.raw`10\.0\.0\.0\/8 except 10\.42\.8\.0\/27, 10\.250\.0\.0\/24; ` +
                                String.raw`192\.168\.0\.0\/16`,
                        ),
                    );
                    assert.deepEqual(nat.nodeIPTowards, [
                        "10.0.0.0/8 except 10.42.8.0/27, 10.250.0.0/24",
                        "192.168.0.0/16",
                    ]);
                    assert.match(map, /pods NAT&apos;d to the node IP/);
                    return;
                }
                // Off or cleaning up: nothing on the nodes NATs, and no part of the plan may say otherwise.
                for (const [what, output] of [
                    ["text", text.stdout],
                    ["svg", map],
                ] as const) {
                    assert.ok(!/NAT by ip-masq-agent-v2 on every node/.test(output), `${what} claims the agent NATs`);
                    assert.ok(
                        !/appear as the node IP towards the connected/.test(output),
                        `${what} claims pods appear as the node IP`,
                    );
                    assert.ok(
                        !/NAT(&apos;|')d to the node IP/.test(output),
                        `${what} claims connected networks are NAT'd`,
                    );
                }
                assert.deepEqual(nat.nodeIPTowards, []);
                assert.deepEqual(nat.podIPTowards.slice(-1), ["10.0.0.0/8", "192.168.0.0/16"].slice(-1));
                assert.match(
                    text.stdout,
                    /No NAT by the nodes: ip-masq-agent-v2 is off \(ipMasqAgent\.enabled: false\)/,
                );
                assert.match(
                    text.stdout,
                    /pods reach the connected networks \(10\.0\.0\.0\/8, 192\.168\.0\.0\/16\) with their pod IP/,
                );
                assert.match(text.stdout, /no reply unless a firewall or appliance on the path NATs/);
                assert.match(map, /no NAT by the nodes/);
                assert.match(nat.summary, /no reply unless a firewall or appliance/);
                if (state === "cleanup") {
                    assert.match(
                        text.stdout,
                        new RegExp(
                            String.raw`clean-up DaemonSet pod-subnet-ip-masq-agent-cleanup ` +
                                String.raw`removes chain POD-SUBNET-MASQ and its POSTROUTING jump from every node`,
                        ),
                    );
                    assert.match(map, /clean-up DaemonSet/);
                    assert.equal(nat.cleanup, "pod-subnet-ip-masq-agent-cleanup");
                    assert.equal(nat.chain, "POD-SUBNET-MASQ");
                }
            });
        }

        it("renderAddressPlan keeps its three-argument form for the agent on", () => {
            const settings = settingsOf(writeStack(dir, "Pulumi.dev.yaml", DEV));
            assert.match(
                renderAddressPlan(settings.plan, "X-CHAIN", "loadBalancer").join("\n"),
                /NAT by ip-masq-agent-v2 on every node \(chain X-CHAIN\)/,
            );
        });
    });

    describe("2. the README's commands work exactly as printed", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

        it("every example that pipes or redirects the plan's output runs npm silently", () => {
            // Commands: whole lines of code blocks, and the code spans of prose and tables.
            const commands = readme
                .split("\n")
                .flatMap((line) => (/`/.test(line) ? [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]) : [line]));
            const loud = commands
                .filter((command) => /npm run\b.*\bplan\b/.test(command))
                .filter((command) => /\s(\||>|>>|2>&1 \|)\s/.test(command.split(" #")[0]))
                .filter((command) => !/npm run (-s|--silent) plan|npm run plan (-s|--silent)/.test(command));
            assert.deepEqual(loud, []);
            assert.ok(
                commands.some((command) => /npm run (-s plan|plan -s) .*>/.test(command)),
                "the README does show redirected plans",
            );
        });

        it("the JSON example runs silently, so that it pipes into jq", () => {
            assert.ok(
                readme.includes("npm run -s plan -- --stack dev --json"),
                "README shows npm run -s plan -- --stack dev --json",
            );
            assert.ok(!readme.includes("`npm run plan -- --stack dev --json`"), "no loud JSON example");
        });
    });

    describe("3. every problem of a stack file in one run", () => {
        it("a misspelt key, a /33 and maxPods 600 are reported together, with the did-you-mean", () => {
            const text = DEV.replace("aks-pod-subnet:connectedCidrs:", "aks-pod-subnet:conectedCidrs:")
                .replace("10.42.8.0/27", "10.42.8.0/33")
                .replace(/maxPods: 50/, "maxPods: 600");
            const problems = configProblems(() => readConfigFile(writeStack(dir, "Pulumi.dev.yaml", text), ROOT));
            const keys = problems.map((p) => p.split(":")[0]);
            assert.ok(keys.includes("conectedCidrs"), problems.join("\n"));
            assert.ok(keys.includes("nodeSubnetCidr"), problems.join("\n"));
            assert.ok(keys.includes("nodePools[0].maxPods"), problems.join("\n"));
            assert.match(
                problems.find((p) => p.startsWith("conectedCidrs"))!,
                /did you mean connectedCidrs\?/,
            );
        });

        it("type errors come with the program's own checks, once per key", () => {
            const text =
                DEV.replace("10.42.8.0/27", "10.42.8.0/33") +
                "  aks-pod-subnet:natGatewayIdleTimeoutMinutes: 4.5\n  aks-pod-subnet:privateCluster: yes-please\n";
            const problems = configProblems(() => readConfigFile(writeStack(dir, "Pulumi.dev.yaml", text), ROOT));
            assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), [
                "natGatewayIdleTimeoutMinutes",
                "nodeSubnetCidr",
                "privateCluster",
            ]);
        });

        it("a file without its config: section says so, once", () => {
            const problems = configProblems(() =>
                readConfigFile(
                    writeStack(dir, "Pulumi.dev.yaml", DEV.replace(/^config:\n/m, "").replace(/^ {2}/gm, "")),
                    ROOT,
                ),
            );
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^config: .*no "config:" section/);
            assert.match(problems[0], /azure-native:location/);
        });

        it("aks-pod-subnet:location points to azure-native:location; a typo in another namespace is caught", () => {
            const moved = DEV.replace("azure-native:location", "aks-pod-subnet:location");
            assert.deepEqual(
                configProblems(() => readConfigFile(writeStack(dir, "Pulumi.dev.yaml", moved), ROOT)).filter(
                    (p) => !p.startsWith("azure-native:location: is required"),
                ),
                ["location: is not a config key of this project: the Azure region is azure-native:location"],
            );
            const typo = configProblems(() =>
                readConfigFile(
                    writeStack(dir, "Pulumi.dev.yaml", DEV.replace("azure-native:location", "azure-native:locaton")),
                    ROOT,
                ),
            );
            assert.deepEqual(typo, [
                "azure-native:locaton: is not a setting the program reads: did you mean azure-native:location?",
            ]);
            // Keys of other namespaces that are not near a key the program reads stay the provider's business.
            assert.equal(
                readConfigFile(writeStack(dir, "Pulumi.dev.yaml", `${DEV}  azure-native:subscriptionId: abc\n`), ROOT)[
                    "azure-native:subscriptionId"
                ],
                "abc",
            );
        });
    });

    describe("4. the files the plan writes", () => {
        it("--out naming a file: one line, exit 73, nothing written", async () => {
            const file = writeStack(dir, "README.md", "# mine\n");
            const run = await plan(["--stack", "dev", "--out", file]);
            assertOneLine(run, 73, /^--out .*README\.md: is a file, not a folder/);
            assert.equal(fs.readFileSync(file, "utf8"), "# mine\n");
        });

        it("--svg naming a folder: one line, exit 73", async () => {
            const run = await plan(["--stack", "dev", "--svg", dir]);
            assertOneLine(run, 73, /^--svg .*: is a folder, not a file: name the SVG file, e\.g\. --svg /);
        });

        it("--out where nothing can be created: bounded, one line, exit 73", async () => {
            const run = await plan(["--stack", "dev", "--out", "/proc/aks-pod-subnet-test/k8s"], { timeoutMs: 30_000 });
            assert.ok(run.ms < 30_000, "returns");
            assertOneLine(run, 73, /^--out \/proc\/aks-pod-subnet-test\/k8s: cannot create/);
        });

        it(
            "relative --out and --svg resolve against the user's folder under npm, " +
                "and kubectl apply -f names that folder",
            async () => {
                const run = await plan(["--stack", "dev", "--out", "k8s", "--svg", "maps/plan.svg"], { npm: dir });
                assert.equal(run.code, 0, run.stderr);
                assert.deepEqual(fs.readdirSync(path.join(dir, "k8s")).sort(), [
                    "00-configmap-pod-subnet-ip-masq-agent-config.yaml",
                    "01-daemonset-pod-subnet-ip-masq-agent.yaml",
                ]);
                assert.ok(fs.existsSync(path.join(dir, "maps", "plan.svg")));
                assert.ok(!fs.existsSync(path.join(ROOT, "k8s")), "nothing in the project folder");
                assert.match(run.stdout, /\(kubectl apply -f k8s\)/);
                assert.match(run.stdout, /Address map written to maps\/plan\.svg/);
            },
        );

        it("without npm, relative paths resolve against the working folder", async () => {
            const run = await plan(["--config", path.join(ROOT, "Pulumi.dev.yaml"), "--out", "k8s"], { cwd: dir });
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fs.readdirSync(path.join(dir, "k8s")).length, 2);
        });

        it("a new plan into a folder of an earlier plan leaves exactly the new plan's manifests", async () => {
            const out = path.join(dir, "k8s");
            assert.equal((await plan(["--stack", "dev", "--out", out])).code, 0);
            const off = writeStack(
                dir,
                "Pulumi.off.yaml",
                devWith({ "aks-pod-subnet:ipMasqAgent": { enabled: false, cleanup: true } }),
            );
            const run = await plan(["--config", off, "--out", out]);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(fs.readdirSync(out), ["00-daemonset-pod-subnet-ip-masq-agent-cleanup.yaml"]);
        });

        it("refuses a non-empty folder holding files it did not write, and leaves them", async () => {
            const out = path.join(dir, "k8s");
            fs.mkdirSync(out);
            fs.writeFileSync(path.join(out, "notes.txt"), "mine");
            const run = await plan(["--stack", "dev", "--out", out]);
            assertOneLine(
                run,
                73,
                /^--out .*k8s: holds files this plan did not write \(notes\.txt\).*empty or new folder/,
            );
            assert.deepEqual(fs.readdirSync(out), ["notes.txt"]);
        });
    });

    describe("5. settings are used or refused, never ignored", () => {
        for (const outboundType of ["userDefinedRouting", "loadBalancer"]) {
            it(`natGatewayIdleTimeoutMinutes with ${outboundType} is refused`, () => {
                const extra =
                    outboundType === "userDefinedRouting" ? { "aks-pod-subnet:egressNextHopIp": "10.0.1.4" } : {};
                const file = writeStack(
                    dir,
                    "Pulumi.dev.yaml",
                    devWith({
                        "aks-pod-subnet:outboundType": outboundType,
                        ...extra,
                        "aks-pod-subnet:natGatewayIdleTimeoutMinutes": 10,
                    }),
                );
                const problems = configProblems(() => settingsOf(file));
                assert.deepEqual(
                    problems.map((p) => p.split(":")[0]),
                    ["natGatewayIdleTimeoutMinutes"],
                );
                assert.match(
                    problems[0],
                    new RegExp(
                        `only used with outboundType userAssignedNATGateway \\(` +
                            `outboundType is ${outboundType}\\): remove it`,
                    ),
                );
            });
        }

        it(
            "Pulumi.yaml's declared default is not an explicit value: " + "the NAT gateway still gets 4 minutes",
            async () => {
                assert.deepEqual(
                    configProblems(() =>
                        settingsOf(
                            writeStack(
                                dir,
                                "Pulumi.dev.yaml",
                                devWith({ "aks-pod-subnet:outboundType": "loadBalancer" }),
                            ),
                        ),
                    ),
                    [],
                );
                const nat = settingsOf(
                    writeStack(
                        dir,
                        "Pulumi.dev.yaml",
                        devWith({ "aks-pod-subnet:outboundType": "userAssignedNATGateway" }),
                    ),
                );
                // The declared 0 is "unset": the Network then gives the NAT gateway the default, 4 minutes.
                assert.equal(nat.egress.natGatewayIdleTimeoutMinutes, undefined);
                const deployed = await runProgram({
                    stack: "dev",
                    config: readConfigFile(path.join(dir, "Pulumi.dev.yaml"), ROOT),
                });
                const gateway = deployed.resources.find((r) => r.type === "azure-native:network:NatGateway");
                assert.equal(gateway?.inputs.idleTimeoutInMinutes, 4);
            },
        );

        it("a large vnetAddressSpace counts as routable, and the report says so", () => {
            const file = writeStack(
                dir,
                "Pulumi.dev.yaml",
                devWith({ "aks-pod-subnet:vnetAddressSpace": ["10.42.0.0/16", "100.64.0.0/20"] }),
            );
            const { plan: p } = settingsOf(file);
            assert.equal(p.routableAddresses.podSubnetMode, 65_536);
            const text = renderAddressPlan(p, "POD-SUBNET-MASQ", "loadBalancer").join("\n");
            assert.ok(!/\(the node subnet\)/.test(text), text);
            assert.match(
                text,
                /Routable addresses: 65536 \(the VNet's address space outside the pod subnets: 10\.42\.0\.0\/16\)/,
            );
            assert.match(text, /uses 65,021 more than Azure CNI node-subnet mode would need \(515, a \/22\)/);
        });

        it("the default VNet still counts only the node subnet", () => {
            const { plan: p } = settingsOf(writeStack(dir, "Pulumi.dev.yaml", DEV));
            assert.equal(p.routableAddresses.podSubnetMode, 32);
            assert.match(
                renderAddressPlan(p, "POD-SUBNET-MASQ", "loadBalancer").join("\n"),
                new RegExp(
                    String.raw`Routable addresses: 32 ` +
                        String.raw`\(the VNet's address space outside the pod subnets: 10\.42\.8\.0\/27\) — ` +
                        String.raw`Azure CNI node-subnet mode would need 515 \(a \/22\): 93\.8% saved`,
                ),
            );
        });
    });

    describe("6. messages name the element at fault", () => {
        it("adminGroupObjectIds: the index and the value", () => {
            const problems = new ProblemList();
            checkClusterSettings(
                {
                    entraId: true,
                    adminGroupObjectIds: ["00000000-0000-0000-0000-000000000001", "admins"],
                } as ClusterSettings,
                problems,
                {},
            );
            assert.deepEqual(
                problems.problems.map((p) => p.key),
                ["adminGroupObjectIds[1]"],
            );
            assert.match(problems.problems[0].message, /"admins" is not an Entra group object ID \(a GUID/);
        });

        it("node labels and taints name the element and the effect", () => {
            const problems = new ProblemList();
            const pool = {
                name: "apps",
                mode: "User",
                count: 1,
                vmSize: "Standard_D4s_v5",
                nodeLabels: { "kubernetes.azure.com/x": "y" },
                nodeTaints: ["a=b:NoSchedule", "c=d:Sometimes"],
            };
            checkPoolSettings(
                [{ name: "system", mode: "System", count: 1, vmSize: "Standard_D4s_v5" }, pool],
                problems,
                false,
            );
            const byKey = Object.fromEntries(problems.problems.map((p) => [p.key, p.message]));
            assert.match(byKey["nodePools[1].nodeTaints[1]"], /the effect "Sometimes" is not one of/);
            assert.ok(byKey["nodePools[1].nodeLabels.kubernetes.azure.com/x"], Object.keys(byKey).join(", "));
        });
    });
});
