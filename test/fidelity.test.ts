import { strict as assert } from "assert";
import * as path from "path";
import * as containerservice from "@pulumi/azure-native/containerservice";
import {
    CHECK_DATE_VARIABLE,
    checkKubernetesVersion,
    creatableVersions,
    KUBERNETES_CALENDAR,
    versionCheckDate,
} from "../components/aks/kubernetesVersions";
import { AGENT_POOL_REPLACEMENTS } from "../components/aks/replacements";
import { inlinePoolChanges } from "../components/cluster/inlinePool";
import { ProblemList } from "../components/errors";
import { encodeConfigValue, readConfigFile } from "../program/stackFile";
import { AzureMocks } from "../tools/mocks";
import { PlannedResource, runProgram } from "../tools/runProgram";

/*
 * What real Azure does that the rest of the suite does not show: the AKS version calendar, requests azure-native
 * would send that Azure ignores or refuses (podCidr), edits AKS cannot apply in place (replacement of agent pools, the
 * inline System pool). Sources: docs/azure-rules.md.
 */

const ROOT = path.join(__dirname, "..");
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const POOL = "azure-native:containerservice:AgentPool";
const day = (text: string) => new Date(`${text}T12:00:00Z`);

function versionProblems(version: unknown, date: Date): string[] {
    const problems = new ProblemList();
    checkKubernetesVersion(version, "kubernetesVersion", date, problems);
    return problems.problems.map((p) => p.message);
}

