import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { parse } from "yaml";
import { agentManifests, AgentManifests } from "../../src";
import { ProblemList } from "../../src/errors";
import {
    chainConflict,
    IPTABLES_STANDARD_TARGETS,
    IPTABLES_TARGET_EXTENSIONS,
    NAT_BUILT_IN_CHAINS,
    OWNED_CHAINS,
    resolveAgentSettings,
} from "../../src/ipmasq/settings";
import { readStackConfig } from "../../program/config";
import { PROJECT, RawConfig, readConfigFile } from "../../program/stackFile";
import { manifestsOf } from "../../src/plan/plan";
import { PROGRAM, ProgramRun, runProgram } from "../../src/plan/runProgram";

/*
 * Every Kubernetes object this project renders is checked against the Kubernetes OpenAPI schemas (the validators
 * generated into kubernetes-models), whether it comes from the pure builder or from a run of the real program.
 * These validators check types, enums and required fields; like the API server's schema they let unknown fields
 * through, so the field-by-field assertions elsewhere (program.test.ts) still matter.
 */

const ROOT = path.join(__dirname, "..", "..");

/** Validates a manifest with the model of its kind; throws the validator's error when it is invalid. */
function validate(manifest: Record<string, any>): void {
    switch (`${manifest.apiVersion}/${manifest.kind}`) {
        case "v1/ConfigMap":
            new ConfigMap(manifest as any).validate();
            return;
        case "apps/v1/DaemonSet":
            new DaemonSet(manifest as any).validate();
            return;
        default:
            assert.fail(`no schema model for ${manifest.apiVersion} ${manifest.kind}: add one here`);
    }
}

/** The schema error of a manifest, or undefined when it is valid. */
function schemaError(manifest: Record<string, any>): string | undefined {
    try {
        validate(manifest);
        return undefined;
    } catch (error) {
        return (error as Error).message;
    }
}

function settings(raw: unknown = {}) {
    const problems = new ProblemList();
    const resolved = resolveAgentSettings(raw, problems);
    assert.ok(problems.isEmpty, JSON.stringify(problems.problems));
    return resolved;
}

/** An image reference pinned to one build: a digest, or a tag other than `latest`. */
function isPinned(image: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
    return tag !== undefined && tag !== "" && tag !== "latest";
}

const BUILT: Record<string, AgentManifests> = {
    defaults: agentManifests(settings(), ["10.42.8.0/27", "100.64.0.0/20", "100.96.0.0/16"]),
    custom: agentManifests(
        settings({
            image: `mcr.microsoft.com/aks/ip-masq-agent-v2@sha256:${"0123456789abcdef".repeat(4)}`,
            chain: "PLATFORM-MASQ",
            resyncInterval: 30,
            name: "platform-masq",
            namespace: "networking",
        }),
        ["10.0.0.0/16"],
    ),
};

interface StackRun extends ProgramRun {
    config: RawConfig;
    manifests: Record<string, any>[];
    exports: Record<string, any>;
}

