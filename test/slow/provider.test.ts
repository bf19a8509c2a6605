import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../program/configKeys";
import { OUTBOUND_TYPES } from "../../src";
import { AzureMocks, mockKubeconfig } from "../../src/plan/mocks";
import { PlannedResource, runProgram } from "../../src/plan/runProgram";
import { componentProvider, PACKAGE_NAME } from "../../src/provider/provider";

/*
 * The components other Pulumi languages get (src/provider): the schema the component analyzer derives from their
 * TypeScript (slow: the analyzer type-checks the library with the Azure SDK, about 10 s), construction through the
 * provider with JSON-like inputs as the engine hands them over, and the YAML example against the schema.
 */

const ROOT = path.join(__dirname, "..", "..");

/** The parts of a Pulumi package schema read here. */
interface Property {
    type?: string;
    $ref?: string;
    items?: Property;
    additionalProperties?: Property;
    plain?: boolean;
    description?: string;
}
interface ObjectType {
    type: string;
    properties: Record<string, Property>;
    required: string[];
}
interface Resource {
    isComponent: boolean;
    description?: string;
    inputProperties: Record<string, Property>;
    requiredInputs: string[];
    properties: Record<string, Property>;
    required: string[];
}
interface Schema {
    name: string;
    version: string;
    resources: Record<string, Resource>;
    types: Record<string, ObjectType>;
}

const token = (name: string) => `${PACKAGE_NAME}:index:${name}`;

/** A property's type in short: `string`, `number[]`, `{string}` (a map), or an object type's name. */
function typeOf(p: Property): string {
    if (p.$ref) return p.$ref.replace(`#/types/${token("")}`, "");
    if (p.type === "array") return `${typeOf(p.items!)}[]`;
    if (p.type === "object" && p.additionalProperties) return `{${typeOf(p.additionalProperties)}}`;
    return p.type!;
}

/** Expected properties: name → short type, `!` at the end when required. */
type Expected = Record<string, string>;

const AGENT_SETTINGS: Expected = {
    image: "string",
    chain: "string",
    resyncInterval: "number",
    name: "string",
    namespace: "string",
    enabled: "boolean",
    cleanup: "boolean",
    cleanupImage: "string",
};

const COMPONENTS: Record<string, { inputs: Expected; inputArgs: string[]; outputs: Expected }> = {
    PodSubnetCluster: {
        inputs: {
            resourceGroupName: "string!",
            location: "string",
            nodeSubnetCidr: "string!",
            podSubnetCidr: "string!",
            vnetAddressSpace: "string[]",
            serviceCidr: "string!",
            dnsServiceIP: "string",
            connectedCidrs: "string[]",
            extraNonMasqueradeCidrs: "string[]",
            hub: "Hub",
            virtualNodeSubnetCidr: "string",
            nodeSubnetExtraAddresses: "number",
            nodePools: "NodePool[]!",
            vnetName: "string",
            outboundType: "string",
            egressNextHopIp: "string",
            natGatewayIdleTimeoutMinutes: "number",
            clusterName: "string",
            kubernetesVersion: "string",
            nodeResourceGroup: "string",
            privateCluster: "boolean",
            privateDnsZone: "string",
            authorizedIpRanges: "string[]",
            entraId: "boolean",
            adminGroupObjectIds: "string[]",
            kubeloginMode: "string",
            rbacPropagationSeconds: "number",
            autoUpgradeChannel: "string",
            nodeOsUpgradeChannel: "string",
            maintenanceWindow: "MaintenanceWindow",
            tier: "string",
            networkPolicy: "string",
            tags: "{string}",
            protect: "boolean",
            ipMasqAgent: "IpMasqAgentSettings",
            allowUnknownAzureValues: "boolean",
        },
        // Inputs (may come from other resources, unknown at preview); every other input is plain.
        inputArgs: ["resourceGroupName", "location"],
        outputs: {
            clusterName: "string!",
            clusterId: "string!",
            kubeconfig: "string!",
            vnetId: "string!",
            nodeSubnetId: "string!",
            podSubnetIds: "{string}!",
            nonMasqueradeCIDRs: "string[]!",
            subnets: "PlannedSubnet[]!",
            egressPublicIpAddress: "string",
        },
    },
    IpMasqAgentDeployment: {
        inputs: { kubeconfig: "string!", nonMasqueradeCIDRs: "string[]!", ...AGENT_SETTINGS },
        inputArgs: ["kubeconfig"],
        outputs: {
            daemonSetName: "string",
            configMapName: "string",
            cleanupDaemonSetName: "string",
            agentConfig: "string",
        },
    },
};

