import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    BasePlanError,
    checkPlanDocument,
    diffPlans,
    parseBasePlan,
    PlanDiff,
    PlanDocument,
    readBasePlan,
    renderDiffJson,
    renderDiffMarkdown,
} from "../../src/plan/diff";
import { manifestsOf, planDocument } from "../../src/plan/plan";
import { runProgram } from "../../src/plan/runProgram";
import { CliRun, runPlanCli } from "../helpers/planCli";
import { toRawConfig } from "../helpers/stackConfigs";

/*
 * The review of a change (`npm run plan -- --diff base.json`): pairs of stacks that differ by one realistic change,
 * each planned in-process with the real program under mocks, then compared. Each pair must produce the review lines
 * a reviewer relies on; the same pair always the same bytes; a bad base file one line on stderr and a sysexits code.
 */

const ROOT = path.join(__dirname, "..", "..");
const BASE = "base.json";

type Values = Record<string, any>;

/** The `config:` of a shipped stack file, keys as written (`aks-pod-subnet:nodePools`, `azure-native:location`). */
function stackValues(stack: "dev" | "prod"): Values {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}

const key = (name: string) => `aks-pod-subnet:${name}`;

/** The shipped stack with one edit (on a deep copy). */
function edited(stack: "dev" | "prod", edit: (values: Values) => void): Values {
    const values = structuredClone(stackValues(stack));
    edit(values);
    return values;
}

const pool = (values: Values, name: string) => values[key("nodePools")].find((p: Values) => p.name === name);

/** The --json document of a stack, as the CLI writes it (JSON round trip: undefined values dropped). */
async function planOf(stack: string, values: Values): Promise<PlanDocument> {
    const run = await runProgram({ stack, config: toRawConfig(values), stackTraces: false });
    return JSON.parse(JSON.stringify(planDocument(run.resources, run.outputs.addressPlan, manifestsOf(run.resources))));
}

/** Program runs share Pulumi's global runtime: one at a time, each once, started by the first test that needs it. */
const plans = new Map<string, Promise<PlanDocument>>();
let queue: Promise<unknown> = Promise.resolve();
function planned(name: string, stack: string, values: () => Values): Promise<PlanDocument> {
    if (!plans.has(name)) {
        const next = queue.then(() => planOf(stack, values()));
        queue = next.catch(() => undefined);
        plans.set(name, next);
    }
    return plans.get(name)!;
}

const devBase = () => planned("dev", "dev", () => stackValues("dev"));
const prodBase = () => planned("prod", "prod", () => stackValues("prod"));

interface Review {
    diff: PlanDiff;
    markdown: string;
    lines: string[];
}

async function review(
    base: Promise<PlanDocument>,
    next: Promise<PlanDocument>,
    stack: string,
    headroomWarningPercent?: number,
): Promise<Review> {
    const diff = diffPlans(await base, await next, { stack, base: BASE, headroomWarningPercent });
    const markdown = renderDiffMarkdown(diff);
    return { diff, markdown, lines: markdown.split("\n") };
}

function assertLine(r: Review, expected: string | RegExp): void {
    const found = r.lines.some((line) => (typeof expected === "string" ? line === expected : expected.test(line)));
    assert.ok(found, `no line ${expected} in the review:\n${r.markdown}`);
}

/** The section of the review under a `### ` heading. */
function section(r: Review, heading: string): string {
    const start = r.markdown.indexOf(`### ${heading}`);
    assert.ok(start >= 0, `no section ${heading} in\n${r.markdown}`);
    const end = r.markdown.indexOf("\n### ", start + 1);
    return r.markdown.slice(start, end < 0 ? undefined : end);
}

