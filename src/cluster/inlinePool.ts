/**
 * The cluster's first System pool lives inline in the ManagedCluster (AKS needs one pool at creation). azure-native
 * sends later edits of it in the cluster's own PUT: count, autoscaler bounds, surge, labels and taints reach Azure
 * that way, but AKS refuses a change of the fields it cannot change on an existing pool, and the pool cannot be
 * replaced without replacing the cluster. So those edits are refused at preview, against what was deployed, with the
 * way to apply them.
 */
import { INLINE_POOL_IMMUTABLE } from "../aks/replacements";
import { ConfigProblem } from "../errors";
import { PoolPlan } from "../planner/types";

/** What the inline pool was created with, as far as AKS cannot change it (a stack output of the program). */
export type InlinePoolSettings = Record<(typeof INLINE_POOL_IMMUTABLE)[number], unknown>;

export function inlinePoolSettings(pool: PoolPlan): InlinePoolSettings {
    return {
        name: pool.name,
        vmSize: pool.vm.vmSize,
        podIPAllocationMode: pool.podIPAllocationMode,
        maxPods: pool.maxPods,
        availabilityZones: [...(pool.vm.availabilityZones ?? [])].sort(),
        podSubnetCidr: pool.podSubnetCidr,
    };
}

/**
 * Every field of the inline pool that differs from what was deployed, as a problem on `keyPrefix.<field>`.
 * `deployed` undefined (a new stack, or one deployed before this check existed) means nothing to compare.
 */
export function inlinePoolChanges(
    deployed: Partial<InlinePoolSettings> | undefined,
    planned: InlinePoolSettings,
    keyPrefix: string,
): ConfigProblem[] {
    if (!deployed || typeof deployed !== "object") return [];
    const problems: ConfigProblem[] = [];
    for (const field of INLINE_POOL_IMMUTABLE) {
        if (!(field in deployed) || JSON.stringify(deployed[field]) === JSON.stringify(planned[field])) continue;
        const was = JSON.stringify(deployed[field]);
        const now = JSON.stringify(planned[field]);
        problems.push({
            key: `${keyPrefix}.${field === "podSubnetCidr" ? "podSubnetCidr" : field}`,
            message:
                field === "name"
                    ? `the cluster's inline System pool is ${was}; renaming it to ${now} would add a pool through ` +
                      `the cluster, which AKS refuses ("A new agent pool was introduced"): ` +
                      `keep ${was} as the first System pool`
                    : `the cluster's inline System pool "${String(planned.name)}" was created with ${field} ${was}; ` +
                      `AKS cannot change it on an existing pool ` +
                      `and this pool cannot be replaced without replacing the cluster: keep ${was}, ` +
                      `and to move system pods onto the new setting add another ` +
                      `System pool after it with ${field} ${now} (an AgentPool of its own), ` +
                      `then scale this one down (docs/operations.md, "Changing the System pool")`,
        });
    }
    return problems;
}
