import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaults } from "../../src/defaults";
import { ProblemList } from "../../src/errors";
import { agentManifests } from "../../src/ipmasq/manifests";
import {
    chainConflict,
    IPTABLES_STANDARD_TARGETS,
    IPTABLES_TARGET_EXTENSIONS,
    NAT_BUILT_IN_CHAINS,
    resolveAgentSettings,
} from "../../src/ipmasq/settings";
import { LabPlanError, inAny, labAddresses, LabPlanInput } from "../../tooling/lab/addresses";
import { finalLine, FIRST_PORT, FlowPlan, MAX_FLOWS, planFlows } from "../../tooling/lab/flows";
import { labCwd, parseLabArgs, privilegeProblem, stackNameOf } from "../../tooling/lab/options";
import { UsageError } from "../../src/plan/cli";
import { hasCommand, Lab } from "../../tooling/lab/netns";
import {
    agentJumpCheckArgv,
    AgentConfigError,
    deployedAgent,
    effectiveAgentConfig,
    masqChainOf,
    MasqConfig,
    parseAgentConfigFile,
    POSTROUTING_COMMENT_FORMAT,
    postroutingJumpArgs,
    postroutingJumpComment,
    renderAgentChain,
    renderAgentRules,
    restoreWord,
} from "../../tooling/lab/rules";

function config(overrides: Partial<MasqConfig> = {}): MasqConfig {
    return {
        nonMasqueradeCIDRs: ["10.42.8.0/27", "100.64.0.0/20"],
        masqLinkLocal: false,
        masqLinkLocalIPv6: false,
        ...overrides,
    };
}

/** The rule lines of a restore text (without *nat, chain declaration and COMMIT). */
function ruleLines(text: string): string[] {
    return text.split("\n").filter((line) => line.startsWith("-A "));
}

describe("lab: ip-masq-agent-v2 rules", () => {
    it("renders the exact iptables-restore text the agent writes", () => {
        assert.equal(
            renderAgentRules(config(), "POD-SUBNET-MASQ"),
            [
                "*nat",
                ":POD-SUBNET-MASQ - [0:0]",
                // The agent passes this comment as one argv element with its quote characters;
                // escaped for iptables-restore.
                '-A POSTROUTING -m comment --comment "\\"ip-masq-agent: ensure nat POSTROUTING directs all ' +
                    'non-LOCAL destination traffic to our custom POD-SUBNET-MASQ chain\\"" -m addrtype ! ' +
                    "--dst-type LOCAL -j POD-SUBNET-MASQ",
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: ' +
                    'local traffic is not subject to MASQUERADE" -d 169.254.0.0/16 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: ' +
                    'local traffic is not subject to MASQUERADE" -d 10.42.8.0/27 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: ' +
                    'local traffic is not subject to MASQUERADE" -d 100.64.0.0/20 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: ' +
                    'outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE',
                "COMMIT",
                "",
            ].join("\n"),
        );
    });

    it("exempts link-local exactly when masqLinkLocal is false", () => {
        const linkLocal = (text: string) =>
            ruleLines(text).filter((line) => line.includes("-d 169.254.0.0/16 -j RETURN")).length;
        assert.equal(linkLocal(renderAgentRules(config({ masqLinkLocal: false }), "C")), 1);
        assert.equal(linkLocal(renderAgentRules(config({ masqLinkLocal: true }), "C")), 0);
    });

    it("puts every RETURN before the one MASQUERADE, which is last", () => {
        const lines = ruleLines(renderAgentRules(config(), "C")).filter((line) => line.startsWith("-A C "));
        assert.equal(lines.filter((line) => line.endsWith("-j MASQUERADE")).length, 1);
        assert.ok(lines[lines.length - 1].endsWith("-j MASQUERADE"));
        assert.ok(lines.slice(0, -1).every((line) => line.endsWith("-j RETURN")));
        // One RETURN per CIDR, in config order, after link-local.
        assert.deepEqual(
            lines.slice(0, -1).map((line) => /-d (\S+) -j RETURN$/.exec(line)?.[1]),
            ["169.254.0.0/16", "10.42.8.0/27", "100.64.0.0/20"],
        );
    });

    it("jumps from POSTROUTING once, for non-LOCAL destinations only, to the chain from --masq-chain", () => {
        const jumps = ruleLines(renderAgentRules(config(), "MY-CHAIN")).filter((line) =>
            line.startsWith("-A POSTROUTING "),
        );
        assert.equal(jumps.length, 1);
        assert.match(jumps[0], /-m addrtype ! --dst-type LOCAL -j MY-CHAIN$/);
    });

    it("masquerades everything but link-local for an empty list (trap 3)", () => {
        const lines = ruleLines(renderAgentRules(config({ nonMasqueradeCIDRs: [] }), "C")).filter((line) =>
            line.startsWith("-A C "),
        );
        assert.equal(lines.length, 2);
    });

    it("leaves IPv6 CIDRs out of the IPv4 table", () => {
        const text = renderAgentRules(config({ nonMasqueradeCIDRs: ["10.0.0.0/8", "fd00::/8"] }), "C");
        assert.ok(!text.includes("fd00::/8"));
    });

    it("quotes the agent's POSTROUTING comment with its quote characters, as its Go raw string has them", () => {
        // ip-masq-agent.go v0.1.15 line 406: postRoutingMasqChainCommentFormat, between backquotes.
        assert.equal(
            POSTROUTING_COMMENT_FORMAT,
            '"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom %s chain"',
        );
        assert.equal(
            postroutingJumpComment("C"),
            '"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom C chain"',
        );
        // ensurePostroutingJump, lines 413–415: one argv element per word, the comment as one element.
        assert.deepEqual(postroutingJumpArgs("C"), [
            "-m",
            "comment",
            "--comment",
            postroutingJumpComment("C"),
            "-m",
            "addrtype",
            "!",
            "--dst-type",
            "LOCAL",
            "-j",
            "C",
        ]);
        // EnsureRule → checkRuleUsingCheck: wait flags, -C, then makeFullArgs (chain, -t, table, args).
        assert.deepEqual(agentJumpCheckArgv("C").slice(0, 8), [
            "-w",
            "5",
            "-W",
            "100000",
            "-C",
            "POSTROUTING",
            "-t",
            "nat",
        ]);
        assert.deepEqual(agentJumpCheckArgv("C").slice(8), postroutingJumpArgs("C"));
    });

    it("writes the agent's own restore for the chain, words joined by spaces as writeLine joins them", () => {
        const chain = renderAgentChain(config({ nonMasqueradeCIDRs: ["10.0.0.0/8"] }), "C");
        assert.equal(
            chain,
            [
                "*nat",
                ":C - [0:0]",
                '-A C -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE"' +
                    " -d 169.254.0.0/16 -j RETURN",
                '-A C -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE"' +
                    " -d 10.0.0.0/8 -j RETURN",
                '-A C -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE ' +
                    '(must be last in chain)" -j MASQUERADE',
                "COMMIT",
                "",
            ].join("\n"),
        );
        // The lab's restore is the agent's with the jump added after the chain line, nothing else.
        const lab = renderAgentRules(config({ nonMasqueradeCIDRs: ["10.0.0.0/8"] }), "C").split("\n");
        assert.deepEqual(
            lab.filter((line) => !line.startsWith("-A POSTROUTING ")),
            chain.split("\n"),
        );
    });

    it("quotes an argv element for iptables-restore only when it must", () => {
        assert.equal(restoreWord("--dst-type"), "--dst-type");
        assert.equal(restoreWord("!"), "!");
        assert.equal(restoreWord("a b"), '"a b"');
        assert.equal(restoreWord('"a b"'), '"\\"a b\\""');
        assert.equal(restoreWord("a\\b"), '"a\\\\b"');
        assert.equal(restoreWord(""), '""');
    });

    it("rejects chain names iptables would refuse", () => {
        assert.throws(() => renderAgentRules(config(), "A".repeat(29)), AgentConfigError);
        assert.throws(() => renderAgentRules(config(), 'BAD" CHAIN'), AgentConfigError);
    });
});

