/**
 * Which ARM contract each azure-native resource type is checked against, and where azure-native's input shape
 * differs from the ARM request body the SDK models describe.
 *
 * The contract comes from Azure's own JavaScript SDK packages (autorest "classic" generator), pinned in
 * package.json's devDependencies to the API versions azure-native 3.28.0 uses (column azure-native), or the nearest
 * classic release:
 *
 * package                            | its API version    | azure-native | why this version
 * ---------------------------------- | ------------------ | ------------ | ------------------------------------------
 * @azure/arm-containerservice 24.1.0 | 2025-10-01         | 2025-09-01   | no classic release has 2025-09-01 (below)
 * @azure/arm-network 33.5.0          | 2024-05-01         | 2024-05-01   | exact (33.4.0 2024-03-01, 34.x 2024-10-01)
 * @azure/arm-authorization 9.0.0     | 2022-04-01 (roles) | 2022-04-01   | exact
 * @azure/arm-msi 2.1.0               | 2023-01-31         | 2023-01-31   | exact (2.2.0: 2024-11-30)
 * @azure/arm-resources 6.0.0         | 2024-11-01         | 2024-03-01   | nearest classic (5.2.0: 2021-04-01)
 * @azure/arm-privatedns 3.2.0        | 2020-06-01         | 2024-06-01   | newest classic (4.0.0 is TypeSpec)
 *
 * containerservice: 22.3.0 is 2025-07-01, 24.1.0 is 2025-10-01, and 25.x is TypeSpec-generated (no mappers, no
 * constraints). Between 22.3.0 and 24.1.0 the models the program sends (ManagedCluster, AgentPool,
 * MaintenanceConfiguration and everything they reach) differ only by additions in 24.1.0 (agent pool
 * localDNSProfile and securityProfile.sshAccess, advancedNetworkPolicies, Istio egressGateways) and by
 * provisioningError fields turned read-only: nothing removed, no constraint changed. azure-native's 2025-09-01 inputs
 * already have all of those additions, so 22.3.0 would reject valid 2025-09-01 inputs; 24.1.0 does not (what
 * 2025-10-01 may add on top, azure-native's typed inputs cannot send).
 * resources: the ResourceGroup model and its name parameter (^[-\w\._\(\)]+$, 1–90 characters) are identical in
 * 5.2.0 (2021-04-01) and 6.0.0 (2024-11-01), so in 2024-03-01 between them.
 * privatedns: the program creates no private DNS resources today; the entries are ready for it. A 2024-06-01
 * addition (a virtual network link's resolutionPolicy) fails as unknown against 2020-06-01.
 *
 * The API version each entry expects is checked against the package's PUT operation by the tests (and azure-native's
 * against its own documentation comments), so that a package bump that changes an API version cannot pass unnoticed.
 */

export interface ResourceContract {
    /** npm package carrying the contract. */
    package: string;
    /** API version azure-native 3.28.0 sends for this type. */
    azureNativeApiVersion: string;
    /** API version of the SDK package's operation (differs where no classic package has azure-native's). */
    sdkApiVersion: string;
    /** ARM path of the PUT (create or update) operation, as the SDK's operation spec writes it. */
    armPath: string;
    /** Model class (in the package's models/mappers) of the PUT request body. */
    model: string;
    /**
     * The path parameters azure-native takes as inputs: azure-native input name → export name of the parameter in
     * the package's models/parameters (the one the PUT operation uses; their constraints differ, e.g.
     * containerservice's `resourceName` is a cluster name pattern, msi's `resourceName` has none). They are URL
     * segments, not body properties: checked against those parameter mappers, and left out of the body check.
     */
    pathParameters: Record<string, string>;
}

const CS = "@azure/arm-containerservice";
const NET = "@azure/arm-network";
const RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";

