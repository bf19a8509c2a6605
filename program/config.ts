/**
 * The stack program's configuration: every key of configKeys.ts, decoded by its declared type from the strings the
 * Pulumi engine hands over, then resolved by the components' own resolve steps (the package's public API) together,
 * so that one error lists every problem before any resource exists.
 */
import {
    ClusterSettings,
    describeValue,
    EgressSettings,
    IpMasqAgentSettings,
    NetworkArgs,
    nodeResourceGroupName,
    ProblemList,
    ResolvedAgentSettings,
    reservedNameProblem,
    resolvePodSubnetCluster,
    AddressPlan,
    AddressPlanInput,
    NodePoolSpec,
} from "../src";
import { CONFIG_KEYS, ConfigKeyName } from "./configKeys";

export { CONFIG_KEYS };

export interface StackSettings {
    allowUnknownAzureValues: boolean;
    stack: string;
    location: string;
    /** An existing resource group to deploy into; unset → the program creates one. */
    resourceGroupName?: string;
    addressPlanInput: AddressPlanInput;
    plan: AddressPlan;
    nodePools: NodePoolSpec[];
    kubernetesVersion?: string;
    /** Outbound type and what it needs (next hop, NAT gateway timeout). */
    egress: EgressSettings;
    /** Access, upgrades, network policy, protection. */
    cluster: ClusterSettings;
    /** Tags for every Azure resource: the configured ones plus `stack`. */
    tags: Record<string, string>;
    /** Always `azure`: Cilium's eBPF host routing would bypass the host iptables rules the agent writes. */
    networkDataplane: "azure";
    ipMasqAgent: ResolvedAgentSettings;
    clusterName: string;
    /** Set where AKS's default node resource group name would pass 80 characters; else AKS's default. */
    nodeResourceGroup?: string;
    vnetName: string;
}

/** Looks a key up: `get("nodeSubnetCidr")` for the project namespace, `get("azure-native:location")` for others. */
export type ConfigReader = (key: string) => string | undefined;

type DecodedConfig = { [K in ConfigKeyName]?: unknown };

// Azure: resource group names are 1–90 characters of letters, digits, '.', '_', '-', '(' and ')', not ending in '.'.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const LOCATION = /^[a-z][a-z0-9]*$/;
/** Component args the program derives from the stack name, and the provider's location: named as the user sets them. */
/** Where a name derived from the stack name comes from, for the problems of that name. */
const DERIVED_FROM_STACK: Record<string, string> = {
    clusterName: "the cluster is named aks-<stack>",
    vnetName: "the VNet is named vnet-aks-<stack>",
};
const DERIVED_KEYS: Record<string, string> = {
    clusterName: "(stack name)",
    vnetName: "(stack name)",
    location: "azure-native:location",
};

export function readStackConfig(get: ConfigReader, stack: string): StackSettings {
    const problems = new ProblemList();
    const config = decodeConfig(get, problems);
    // The provider's location is listed after the components' problems, as documented; it is read first for them.
    const locationProblems = new ProblemList();
    const location = readLocation(get("azure-native:location"), locationProblems);
    const allowUnknownAzureValues = config.allowUnknownAzureValues === true;
    const clusterName = `aks-${stack}`;
    const vnetName = `vnet-aks-${stack}`;
    const resourceGroupName = config.resourceGroupName as string | undefined;
    const resourceGroup = resourceGroupName ?? `rg-aks-${stack}`;
    const tags = { ...(config.tags as Record<string, string> | undefined), stack };

    const addressPlanInput = {
        nodeSubnetCidr: config.nodeSubnetCidr,
        podSubnetCidr: config.podSubnetCidr,
        vnetAddressSpace: config.vnetAddressSpace,
        serviceCidr: config.serviceCidr,
        dnsServiceIP: config.dnsServiceIP,
        connectedCidrs: config.connectedCidrs,
        extraNonMasqueradeCidrs: config.extraNonMasqueradeCidrs,
        hub: config.hub,
        virtualNodeSubnetCidr: config.virtualNodeSubnetCidr,
        nodePools: config.nodePools,
        kubernetesVersion: config.kubernetesVersion,
        privateCluster: config.privateCluster,
        nodeSubnetExtraAddresses: config.nodeSubnetExtraAddresses,
    } as AddressPlanInput;
    const egress = {
        outboundType: config.outboundType,
        egressNextHopIp: config.egressNextHopIp,
        natGatewayIdleTimeoutMinutes: config.natGatewayIdleTimeoutMinutes,
    } as EgressSettings;
    const cluster = {
        privateCluster: config.privateCluster,
        privateDnsZone: config.privateDnsZone,
        authorizedIpRanges: config.authorizedIpRanges,
        entraId: config.entraId,
        adminGroupObjectIds: config.adminGroupObjectIds,
        kubeloginMode: config.kubeloginMode,
        autoUpgradeChannel: config.autoUpgradeChannel,
        maintenanceWindow: config.maintenanceWindow,
        nodeOsUpgradeChannel: config.nodeOsUpgradeChannel,
        tier: config.tier,
        networkPolicy: config.networkPolicy,
        protect: config.protect,
    } as ClusterSettings;
    checkNetworkPluginMode(config.networkPluginMode, problems);

    // The components' resolve steps, composed by the package: every problem of Network, Cluster and IpMasqAgent.
    const networkArgs: NetworkArgs = {
        ...addressPlanInput,
        ...egress,
        resourceGroupName: resourceGroup,
        vnetName,
        tags,
        allowUnknownAzureValues,
    };
    const nodeResourceGroup = location ? nodeResourceGroupName(resourceGroup, clusterName, location) : undefined;
    const own = new ProblemList();
    const { plan, ipMasqAgent } = resolvePodSubnetCluster(
        {
            network: networkArgs,
            cluster: {
                ...cluster,
                resourceGroupName: resourceGroup,
                location,
                clusterName,
                nodeResourceGroup,
                kubernetesVersion: addressPlanInput.kubernetesVersion,
                networkDataplane: config.networkDataplane as "azure" | undefined,
                tags,
                allowUnknownAzureValues,
            },
            ipMasqAgent: config.ipMasqAgent as IpMasqAgentSettings | undefined,
        },
        own,
        clusterName,
    );
    // Named as the stack sets them: the names derived from the stack name, the provider's location.
    for (const { key, message } of own.problems) {
        const named = DERIVED_KEYS[key] ?? key;
        // The user sets no such name: say where it comes from, and what to change.
        problems.add(
            named,
            key in DERIVED_FROM_STACK ? `${message} (${DERIVED_FROM_STACK[key]}: choose another stack name)` : message,
        );
    }
    for (const { key, message } of locationProblems.problems) problems.add(key, message);

    checkResourceGroup(resourceGroupName, resourceGroup, problems);
    problems.throwIfAny("stack configuration");
    return {
        allowUnknownAzureValues,
        stack,
        location: location!,
        resourceGroupName,
        addressPlanInput,
        plan: plan!,
        nodePools: addressPlanInput.nodePools,
        kubernetesVersion: addressPlanInput.kubernetesVersion,
        egress,
        cluster,
        tags,
        networkDataplane: "azure",
        ipMasqAgent: ipMasqAgent!.settings,
        clusterName,
        nodeResourceGroup,
        vnetName,
    };
}

