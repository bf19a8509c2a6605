/**
 * The stack program's configuration: every key it reads, decoded from the strings the Pulumi engine hands over,
 * checked together with the address plan, and raised as one error listing every problem.
 */
import { checkKubernetesVersion, parseKubernetesVersion, versionCheckDate } from "../src/aks/kubernetesVersions";
import { checkLocation } from "../src/aks/regions";
import { dnsPrefixProblem, nodeResourceGroupName, reservedNameProblem } from "../src/aks/names";
import { defaults } from "../src/defaults";
import { ConfigProblem, ProblemList } from "../src/errors";
import { IpMasqAgentSettings, ResolvedAgentSettings, resolveAgentSettings } from "../src/ipmasq/settings";
import { AddressPlan, AddressPlanInput, planInto } from "../src/planner";
import { describeValue } from "../src/planner/cidr";
import { checkPoolSettings, NodePoolSpec } from "../src/cluster/args";
import { checkClusterSettings, checkNodeLimit, checkTags, ClusterSettings } from "../src/cluster/settings";
import { checkEgress, EgressSettings } from "../src/network/egress";
import { checkHub } from "../src/network/hub";

/** Every key of the project namespace the program reads, in documentation order. */
export const CONFIG_KEYS = [
    "nodeSubnetCidr",
    "podSubnetCidr",
    "vnetAddressSpace",
    "serviceCidr",
    "dnsServiceIP",
    "connectedCidrs",
    "extraNonMasqueradeCidrs",
    "hub",
    "virtualNodeSubnetCidr",
    "nodeSubnetExtraAddresses",
    "nodePools",
    "kubernetesVersion",
    "autoUpgradeChannel",
    "nodeOsUpgradeChannel",
    "maintenanceWindow",
    "tier",
    "outboundType",
    "egressNextHopIp",
    "natGatewayIdleTimeoutMinutes",
    "networkDataplane",
    "networkPluginMode",
    "networkPolicy",
    "privateCluster",
    "privateDnsZone",
    "authorizedIpRanges",
    "entraId",
    "adminGroupObjectIds",
    "kubeloginMode",
    "resourceGroupName",
    "tags",
    "protect",
    "ipMasqAgent",
    "allowUnknownAzureValues",
] as const;

