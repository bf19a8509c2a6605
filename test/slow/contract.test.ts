import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { readConfigFile } from "../../program/stackFile";
import {
    checkAgainstMapper,
    checkResource,
    checkResources,
    contractOf,
    isArmResource,
    putOperationOf,
    ResourceLike,
    Violation,
} from "../../tooling/contract/armContract";
import { Mapper, sdkModels } from "../../tooling/contract/sdk";
import { RESOURCE_CONTRACTS, UNKNOWN } from "../../tooling/contract/shapes";
import { PlannedResource, runProgram } from "../../src/plan/runProgram";
import { GeneratedStack, KITCHEN_SINK, toRawConfig, validStackArb } from "../helpers/stackConfigs";

/*
 * Every Azure resource the program creates is checked against the ARM contract of its API version, as Azure's own
 * JavaScript SDK packages (autorest mappers, pinned in devDependencies) describe it: unknown properties, wrong
 * types, broken constraints, read-only and missing required properties fail (tooling/contract/). For the shipped
 * stacks, a stack with every feature on, and random valid stacks; broken copies show each kind of fault is caught.
 */

const ROOT = path.join(__dirname, "..", "..");
const T = {
    cluster: "azure-native:containerservice:ManagedCluster",
    pool: "azure-native:containerservice:AgentPool",
    maintenance: "azure-native:containerservice:MaintenanceConfiguration",
    role: "azure-native:authorization:RoleAssignment",
    rg: "azure-native:resources:ResourceGroup",
    subnet: "azure-native:network:Subnet",
} as const;

/** Violations as one readable block, for assertion messages. */
const show = (violations: readonly Violation[]) =>
    violations.map((v) => `${v.resource} ${v.path || "(resource)"}: ${v.message}`).join("\n");

/** Every `new <module>.<Class>(` of @pulumi/azure-native in the program's sources: the types it can create. */
function azureNativeTypesInSources(): Set<string> {
    const types = new Set<string>();
    const files = [
        "index.ts",
        ...["src", "program"].flatMap((dir) =>
            fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)),
        ),
    ];
    for (const file of files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        const modules = new Map<string, string>();
        for (const m of text.matchAll(/import \* as (\w+) from "@pulumi\/azure-native\/(\w+)"/g))
            modules.set(m[1], m[2]);
        for (const m of text.matchAll(/import \* as (\w+) from "@pulumi\/azure-native"/g)) modules.set(m[1], "");
        for (const m of text.matchAll(/new (\w+)\.(\w+)(?:\.(\w+))?\(/g)) {
            const module = modules.get(m[1]);
            if (module === undefined) continue;
            types.add(module ? `azure-native:${module}:${m[2]}` : `azure-native:${m[2]}:${m[3]}`);
        }
    }
    return types;
}

/** azure-native's own statement of the API version of a type ("Uses Azure REST API version …" in its .d.ts). */
function azureNativeApiVersion(type: string): string | undefined {
    const [, module, resource] = type.split(":");
    const file = path.join(
        path.dirname(require.resolve("@pulumi/azure-native/package.json")),
        module,
        `${resource[0].toLowerCase()}${resource.slice(1)}.d.ts`,
    );
    return /Uses Azure REST API version (\S+?)\./.exec(fs.readFileSync(file, "utf8"))?.[1];
}

async function run(stack: string, config: Record<string, string>): Promise<PlannedResource[]> {
    return (await runProgram({ stack, config, stackTraces: false })).resources;
}