describe("lab: the agent's config, read as the agent reads it", () => {
    it("parses YAML and JSON, ignores unknown keys, matches keys case-insensitively", () => {
        assert.deepEqual(
            parseAgentConfigFile(
                "ip-masq",
                "nonMasqueradeCIDRs: [10.0.0.0/8]\nmasqLinkLocal: true\nresyncInterval: 60s\n",
            ),
            {
                nonMasqueradeCIDRs: ["10.0.0.0/8"],
                masqLinkLocal: true,
                masqLinkLocalIPv6: false,
            },
        );
        assert.deepEqual(parseAgentConfigFile("ip-masq", '{"NonMasqueradeCidrs": ["10.0.0.0/8"]}').nonMasqueradeCIDRs, [
            "10.0.0.0/8",
        ]);
        assert.deepEqual(parseAgentConfigFile("ip-masq", "").nonMasqueradeCIDRs, []);
    });

    it("fails where the agent would exit", () => {
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [10.1.2.3/16]"), /not aligned/);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [fd00::/8]"), /IPv6/);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: 10.0.0.0/8"), AgentConfigError);
        assert.throws(() => parseAgentConfigFile("ip-masq", "masqLinkLocal: yes-please"), AgentConfigError);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [\n"), /not valid YAML/);
        const many = Array.from({ length: 65 }, (_, i) => `10.${i}.0.0/16`);
        assert.throws(
            () => parseAgentConfigFile("ip-masq", JSON.stringify({ nonMasqueradeCIDRs: many })),
            /at most 64/,
        );
    });

    it("reads only files named ip-masq*, merges them, and falls back to RFC 1918 without one (trap 2)", () => {
        const merged = effectiveAgentConfig([
            { name: "ip-masq-a", text: "nonMasqueradeCIDRs: [10.0.0.0/8, 100.64.0.0/10]" },
            { name: "ip-masq-b", text: "nonMasqueradeCIDRs: [10.0.0.0/8]\nmasqLinkLocal: true" },
            { name: "other", text: "nonMasqueradeCIDRs: [192.168.0.0/16]" },
        ]);
        assert.deepEqual(merged, {
            config: {
                nonMasqueradeCIDRs: ["10.0.0.0/8", "100.64.0.0/10"],
                masqLinkLocal: true,
                masqLinkLocalIPv6: false,
            },
            files: ["ip-masq-a", "ip-masq-b"],
            usedDefault: false,
        });
        const fallback = effectiveAgentConfig([{ name: "config.yaml", text: "nonMasqueradeCIDRs: [10.42.0.0/16]" }]);
        assert.equal(fallback.usedDefault, true);
        assert.deepEqual(fallback.config.nonMasqueradeCIDRs, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
    });

    it("reads --masq-chain as Go's flag package does", () => {
        assert.equal(masqChainOf([]), "IP-MASQ-AGENT");
        assert.equal(masqChainOf(["--masq-chain=A", "--v=2"]), "A");
        assert.equal(masqChainOf(["-masq-chain", "B"]), "B");
        assert.equal(masqChainOf(["--masq-chain=A", "--masq-chain=C"]), "C");
    });

    it("follows the DaemonSet's /etc/config mount to the ConfigMap the component deploys", () => {
        const settings = resolveAgentSettings({}, new ProblemList());
        const { configMap, daemonSet } = agentManifests(settings, ["10.42.8.0/27", "100.64.0.0/20"]);
        const agent = deployedAgent(daemonSet, [configMap]);
        assert.equal(agent.chain, settings.chain);
        assert.equal(agent.files.length, 1);
        assert.ok(agent.files[0].name.startsWith("ip-masq"));
        const effective = effectiveAgentConfig(agent.files);
        assert.equal(effective.usedDefault, false);
        assert.deepEqual(effective.config, config());
    });

    it("notices a ConfigMap the agent would not see", () => {
        const settings = resolveAgentSettings({}, new ProblemList());
        const { configMap, daemonSet } = agentManifests(settings, ["10.42.8.0/27"]);
        assert.throws(() => deployedAgent(daemonSet, []), /not deployed/);
        const renamed = { ...configMap, data: { "config.yaml": Object.values(configMap.data)[0] } };
        assert.throws(() => deployedAgent(daemonSet, [renamed]), /has no key/);
    });
});

