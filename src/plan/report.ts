/**
 * Text rendering of an offline plan: the resource tree, the creation order, the address plan, the capacity table and
 * the NAT summary.
 */
import { defaults } from "../defaults";
import { NETWORK_CONTRIBUTOR_ROLE, PRIVATE_DNS_ZONE_CONTRIBUTOR_ROLE } from "../cluster/cluster";
import { cidr, contains, mergeToCidrs, subtractRanges } from "../planner/cidr";
import { AddressPlan } from "../planner/types";
import {
    AgentPoolInputs,
    Container,
    KubernetesObject,
    ManagedClusterInputs,
    RoleAssignmentInputs,
    SubnetInputs,
    VirtualNetworkInputs,
} from "./inputs";
import { RecordedInputs } from "./mocks";
import { creationWaves } from "./order";
import { PlannedResource } from "./runProgram";

const ROLE_NAMES: Record<string, string> = {
    [NETWORK_CONTRIBUTOR_ROLE]: "Network Contributor",
    [PRIVATE_DNS_ZONE_CONTRIBUTOR_ROLE]: "Private DNS Zone Contributor",
};

/** The inputs worth reading in a plan, per resource type (each reader types the inputs it reads). */
const KEY_INPUTS: Record<string, (inputs: RecordedInputs) => Record<string, unknown>> = {
    "azure-native:resources:ResourceGroup": (i: { resourceGroupName?: string; location?: string }) => ({
        name: i.resourceGroupName,
        location: i.location,
    }),
    "azure-native:network:VirtualNetwork": (i: VirtualNetworkInputs) => ({
        name: i.virtualNetworkName,
        addressPrefixes: i.addressSpace?.addressPrefixes,
    }),
    "azure-native:network:Subnet": (i: SubnetInputs) => ({
        name: i.subnetName,
        addressPrefix: i.addressPrefix,
        delegation: i.delegations?.map((d) => d.serviceName) ?? "none",
        natGateway: i.natGateway && lastSegments(i.natGateway.id, 1),
        routeTable: i.routeTable && lastSegments(i.routeTable.id, 1),
    }),
    "azure-native:network:PublicIPAddress": (i: { sku?: { name?: string }; publicIPAllocationMethod?: string }) => ({
        sku: i.sku?.name,
        allocation: i.publicIPAllocationMethod,
    }),
    "azure-native:network:NatGateway": (i: { idleTimeoutInMinutes?: number }) => ({
        idleTimeoutInMinutes: i.idleTimeoutInMinutes,
    }),
    "azure-native:network:RouteTable": (i: { routes?: Route[] }) => ({
        routes: i.routes?.map((r) => `${r.addressPrefix} → ${r.nextHopType} ${r.nextHopIpAddress ?? ""}`.trim()),
    }),
    "azure-native:containerservice:MaintenanceConfiguration": (i: { maintenanceWindow?: MaintenanceWindow }) => {
        const w = i.maintenanceWindow ?? {};
        return { window: `${w.schedule?.weekly?.dayOfWeek} ${w.startTime} UTC${w.utcOffset} for ${w.durationHours} h` };
    },
    "azure-native:managedidentity:UserAssignedIdentity": () => ({}),
    "azure-native:authorization:RoleAssignment": (i: RoleAssignmentInputs) => ({
        role: ROLE_NAMES[lastSegments(i.roleDefinitionId, 1)] ?? lastSegments(i.roleDefinitionId, 1),
        scope: lastSegments(i.scope, 2),
    }),
    "azure-native:containerservice:ManagedCluster": (i: ManagedClusterInputs) => ({
        name: i.resourceName,
        kubernetesVersion: i.kubernetesVersion,
        networkPlugin: i.networkProfile?.networkPlugin,
        networkPluginMode: i.networkProfile?.networkPluginMode ?? "unset",
        networkDataplane: i.networkProfile?.networkDataplane,
        serviceCidr: i.networkProfile?.serviceCidr,
        dnsServiceIP: i.networkProfile?.dnsServiceIP,
        outboundType: i.networkProfile?.outboundType,
        networkPolicy: i.networkProfile?.networkPolicy ?? "none",
        privateCluster: i.apiServerAccessProfile?.enablePrivateCluster ?? false,
        authorizedIPRanges: i.apiServerAccessProfile?.authorizedIPRanges,
        entraId: i.aadProfile
            ? `managed, Azure RBAC, local accounts ${i.disableLocalAccounts ? "disabled" : "enabled"}`
            : undefined,
        autoUpgradeChannel: i.autoUpgradeProfile?.upgradeChannel,
        virtualNodes: i.addonProfiles?.aciConnectorLinux?.enabled
            ? `ACI connector on subnet ${i.addonProfiles.aciConnectorLinux.config?.SubnetName}`
            : undefined,
        systemPool: i.agentPoolProfiles?.map(poolSummary),
    }),
    "azure-native:containerservice:AgentPool": (i: AgentPoolInputs) => ({ pool: poolSummary(i) }),
    "pulumi:providers:kubernetes": (i: { clusterIdentifier?: unknown }) => ({
        kubeconfig: "[secret]",
        clusterIdentifier: lastSegments(i.clusterIdentifier, 1),
    }),
    "kubernetes:core/v1:ConfigMap": (i: KubernetesObject) => ({
        namespace: i.metadata?.namespace,
        name: i.metadata?.name,
        files: Object.keys(i.data ?? {}),
    }),
    "kubernetes:apps/v1:DaemonSet": (i: KubernetesObject) => {
        const pod = i.spec?.template?.spec ?? {};
        return {
            namespace: i.metadata?.namespace,
            name: i.metadata?.name,
            image: pod.containers?.[0]?.image,
            args: pod.containers?.[0]?.args,
        };
    },
};