describe("Kubernetes manifests", () => {
    const runs: Record<string, StackRun> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const config = readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
            const run = await runProgram({ stack, config });
            // index.ts's raw exports (Outputs with their secretness) of this very run.
            const exports = require.cache[require.resolve(PROGRAM)]!.exports;
            runs[stack] = { ...run, config, manifests: manifestsOf(run.resources), exports };
        }
    });

    describe("schema (kubernetes-models)", () => {
        for (const [label, manifests] of Object.entries(BUILT)) {
            it(`agentManifests (${label} settings): the ConfigMap and the DaemonSet validate`, () => {
                assert.equal(schemaError(manifests.configMap), undefined);
                assert.equal(schemaError(manifests.daemonSet), undefined);
            });
        }

        for (const stack of ["dev", "prod"]) {
            it(`program run (${stack}): every deployed Kubernetes object validates`, () => {
                const { manifests } = runs[stack];
                assert.deepEqual(
                    manifests.map((m) => `${m.apiVersion}/${m.kind}`),
                    ["v1/ConfigMap", "apps/v1/DaemonSet"],
                );
                for (const m of manifests) assert.equal(schemaError(m), undefined, `${m.kind} ${m.metadata?.name}`);
            });

            it(`program run (${stack}): deploys exactly what agentManifests renders for its settings and plan`, () => {
                const { config, manifests } = runs[stack];
                const stackSettings = readStackConfig(
                    (key) => config[key.includes(":") ? key : `${PROJECT}:${key}`],
                    stack,
                );
                const rendered = agentManifests(
                    stackSettings.ipMasqAgent,
                    stackSettings.plan.ipMasqAgent.nonMasqueradeCIDRs,
                );
                assert.deepEqual(manifests, [rendered.configMap, rendered.daemonSet]);
            });
        }

        describe("the validator is real: broken copies fail", () => {
            const daemonSet = () => structuredClone(BUILT.defaults.daemonSet) as Record<string, any>;
            const configMap = () => structuredClone(BUILT.defaults.configMap) as Record<string, any>;
            const cases: [string, () => Record<string, any>, RegExp][] = [
                [
                    'hostNetwork: "yes"',
                    () => {
                        const d = daemonSet();
                        d.spec.template.spec.hostNetwork = "yes";
                        return d;
                    },
                    /hostNetwork must be boolean/,
                ],
                [
                    "a container without a name",
                    () => {
                        const d = daemonSet();
                        delete d.spec.template.spec.containers[0].name;
                        return d;
                    },
                    /containers\/0 must have required property .?name/,
                ],
                [
                    'optional: "false" as a string',
                    () => {
                        const d = daemonSet();
                        d.spec.template.spec.volumes[0].projected.sources[0].configMap.optional = "false";
                        return d;
                    },
                    /optional must be boolean/,
                ],
                [
                    'defaultMode: "0444" as a string',
                    () => {
                        const d = daemonSet();
                        d.spec.template.spec.volumes[0].projected.defaultMode = "0444";
                        return d;
                    },
                    /defaultMode must be integer/,
                ],
                [
                    "a DaemonSet without a selector",
                    () => {
                        const d = daemonSet();
                        delete d.spec.selector;
                        return d;
                    },
                    /must have required property .?selector/,
                ],
                [
                    "args as one string",
                    () => {
                        const d = daemonSet();
                        d.spec.template.spec.containers[0].args = "--masq-chain=X";
                        return d;
                    },
                    /args must be array/,
                ],
                [
                    "a ConfigMap value that is an object, not the file's text",
                    () => {
                        const c = configMap();
                        c.data["ip-masq-agent"] = { nonMasqueradeCIDRs: ["10.0.0.0/8"] };
                        return c;
                    },
                    /must be string/,
                ],
            ];
            for (const [label, broken, expected] of cases) {
                it(label, () => {
                    const error = schemaError(broken());
                    assert.ok(error !== undefined, `${label} passed validation`);
                    assert.match(error, expected);
                });
            }

            it("the unbroken originals still pass (the cases break only what they name)", () => {
                assert.equal(schemaError(daemonSet()), undefined);
                assert.equal(schemaError(configMap()), undefined);
            });
        });
    });

    describe("security", () => {
        const everyDaemonSet = (): [string, Record<string, any>][] => [
            ...Object.entries(BUILT).map(
                ([label, m]) => [`agentManifests ${label}`, m.daemonSet] as [string, Record<string, any>],
            ),
            ...Object.entries(runs).map(
                ([stack, r]) =>
                    [`program ${stack}`, r.manifests.find((m) => m.kind === "DaemonSet")!] as [
                        string,
                        Record<string, any>,
                    ],
            ),
        ];

        it("the kubeconfig stack output is a secret", async () => {
            for (const [stack, r] of Object.entries(runs)) {
                assert.ok(pulumi.Output.isInstance(r.exports.kubeconfig), stack);
                assert.equal(await pulumi.isSecret(r.exports.kubeconfig), true, `${stack}: kubeconfig is not secret`);
                const provider = r.resources.find((x) => x.type === "pulumi:providers:kubernetes")!;
                assert.equal(
                    provider.inputs.kubeconfig["4dabf18193072939515e22adb298388d"],
                    "1b47061264138c4ac30d75fd1eb44270",
                    `${stack}: provider kubeconfig input is not secret`,
                );
            }
        });

        it("never asks for the cluster admin credentials", () => {
            for (const [stack, r] of Object.entries(runs)) {
                assert.ok(
                    !r.invokes.some(
                        (i) => i.token === "azure-native:containerservice:listManagedClusterAdminCredentials",
                    ),
                    stack,
                );
                // The user credentials only; with Entra ID also the deployer's identity (for its Kubernetes role).
                const credentials = r.invokes.map((i) => i.token).filter((t) => t.includes("Credentials"));
                assert.deepEqual(
                    credentials,
                    ["azure-native:containerservice:listManagedClusterUserCredentials"],
                    stack,
                );
            }
        });

        it(
            "the DaemonSet is not privileged, adds only NET_ADMIN and NET_RAW, " +
                "and mounts no service account token",
            () => {
                for (const [label, ds] of everyDaemonSet()) {
                    const pod = ds.spec.template.spec;
                    assert.equal(pod.automountServiceAccountToken, false, label);
                    assert.ok(!pod.hostPID && !pod.hostIPC, `${label}: hostPID/hostIPC`);
                    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
                        assert.equal(c.securityContext?.privileged, false, `${label}: ${c.name} privileged`);
                        assert.deepEqual(
                            c.securityContext?.capabilities,
                            { add: ["NET_ADMIN", "NET_RAW"] },
                            `${label}: ${c.name} capabilities`,
                        );
                    }
                    // Only the lock file comes from the host, never a directory of it.
                    const hostPaths = pod.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath);
                    assert.deepEqual(hostPaths, [{ path: "/run/xtables.lock", type: "FileOrCreate" }], label);
                }
            },
        );

        it("the image is pinned (a release tag other than latest, or a digest)", () => {
            for (const [label, ds] of everyDaemonSet()) {
                for (const c of ds.spec.template.spec.containers)
                    assert.ok(isPinned(c.image), `${label}: ${c.image} is not pinned`);
            }
            // The check itself.
            assert.ok(isPinned("mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15"));
            assert.ok(isPinned(`mcr.microsoft.com/aks/ip-masq-agent-v2@sha256:${"a".repeat(64)}`));
            assert.ok(!isPinned("mcr.microsoft.com/aks/ip-masq-agent-v2:latest"));
            assert.ok(!isPinned("mcr.microsoft.com/aks/ip-masq-agent-v2"));
            assert.ok(!isPinned("registry.local:5000/ip-masq-agent-v2"), "a registry port is not a tag");
        });

        it("the config comes from a required (optional: false) projected ConfigMap source", () => {
            for (const [label, ds] of everyDaemonSet()) {
                const pod = ds.spec.template.spec;
                const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === "/etc/config");
                assert.equal(mount?.readOnly, true, label);
                const volume = pod.volumes.find((v: any) => v.name === mount.name);
                const sources = volume.projected.sources;
                assert.ok(sources.length > 0, label);
                for (const s of sources) assert.equal(s.configMap.optional, false, label);
            }
        });

        it(
            "the deployed config never leaves nonMasqueradeCIDRs empty " + "(that would masquerade pod-to-pod traffic)",
            () => {
                for (const [stack, r] of Object.entries(runs)) {
                    const cm = r.manifests.find((m) => m.kind === "ConfigMap")!;
                    const config = parse(cm.data["ip-masq-agent"]);
                    assert.ok(Array.isArray(config.nonMasqueradeCIDRs) && config.nonMasqueradeCIDRs.length > 0, stack);
                    assert.equal(config.masqLinkLocal, false, stack);
                }
            },
        );
    });
});