describe("lab: addresses picked inside the plan", () => {
    const dev: LabPlanInput = {
        vnetAddressSpace: ["10.42.8.0/27", "100.64.0.0/20"],
        nodeSubnet: { cidr: "10.42.8.0/27" },
        podSubnets: [{ cidr: "100.64.0.0/20", name: "pods" }],
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        ipMasqAgent: {
            nonMasqueradeCIDRs: ["10.42.8.0/27", "10.250.0.0/24", "100.64.0.0/20", "100.96.0.0/16"],
            extraNonMasqueradeCidrs: ["10.250.0.0/24"],
        },
    };
    const hosts = (a: ReturnType<typeof labAddresses>) =>
        a.destinations.map((d) => ({
            kind: d.kind,
            range: d.range,
            address: d.address,
            expect: d.expect,
            routesBack: d.routesBack,
        }));

    it("places every host where the design says", () => {
        const a = labAddresses(dev);
        assert.deepEqual(
            { pods: a.pods, node: a.node, vnetHost: a.vnetHost, gateway: a.gateway, corporate: a.corporate },
            {
                pods: [
                    {
                        index: 0,
                        subnet: "100.64.0.0/20",
                        name: "pods",
                        link: "100.64.0.4/30",
                        nodeSide: "100.64.0.5",
                        address: "100.64.0.6",
                    },
                ],
                node: "10.42.8.4",
                vnetHost: "10.42.8.5",
                gateway: "10.42.8.6",
                corporate: { address: "10.0.0.1", within: "10.0.0.0/8" },
            },
        );
        assert.deepEqual(hosts(a), [
            { kind: "connected", range: "10.0.0.0/8", address: "10.0.0.1", expect: "node", routesBack: false },
            { kind: "connected", range: "192.168.0.0/16", address: "192.168.0.1", expect: "node", routesBack: false },
            { kind: "extra", range: "10.250.0.0/24", address: "10.250.0.1", expect: "pod", routesBack: true },
        ]);
    });

    it("finds a corporate address around the never-masqueraded ranges", () => {
        // 10.42.8.0/24 minus the node subnet 10.42.8.0/27: the first free block starts at .32.
        const plan = { ...dev, connectedCidrs: ["10.42.8.0/24"] };
        const a = labAddresses(plan);
        assert.deepEqual(a.corporate, { address: "10.42.8.33", within: "10.42.8.0/24" });
        assert.ok(!inAny(a.corporate.address, plan.ipMasqAgent.nonMasqueradeCIDRs));
    });

    it("has no extra host without extraNonMasqueradeCidrs, and refuses a plan with nothing to masquerade", () => {
        const a = labAddresses({ ...dev, ipMasqAgent: { nonMasqueradeCIDRs: dev.ipMasqAgent.nonMasqueradeCIDRs } });
        assert.deepEqual(
            a.destinations.map((d) => d.kind),
            ["connected", "connected"],
        );
        assert.throws(() => labAddresses({ ...dev, connectedCidrs: ["10.42.8.0/27"] }), LabPlanError);
    });

    it("puts one pod on every pod subnet, and refuses a pod subnet too small for the pod link", () => {
        const nonMasqueradeCIDRs = [...dev.ipMasqAgent.nonMasqueradeCIDRs, "100.65.0.0/22"];
        const a = labAddresses({
            ...dev,
            podSubnets: [
                { cidr: "100.64.0.0/20", name: "pods" },
                { cidr: "100.65.0.0/22", name: "pods-batch" },
            ],
            ipMasqAgent: { nonMasqueradeCIDRs },
        });
        assert.deepEqual(
            a.pods.map((p) => [p.subnet, p.address, p.nodeSide]),
            [
                ["100.64.0.0/20", "100.64.0.6", "100.64.0.5"],
                ["100.65.0.0/22", "100.65.0.6", "100.65.0.5"],
            ],
        );
        assert.throws(
            () => labAddresses({ ...dev, podSubnets: [{ cidr: "100.64.0.0/20" }, { cidr: "100.65.0.0/30" }] }),
            /100\.65\.0\.0\/30 is smaller than \/29/,
        );
    });

    it(
        "a hub outside nonMasqueradeCIDRs is reached as the node IP, " +
            "a hub prefix listed as extra as the pod IP; both route back",
        () => {
            // prod: the hub 10.40.0.0/16 inside the connected 10.0.0.0/8, NAT'd by default.
            const prod = labAddresses({
                ...dev,
                connectedCidrs: ["10.0.0.0/8"],
                hubAddressSpace: ["10.40.0.0/16"],
                ipMasqAgent: { nonMasqueradeCIDRs: ["10.42.8.0/27", "100.64.0.0/20", "100.96.0.0/16"] },
            });
            assert.deepEqual(hosts(prod), [
                { kind: "connected", range: "10.0.0.0/8", address: "10.0.0.1", expect: "node", routesBack: false },
                { kind: "hub", range: "10.40.0.0/16", address: "10.40.0.1", expect: "node", routesBack: true },
            ]);
            // A hub prefix listed in extraNonMasqueradeCidrs keeps the pod IP; the extra host and the hub host differ.
            const kept = labAddresses({
                ...dev,
                hubAddressSpace: ["10.40.0.0/16", "10.41.0.0/16"],
                ipMasqAgent: {
                    nonMasqueradeCIDRs: ["10.41.0.0/16", "10.42.8.0/27", "100.64.0.0/20", "100.96.0.0/16"],
                    extraNonMasqueradeCidrs: ["10.41.0.0/16"],
                },
            });
            assert.deepEqual(hosts(kept).slice(2), [
                { kind: "extra", range: "10.41.0.0/16", address: "10.41.0.1", expect: "pod", routesBack: true },
                { kind: "hub", range: "10.40.0.0/16", address: "10.40.0.1", expect: "node", routesBack: true },
                { kind: "hub", range: "10.41.0.0/16", address: "10.41.0.3", expect: "pod", routesBack: true },
            ]);
            // On-prem hosts stay out of the hub and the extra ranges: 10.0.0.1 is on-prem, not the hub.
            assert.ok(!inAny(kept.corporate.address, ["10.40.0.0/16", "10.41.0.0/16"]));
            // A hub prefix only partly never-masqueraded: a host of the masqueraded part, the node IP.
            const partly = labAddresses({
                ...dev,
                hubAddressSpace: ["10.250.0.0/23"],
            });
            const hub = partly.destinations.find((d) => d.kind === "hub")!;
            assert.deepEqual([hub.address, hub.expect], ["10.250.1.1", "node"]);
        },
    );

    it("a connected range the hub covers gets no on-prem host: its flow is skipped with the reason", () => {
        const a = labAddresses({ ...dev, hubAddressSpace: ["192.168.0.0/16"] });
        const covered = a.destinations.find((d) => d.range === "192.168.0.0/16" && d.kind === "connected")!;
        assert.equal(covered.address, undefined);
        assert.match(covered.skipReason!, /outside nonMasqueradeCIDRs, the hub and the VNet/);
        const flow = planFlows(a).flows.find((f) => f.kind === "connected" && f.skip);
        assert.ok(flow, "the covered range still has a flow, skipped");
        assert.equal(flow!.host, undefined);
    });
});