interface Route {
    addressPrefix?: string;
    nextHopType?: string;
    nextHopIpAddress?: string;
}

interface MaintenanceWindow {
    schedule?: { weekly?: { dayOfWeek?: string } };
    startTime?: string;
    utcOffset?: string;
    durationHours?: number;
}

function poolSummary(p: AgentPoolInputs): string {
    const size = p.enableAutoScaling ? `${p.minCount}-${p.maxCount} nodes` : `${p.count} nodes`;
    return (
        `${p.name ?? p.agentPoolName} ${p.mode} ${size} maxPods=${p.maxPods} ` +
        `maxSurge=${p.upgradeSettings?.maxSurge} ${p.podIPAllocationMode} ` +
        `nodes→${lastSegments(p.vnetSubnetID, 1)} pods→${lastSegments(p.podSubnetID, 1)}`
    );
}

function lastSegments(id: unknown, count: number): string {
    return typeof id === "string" ? id.split("/").slice(-count).join("/") : String(id);
}

function formatValue(value: unknown): string {
    if (Array.isArray(value)) return value.map(formatValue).join(", ");
    return String(value);
}

export function renderResourceTree(resources: PlannedResource[]): string[] {
    const children = new Map<string, PlannedResource[]>();
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    for (const r of resources) {
        if (r === root) continue;
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines = [`${root?.type ?? "pulumi:pulumi:Stack"}  ${root?.name ?? ""}`];
    const walk = (parent: string, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, index) => {
            const last = index === list.length - 1;
            const details = Object.entries(KEY_INPUTS[r.type]?.(r.inputs) ?? {})
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => `${k}=${formatValue(v)}`);
            const extras = [
                ...(r.dependsOn.length ? [`after=${r.dependsOn.join(",")}`] : []),
                ...(r.ignoreChanges.length ? [`ignoreChanges=${r.ignoreChanges.join(",")}`] : []),
                ...(r.protect ? ["protect=true"] : []),
            ];
            lines.push(`${indent}${last ? "└─ " : "├─ "}${r.type}  ${r.name}`);
            for (const detail of [...details, ...extras]) lines.push(`${indent}${last ? "   " : "│  "}   ${detail}`);
            walk(r.name, indent + (last ? "   " : "│  "));
        });
    };
    walk(root?.name ?? "", "");
    return lines;
}

