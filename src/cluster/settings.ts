/**
 * Cluster settings a platform team expects from an AKS module: access (private API server, Entra ID, authorized
 * ranges), upgrades (auto-upgrade channel and its maintenance window), network policy, tags and protection.
 * Plain values, checked here once for the component and the stack program alike.
 */
import { MAX_NODES_PER_CLUSTER } from "../defaults";
import { describeValue, ProblemList } from "../errors";
import { isPrivateDnsZoneId, privateDnsZoneProblem } from "../aks/names";
import { KUBELOGIN_MODES, KubeloginMode } from "./kubernetesAccess";
import { cidr, overlaps, parseCidr } from "../planner/cidr";

const UPGRADE_CHANNELS = ["none", "patch", "stable", "rapid", "node-image"] as const;
export type UpgradeChannel = (typeof UPGRADE_CHANNELS)[number];
/** autoUpgradeProfile.nodeOSUpgradeChannel (auto-upgrade-node-os-image.md); AKS's default is NodeImage. */
const NODE_OS_UPGRADE_CHANNELS = ["None", "Unmanaged", "NodeImage", "SecurityPatch"] as const;
export type NodeOsUpgradeChannel = (typeof NODE_OS_UPGRADE_CHANNELS)[number];
/** free-standard-pricing-tiers.md: Free (no uptime SLA, up to 1,000 nodes), Standard and Premium (SLA, up to 5,000). */
const TIERS = ["Free", "Standard", "Premium"] as const;
export type Tier = (typeof TIERS)[number];
const NETWORK_POLICIES = ["none", "azure", "calico"] as const;
export type NetworkPolicy = (typeof NETWORK_POLICIES)[number];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** A weekly window in which AKS may apply automatic upgrades. */
export interface MaintenanceWindow {
    /** e.g. `Sunday`. */
    dayOfWeek: (typeof DAYS)[number];
    /** Local start time `HH:MM`. */
    startTime: string;
    /** 4–24 hours. */
    durationHours: number;
    /** Offset of `startTime` from UTC, `+HH:MM` / `-HH:MM`. Default: `+00:00`. */
    utcOffset?: string;
}

export interface ClusterSettings {
    /** Private API server (reachable only from the VNet and networks connected to it). Default: false. */
    privateCluster?: boolean;
    /**
     * With a private cluster: `system` (AKS creates the zone), `none`, or the resource ID of your private DNS zone.
     * Default: `system`.
     */
    privateDnsZone?: string;
    /** Public API server only: the CIDRs allowed to reach it. Default: none (open). */
    authorizedIpRanges?: string[];
    /**
     * Microsoft Entra ID with Azure RBAC, and local accounts disabled (the kubeconfig then needs kubelogin). Default:
     * false.
     */
    entraId?: boolean;
    /** With Entra ID: object IDs of the groups that become cluster admins. Default: none. */
    adminGroupObjectIds?: string[];
    /**
     * With Entra ID: how kubelogin logs in for the kubeconfig `pulumi up` uses: `azurecli`, `workloadidentity`, `spn`
     * or `msi`, never device code. Default: `azurecli`.
     */
    kubeloginMode?: KubeloginMode;
    /**
     * AKS auto-upgrade channel. With any channel but `none`, AKS moves `kubernetesVersion` and Pulumi ignores it.
     * Default: `none`.
     */
    autoUpgradeChannel?: UpgradeChannel;
    /**
     * How node OS images are updated: `None`, `Unmanaged`, `NodeImage` or `SecurityPatch`. Default: AKS's
     * (`NodeImage`).
     */
    nodeOsUpgradeChannel?: NodeOsUpgradeChannel;
    /** When auto-upgrades (Kubernetes and node OS) may run. Default: any time. */
    maintenanceWindow?: MaintenanceWindow;
    /** The AKS pricing tier: `Free`, `Standard` (uptime SLA, for production) or `Premium`. Default: `Free`. */
    tier?: Tier;
    /**
     * Kubernetes NetworkPolicy engine: `none`, `azure` or `calico` (Cilium cannot run with the agent). Default: `none`.
     */
    networkPolicy?: NetworkPolicy;
    /** Refuse to delete the cluster (`protect`), for production stacks. Default: false. */
    protect?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** api-server-authorized-ip-ranges.md: "You can specify up to 200 authorized IP ranges." */
const MAX_AUTHORIZED_RANGES = 200;
/** The az CLI's placeholder for "only the load balancer's outbound IP"; allowed alone only. */
const LOAD_BALANCER_ONLY = "0.0.0.0/32";
/**
 * Ranges that are not "global non-reserved" (az CLI validate_ip_ranges uses Python's ipaddress is_global): private,
 * shared, loopback, link-local, documentation, benchmarking, multicast and reserved space. The API server is public,
 * so such ranges never match a client.
 */
const NON_GLOBAL_RANGES = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
].map(cidr);