describe("lab: the flows planned from the plan", () => {
    const base: LabPlanInput = {
        vnetAddressSpace: ["10.42.8.0/27", "100.64.0.0/20", "100.65.0.0/22"],
        nodeSubnet: { cidr: "10.42.8.0/27" },
        podSubnets: [
            { cidr: "100.64.0.0/20", name: "pods" },
            { cidr: "100.65.0.0/22", name: "pods-batch" },
        ],
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: ["10.0.0.0/8", "172.16.0.0/12"],
        hubAddressSpace: ["10.40.0.0/16"],
        ipMasqAgent: {
            nonMasqueradeCIDRs: ["10.42.8.0/27", "10.250.0.0/24", "100.64.0.0/20", "100.65.0.0/22", "100.96.0.0/16"],
            extraNonMasqueradeCidrs: ["10.250.0.0/24"],
        },
    };
    const summary = (plan: FlowPlan) =>
        plan.flows.map(
            (f) => `${f.n} ${f.kind} pod${f.pod} → ${f.host ?? "-"}:${f.port} expect ${f.expect} ${f.expectedSource}`,
        );

    it(
        "every pod subnet to the VNet host, one flow per connected, extra and hub range from the pod subnets in " +
            "turn, the rules removed once",
        () => {
            const plan = planFlows(labAddresses(base));
            assert.deepEqual(summary(plan), [
                "1 vnet pod0 → 10.42.8.5:7001 expect pod 100.64.0.6",
                "2 vnet pod1 → 10.42.8.5:7002 expect pod 100.65.0.6",
                "3 connected pod0 → 10.0.0.1:7003 expect node 10.42.8.4",
                "4 connected pod1 → 172.16.0.1:7004 expect node 10.42.8.4",
                "5 extra pod0 → 10.250.0.1:7005 expect pod 100.64.0.6",
                "6 hub pod1 → 10.40.0.1:7006 expect node 10.42.8.4",
                "7 rules-removed pod0 → 10.0.0.1:7007 expect no-reply 100.64.0.6",
            ]);
            assert.deepEqual(plan.dropped, []);
            assert.deepEqual(plan.pods, [0, 1]);
            assert.deepEqual(plan.destinations, [0, 1, 2, 3]);
            assert.equal(plan.flows[5].label, "pods-batch 100.65.0.0/22 → hub 10.40.0.0/16");
        },
    );

    it("the hub's expected source follows nonMasqueradeCIDRs: listed as extra, the pod IP", () => {
        const kept = planFlows(
            labAddresses({
                ...base,
                ipMasqAgent: {
                    nonMasqueradeCIDRs: [...base.ipMasqAgent.nonMasqueradeCIDRs, "10.40.0.0/16"],
                    extraNonMasqueradeCidrs: ["10.250.0.0/24", "10.40.0.0/16"],
                },
            }),
        );
        const hub = kept.flows.find((f) => f.kind === "hub")!;
        assert.equal(hub.expect, "pod");
        assert.equal(hub.expectedSource, labAddresses(base).pods[hub.pod].address);
    });

    it("the dev stack: 5 flows (1 pod subnet, 2 connected, 1 extra, no hub, the rules removed)", () => {
        const dev = {
            ...base,
            podSubnets: [base.podSubnets[0]],
            hubAddressSpace: undefined,
            connectedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        };
        assert.deepEqual(
            planFlows(labAddresses(dev)).flows.map((f) => f.kind),
            ["vnet", "connected", "connected", "extra", "rules-removed"],
        );
    });

    it(
        `caps the flows at ${MAX_FLOWS}, keeping every kind and the rules-removed flow, ` +
            `and names what it leaves out`,
        () => {
            const many = {
                ...base,
                connectedCidrs: Array.from({ length: 20 }, (_, i) => `172.${16 + i}.0.0/16`),
                podSubnets: Array.from({ length: 5 }, (_, i) => ({ cidr: `100.${64 + i}.0.0/22` })),
                ipMasqAgent: {
                    ...base.ipMasqAgent,
                    nonMasqueradeCIDRs: [...base.ipMasqAgent.nonMasqueradeCIDRs, "100.64.0.0/13"],
                },
            };
            const plan = planFlows(labAddresses(many));
            assert.equal(plan.flows.length, MAX_FLOWS);
            assert.equal(plan.flows[MAX_FLOWS - 1].kind, "rules-removed");
            const kinds = plan.flows.map((f) => f.kind);
            for (const kind of ["vnet", "connected", "extra", "hub"] as const) assert.ok(kinds.includes(kind), kind);
            assert.equal(kinds.filter((k) => k === "vnet").length, 5, "every pod subnet keeps its flow");
            // 5 VNet + 20 connected + 1 extra + 1 hub + 1 = 28 flows: 12 connected ranges left out.
            assert.equal(plan.dropped.length, 12);
            assert.ok(
                plan.dropped.every((label) => label.startsWith("connected 172.")),
                plan.dropped.join("; "),
            );
            assert.deepEqual(
                plan.flows.map((f) => f.port),
                Array.from({ length: MAX_FLOWS }, (_, i) => FIRST_PORT + i),
            );
            // Ports, namespaces and hosts stay bounded by the cap too.
            assert.ok(plan.destinations.length < MAX_FLOWS);
            assert.equal(new Set(plan.flows.filter((f) => f.host).map((f) => `${f.host}:${f.port}`)).size, MAX_FLOWS);
        },
    );

    it("the final line counts a flow that never ran as failed", () => {
        assert.equal(finalLine([{ result: "PASS" }, { result: "PASS" }], 2), "lab: 2 passed, 0 failed");
        assert.equal(finalLine([{ result: "PASS" }, { result: "FAIL" }], 5), "lab: 1 passed, 4 failed");
        assert.equal(finalLine([{ result: "SKIP" }, { result: "SKIP" }], 2), "lab: 0 passed, 0 failed, 2 skipped");
        assert.equal(finalLine([], 1), "lab: 0 passed, 1 failed");
    });
});

