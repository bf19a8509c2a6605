/**
 * Cluster: an AKS cluster on Azure CNI Pod Subnet. A user-assigned identity holds Network Contributor on the node
 * and pod subnets before the cluster exists; the first System pool is inline, every other pool is an AgentPool.
 * Exposes the (secret) kubeconfig and a Kubernetes provider for it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { checkKubernetesVersion, versionCheckDate } from "../aks/kubernetesVersions";
import { defaults } from "../defaults";
import { describeValue, formatProblems, ProblemList } from "../errors";
import { checkLocation } from "../aks/regions";
import { ClusterNetwork } from "../network/network";
import { resolveFor } from "../validation";
import { OUTBOUND_TYPES, OutboundType } from "../network/egress";
import {
    checkTags,
    dnsPrefixProblem,
    isPrivateDnsZoneId,
    nodeResourceGroupName,
    reservedNameProblem,
} from "../aks/names";
import { AGENT_POOL_REPLACEMENTS } from "../aks/replacements";
import { inlinePoolChanges, inlinePoolSettings, InlinePoolSettings } from "./inlinePool";
import {
    AKS_RBAC_CLUSTER_ADMIN_ROLE,
    RBAC_PROPAGATION_SECONDS,
    RoleAssignmentPropagation,
    withKubeloginMode,
} from "./kubernetesAccess";
import { agentPoolProfile } from "./pools";
import { checkClusterSettings, checkNodeLimit, ClusterSettings, MaintenanceWindow, schedulesNodeOs } from "./settings";
import { AddressPlan, PoolPlan } from "../planner/types";

export interface ClusterArgs extends ClusterSettings {
    /** Resource group of the cluster and its identity. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region. Default: the resource group's / provider's location. */
    location?: pulumi.Input<string>;
    /** The network the cluster joins: its plan, pools and subnet IDs (a `Network` component, or your own). */
    network: ClusterNetwork;
    /** Azure name of the cluster (≤ 63 characters), also its DNS prefix. Default: Pulumi auto-naming. */
    clusterName?: string;
    /**
     * Kubernetes version, e.g. `1.36`: one AKS creates clusters on (checked against the dated calendar in
     * `aks/kubernetesVersions.ts`). Default: AKS's default version at creation.
     */
    kubernetesVersion?: string;
    /** How nodes reach the internet. Default: the network's `outboundType`, else `loadBalancer`. */
    outboundType?: OutboundType;
    /**
     * Network dataplane. Only `azure` (the default): Cilium's eBPF host routing bypasses the host iptables rules
     * ip-masq-agent-v2 writes.
     */
    networkDataplane?: "azure";
    /** Tags on every Azure resource of the cluster. Default: none. */
    tags?: Record<string, string>;
    /**
     * What the inline System pool was deployed with (the `inlineSystemPool` output of a previous `pulumi up`, e.g.
     * through a StackReference to this stack). A change of a field AKS cannot change on an existing pool is then
     * refused at preview, before the cluster is touched. Default: nothing to compare (a new cluster).
     */
    deployedInlinePool?: pulumi.Input<Partial<InlinePoolSettings> | undefined>;
    /**
     * The resource group AKS creates for the nodes (only at creation). Default: AKS's
     * `MC_<group>_<cluster>_<location>`, or `MC_<cluster>_<location>` where that would pass Azure's 80 characters (when
     * the names are plain strings).
     */
    nodeResourceGroup?: string;
    /** With Entra ID: seconds to wait once for the deployer's new Kubernetes role to apply. Default: 300. */
    rbacPropagationSeconds?: number;
    /** Let a Kubernetes version newer than the dated calendar through with a warning. Default: false. */
    allowUnknownAzureValues?: boolean;
}

/** Network Contributor: lets the cluster identity join nodes and pods to the subnets. */
export const NETWORK_CONTRIBUTOR_ROLE = "4d97b98b-1d4f-4787-a291-c67834d212e7";
/** Private DNS Zone Contributor: lets the cluster identity write the API server's record into a custom zone. */
export const PRIVATE_DNS_ZONE_CONTRIBUTOR_ROLE = "b12aa53e-6015-4669-85d0-8515ebb3ae7f";