/** A resource type as read in the order: `Subnet`, `ConfigMap`, `provider kubernetes`. */
function kindOf(type: string): string {
    return type.startsWith("pulumi:providers:") ? `provider ${type.split(":")[2]}` : type.split(":").pop()!;
}

/**
 * The creation order in numbered waves: a wave starts once every earlier wave exists. Each resource names what it
 * waits for directly; what that already waits for is left out (the JSON's `dependsOn` lists every dependency).
 */
export function renderCreationOrder(resources: PlannedResource[]): string[] {
    const waves = creationWaves(resources);
    const entries = waves.flatMap((wave, index) =>
        wave.map((entry, i) => ({ ...entry, wave: i === 0 ? String(index + 1) : "" })),
    );
    const width = (values: string[]) => Math.max(...values.map((v) => v.length));
    const [waveWidth, nameWidth, kindWidth] = [
        width(entries.map((e) => e.wave)),
        width(entries.map((e) => e.resource.name)),
        width(entries.map((e) => kindOf(e.resource.type))),
    ];
    return [
        `Creation order (${entries.length} resources in ${waves.length} waves; ` +
            'a wave starts when all earlier ones exist; "after" omits waits implied by others)',
        ...entries.map((e) =>
            (
                `  ${e.wave.padStart(waveWidth)}  ${e.resource.name.padEnd(nameWidth)}  ` +
                `${kindOf(e.resource.type).padEnd(kindWidth)}  ` +
                (e.waitsForDirectly.length ? `after ${e.waitsForDirectly.join(", ")}` : "")
            ).trimEnd(),
        ),
    ];
}

function table(header: string[], rows: (string | number)[][]): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells: (string | number)[]) =>
        cells
            .map((c, i) => (typeof c === "number" ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/**
 * What NATs pod traffic in this plan, from the Kubernetes objects it deploys: the agent (`on`), nothing (`off`,
 * `ipMasqAgent.enabled: false`), or nothing while the clean-up DaemonSet removes the agent's rules (`cleanup`). The
 * text plan, the JSON (`nat`) and the address map all say this, in the same words.
 */
export interface NatSummary {
    agent: "on" | "off" | "cleanup";
    /** The agent's iptables chain (on), or the chain the clean-up DaemonSet removes (cleanup). */
    chain?: string;
    /** The clean-up DaemonSet's name (cleanup). */
    cleanup?: string;
    /** Destinations pods reach with their own IP (besides the internet, which the outbound type handles). */
    podIPTowards: string[];
    /**
     * Connected networks (less the ranges that keep pod IPs) pods reach as the node IP; empty unless the agent is on.
     */
    nodeIPTowards: string[];
    /** The whole story in one paragraph, as the address map prints it. */
    summary: string;
}

const LINK_LOCAL = "169.254.0.0/16";

/** Reads the agent's state from the plan's Kubernetes objects (the agent's DaemonSet is the one with --masq-chain). */
export function natSummary(plan: AddressPlan | undefined, manifests: Record<string, unknown>[]): NatSummary {
    const daemonSets = (manifests as KubernetesObject[]).filter((m) => m?.kind === "DaemonSet");
    const containers = (m: KubernetesObject | undefined): Container[] => m?.spec?.template?.spec?.containers ?? [];
    const argsOf = (m: KubernetesObject | undefined): string[] =>
        containers(m).flatMap((c) => (Array.isArray(c?.args) ? c.args : []));
    const agent = daemonSets.find((m) => argsOf(m).some((a) => typeof a === "string" && a.startsWith("--masq-chain=")));
    const cleanup = daemonSets.find((m) => m !== agent && String(m?.metadata?.name ?? "").endsWith("-cleanup"));
    const nonMasq = plan?.ipMasqAgent?.nonMasqueradeCIDRs ?? [];
    const connected = plan?.connectedCidrs ?? [];
    if (agent)
        return agentOnSummary(
            plan,
            argsOf(agent)
                .find((a) => a.startsWith("--masq-chain="))!
                .split("=")[1],
        );
    const script = containers(cleanup)
        .flatMap((c) => (Array.isArray(c?.command) ? c.command : []))
        .join("\n");
    const chain = cleanup ? /chain='([^']+)'/.exec(script)?.[1] : undefined;
    const podIPTowards = [...new Set([...nonMasq, ...connected])];
    const reach = connected.length
        ? `pods reach the connected networks (${connected.join(", ")}) with their pod IP, ` +
          "which those networks cannot route back to: no reply unless a firewall or appliance on the path NATs it"
        : "pods reach every destination with their pod IP (no connected networks declared)";
    const summary =
        `No NAT by the nodes (ip-masq-agent-v2 is off): ${reach}.` +
        (cleanup
            ? ` The clean-up DaemonSet ${cleanup.metadata?.name} removes chain ${chain ?? "?"} ` +
              "and its POSTROUTING jump from every node."
            : "");
    return {
        agent: cleanup ? "cleanup" : "off",
        ...(cleanup ? { chain, cleanup: cleanup.metadata?.name } : {}),
        podIPTowards,
        nodeIPTowards: [],
        summary,
    };
}