const TYPES: Record<string, Expected> = {
    NodePool: {
        name: "string!",
        mode: "string",
        count: "number",
        minCount: "number",
        maxCount: "number",
        maxPods: "number",
        maxSurge: "string",
        podIPAllocationMode: "string",
        podSubnetCidr: "string",
        vmSize: "string",
        osSku: "string",
        availabilityZones: "string[]",
        nodeLabels: "{string}",
        nodeTaints: "string[]",
    },
    Hub: {
        vnetId: "string!",
        addressSpace: "string[]!",
        spokeAddressSpaces: "string[]",
        useRemoteGateways: "boolean",
        peerBack: "boolean",
    },
    MaintenanceWindow: {
        dayOfWeek: "string!",
        startTime: "string!",
        durationHours: "number!",
        utcOffset: "string",
    },
    IpMasqAgentSettings: AGENT_SETTINGS,
    PlannedSubnet: {
        name: "string!",
        role: "string!",
        cidr: "string!",
        allocatable: "number!",
        needed: "number!",
        headroom: "number!",
        pools: "string[]!",
    },
};

/** The properties as `name → short type` (with `!` when required), for comparison with an Expected table. */
function actual(properties: Record<string, Property>, required: string[]): Expected {
    return Object.fromEntries(
        Object.entries(properties).map(([name, p]) => [name, `${typeOf(p)}${required.includes(name) ? "!" : ""}`]),
    );
}

function assertDescribed(properties: Record<string, Property>, where: string): void {
    for (const [name, p] of Object.entries(properties)) {
        assert.ok((p.description ?? "").trim().length > 10, `${where}.${name} has no description`);
        assert.ok(!p.description!.includes("{@"), `${where}.${name}: JSDoc tags do not render in other languages`);
    }
}