export class Cluster extends pulumi.ComponentResource {
    public readonly identity: managedidentity.UserAssignedIdentity;
    public readonly subnetRoleAssignments: authorization.RoleAssignment[];
    /** With a custom private DNS zone: Private DNS Zone Contributor on the zone and Network Contributor on the VNet. */
    public readonly privateDnsZoneRoleAssignments: authorization.RoleAssignment[];
    /** With virtual nodes: Network Contributor for the ACI connector's own identity on the virtual nodes' subnet. */
    public readonly virtualNodeRoleAssignment?: authorization.RoleAssignment;
    /** With a maintenance window: when AKS may run automatic upgrades. */
    public readonly maintenanceConfiguration?: containerservice.MaintenanceConfiguration;
    /** With a maintenance window and a node OS channel: when AKS may update node images. */
    public readonly nodeOsMaintenanceConfiguration?: containerservice.MaintenanceConfiguration;
    public readonly managedCluster: containerservice.ManagedCluster;
    /** User pools (and any System pool after the first), by pool name. */
    public readonly agentPools: Record<string, containerservice.AgentPool>;
    /** The inline System pool's settings AKS cannot change in place; pass them back as `deployedInlinePool`. */
    public readonly inlineSystemPool: InlinePoolSettings;
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterId: pulumi.Output<string>;
    /** The cluster-user kubeconfig, decoded; always secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /**
     * With Entra ID: Azure Kubernetes Service RBAC Cluster Admin on the cluster for the identity running `pulumi up`.
     */
    public readonly deployerRoleAssignment?: authorization.RoleAssignment;
    /** With Entra ID: a one-time, bounded wait for that role to take effect. */
    public readonly deployerRolePropagation?: RoleAssignmentPropagation;
    /** A Kubernetes provider for this cluster; replaced only if the cluster itself is. */
    public readonly provider: KubernetesProvider;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-pod-subnet:index:Cluster", name, {}, opts);
        resolveFor(this, "cluster", (problems) => resolveClusterArgs(args, problems, name));
        const { network, resourceGroupName, location, tags } = args;
        const plan = network.plan;
        const subnetsOf = (podSubnetName: string) => ({
            nodeSubnetId: network.nodeSubnetId,
            podSubnetId: network.podSubnetIds[podSubnetName],
        });