describe("lab: command line and privileges", () => {
    const project = "/repo";

    it("labs dev by default, a named stack next to Pulumi.yaml, or any settings file with --config, not both", () => {
        assert.deepEqual(pick(parseLabArgs([], project, "/elsewhere")), {
            stack: "dev",
            file: "/repo/Pulumi.dev.yaml",
            fromConfig: false,
            skipUnprivileged: false,
        });
        assert.deepEqual(pick(parseLabArgs(["--stack", "prod"], project, "/elsewhere")), {
            stack: "prod",
            file: "/repo/Pulumi.prod.yaml",
            fromConfig: false,
            skipUnprivileged: false,
        });
        assert.deepEqual(pick(parseLabArgs(["--config", "stacks/Pulumi.team-a.yaml"], project, "/home/me")), {
            stack: "team-a",
            file: "/home/me/stacks/Pulumi.team-a.yaml",
            fromConfig: true,
            skipUnprivileged: false,
        });
        assert.equal(parseLabArgs(["--config", "/abs/my-stack.yml"], project, "/home/me").stack, "my-stack");
        assert.throws(
            () => parseLabArgs(["--stack", "dev", "--config", "Pulumi.dev.yaml"], project, "/"),
            (e: Error) => e instanceof UsageError && /not both/.test(e.message),
        );
        assert.throws(() => parseLabArgs(["--config"], project, "/"), UsageError);
        assert.throws(() => parseLabArgs(["--stack", "../etc"], project, "/"), UsageError);
        assert.throws(() => parseLabArgs(["--timeout", "0"], project, "/"), UsageError);
        assert.equal(stackNameOf("/x/Pulumi.prod.yaml"), "prod");
    });

    it("resolves a relative --config from npm's INIT_CWD (npm run runs scripts in the package root)", () => {
        assert.equal(labCwd({ INIT_CWD: "/home/me/stacks" }, "/repo"), "/home/me/stacks");
        assert.equal(labCwd({}, "/repo"), "/repo");
        assert.equal(
            parseLabArgs(["--config", "Pulumi.x.yaml"], project, labCwd({ INIT_CWD: "/home/me" }, "/repo")).file,
            "/home/me/Pulumi.x.yaml",
        );
    });

    it("--skip-unprivileged is a flag", () => {
        assert.equal(parseLabArgs(["--skip-unprivileged"], project, "/").skipUnprivileged, true);
        assert.throws(() => parseLabArgs(["--skip-unprivileged=yes"], project, "/"), UsageError);
    });

    it("needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN, and the tools", () => {
        assert.match(privilegeProblem(1000, "0000000000000000", [])!.detail, /needs root.*uid 1000/);
        assert.equal(privilegeProblem(1000, undefined, [])!.summary, "not root");
        assert.match(privilegeProblem(0, "00000000a80425fb", [])!.detail, /without CAP_SYS_ADMIN and CAP_NET_ADMIN/);
        assert.match(
            privilegeProblem(0, "000001ffffffffff", ["iptables-save"])!.detail,
            /iptables-save not found.*apt-get install/,
        );
        assert.equal(privilegeProblem(0, "000001ffffffffff", []), undefined);
        assert.equal(privilegeProblem(0, undefined, []), undefined);
    });

    function pick(o: ReturnType<typeof parseLabArgs>) {
        return { stack: o.stack, file: o.file, fromConfig: o.fromConfig, skipUnprivileged: o.skipUnprivileged };
    }
});

