/**
 * Pure part of the lab: which flows it runs for a stack, from which pod to which host, and the source address each
 * destination must see, derived from the address plan (lab/addresses.ts).
 *
 *   - every pod subnet → the VNet host: the pod IP (the VNet is inside nonMasqueradeCIDRs);
 *   - → a host in every connected range: the node IP, and the reply returns (on-prem has no route to the pods);
 *   - → a host in every extra non-masquerade range: the pod IP (that range routes back to the pods);
 *   - → a host in every hub prefix: the pod IP when the prefix lies inside nonMasqueradeCIDRs, else the node IP
 *     (the hub routes back to the pods either way: peering advertises them);
 *   - once, with the agent's rules removed: pod → the first connected host gets no reply.
 *
 * At most one flow per range, each destination flow from the next pod subnet in turn, so that every pod subnet also
 * reaches the outside. At most MAX_FLOWS flows: the categories take turns (one VNet flow, one connected, one extra,
 * one hub, the next VNet flow, ...) so that a stack with many ranges still tests each kind; the rest is listed in
 * a note, not run and not counted.
 */
import { Destination, DestinationKind, LabAddresses, PodPlace } from "./addresses";

export const MAX_FLOWS = 16;
export const FIRST_PORT = 7001;

export type FlowKind = "vnet" | DestinationKind | "rules-removed";

export interface PlannedFlow {
    /** 1-based, the order of the table. */
    n: number;
    kind: FlowKind;
    /** Index into LabAddresses.pods. */
    pod: number;
    /** Index into LabAddresses.destinations; absent for the VNet host. */
    destination?: number;
    /** The destination host's address (undefined for a skipped destination). */
    host?: string;
    port: number;
    /** What the destination must see: the pod IP, the node IP, or no connection at all. */
    expect: "pod" | "node" | "no-reply";
    /** The address that stands for `expect` (for no-reply: the pod's, which the destination cannot route to). */
    expectedSource: string;
    /** Why, in the plan's terms. */
    because: string;
    /** Not run: the reason (a range without a usable host). */
    skip?: string;
    /** One line for the table: "pods 100.64.0.0/20 → connected 10.0.0.0/8". */
    label: string;
}

export interface FlowPlan {
    flows: PlannedFlow[];
    /** Flows the cap left out (labels), empty when none. */
    dropped: string[];
    /** The pods any flow uses (their namespaces are built), in order. */
    pods: number[];
    /** The destinations any runnable flow uses, in order. */
    destinations: number[];
}

interface Candidate {
    kind: FlowKind;
    /** Fixed pod for VNet flows; destination flows get theirs after the cap. */
    pod?: number;
    destination?: number;
}

export function planFlows(a: LabAddresses, max = MAX_FLOWS): FlowPlan {
    if (!(max >= 2)) throw new Error("the lab needs room for at least two flows");
    const byKind = (kind: DestinationKind): Candidate[] =>
        a.destinations
            .map((d, index) => ({ d, index }))
            .filter(({ d }) => d.kind === kind)
            .map(({ index }) => ({ kind, destination: index }));
    const queues: Candidate[][] = [
        a.pods.map((p) => ({ kind: "vnet" as const, pod: p.index })),
        byKind("connected"),
        byKind("extra"),
        byKind("hub"),
    ];
    // Round robin over the categories, keeping room for the rules-removed flow.
    const chosen: Candidate[] = [];
    const dropped: Candidate[] = [];
    for (let round = 0; queues.some((q) => round < q.length); round++) {
        for (const queue of queues) {
            if (round >= queue.length) continue;
            (chosen.length < max - 1 ? chosen : dropped).push(queue[round]);
        }
    }
    const order: FlowKind[] = ["vnet", "connected", "extra", "hub"];
    const position = (c: Candidate) => order.indexOf(c.kind) * 10_000 + (c.kind === "vnet" ? c.pod! : c.destination!);
    chosen.sort((x, y) => position(x) - position(y));
    dropped.sort((x, y) => position(x) - position(y));

    // The pods in play: those with a VNet flow (the cap keeps at least the first); destination flows take turns.
    const pods = chosen.filter((c) => c.kind === "vnet").map((c) => c.pod!);
    let turn = 0;
    const flows: PlannedFlow[] = chosen.map((c, i) => {
        const n = i + 1;
        const port = FIRST_PORT + i;
        if (c.kind === "vnet") {
            const pod = a.pods[c.pod!];
            return {
                n,
                kind: "vnet",
                pod: pod.index,
                host: a.vnetHost,
                port,
                expect: "pod",
                expectedSource: pod.address,
                because: "VNet, inside nonMasqueradeCIDRs: RETURN",
                label: `${podLabel(pod)} → VNet host`,
            };
        }
        const d = a.destinations[c.destination!];
        const pod = a.pods[pods[turn++ % pods.length]];
        return {
            n,
            kind: d.kind,
            pod: pod.index,
            destination: c.destination,
            host: d.address,
            port,
            expect: d.expect,
            expectedSource: d.expect === "pod" ? pod.address : a.node,
            because: d.because,
            skip: d.address ? undefined : d.skipReason,
            label: `${podLabel(pod)} → ${destinationLabel(d)}`,
        };
    });
    const first = a.pods[pods[0]];
    const corporate = a.destinations.findIndex((d) => d.kind === "connected" && d.address === a.corporate.address);
    flows.push({
        n: flows.length + 1,
        kind: "rules-removed",
        pod: first.index,
        destination: corporate,
        host: a.corporate.address,
        port: FIRST_PORT + flows.length,
        expect: "no-reply",
        expectedSource: first.address,
        because: `the agent's rules removed: ${first.address} is unroutable from ${a.corporate.within}`,
        label: `${podLabel(first)} → connected ${a.corporate.within}, agent's rules removed`,
    });
    const destinations = [
        ...new Set(flows.filter((f) => f.destination !== undefined && !f.skip).map((f) => f.destination!)),
    ].sort((x, y) => x - y);
    return {
        flows,
        dropped: dropped.map((c) =>
            c.kind === "vnet"
                ? `${podLabel(a.pods[c.pod!])} → VNet host`
                : destinationLabel(a.destinations[c.destination!]),
        ),
        pods,
        destinations,
    };
}

function podLabel(pod: PodPlace): string {
    return `${pod.name ? `${pod.name} ` : "pod subnet "}${pod.subnet}`;
}

function destinationLabel(d: Destination): string {
    return `${d.kind} ${d.range}`;
}

export type FlowOutcome = "PASS" | "FAIL" | "SKIP";

/**
 * The lab's last line, `lab: N passed, N failed[, N skipped]`, over `total` flows: a flow without a result (the lab
 * stopped before it ran) counts as failed.
 */
export function finalLine(results: readonly { result: FlowOutcome }[], total: number): string {
    const passed = results.filter((r) => r.result === "PASS").length;
    const skipped = results.filter((r) => r.result === "SKIP").length;
    const failed = Math.max(0, total - passed - skipped);
    return `lab: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}
