/**
 * Every config key of the stack program, declared once: its type, its default (none: required) and its description.
 * Pulumi.yaml's `config:` section is generated from it (`npm run config:sync`; a test fails when they differ), the
 * reader (config.ts) decodes each key by its type, and a test checks that the README's reference lists every key.
 */

/** How a key is decoded: the Pulumi engine hands every value over as a string, lists and objects JSON-encoded. */
export type ConfigKeyType = "string" | "integer" | "boolean" | "list" | "object";

export interface ConfigKey {
    type: ConfigKeyType;
    /**
     * Pulumi.yaml's declared default, which the engine passes when a stack does not set the key. The empty default
     * of a key ("", [], {} or 0) means "not set". No default: the key is required.
     */
    default?: string | number | boolean | readonly unknown[] | Record<string, never>;
    description: string;
}

export const CONFIG_KEYS = {
    nodeSubnetCidr: {
        type: "string",
        description:
            "Routable node subnet, e.g. 10.42.8.0/27. Sized for every pool at maxCount plus surge, plus 5 " +
            "reserved.",
    },
    podSubnetCidr: {
        type: "string",
        description:
            "Pod subnet, e.g. 100.64.0.0/20; nothing outside the VNet needs a route to it, but peering " +
            "advertises it, so it must be unique among the VNets peered with one hub. Shared by pools that " +
            "name none of their own.",
    },
    vnetAddressSpace: {
        type: "list",
        default: [],
        description:
            "VNet address prefixes. Empty means exactly the node and pod subnet ranges (the least routable " +
            "space).",
    },
    serviceCidr: {
        type: "string",
        description: "Kubernetes service range; disjoint from the VNet and every connected network, /12 or longer.",
    },
    dnsServiceIP: {
        type: "string",
        default: "",
        description: "Cluster DNS service IP inside serviceCidr. Empty means the network address + 10.",
    },
    connectedCidrs: {
        type: "list",
        default: [],
        description:
            "Networks reached by peering, VPN or ExpressRoute that cannot route back to pod IPs; pods reach " +
            "them as the node IP.",
    },
    extraNonMasqueradeCidrs: {
        type: "list",
        default: [],
        description: "Destinations outside the VNet that do route back to pod IPs and must see them.",
    },
    hub: {
        type: "object",
        default: {},
        description:
            "The hub VNet this spoke is peered with: vnetId, addressSpace (its prefixes), spokeAddressSpaces " +
            "(other spokes peered with it), useRemoteGateways (default true), peerBack (default false: also " +
            "create the hub's peering). Empty means no peering.",
    },
    virtualNodeSubnetCidr: {
        type: "string",
        default: "",
        description:
            "Subnet for virtual nodes (ACI connector), delegated to Azure Container Instances and routable " +
            "like the node subnet. Empty means no virtual nodes.",
    },
    nodeSubnetExtraAddresses: {
        type: "integer",
        default: 0,
        description:
            "Addresses in the node subnet that are not nodes (internal load balancer frontends, your private " +
            "endpoints); the node subnet is sized for them too. A private cluster's API server endpoint is " +
            "counted by itself.",
    },
    nodePools: {
        type: "list",
        description:
            "List of node pools: name, mode (System/User), count or minCount/maxCount, maxPods, maxSurge, " +
            "podIPAllocationMode, podSubnetCidr, vmSize, osSku, availabilityZones, nodeLabels, nodeTaints.",
    },
    kubernetesVersion: {
        type: "string",
        default: "",
        description: 'Kubernetes version, e.g. "1.33". Empty means AKS\'s default at creation.',
    },
    autoUpgradeChannel: {
        type: "string",
        default: "none",
        description:
            "AKS auto-upgrade channel (none, patch, stable, rapid, node-image). With a channel, AKS moves the " +
            "version and Pulumi ignores kubernetesVersion changes.",
    },
    nodeOsUpgradeChannel: {
        type: "string",
        default: "",
        description:
            "How node OS images are updated (None, Unmanaged, NodeImage, SecurityPatch). Empty means AKS's " +
            "default, NodeImage.",
    },
    maintenanceWindow: {
        type: "object",
        default: {},
        description:
            "When auto-upgrades may run: dayOfWeek, startTime (HH:MM), durationHours (4-24), utcOffset " +
            "(+HH:MM). Empty means any time.",
    },
    tier: {
        type: "string",
        default: "",
        description:
            "AKS pricing tier (Free, Standard, Premium). Standard gives the API server an uptime SLA and " +
            "5,000 nodes; production stacks use it. Empty means Free.",
    },
    outboundType: {
        type: "string",
        default: "loadBalancer",
        description:
            "How nodes reach the internet. loadBalancer, userAssignedNATGateway (the program creates the NAT " +
            "gateway and its public IP) or userDefinedRouting (a route table sends 0.0.0.0/0 to " +
            "egressNextHopIp).",
    },
    egressNextHopIp: {
        type: "string",
        default: "",
        description:
            "With userDefinedRouting, the private IP of the firewall or appliance; it must lie in the VNet or " +
            "a connected network.",
    },
    natGatewayIdleTimeoutMinutes: {
        type: "integer",
        default: 0,
        description:
            "With userAssignedNATGateway, the NAT gateway's idle timeout (4-120 minutes); refused with the " +
            "other outbound types. 0 means unset, which is 4 minutes with userAssignedNATGateway.",
    },
    networkDataplane: {
        type: "string",
        default: "azure",
        description:
            "AKS network dataplane. Only azure works with ip-masq-agent-v2; cilium is rejected (its eBPF host " +
            "routing bypasses the host iptables rules the agent writes).",
    },
    networkPluginMode: {
        type: "string",
        default: "",
        description:
            "Must stay empty. Its only value, overlay, gives pods an overlay range and ignores pod subnets, " +
            "so it is rejected.",
    },
    networkPolicy: {
        type: "string",
        default: "none",
        description: "Kubernetes NetworkPolicy engine (none, azure, calico). cilium is rejected while the agent runs.",
    },
    privateCluster: {
        type: "boolean",
        default: false,
        description: "Private API server, reachable only from the VNet and networks connected to it.",
    },
    privateDnsZone: {
        type: "string",
        default: "",
        description:
            "With privateCluster, system (AKS creates the zone), none, or the resource ID of your private DNS " +
            "zone. Empty means system.",
    },
    authorizedIpRanges: {
        type: "list",
        default: [],
        description: "Public API server only, the CIDRs allowed to reach it. Empty means open.",
    },
    entraId: {
        type: "boolean",
        default: false,
        description:
            "Microsoft Entra ID with Azure RBAC and local accounts disabled; the kubeconfig then uses " +
            "kubelogin (exec format).",
    },
    adminGroupObjectIds: {
        type: "list",
        default: [],
        description: "With entraId, object IDs of the Entra groups that become cluster admins.",
    },
    kubeloginMode: {
        type: "string",
        default: "",
        description:
            "With entraId, how kubelogin logs in for the kubeconfig pulumi up uses (azurecli, " +
            "workloadidentity, spn, msi; never device code). Empty means azurecli.",
    },
    resourceGroupName: {
        type: "string",
        default: "",
        description: "An existing resource group to deploy into. Empty means the program creates rg-aks-<stack>.",
    },
    tags: {
        type: "object",
        default: {},
        description: "Tags on every Azure resource (a map of name to value); the program adds stack=<stack name>.",
    },
    protect: {
        type: "boolean",
        default: false,
        description: "Production stacks, protect the resource group, the VNet and the cluster from deletion.",
    },
    ipMasqAgent: {
        type: "object",
        default: {},
        description:
            "ip-masq-agent-v2 settings: image (pinned tag or digest), chain (--masq-chain), resyncInterval " +
            "(seconds), name, namespace, enabled, cleanup, cleanupImage.",
    },
    allowUnknownAzureValues: {
        type: "boolean",
        default: false,
        description:
            "Let a region, VM size family or Kubernetes version that the project's dated Azure data does not " +
            "know yet through with a warning instead of an error.",
    },
} as const satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

/** A key as Pulumi.yaml declares it: Pulumi's project schema has string, integer, boolean and array types only. */
export interface ProjectConfigDeclaration {
    type?: "string" | "integer" | "boolean" | "array";
    items?: { type: "string" };
    description: string;
    default?: unknown;
}

/**
 * Pulumi.yaml's `config:` section for the keys. Object-valued keys (and nodePools, a list of objects) carry no
 * `type`, as the schema has no object type; the program checks them itself.
 */
export function projectConfigSchema(
    keys: Record<string, ConfigKey> = CONFIG_KEYS,
): Record<string, ProjectConfigDeclaration> {
    return Object.fromEntries(
        Object.entries(keys).map(([name, key]) => {
            const typed = key.type === "list" && name !== "nodePools" ? "array" : key.type;
            const declaration: ProjectConfigDeclaration =
                typed === "array"
                    ? { type: "array", items: { type: "string" }, description: key.description }
                    : typed === "object" || typed === "list"
                      ? { description: key.description }
                      : { type: typed, description: key.description };
            if ("default" in key) declaration.default = key.default;
            return [name, declaration];
        }),
    );
}