/** Resource type → its ARM contract. An azure-native type the program creates without an entry here fails. */
export const RESOURCE_CONTRACTS: Record<string, ResourceContract> = {
    "azure-native:containerservice:ManagedCluster": {
        package: CS,
        azureNativeApiVersion: "2025-09-01",
        sdkApiVersion: "2025-10-01",
        armPath: `${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`,
        model: "ManagedCluster",
        pathParameters: { resourceGroupName: "resourceGroupName", resourceName: "resourceName" },
    },
    "azure-native:containerservice:AgentPool": {
        package: CS,
        azureNativeApiVersion: "2025-09-01",
        sdkApiVersion: "2025-10-01",
        armPath: `${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}`,
        model: "AgentPool",
        pathParameters: {
            resourceGroupName: "resourceGroupName",
            resourceName: "resourceName",
            agentPoolName: "agentPoolName",
        },
    },
    "azure-native:containerservice:MaintenanceConfiguration": {
        package: CS,
        azureNativeApiVersion: "2025-09-01",
        sdkApiVersion: "2025-10-01",
        armPath:
            `${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}` +
            `/maintenanceConfigurations/{configName}`,
        model: "MaintenanceConfiguration",
        pathParameters: {
            resourceGroupName: "resourceGroupName",
            resourceName: "resourceName",
            configName: "configName",
        },
    },
    "azure-native:network:VirtualNetwork": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath: `${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}`,
        model: "VirtualNetwork",
        pathParameters: { resourceGroupName: "resourceGroupName", virtualNetworkName: "virtualNetworkName" },
    },
    "azure-native:network:Subnet": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath: `${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`,
        model: "Subnet",
        pathParameters: {
            resourceGroupName: "resourceGroupName",
            virtualNetworkName: "virtualNetworkName",
            subnetName: "subnetName",
        },
    },
    "azure-native:network:NatGateway": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath: `${RG}/providers/Microsoft.Network/natGateways/{natGatewayName}`,
        model: "NatGateway",
        pathParameters: { resourceGroupName: "resourceGroupName", natGatewayName: "natGatewayName" },
    },
    "azure-native:network:PublicIPAddress": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath: `${RG}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}`,
        model: "PublicIPAddress",
        pathParameters: { resourceGroupName: "resourceGroupName", publicIpAddressName: "publicIpAddressName" },
    },
    "azure-native:network:RouteTable": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath: `${RG}/providers/Microsoft.Network/routeTables/{routeTableName}`,
        model: "RouteTable",
        pathParameters: { resourceGroupName: "resourceGroupName", routeTableName: "routeTableName" },
    },
    "azure-native:network:VirtualNetworkPeering": {
        package: NET,
        azureNativeApiVersion: "2024-05-01",
        sdkApiVersion: "2024-05-01",
        armPath:
            `${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}` +
            `/virtualNetworkPeerings/{virtualNetworkPeeringName}`,
        model: "VirtualNetworkPeering",
        pathParameters: {
            resourceGroupName: "resourceGroupName",
            virtualNetworkName: "virtualNetworkName",
            virtualNetworkPeeringName: "virtualNetworkPeeringName",
        },
    },
    "azure-native:authorization:RoleAssignment": {
        package: "@azure/arm-authorization",
        azureNativeApiVersion: "2022-04-01",
        sdkApiVersion: "2022-04-01",
        armPath: "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
        model: "RoleAssignmentCreateParameters",
        pathParameters: { scope: "scope", roleAssignmentName: "roleAssignmentName" },
    },
    "azure-native:managedidentity:UserAssignedIdentity": {
        package: "@azure/arm-msi",
        azureNativeApiVersion: "2023-01-31",
        sdkApiVersion: "2023-01-31",
        armPath: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}`,
        model: "Identity",
        pathParameters: { resourceGroupName: "resourceGroupName", resourceName: "resourceName" },
    },
    "azure-native:resources:ResourceGroup": {
        package: "@azure/arm-resources",
        azureNativeApiVersion: "2024-03-01",
        sdkApiVersion: "2024-11-01",
        armPath: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
        model: "ResourceGroup",
        pathParameters: { resourceGroupName: "resourceGroupName" },
    },
    "azure-native:privatedns:PrivateZone": {
        package: "@azure/arm-privatedns",
        azureNativeApiVersion: "2024-06-01",
        sdkApiVersion: "2020-06-01",
        armPath: `${RG}/providers/Microsoft.Network/privateDnsZones/{privateZoneName}`,
        model: "PrivateZone",
        pathParameters: { resourceGroupName: "resourceGroupName", privateZoneName: "privateZoneName" },
    },
    "azure-native:privatedns:VirtualNetworkLink": {
        package: "@azure/arm-privatedns",
        azureNativeApiVersion: "2024-06-01",
        sdkApiVersion: "2020-06-01",
        armPath:
            `${RG}/providers/Microsoft.Network/privateDnsZones/{privateZoneName}` +
            `/virtualNetworkLinks/{virtualNetworkLinkName}`,
        model: "VirtualNetworkLink",
        pathParameters: {
            resourceGroupName: "resourceGroupName",
            privateZoneName: "privateZoneName",
            virtualNetworkLinkName: "virtualNetworkLinkName",
        },
    },
};

/**
 * Where azure-native's inputs and the ARM body differ beyond path parameters, one rule each: the input at `path`
 * (dot-separated from the resource's inputs; `*` matches one list index or map key) is rewritten to the ARM shape
 * before the check. Differences that need no rewrite are listed with `translate: undefined`, so that the table
 * says why they are not a problem.
 */
export interface ShapeRule {
    /** Resource types the rule applies to; `*` for every type. */
    types: string[] | "*";
    path: string;
    why: string;
    translate?: (value: unknown) => unknown;
}

export const SHAPE_RULES: ShapeRule[] = [
    {
        types: "*",
        path: "identity.userAssignedIdentities",
        why:
            "azure-native v3 takes user-assigned identities as a list of resource IDs and sends ARM the map the API " +
            "defines: resource ID → {} (principalId and clientId in the value are read-only)",
        translate: (value) => (Array.isArray(value) ? Object.fromEntries(value.map((id) => [String(id), {}])) : value),
    },
    {
        types: "*",
        path: "(any sub-resource reference)",
        why:
            "references such as natGateway, routeTable, publicIpAddresses[*] are `{ id }` in azure-native; the SDK " +
            "models them as SubResource or as the full referenced model, and both carry `id`: no rewrite",
    },
    {
        types: "*",
        path: "(flattened properties)",
        why:
            "azure-native flattens `properties` (x-ms-client-flatten) exactly as the SDK mappers do (serializedName " +
            "`properties.x`): an input is matched by its wire name `x`, at every level",
    },
    {
        types: "*",
        path: "(provider-filled location)",
        why:
            "azure-native fills `location` from the provider configuration when a resource leaves it out: a missing " +
            "required `location` is not a violation (a wrong one still is)",
    },
];

/** Required body properties the azure-native provider fills in itself when the program leaves them out. */
export const PROVIDER_FILLED = new Set(["location"]);

/** The Pulumi wire value of an unknown (an output not known during preview): a placeholder, any type. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The Pulumi wire signature of a secret envelope `{ [SECRET_SIG]: SECRET_VALUE, value }`. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function matches(pattern: string, path: string[]): boolean {
    const parts = pattern.split(".");
    return parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i]);
}

/**
 * Unwraps secret envelopes and applies the shape rules: the inputs as ARM's body (plus path parameters) expects them.
 */
export function toArmShape(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const rules = SHAPE_RULES.filter((r) => r.translate && (r.types === "*" || r.types.includes(type)));
    const walk = (value: unknown, path: string[]): unknown => {
        if (isSecret(value)) value = (value as Record<string, unknown>).value;
        for (const rule of rules) if (matches(rule.path, path)) value = rule.translate!(value);
        if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
        }
        return value;
    };
    return walk(inputs, []) as Record<string, unknown>;
}

function isSecret(value: unknown): boolean {
    return (
        value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
    );
}
