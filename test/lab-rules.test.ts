import { strict as assert } from "assert";
import { ProblemList } from "../components/errors";
import { agentManifests } from "../components/ipmasq/manifests";
import { resolveAgentSettings } from "../components/ipmasq/settings";
import { LabPlanError, inAny, labAddresses, LabPlanInput } from "../lab/addresses";
import {
    AgentConfigError,
    deployedAgent,
    effectiveAgentConfig,
    masqChainOf,
    MasqConfig,
    parseAgentConfigFile,
    renderAgentRules,
} from "../lab/rules";

function config(overrides: Partial<MasqConfig> = {}): MasqConfig {
    return { nonMasqueradeCIDRs: ["10.42.8.0/27", "100.64.0.0/20"], masqLinkLocal: false, masqLinkLocalIPv6: false, ...overrides };
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
                '-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom POD-SUBNET-MASQ chain" -m addrtype ! --dst-type LOCAL -j POD-SUBNET-MASQ',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -d 169.254.0.0/16 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -d 10.42.8.0/27 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -d 100.64.0.0/20 -j RETURN',
                '-A POD-SUBNET-MASQ -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE',
                "COMMIT",
                "",
            ].join("\n"),
        );
    });

    it("exempts link-local exactly when masqLinkLocal is false", () => {
        const linkLocal = (text: string) => ruleLines(text).filter((line) => line.includes("-d 169.254.0.0/16 -j RETURN")).length;
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
        const jumps = ruleLines(renderAgentRules(config(), "MY-CHAIN")).filter((line) => line.startsWith("-A POSTROUTING "));
        assert.equal(jumps.length, 1);
        assert.match(jumps[0], /-m addrtype ! --dst-type LOCAL -j MY-CHAIN$/);
    });

    it("masquerades everything but link-local for an empty list (trap 3)", () => {
        const lines = ruleLines(renderAgentRules(config({ nonMasqueradeCIDRs: [] }), "C")).filter((line) => line.startsWith("-A C "));
        assert.equal(lines.length, 2);
    });

    it("leaves IPv6 CIDRs out of the IPv4 table", () => {
        const text = renderAgentRules(config({ nonMasqueradeCIDRs: ["10.0.0.0/8", "fd00::/8"] }), "C");
        assert.ok(!text.includes("fd00::/8"));
    });

    it("rejects chain names iptables would refuse", () => {
        assert.throws(() => renderAgentRules(config(), "A".repeat(29)), AgentConfigError);
        assert.throws(() => renderAgentRules(config(), 'BAD" CHAIN'), AgentConfigError);
    });
});

describe("lab: the agent's config, read as the agent reads it", () => {
    it("parses YAML and JSON, ignores unknown keys, matches keys case-insensitively", () => {
        assert.deepEqual(parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [10.0.0.0/8]\nmasqLinkLocal: true\nresyncInterval: 60s\n"), {
            nonMasqueradeCIDRs: ["10.0.0.0/8"],
            masqLinkLocal: true,
            masqLinkLocalIPv6: false,
        });
        assert.deepEqual(parseAgentConfigFile("ip-masq", '{"NonMasqueradeCidrs": ["10.0.0.0/8"]}').nonMasqueradeCIDRs, ["10.0.0.0/8"]);
        assert.deepEqual(parseAgentConfigFile("ip-masq", "").nonMasqueradeCIDRs, []);
    });

    it("fails where the agent would exit", () => {
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [10.1.2.3/16]"), /not aligned/);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [fd00::/8]"), /IPv6/);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: 10.0.0.0/8"), AgentConfigError);
        assert.throws(() => parseAgentConfigFile("ip-masq", "masqLinkLocal: yes-please"), AgentConfigError);
        assert.throws(() => parseAgentConfigFile("ip-masq", "nonMasqueradeCIDRs: [\n"), /not valid YAML/);
        const many = Array.from({ length: 65 }, (_, i) => `10.${i}.0.0/16`);
        assert.throws(() => parseAgentConfigFile("ip-masq", JSON.stringify({ nonMasqueradeCIDRs: many })), /at most 64/);
    });

    it("reads only files named ip-masq*, merges them, and falls back to RFC 1918 without one (trap 2)", () => {
        const merged = effectiveAgentConfig([
            { name: "ip-masq-a", text: "nonMasqueradeCIDRs: [10.0.0.0/8, 100.64.0.0/10]" },
            { name: "ip-masq-b", text: "nonMasqueradeCIDRs: [10.0.0.0/8]\nmasqLinkLocal: true" },
            { name: "other", text: "nonMasqueradeCIDRs: [192.168.0.0/16]" },
        ]);
        assert.deepEqual(merged, {
            config: { nonMasqueradeCIDRs: ["10.0.0.0/8", "100.64.0.0/10"], masqLinkLocal: true, masqLinkLocalIPv6: false },
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
        podSubnets: [{ cidr: "100.64.0.0/20" }],
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        ipMasqAgent: { nonMasqueradeCIDRs: ["10.42.8.0/27", "10.250.0.0/24", "100.64.0.0/20", "100.96.0.0/16"], extraNonMasqueradeCidrs: ["10.250.0.0/24"] },
    };

    it("places every host where the design says", () => {
        const a = labAddresses(dev);
        assert.deepEqual(
            { pod: a.pod, nodePodSide: a.nodePodSide, node: a.node, vnetHost: a.vnetHost, gateway: a.gateway, corporate: a.corporate, extra: a.extra },
            {
                pod: "100.64.0.6",
                nodePodSide: "100.64.0.5",
                node: "10.42.8.4",
                vnetHost: "10.42.8.5",
                gateway: "10.42.8.6",
                corporate: { address: "10.0.0.1", within: "10.0.0.0/8" },
                extra: { address: "10.250.0.1", within: "10.250.0.0/24" },
            },
        );
    });

    it("finds a corporate address around the never-masqueraded ranges", () => {
        // 10.42.8.0/24 minus the node subnet 10.42.8.0/27: the first free block starts at .32.
        const plan = { ...dev, connectedCidrs: ["10.42.8.0/24"] };
        const a = labAddresses(plan);
        assert.deepEqual(a.corporate, { address: "10.42.8.33", within: "10.42.8.0/24" });
        assert.ok(!inAny(a.corporate.address, plan.ipMasqAgent.nonMasqueradeCIDRs));
    });

    it("has no extra host without extraNonMasqueradeCidrs, and refuses a plan with nothing to masquerade", () => {
        assert.equal(labAddresses({ ...dev, ipMasqAgent: { nonMasqueradeCIDRs: dev.ipMasqAgent.nonMasqueradeCIDRs } }).extra, undefined);
        assert.throws(() => labAddresses({ ...dev, connectedCidrs: ["10.42.8.0/27"] }), LabPlanError);
    });
});