        this.identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            { resourceGroupName, location, tags },
            { parent: this },
        );

        // Before the cluster exists: AKS checks the identity's rights on the subnets when it creates the cluster.
        const subnetIds: [string, pulumi.Input<string>][] = [
            ["nodes", network.nodeSubnetId],
            ...Object.entries(network.podSubnetIds),
            ...(network.virtualNodeSubnetId
                ? [["virtual-nodes", network.virtualNodeSubnetId] as [string, pulumi.Input<string>]]
                : []),
        ];
        const grant = (
            role: "network-contributor" | "private-dns-zone-contributor",
            grantee: string,
            principalId: pulumi.Input<string>,
            scope: pulumi.Input<string>,
        ) =>
            new authorization.RoleAssignment(
                `${name}-${role}-${grantee}`,
                {
                    principalId,
                    principalType: "ServicePrincipal",
                    scope,
                    roleDefinitionId: pulumi.output(scope).apply((s) => roleDefinitionIdIn(s, ROLES[role])),
                },
                { parent: this },
            );
        const networkContributor = (grantee: string, principalId: pulumi.Input<string>, scope: pulumi.Input<string>) =>
            grant("network-contributor", grantee, principalId, scope);
        this.subnetRoleAssignments = subnetIds.map(([subnetName, subnetId]) =>
            networkContributor(subnetName, this.identity.principalId, subnetId),
        );
        // A custom private DNS zone (private-clusters.md): the identity needs Private DNS Zone Contributor on the zone
        // and Network Contributor on the VNet before AKS creates the cluster
        // (else CustomPrivateDNSZoneMissingPermissionError).
        this.privateDnsZoneRoleAssignments =
            args.privateCluster && args.privateDnsZone && isPrivateDnsZoneId(args.privateDnsZone)
                ? [
                      grant("private-dns-zone-contributor", "zone", this.identity.principalId, args.privateDnsZone),
                      networkContributor("vnet", this.identity.principalId, network.vnetId!),
                  ]
                : [];

        const [systemPool, ...otherPools] = [...plan.pools].sort(
            (a, b) => Number(b.mode === "System") - Number(a.mode === "System"),
        );
        this.inlineSystemPool = inlinePoolSettings(systemPool);
        // Problems name the pool as the stack configures it: the plan keeps the pools in the order they were given.
        const inlinePoolKey = `nodePools[${plan.pools.indexOf(systemPool)}]`;
        // Resolved before the cluster is registered: an edit AKS cannot apply fails the preview, not the update.
        const agentPoolProfiles = pulumi.output(args.deployedInlinePool).apply((deployed) => {
            const changes = inlinePoolChanges(deployed, this.inlineSystemPool, inlinePoolKey);
            if (changes.length > 0)
                throw new pulumi.ResourceError(
                    formatProblems(changes, "change of the inline System pool"),
                    this,
                    /* hideStack */ true,
                );
            return [
                {
                    name: systemPool.name,
                    ...agentPoolProfile(systemPool, subnetsOf(systemPool.podSubnetName)),
                },
            ];
        });
        this.managedCluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName,
                location,
                resourceName: args.clusterName,
                dnsPrefix: args.clusterName ?? name,
                // Set only where AKS's default MC_<resource group>_<cluster>_<location> would pass 80 characters.
                nodeResourceGroup:
                    args.nodeResourceGroup ??
                    (args.clusterName !== undefined &&
                    typeof resourceGroupName === "string" &&
                    typeof location === "string"
                        ? nodeResourceGroupName(resourceGroupName, args.clusterName, location)
                        : undefined),
                kubernetesVersion: args.kubernetesVersion,
                identity: { type: "UserAssigned", userAssignedIdentities: [this.identity.id] },
                enableRBAC: true,
                ...accessProfiles(args, network.egressPublicIpAddress),
                autoUpgradeProfile: {
                    upgradeChannel: args.autoUpgradeChannel ?? "none",
                    nodeOSUpgradeChannel: args.nodeOsUpgradeChannel,
                },
                sku: args.tier ? { name: "Base", tier: args.tier } : undefined,
                addonProfiles: virtualNodesAddon(network),
                agentPoolProfiles,
                networkProfile: networkProfile(args),
                tags,
            },
            {
                parent: this,
                dependsOn: [...this.subnetRoleAssignments, ...this.privateDnsZoneRoleAssignments],
                ignoreChanges: clusterIgnoreChanges(systemPool, args),
                protect: args.protect,
                transformations: [withoutPodCidr],
            },
        );

        if (network.virtualNodeSubnetId) {
            // The ACI connector runs with an identity AKS creates; it must be able to join the virtual nodes' subnet.
            const connector = this.managedCluster.addonProfiles.apply(
                (p) => p?.aciConnectorLinux?.identity?.objectId ?? "",
            );
            this.virtualNodeRoleAssignment = networkContributor(
                "aci-connector",
                connector,
                network.virtualNodeSubnetId,
            );
        }

        // AKS runs one agent-pool operation per cluster at a time and refuses a second with OperationNotAllowed
        // ("another agentpool operation is in progress"), which azure-native does not retry. So every AgentPool and
        // the maintenance configuration are created (and later updated) one after another, as the subnets are.
        let previous: pulumi.Resource = this.managedCluster;
        this.agentPools = {};
        for (const pool of otherPools) {
            previous = this.agentPools[pool.name] = new containerservice.AgentPool(
                `${name}-pool-${pool.name}`,
                {
                    resourceGroupName,
                    resourceName: this.managedCluster.name,
                    agentPoolName: pool.name,
                    ...agentPoolProfile(pool, subnetsOf(pool.podSubnetName)),
                    tags,
                },
                {
                    parent: this,
                    dependsOn: [previous],
                    ignoreChanges: pool.autoscaling ? ["count"] : [],
                    // AKS cannot change these on an existing pool: the preview shows a replacement instead of an update
                    // that would fail. The pool's name is fixed, so the old pool goes first.
                    replaceOnChanges: AGENT_POOL_REPLACEMENTS.map((r) => r.property),
                    deleteBeforeReplace: true,
                },
            );
        }

        // The names AKS reads the schedules from: aksManagedAutoUpgradeSchedule (Kubernetes) and
        // aksManagedNodeOSUpgradeSchedule (node OS images), one after another like the pools.
        const window = args.maintenanceWindow;
        if (window && (args.autoUpgradeChannel ?? "none") !== "none") {
            previous = this.maintenanceConfiguration = new containerservice.MaintenanceConfiguration(
                `${name}-auto-upgrade-window`,
                {
                    resourceGroupName,
                    resourceName: this.managedCluster.name,
                    configName: "aksManagedAutoUpgradeSchedule",
                    maintenanceWindow: weeklyWindow(window),
                },
                { parent: this, dependsOn: [previous] },
            );
        }
        if (window && schedulesNodeOs(args.nodeOsUpgradeChannel)) {
            this.nodeOsMaintenanceConfiguration = new containerservice.MaintenanceConfiguration(
                `${name}-node-os-upgrade-window`,
                {
                    resourceGroupName,
                    resourceName: this.managedCluster.name,
                    configName: "aksManagedNodeOSUpgradeSchedule",
                    maintenanceWindow: weeklyWindow(window),
                },
                { parent: this, dependsOn: [previous] },
            );
        }

        this.clusterName = this.managedCluster.name;
        this.clusterId = this.managedCluster.id;
        // With Entra ID and local accounts disabled, only the exec format works: it runs kubelogin for a token.
        const credentials = containerservice.listManagedClusterUserCredentialsOutput(
            { resourceGroupName, resourceName: this.managedCluster.name, format: args.entraId ? "exec" : undefined },
            { parent: this },
        );
        const kubeloginMode = args.kubeloginMode ?? defaults.kubeloginMode;
        this.kubeconfig = pulumi.secret(
            credentials.apply((c) => {
                const kubeconfig = Buffer.from(c.kubeconfigs![0].value, "base64").toString("utf8");
                // The exec kubeconfig of an Entra ID cluster logs in with device code: never usable unattended.
                return args.entraId ? withKubeloginMode(kubeconfig, kubeloginMode) : kubeconfig;
            }),
        );

        // With Azure RBAC for Kubernetes, the identity running `pulumi up` needs a Kubernetes role on the new cluster
        // to create the agent's objects, and the role needs minutes to apply: the provider waits for both.
        if (args.entraId) {
            const deployer = authorization.getClientConfigOutput({ parent: this });
            this.deployerRoleAssignment = new authorization.RoleAssignment(
                `${name}-deployer-cluster-admin`,
                {
                    principalId: deployer.objectId,
                    scope: this.managedCluster.id,
                    roleDefinitionId: this.managedCluster.id.apply((id) =>
                        roleDefinitionIdIn(id, AKS_RBAC_CLUSTER_ADMIN_ROLE),
                    ),
                },
                { parent: this },
            );
            this.deployerRolePropagation = new RoleAssignmentPropagation(
                `${name}-deployer-role-propagation`,
                {
                    roleAssignmentId: this.deployerRoleAssignment.id,
                    seconds: args.rbacPropagationSeconds ?? RBAC_PROPAGATION_SECONDS,
                },
                { parent: this },
            );
        }
        this.provider = new KubernetesProvider(
            `${name}-k8s`,
            // clusterIdentifier: a rotated kubeconfig updates the provider instead of replacing it (and with it
            // every Kubernetes object it manages).
            { kubeconfig: this.kubeconfig, clusterIdentifier: this.clusterId },
            // A private API server is reached through the hub peering; with Entra ID the deployer's role must apply
            // first.
            {
                parent: this,
                dependsOn: [
                    ...(args.privateCluster ? (network.peerings ?? []) : []),
                    ...(this.deployerRolePropagation ? [this.deployerRolePropagation] : []),
                ],
            },
        );

        this.registerOutputs({ clusterName: this.clusterName, clusterId: this.clusterId, kubeconfig: this.kubeconfig });
    }
}