/** The agent on every node, with its chain (undefined: not known here). */
export function agentOnSummary(plan: AddressPlan | undefined, chain: string | undefined): NatSummary {
    const nonMasq = plan?.ipMasqAgent?.nonMasqueradeCIDRs ?? [];
    const connected = plan?.connectedCidrs ?? [];
    return {
        agent: "on",
        ...(chain ? { chain } : {}),
        podIPTowards: [...nonMasq, LINK_LOCAL],
        nodeIPTowards: plan ? connectedParts(plan) : [],
        summary:
            `ip-masq-agent-v2 on every node: pods keep their IP towards ${nonMasq.join(", ")} ` +
            `and link-local (${LINK_LOCAL}); ` +
            "they appear as the node IP towards " +
            (connected.length ? "the connected networks (less those ranges) and " : "") +
            "every other destination.",
    };
}

/**
 * The address plan and its NAT. `nat` is the plan's agent state (natSummary); a chain name alone stands for the
 * agent on with that chain.
 */
export function renderAddressPlan(plan: AddressPlan, nat: string | NatSummary, outboundType: string): string[] {
    const subnets = [plan.nodeSubnet, ...plan.podSubnets];
    const state = typeof nat === "string" ? agentOnSummary(plan, nat) : nat;
    return [
        `VNet address space: ${plan.vnetAddressSpace.join(", ")}`,
        `Service range: ${plan.serviceCidr}   DNS service IP: ${plan.dnsServiceIP}`,
        "",
        ...table(
            ["subnet", "role", "cidr", "size", "usable", "allocatable", "needed", "headroom", "pools"],
            subnets.map((s) => [
                s.name,
                s.role === "nodes" ? "nodes (routable)" : "pods (private)",
                s.cidr,
                s.size,
                s.usable,
                s.allocatable,
                s.needed,
                s.headroom,
                s.pools.join(","),
            ]),
        ),
        "",
        "Capacity per pool (at peak: maxCount + upgrade surge)",
        ...table(
            ["pool", "mode", "nodes", "surge", "peak", "maxPods", "allocation", "IPs/node", "pod IPs", "pod subnet"],
            plan.pools.map((p) => [
                p.name,
                p.mode,
                p.autoscaling ? `${p.minCount}-${p.maxCount}` : `${p.count}`,
                p.surgeNodes,
                p.peakNodes,
                p.maxPods,
                p.podIPAllocationMode,
                p.podIPsPerNode,
                p.podIPsNeeded,
                p.podSubnetName,
            ]),
        ),
        "",
        ...advertised(plan),
        "",
        routableLine(plan),
        "",
        ...renderNat(plan, state, outboundType),
    ];
}

/**
 * Routable addresses: the VNet's address space outside the pod subnets (what the corporate network must allot and
 * route), next to what Azure CNI node-subnet mode would need.
 */
