/**
 * Pulumi mocks that behave like Azure enough to run the real program offline: every resource gets a realistic,
 * deterministic Azure resource ID; every resource and invoke is recorded; an invoke the mocks do not know fails
 * loudly instead of returning something made up.
 */
import * as pulumi from "@pulumi/pulumi";

export const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT = "11111111-1111-1111-1111-111111111111";

/**
 * A resource's or invoke's inputs as the SDK hands them to the mocks (`MockResourceArgs.inputs`, typed `any` there):
 * resolved, JSON-like data whose shape depends on the resource type. Kept untyped here because the tests and tools
 * outside src/plan walk it like JSON (`r.inputs.networkProfile.serviceCidr`); the plan's own code reads it through the
 * interfaces of inputs.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped SDK data, read as JSON by tests and tools
export type RecordedInputs = Record<string, any>;

export interface RecordedResource {
    type: string;
    name: string;
    inputs: RecordedInputs;
    /** Provider reference (`urn::id`) when the resource names an explicit provider. */
    provider?: string;
    custom: boolean;
}

export interface RecordedInvoke {
    token: string;
    inputs: Record<string, unknown>;
}

export class AzureMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly invokes: RecordedInvoke[] = [];

    /**
     * @param deployedOutputs the outputs of the stack's last `pulumi up`, as a StackReference to the stack itself reads
     *   them (default: none, a stack never deployed).
     * @param otherStacks the outputs of other stacks the program references (`pulumi stack output --json`), by the
     *   name the program gives its StackReference (`org/project/stack`). A reference to a stack not listed here
     *   fails the run with the way to give its outputs: planning on without them would plan on made-up addresses.
     */
    constructor(
        private readonly deployedOutputs: Record<string, unknown> = {},
        private readonly otherStacks?: Record<string, Record<string, unknown>>,
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        this.resources.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            provider: args.provider,
            custom: args.custom ?? true,
        });
        if (args.type === "pulumi:pulumi:StackReference") {
            const name = String(args.inputs.name);
            return { id: name, state: { name, outputs: this.stackOutputs(name), secretOutputNames: [] } };
        }
        if (!args.custom) return { id: undefined, state: {} };
        const { id, state } = azureState(args.type, args.name, args.inputs);
        return { id, state: { ...args.inputs, ...state } };
    }

    /** A referenced stack's outputs: this stack's own last deployment, or another stack's as given. */
    private stackOutputs(name: string): Record<string, unknown> {
        const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
        // Without a list of other stacks (the tests, the benchmark) every reference reads as this stack's.
        if (name === self || this.otherStacks === undefined) return this.deployedOutputs;
        const outputs = this.otherStacks[name];
        if (outputs !== undefined) return outputs;
        throw new Error(
            `the program reads the outputs of stack ${name}: give them with --stack-outputs ${name}=FILE, ` +
                `FILE written by \`pulumi stack output --json --stack ${name} > FILE\``,
        );
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.invokes.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
            case "azure-native:containerservice:listManagedClusterUserCredentials": {
                const kubeconfig =
                    args.inputs.format === "exec"
                        ? mockExecKubeconfig(args.inputs.resourceName)
                        : mockKubeconfig(args.inputs.resourceName);
                return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfig).toString("base64") }] };
            }
            case "azure-native:authorization:getClientConfig":
                // The identity running `pulumi up`.
                return {
                    clientId: stableGuid("deployer-client"),
                    objectId: stableGuid("deployer-object"),
                    subscriptionId: MOCK_SUBSCRIPTION,
                    tenantId: MOCK_TENANT,
                };
            default:
                throw new Error(
                    `the mocks do not know the invoke ${args.token}; ` +
                        "add it to tools/mocks.ts rather than let it return nothing",
                );
        }
    }
}

/** A kubeconfig shaped like the one AKS returns for the cluster user (token is obviously fake). */
export function mockKubeconfig(clusterName: string): string {
    return kubeconfigFor(clusterName, "    token: mock-token-not-a-secret");
}

/** The exec kubeconfig AKS returns for an Entra ID cluster: kubelogin with device code, as AKS writes it. */
export function mockExecKubeconfig(clusterName: string): string {
    const args = [
        "get-token",
        "--environment",
        "AzurePublicCloud",
        "--server-id",
        "6dae42f8-4368-4678-94ff-3960e28e3630",
        "--client-id",
        "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
        "--tenant-id",
        MOCK_TENANT,
        "--login",
        "devicecode",
    ];
    const exec = [
        "exec:",
        "  apiVersion: client.authentication.k8s.io/v1beta1",
        "  command: kubelogin",
        "  args:",
        ...args.map((a) => `    - ${a}`),
        "  env: null",
        "  interactiveMode: IfAvailable",
        "  provideClusterInfo: false",
    ];
    return kubeconfigFor(clusterName, exec.map((line) => `    ${line}`).join("\n"));
}