/** Every declared key, decoded by its type; a key at its empty declared default ("", [], {}, 0) is unset. */
function decodeConfig(get: ConfigReader, problems: ProblemList): DecodedConfig {
    const config: DecodedConfig = {};
    for (const [key, declaration] of Object.entries(CONFIG_KEYS) as [ConfigKeyName, { type: string }][]) {
        const value = decode(get(key), key, declaration.type, problems);
        if (!isEmpty(value)) config[key] = value;
    }
    return config;
}

function decode(raw: string | undefined, key: string, type: string, problems: ProblemList): unknown {
    if (raw === undefined || raw === "") return undefined;
    switch (type) {
        case "boolean":
            if (raw === "true" || raw === "false") return raw === "true";
            problems.add(key, `expected true or false, got ${describeValue(raw)}`);
            return undefined;
        case "integer":
            if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
            problems.add(key, `expected a whole number, got ${describeValue(raw)}`);
            return undefined;
        case "list":
        case "object":
            return decodeJson(raw, key, type, problems);
        default:
            return raw;
    }
}

function isEmpty(value: unknown): boolean {
    if (value === undefined || value === 0) return true;
    if (Array.isArray(value)) return value.length === 0;
    return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

/**
 * Structured keys arrive JSON-encoded. A value that is not JSON (a bare string where a list belongs) is returned
 * as the string, so that the component reports it in its own words; only a type mismatch is reported here.
 */
function decodeJson(raw: string, key: string, expected: string, problems: ProblemList): unknown {
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        value = raw;
    }
    if (expected === "object" && (typeof value !== "object" || value === null || Array.isArray(value))) {
        problems.add(key, `expected an object, got ${describeValue(value)}`);
        return undefined;
    }
    return value;
}

function readLocation(location: string | undefined, problems: ProblemList): string | undefined {
    if (location === undefined || location === "") {
        problems.add(
            "azure-native:location",
            `is required: set the Azure region, e.g. "pulumi config set azure-native:location westeurope"`,
        );
        return undefined;
    }
    if (!LOCATION.test(location)) {
        problems.add(
            "azure-native:location",
            `"${location}" is not an Azure region name such as "westeurope" (lowercase, no spaces)`,
        );
        return undefined;
    }
    return location;
}

/** The resource group the stack deploys into: the configured one, or the one the program creates. */
function checkResourceGroup(configured: string | undefined, name: string, problems: ProblemList): void {
    if (configured !== undefined && !RESOURCE_GROUP.test(configured)) {
        problems.add(
            "resourceGroupName",
            `"${configured}" is not a valid resource group name: ` +
                "1–90 letters, digits, '.', '_', '-', '(' or ')', not ending in '.'",
        );
    }
    const reserved = reservedNameProblem(name);
    if (reserved) problems.add(configured ? "resourceGroupName" : "(stack name)", reserved);
}

/**
 * Azure CNI Pod Subnet leaves networkPluginMode unset. The key exists so that a stack copied from an overlay cluster
 * is refused with the reason instead of silently deployed as something else.
 */
function checkNetworkPluginMode(mode: unknown, problems: ProblemList): void {
    if (mode === undefined) return;
    problems.add(
        "networkPluginMode",
        mode === "overlay"
            ? `"overlay" gives pods an overlay range and ignores pod subnets, but this stack places pods in ` +
                  "podSubnetCidr (Azure CNI Pod Subnet): leave networkPluginMode unset"
            : `must stay unset (its only value, "overlay", ignores pod subnets), got ${describeValue(mode)}`,
    );
}