describe("plan review (--diff)", () => {
    describe("one realistic change each", () => {
        it(
            "a pool's maxCount up: the AgentPool is updated in place, " + "the node subnet's headroom falls below 20 %",
            async () => {
                const r = await review(
                    devBase(),
                    planned("dev maxCount 15", "dev", () => edited("dev", (v) => (pool(v, "apps").maxCount = 15))),
                    "dev",
                );
                assert.deepEqual(r.diff.counts, { refused: 0, replace: 0, create: 0, update: 1, delete: 0 });
                assert.deepEqual(r.diff.resources[0].changes, [{ path: "maxCount", before: 5, after: 15 }]);
                assertLine(r, "- `cluster-pool-apps` (AgentPool)");
                assertLine(r, "  - `maxCount`: `5` → `15`");
                // apps: 15 + 33 % surge (5) = 20 at peak, system 3: 23 of 27 node addresses.
                assertLine(
                    r,
                    "| nodes | nodes (routable) | 10.42.8.0/27 | 27 | 10 → **23** | 17 (63.0 %) → **4 (14.8 %)** " +
                        "| system, apps |",
                );
                assertLine(r, "| apps | User | 1-5 → **1-15** | 7 → **20** | 50 | 64 | 448 → **1280** | pods |");
                assert.deepEqual(
                    r.diff.address.warnings.map((w) => [w.subnet, w.headroom, w.falls]),
                    [["nodes", 4, true]],
                );
                assertLine(
                    r,
                    new RegExp(
                        String.raw`^> ⚠ \*\*Headroom below 20 %\*\* — nodes \(10\.42\.8\.0\/27\) falls below 20 % ` +
                            String.raw`headroom: 4 of 27 allocatable addresses left at peak, ` +
                            String.raw`14\.8 % \(was 17, 63\.0 %\)`,
                    ),
                );
                assertLine(r, "- wave 1: `cluster-pool-apps` (AgentPool) — update");
                assert.match(
                    section(r, "NAT"),
                    /Unchanged: every destination leaves with the same source address as before\./,
                );
                assert.doesNotMatch(r.markdown, /replaced|refused/i);
            },
        );

        it("--headroom-warning moves the threshold: none at 10 %, the pod subnet too at 70 %", async () => {
            const next = planned("dev maxCount 15", "dev", () => edited("dev", (v) => (pool(v, "apps").maxCount = 15)));
            assert.deepEqual((await review(devBase(), next, "dev", 10)).diff.address.warnings, []);
            const strict = await review(devBase(), next, "dev", 70);
            assert.deepEqual(
                strict.diff.address.warnings.map((w) => w.subnet),
                ["nodes", "pods"],
            );
            assertLine(
                strict,
                new RegExp(
                    String.raw`^> ⚠ \*\*Headroom below 70 %\*\* — pods \(100\.64\.0\.0\/20\) falls below 70 % ` +
                        String.raw`headroom: 2608 of 4080 allocatable pod IPs left at peak, ` +
                        String.raw`63\.9 % \(was 3440, 84\.3 %\); pools system, apps`,
                ),
            );
        });

        it(
            "maxPods changed on a User pool: the pool is replaced (delete, then create), " +
                "listed under replacements",
            async () => {
                const r = await review(
                    prodBase(),
                    planned("prod batch maxPods 47", "prod", () =>
                        edited("prod", (v) => (pool(v, "batch").maxPods = 47)),
                    ),
                    "prod",
                );
                assert.deepEqual(r.diff.counts, { refused: 0, replace: 1, create: 0, update: 0, delete: 0 });
                assert.deepEqual(
                    r.diff.resources.map((c) => [c.name, c.action]),
                    [["cluster-pool-batch", "replace"]],
                );
                assert.deepEqual(r.diff.resources[0].changes, [
                    { path: "maxPods", before: 63, after: 47, effect: "replaces", key: "nodePools[batch].maxPods" },
                ]);
                assertLine(r, /^\*\*1 replacement\*\* · 0 to create · 0 to update · 0 to delete/);
                assertLine(
                    r,
                    "- `cluster-pool-batch` (AgentPool) — **replaced**: " +
                        "the pool is deleted first (its name is fixed), then created again: " +
                        "its nodes and pods are gone in between",
                );
                assertLine(r, "  - `maxPods`: `63` → `47` — **replaces** (`nodePools[batch].maxPods`)");
                // StaticBlock: maxPods 47 takes three /28 blocks per node instead of four.
                assertLine(r, "| batch | User | 0-10 | 11 | 63 → **47** | 64 → **48** | 704 → **528** | pods-batch |");
                assertLine(r, "- wave 1: `cluster-pool-batch` (AgentPool) — replace (delete, then create)");
                // prod's node subnet is below 20 % already, but this change does not touch it: no warning.
                assert.deepEqual(r.diff.address.warnings, []);
            },
        );

        it(
            "a connected range added: it moves to the node IP as a connected network; " + "the ConfigMap is unchanged",
            async () => {
                const next = planned("dev connected +172.16.0.0/12", "dev", () =>
                    edited("dev", (v) => v[key("connectedCidrs")].push("172.16.0.0/12")),
                );
                const r = await review(devBase(), next, "dev");
                assert.deepEqual(
                    r.diff.resources,
                    [],
                    "no resource changes: connected ranges are in no resource input",
                );
                assert.deepEqual(r.diff.nat.moves, [
                    {
                        cidrs: ["172.16.0.0/12"],
                        before: "node IP (other destination)",
                        after: "node IP (connected network)",
                        onTheWire: false,
                    },
                ]);
                assertLine(
                    r,
                    "| `172.16.0.0/12` | node IP (as any other destination) | node IP (connected network) " +
                        "| no change: the node IP either way (the agent masquerades everything outside its list) |",
                );
                assertLine(
                    r,
                    "Connected networks (`connectedCidrs`: pods appear as the node IP): " +
                        "`10.0.0.0/8, 192.168.0.0/16` → `10.0.0.0/8, 192.168.0.0/16, 172.16.0.0/12`",
                );
                // What the ConfigMap really holds: the VNet, the service range and the extra list,
                // never connected ranges.
                const configMap = (await next).resources.find((res) => res.type === "kubernetes:core/v1:ConfigMap")!;
                assert.equal(
                    parse((configMap.inputs as any).data["ip-masq-agent"]).nonMasqueradeCIDRs.includes("172.16.0.0/12"),
                    false,
                );
                assert.equal(r.diff.nat.configMap.changed, false);
                assertLine(
                    r,
                    "ConfigMap `kube-system/pod-subnet-ip-masq-agent-config` unchanged: " +
                        "`nonMasqueradeCIDRs` stays `10.42.8.0/27, 10.250.0.0/24, 100.64.0.0/20, 100.96.0.0/16` " +
                        "(connected networks are not in it: the agent masquerades everything outside the list).",
                );
                assertLine(
                    r,
                    "No resource changes: `pulumi up` would change nothing in Azure or in the cluster " +
                        "(only the stack outputs differ).",
                );
            },
        );

        it(
            "an extra non-masquerade range added: " + "the ConfigMap changes and that destination keeps the pod IP",
            async () => {
                const next = planned("dev extra +10.251.0.0/24", "dev", () =>
                    edited("dev", (v) => v[key("extraNonMasqueradeCidrs")].push("10.251.0.0/24")),
                );
                const r = await review(devBase(), next, "dev");
                assert.deepEqual(
                    r.diff.resources.map((c) => [c.name, c.action]),
                    [["ip-masq-agent-config", "update"]],
                );
                assert.deepEqual(r.diff.nat.moves, [
                    {
                        cidrs: ["10.251.0.0/24"],
                        before: "node IP (connected network)",
                        after: "pod IP",
                        onTheWire: true,
                    },
                ]);
                assertLine(
                    r,
                    "| `10.251.0.0/24` | node IP (connected network) | keeps the pod IP | **changes**: " +
                        "pods now keep their own IP |",
                );
                assert.deepEqual(r.diff.nat.configMap.added, ["10.251.0.0/24"]);
                assertLine(
                    r,
                    new RegExp(
                        "^ConfigMap `kube-system\\/pod-subnet-ip-masq-agent-config` `nonMasqueradeCIDRs`: " +
                            "`10\\.42\\.8\\.0\\/27, 10\\.250\\.0\\.0\\/24, 100\\.64\\.0\\.0\\/20, " +
                            "100\\.96\\.0\\.0\\/16` → `10\\.42\\.8\\.0\\/27, 10\\.250\\.0\\.0\\/24, " +
                            "10\\.251\\.0\\.0\\/24, 100\\.64\\.0\\.0\\/20, 100\\.96\\.0\\.0\\/16` " +
                            "\\(\\+ `10\\.251\\.0\\.0\\/24`\\)\\. " +
                            "Every node picks this up at its next resync \\(every 60 s",
                    ),
                );
                assertLine(r, "    +  - 10.251.0.0/24");
                assertLine(
                    r,
                    "Extra non-masquerade ranges (`extraNonMasqueradeCidrs`: pods keep their IP): `10.250.0.0/24` → " +
                        "`10.250.0.0/24, 10.251.0.0/24`",
                );
            },
        );

        it(
            "a pool moved to its own pod subnet: a new subnet and role assignment, the pool replaced, " +
                "the new range kept as pod IP",
            async () => {
                const next = planned("dev apps own subnet", "dev", () =>
                    edited("dev", (v) => (pool(v, "apps").podSubnetCidr = "100.64.16.0/20")),
                );
                const r = await review(devBase(), next, "dev");
                assert.deepEqual(
                    r.diff.resources.map((c) => [c.name, c.action]),
                    [
                        ["cluster-pool-apps", "replace"],
                        ["network-pods-apps", "create"],
                        ["cluster-network-contributor-pods-apps", "create"],
                        ["network-vnet", "update"],
                        ["ip-masq-agent-config", "update"],
                    ],
                );
                assertLine(
                    r,
                    "  - `podSubnetID`: `…/subnets/pods` → `…/subnets/pods-apps` — " +
                        "**replaces** (`nodePools[apps].podSubnetCidr`)",
                );
                assertLine(r, "- `network-pods-apps` (Subnet): pods-apps 100.64.16.0/20");
                assertLine(
                    r,
                    "| pods-apps (new) | pods (private) | 100.64.16.0/20 | 4080 | 448 | 3632 (89.0 %) | apps |",
                );
                assertLine(r, "| apps | User | 1-5 | 7 | 50 | 64 | 448 | pods → **pods-apps** |");
                assertLine(
                    r,
                    "| `100.64.16.0/20` | node IP (as any other destination) | keeps the pod IP | **changes**: " +
                        "pods now keep their own IP |",
                );
                // The ConfigMap merges the two pod ranges into one /19.
                assert.deepEqual(
                    [r.diff.nat.configMap.added, r.diff.nat.configMap.removed],
                    [["100.64.0.0/19"], ["100.64.0.0/20"]],
                );
                // The subnet exists, then its role assignment, before the pool is replaced onto it.
                const steps = r.diff.order.steps.map((s) => `${s.wave} ${s.name} ${s.action}`);
                assert.deepEqual(steps, [
                    "1 network-vnet update",
                    "2 network-pods-apps create",
                    "3 cluster-network-contributor-pods-apps create",
                    "4 cluster-pool-apps replace",
                    "4 ip-masq-agent-config update",
                ]);
                assertLine(
                    r,
                    "- wave 4: `cluster-pool-apps` (AgentPool) — replace (delete, then create), " +
                        "after `cluster-network-contributor-pods-apps`",
                );
            },
        );

        it(
            "the agent turned off: the ConfigMap and DaemonSet are deleted, " +
                "and the review says the rules stay on the nodes",
            async () => {
                const next = planned("dev agent off", "dev", () =>
                    edited("dev", (v) => (v[key("ipMasqAgent")] = { enabled: false })),
                );
                const r = await review(devBase(), next, "dev");
                assert.deepEqual(
                    r.diff.resources.map((c) => [c.name, c.action]),
                    [
                        ["ip-masq-agent-config", "delete"],
                        ["ip-masq-agent-daemonset", "delete"],
                    ],
                );
                assert.deepEqual(
                    [r.diff.nat.agent.before.enabled, r.diff.nat.agent.after.enabled, r.diff.nat.agent.after.cleanup],
                    [true, false, false],
                );
                assertLine(
                    r,
                    new RegExp(
                        "^\\*\\*The agent is turned off\\*\\*: its ConfigMap and DaemonSet are deleted\\. " +
                            "Deleting them does not remove the rules it wrote: " +
                            "chain `POD-SUBNET-MASQ` stays on every existing node",
                    ),
                );
                assertLine(
                    r,
                    new RegExp(
                        "^\\| `10\\.0\\.0\\.0\\/8` except `10\\.42\\.8\\.0\\/27`, `10\\.250\\.0\\.0\\/24`; " +
                            "`192\\.168\\.0\\.0\\/16` \\| node IP \\(connected network\\) " +
                            "\\| pod IP \\(no agent on the node\\) \\| \\*\\*changes\\*\\*",
                    ),
                );
                assertLine(
                    r,
                    "Then deleted (dependents first): `ip-masq-agent-daemonset` (DaemonSet), " +
                        "`ip-masq-agent-config` (ConfigMap).",
                );
            },
        );

        it("serviceCidr changed: the cluster is replaced and listed first, with what goes with it", async () => {
            const next = planned("dev serviceCidr", "dev", () =>
                edited("dev", (v) => (v[key("serviceCidr")] = "100.97.0.0/16")),
            );
            const r = await review(devBase(), next, "dev");
            assert.deepEqual(
                r.diff.resources.map((c) => [c.name, c.action]),
                [
                    ["cluster-aks", "replace"],
                    ["ip-masq-agent-config", "update"],
                ],
            );
            assert.equal(
                r.lines.find((l) => l.startsWith("- `"))!,
                "- `cluster-aks` (ManagedCluster) — **replaced**: a new cluster: new API server, new nodes, " +
                    "a new kubeconfig and, with it, every Kubernetes object " +
                    "(a protected stack stops at the cluster instead)",
            );
            assertLine(
                r,
                "  - `networkProfile.serviceCidr`: `100.96.0.0/16` → `100.97.0.0/16` — **replaces** (`serviceCidr`)",
            );
            assertLine(
                r,
                "  - `networkProfile.dnsServiceIP`: `100.96.0.10` → `100.97.0.10` — **replaces** (`dnsServiceIP`)",
            );
            assertLine(
                r,
                "  - lives in it and goes with it: `cluster-pool-apps`, `cluster-k8s`, `ip-masq-agent-config`, " +
                    "`ip-masq-agent-daemonset`",
            );
            assert.ok(r.markdown.indexOf("**Replaced, not updated**") < r.markdown.indexOf("**Updated in place**"));
            assertLine(
                r,
                "| `100.96.0.0/16` | keeps the pod IP | node IP (as any other destination) | **changes**: " +
                    "pods now appear as the node IP |",
            );
            assertLine(r, "- wave 1: `cluster-aks` (ManagedCluster) — replace");
            assertLine(r, "- wave 2: `ip-masq-agent-config` (ConfigMap) — update, after `cluster-aks`");
        });

        it("an inline System pool field: refused at preview, not replaced", async () => {
            const next = planned("prod system maxPods 40", "prod", () =>
                edited("prod", (v) => (pool(v, "system").maxPods = 40)),
            );
            const r = await review(prodBase(), next, "prod");
            assert.deepEqual(
                r.diff.resources.map((c) => [c.name, c.action]),
                [["cluster-aks", "refused"]],
            );
            assertLine(r, /^\*\*1 refused at preview\*\* · 0 replacements/);
            assertLine(
                r,
                "  - `agentPoolProfiles[0].maxPods`: `30` → `40` — **refused at preview** " +
                    "(`nodePools[system].maxPods`)",
            );
            assert.doesNotMatch(section(r, "Resources"), /\*\*replaced\*\*/);
        });
    });

    describe("what never changes", () => {
        it("an identical pair (two runs of the same stack) gives no changes", async () => {
            const again = planned("dev again", "dev", () => stackValues("dev"));
            const r = await review(devBase(), again, "dev");
            assert.equal(r.diff.changed, false);
            assert.equal(
                r.markdown,
                "## Plan review: stack `dev`\n\n**No changes**: this plan is identical to the base plan " +
                    "`base.json` — resources, address plan and NAT.\n",
            );
        });

        it("the same plans give the same bytes (Markdown and JSON), from separate runs", async () => {
            const edit = (v: Values) => (pool(v, "apps").maxCount = 15);
            const first = await review(
                devBase(),
                planned("dev maxCount 15", "dev", () => edited("dev", edit)),
                "dev",
            );
            const second = await review(
                planned("dev again", "dev", () => stackValues("dev")),
                planned("dev maxCount 15 again", "dev", () => edited("dev", edit)),
                "dev",
            );
            assert.equal(second.markdown, first.markdown);
            assert.equal(renderDiffJson(second.diff), renderDiffJson(first.diff));
            assert.deepEqual(JSON.parse(renderDiffJson(first.diff)), first.diff, "the JSON form holds the whole diff");
        });

        it("a base plan of another stack is called out first", async () => {
            const r = await review(prodBase(), devBase(), "dev");
            assert.deepEqual(r.diff.otherStack, { before: "aks-pod-subnet-prod", after: "aks-pod-subnet-dev" });
            assert.equal(
                r.lines[4],
                "> ⚠ **The base plan is of another stack**: `aks-pod-subnet-prod`, " +
                    "this plan is `aks-pod-subnet-dev`. Compare plans of the same stack.",
            );
        });

        it("secrets never appear, even from a base file that holds a kubeconfig in clear", async () => {
            const base = structuredClone(await devBase());
            const provider = base.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            provider.inputs.kubeconfig = "apiVersion: v1\nusers:\n- user:\n    token: leaked-base-token\n";
            const next = structuredClone(await devBase());
            next.resources.find((r) => r.type === "pulumi:providers:kubernetes")!.inputs.kubeconfig = {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                value: "token: leaked-next-token",
            };
            const diff = diffPlans(base, next, { stack: "dev" });
            assert.equal(diff.changed, false, "both sides are [secret]");
            for (const text of [renderDiffMarkdown(diff), renderDiffJson(diff)]) assert.doesNotMatch(text, /leaked/);
        });
    });

    describe("the base file", () => {
        it("accepts a plan document and names the first problem of anything else", async () => {
            const good = await devBase();
            assert.deepEqual(checkPlanDocument(good), good);
            const withoutReplacements: Partial<typeof good> = structuredClone(good);
            delete withoutReplacements.replacements;
            assert.deepEqual(
                checkPlanDocument(withoutReplacements).replacements,
                [],
                "a plan without replacements reads as none",
            );
            const problem = (value: unknown) => {
                try {
                    checkPlanDocument(value);
                } catch (error) {
                    return (error as Error).message;
                }
                return "accepted";
            };
            assert.equal(problem([]), 'it holds an array, not an object with "resources" and "addressPlan"');
            assert.equal(problem({ hello: 1 }), 'no "resources" list and no "addressPlan"');
            assert.equal(problem({ resources: [] }), 'no "addressPlan"');
            const broken = structuredClone(good);
            broken.resources[3].dependsOn = ["nothing-here"];
            assert.match(problem(broken), /depends on nothing-here, which is not a resource of the plan/);
            const cycle = structuredClone(good);
            cycle.resources.find((r) => r.name === "rg")!.dependsOn = ["cluster-aks"];
            assert.match(problem(cycle), /^dependency cycle: /);
            const badCidr = structuredClone(good);
            badCidr.addressPlan.ipMasqAgent.nonMasqueradeCIDRs = ["10.1.2.3/16"];
            assert.match(
                problem(badCidr),
                /^addressPlan\.ipMasqAgent\.nonMasqueradeCIDRs\[0\]: "10\.1\.2\.3\/16" is not aligned/,
            );
        });

        it("gives one line with the file and the fix: 65 for bad data, 66 for no file", () => {
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
            const fail = (run: () => unknown): BasePlanError => {
                try {
                    run();
                } catch (error) {
                    assert.ok(error instanceof BasePlanError, String(error));
                    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
                    assert.match(
                        error.message,
                        new RegExp(
                            String.raw`^--diff \S+: .+\. Save the base commit's plan with: ` +
                                String.raw`npm run -s plan -- (--stack dev|--config my\.yaml) --json > \S+$`,
                        ),
                    );
                    return error;
                }
                assert.fail("accepted");
            };
            assert.equal(fail(() => readBasePlan(path.join(tmp, "missing.json"), "--stack dev")).exitCode, 66);
            assert.equal(fail(() => readBasePlan(tmp, "--stack dev")).exitCode, 66);
            const banner = fail(() =>
                parseBasePlan(
                    "\n> aks-pod-subnet@0.1.0 plan\n> node dist/src/plan/plan.js\n\n{}",
                    "base.json",
                    "--stack dev",
                ),
            );
            assert.equal(banner.exitCode, 65);
            assert.match(
                banner.message,
                new RegExp(
                    String.raw`^--diff base\.json: starts with npm's banner .* run npm with -s\. ` +
                        String.raw`Save the base commit's plan with: ` +
                        String.raw`npm run -s plan -- --stack dev --json > base\.json$`,
                ),
            );
            assert.match(
                fail(() => parseBasePlan('Offline plan of stack "dev"', "base.json", "--stack dev")).message,
                /holds the text plan, not the JSON one: add --json/,
            );
            assert.match(
                fail(() => parseBasePlan("{ not json", "base.json", "--config my.yaml")).message,
                new RegExp(
                    String.raw`^--diff base\.json: is not JSON \(.+\)\. Save the base commit's plan with: ` +
                        String.raw`npm run -s plan -- --config my\.yaml --json > base\.json$`,
                ),
            );
            assert.equal(fail(() => parseBasePlan("", "base.json", "--stack dev")).exitCode, 65);
            fs.rmSync(tmp, { recursive: true, force: true });
        });
    });

    describe("through the CLI (node dist/src/plan/plan.js)", () => {
        const cli = (args: string[]) => runPlanCli(args);

        let tmp: string;
        const bad: Record<string, CliRun> = {};
        const files: Record<string, string> = {};
        before(async function () {
            this.timeout(120_000);
            execFileSync(process.execPath, [path.join(ROOT, "tooling", "transpile.mjs")], {
                cwd: ROOT,
                stdio: "inherit",
            });
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-cli-"));
            const write = (name: string, text: string) => {
                files[name] = path.join(tmp, name);
                fs.writeFileSync(files[name], text);
            };
            write("text-plan.txt", 'Offline plan of stack "dev" (Pulumi.dev.yaml)\n');
            write(
                "banner.json",
                "\n> aks-pod-subnet@0.1.0 plan\n> node tooling/transpile.mjs && node dist/src/plan/plan.js " +
                    "--stack dev --json\n\n{}\n",
            );
            write("foreign.json", JSON.stringify({ name: "aks-pod-subnet", version: "0.1.0" }));
            write("array.json", "[]");
            files.missing = path.join(tmp, "missing.json");
            files.directory = tmp;
            // The error cases fail before the program runs; start them together.
            await Promise.all(
                Object.entries(files).map(
                    async ([name, file]) => (bad[name] = await cli(["--stack", "dev", "--diff", file])),
                ),
            );
        });
        after(() => fs.rmSync(tmp, { recursive: true, force: true }));

        const cases: [string, number, RegExp][] = [
            ["missing", 66, /: no such file\. /],
            ["directory", 66, /: is a directory, not a plan file\. /],
            ["text-plan.txt", 65, /: holds the text plan, not the JSON one: add --json\. /],
            ["banner.json", 65, /: starts with npm's banner .*: run npm with -s\. /],
            [
                "foreign.json",
                65,
                new RegExp(
                    String.raw`: is JSON but not a plan document of npm run plan -- --json ` +
                        String.raw`\(no "resources" list and no "addressPlan"\)\. `,
                ),
            ],
            ["array.json", 65, /: is JSON but not a plan document of npm run plan -- --json \(it holds an array/],
        ];
        for (const [name, code, message] of cases) {
            it(`${name}: exit ${code}, one line naming the file and the fix, no stack trace`, () => {
                const run = bad[name];
                assert.equal(run.code, code, run.stderr);
                assert.equal(run.stdout, "");
                assert.equal(run.stderr.split("\n").length, 2, `one line: ${JSON.stringify(run.stderr)}`);
                assert.ok(run.stderr.startsWith(`--diff ${files[name]}: `), run.stderr);
                assert.match(run.stderr, message);
                assert.ok(
                    run.stderr
                        .trimEnd()
                        .endsWith(
                            `Save the base commit's plan with: npm run -s plan -- --stack dev --json > ${files[name]}`,
                        ),
                    run.stderr,
                );
            });
        }

        it("--headroom-warning must be a percentage, and needs --diff (usage errors, exit 64)", async () => {
            const [notNumber, withoutDiff] = await Promise.all([
                cli(["--stack", "dev", "--diff", "x.json", "--headroom-warning", "lots"]),
                cli(["--stack", "dev", "--headroom-warning", "10"]),
            ]);
            assert.equal(notNumber.code, 64);
            assert.match(
                notNumber.stderr,
                /^--headroom-warning takes a percentage from 0 to 100, got "lots"\nusage: npm run plan -- /,
            );
            assert.equal(withoutDiff.code, 64);
            assert.match(withoutDiff.stderr, /^--headroom-warning needs --diff\n/);
        });

        it(
            "prints exactly the in-process review, Markdown and JSON, " + "for a base file of another plan",
            async function () {
                this.timeout(60_000);
                const base = await planned("dev maxCount 15", "dev", () =>
                    edited("dev", (v) => (pool(v, "apps").maxCount = 15)),
                );
                const file = path.join(tmp, "base-plan.json");
                fs.writeFileSync(file, `${JSON.stringify(base, null, 2)}\n`);
                const [markdown, json] = await Promise.all([
                    cli(["--stack", "dev", "--diff", file, "--headroom-warning", "25"]),
                    cli(["--stack", "dev", "--diff", file, "--json"]),
                ]);
                assert.equal(markdown.code, 0, markdown.stderr);
                assert.equal(json.code, 0, json.stderr);
                const expected = diffPlans(base, await devBase(), {
                    stack: "dev",
                    base: file,
                    headroomWarningPercent: 25,
                });
                assert.equal(markdown.stdout, renderDiffMarkdown(expected));
                assert.equal(
                    json.stdout,
                    renderDiffJson(diffPlans(base, await devBase(), { stack: "dev", base: file })),
                );
                // maxCount back down from 15 to 5: the AgentPool is updated in place.
                assert.match(markdown.stdout, /\n {2}- `maxCount`: `15` → `5`\n/);
            },
        );
    });
});