describe("ARM contract of every Azure resource (Azure SDK for JavaScript mappers)", function () {
    this.timeout(60_000);

    const runs: Record<"dev" | "prod" | "sink", PlannedResource[]> = { dev: [], prod: [], sink: [] };
    before(async () => {
        runs.dev = await run("dev", readConfigFile(path.join(ROOT, "Pulumi.dev.yaml")));
        runs.prod = await run("prod", readConfigFile(path.join(ROOT, "Pulumi.prod.yaml")));
        runs.sink = await run(KITCHEN_SINK.stack, toRawConfig(KITCHEN_SINK.values));
    });

    describe("the contract table", () => {
        for (const [type, entry] of Object.entries(RESOURCE_CONTRACTS)) {
            it(
                `${type}: ${entry.package} ${entry.sdkApiVersion}, model ${entry.model}, ` +
                    `the SDK's own PUT operation agrees`,
                () => {
                    const contract = contractOf(type)!;
                    const put = putOperationOf(type);
                    assert.equal(
                        put.apiVersion,
                        entry.sdkApiVersion,
                        `${entry.package}@${contract.models.version} is API version ${put.apiVersion}`,
                    );
                    const body = contract.models.parameters[put.requestBody].mapper.type as { className?: string };
                    assert.equal(
                        body.className,
                        entry.model,
                        `the PUT ${put.spec} (${put.file}) sends ${body.className}`,
                    );
                    // Every path parameter azure-native takes is a URL parameter of that PUT,
                    // under the name the table gives.
                    for (const [input, exportName] of Object.entries(entry.pathParameters)) {
                        assert.ok(
                            put.urlParameters.includes(exportName),
                            `${exportName} is not a URL parameter of ${put.spec}: ${put.urlParameters.join(", ")}`,
                        );
                        assert.equal(
                            contract.parameters[input].mapper.serializedName,
                            input,
                            `parameter ${exportName} is {${contract.parameters[input].mapper.serializedName}} in ` +
                                `the ARM path`,
                        );
                    }
                    // …and every URL parameter but the host and the subscription is one of them.
                    const segments = [...entry.armPath.matchAll(/\{(\w+)\}/g)]
                        .map((m) => m[1])
                        .filter((p) => p !== "subscriptionId");
                    assert.deepEqual([...segments].sort(), Object.keys(entry.pathParameters).sort());
                    assert.equal(
                        azureNativeApiVersion(type),
                        entry.azureNativeApiVersion,
                        "azure-native 3.28.0's API version",
                    );
                },
            );
        }

        it(
            "covers every azure-native resource type the program creates " +
                "(sources, shipped stacks, every feature on)",
            () => {
                const inSources = azureNativeTypesInSources();
                for (const type of [T.cluster, T.pool, T.role, T.subnet, T.rg])
                    assert.ok(inSources.has(type), `the source scan misses ${type}: ${[...inSources].join(", ")}`);
                const created = new Set(
                    Object.values(runs).flatMap((resources) => resources.map((r) => r.type).filter(isArmResource)),
                );
                const missing = [...new Set([...inSources, ...created])].filter((type) => !RESOURCE_CONTRACTS[type]);
                assert.deepEqual(
                    missing,
                    [],
                    `azure-native types without an ARM contract entry in tooling/contract/shapes.ts: ` +
                        `${missing.join(", ")}`,
                );
                // Every type the sources name is created by one of these stacks, and so checked below.
                assert.deepEqual(
                    [...inSources].filter((type) => !created.has(type)),
                    [],
                    "types no checked stack creates",
                );
            },
        );

        it("fails a resource whose type has no entry", () => {
            const violations = checkResource({ type: "azure-native:network:LoadBalancer", name: "lb", inputs: {} });
            assert.equal(violations.length, 1);
            assert.match(violations[0].message, /no ARM contract for azure-native:network:LoadBalancer/);
        });
    });

    describe("the program's resources", () => {
        for (const stack of ["dev", "prod", "sink"] as const) {
            it(
                (stack === "sink"
                    ? "every feature on (route table, virtual nodes, maintenance window, Entra ID, hub peering…)"
                    : `Pulumi.${stack}.yaml`) + ": every azure-native resource keeps its contract",
                () => {
                    const azure = runs[stack].filter((r) => isArmResource(r.type));
                    assert.ok(azure.length >= 8, `only ${azure.length} azure-native resources`);
                    const violations = checkResources(runs[stack]);
                    assert.deepEqual(violations, [], show(violations));
                },
            );
        }

        const RUNS = 50;
        it(`random valid stacks: every azure-native resource keeps its contract (${RUNS} runs)`, async () => {
            const seen = new Set<string>();
            await fc.assert(
                fc.asyncProperty(validStackArb, async ({ stack, values }: GeneratedStack) => {
                    const resources = await run(stack, toRawConfig(values)).catch((error: Error) => {
                        throw new Error(
                            `the program refuses a generated stack: test/helpers/stackConfigs.ts must follow ` +
                                `its rules. ${error.message}`,
                        );
                    });
                    resources.forEach((r) => seen.add(r.type));
                    const violations = checkResources(resources);
                    assert.deepEqual(violations, [], show(violations));
                }),
                { numRuns: RUNS },
            );
            // The generator reaches the optional resources too.
            for (const type of [
                T.maintenance,
                T.rg,
                "azure-native:network:NatGateway",
                "azure-native:network:RouteTable",
            ])
                assert.ok(seen.has(type), `no random stack created a ${type}`);
        });
    });

    describe("broken copies fail, each at its path", () => {
        /** The first resource of `type` in the prod stack, with its inputs changed by `change`. */
        function broken(type: string, change: (inputs: any) => void): ResourceLike {
            const original = runs.prod.find((r) => r.type === type);
            assert.ok(original, `prod creates no ${type}`);
            const inputs = structuredClone(original.inputs);
            change(inputs);
            return { type, name: original.name, inputs };
        }
        /** Exactly the expected violations (path → message pattern), nothing else. */
        function assertCaught(resource: ResourceLike, expected: Record<string, RegExp>): void {
            const violations = checkResource(resource);
            assert.deepEqual(violations.map((v) => v.path).sort(), Object.keys(expected).sort(), show(violations));
            for (const v of violations) {
                assert.equal(v.resource, `${resource.type}::${resource.name}`);
                assert.match(v.message, expected[v.path], show([v]));
            }
        }

        it("an unknown property, at the top and nested", () => {
            assertCaught(
                broken(T.cluster, (i) => {
                    i.enableFooBar = true;
                    i.networkProfile.podCidrz = "10.244.0.0/16";
                    i.agentPoolProfiles[0].maxPod = 30;
                }),
                {
                    enableFooBar: new RegExp(
                        String.raw`is not a property of ManagedCluster in the ARM contract ` +
                            String.raw`\(@azure\/arm-containerservice@24\.1\.0\)`,
                    ),
                    "networkProfile.podCidrz": /is not a property of ContainerServiceNetworkProfile/,
                    "agentPoolProfiles.0.maxPod": /is not a property of ManagedClusterAgentPoolProfile/,
                },
            );
        });

        it("a wrong type: maxPods as a string, a boolean as a string, tags as a list", () => {
            assertCaught(
                broken(T.cluster, (i) => {
                    i.agentPoolProfiles[0].maxPods = "50";
                    i.enableRBAC = "true";
                    i.tags = ["stack=prod"];
                }),
                {
                    "agentPoolProfiles.0.maxPods": /expected a number \(Number\), got "50"/,
                    enableRBAC: /expected true or false \(Boolean\), got "true"/,
                    tags: /expected a map \(Dictionary\), got a list/,
                },
            );
            assertCaught(
                broken(T.pool, (i) => (i.count = "3")),
                { count: /expected a number/ },
            );
        });

        it("out-of-range values and broken patterns, in the body and in path parameters", () => {
            assertCaught(
                broken(T.maintenance, (i) => {
                    i.maintenanceWindow.durationHours = 25;
                    i.maintenanceWindow.schedule.weekly.intervalWeeks = 0;
                    i.maintenanceWindow.utcOffset = "+1:00";
                }),
                {
                    "maintenanceWindow.durationHours": /25 is above the maximum 24 \(InclusiveMaximum\)/,
                    "maintenanceWindow.schedule.weekly.intervalWeeks": /0 is below the minimum 1 \(InclusiveMinimum\)/,
                    "maintenanceWindow.utcOffset": /"\+1:00" does not match the pattern/,
                },
            );
            assertCaught(
                broken(T.cluster, (i) => {
                    i.agentPoolProfiles[0].name = "System-1";
                    i.agentPoolProfiles[0].osDiskSizeGB = 4096;
                    i.networkProfile.dnsServiceIP = "100.96.0.256";
                }),
                {
                    "agentPoolProfiles.0.name": /"System-1" does not match the pattern \^\[a-z\]\[a-z0-9\]\{0,11\}\$/,
                    "agentPoolProfiles.0.osDiskSizeGB": /4096 is above the maximum 2048/,
                    "networkProfile.dnsServiceIP": /does not match the pattern/,
                },
            );
            // The cluster name is a path parameter: its pattern and MaxLength 63, two violations at one path.
            const name = checkResource(broken(T.cluster, (i) => (i.resourceName = `-${"a".repeat(63)}`)));
            assert.deepEqual(
                name.map((v) => v.path),
                ["resourceName", "resourceName"],
                show(name),
            );
            assert.match(
                show(name),
                /"-a{63}" does not match the pattern[^\n]*\n.*is longer than 63 characters \(MaxLength\)/,
            );
            assertCaught(
                broken(T.pool, (i) => (i.agentPoolName = "Batch_1")),
                { agentPoolName: /"Batch_1" does not match the pattern \^\[a-z\]\[a-z0-9\]\{0,11\}\$/ },
            );
            assertCaught(
                broken(T.rg, (i) => (i.resourceGroupName = "rg/aks")),
                { resourceGroupName: /does not match the pattern/ },
            );
            // maxPods 251 breaks no ARM constraint: the contract gives maxPods no range (the planner checks 10–250).
            const maxPods = contractOf(T.pool)!.models.mappers.ManagedClusterAgentPoolProfile.type as {
                modelProperties: Record<string, Mapper>;
            };
            assert.equal(
                maxPods.modelProperties.maxPods.constraints,
                undefined,
                "the contract now constrains maxPods: add a case for it here",
            );
        });

        it("a read-only property sent, at the top, in a pool profile and in the identity", () => {
            assertCaught(
                broken(T.cluster, (i) => {
                    i.fqdn = "aks-prod.hcp.westeurope.azmk8s.io";
                    i.provisioningState = "Succeeded";
                    i.agentPoolProfiles[0].nodeImageVersion = "AKSAzureLinux-V3gen2-202611.01.0";
                    i.identity.principalId = "d9b31cce-938d-5666-4922-081ec22da426";
                }),
                {
                    fqdn: /is read-only in ManagedCluster: Azure sets it, a request must not/,
                    provisioningState: /is read-only in ManagedCluster/,
                    "agentPoolProfiles.0.nodeImageVersion": /is read-only in ManagedClusterAgentPoolProfile/,
                    "identity.principalId": /is read-only in ManagedClusterIdentity/,
                },
            );
        });

        it("user-assigned identities: azure-native's list is checked as ARM's map (resource ID → identity)", () => {
            const cluster = broken(T.cluster, () => undefined);
            assert.ok(
                Array.isArray((cluster.inputs.identity as { userAssignedIdentities: unknown }).userAssignedIdentities),
                "azure-native v3 sends a list",
            );
            assert.deepEqual(checkResource(cluster), []);
            // The map form with a read-only member inside is checked as ARM's map.
            const [id] = (cluster.inputs.identity as { userAssignedIdentities: string[] }).userAssignedIdentities;
            assertCaught(
                broken(T.cluster, (i) => (i.identity.userAssignedIdentities = { [id]: { principalId: "x" } })),
                { [`identity.userAssignedIdentities.${id}.principalId`]: /is read-only/ },
            );
        });

        it("a value outside an enum, a missing required property, null", () => {
            assertCaught(
                broken(T.cluster, (i) => {
                    i.identity.type = "SystemAssigned, UserAssigned";
                    i.networkProfile.serviceCidr = null;
                }),
                {
                    "identity.type": new RegExp(
                        String.raw`"SystemAssigned, UserAssigned" is not one of the allowed values ` +
                            String.raw`"SystemAssigned", "UserAssigned", "None"`,
                    ),
                    "networkProfile.serviceCidr": /is null/,
                },
            );
            assertCaught(
                broken(T.role, (i) => delete i.principalId),
                { principalId: /is required by RoleAssignmentCreateParameters and missing/ },
            );
            assertCaught(
                broken(T.maintenance, (i) => delete i.maintenanceWindow.startTime),
                { "maintenanceWindow.startTime": /is required by MaintenanceWindow and missing/ },
            );
            // location is required, but the azure-native provider fills it in from its configuration.
            assert.deepEqual(checkResource(broken(T.cluster, (i) => delete i.location)), []);
        });

        it("accepts unknowns (outputs not known during preview) in place of any value", () => {
            assert.deepEqual(
                checkResource(
                    broken(T.cluster, (i) => {
                        i.agentPoolProfiles[0].maxPods = UNKNOWN;
                        i.agentPoolProfiles[0].podSubnetID = UNKNOWN;
                        i.networkProfile = UNKNOWN;
                    }),
                ),
                [],
            );
        });
    });

    describe("the walker checks every constraint kind autorest emits", () => {
        const models = sdkModels("@azure/arm-containerservice");
        const string = (constraints: Mapper["constraints"]): Mapper => ({ type: { name: "String" }, constraints });
        const number = (constraints: Mapper["constraints"]): Mapper => ({ type: { name: "Number" }, constraints });
        const list = (constraints: Mapper["constraints"]): Mapper => ({
            type: { name: "Sequence", element: { type: { name: "String" } } },
            constraints,
        });
        const messages = (value: unknown, mapper: Mapper) =>
            checkAgainstMapper(value, mapper, models).map((v) => v.message);

        it("strings: Pattern (RegExp or text), MaxLength, MinLength", () => {
            assert.deepEqual(messages("abc", string({ Pattern: /^[a-z]+$/, MaxLength: 3, MinLength: 1 })), []);
            assert.match(
                messages("ab1", string({ Pattern: "^[a-z]+$" }))[0],
                /does not match the pattern \^\[a-z\]\+\$/,
            );
            assert.match(messages("abcd", string({ MaxLength: 3 }))[0], /longer than 3 characters \(MaxLength\)/);
            assert.match(messages("", string({ MinLength: 1 }))[0], /shorter than 1 characters \(MinLength\)/);
        });

        it("numbers: InclusiveMaximum/Minimum, ExclusiveMaximum/Minimum, MultipleOf", () => {
            assert.deepEqual(
                messages(
                    5,
                    number({ InclusiveMaximum: 5, InclusiveMinimum: 5, ExclusiveMaximum: 6, ExclusiveMinimum: 4 }),
                ),
                [],
            );
            assert.match(messages(6, number({ InclusiveMaximum: 5 }))[0], /above the maximum 5/);
            assert.match(messages(4, number({ InclusiveMinimum: 5 }))[0], /below the minimum 5/);
            assert.match(messages(6, number({ ExclusiveMaximum: 6 }))[0], /not below 6 \(ExclusiveMaximum\)/);
            assert.match(messages(4, number({ ExclusiveMinimum: 4 }))[0], /not above 4 \(ExclusiveMinimum\)/);
            assert.match(messages(7, number({ MultipleOf: 2 }))[0], /not a multiple of 2/);
            assert.match(messages(Number.NaN, number({}))[0], /expected a number/);
        });

        it("lists: MaxItems, MinItems, UniqueItems, and each element", () => {
            assert.deepEqual(messages(["a", "b"], list({ MaxItems: 2, MinItems: 2, UniqueItems: true })), []);
            assert.match(
                messages(["a", "b", "c"], list({ MaxItems: 2 }))[0],
                /holds 3 items, more than 2 \(MaxItems\)/,
            );
            assert.match(messages([], list({ MinItems: 1 }))[0], /fewer than 1 \(MinItems\)/);
            assert.match(messages(["a", "a"], list({ UniqueItems: true }))[0], /duplicate items \(UniqueItems\)/);
            assert.deepEqual(checkAgainstMapper(["a", 1], list({}), models), [
                { path: "1", message: "expected a string (String), got number 1" },
            ]);
        });

        it("other types: Uuid, Date, DateTime, TimeSpan, Enum, constants, composites by class name", () => {
            assert.deepEqual(messages("6b4a2f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b", { type: { name: "Uuid" } }), []);
            assert.match(messages("not-a-guid", { type: { name: "Uuid" } })[0], /expected a UUID/);
            assert.deepEqual(messages("2026-11-30", { type: { name: "Date" } }), []);
            assert.match(messages("30.11.2026", { type: { name: "Date" } })[0], /expected a date/);
            assert.match(messages("yesterday", { type: { name: "DateTime" } })[0], /expected a date-time/);
            assert.deepEqual(messages("PT4H", { type: { name: "TimeSpan" } }), []);
            assert.match(messages("4h", { type: { name: "TimeSpan" } })[0], /ISO 8601 duration/);
            assert.match(
                messages("Both", { type: { name: "Enum", allowedValues: ["A", "B"] } })[0],
                /not one of the allowed values "A", "B"/,
            );
            assert.match(
                messages("x", { type: { name: "String" }, isConstant: true, defaultValue: "y" })[0],
                /must be the constant "y"/,
            );
            // A composite by class name resolves in the package's mappers (here: MaintenanceWindow).
            const window: Mapper = { type: { name: "Composite", className: "MaintenanceWindow" } };
            assert.deepEqual(
                checkAgainstMapper({ durationHours: 3, startTime: "02:00", extra: 1 }, window, models).map(
                    (v) => v.path,
                ),
                ["durationHours", "extra"],
            );
        });
    });
});