export interface StackSettings {
    /**
     * Unknown Azure values let through by `allowUnknownAzureValues` that only the program checks (the region), to be
     * shown as warnings; the components warn about their own (VM sizes, the Kubernetes version).
     */
    warnings: readonly ConfigProblem[];
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

// Azure: resource group names are 1–90 characters of letters, digits, '.', '_', '-', '(' and ')', not ending in '.'.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
// Azure names derived from the stack name: AKS cluster names and VNet names are kept within 63 characters.
const MAX_NAME = 63;
const AZURE_NAME = /^[a-zA-Z0-9][-a-zA-Z0-9_]*[a-zA-Z0-9]$/;
const LOCATION = /^[a-z][a-z0-9]*$/;

export function readStackConfig(get: ConfigReader, stack: string): StackSettings {
    const problems = new ProblemList();
    const list = (key: string) => decodeJson(get(key), key, problems, "list");
    const text = (key: string) => emptyToUndefined(get(key));

    const vnetAddressSpace = list("vnetAddressSpace");
    const privateCluster = decodeBoolean(get("privateCluster"), "privateCluster", problems);
    const nodePools = decodeJson(get("nodePools"), "nodePools", problems, "list");
    const addressPlanInput = {
        nodeSubnetCidr: text("nodeSubnetCidr"),
        podSubnetCidr: text("podSubnetCidr"),
        // An empty list (Pulumi.yaml's declared default) means "unset": exactly the subnets.
        vnetAddressSpace:
            Array.isArray(vnetAddressSpace) && vnetAddressSpace.length === 0 ? undefined : vnetAddressSpace,
        serviceCidr: text("serviceCidr"),
        dnsServiceIP: text("dnsServiceIP"),
        connectedCidrs: list("connectedCidrs"),
        extraNonMasqueradeCidrs: list("extraNonMasqueradeCidrs"),
        // An empty object is Pulumi.yaml's declared default: no hub.
        hub: nonEmptyObject(decodeJson(get("hub"), "hub", problems, "object")),
        virtualNodeSubnetCidr: text("virtualNodeSubnetCidr"),
        nodePools,
        kubernetesVersion: text("kubernetesVersion"),
        privateCluster,
        nodeSubnetExtraAddresses: decodeInteger(get("nodeSubnetExtraAddresses"), "nodeSubnetExtraAddresses", problems),
    } as AddressPlanInput;

    const plan = planInto(addressPlanInput, problems);
    // Values the project's dated Azure data does not know (a new region, VM size or version) warn instead of fail.
    const allowUnknown = decodeBoolean(get("allowUnknownAzureValues"), "allowUnknownAzureValues", problems) === true;
    // The planner reports a malformed version; the calendar judges a well-formed one.
    if (parseKubernetesVersion(addressPlanInput.kubernetesVersion)) {
        checkKubernetesVersion(
            addressPlanInput.kubernetesVersion,
            "kubernetesVersion",
            versionCheckDate(),
            problems,
            allowUnknown,
        );
    }

    checkPoolSettings(nodePools, problems, allowUnknown);
    checkHub(addressPlanInput.hub, problems);
    if (Array.isArray(nodePools))
        nodePools.forEach((pool, index) =>
            checkFields(pool, POOL_FIELDS, `nodePools[${index}]`, "a node pool", problems),
        );

    const bool = (key: string) => decodeBoolean(get(key), key, problems);
    const egress = {
        outboundType: text("outboundType") ?? defaults.outboundType,
        egressNextHopIp: text("egressNextHopIp"),
        // Pulumi.yaml declares 0: "unset", so that only a value the stack sets is checked against the outbound type.
        natGatewayIdleTimeoutMinutes: unsetIfZero(
            decodeInteger(get("natGatewayIdleTimeoutMinutes"), "natGatewayIdleTimeoutMinutes", problems),
        ),
    } as EgressSettings;
    checkEgress(egress, plan, problems);
    if (egress.outboundType === "userAssignedNATGateway")
        egress.natGatewayIdleTimeoutMinutes ??= defaults.natGatewayIdleTimeoutMinutes;

    const cluster = {
        privateCluster,
        privateDnsZone: text("privateDnsZone"),
        authorizedIpRanges: list("authorizedIpRanges"),
        entraId: bool("entraId"),
        adminGroupObjectIds: list("adminGroupObjectIds"),
        kubeloginMode: text("kubeloginMode"),
        autoUpgradeChannel: text("autoUpgradeChannel"),
        maintenanceWindow: decodeJson(get("maintenanceWindow"), "maintenanceWindow", problems, "object"),
        nodeOsUpgradeChannel: text("nodeOsUpgradeChannel"),
        tier: text("tier"),
        networkPolicy: text("networkPolicy"),
        protect: bool("protect"),
    } as ClusterSettings;
    // Empty lists and objects are Pulumi.yaml's declared defaults: "not set".
    if (Array.isArray(cluster.authorizedIpRanges) && cluster.authorizedIpRanges.length === 0)
        delete cluster.authorizedIpRanges;
    if (Array.isArray(cluster.adminGroupObjectIds) && cluster.adminGroupObjectIds.length === 0)
        delete cluster.adminGroupObjectIds;
    if (cluster.maintenanceWindow && Object.keys(cluster.maintenanceWindow).length === 0)
        delete cluster.maintenanceWindow;
    checkClusterSettings(cluster, problems, {
        location: text("azure-native:location"),
        virtualNodes: addressPlanInput.virtualNodeSubnetCidr !== undefined,
    });
    if (plan) checkNodeLimit(plan.pools, cluster.tier, problems);

    const configuredTags = decodeJson(get("tags"), "tags", problems, "object");
    checkTags(configuredTags, problems);
    const tags = { ...(configuredTags as Record<string, string> | undefined), stack };

    // Azure CNI Pod Subnet with the agent: dataplane azure, plugin mode unset. Both keys exist so that a stack copied
    // from an overlay or Cilium cluster is refused with the reason instead of silently deployed as something else.
    const networkDataplane = text("networkDataplane") ?? "azure";
    if (networkDataplane === "cilium") {
        problems.add(
            "networkDataplane",
            `"cilium" cannot run ip-masq-agent-v2: its eBPF host routing bypasses the host iptables rules the agent writes, so pods would reach connected networks with pod IPs; use "azure" (the default)`,
        );
    } else if (networkDataplane !== "azure") {
        problems.add(
            "networkDataplane",
            `expected "azure" (the default; "cilium" cannot run ip-masq-agent-v2), got ${describeValue(get("networkDataplane"))}`,
        );
    }
    const networkPluginMode = text("networkPluginMode");
    if (networkPluginMode === "overlay") {
        problems.add(
            "networkPluginMode",
            `"overlay" gives pods an overlay range and ignores pod subnets, but this stack places pods in podSubnetCidr (Azure CNI Pod Subnet): leave networkPluginMode unset`,
        );
    } else if (networkPluginMode !== undefined) {
        problems.add(
            "networkPluginMode",
            `must stay unset (its only value, "overlay", ignores pod subnets), got ${describeValue(get("networkPluginMode"))}`,
        );
    }

    const location = text("azure-native:location");
    if (location === undefined) {
        problems.add(
            "azure-native:location",
            `is required: set the Azure region, e.g. "pulumi config set azure-native:location westeurope"`,
        );
    } else if (!LOCATION.test(location)) {
        problems.add(
            "azure-native:location",
            `"${location}" is not an Azure region name such as "westeurope" (lowercase, no spaces)`,
        );
    } else {
        const zonalPools = Array.isArray(nodePools)
            ? nodePools.flatMap((pool, index) =>
                  Array.isArray(pool?.availabilityZones)
                      ? [{ key: `nodePools[${index}].availabilityZones`, zones: pool.availabilityZones }]
                      : [],
              )
            : [];
        checkLocation(location, zonalPools, "azure-native:location", problems, allowUnknown);
    }

    const resourceGroupName = text("resourceGroupName");
    if (resourceGroupName !== undefined && !RESOURCE_GROUP.test(resourceGroupName)) {
        problems.add(
            "resourceGroupName",
            `"${resourceGroupName}" is not a valid resource group name: 1–90 letters, digits, '.', '_', '-', '(' or ')', not ending in '.'`,
        );
    }

    const clusterName = `aks-${stack}`;
    const vnetName = `vnet-aks-${stack}`;
    const badName = [clusterName, vnetName].find((name) => name.length > MAX_NAME || !AZURE_NAME.test(name));
    // The cluster's name is its DNS prefix too, which Azure keeps to 54 letters, digits and hyphens.
    const dnsPrefix = dnsPrefixProblem(clusterName);
    if (badName) {
        const fix =
            badName.length > MAX_NAME
                ? "use a shorter stack name"
                : "use only letters, digits, '-' and '_' in the stack name";
        problems.add(
            "(stack name)",
            `stack "${stack}" gives the Azure name "${badName}" (${badName.length} characters): names are at most ${MAX_NAME} letters, digits, '-' or '_'; ${fix}`,
        );
    } else if (dnsPrefix) {
        problems.add(
            "(stack name)",
            `stack "${stack}": ${dnsPrefix}; use a stack name of at most 50 letters, digits and hyphens`,
        );
    }
    const resourceGroup = resourceGroupName ?? `rg-aks-${stack}`;
    const nodeResourceGroup = location ? nodeResourceGroupName(resourceGroup, clusterName, location) : undefined;
    for (const [key, name] of [
        ["(stack name)", clusterName],
        ["(stack name)", vnetName],
        [resourceGroupName ? "resourceGroupName" : "(stack name)", resourceGroup],
    ] as const) {
        const reserved = reservedNameProblem(name);
        if (reserved) problems.add(key, reserved);
    }

    const agentSettings = decodeJson(get("ipMasqAgent"), "ipMasqAgent", problems, "object");
    checkFields(agentSettings, AGENT_FIELDS, "ipMasqAgent", "ipMasqAgent", problems);
    const ipMasqAgent = resolveAgentSettings(agentSettings as IpMasqAgentSettings | undefined, problems);

    problems.throwIfAny("stack configuration");
    return {
        warnings: problems.warnings.filter((w) => w.key === "azure-native:location"),
        allowUnknownAzureValues: allowUnknown,
        stack,
        location: location!,
        resourceGroupName,
        addressPlanInput,
        plan: plan!,
        nodePools: nodePools as NodePoolSpec[],
        kubernetesVersion: addressPlanInput.kubernetesVersion,
        egress,
        cluster,
        tags,
        networkDataplane: "azure",
        ipMasqAgent,
        clusterName,
        nodeResourceGroup,
        vnetName,
    };
}

// Every field a pool and the agent settings take. A misspelt field (`maxpods`, `podSubnetCIDR`) would otherwise be
// ignored and its default used in silence. Records, so that the compiler keeps them in step with the interfaces.
const POOL_FIELDS: Record<keyof NodePoolSpec, true> = {
    name: true,
    mode: true,
    count: true,
    minCount: true,
    maxCount: true,
    maxPods: true,
    maxSurge: true,
    podIPAllocationMode: true,
    podSubnetCidr: true,
    vmSize: true,
    osSku: true,
    availabilityZones: true,
    nodeLabels: true,
    nodeTaints: true,
};
const AGENT_FIELDS: Record<keyof IpMasqAgentSettings, true> = {
    image: true,
    chain: true,
    resyncInterval: true,
    name: true,
    namespace: true,
    enabled: true,
    cleanup: true,
    cleanupImage: true,
};

function checkFields(
    value: unknown,
    known: Record<string, true>,
    key: string,
    what: string,
    problems: ProblemList,
): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return; // a wrong type is reported elsewhere
    for (const field of Object.keys(value)) {
        if (Object.hasOwn(known, field)) continue;
        const near = Object.keys(known).find((k) => k.toLowerCase() === field.toLowerCase());
        problems.add(
            `${key}.${field}`,
            `is not a field of ${what}: ${near ? `did you mean ${near}?` : `use ${Object.keys(known).join(", ")}`}`,
        );
    }
}

function decodeBoolean(raw: string | undefined, key: string, problems: ProblemList): boolean | undefined {
    if (raw === undefined || raw === "") return undefined;
    if (raw === "true" || raw === "false") return raw === "true";
    problems.add(key, `expected true or false, got ${describeValue(raw)}`);
    return undefined;
}

function decodeInteger(raw: string | undefined, key: string, problems: ProblemList): number | undefined {
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
        problems.add(key, `expected a whole number, got ${describeValue(raw)}`);
        return undefined;
    }
    return value;
}

function unsetIfZero(value: number | undefined): number | undefined {
    return value === 0 ? undefined : value;
}

function nonEmptyObject(value: unknown): unknown {
    return typeof value === "object" && value !== null && Object.keys(value).length === 0 ? undefined : value;
}

function emptyToUndefined(value: string | undefined): string | undefined {
    return value === undefined || value === "" ? undefined : value;
}

/**
 * Structured keys arrive JSON-encoded. A value that is not JSON (a bare string where a list belongs) is returned
 * as the string, so that the planner reports it in its own words; only a type mismatch is reported here.
 */
function decodeJson(raw: string | undefined, key: string, problems: ProblemList, expected: "list" | "object"): unknown {
    if (raw === undefined || raw === "") return undefined;
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
