/**
 * Which planned settings a later edit would not update in place: the ManagedCluster and AgentPool inputs whose change
 * replaces the resource (components/aks/replacements.ts), with their config keys and current values, and the inline
 * System pool's fields whose edit is refused at preview. Shown by the offline plan, text and JSON.
 */
import { AGENT_POOL_REPLACEMENTS, CLUSTER_REPLACEMENTS, INLINE_POOL_IMMUTABLE } from "../aks/replacements";
import { AgentPoolInputs, ManagedClusterInputs } from "./inputs";
import { PlannedResource } from "./runProgram";

export interface PlannedReplacement {
    /** The resource as it appears in `resources[].name`. */
    resource: string;
    /** Its input path. */
    property: string;
    /** The config key a user edits. */
    key: string;
    /** What is planned now (`undefined` when not sent). */
    value: unknown;
    /** What an edit does: the resource is replaced, or the preview refuses it. */
    effect: "replaces" | "refused";
}

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const POOL = "azure-native:containerservice:AgentPool";

/** The value at a dotted input path (`networkProfile.serviceCidr`); `undefined` past a missing part. */
function valueAt(inputs: Record<string, unknown>, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>(
            (value, part) =>
                value === undefined || value === null ? undefined : (Object(value) as Record<string, unknown>)[part],
            inputs,
        );
}

export function plannedReplacements(resources: PlannedResource[]): PlannedReplacement[] {
    const result: PlannedReplacement[] = [];
    for (const r of resources) {
        if (r.type === CLUSTER) {
            for (const { property, key } of CLUSTER_REPLACEMENTS) {
                result.push({
                    resource: r.name,
                    property,
                    key,
                    value: valueAt(r.inputs, property),
                    effect: "replaces",
                });
            }
            const cluster: ManagedClusterInputs = r.inputs;
            const inline: AgentPoolInputs = cluster.agentPoolProfiles?.[0] ?? {};
            for (const field of INLINE_POOL_IMMUTABLE) {
                const property = field === "podSubnetCidr" ? "podSubnetID" : field;
                result.push({
                    resource: r.name,
                    property: `agentPoolProfiles[0].${property}`,
                    key: `nodePools[${inline.name}].${field}`,
                    value: inline[property],
                    effect: "refused",
                });
            }
        } else if (r.type === POOL) {
            const pool: AgentPoolInputs = r.inputs;
            for (const { property, key } of AGENT_POOL_REPLACEMENTS) {
                const replaces =
                    r.replaceOnChanges.includes(property) || property === "agentPoolName" || property === "vmSize";
                if (replaces)
                    result.push({
                        resource: r.name,
                        property,
                        key: key.replace("[]", `[${pool.agentPoolName}]`),
                        value: pool[property],
                        effect: "replaces",
                    });
            }
        }
    }
    return result;
}

function show(value: unknown): string {
    if (value === undefined) return "(not sent)";
    if (typeof value === "string") return value.includes("/subnets/") ? `subnet ${value.split("/").pop()}` : value;
    return JSON.stringify(value);
}

/** The text plan's section: per resource, the keys whose edit replaces it or is refused. */
export function renderReplacements(resources: PlannedResource[]): string[] {
    const entries = plannedReplacements(resources);
    const lines = ["Edits that replace rather than update (docs/operations.md: how to change each safely)"];
    const groups = new Map<string, PlannedReplacement[]>();
    for (const e of entries)
        groups.set(`${e.resource}:${e.effect}`, [...(groups.get(`${e.resource}:${e.effect}`) ?? []), e]);
    for (const [group, items] of groups) {
        const [resource, effect] = group.split(":");
        const what =
            effect === "refused"
                ? `${resource}, inline System pool: an edit is refused at preview ` +
                  "(AKS cannot change it, and replacing it would replace the cluster)"
                : resource === entries.find((e) => e.property === "dnsPrefix")?.resource
                  ? `${resource}: replaces the whole cluster (new API server, nodes and kubeconfig)`
                  : `${resource}: replaces the pool (deleted first, then created again)`;
        lines.push(`  ${what}`);
        lines.push(...items.map((e) => `    ${e.key} = ${show(e.value)}`));
    }
    return lines;
}
