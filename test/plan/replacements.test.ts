import { strict as assert } from "assert";
import * as path from "path";
import { readConfigFile } from "../../program/stackFile";
import { planDocument } from "../../src/plan/plan";
import { plannedReplacements, renderReplacements } from "../../src/plan/replacements";
import { PlannedResource, runProgram } from "../../src/plan/runProgram";

/* The plan names the edits that replace a resource (or that the preview refuses), with their keys and values. */

describe("the plan's replacement list", () => {
    let prod: PlannedResource[];
    before(async () => {
        prod = (
            await runProgram({
                stack: "prod",
                config: readConfigFile(path.join(__dirname, "..", "..", "Pulumi.prod.yaml")),
            })
        ).resources;
    });

    it("names every cluster key azure-native replaces the cluster for, with its planned value", () => {
        const cluster = plannedReplacements(prod).filter(
            (e) => e.resource === "cluster-aks" && e.effect === "replaces",
        );
        const byKey = Object.fromEntries(cluster.map((e) => [e.key, e.value]));
        assert.equal(byKey.serviceCidr, "100.96.0.0/16");
        assert.equal(byKey.dnsServiceIP, "100.96.0.10");
        assert.equal(byKey.outboundType, "userAssignedNATGateway");
        assert.equal(byKey.networkPolicy, "calico");
        assert.equal(byKey["azure-native:location"], "westeurope");
        assert.equal(byKey["(stack name → DNS prefix)"], "aks-prod");
        assert.ok(!("podCidr" in byKey), "podCidr is never sent, so it is not a key");
    });

    it("lists the inline System pool's fields as refused, and each AgentPool's as replacing the pool", () => {
        const entries = plannedReplacements(prod);
        const refused = entries.filter((e) => e.effect === "refused").map((e) => e.key);
        assert.deepEqual(
            refused,
            ["name", "vmSize", "podIPAllocationMode", "maxPods", "availabilityZones", "podSubnetCidr"].map(
                (f) => `nodePools[system].${f}`,
            ),
        );
        const batch = entries.filter((e) => e.resource === "cluster-pool-batch");
        assert.ok(batch.every((e) => e.effect === "replaces"));
        assert.deepEqual(
            batch
                .filter((e) =>
                    [
                        "nodePools[batch].podIPAllocationMode",
                        "nodePools[batch].maxPods",
                        "nodePools[batch].vmSize",
                    ].includes(e.key),
                )
                .map((e) => e.value),
            ["Standard_F8s_v2", "StaticBlock", 63],
        );
    });

    it("is in the JSON plan and the text plan", () => {
        const doc = planDocument(prod, {}, []);
        assert.deepEqual(doc.replacements, plannedReplacements(prod));
        const text = renderReplacements(prod).join("\n");
        assert.match(text, /cluster-aks: replaces the whole cluster/);
        assert.match(
            text,
            new RegExp(
                String.raw`cluster-pool-apps: replaces the pool \(deleted first, then created again\)\n` +
                    String.raw` {4}nodePools\[apps\]\.name = apps`,
            ),
        );
        assert.match(text, / {4}nodePools\[system\]\.vmSize = Standard_D4s_v5/);
    });

    it("a pool without the replacement options (a broken copy) loses its AKS-only entries", () => {
        const broken = prod.map((r) => (r.name === "cluster-pool-apps" ? { ...r, replaceOnChanges: [] } : r));
        const apps = plannedReplacements(broken)
            .filter((e) => e.resource === "cluster-pool-apps")
            .map((e) => e.property);
        assert.deepEqual(apps, ["agentPoolName", "vmSize"], "only what azure-native replaces for by itself");
    });
});