/*
 * The agent's chain (--masq-chain): names iptables refuses and chains others own are refused before anything is
 * deployed. test/slow/lab-rules.test.ts checks the target list against the real iptables (as root).
 */
describe("the agent's chain (ipMasqAgent.chain)", () => {
    function chainProblems(chain: unknown): string[] {
        const problems = new ProblemList();
        resolveAgentSettings({ chain }, problems);
        return problems.problems.map((p) => `${p.key}: ${p.message}`);
    }
    const FIX = 'pick another, e.g. "POD-SUBNET-MASQ"';

    it("the default chain and other free names pass, and reach the DaemonSet as --masq-chain", () => {
        for (const chain of [
            "POD-SUBNET-MASQ",
            "PLATFORM-MASQ",
            "A".repeat(28),
            "NAT",
            "KUBE",
            "SWIFTLY",
            "calico-masq",
            "MY_CHAIN",
        ]) {
            assert.deepEqual(chainProblems(chain), [], chain);
            assert.ok(
                agentManifests(settings({ chain }), [
                    "10.0.0.0/16",
                ]).daemonSet.spec.template.spec.containers[0].args.includes(`--masq-chain=${chain}`),
                chain,
            );
        }
    });

    it("refuses iptables' targets and standard verdicts: the agent's `iptables -N` fails and it crash-loops", () => {
        for (const chain of [
            "SNAT",
            "DNAT",
            "MASQUERADE",
            "MARK",
            "LOG",
            "REJECT",
            "CT",
            "CONNMARK",
            "ACCEPT",
            "DROP",
            "QUEUE",
            "RETURN",
            "standard",
        ]) {
            assert.deepEqual(chainProblems(chain), [
                `ipMasqAgent.chain: "${chain}" is an iptables target, and iptables refuses a chain of that ` +
                    `name ("chain name may not clash with target name"), so the agent would crash-loop on every ` +
                    `node: ${FIX}`,
            ]);
        }
        // Every listed name is refused, and the lists hold each name once.
        const targets = [...IPTABLES_STANDARD_TARGETS, ...IPTABLES_TARGET_EXTENSIONS];
        assert.equal(new Set(targets).size, targets.length);
        for (const chain of targets) assert.equal(chainProblems(chain).length, 1, chain);
    });

    it("matches names exactly, as iptables does: another case is another chain", () => {
        for (const chain of [
            "snat",
            "Snat",
            "mark",
            "log",
            "accept",
            "Return",
            "STANDARD",
            "ip-masq-agent",
            "kube-masq",
            "Docker-masq",
            "CALI-MASQ",
            "swift",
        ]) {
            assert.deepEqual(chainProblems(chain), [], chain);
        }
    });

    it("refuses the nat table's built-in chains (the jump into one fails) and FORWARD", () => {
        for (const chain of NAT_BUILT_IN_CHAINS) {
            assert.deepEqual(chainProblems(chain), [
                `ipMasqAgent.chain: "${chain}" is a built-in chain of the nat table: ` +
                    `the agent would adopt it, fail to add its POSTROUTING jump into it and crash-loop on every ` +
                    `node: ${FIX}`,
            ]);
        }
        assert.match(
            chainProblems("FORWARD")[0],
            /^ipMasqAgent\.chain: "FORWARD" is a built-in chain of the filter and mangle tables/,
        );
    });

    it("refuses chains other components own on an AKS node: the agent would flush their rules at every resync", () => {
        const cases: [string, string][] = [
            ["IP-MASQ-AGENT", "the AKS-managed ip-masq-agent"],
            ["KUBE-POSTROUTING", "kube-proxy"],
            ["KUBE-SERVICES", "kube-proxy"],
            ["KUBE-MY-MASQ", "kube-proxy"],
            ["SWIFT", "Azure CNI"],
            ["SWIFT-POSTROUTING", "Azure CNI"],
            ["AZURECNIINPUT", "Azure CNI"],
            ["AZURECNIOUTPUT", "Azure CNI"],
            ["AZURE-NPM", "Azure NPM"],
            ["AZURE-NPM-INGRESS", "Azure NPM"],
            ["cali-POSTROUTING", "Calico"],
            ["cali-nat-outgoing", "Calico"],
            ["DOCKER", "Docker"],
            ["DOCKER-USER", "Docker"],
            ["DOCKER_POSTROUTING", "Docker"],
        ];
        for (const [chain, owner] of cases) {
            const problems = chainProblems(chain);
            assert.equal(problems.length, 1, chain);
            assert.ok(problems[0].startsWith(`ipMasqAgent.chain: "${chain}" belongs to ${owner}`), problems[0]);
            assert.ok(problems[0].endsWith(`so it would flush ${owner}'s rules at every resync: ${FIX}`), problems[0]);
        }
        assert.deepEqual(chainProblems("KUBE-POSTROUTING"), [
            `ipMasqAgent.chain: "KUBE-POSTROUTING" belongs to kube-proxy (its chains start with "KUBE-"); ` +
                `this agent adopts an existing chain, so it would flush kube-proxy's rules at every resync: ` +
                `${FIX}`,
        ]);
        // Every owner in the data is reachable by a case above.
        assert.deepEqual([...new Set(cases.map(([, owner]) => owner))].sort(), OWNED_CHAINS.map((o) => o.owner).sort());
    });

    it("keeps the syntax rules: 1–28 letters, digits, '-' or '_', starting with a letter; one problem per name", () => {
        const syntax = new RegExp(
            String.raw`^ipMasqAgent\.chain: .* is not a usable iptables chain name: 1–28 letters, digits, ` +
                String.raw`'-' or '_', starting with a letter$`,
        );
        for (const chain of [
            "A".repeat(29),
            "KUBE-" + "X".repeat(24),
            "1CHAIN",
            "-X",
            "!X",
            "MY CHAIN",
            'A"B',
            "",
            42,
            null,
        ]) {
            const problems = chainProblems(chain);
            // null means "not set": the default applies.
            if (chain === null) assert.deepEqual(problems, []);
            else
                assert.ok(
                    problems.length === 1 && syntax.test(problems[0]),
                    `${JSON.stringify(chain)}: ${problems.join(" | ")}`,
                );
        }
        assert.equal(chainConflict("POD-SUBNET-MASQ"), undefined);
    });
});
