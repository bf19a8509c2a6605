import { strict as assert } from "assert";
import * as path from "path";
import { ConfigurationError, ProblemList } from "../../src/errors";
import { cleanupDaemonSetManifest, cleanupScript } from "../../src/ipmasq/manifests";
import { resolveAgentSettings } from "../../src/ipmasq/settings";
import { readConfigFile } from "../../program/stackFile";
import { runProgram } from "../../src/plan/runProgram";

const ROOT = path.join(__dirname, "..", "..");

function settingsProblems(raw: unknown): string[] {
    const problems = new ProblemList();
    resolveAgentSettings(raw, problems);
    return problems.problems.map((p) => `${p.key}: ${p.message}`);
}

describe("removing the agent: the clean-up DaemonSet", () => {
    it("refuses cleanup while the agent is enabled (it would write the rules again)", () => {
        const problems = settingsProblems({ cleanup: true });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^ipMasqAgent\.cleanup: .*set enabled to false/);
    });

    it("checks the flags' types and pins the clean-up image", () => {
        assert.deepEqual(
            settingsProblems({ enabled: "no", cleanup: false }).map((p) => p.split(":")[0]),
            ["ipMasqAgent.enabled"],
        );
        assert.match(
            settingsProblems({ enabled: false, cleanup: true, cleanupImage: "busybox:latest" })[0],
            /^ipMasqAgent\.cleanupImage: .*latest/,
        );
    });

    it("deletes only the jumps into this agent's own chain, then the chain", () => {
        const script = cleanupScript("POD-SUBNET-MASQ");
        assert.match(script, /grep -- "-j \$chain\\\$"/);
        assert.match(script, /sed 's\/\^-A \/-D \/'/);
        assert.match(script, /iptables -t nat -F "\$chain"; iptables -t nat -X "\$chain"/);
        assert.ok(!script.includes("IP-MASQ-AGENT"), "never touches AKS's own chain");
    });

    it("runs privileged in the host's namespaces on every node the agent ran on, then idles", () => {
        const settings = resolveAgentSettings({ enabled: false, cleanup: true }, new ProblemList());
        const ds = cleanupDaemonSetManifest(settings);
        const pod = ds.spec.template.spec;
        assert.equal(ds.metadata.name, "pod-subnet-ip-masq-agent-cleanup");
        assert.deepEqual([pod.hostNetwork, pod.hostPID, pod.automountServiceAccountToken], [true, true, false]);
        assert.deepEqual(pod.containers[0].command.slice(0, 6), ["nsenter", "--target", "1", "--mount", "--net", "--"]);
        assert.match(pod.containers[0].command.at(-1), /exec sleep infinity$/);
        assert.equal(pod.containers[0].securityContext.privileged, true);
        assert.equal(pod.containers[0].image, "mcr.microsoft.com/azurelinux/busybox:1.36");
        assert.deepEqual(
            pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
                .matchExpressions[1],
            {
                key: "type",
                operator: "NotIn",
                values: ["virtual-kubelet"],
            },
        );
    });

    it("the stack with enabled: false and cleanup: true deploys only the clean-up DaemonSet", async () => {
        const config = {
            ...readConfigFile(path.join(ROOT, "Pulumi.dev.yaml"), ROOT),
            "aks-pod-subnet:ipMasqAgent": JSON.stringify({ enabled: false, cleanup: true }),
        };
        const run = await runProgram({ stack: "dev", config });
        const kube = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
        assert.deepEqual(
            kube.map((r) => [r.type, r.inputs.metadata.name]),
            [["kubernetes:apps/v1:DaemonSet", "pod-subnet-ip-masq-agent-cleanup"]],
        );
        assert.match(kube[0].provider ?? "", /cluster-k8s/);
    });

    it("enabled: false alone deploys no Kubernetes object at all", async () => {
        const config = {
            ...readConfigFile(path.join(ROOT, "Pulumi.dev.yaml"), ROOT),
            "aks-pod-subnet:ipMasqAgent": JSON.stringify({ enabled: false }),
        };
        const run = await runProgram({ stack: "dev", config });
        assert.deepEqual(
            run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom),
            [],
        );
    });

    it("ConfigurationError is what a bad agent setting raises through the stack config", async () => {
        const config = {
            ...readConfigFile(path.join(ROOT, "Pulumi.dev.yaml"), ROOT),
            "aks-pod-subnet:ipMasqAgent": JSON.stringify({ cleanup: true }),
        };
        await assert.rejects(runProgram({ stack: "dev", config }), (error: Error) => {
            assert.ok(!(error instanceof ConfigurationError), "the program turns it into a RunError");
            assert.match(error.message, /ipMasqAgent\.cleanup: /);
            return true;
        });
    });
});
