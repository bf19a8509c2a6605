/**
 * The address plans of a program: this repository's stack exports one (`addressPlan`); a platform team's program
 * may build several clusters, each from its own Network component. Each Network is paired with the Kubernetes
 * manifests of its cluster (to tell where its pods are NAT'd) and with its cluster's outbound type.
 */
import { AddressPlan } from "../planner/types";
import { KubernetesObject, ManagedClusterInputs } from "./inputs";
import { natSummary, NatSummary } from "./report";
import { PlannedResource, ProgramRun } from "./runProgram";
import { parse } from "yaml";

/** The Network component's type token (src/network/network.ts). */
const NETWORK = "aks-pod-subnet:index:Network";

export interface PlannedNetwork {
    /** The Network component's name. */
    name: string;
    addressPlan: AddressPlan;
    /** The Kubernetes objects deployed to this network's cluster. */
    manifests: Record<string, unknown>[];
    nat: NatSummary;
    outboundType: string;
}

/** The nonMasqueradeCIDRs of an agent's ConfigMap, if the manifests hold one. */
function agentCidrs(resources: PlannedResource[]): string[] | undefined {
    const map: KubernetesObject | undefined = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")?.inputs;
    const data = Object.values(map?.data ?? {})[0];
    try {
        const cidrs = typeof data === "string" ? parse(data)?.nonMasqueradeCIDRs : undefined;
        return Array.isArray(cidrs) ? cidrs : undefined;
    } catch {
        return undefined;
    }
}

const sameList = (a: string[] | undefined, b: string[] | undefined) =>
    a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Every Network of the run with its plan, in construction order. Kubernetes objects are grouped by the provider
 * (the cluster) they go to; a group belongs to the Network whose plan gives its agent's nonMasqueradeCIDRs (as the
 * components are meant to be wired), the groups left over to the Networks left over, in order.
 */
export function networksOf(run: ProgramRun, manifestsOf: (r: PlannedResource[]) => Record<string, unknown>[]) {
    const networks = run.components.filter((c) => c.type === NETWORK);
    const groups = new Map<string, PlannedResource[]>();
    for (const r of run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"))) {
        const key = r.provider ?? "";
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const unpaired = [...groups.values()];
    const plans = networks.map((n) => (n.resource as unknown as { plan: AddressPlan }).plan);
    const paired = plans.map((plan) => {
        const index = unpaired.findIndex((g) => sameList(agentCidrs(g), plan?.ipMasqAgent?.nonMasqueradeCIDRs));
        return index < 0 ? undefined : unpaired.splice(index, 1)[0];
    });
    const clusters = run.resources.filter((r) => r.type === "azure-native:containerservice:ManagedCluster");
    return networks.map((network, i): PlannedNetwork => {
        const group = paired[i] ?? unpaired.shift() ?? [];
        const manifests = manifestsOf(group);
        const children = new Set(run.resources.filter((r) => r.parent === network.name).map((r) => r.name));
        const cluster: ManagedClusterInputs | undefined = clusters.find((c) =>
            c.dependencies.some((d) => children.has(d)),
        )?.inputs;
        return {
            name: network.name,
            addressPlan: plans[i],
            manifests,
            nat: natSummary(plans[i], manifests),
            outboundType: cluster?.networkProfile?.outboundType ?? "?",
        };
    });
}