describe("Azure fidelity", () => {
    describe("Kubernetes version calendar", () => {
        it("is dated data with its source, and every release's dates are in order", () => {
            assert.match(KUBERNETES_CALENDAR.source, /supported-kubernetes-versions\.md/);
            assert.match(KUBERNETES_CALENDAR.asOf, /^\d{4}-\d{2}-\d{2}$/);
            for (const r of KUBERNETES_CALENDAR.releases) {
                assert.ok(r.preview <= r.ga && r.ga < r.endOfLife && r.endOfLife < r.ltsEnd, r.minor);
            }
        });

        it("refuses a version past end of life and names the versions AKS creates", () => {
            const [message] = versionProblems("1.33", day("2026-11-30"));
            assert.match(message, /^1\.33 reached end of life on 2026-07-31: AKS creates no new cluster on it/);
            assert.match(message, /AKS creates clusters on 1\.34, 1\.35, 1\.36, 1\.37 on 2026-11-30$/);
        });

        it("takes end of life as the last day of the month the calendar names, or the exact date it gives", () => {
            assert.deepEqual(versionProblems("1.34", day("2026-11-30")), []);
            assert.match(versionProblems("1.34.1", day("2026-12-01"))[0], /1\.34\.1 reached end of life on 2026-11-30/);
            assert.deepEqual(versionProblems("1.31", day("2025-11-01")), []);
            assert.match(versionProblems("1.31", day("2025-11-02"))[0], /end of life on 2025-11-01/);
        });

        it("refuses a version before its AKS preview, and versions the calendar does not know", () => {
            assert.match(versionProblems("1.37", day("2026-08-15"))[0], /not available in AKS before its preview in 2026-09/);
            assert.match(versionProblems("1.38", day("2026-11-30"))[0], /newer than 1\.37, the newest in AKS's calendar as of 2026-11-30 .*update the calendar/);
            assert.match(versionProblems("1.20", day("2026-11-30"))[0], /older than every version AKS still lists/);
            assert.match(versionProblems("v1.36", day("2026-11-30"))[0], /expected a version such as "1\.36"/);
            assert.deepEqual(versionProblems(undefined, day("2026-11-30")), [], "unset means AKS's default");
        });

        it("lists the creatable versions of a day", () => {
            assert.deepEqual(creatableVersions(day("2026-11-30")), ["1.34", "1.35", "1.36", "1.37"]);
            assert.deepEqual(creatableVersions(day("2027-04-01")), ["1.36", "1.37"]);
        });

        it("checks for the day AKS_POD_SUBNET_CHECK_DATE names (the tests pin it to the calendar's date), else today", () => {
            assert.equal(process.env[CHECK_DATE_VARIABLE], KUBERNETES_CALENDAR.asOf);
            assert.equal(versionCheckDate({ [CHECK_DATE_VARIABLE]: "2027-01-15" }).toISOString(), "2027-01-15T00:00:00.000Z");
            const now = Date.now();
            assert.ok(Math.abs(versionCheckDate({}).getTime() - now) < 5000);
            assert.ok(Math.abs(versionCheckDate({ [CHECK_DATE_VARIABLE]: "next tuesday" }).getTime() - now) < 5000);
        });

        it("the shipped stacks pin versions AKS creates on the calendar's date", () => {
            for (const stack of ["dev", "prod"]) {
                const config = readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
                assert.deepEqual(versionProblems(config["aks-pod-subnet:kubernetesVersion"], new Date(KUBERNETES_CALENDAR.asOf)), [], stack);
            }
        });

        it("the stack program refuses an end-of-life version at preview, before any resource", async () => {
            const config = readConfigFile(path.join(ROOT, "Pulumi.dev.yaml"));
            const mocks = new AzureMocks();
            await assert.rejects(
                runProgram({ stack: "dev", config: { ...config, "aks-pod-subnet:kubernetesVersion": "1.33" }, preview: true, mocks }),
                /kubernetesVersion: 1\.33 reached end of life/,
            );
            assert.deepEqual(mocks.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
        });
    });

    describe("requests Azure ignores or refuses", () => {
        let dev: PlannedResource[];
        let prod: PlannedResource[];
        before(async () => {
            dev = (await runProgram({ stack: "dev", config: readConfigFile(path.join(ROOT, "Pulumi.dev.yaml")) })).resources;
            prod = (await runProgram({ stack: "prod", config: readConfigFile(path.join(ROOT, "Pulumi.prod.yaml")) })).resources;
        });

        it("azure-native's SDK would send podCidr 10.244.0.0/16 with any network profile (the broken copy)", async () => {
            const mocks = new AzureMocks();
            await runProgram({
                stack: "raw",
                config: {},
                mocks,
                program: () => {
                    new containerservice.ManagedCluster("raw", { resourceGroupName: "rg", networkProfile: { networkPlugin: "azure" } });
                },
            });
            const raw = mocks.resources.find((r) => r.type === CLUSTER)!;
            assert.equal(raw.inputs.networkProfile.podCidr, "10.244.0.0/16");
        });

        it("the cluster sends no podCidr (pod IPs come from the pod subnets) and keeps a recorded one of older stacks", () => {
            for (const resources of [dev, prod]) {
                const cluster = resources.find((r) => r.type === CLUSTER)!;
                assert.ok(!("podCidr" in cluster.inputs.networkProfile), JSON.stringify(cluster.inputs.networkProfile));
                assert.ok(cluster.ignoreChanges.includes("networkProfile.podCidr"));
                // The rest of the profile is still sent.
                assert.equal(cluster.inputs.networkProfile.networkPlugin, "azure");
                assert.equal(cluster.inputs.networkProfile.serviceCidr, "100.96.0.0/16");
            }
        });

        it("an AgentPool edit AKS cannot apply in place shows as a replacement, old pool first (its name is fixed)", () => {
            const pools = prod.filter((r) => r.type === POOL);
            assert.equal(pools.length, 2);
            for (const pool of pools) {
                assert.deepEqual(pool.replaceOnChanges, AGENT_POOL_REPLACEMENTS.map((r) => r.property));
                assert.ok(pool.replaceOnChanges.includes("podIPAllocationMode") && pool.replaceOnChanges.includes("maxPods"));
                assert.equal(pool.deleteBeforeReplace, true);
            }
        });
    });

    describe("the inline System pool", () => {
        const deployed = { name: "system", vmSize: "Standard_D4s_v5", podIPAllocationMode: "DynamicIndividual", maxPods: 30, availabilityZones: ["1", "2", "3"], podSubnetCidr: "100.64.0.0/16" };
        const prodConfig = () => readConfigFile(path.join(ROOT, "Pulumi.prod.yaml"));
        const withSystemPool = (change: Record<string, unknown>) => {
            const config = prodConfig();
            const pools = JSON.parse(config["aks-pod-subnet:nodePools"]);
            pools[0] = { ...pools[0], ...change };
            return { ...config, "aks-pod-subnet:nodePools": encodeConfigValue(pools) };
        };
        const plan = (config: Record<string, string>, outputs: Record<string, unknown>) =>
            runProgram({ stack: "prod", config, preview: true, mocks: new AzureMocks(outputs) });

        it("exports what it was deployed with, and a preview against identical settings passes", async () => {
            const run = await plan(prodConfig(), { inlineSystemPool: deployed });
            assert.deepEqual(run.outputs.inlineSystemPool, deployed);
        });

        it("a count, surge or label edit reaches Azure in the cluster's update: the preview passes", async () => {
            const run = await plan(withSystemPool({ count: 4, maxSurge: "2", nodeLabels: { tier: "system" } }), { inlineSystemPool: deployed });
            const cluster = run.resources.find((r) => r.type === CLUSTER)!;
            assert.equal(cluster.inputs.agentPoolProfiles[0].count, 4);
            assert.deepEqual(cluster.inputs.agentPoolProfiles[0].nodeLabels, { tier: "system" });
        });

        it("a VM size or maxPods edit AKS cannot apply is refused at preview with the way to apply it", async () => {
            await assert.rejects(plan(withSystemPool({ vmSize: "Standard_D8s_v5", maxPods: 50 }), { inlineSystemPool: deployed }), (error: Error) => {
                assert.match(error.message, /nodePools\[0\]\.vmSize: the cluster's inline System pool "system" was created with vmSize "Standard_D4s_v5"/);
                assert.match(error.message, /nodePools\[0\]\.maxPods: .* was created with maxPods 30/);
                assert.match(error.message, /add another System pool after it with vmSize "Standard_D8s_v5"/);
                assert.ok(!/\n\s+at /.test(error.message), "no stack trace");
                return true;
            });
        });

        it("compares field by field, and nothing on a new stack", () => {
            const planned = { ...deployed };
            assert.deepEqual(inlinePoolChanges(undefined, planned, "nodePools[0]"), []);
            assert.deepEqual(inlinePoolChanges({}, planned, "nodePools[0]"), [], "a stack deployed before the check recorded nothing");
            assert.deepEqual(
                inlinePoolChanges(deployed, { ...planned, availabilityZones: ["1", "2"], name: "sys" }, "nodePools[0]").map((p) => p.key),
                ["nodePools[0].name", "nodePools[0].availabilityZones"],
            );
            assert.deepEqual(inlinePoolChanges(deployed, { ...planned, podSubnetCidr: "100.66.0.0/16" }, "nodePools[2]").map((p) => p.key), ["nodePools[2].podSubnetCidr"]);
        });
    });
});