export function routableLine(plan: AddressPlan): string {
    const r = plan.routableAddresses;
    const ranges = routableRanges(plan);
    const verdict =
        r.podSubnetMode <= r.nodeSubnetModeNeeded
            ? `Azure CNI node-subnet mode would need ${r.nodeSubnetModeNeeded} (a /${r.nodeSubnetModePrefix}): ` +
              `${r.savingPercent}% saved`
            : `this VNet uses ${(r.podSubnetMode - r.nodeSubnetModeNeeded).toLocaleString("en-US")} ` +
              "more than Azure CNI node-subnet mode would need " +
              `(${r.nodeSubnetModeNeeded}, a /${r.nodeSubnetModePrefix}): ` +
              "list only the subnets' ranges in vnetAddressSpace (or leave it unset) to save routable space";
    return (
        `Routable addresses: ${r.podSubnetMode} ` +
        `(the VNet's address space outside the pod subnets: ${ranges.join(", ")}) — ${verdict}`
    );
}

/** The VNet's address space outside the pod subnets, as CIDRs: the ranges routableAddresses counts. */
export function routableRanges(plan: AddressPlan): string[] {
    const pods = plan.podSubnets.map((s) => cidr(s.cidr));
    return plan.vnetAddressSpace.flatMap((prefix) =>
        mergeToCidrs(subtractRanges([cidr(prefix)], pods)).map((c) => c.text),
    );
}

function renderNat(plan: AddressPlan, nat: NatSummary, outboundType: string): string[] {
    if (nat.agent === "on") {
        return [
            `NAT by ip-masq-agent-v2 on every node (chain ${nat.chain ?? "?"})`,
            `  pods keep their IP towards: ${plan.ipMasqAgent.nonMasqueradeCIDRs.join(", ")}, ` +
                `and link-local (${LINK_LOCAL})`,
            "  pods appear as the node IP towards the connected networks: " +
                (nat.nodeIPTowards.length ? nat.nodeIPTowards.join("; ") : "(none declared)"),
            `  and towards every other destination (the internet leaves via ${outboundType})`,
        ];
    }
    const connected = plan.connectedCidrs;
    const lines = [
        `No NAT by the nodes: ip-masq-agent-v2 is off (ipMasqAgent.enabled: false)`,
        connected.length
            ? `  pods reach the connected networks (${connected.join(", ")}) with their pod IP, ` +
              "which those networks cannot route back to: no reply unless a firewall or appliance on the path NATs it"
            : "  pods reach every destination with their pod IP (no connected networks declared)",
        "  inside the VNet and towards " +
            (plan.ipMasqAgent.extraNonMasqueradeCidrs.length
                ? `${plan.ipMasqAgent.extraNonMasqueradeCidrs.join(", ")} (extra)`
                : "every other destination") +
            ` pods keep their IP as well (the internet leaves via ${outboundType})`,
    ];
    if (nat.agent === "cleanup") {
        lines.push(
            `  the clean-up DaemonSet ${nat.cleanup} removes chain ${nat.chain ?? "?"} ` +
                "and its POSTROUTING jump from every node, then idles: " +
                "check its logs, then set ipMasqAgent.cleanup: false",
        );
    } else {
        lines.push(
            "  nodes where the agent ran keep its chain until they are reimaged: " +
                'set ipMasqAgent.cleanup: true to remove it (docs/operations.md, "Removing the agent")',
        );
    }
    return lines;
}

/**
 * What other networks learn of this VNet: peering and gateway transit advertise its whole address space, the pod
 * ranges included, so those must be unique among the VNets peered with one hub; only on-prem may filter them.
 */