describe("provider: every Pulumi language can use the components", function () {
    let provider: ComponentProvider;
    let schema: Schema;

    before(async function () {
        this.timeout(120_000);
        provider = componentProvider();
        schema = JSON.parse(await provider.getSchema()) as Schema;
    });

    describe("the package schema", () => {
        it("names the package after the library, at the library's version", () => {
            const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
            assert.equal(schema.name, PACKAGE_NAME, "package name");
            assert.equal(schema.version, root.version, "the plugin's version is the library's");
        });

        it("names PodSubnetCluster's settings as the stack's config keys, with the same kinds of value", () => {
            // The stack's keys are declared once (program/configKeys.ts); the component's inputs are its own TypeScript
            // interface (the analyzer reads source), so this keeps the two vocabularies from drifting apart.
            const kinds: Record<string, (p: Property) => boolean> = {
                string: (p) => p.type === "string",
                integer: (p) => p.type === "number" || p.type === "integer",
                boolean: (p) => p.type === "boolean",
                list: (p) => p.type === "array",
                object: (p) => p.type === "object" || p.$ref !== undefined,
            };
            const inputs = schema.resources[token("PodSubnetCluster")].inputProperties;
            const shared = Object.keys(CONFIG_KEYS).filter((key) => key in inputs);
            assert.ok(shared.length >= 25, `only ${shared.length} config keys are inputs: ${shared.join(", ")}`);
            const mismatched = shared.filter(
                (key) => !kinds[CONFIG_KEYS[key as keyof typeof CONFIG_KEYS].type](inputs[key]),
            );
            assert.deepEqual(mismatched, [], "inputs whose kind differs from the config key's");
        });

        it("has exactly the two components, each described", () => {
            assert.deepEqual(
                Object.keys(schema.resources).sort(),
                Object.keys(COMPONENTS).map(token).sort(),
                "components in the schema",
            );
            for (const [t, r] of Object.entries(schema.resources)) {
                assert.ok(r.isComponent, `${t} is a component`);
                assert.ok((r.description ?? "").length > 40, `${t} has a description`);
            }
        });

        for (const [name, expected] of Object.entries(COMPONENTS)) {
            it(`${name}: every input with its type, required-ness, plainness and description`, () => {
                const r = schema.resources[token(name)];
                assert.deepEqual(actual(r.inputProperties, r.requiredInputs), expected.inputs, `${name} inputs`);
                assertDescribed(r.inputProperties, `${name} input`);
                // Plain: the SDKs ask for a value known when the program runs (the address plan needs it).
                for (const [input, p] of Object.entries(r.inputProperties)) {
                    const plain = !expected.inputArgs.includes(input);
                    assert.equal(p.plain === true, plain, `${name}.${input} is ${plain ? "plain" : "an Input"}`);
                }
            });

            it(`${name}: every output with its type, required-ness and description`, () => {
                const r = schema.resources[token(name)];
                assert.deepEqual(actual(r.properties, r.required), expected.outputs, `${name} outputs`);
                assertDescribed(r.properties, `${name} output`);
            });
        }

        it("has every object type with its properties, types, required-ness and descriptions", () => {
            assert.deepEqual(Object.keys(schema.types).sort(), Object.keys(TYPES).map(token).sort(), "object types");
            for (const [name, expected] of Object.entries(TYPES)) {
                const t = schema.types[token(name)];
                assert.equal(t.type, "object", `${name} is an object type`);
                assert.deepEqual(actual(t.properties, t.required), expected, `${name} properties`);
                assertDescribed(t.properties, name);
            }
        });

        it("describes every choice of a fixed-choice string (the library's own list)", () => {
            const outbound = schema.resources[token("PodSubnetCluster")].inputProperties.outboundType.description!;
            for (const type of OUTBOUND_TYPES) assert.ok(outbound.includes(type), `outboundType mentions ${type}`);
        });

        it("is what `npm run -s schema` prints, as pure JSON", function () {
            this.timeout(120_000);
            const run = spawnSync("npm", ["run", "-s", "schema"], { cwd: ROOT, encoding: "utf8" });
            assert.equal(run.status, 0, `npm run -s schema failed: ${run.stderr}`);
            assert.deepEqual(JSON.parse(run.stdout), schema, "the script prints the provider's schema");
        });
    });

    /**
     * An Output's value, or `pulumi.unknown` where it is unknown at preview (apply never runs then). Internal to
     * @pulumi/pulumi 3.248 (`promise(withUnknowns)`), as the engine's own serialization reads Outputs.
     */
    const valueOf = (o: pulumi.Output<unknown>) =>
        (o as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);

    /** Constructs `component` through the provider (as the engine does for another language) under the mocks. */
    async function construct(component: string, inputs: Record<string, unknown>, preview = false, mocks?: AzureMocks) {
        let state: Record<string, unknown> = {};
        const secrets: string[] = [];
        const run = await runProgram({
            project: "platform",
            stack: "provider",
            config: {},
            preview,
            mocks,
            program: async () => {
                const result = await provider.construct("prod", token(component), inputs, {});
                for (const [key, value] of Object.entries(result.state)) {
                    if (!pulumi.Output.isInstance(value)) {
                        state[key] = value;
                        continue;
                    }
                    state[key] = await valueOf(value);
                    if (await pulumi.isSecret(value)) secrets.push(key);
                }
                return {};
            },
        });
        state = Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined));
        return { resources: run.resources, state, secrets };
    }

    const byName = (resources: PlannedResource[], name: string) => {
        const found = resources.find((r) => r.name === name);
        assert.ok(found, `no resource named ${name}; got ${resources.map((r) => r.name).join(", ")}`);
        return found;
    };

    /** The problems of a component's error: its property paths (`errors`) and its message lines. */
    function problemsOf(error: unknown): { keys: string[]; lines: string[] } {
        assert.ok(pulumi.InputPropertiesError.isInstance(error), `expected an InputPropertiesError, got ${error}`);
        assert.ok(pulumi.ResourceError.isInstance(error), "shown on the component, without a stack trace");
        const lines = error.message.split("\n").filter((line) => line.startsWith("  - "));
        assert.equal(lines.length, error.errors.length, "one message line per property error");
        return { keys: error.errors.map((e) => e.propertyPath), lines };
    }

    async function constructionError(
        component: string,
        inputs: Record<string, unknown>,
        preview = false,
        mocks?: AzureMocks,
    ) {
        try {
            await construct(component, inputs, preview, mocks);
        } catch (error) {
            return error;
        }
        assert.fail(`${component} accepted invalid inputs`);
    }

    // As a Python, Go, C# or YAML program sends them: plain JSON values (numbers, lists, maps), and the resource
    // group's name as an Output, as the engine passes a value that depends on another resource.
    const CLUSTER_INPUTS = () => ({
        resourceGroupName: pulumi.output("rg-platform"),
        location: "westeurope",
        nodeSubnetCidr: "10.42.8.0/27",
        podSubnetCidr: "100.64.0.0/20",
        serviceCidr: "172.16.0.0/16",
        connectedCidrs: ["10.0.0.0/8"],
        nodePools: [
            { name: "system", mode: "System", count: 3, availabilityZones: ["1", "2", "3"] },
            { name: "apps", minCount: 2, maxCount: 6, maxSurge: "1", nodeLabels: { workload: "apps" } },
        ],
        clusterName: "aks-platform",
        tags: { costCenter: "1234" },
        ipMasqAgent: { resyncInterval: 30 },
    });

    describe("PodSubnetCluster through the provider", () => {
        it("builds Network → Cluster → IpMasqAgent from plain settings and returns the schema's outputs", async () => {
            const { resources, state, secrets } = await construct("PodSubnetCluster", CLUSTER_INPUTS());

            const component = byName(resources, "prod");
            assert.equal(component.type, token("PodSubnetCluster"), "the component's type is its schema token");
            for (const [name, type] of [
                ["prod-network", "aks-pod-subnet:index:Network"],
                ["prod-cluster", "aks-pod-subnet:index:Cluster"],
                ["prod-ip-masq-agent", "aks-pod-subnet:index:IpMasqAgent"],
            ]) {
                const r = byName(resources, name);
                assert.equal(r.type, type, `${name} is the library's ${type}`);
                assert.equal(r.parent, "prod", `${name} is a child of the component`);
            }

            const vnet = byName(resources, "prod-network-vnet");
            assert.deepEqual(
                vnet.inputs.addressSpace.addressPrefixes,
                ["10.42.8.0/27", "100.64.0.0/20"],
                "VNet: exactly the subnets",
            );
            assert.equal(vnet.inputs.resourceGroupName, "rg-platform", "the Output input reached the VNet");
            assert.deepEqual(vnet.inputs.tags, { costCenter: "1234" }, "tags on the VNet");
            const aks = byName(resources, "prod-cluster-aks");
            assert.equal(aks.inputs.resourceName, "aks-platform", "cluster name");
            assert.equal(aks.inputs.networkProfile.serviceCidr, "172.16.0.0/16", "service CIDR");
            const systemPool = aks.inputs.agentPoolProfiles[0];
            assert.equal(systemPool.name, "system", "the System pool is inline");
            assert.equal(systemPool.count, 3, "a JSON number became the pool's count");
            const apps = byName(resources, "prod-cluster-pool-apps");
            assert.equal(apps.inputs.maxCount, 6, "the User pool is an AgentPool with its autoscaler bounds");
            assert.deepEqual(apps.inputs.nodeLabels, { workload: "apps" }, "a JSON map became the pool's labels");

            const daemonSet = byName(resources, "prod-ip-masq-agent-daemonset");
            assert.equal(daemonSet.parent, "prod-ip-masq-agent", "the agent's DaemonSet");
            assert.ok(daemonSet.provider?.includes("prod-cluster-k8s"), "deployed with the cluster's provider");
            const config = byName(resources, "prod-ip-masq-agent-config");
            const agentConfig = parse(Object.values(config.inputs.data as Record<string, string>)[0]);
            assert.deepEqual(
                agentConfig.nonMasqueradeCIDRs,
                ["10.42.8.0/27", "100.64.0.0/20", "172.16.0.0/16"],
                "the agent keeps pod IPs inside the VNet and to services only",
            );
            assert.ok(
                JSON.stringify(daemonSet.inputs).includes("--resync-interval=30"),
                "the nested agent settings reached the DaemonSet",
            );

            const outputs = schema.resources[token("PodSubnetCluster")].properties;
            assert.deepEqual(
                Object.keys(state).sort(),
                Object.keys(outputs)
                    .filter((o) => o !== "egressPublicIpAddress")
                    .sort(),
                "every output of the schema but the NAT gateway's IP (loadBalancer egress) has a value",
            );
            assert.equal(state.clusterName, "aks-platform", "clusterName output");
            assert.ok(String(state.kubeconfig).includes("aks-platform"), "kubeconfig output");
            assert.ok(secrets.includes("kubeconfig"), "the kubeconfig output is secret");
            assert.deepEqual(Object.keys(state.podSubnetIds as object), ["pods"], "pod subnet IDs by name");
            assert.deepEqual(state.nonMasqueradeCIDRs, agentConfig.nonMasqueradeCIDRs, "nonMasqueradeCIDRs output");
            const subnets = state.subnets as { name: string; role: string; cidr: string; headroom: number }[];
            assert.deepEqual(
                subnets.map((s) => [s.name, s.role, s.cidr]),
                [
                    ["nodes", "nodes", "10.42.8.0/27"],
                    ["pods", "pods", "100.64.0.0/20"],
                ],
                "subnets output: the address plan",
            );
            assert.ok(
                subnets.every((s) => s.headroom >= 0),
                "the plan fits",
            );
        });

        it("constructs at preview with the resource group unknown", async () => {
            const unknownOutput = pulumi.output(pulumi.unknown) as pulumi.Output<string>;
            const { resources, state } = await construct(
                "PodSubnetCluster",
                { ...CLUSTER_INPUTS(), resourceGroupName: unknownOutput, location: unknownOutput },
                /* preview */ true,
            );
            assert.ok(
                resources.some((r) => r.name === "prod-cluster-aks"),
                "the cluster is planned",
            );
            assert.deepEqual(
                state.nonMasqueradeCIDRs,
                ["10.42.8.0/27", "100.64.0.0/20", "172.16.0.0/16"],
                "the plan is known at preview",
            );
        });

        it("reports plain settings unknown at preview, or Outputs, as problems instead of crashing", async () => {
            const inputs = CLUSTER_INPUTS();
            const error = await constructionError(
                "PodSubnetCluster",
                {
                    ...inputs,
                    nodeSubnetCidr: pulumi.unknown,
                    nodePools: [{ ...inputs.nodePools[0], vmSize: pulumi.unknown }, inputs.nodePools[1]],
                    tags: pulumi.secret({ costCenter: "1234" }),
                },
                /* preview */ true,
            );
            const { keys, lines } = problemsOf(error);
            assert.deepEqual(keys, ["nodeSubnetCidr", "nodePools[0].vmSize", "tags"], "each unreadable value");
            assert.ok(lines[0].includes("unknown until another resource is created"), lines[0]);
            assert.ok(lines[2].includes("arrived as an Output"), lines[2]);
        });

        it("raises one error listing every problem of the network, the cluster and the agent", async () => {
            const inputs = CLUSTER_INPUTS();
            const error = await constructionError("PodSubnetCluster", {
                ...inputs,
                nodeSubnetCidr: "10.42.8.0/33",
                nodePools: [{ ...inputs.nodePools[0], maxPods: 5, vmSize: "D4s" }, inputs.nodePools[1]],
                tier: "Gold",
                maintenanceWindow: { dayOfWeek: "Someday", startTime: "2am", durationHours: 2 },
                ipMasqAgent: { chain: "KUBE-POSTROUTING", resyncInterval: 0 },
            });
            const { keys } = problemsOf(error);
            for (const key of [
                "nodeSubnetCidr",
                "nodePools[0].maxPods",
                "nodePools[0].vmSize",
                "tier",
                "maintenanceWindow.dayOfWeek",
                "maintenanceWindow.startTime",
                "maintenanceWindow.durationHours",
                "ipMasqAgent.chain",
                "ipMasqAgent.resyncInterval",
            ]) {
                assert.ok(keys.includes(key), `${key} is among the problems: ${keys.join(", ")}`);
            }
            assert.ok(!keys.includes("network"), "no complaint about the network beyond its own problems");
        });
    });

    describe("IpMasqAgentDeployment through the provider", () => {
        it("deploys the agent with a Kubernetes provider made from the kubeconfig", async () => {
            const { resources, state } = await construct("IpMasqAgentDeployment", {
                kubeconfig: pulumi.secret(mockKubeconfig("other-cluster")),
                nonMasqueradeCIDRs: ["10.1.0.0/16", "172.16.0.0/16"],
                chain: "OTHER-MASQ",
            });
            const k8s = byName(resources, "prod-k8s");
            assert.equal(k8s.type, "pulumi:providers:kubernetes", "a Kubernetes provider");
            assert.ok(JSON.stringify(k8s.inputs.kubeconfig).includes("other-cluster"), "for the given kubeconfig");
            const daemonSet = byName(resources, "prod-agent-daemonset");
            assert.ok(daemonSet.provider?.includes("prod-k8s"), "the agent is deployed with that provider");
            assert.ok(JSON.stringify(daemonSet.inputs).includes("--masq-chain=OTHER-MASQ"), "with the given chain");
            assert.equal(state.daemonSetName, "pod-subnet-ip-masq-agent", "daemonSetName output");
            assert.equal(state.configMapName, "pod-subnet-ip-masq-agent-config", "configMapName output");
            assert.deepEqual(
                parse(String(state.agentConfig)).nonMasqueradeCIDRs,
                ["10.1.0.0/16", "172.16.0.0/16"],
                "agentConfig output",
            );
        });

        it("raises one error naming its own args, before any provider exists", async () => {
            const mocks = new AzureMocks();
            const inputs = {
                kubeconfig: "apiVersion: v1",
                nonMasqueradeCIDRs: ["10.1.0.0/33"],
                chain: "KUBE-POSTROUTING",
                resyncInterval: 0,
            };
            const error = await constructionError("IpMasqAgentDeployment", inputs, false, mocks);
            assert.deepEqual(
                mocks.resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
                [token("IpMasqAgentDeployment")],
                "only the component itself was registered",
            );
            const { keys } = problemsOf(error);
            assert.deepEqual(
                [...keys].sort(),
                ["chain", "nonMasqueradeCIDRs[0]", "resyncInterval"],
                "every problem, under this component's arg names",
            );
        });
    });

    describe("the YAML example (examples/yaml)", () => {
        const project = parse(fs.readFileSync(path.join(ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8")) as {
            runtime: string;
            packages: Record<string, string>;
            config: Record<string, { default?: unknown }>;
            resources: Record<string, { type: string; properties: Record<string, unknown> }>;
            outputs: Record<string, string>;
        };
        const ours = () =>
            Object.entries(project.resources).filter(([, r]) => r.type.startsWith(`${PACKAGE_NAME}:`)) as [
                string,
                { type: string; properties: Record<string, unknown> },
            ][];
        /** `pkg:Name` and `pkg:index:Name` are the same resource type in Pulumi YAML. */
        const tokenOf = (type: string) => (type.split(":").length === 2 ? type.replace(":", ":index:") : type);
        const isExpression = (v: unknown) => typeof v === "string" && /^\$\{[^}]+\}$/.test(v);

        /** Problems of `value` against schema property `p` (a YAML expression is checked for plainness only). */
        function check(value: unknown, p: Property, where: string): string[] {
            if (isExpression(value)) {
                const ref = (value as string).slice(2, -1);
                // A plain property needs a value known before deployment: a config value, not a resource output.
                return p.plain && !Object.hasOwn(project.config ?? {}, ref)
                    ? [`${where}: ${value} is a resource output, but the property is plain`]
                    : [];
            }
            if (p.$ref) {
                const t = schema.types[p.$ref.replace("#/types/", "")];
                if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where}: not a map`];
                return checkObject(value as Record<string, unknown>, t.properties, t.required, where);
            }
            if (p.type === "array") {
                if (!Array.isArray(value)) return [`${where}: not a list`];
                return value.flatMap((item, i) => check(item, p.items!, `${where}[${i}]`));
            }
            if (p.type === "object") {
                if (typeof value !== "object" || value === null) return [`${where}: not a map`];
                return Object.entries(value).flatMap(([k, v]) => check(v, p.additionalProperties!, `${where}.${k}`));
            }
            return typeof value === p.type ? [] : [`${where}: ${JSON.stringify(value)} is not a ${p.type}`];
        }
        function checkObject(
            value: Record<string, unknown>,
            properties: Record<string, Property>,
            required: string[],
            where: string,
        ): string[] {
            return [
                ...required.filter((r) => !(r in value)).map((r) => `${where}.${r}: required, missing`),
                ...Object.entries(value).flatMap(([k, v]) =>
                    properties[k] ? check(v, properties[k], `${where}.${k}`) : [`${where}.${k}: not in the schema`],
                ),
            ];
        }

        it("is a Pulumi YAML program that references this package", () => {
            assert.equal(project.runtime, "yaml", "runtime");
            const dir = path.join(ROOT, "examples", "yaml", project.packages[PACKAGE_NAME]);
            assert.ok(fs.existsSync(path.join(dir, "PulumiPlugin.yaml")), `packages.${PACKAGE_NAME} is the plugin`);
            assert.ok(ours().length > 0, "it uses a component of the package");
        });

        it("sets only properties the schema has, with compatible types, and reads only outputs it has", () => {
            for (const [name, r] of ours()) {
                const resource = schema.resources[tokenOf(r.type)];
                assert.ok(resource, `${name}: ${r.type} is a component of the schema`);
                const problems = checkObject(r.properties, resource.inputProperties, resource.requiredInputs, name);
                assert.deepEqual(problems, [], `${name} against the schema`);
            }
            for (const [output, expression] of Object.entries(project.outputs)) {
                const [resource, property] = expression.slice(2, -1).split(".");
                const r = project.resources[resource];
                if (!r.type.startsWith(`${PACKAGE_NAME}:`)) continue;
                assert.ok(
                    schema.resources[tokenOf(r.type)].properties[property],
                    `output ${output}: ${expression} is an output of ${r.type}`,
                );
            }
        });

        it("has settings the library accepts (constructed with its expressions resolved)", async () => {
            const values: Record<string, unknown> = {
                location: project.config.location.default,
                "resourceGroup.name": "rg-example",
                "resourceGroup.location": project.config.location.default,
            };
            const resolveExpressions = (value: unknown): unknown =>
                isExpression(value)
                    ? values[(value as string).slice(2, -1)]
                    : Array.isArray(value)
                      ? value.map(resolveExpressions)
                      : typeof value === "object" && value !== null
                        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveExpressions(v)]))
                        : value;
            for (const [name, r] of ours()) {
                const inputs = resolveExpressions(r.properties) as Record<string, unknown>;
                const { resources } = await construct(tokenOf(r.type).split(":")[2], inputs);
                assert.ok(resources.length > 10, `${name} builds its resources`);
            }
        });
    });
});