const ROOT = path.join(__dirname, "..", "..");
const TSX_CLI = require.resolve("tsx/cli");
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** `npm run lab -- <args>` as a child (tsx directly, as the npm script does), with its exit status and output. */
function runLabProcess(
    args: string[],
    options: { uid?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stdout: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [TSX_CLI, "tooling/lab/run.ts", ...args], {
            cwd: ROOT,
            env: { ...process.env, ...options.env },
            uid: options.uid,
            gid: options.uid,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        child.stdout.on("data", (data) => (stdout += data));
        child.stderr.on("data", (data) => (stdout += data));
        const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout });
        });
    });
}

const lastLine = (text: string) => text.trimEnd().split("\n").pop() ?? "";

describe("lab: without root", function () {
    it(
        "fails with the reason and counts every flow as failed; " + "with --skip-unprivileged, as skipped (exit 0)",
        async function () {
            // As root the lab runs as nobody here; otherwise it already runs without root. Dev plans 5 flows.
            const uid = isRoot ? 65534 : undefined;
            const env = { HOME: os.tmpdir(), INIT_CWD: "" };
            const [failed, skipped] = await Promise.all([
                runLabProcess(["--stack", "dev"], { uid, env }),
                runLabProcess(["--stack", "dev", "--skip-unprivileged"], { uid, env }),
            ]);
            assert.equal(failed.status, 1, failed.stdout);
            assert.equal(lastLine(failed.stdout), "lab: 0 passed, 5 failed", failed.stdout);
            assert.match(failed.stdout, /lab failed: needs root .*--skip-unprivileged/);
            assert.equal(skipped.status, 0, skipped.stdout);
            assert.equal(lastLine(skipped.stdout), "lab: 0 passed, 0 failed, 5 skipped", skipped.stdout);
            assert.match(skipped.stdout, /lab skipped \(--skip-unprivileged\): needs root/);
            assert.doesNotMatch(failed.stdout + skipped.stdout, /topology:|cleanup:/, "no namespace was built");
        },
    );
});