/** What the cluster settings are checked against: facts that live in other keys. */
export interface ClusterContext {
    /** The Azure region, when known as a plain value. */
    location?: string;
    /** Whether the cluster runs virtual nodes. */
    virtualNodes?: boolean;
}
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const UTC_OFFSET = /^[+-](0\d|1[0-4]):(00|30|45)$/;

export function checkClusterSettings(s: ClusterSettings, problems: ProblemList, context: ClusterContext = {}): void {
    for (const key of ["privateCluster", "entraId", "protect"] as const) {
        if (s[key] !== undefined && typeof s[key] !== "boolean")
            problems.add(key, `expected true or false, got ${describeValue(s[key])}`);
    }

    if (s.privateDnsZone !== undefined) {
        if (s.privateCluster !== true) {
            problems.add(
                "privateDnsZone",
                "is only used with privateCluster: true: remove it or make the cluster private",
            );
        } else if (typeof s.privateDnsZone !== "string") {
            problems.add(
                "privateDnsZone",
                `expected "system", "none" or the resource ID of a private DNS zone, ` +
                    `got ${describeValue(s.privateDnsZone)}`,
            );
        } else if (isPrivateDnsZoneId(s.privateDnsZone)) {
            const why = privateDnsZoneProblem(s.privateDnsZone, context.location);
            if (why) problems.add("privateDnsZone", why);
        }
    }

    const ranges = s.authorizedIpRanges;
    if (ranges !== undefined) {
        if (!Array.isArray(ranges)) {
            problems.add(
                "authorizedIpRanges",
                `expected a list of CIDRs such as ["203.0.113.0/24"], got ${describeValue(ranges)}`,
            );
        } else if (s.privateCluster === true && ranges.length > 0) {
            problems.add(
                "authorizedIpRanges",
                "apply to a public API server only; a private cluster is reached through the VNet: " +
                    "remove them or set privateCluster: false",
            );
        } else {
            checkAuthorizedRanges(ranges, context, problems);
        }
    }

    const groups = s.adminGroupObjectIds;
    if (groups !== undefined) {
        const bad = Array.isArray(groups)
            ? groups.flatMap((g, i) => (typeof g === "string" && GUID.test(g) ? [] : [i]))
            : [];
        if (!Array.isArray(groups)) {
            problems.add(
                "adminGroupObjectIds",
                `expected a list of Entra group object IDs (GUIDs), got ${describeValue(groups)}`,
            );
        } else if (bad.length) {
            for (const i of bad) {
                problems.add(
                    `adminGroupObjectIds[${i}]`,
                    `${typeof groups[i] === "string" ? JSON.stringify(groups[i]) : describeValue(groups[i])} ` +
                        `is not an Entra group object ID (a GUID such as "00000000-0000-0000-0000-000000000000"): ` +
                        `use the group's Object ID from "az ad group show --group <name> --query id"`,
                );
            }
        } else if (groups.length > 0 && s.entraId !== true) {
            problems.add("adminGroupObjectIds", "are only used with entraId: true: enable Entra ID or remove them");
        }
    }

    if (s.kubeloginMode !== undefined && !KUBELOGIN_MODES.includes(s.kubeloginMode)) {
        problems.add(
            "kubeloginMode",
            `expected one of ${KUBELOGIN_MODES.join(", ")} (never devicecode, which waits for a person), ` +
                `got ${describeValue(s.kubeloginMode)}`,
        );
    } else if (s.kubeloginMode !== undefined && s.entraId !== true) {
        problems.add("kubeloginMode", "is only used with entraId: true (kubelogin fetches Entra ID tokens): remove it");
    }

    const channel = s.autoUpgradeChannel;
    if (channel !== undefined && !UPGRADE_CHANNELS.includes(channel)) {
        problems.add(
            "autoUpgradeChannel",
            `expected one of ${UPGRADE_CHANNELS.join(", ")}, got ${describeValue(channel)}`,
        );
    }
    const nodeOs = s.nodeOsUpgradeChannel;
    if (nodeOs !== undefined && !NODE_OS_UPGRADE_CHANNELS.includes(nodeOs)) {
        problems.add(
            "nodeOsUpgradeChannel",
            `expected one of ${NODE_OS_UPGRADE_CHANNELS.join(", ")}, got ${describeValue(nodeOs)}`,
        );
    }
    if (s.tier !== undefined && !TIERS.includes(s.tier))
        problems.add("tier", `expected one of ${TIERS.join(", ")}, got ${describeValue(s.tier)}`);
    checkMaintenanceWindow(s.maintenanceWindow, channel, nodeOs, problems);

    const policy = s.networkPolicy;
    if (policy !== undefined && !NETWORK_POLICIES.includes(policy)) {
        problems.add(
            "networkPolicy",
            (policy as string) === "cilium"
                ? `"cilium" needs the Cilium dataplane, ` +
                      `whose eBPF host routing bypasses the iptables rules of ip-masq-agent-v2: use "azure" or "calico"`
                : `expected one of ${NETWORK_POLICIES.join(", ")}, got ${describeValue(policy)}`,
        );
    }
}