/** The kubeconfig document around one user's credentials (`user` is the YAML under `user:`, indented). */
function kubeconfigFor(clusterName: string, user: string): string {
    const server = `https://${clusterName}-dns.hcp.westeurope.azmk8s.io:443`;
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- cluster:\n    certificate-authority-data: bW9jaw==\n` +
            `    server: ${server}\n  name: ${clusterName}`,
        `contexts:\n- context:\n    cluster: ${clusterName}\n` +
            `    user: clusterUser_${clusterName}\n  name: ${clusterName}`,
        `current-context: ${clusterName}`,
        `users:\n- name: clusterUser_${clusterName}\n  user:\n${user}`,
        "",
    ].join("\n");
}

/** A stable GUID derived from a string (no randomness: offline plans are byte-identical run to run). */
export function stableGuid(seed: string): string {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    const hex: string[] = [];
    for (let round = 0; round < 4; round++) {
        for (const char of `${round}:${seed}`) {
            h1 = Math.imul(h1 ^ char.charCodeAt(0), 16777619) >>> 0;
            h2 = Math.imul(h2 ^ char.charCodeAt(0), 2246822519) >>> 0;
        }
        hex.push(((h1 ^ h2) >>> 0).toString(16).padStart(8, "0"));
    }
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** The inputs azureState reads, across the resource types it knows (Azure names, and a Kubernetes object's). */
interface MockedInputs {
    resourceGroupName?: string;
    virtualNetworkName?: string;
    subnetName?: string;
    virtualNetworkPeeringName?: string;
    resourceName?: string;
    scope?: string;
    configName?: string;
    agentPoolName?: string;
    addonProfiles?: Record<string, { enabled?: boolean } | undefined>;
    metadata?: { name?: string; namespace?: string };
}

function azureState(type: string, name: string, inputs: MockedInputs): { id: string; state: Record<string, unknown> } {
    const rg = `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${inputs.resourceGroupName ?? "unknown"}`;
    switch (type) {
        case "azure-native:resources:ResourceGroup": {
            const azureName = inputs.resourceGroupName ?? name;
            return {
                id: `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${azureName}`,
                state: { name: azureName },
            };
        }
        case "azure-native:network:VirtualNetwork": {
            const azureName = inputs.virtualNetworkName ?? name;
            return { id: `${rg}/providers/Microsoft.Network/virtualNetworks/${azureName}`, state: { name: azureName } };
        }
        case "azure-native:network:Subnet":
            return {
                id:
                    `${rg}/providers/Microsoft.Network/virtualNetworks/${inputs.virtualNetworkName}` +
                    `/subnets/${inputs.subnetName ?? name}`,
                state: { name: inputs.subnetName ?? name },
            };
        case "azure-native:network:VirtualNetworkPeering":
            return {
                id:
                    `${rg}/providers/Microsoft.Network/virtualNetworks/${inputs.virtualNetworkName}` +
                    `/virtualNetworkPeerings/${inputs.virtualNetworkPeeringName ?? name}`,
                state: { name: inputs.virtualNetworkPeeringName ?? name, peeringState: "Initiated" },
            };
        case "azure-native:network:PublicIPAddress": {
            // Azure assigns a static public IP on creation; a stable one from the documentation range stands in.
            const address = `198.51.100.${(parseInt(stableGuid(`ip:${name}`).slice(0, 2), 16) % 254) + 1}`;
            return {
                id: `${rg}/providers/Microsoft.Network/publicIPAddresses/${name}`,
                state: { name, ipAddress: address },
            };
        }
        case "azure-native:network:NatGateway":
        case "azure-native:network:RouteTable": {
            const kind = { NatGateway: "natGateways", RouteTable: "routeTables" }[type.split(":")[2]];
            return { id: `${rg}/providers/Microsoft.Network/${kind}/${name}`, state: { name } };
        }
        case "azure-native:managedidentity:UserAssignedIdentity": {
            const azureName = inputs.resourceName ?? name;
            return {
                id: `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${azureName}`,
                state: {
                    name: azureName,
                    principalId: stableGuid(`principal:${name}`),
                    clientId: stableGuid(`client:${name}`),
                    tenantId: MOCK_TENANT,
                },
            };
        }
        case "azure-native:authorization:RoleAssignment": {
            const guid = stableGuid(`role:${name}`);
            return {
                id: `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${guid}`,
                state: { name: guid },
            };
        }
        case "azure-native:containerservice:ManagedCluster": {
            const azureName = inputs.resourceName ?? name;
            const aci = inputs.addonProfiles?.aciConnectorLinux;
            // AKS creates an identity for the ACI connector add-on and reports it on the add-on profile.
            const addonProfiles = aci?.enabled
                ? {
                      ...inputs.addonProfiles,
                      aciConnectorLinux: {
                          ...aci,
                          identity: {
                              objectId: stableGuid(`aci-connector:${name}`),
                              clientId: stableGuid(`aci-client:${name}`),
                          },
                      },
                  }
                : inputs.addonProfiles;
            return {
                id: `${rg}/providers/Microsoft.ContainerService/managedClusters/${azureName}`,
                state: { name: azureName, fqdn: `${azureName}-dns.hcp.westeurope.azmk8s.io`, addonProfiles },
            };
        }
        case "azure-native:containerservice:MaintenanceConfiguration":
            return clusterChild(rg, inputs.resourceName, "maintenanceConfigurations", inputs.configName);
        case "azure-native:containerservice:AgentPool":
            return clusterChild(rg, inputs.resourceName, "agentPools", inputs.agentPoolName);
        default: {
            if (type.startsWith("kubernetes:")) {
                const meta = inputs.metadata ?? {};
                return { id: meta.namespace ? `${meta.namespace}/${meta.name}` : (meta.name ?? name), state: {} };
            }
            return { id: `${name}-id`, state: {} };
        }
    }
}

/** A child resource of a managed cluster (agent pool, maintenance configuration): its ID and name. */
function clusterChild(rg: string, cluster: unknown, collection: string, name: unknown) {
    return {
        id: `${rg}/providers/Microsoft.ContainerService/managedClusters/${cluster}/${collection}/${name}`,
        state: { name },
    };
}