describe("lab: a custom stack file, run for real (root only)", function () {
    let dir: string | undefined;
    before(function () {
        if (!isRoot || !["ip", "iptables-restore", "iptables-save", "sysctl"].every(hasCommand)) this.skip();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-config-"));
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it(
        "two pod subnets, two connected ranges, extra ranges and a hub " +
            "(one prefix NAT'd, one kept): every flow passes",
        async () => {
            fs.writeFileSync(
                path.join(dir!, "Pulumi.labcheck.yaml"),
                [
                    "config:",
                    "  azure-native:location: westeurope",
                    "  aks-pod-subnet:nodeSubnetCidr: 10.42.8.0/27",
                    "  aks-pod-subnet:podSubnetCidr: 100.64.0.0/20",
                    "  aks-pod-subnet:serviceCidr: 100.96.0.0/16",
                    "  aks-pod-subnet:connectedCidrs: [10.0.0.0/8, 172.16.0.0/12]",
                    "  aks-pod-subnet:extraNonMasqueradeCidrs: [10.250.0.0/24, 10.41.0.0/16]",
                    "  aks-pod-subnet:hub:",
                    "    vnetId: /subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub" +
                        "/providers/Microsoft.Network/virtualNetworks/vnet-hub",
                    '    addressSpace: ["10.40.0.0/16", "10.41.0.0/16"]',
                    '  aks-pod-subnet:kubernetesVersion: "1.37"',
                    "  aks-pod-subnet:nodePools:",
                    "    - { name: system, mode: System, count: 2, maxPods: 50, vmSize: Standard_D4s_v5 }",
                    "    - { name: batch, mode: User, minCount: 1, maxCount: 3, maxPods: 50, podSubnetCidr: " +
                        "100.65.0.0/22, vmSize: Standard_D4s_v5 }",
                    "",
                ].join("\n"),
            );
            // A relative --config resolves against INIT_CWD (where `npm run` was started), not the package root.
            const run = await runLabProcess(["--config", "Pulumi.labcheck.yaml"], { env: { INIT_CWD: dir } });
            assert.equal(run.status, 0, run.stdout);
            assert.equal(lastLine(run.stdout), "lab: 9 passed, 0 failed", run.stdout);
            const rows = run.stdout.split("\n").filter((line) => /^\d+ \| /.test(line));
            const flow = (pattern: RegExp) =>
                rows.find((line) => pattern.test(line)) ?? assert.fail(`no row ${pattern}\n${run.stdout}`);
            assert.match(flow(/pods-batch 100\.65\.0\.0\/22 → VNet host/), /100\.65\.0\.6 \(pod IP\).*PASS$/);
            assert.match(flow(/→ hub 10\.40\.0\.0\/16/), /10\.42\.8\.4 \(node IP\) +\| 10\.42\.8\.4 \(reply ok.*PASS$/);
            assert.match(
                flow(/→ hub 10\.41\.0\.0\/16/),
                /100\.6[45]\.0\.6 \(pod IP\) +\| 100\.6[45]\.0\.6 \(reply ok.*PASS$/,
            );
            assert.match(flow(/agent's rules removed/), /timeout after 3 s .*PASS$/);
            assert.equal(
                (run.stdout.match(/-A POD-SUBNET-MASQ .* -j MASQUERADE/g) ?? []).length,
                1,
                "the rules are printed once",
            );
            assert.match(run.stdout, /cleanup: removed 12 namespaces .*none left; root namespace links unchanged/);
        },
    );
});

/**
 * One command inside a network namespace: its exit status and output (no shell: argv elements go through as they are).
 */
function inNamespace(
    ns: string,
    command: string,
    args: readonly string[],
    input?: string,
): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync("ip", ["netns", "exec", ns, command, ...args], {
        input,
        encoding: "utf8",
        timeout: 10_000,
    });
    return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/**
 * The project's reading of iptables and of the agent, checked against the real tools: as the lab does, these tests
 * need root (they run only in network namespaces they create, and delete them) and skip otherwise. Both iptables
 * backends are tried when installed (`iptables-nft`, `iptables-legacy`), each in its own namespaces.
 */
describe("lab: the real iptables, in throwaway network namespaces (root only)", function () {
    const CHAIN = defaults.ipMasqAgent.chain;
    let lab: Lab | undefined;
    let backends: string[] = [];

    before(function () {
        const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
        backends = ["iptables-nft", "iptables-legacy"].filter(
            (command) => hasCommand(command) && hasCommand(`${command}-restore`) && hasCommand(`${command}-save`),
        );
        // Without root, or without iptables and iproute2 (the lab's requirements; .ci/run installs them), skip.
        if (!isRoot || !hasCommand("ip") || !hasCommand("sysctl") || backends.length === 0) this.skip();
        lab = new Lab();
    });

    after(() => {
        if (!lab) return;
        const { left } = lab.cleanup();
        assert.deepEqual(left, [], "every namespace these tests created is gone");
    });

    const namespace = (role: string) => lab!.addNamespace(role);

    it("refuses `-N` for every name of the project's target list, and the project refuses them too", async () => {
        const targets = [...IPTABLES_STANDARD_TARGETS, ...IPTABLES_TARGET_EXTENSIONS];
        for (const iptables of backends) {
            const ns = await namespace(`targets-${iptables.slice(9)}`);
            const accepted: string[] = [];
            for (const name of targets) {
                const result = inNamespace(ns, iptables, ["-t", "nat", "-N", name]);
                if (result.status === 2 && result.stderr.includes("chain name may not clash with target name"))
                    continue;
                accepted.push(`${name} (exit ${result.status}: ${result.stderr.trim()})`);
                if (result.status === 0) inNamespace(ns, iptables, ["-t", "nat", "-X", name]);
            }
            assert.deepEqual(accepted, [], `${iptables} did not refuse these names of the project's target list`);
        }
        for (const name of targets)
            assert.match(chainConflict(name) ?? "", /is an iptables target.*crash-loop on every node/, name);
    });

    it(
        "accepts the project's default chain, 28 characters, and the target names in another case " +
            "(the check is case-sensitive)",
        async () => {
            const otherCase = [...IPTABLES_STANDARD_TARGETS, ...IPTABLES_TARGET_EXTENSIONS].flatMap((name) =>
                [name.toLowerCase(), name[0].toUpperCase() + name.slice(1).toLowerCase()].filter(
                    (variant) => variant !== name,
                ),
            );
            const names = [CHAIN, "A".repeat(28), ...new Set(otherCase)];
            for (const iptables of backends) {
                const ns = await namespace(`accepted-${iptables.slice(9)}`);
                const refused: string[] = [];
                for (const name of names) {
                    const result = inNamespace(ns, iptables, ["-t", "nat", "-N", name]);
                    if (result.status === 0) inNamespace(ns, iptables, ["-t", "nat", "-X", name]);
                    else refused.push(`${name} (exit ${result.status}: ${result.stderr.trim()})`);
                }
                assert.deepEqual(refused, [], `${iptables} refused names it should accept`);
                const tooLong = inNamespace(ns, iptables, ["-t", "nat", "-N", "A".repeat(29)]);
                assert.equal(tooLong.status, 2, `${iptables} -N with 29 characters: ${tooLong.stderr}`);
            }
            for (const name of names) assert.equal(chainConflict(name), undefined, name);
        },
    );

    it(
        "the nat table's built-in chains: `-N` exits 1 (the agent adopts them), " +
            "and the agent's POSTROUTING jump into one fails",
        async () => {
            for (const iptables of backends) {
                const ns = await namespace(`builtin-${iptables.slice(9)}`);
                for (const name of NAT_BUILT_IN_CHAINS) {
                    assert.equal(
                        inNamespace(ns, iptables, ["-w", "5", "-N", name, "-t", "nat"]).status,
                        1,
                        `${iptables} -N ${name}`,
                    );
                    const jump = inNamespace(ns, iptables, [
                        "-w",
                        "5",
                        "-A",
                        "POSTROUTING",
                        "-t",
                        "nat",
                        ...postroutingJumpArgs(name),
                    ]);
                    assert.notEqual(jump.status, 0, `${iptables}: the jump into ${name} was accepted`);
                    assert.match(
                        chainConflict(name) ?? "",
                        /built-in chain of the nat table.*crash-loop on every node/,
                    );
                }
            }
        },
    );

    it(
        "the lab's rules are the agent's: its own `-C` finds the lab's jump, " + "and `-S` shows the comment's quotes",
        async () => {
            const rules = renderAgentRules(config(), CHAIN);
            const jump =
                `-A POSTROUTING -m comment --comment "\\"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL ` +
                `destination traffic to our custom ${CHAIN} chain\\"" -m addrtype ! --dst-type LOCAL -j ${CHAIN}`;
            for (const iptables of backends) {
                const ns = await namespace(`check-${iptables.slice(9)}`);
                // Control: with the chain but no jump (the agent's state after EnsureChain) the check finds nothing
                // (exit 1), so a pass below means a match.
                assert.equal(inNamespace(ns, iptables, ["-t", "nat", "-N", CHAIN]).status, 0);
                assert.equal(
                    inNamespace(ns, iptables, agentJumpCheckArgv(CHAIN)).status,
                    1,
                    `${iptables}: -C without a jump`,
                );
                const restore = inNamespace(ns, `${iptables}-restore`, ["--noflush"], rules);
                assert.equal(restore.status, 0, restore.stderr);
                const check = inNamespace(ns, iptables, agentJumpCheckArgv(CHAIN));
                assert.equal(
                    check.status,
                    0,
                    `${iptables}: the agent's -C does not find the lab's jump: ${check.stderr}`,
                );
                // The quotes matter: the comment without them is another rule.
                const unquoted = agentJumpCheckArgv(CHAIN).map((arg) =>
                    arg === postroutingJumpComment(CHAIN) ? arg.slice(1, -1) : arg,
                );
                assert.equal(
                    inNamespace(ns, iptables, unquoted).status,
                    1,
                    `${iptables}: -C without the quote characters matched`,
                );
                const postrouting = inNamespace(ns, iptables, ["-t", "nat", "-S", "POSTROUTING"]).stdout.split("\n");
                assert.deepEqual(
                    postrouting.filter((line) => line.startsWith("-A ")),
                    [jump],
                );
                const chain = inNamespace(ns, iptables, ["-t", "nat", "-S", CHAIN]).stdout.split("\n").filter(Boolean);
                assert.deepEqual(chain, [
                    `-N ${CHAIN}`,
                    `-A ${CHAIN} -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: ` +
                        `local traffic is not subject to MASQUERADE" -j RETURN`,
                    `-A ${CHAIN} -d 10.42.8.0/27 -m comment --comment "ip-masq-agent: ` +
                        `local traffic is not subject to MASQUERADE" -j RETURN`,
                    `-A ${CHAIN} -d 100.64.0.0/20 -m comment --comment "ip-masq-agent: ` +
                        `local traffic is not subject to MASQUERADE" -j RETURN`,
                    `-A ${CHAIN} -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE ` +
                        `(must be last in chain)" -j MASQUERADE`,
                ]);
            }
        },
    );

    it(
        "a replay of the agent's own commands leaves the same nat table as the lab, " +
            "and a second resync adds nothing",
        async () => {
            const save = (ns: string, iptables: string) =>
                inNamespace(ns, `${iptables}-save`, ["-t", "nat"])
                    .stdout.split("\n")
                    .filter((line) => line !== "" && !line.startsWith("#"));
            for (const iptables of backends) {
                const labNs = await namespace(`labtable-${iptables.slice(9)}`);
                assert.equal(
                    inNamespace(labNs, `${iptables}-restore`, ["--noflush"], renderAgentRules(config(), CHAIN)).status,
                    0,
                );

                const agentNs = await namespace(`agenttable-${iptables.slice(9)}`);
                const resync = (first: boolean) => {
                    // syncMasqRules: EnsureChain, EnsureRule (-C, then -A when nothing matched), RestoreAll --noflush.
                    assert.equal(
                        inNamespace(agentNs, iptables, ["-w", "5", "-W", "100000", "-N", CHAIN, "-t", "nat"]).status,
                        first ? 0 : 1,
                    );
                    const check = inNamespace(agentNs, iptables, agentJumpCheckArgv(CHAIN)).status;
                    assert.equal(
                        check,
                        first ? 1 : 0,
                        first ? "no jump before the first resync" : "the second resync finds its jump",
                    );
                    if (check === 1) {
                        const append = [
                            "-w",
                            "5",
                            "-W",
                            "100000",
                            "-A",
                            "POSTROUTING",
                            "-t",
                            "nat",
                            ...postroutingJumpArgs(CHAIN),
                        ];
                        assert.equal(inNamespace(agentNs, iptables, append).status, 0);
                    }
                    assert.equal(
                        inNamespace(
                            agentNs,
                            `${iptables}-restore`,
                            ["-w", "5", "--noflush"],
                            renderAgentChain(config(), CHAIN),
                        ).status,
                        0,
                    );
                };
                resync(true);
                assert.deepEqual(
                    save(agentNs, iptables),
                    save(labNs, iptables),
                    `${iptables}: the agent's table and the lab's differ`,
                );
                resync(false);
                assert.deepEqual(
                    save(agentNs, iptables),
                    save(labNs, iptables),
                    `${iptables}: a second resync changed the agent's table`,
                );
            }
        },
    );
});
