/** Node pool and cluster settings that do not shape addresses (VM size, OS, zones, labels, taints, egress). */
import { ProblemList } from "../errors";
import { describeValue } from "../planner/cidr";
import { NodePoolAddressSpec } from "../planner/types";

export { OUTBOUND_TYPES, OutboundType } from "../network/egress";

export const OS_SKUS = ["AzureLinux", "Ubuntu"] as const;
export type OsSku = (typeof OS_SKUS)[number];

/** A node pool: its address-shaping fields (see the planner) plus how its VMs look. */
export interface NodePoolSpec extends NodePoolAddressSpec {
    /** VM size of the nodes. Default: `Standard_D4s_v5`. */
    vmSize?: string;
    /** Node OS. Default: `AzureLinux`. */
    osSku?: OsSku;
    /** Availability zones to spread nodes over, e.g. `["1", "2", "3"]`. Default: none (regional). */
    availabilityZones?: string[];
    /** Kubernetes labels on every node of the pool. Default: none. */
    nodeLabels?: Record<string, string>;
    /** Taints on every node, as `key=value:Effect` (NoSchedule, PreferNoSchedule, NoExecute). Default: none. */
    nodeTaints?: string[];
}

export const poolDefaults = { vmSize: "Standard_D4s_v5", osSku: "AzureLinux" as OsSku };

const VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;
const ZONE = /^[1-3]$/;
const TAINT = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?(=[-A-Za-z0-9_.]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Checks the VM-side fields of every pool (the planner checks the address-side ones). */
export function checkPoolSettings(pools: unknown, problems: ProblemList): void {
    if (!Array.isArray(pools)) return; // the planner reports it
    pools.forEach((pool, index) => {
        if (typeof pool !== "object" || pool === null) return;
        const key = `nodePools[${index}]`;
        const spec = pool as Record<string, unknown>;
        if (spec.vmSize !== undefined && (typeof spec.vmSize !== "string" || !VM_SIZE.test(spec.vmSize))) {
            problems.add(`${key}.vmSize`, `expected an Azure VM size such as "Standard_D4s_v5", got ${describeValue(spec.vmSize)}`);
        }
        if (spec.osSku !== undefined && !OS_SKUS.includes(spec.osSku as OsSku)) {
            problems.add(`${key}.osSku`, `expected one of ${OS_SKUS.join(", ")}, got ${describeValue(spec.osSku)}`);
        }
        const zones = spec.availabilityZones;
        if (zones !== undefined && (!Array.isArray(zones) || zones.some((z) => typeof z !== "string" || !ZONE.test(z)) || new Set(zones).size !== zones.length)) {
            problems.add(`${key}.availabilityZones`, `expected distinct zones from "1", "2", "3", e.g. ["1", "2", "3"], got ${describeValue(zones)}`);
        }
        const labels = spec.nodeLabels;
        if (labels !== undefined) {
            const entries = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? Object.entries(labels) : undefined;
            const bad = entries?.find(([k, v]) => !LABEL_KEY.test(k) || typeof v !== "string" || !LABEL_VALUE.test(v));
            if (!entries || bad) {
                problems.add(`${key}.nodeLabels`, `expected a map of Kubernetes labels such as { workload: "batch" }, got ${describeValue(bad ? Object.fromEntries([bad]) : labels)}`);
            }
        }
        const taints = spec.nodeTaints;
        if (taints !== undefined && (!Array.isArray(taints) || taints.some((t) => typeof t !== "string" || !TAINT.test(t)))) {
            problems.add(`${key}.nodeTaints`, `expected taints such as ["workload=batch:NoSchedule"], got ${describeValue(taints)}`);
        }
    });
}