/** The rules of the az CLI's validate_ip_ranges and api-server-authorized-ip-ranges.md. */
function checkAuthorizedRanges(ranges: unknown[], context: ClusterContext, problems: ProblemList): void {
    const key = "authorizedIpRanges";
    ranges.forEach((range, i) => {
        if (range === LOAD_BALANCER_ONLY) {
            if (ranges.length > 1)
                problems.add(
                    `${key}[${i}]`,
                    `"${LOAD_BALANCER_ONLY}" (only the load balancer's outbound IP) is allowed alone, ` +
                        `not with other ranges: remove it or the others`,
                );
            return;
        }
        const parsed = parseCidr(range);
        if (!parsed.ok) {
            problems.add(`${key}[${i}]`, parsed.reason);
            return;
        }
        const reserved = NON_GLOBAL_RANGES.find((r) => overlaps(r, parsed.cidr));
        if (reserved) {
            problems.add(
                `${key}[${i}]`,
                `${parsed.cidr.text} overlaps ${reserved.text}, which is not public address space: ` +
                    `the API server is reached over the internet, so list public ranges only ` +
                    `(a private cluster is reached through the VNet)`,
            );
        }
    });
    if (ranges.length > MAX_AUTHORIZED_RANGES)
        problems.add(key, `holds ${ranges.length} ranges; AKS takes at most ${MAX_AUTHORIZED_RANGES}`);
    if (context.virtualNodes && ranges.length > 0) {
        problems.add(
            key,
            "cannot be combined with virtual nodes (the ACI connector must reach the API server): " +
                "remove the ranges or virtualNodeSubnetCidr",
        );
    }
}

function checkMaintenanceWindow(
    window: MaintenanceWindow | undefined,
    channel: UpgradeChannel | undefined,
    nodeOs: NodeOsUpgradeChannel | undefined,
    problems: ProblemList,
): void {
    if (window === undefined) return;
    const key = "maintenanceWindow";
    if (typeof window !== "object" || window === null || Array.isArray(window)) {
        problems.add(
            key,
            `expected an object such as { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4 }, ` +
                `got ${describeValue(window)}`,
        );
        return;
    }
    if ((channel === undefined || channel === "none") && !schedulesNodeOs(nodeOs)) {
        problems.add(
            key,
            `only schedules automatic upgrades, ` +
                `and autoUpgradeChannel is ${channel ?? "none"} and nodeOsUpgradeChannel ${nodeOs ?? "unset"}: ` +
                `pick a channel (e.g. autoUpgradeChannel "patch" or nodeOsUpgradeChannel "NodeImage") ` +
                `or remove the window`,
        );
    }
    if (!DAYS.includes(window.dayOfWeek))
        problems.add(`${key}.dayOfWeek`, `expected one of ${DAYS.join(", ")}, got ${describeValue(window.dayOfWeek)}`);
    if (typeof window.startTime !== "string" || !TIME.test(window.startTime))
        problems.add(
            `${key}.startTime`,
            `expected a time "HH:MM" such as "02:00", got ${describeValue(window.startTime)}`,
        );
    const hours = window.durationHours;
    if (typeof hours !== "number" || !Number.isInteger(hours) || hours < 4 || hours > 24) {
        problems.add(
            `${key}.durationHours`,
            `expected whole hours from 4 to 24 (AKS's minimum window is 4 hours), got ${describeValue(hours)}`,
        );
    }
    if (
        window.utcOffset !== undefined &&
        (typeof window.utcOffset !== "string" || !UTC_OFFSET.test(window.utcOffset))
    ) {
        problems.add(
            `${key}.utcOffset`,
            `expected an offset such as "+01:00" or "-05:00", got ${describeValue(window.utcOffset)}`,
        );
    }
}

/** The pools' maxCount must fit the tier's node limit (1,000 on Free, 5,000 on Standard and Premium). */
export function checkNodeLimit(
    pools: readonly { maxCount: number }[],
    tier: Tier | undefined,
    problems: ProblemList,
): void {
    const chosen = tier !== undefined && TIERS.includes(tier) ? tier : "Free";
    const nodes = pools.reduce((sum, p) => sum + p.maxCount, 0);
    const limit = MAX_NODES_PER_CLUSTER[chosen];
    if (nodes > limit) {
        problems.add(
            "nodePools",
            `the pools' maxCount add up to ${nodes} nodes; a ${chosen}-tier AKS cluster supports at most ${limit}: ` +
                `lower maxCount${chosen === "Free" ? ', or set tier "Standard" (5,000)' : " or split the cluster"}`,
        );
    }
}

/** Node OS channels AKS schedules with the aksManagedNodeOSUpgradeSchedule maintenance configuration. */
export function schedulesNodeOs(channel: NodeOsUpgradeChannel | undefined): boolean {
    return channel === "NodeImage" || channel === "SecurityPatch";
}