function advertised(plan: AddressPlan): string[] {
    const pods = plan.podSubnets.map((s) => s.cidr).join(", ");
    const lines = [
        `Advertised by VNet peering and gateway transit (to the hub and on-prem): ${plan.advertisedRanges.join(", ")}`,
        `  the pod ranges (${pods}) included: unique among the VNets peered with one hub; on-prem may filter them`,
    ];
    if (plan.hubAddressSpace) {
        const extra = plan.ipMasqAgent.nonMasqueradeCIDRs.map(cidr);
        const keeps = plan.hubAddressSpace.filter((h) => extra.some((e) => contains(e, cidr(h))));
        lines.push(
            `  hub ${plan.hubAddressSpace.join(", ")}: pods reach it as ` +
                (keeps.length === plan.hubAddressSpace.length
                    ? "their pod IP (listed in extraNonMasqueradeCidrs)"
                    : keeps.length
                      ? `their pod IP for ${keeps.join(", ")}, else the node IP`
                      : "the node IP (list its prefixes in extraNonMasqueradeCidrs to keep pod IPs)"),
        );
    }
    return lines;
}

/** Each connected network, with the parts that keep pod IPs carved out. */
function connectedParts(plan: AddressPlan): string[] {
    const carved = plan.ipMasqAgent?.nonMasqueradeCIDRs ?? [];
    return (plan.connectedCidrs ?? []).map((network) => {
        const holes = carved.filter((c) => contains(cidr(network), cidr(c)));
        return holes.length ? `${network} except ${holes.join(", ")}` : network;
    });
}

/**
 * How `pulumi up` reaches the API server to create the agent's Kubernetes objects: where it must run for a private
 * cluster, and which Kubernetes role it gets with Entra ID.
 */
export function renderAccess(resources: PlannedResource[]): string[] {
    const cluster = resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster");
    if (!cluster) return [];
    const access = (cluster.inputs as ManagedClusterInputs).apiServerAccessProfile ?? {};
    const hub = resources.find(
        (r) => r.type === "azure-native:network:VirtualNetworkPeering" && r.name.endsWith("spoke-to-hub"),
    );
    const peering: { remoteVirtualNetwork?: { id?: string } } | undefined = hub?.inputs;
    const hubName = peering ? lastSegments(peering.remoteVirtualNetwork?.id, 1) : undefined;
    const lines = ["API server access (how pulumi up creates the agent's Kubernetes objects)"];
    if (!access.enablePrivateCluster) {
        lines.push(
            access.authorizedIPRanges
                ? `  public API server, open to ${formatValue(access.authorizedIPRanges)}: ` +
                      "pulumi up must run from one of those ranges"
                : "  public API server, open to the internet: pulumi up can run anywhere",
        );
    } else {
        const zone: string = access.privateDNSZone ?? defaults.privateDnsZone;
        const custom = zone !== "system" && zone !== "none";
        lines.push(`  private API server, DNS zone ${custom ? lastSegments(zone, 1) : zone}`);
        if (hub && custom) {
            lines.push(
                `  pulumi up runs in the hub ${hubName} or a network peered with it: ` +
                    "the spoke is peered with the hub, and the zone (yours) must be linked to the hub's VNet",
            );
        } else if (hub) {
            lines.push(
                `  AKS links the ${zone} zone to this VNet only: ` +
                    `a runner in the hub ${hubName} reaches the endpoint through the peering ` +
                    "but resolves it only if the zone is linked to the hub too (or use a custom zone in the hub)",
            );
        } else {
            lines.push(
                "  pulumi up must run where it reaches this VNet and resolves the API server: " +
                    "a runner inside the VNet, or in a network peered with it",
            );
            lines.push(
                "  and linked to the zone; create that path before the first pulumi up, " +
                    "or the agent's objects cannot be created (set hub to peer)",
            );
        }
    }
    const deployer = resources.find(
        (r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.endsWith("deployer-cluster-admin"),
    );
    const wait: { seconds?: number } | undefined = resources.find((r) =>
        r.name.endsWith("deployer-role-propagation"),
    )?.inputs;
    if (deployer) {
        lines.push(
            "  Entra ID with Azure RBAC: the identity running pulumi up gets " +
                "Azure Kubernetes Service RBAC Cluster Admin on the cluster; " +
                `the Kubernetes objects wait once, up to ${wait?.seconds ?? "?"} s, for it to apply`,
        );
    }
    return lines;
}