/** Built-in role definitions the cluster identity is granted (GUIDs are the same in every tenant). */
const ROLES = {
    "network-contributor": NETWORK_CONTRIBUTOR_ROLE,
    "private-dns-zone-contributor": PRIVATE_DNS_ZONE_CONTRIBUTOR_ROLE,
} as const;

/** `/subscriptions/<id>/.../subnets/x` → the role definition ID (default Network Contributor) in that subscription. */
function roleDefinitionIdIn(scope: string, role: string = NETWORK_CONTRIBUTOR_ROLE): string {
    const subscription = scope.split("/").slice(0, 3).join("/");
    return `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
}

const CLUSTER_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?$/;

/** Azure CNI Pod Subnet as the agent needs it. */
function networkProfile(args: ClusterArgs) {
    const { plan } = args.network;
    return {
        // Azure CNI Pod Subnet: plugin azure, networkPluginMode unset (its only value is overlay).
        networkPlugin: "azure",
        // The agent needs host iptables; Cilium's eBPF host routing would bypass them.
        networkDataplane: args.networkDataplane ?? "azure",
        loadBalancerSku: "standard",
        outboundType: args.outboundType ?? args.network.outboundType ?? defaults.outboundType,
        networkPolicy: args.networkPolicy && args.networkPolicy !== "none" ? args.networkPolicy : undefined,
        // Explicit, or azure-native would fill in 10.0.0.0/16 and 10.0.0.10.
        serviceCidr: plan.serviceCidr,
        dnsServiceIP: plan.dnsServiceIP,
    };
}

/** What others change on the cluster, so that Pulumi shows no diff for it. */
function clusterIgnoreChanges(systemPool: PoolPlan, args: ClusterSettings): string[] {
    return [
        // The autoscaler owns `count` of an autoscaled pool.
        ...(systemPool.autoscaling ? ["agentPoolProfiles[0].count"] : []),
        // With an auto-upgrade channel AKS moves the version; the config states the floor, not the truth.
        ...((args.autoUpgradeChannel ?? "none") !== "none" ? ["kubernetesVersion"] : []),
        // Never sent (see withoutPodCidr); a cluster deployed while it was sent keeps its recorded value instead of
        // diffing on a property azure-native replaces the cluster for.
        "networkProfile.podCidr",
    ];
}

/**
 * azure-native's SDK fills `networkProfile.podCidr = 10.244.0.0/16` into every network profile. Outside overlay mode
 * AKS ignores it (the az CLI and azurerm refuse a pod CIDR with Azure CNI Pod Subnet), and azure-native replaces the
 * cluster when it changes: send none.
 */
function withoutPodCidr(args: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined {
    if (args.type !== "azure-native:containerservice:ManagedCluster" || args.props.networkProfile === undefined)
        return undefined;
    const networkProfile = pulumi.output(args.props.networkProfile).apply((injected) => {
        const profile = { ...injected };
        delete profile.podCidr;
        return profile;
    });
    return { props: { ...args.props, networkProfile }, opts: args.opts };
}

function virtualNodesAddon(network: ClusterNetwork) {
    return network.virtualNodeSubnetName
        ? { aciConnectorLinux: { enabled: true, config: { SubnetName: network.virtualNodeSubnetName } } }
        : undefined;
}

function weeklyWindow(window: MaintenanceWindow) {
    return {
        schedule: { weekly: { dayOfWeek: window.dayOfWeek, intervalWeeks: 1 } },
        startTime: window.startTime,
        durationHours: window.durationHours,
        utcOffset: window.utcOffset ?? defaults.maintenanceUtcOffset,
    };
}

/** API server access and identity: private API server or authorized ranges; Entra ID with local accounts off. */
function accessProfiles(args: ClusterSettings, egressPublicIp: pulumi.Input<string> | undefined) {
    const ranges = args.authorizedIpRanges ?? [];
    return {
        apiServerAccessProfile: args.privateCluster
            ? { enablePrivateCluster: true, privateDNSZone: args.privateDnsZone ?? defaults.privateDnsZone }
            : ranges.length
              ? { authorizedIPRanges: withEgressIp(ranges, egressPublicIp) }
              : undefined,
        ...(args.entraId
            ? {
                  aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: args.adminGroupObjectIds },
                  disableLocalAccounts: true,
              }
            : {}),
    };
}

/**
 * AKS adds only the load balancer's outbound IP to the authorized ranges by itself
 * (api-server-authorized-ip-ranges.md); nodes behind the network's NAT gateway reach the API server from its public IP,
 * and without it they never join (K8SAPIServerConnFailVMExtensionError). So that IP is added; `0.0.0.0/32` (load
 * balancer only) stays alone.
 */
function withEgressIp(ranges: string[], egressPublicIp: pulumi.Input<string> | undefined): pulumi.Input<string[]> {
    if (egressPublicIp === undefined || ranges.includes("0.0.0.0/32")) return ranges;
    return pulumi
        .output(egressPublicIp)
        .apply((ip) => (!ip || ranges.includes(`${ip}/32`) ? ranges : [...ranges, `${ip}/32`]));
}

/**
 * The Cluster's resolve step: every check of its args against Azure's rules and the network's plan, collected into
 * `problems`. Pure, so a program can run it with `plannedNetwork(...)` before the network exists.
 */
export function resolveClusterArgs(args: ClusterArgs, problems: ProblemList, componentName = "cluster"): void {
    const location = typeof args.location === "string" ? args.location : undefined;
    checkClusterSettings(args, problems, { location, virtualNodes: args.network?.virtualNodeSubnetId !== undefined });
    const networkEgress = args.network?.outboundType;
    if (args.outboundType !== undefined && networkEgress !== undefined && args.outboundType !== networkEgress) {
        problems.add(
            "outboundType",
            `is ${args.outboundType}, but the network was built for ${networkEgress} ` +
                `(its subnets carry the NAT gateway or route table that needs): ` +
                `leave outboundType unset to follow the network`,
        );
    }
    const { plan, podSubnetIds } = args.network ?? {};
    checkTags(args.tags, problems);
    if (plan) checkAgainstPlan(args, plan, podSubnetIds, problems);
    else problems.add("network", "is required: the Network the cluster joins (or your own ClusterNetwork)");
    if (args.clusterName !== undefined && !CLUSTER_NAME.test(args.clusterName)) {
        problems.add(
            "clusterName",
            `"${args.clusterName}" is not a valid AKS name: 1–63 letters, digits, '-' or '_', ` +
                `starting and ending with a letter or digit`,
        );
    } else if (args.clusterName !== undefined && reservedNameProblem(args.clusterName)) {
        problems.add("clusterName", reservedNameProblem(args.clusterName)!);
    } else if (dnsPrefixProblem(args.clusterName ?? componentName)) {
        // The DNS prefix is the cluster's name, or the component's name when Pulumi names the cluster.
        problems.add(
            "clusterName",
            `${dnsPrefixProblem(args.clusterName ?? componentName)}: ` +
                `it is the cluster's name (or the component's when unset); use at most 54 letters, digits and hyphens`,
        );
    }
    checkKubernetesVersion(
        args.kubernetesVersion,
        "kubernetesVersion",
        versionCheckDate(),
        problems,
        args.allowUnknownAzureValues === true,
    );
    if (args.outboundType !== undefined && !OUTBOUND_TYPES.includes(args.outboundType)) {
        problems.add(
            "outboundType",
            `expected one of ${OUTBOUND_TYPES.join(", ")}, got ${describeValue(args.outboundType)}`,
        );
    }
    checkDataplane(args.networkDataplane, problems);
    if (typeof args.location === "string") {
        const zonalPools = (plan?.pools ?? []).flatMap((pool, index) =>
            pool.vm?.availabilityZones
                ? [{ key: `nodePools[${index}].availabilityZones`, zones: pool.vm.availabilityZones }]
                : [],
        );
        checkLocation(args.location, zonalPools, "location", problems, args.allowUnknownAzureValues === true);
    }
}

/**
 * Azure CNI Pod Subnet with the agent needs dataplane `azure`: a stack copied from a Cilium cluster is refused with the
 * reason instead of deployed as something the agent cannot work on.
 */
function checkDataplane(dataplane: unknown, problems: ProblemList): void {
    if (dataplane === undefined || dataplane === "azure") return;
    problems.add(
        "networkDataplane",
        dataplane === "cilium"
            ? `"cilium" cannot run ip-masq-agent-v2: ` +
                  `its eBPF host routing bypasses the host iptables rules the agent writes, ` +
                  `so pods would reach connected networks with pod IPs; use "azure" (the default)`
            : `expected "azure" (the default; "cilium" cannot run ip-masq-agent-v2), got ${describeValue(dataplane)}`,
    );
}

/** The Cluster's checks against the network's plan: pools, subnets, the private endpoint. */
function checkAgainstPlan(
    args: ClusterArgs,
    plan: AddressPlan,
    podSubnetIds: ClusterNetwork["podSubnetIds"] | undefined,
    problems: ProblemList,
): void {
    checkNodeLimit(plan.pools, args.tier, problems);
    if (args.privateCluster === true && plan.nodeSubnetOtherAddresses?.privateEndpoint !== 1) {
        problems.add(
            "privateCluster",
            "the network's address plan does not count the API server's private endpoint, " +
                "which AKS puts in the node subnet: pass privateCluster: true to the Network as well",
        );
    }
    if (
        args.privateCluster &&
        typeof args.privateDnsZone === "string" &&
        isPrivateDnsZoneId(args.privateDnsZone) &&
        args.network.vnetId === undefined
    ) {
        problems.add(
            "network.vnetId",
            "is needed with a custom private DNS zone: " +
                "the cluster identity must hold Network Contributor on the VNet before the cluster is created",
        );
    }
    // The cluster builds each pool from the VM spec the plan carries with it (planAddresses puts it there).
    plan.pools.forEach((pool, index) => {
        if (typeof pool?.vm?.vmSize !== "string")
            problems.add(
                `network.plan.pools[${index}].vm`,
                `pool ${describeValue(pool?.name)} of the network's address plan has no VM spec: ` +
                    `make the plan with planAddresses (or the Network component), ` +
                    `which carries each pool's VM settings`,
            );
    });
    // A pool whose pod subnet has no ID would silently fall back to node-subnet CNI (pod IPs from the node subnet).
    const podSubnetNames = plan.podSubnets.map((s) => s.name);
    for (const subnet of plan.podSubnets) {
        if (podSubnetIds?.[subnet.name] === undefined) {
            problems.add(
                "network.podSubnetIds",
                `has no ID for the planned pod subnet "${subnet.name}" (${subnet.cidr}); ` +
                    `give one for each of ${podSubnetNames.join(", ")}`,
            );
        }
    }
    for (const name of Object.keys(podSubnetIds ?? {})) {
        if (!podSubnetNames.includes(name))
            problems.add(
                "network.podSubnetIds",
                `"${name}" is not a pod subnet of the network's address plan (${podSubnetNames.join(", ")})`,
            );
    }
}
