/**
 * The checks of a node pool's VM fields (size, OS, zones, labels, taints) and of unknown fields; the planner checks the
 * address-shaping ones. Network and Cluster both use the pool types, which live with the planner's (planner/types.ts).
 */
import { systemPoolVmSizeProblem, unknownVmSizeProblem } from "../aks/vmSizes";
import { defaults } from "../defaults";
import { checkKnownFields, describeValue, ProblemList } from "../errors";
import { NodePoolSpec, OS_SKUS, OsSku } from "../planner/types";

/**
 * Every field a pool takes, address-shaping and VM alike. A record keyed by the interface's fields, so that the
 * compiler keeps it in step with NodePoolSpec.
 */
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

// Azure VM sizes: Standard_ then letters, digits, "_" and "-" (constrained-vCPU sizes such as Standard_E8-2ds_v5).
const VM_SIZE = /^Standard_[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ZONE = /^[1-3]$/;
// az CLI acs/_validators.py validate_taint: key (≤ 253) = value (≤ 63) : effect; AKS's API takes what the CLI sends.
const TAINT = /^[a-zA-Z\d][\w\-./]{0,252}=[a-zA-Z\d][\w\-.]{0,62}:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
// Kubernetes label keys: optional DNS-subdomain prefix (≤ 253) and a name (≤ 63); values ≤ 63 (az CLI validate_label).
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/**
 * use-labels.md: "kubernetes.azure.com/ ; kubernetes.io/" are "AKS reserved prefixes and can't be used for any node";
 * the service also refuses other `kubernetes.io` and `k8s.io` prefixes ("node label keys in the 'kubernetes.io' or
 * 'k8s.io' namespace must begin with an allowed prefix", Azure/AKS#2866). Refused, subdomains included.
 */
const RESERVED_LABEL_DOMAINS = ["kubernetes.azure.com", "kubernetes.io", "k8s.io"];

/** Checks the VM-side fields of every pool and refuses unknown fields (the planner checks the address-side ones). */
export function checkPoolSettings(pools: unknown, problems: ProblemList, allowUnknown = false): void {
    if (!Array.isArray(pools)) return; // the planner reports it
    pools.forEach((pool, index) => {
        if (typeof pool !== "object" || pool === null) return;
        const key = `nodePools[${index}]`;
        checkKnownFields(pool, POOL_FIELDS, key, "a node pool", problems);
        const spec = pool as Record<string, unknown>;
        const system = spec.mode === "System";
        if (spec.vmSize !== undefined && (typeof spec.vmSize !== "string" || !VM_SIZE.test(spec.vmSize))) {
            problems.add(
                `${key}.vmSize`,
                `expected an Azure VM size such as "Standard_D4s_v5", got ${describeValue(spec.vmSize)}`,
            );
        } else {
            const vmSize = (spec.vmSize as string | undefined) ?? defaults.vmSize;
            const unknown = unknownVmSizeProblem(vmSize);
            const why = system ? systemPoolVmSizeProblem(vmSize) : undefined;
            if (unknown) problems.addUnknown(`${key}.vmSize`, unknown, allowUnknown);
            else if (why) problems.add(`${key}.vmSize`, why);
        }
        if (spec.osSku !== undefined && !OS_SKUS.includes(spec.osSku as OsSku)) {
            problems.add(`${key}.osSku`, `expected one of ${OS_SKUS.join(", ")}, got ${describeValue(spec.osSku)}`);
        }
        const zones = spec.availabilityZones;
        if (
            zones !== undefined &&
            (!Array.isArray(zones) ||
                zones.some((z) => typeof z !== "string" || !ZONE.test(z)) ||
                new Set(zones).size !== zones.length)
        ) {
            problems.add(
                `${key}.availabilityZones`,
                `expected distinct zones from "1", "2", "3", e.g. ["1", "2", "3"], got ${describeValue(zones)}`,
            );
        }
        checkLabels(spec.nodeLabels, `${key}.nodeLabels`, problems);
        checkTaints(spec.nodeTaints, `${key}.nodeTaints`, system, problems);
    });
}

function checkLabels(labels: unknown, key: string, problems: ProblemList): void {
    if (labels === undefined) return;
    if (typeof labels !== "object" || labels === null || Array.isArray(labels)) {
        problems.add(
            key,
            `expected a map of Kubernetes labels such as { workload: "batch" }, got ${describeValue(labels)}`,
        );
        return;
    }
    for (const [name, value] of Object.entries(labels)) {
        const slash = name.lastIndexOf("/");
        const prefix = slash >= 0 ? name.slice(0, slash) : undefined;
        const reserved =
            prefix !== undefined &&
            RESERVED_LABEL_DOMAINS.find((domain) => prefix === domain || prefix.endsWith(`.${domain}`));
        if ((prefix !== undefined && !LABEL_PREFIX.test(prefix)) || !LABEL_NAME.test(name.slice(slash + 1))) {
            problems.add(
                `${key}.${name}`,
                `is not a Kubernetes label key: an optional DNS prefix of at most 253 characters and "/", ` +
                    `then a name of 1–63 letters, digits, '-', '_' or '.'`,
            );
        } else if (reserved) {
            problems.add(
                `${key}.${name}`,
                `uses the prefix "${prefix}/", which AKS reserves (${reserved}): AKS refuses the pool; ` +
                    `use your own prefix, e.g. "example.com/${name.slice(slash + 1)}"`,
            );
        } else if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
            const hint =
                typeof value === "number" || typeof value === "boolean" ? ` (quote it in YAML: "${value}")` : "";
            problems.add(
                `${key}.${name}`,
                `expected a label value of at most 63 letters, digits, '-', '_' or '.', ` +
                    `got ${describeValue(value)}${hint}`,
            );
        }
    }
}

function checkTaints(taints: unknown, key: string, system: boolean, problems: ProblemList): void {
    if (taints === undefined) return;
    if (!Array.isArray(taints)) {
        problems.add(key, `expected taints such as ["workload=batch:NoSchedule"], got ${describeValue(taints)}`);
        return;
    }
    taints.forEach((taint, i) => {
        if (typeof taint !== "string" || !TAINT.test(taint)) {
            const effect = typeof taint === "string" ? taint.split(":")[1] : undefined;
            const why =
                effect !== undefined && !TAINT_EFFECTS.includes(effect)
                    ? `the effect "${effect}" is not one of ${TAINT_EFFECTS.join(", ")}`
                    : "expected key=value:Effect";
            problems.add(
                `${key}[${i}]`,
                `${describeValue(taint)}: ${why}, e.g. "workload=batch:NoSchedule" ` +
                    `(the az CLI's form: key ≤ 253, value ≤ 63 characters)`,
            );
        } else if (system && !taint.startsWith("CriticalAddonsOnly=") && !taint.endsWith(":PreferNoSchedule")) {
            problems.add(
                `${key}[${i}]`,
                `"${taint}" on a System pool: AKS refuses custom taints there (SystemPoolHasRestrictedTaint) ` +
                    `except CriticalAddonsOnly or the PreferNoSchedule effect; ` +
                    `use "CriticalAddonsOnly=true:NoSchedule" or move the taint to a User pool`,
            );
        }
    });
}
