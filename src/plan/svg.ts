/**
 * The address map as an SVG document, written as text (no browser, no DOM): the VNet prefixes, the node and pod
 * subnets, the service range and the connected networks, each labelled with its CIDR, size and capacity.
 *
 * "To scale" with ranges from a /26 to a /8: ranges that overlap or lie close together share a lane (an address
 * region) drawn on a linear scale from the region's first to its last address, so a subnet's place inside a
 * connected network is true; every lane has its own scale, stated in its header. Next to it, a size bar on a log₂
 * scale (/32 … /0) puts every range on one common scale, so a /26 and a /8 are both visible and comparable.
 * Text widths are estimated from DejaVu Sans metrics (wider than Helvetica/Arial), so labels that fit here fit
 * in the fonts a browser picks too.
 *
 *   renderAddressMap(plan, "prod")  →  "<?xml …?><svg …>…</svg>"
 */
import { Cidr, cidr, contains, longToIp } from "../planner/cidr";
import { AddressPlan, SubnetPlan } from "../planner/types";
import { agentOnSummary, NatSummary, routableRanges } from "./report";

type Kind = "vnet" | "nodes" | "virtual-nodes" | "pods" | "service" | "connected" | "extra";

/** Fill colour and legend wording per kind of range. */
const KINDS: Record<Kind, { fill: string; legend: string }> = {
    nodes: { fill: "#2e9d5b", legend: "node subnet: routable" },
    "virtual-nodes": { fill: "#7a9a1e", legend: "virtual nodes (ACI): routable" },
    pods: { fill: "#3a6fd8", legend: "pod subnet: private, never routed" },
    service: { fill: "#8a56c8", legend: "service range: inside the cluster only" },
    connected: { fill: "#e8892b", legend: "connected network: pods NAT'd to the node IP" },
    extra: { fill: "#d0437f", legend: "extra non-masquerade: pods keep their IP" },
    vnet: { fill: "#ffffff", legend: "VNet prefix" },
};
const VNET_STROKE = "#6b7280";
/** The connected networks' legend when the agent is off: nothing on the nodes NATs. */
const CONNECTED_WITHOUT_AGENT = "connected network: no NAT by the nodes, pods keep their IP";

/** The agent as deployed by default (for callers that pass no NAT summary). */
function agentOn(plan: AddressPlan): NatSummary {
    return agentOnSummary(plan, undefined);
}

const WIDTH = 1000;
const MARGIN = 20;
const LABEL_X = MARGIN;
const LABEL_W = 390;
const TRACK_X = 425;
const TRACK_W = 360;
const LOG_X = 805;
const LOG_W = 150;
const MIN_BAR = 3;
const LINE = 14;
const FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif";
const INK = "#1f2937";
const MUTED = "#4b5563";
const GRID = "#d7dbe0";

interface Range {
    kind: Kind;
    block: Cidr;
    title: string;
    /** Text lines under the title; `capacity` marks the line the utilisation meter sits on. */
    lines: { text: string; capacity?: boolean }[];
    subnet?: SubnetPlan;
    /** Non-masquerade ranges inside a connected network: the carve-outs where pods keep their IP. */
    holes: Cidr[];
}

interface Lane {
    first: number;
    last: number;
    ranges: Range[];
}

/**
 * The whole address map of a plan as a standalone SVG document, about 1000 px wide. `nat` is what NATs pod traffic
 * (tools/report.ts natSummary); without it, the agent runs with its default chain.
 */
export function renderAddressMap(plan: AddressPlan, stack: string, nat: NatSummary = agentOn(plan)): string {
    const out: string[] = [];
    let y = MARGIN;

    // Title and the VNet summary.
    y += 20;
    out.push(text(LABEL_X, y, `Address map — stack "${stack}"`, { size: 20, bold: true }));
    y += 8;
    const summary = [
        `VNet address space ${plan.vnetAddressSpace.join(", ")}`,
        `service range ${plan.serviceCidr} (cluster DNS ${plan.dnsServiceIP})`,
        `connected networks ${plan.connectedCidrs.length ? plan.connectedCidrs.join(", ") : "none"}`,
    ].join(" · ");
    for (const line of wrap(summary, WIDTH - 2 * MARGIN, 12)) {
        y += 16;
        out.push(text(LABEL_X, y, line, { size: 12, fill: MUTED }));
    }

    // Legend: colours, then how the scales work.
    y += 14;
    y = legend(
        out,
        y,
        subnetsOf(plan).some((s) => subnetKind(s) === "virtual-nodes"),
        nat,
    );
    const explanation =
        "To scale: ranges that overlap or lie close together share a lane (an address region), drawn on a linear " +
        "scale from the region's first to its last address; each region has its own scale, given in its header. " +
        `Ranges narrower than ${MIN_BAR} px are drawn ${MIN_BAR} px wide, marked ▼ and given a dashed guide through ` +
        "their region. The size column is logarithmic (bar length ∝ log2 of the address count, /32 to /0), one scale " +
        "for all ranges, so a /26 and a /8 compare at a glance. Under it, each subnet's use bar shows the addresses " +
        "needed at peak (maxCount + surge) as a share of the allocatable ones (linear, 0–100%).";
    for (const line of wrap(explanation, WIDTH - 2 * MARGIN, 11)) {
        y += LINE;
        out.push(text(LABEL_X, y, line, { fill: MUTED }));
    }

    // Column headings.
    y += 26;
    out.push(text(LABEL_X, y, "range", { bold: true }));
    out.push(text(TRACK_X, y, "position in its region (linear)", { bold: true }));
    out.push(text(LOG_X, y, "size (log2) · use", { bold: true }));
    y += 6;

    lanesOf(rangesOf(plan, nat)).forEach((lane, index) => {
        y = drawLane(out, lane, index + 1, y + 10);
    });

    y = footer(out, plan, nat, y + 22);
    const height = Math.ceil(y + MARGIN);

    return [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
            `font-family="${escapeXml(FONT)}" font-size="11">`,
        `<title>${escapeXml(`Address map of stack "${stack}"`)}</title>`,
        `<desc>${escapeXml(
            `VNet ${plan.vnetAddressSpace.join(", ")}; node subnet ${plan.nodeSubnet.cidr}; ` +
                `pod subnets ${plan.podSubnets.map((s) => s.cidr).join(", ")}; service range ${plan.serviceCidr}`,
        )}</desc>`,
        `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
        ...out,
        `</svg>`,
        "",
    ].join("\n");
}

/** Every range the map shows, with its labels. A VNet prefix identical to a subnet is told on the subnet's row. */
function rangesOf(plan: AddressPlan, nat: NatSummary): Range[] {
    const ranges: Range[] = [];
    const vnet = plan.vnetAddressSpace.map(cidr);
    const nonMasq = plan.ipMasqAgent.nonMasqueradeCIDRs.map(cidr);
    const subnets = subnetsOf(plan);
    const named = (block: Cidr) => {
        const subnet = subnets.find((s) => cidr(s.cidr).text === block.text);
        if (subnet)
            return `${block.text} (${
                subnetKind(subnet) === "pods" ? `pod subnet ${subnet.name}` : ROLE_NAMES[subnetKind(subnet)]
            })`;
        if (block.text === cidr(plan.serviceCidr).text) return `${block.text} (service range)`;
        if (vnet.some((v) => v.text === block.text)) return `${block.text} (VNet prefix)`;
        if (plan.ipMasqAgent.extraNonMasqueradeCidrs.some((e) => cidr(e).text === block.text))
            return `${block.text} (extra)`;
        return block.text;
    };

    for (const subnet of subnets) {
        const block = cidr(subnet.cidr);
        const kind = subnetKind(subnet);
        const isVnetPrefix = vnet.some((v) => v.text === block.text);
        const role = {
            nodes: "node subnet, routable",
            pods: "pod subnet, private (never routed)",
            "virtual-nodes": "virtual nodes' subnet (ACI), routable: the agent never runs there",
        }[kind];
        ranges.push({
            kind,
            block,
            title: `${subnet.name}  ${block.text}`,
            subnet,
            holes: [],
            lines: [
                { text: `${role}${isVnetPrefix ? ", a whole VNet prefix" : ""}` },
                { text: `/${block.prefix} = ${count(subnet.size)} addresses, ${count(subnet.usable)} usable` },
                ...(kind === "virtual-nodes"
                    ? [{ text: `ACI pods take their addresses here: ${count(subnet.allocatable)} allocatable` }]
                    : [
                          {
                              text:
                                  `allocatable ${count(subnet.allocatable)} · needed ${count(subnet.needed)} · ` +
                                  `headroom ${count(subnet.headroom)}`,
                              capacity: true,
                          },
                          { text: `pools: ${subnet.pools.length ? subnet.pools.join(", ") : "none"}` },
                      ]),
            ],
        });
    }
    for (const block of vnet) {
        if (subnets.some((s) => cidr(s.cidr).text === block.text)) continue;
        const inside = subnets.filter((s) => contains(block, cidr(s.cidr))).map((s) => s.name);
        ranges.push({
            kind: "vnet",
            block,
            title: `VNet prefix  ${block.text}`,
            holes: [],
            lines: [
                {
                    text:
                        `/${block.prefix} = ${count(block.size)} addresses · ` +
                        `holds ${inside.length ? inside.join(", ") : "no subnet"}`,
                },
            ],
        });
    }
    const service = cidr(plan.serviceCidr);
    ranges.push({
        kind: "service",
        block: service,
        title: `service range  ${service.text}`,
        holes: [],
        lines: [
            { text: `/${service.prefix} = ${count(service.size)} addresses · cluster DNS ${plan.dnsServiceIP}` },
            { text: "virtual: never on the wire, not part of the VNet" },
        ],
    });
    for (const network of plan.connectedCidrs.map(cidr)) {
        // Without the agent nothing is carved out: pods reach the whole network with their pod IP.
        const holes = nat.agent === "on" ? nonMasq.filter((c) => contains(network, c)) : [];
        ranges.push({
            kind: "connected",
            block: network,
            title: `connected network  ${network.text}`,
            holes,
            lines:
                nat.agent === "on"
                    ? [
                          {
                              text:
                                  `/${network.prefix} = ${count(network.size)} addresses · ` +
                                  "pods appear as the node IP",
                          },
                          ...(holes.length ? [{ text: `except towards ${holes.map(named).join(", ")}` }] : []),
                      ]
                    : [
                          {
                              text:
                                  `/${network.prefix} = ${count(network.size)} addresses · ` +
                                  "no NAT by the nodes: pods arrive with their pod IP",
                          },
                          { text: "no reply unless a firewall or appliance on the path NATs it" },
                      ],
        });
    }
    for (const extra of plan.ipMasqAgent.extraNonMasqueradeCidrs.map(cidr)) {
        ranges.push({
            kind: "extra",
            block: extra,
            title: `extra non-masquerade  ${extra.text}`,
            holes: [],
            lines: [
                {
                    text:
                        `/${extra.prefix} = ${count(extra.size)} addresses · ` +
                        "routes back to pod IPs: pods keep their IP",
                },
            ],
        });
    }
    return ranges;
}

const KIND_ORDER: Kind[] = ["connected", "vnet", "nodes", "virtual-nodes", "pods", "extra", "service"];
const ROLE_NAMES = { nodes: "node subnet", pods: "pod subnet", "virtual-nodes": "virtual nodes' subnet" } as const;

/** The plan's subnets: nodes, pods, then the virtual nodes' subnet when there is one. */
function subnetsOf(plan: AddressPlan): SubnetPlan[] {
    const virtualNodes = (plan as { virtualNodeSubnet?: SubnetPlan }).virtualNodeSubnet;
    return [plan.nodeSubnet, ...plan.podSubnets, ...(virtualNodes ? [virtualNodes] : [])];
}

function subnetKind(subnet: SubnetPlan): "nodes" | "pods" | "virtual-nodes" {
    const role: string = subnet.role;
    return role === "nodes" ? "nodes" : role === "pods" ? "pods" : "virtual-nodes";
}

/**
 * Groups ranges into lanes: ranges that overlap or touch share one, and neighbouring groups merge while the gap
 * between them is no wider than the wider group (so the gap never takes more than half the lane). Lanes and the
 * ranges in them are in address order, containers before what they contain.
 */
function lanesOf(ranges: Range[]): Lane[] {
    const sorted = [...ranges].sort(
        (a, b) =>
            a.block.first - b.block.first ||
            b.block.size - a.block.size ||
            KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind),
    );
    const lanes: Lane[] = [];
    for (const range of sorted) {
        const lane = lanes[lanes.length - 1];
        if (lane && range.block.first <= lane.last + 1) {
            lane.last = Math.max(lane.last, range.block.last);
            lane.ranges.push(range);
        } else {
            lanes.push({ first: range.block.first, last: range.block.last, ranges: [range] });
        }
    }
    const merged: Lane[] = [];
    for (const lane of lanes) {
        const previous = merged[merged.length - 1];
        const gap = previous ? lane.first - previous.last - 1 : Infinity;
        if (previous && gap <= Math.max(extent(previous), extent(lane))) {
            previous.last = Math.max(previous.last, lane.last);
            previous.ranges.push(...lane.ranges);
        } else {
            merged.push({ ...lane, ranges: [...lane.ranges] });
        }
    }
    return merged;
}

function extent(lane: { first: number; last: number }): number {
    return lane.last - lane.first + 1;
}

function legend(out: string[], top: number, virtualNodes: boolean, nat: NatSummary): number {
    let x = LABEL_X;
    let y = top;
    const kinds: Kind[] = [
        "nodes",
        ...(virtualNodes ? ["virtual-nodes" as const] : []),
        "pods",
        "service",
        "connected",
        "extra",
        "vnet",
    ];
    for (const kind of kinds) {
        const label = kind === "connected" && nat.agent !== "on" ? CONNECTED_WITHOUT_AGENT : KINDS[kind].legend;
        const width = 18 + textWidth(label, 11) + 18;
        if (x + width > WIDTH - MARGIN) {
            x = LABEL_X;
            y += 18;
        }
        out.push(swatch(x, y, 14, 10, kind));
        out.push(text(x + 18, y + 9, label));
        x += width;
    }
    return y + 16;
}

function swatch(x: number, y: number, w: number, h: number, kind: Kind): string {
    return kind === "vnet"
        ? `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="#ffffff" ` +
              `stroke="${VNET_STROKE}" stroke-width="1.2" stroke-dasharray="3 2"/>`
        : `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${KINDS[kind].fill}"/>`;
}

/** One lane: a header band with the region and its scale, then one row per range. Returns the y below it. */
function drawLane(out: string[], lane: Lane, index: number, top: number): number {
    const size = extent(lane);
    const scale = TRACK_W / size;
    const exact = lane.ranges.find((r) => r.block.first === lane.first && r.block.last === lane.last);

    out.push(`<rect x="${MARGIN}" y="${n(top)}" width="${WIDTH - 2 * MARGIN}" height="20" fill="#f1f3f6"/>`);
    const heading = `Region ${index}${exact ? ` · ${exact.block.text}` : ""} · ${count(size)} addresses`;
    out.push(text(LABEL_X + 6, top + 14, heading, { bold: true }));
    const perPixel =
        size / TRACK_W >= 1
            ? `1 px ≈ ${count(Math.round(size / TRACK_W))} addresses`
            : `1 address ≈ ${round(scale)} px`;
    const firstLabel = longToIp(lane.first);
    const lastLabel = longToIp(lane.last);
    out.push(text(TRACK_X, top + 14, firstLabel, { size: 10, fill: MUTED }));
    out.push(text(TRACK_X + TRACK_W, top + 14, lastLabel, { size: 10, fill: MUTED, anchor: "end" }));
    const room = TRACK_W - textWidth(firstLabel, 10) - textWidth(lastLabel, 10) - 16;
    if (textWidth(perPixel, 10) <= room)
        out.push(text(TRACK_X + TRACK_W / 2, top + 14, perPixel, { size: 10, fill: INK, anchor: "middle" }));
    for (const prefix of [32, 24, 16, 8, 0]) {
        out.push(
            text(logX(2 ** (32 - prefix)), top + 14, `/${prefix}`, {
                size: 10,
                fill: MUTED,
                anchor: prefix === 32 ? "start" : prefix === 0 ? "end" : "middle",
            }),
        );
    }

    const rowsTop = top + 20;
    let y = rowsTop;
    const guides: { x: number; kind: Kind }[] = [];
    const rows: string[] = [];
    lane.ranges.forEach((range, i) => {
        if (i > 0)
            rows.push(`<line x1="${MARGIN}" y1="${n(y)}" x2="${WIDTH - MARGIN}" y2="${n(y)}" stroke="#e5e7eb"/>`);
        const rowTop = y + 6;
        const lines = range.lines.flatMap((line) =>
            wrap(line.text, LABEL_W, 11).map((t, j) => ({ text: t, capacity: line.capacity && j === 0 })),
        );
        const titleLines = wrap(range.title, LABEL_W, 12, true);
        let baseline = rowTop + 12;
        titleLines.forEach((t, j) => rows.push(text(LABEL_X, baseline + j * LINE, t, { size: 12, bold: true })));
        baseline += (titleLines.length - 1) * LINE;
        lines.forEach((line, j) => {
            const lineY = baseline + (j + 1) * LINE;
            rows.push(text(LABEL_X, lineY, line.text, { fill: MUTED }));
            if (line.capacity && range.subnet) rows.push(meter(range.subnet, lineY));
        });

        // Position within the lane, on the lane's linear scale.
        const barY = rowTop + 2;
        rows.push(`<rect x="${TRACK_X}" y="${n(barY)}" width="${TRACK_W}" height="12" fill="#eef0f3"/>`);
        const x = TRACK_X + (range.block.first - lane.first) * scale;
        const trueWidth = range.block.size * scale;
        const w = Math.max(trueWidth, MIN_BAR);
        const bx = Math.min(x, TRACK_X + TRACK_W - w);
        if (range.kind === "vnet") {
            rows.push(
                `<rect x="${n(bx)}" y="${n(barY)}" width="${n(w)}" height="12" fill="#ffffff" ` +
                    `stroke="${VNET_STROKE}" stroke-width="1.2" stroke-dasharray="3 2"/>`,
            );
        } else {
            rows.push(
                `<rect x="${n(bx)}" y="${n(barY)}" width="${n(w)}" height="12" fill="${KINDS[range.kind].fill}"/>`,
            );
        }
        for (const hole of range.holes) {
            const hx = TRACK_X + (hole.first - lane.first) * scale;
            rows.push(
                `<rect x="${n(hx)}" y="${n(barY + 2)}" ` +
                    `width="${n(Math.max(hole.size * scale, 1.5))}" height="8" fill="#ffffff"/>`,
            );
        }
        if (trueWidth < MIN_BAR) {
            const cx = bx + w / 2;
            rows.push(
                `<path d="M${n(cx - 4)} ${n(barY - 7)}h8l-4 6z" ` +
                    `fill="${KINDS[range.kind].fill === "#ffffff" ? VNET_STROKE : KINDS[range.kind].fill}"/>`,
            );
            guides.push({ x: cx, kind: range.kind });
        }

        // Size on the common log scale.
        const lw = Math.max(logX(range.block.size) - LOG_X, MIN_BAR);
        rows.push(
            range.kind === "vnet"
                ? swatch(LOG_X, barY, lw, 12, "vnet")
                : `<rect x="${LOG_X}" y="${n(barY)}" width="${n(lw)}" height="12" fill="${KINDS[range.kind].fill}"/>`,
        );
        const prefixLabel = `/${range.block.prefix}`;
        if (lw >= textWidth(prefixLabel, 10) + 8 && range.kind !== "vnet") {
            rows.push(
                text(LOG_X + lw - 3, barY + 10, prefixLabel, { size: 10, fill: "#ffffff", anchor: "end", bold: true }),
            );
        } else {
            rows.push(text(LOG_X + lw + 3, barY + 10, prefixLabel, { size: 10, fill: INK }));
        }

        const textBottom = baseline + lines.length * LINE + 4;
        y = Math.max(textBottom, barY + 12) + 6;
    });

    // Dashed guides through the whole lane at the tiny ranges, so that their place shows in every row (behind the
    // bars).
    const grid = [32, 24, 16, 8, 0].map(
        (prefix) =>
            `<line x1="${n(logX(2 ** (32 - prefix)))}" y1="${n(rowsTop)}" ` +
            `x2="${n(logX(2 ** (32 - prefix)))}" y2="${n(y)}" stroke="${GRID}" stroke-dasharray="2 3"/>`,
    );
    const guideLines = guides.map(
        (g) =>
            `<line x1="${n(g.x)}" y1="${n(rowsTop)}" x2="${n(g.x)}" y2="${n(y)}" ` +
            `stroke="${KINDS[g.kind].fill === "#ffffff" ? VNET_STROKE : KINDS[g.kind].fill}" ` +
            `stroke-width="1" stroke-dasharray="3 3" opacity="0.8"/>`,
    );
    out.push(...grid, ...guideLines, ...rows);
    out.push(`<line x1="${MARGIN}" y1="${n(y)}" x2="${WIDTH - MARGIN}" y2="${n(y)}" stroke="#c4c9d0"/>`);
    return y;
}

/** needed ÷ allocatable, 0–100 %, on the subnet's capacity line in the size column. */
function meter(subnet: SubnetPlan, baseline: number): string {
    const width = 90;
    const share = subnet.allocatable > 0 ? subnet.needed / subnet.allocatable : 1;
    const fill = share > 1 ? "#c0392b" : share > 0.85 ? "#d68910" : KINDS[subnetKind(subnet)].fill;
    const top = baseline - 9;
    return [
        `<rect x="${LOG_X}" y="${n(top)}" width="${width}" height="9" ` +
            `fill="#ffffff" stroke="#9ca3af" stroke-width="0.8"/>`,
        `<rect x="${LOG_X}" y="${n(top)}" width="${n(Math.max(Math.min(share, 1) * width, share > 0 ? 1 : 0))}" ` +
            `height="9" fill="${fill}" opacity="0.75"/>`,
        text(LOG_X + width + 5, baseline, `${Math.round(share * 100)}% needed`, { size: 10, fill: INK }),
    ].join("\n");
}

/** The routable-address saving, with both counts on one linear scale, and where pods are NAT'd. */
function footer(out: string[], plan: AddressPlan, nat: NatSummary, top: number): number {
    const r = plan.routableAddresses;
    let y = top;
    const saves = r.podSubnetMode <= r.nodeSubnetModeNeeded;
    const more =
        `: this VNet routes ${count(r.podSubnetMode - r.nodeSubnetModeNeeded)} ` +
        "more than node-subnet mode would need";
    out.push(
        text(LABEL_X, y, `Routable addresses: ${r.savingPercent}% saved${saves ? "" : more}`, { size: 13, bold: true }),
    );
    // Routable space is the VNet's address space outside the pod subnets: what the corporate network must allot and
    // route. By default that is exactly the node subnet (and the virtual nodes' subnet); a larger VNet counts whole.
    const subnets = subnetsOf(plan).filter((s) => subnetKind(s) !== "pods");
    const inSubnets = subnets.reduce((sum, s) => sum + s.size, 0);
    const named = subnets.map((s) => `the ${ROLE_NAMES[subnetKind(s)]} ${s.cidr}`).join(" and ");
    const routable =
        r.podSubnetMode <= inSubnets
            ? named
            : `the VNet's address space outside the pod subnets, ${routableRanges(plan).join(", ")}, ` +
              `which holds ${named}`;
    const sentence =
        `This design routes ${count(r.podSubnetMode)} addresses (${routable}); Azure CNI node-subnet mode ` +
        `would need ${count(r.nodeSubnetModeNeeded)} (a /${r.nodeSubnetModePrefix}) for the same pools at peak` +
        (saves
            ? "."
            : ": list only the subnets' ranges in vnetAddressSpace (or leave it unset) to save routable space.");
    for (const line of wrap(sentence, WIDTH - 2 * MARGIN, 11)) {
        y += LINE + 2;
        out.push(text(LABEL_X, y, line, { fill: MUTED }));
    }
    const labelWidth = 170;
    const full = WIDTH - 2 * MARGIN - labelWidth - 120;
    const max = Math.max(r.podSubnetMode, r.nodeSubnetModeNeeded, 1);
    const bars: [string, number, string, string][] = [
        ["this design (Pod Subnet)", r.podSubnetMode, KINDS.nodes.fill, `${count(r.podSubnetMode)}`],
        [
            "Azure CNI node-subnet mode",
            r.nodeSubnetModeNeeded,
            "#9ca3af",
            `${count(r.nodeSubnetModeNeeded)} (/${r.nodeSubnetModePrefix})`,
        ],
    ];
    y += 8;
    for (const [label, value, fill, valueLabel] of bars) {
        const w = Math.max((value / max) * full, 2);
        out.push(text(LABEL_X, y + 10, label));
        out.push(`<rect x="${LABEL_X + labelWidth}" y="${n(y)}" width="${n(w)}" height="12" fill="${fill}"/>`);
        out.push(text(LABEL_X + labelWidth + w + 5, y + 10, valueLabel, { fill: INK }));
        y += 18;
    }
    out.push(text(LABEL_X + labelWidth, y + 8, "routable addresses, linear scale", { size: 10, fill: MUTED }));
    y += 10;

    y += 8;
    for (const line of wrap(nat.summary, WIDTH - 2 * MARGIN, 11)) {
        y += LINE;
        out.push(text(LABEL_X, y, line, { fill: MUTED }));
    }
    return y;
}

/** x of a size on the log scale: 1 address at LOG_X, 2^32 at LOG_X + LOG_W. */
function logX(size: number): number {
    return LOG_X + (Math.log2(Math.max(size, 1)) / 32) * LOG_W;
}

interface TextStyle {
    size?: number;
    bold?: boolean;
    fill?: string;
    anchor?: "start" | "middle" | "end";
}

function text(x: number, y: number, content: string, style: TextStyle = {}): string {
    const attributes = [`x="${n(x)}"`, `y="${n(y)}"`];
    if (style.size && style.size !== 11) attributes.push(`font-size="${style.size}"`);
    if (style.bold) attributes.push(`font-weight="bold"`);
    attributes.push(`fill="${style.fill ?? INK}"`);
    if (style.anchor && style.anchor !== "start") attributes.push(`text-anchor="${style.anchor}"`);
    return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

/** Escapes text for XML content and attribute values, dropping characters XML 1.0 does not allow at all. */
export function escapeXml(value: string): string {
    return value
        .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

// Advance widths of DejaVu Sans in em, the widest of the fonts the map names; anything else counts as 0.7 em.
const WIDTHS: Record<string, number> = {
    " ": 0.318,
    "!": 0.4,
    '"': 0.46,
    "#": 0.838,
    "%": 0.95,
    "&": 0.78,
    "'": 0.275,
    "(": 0.39,
    ")": 0.39,
    "*": 0.5,
    "+": 0.838,
    ",": 0.318,
    "-": 0.361,
    ".": 0.318,
    "/": 0.337,
    ":": 0.337,
    ";": 0.337,
    "<": 0.838,
    "=": 0.838,
    ">": 0.838,
    "?": 0.531,
    "@": 1.0,
    "[": 0.39,
    "]": 0.39,
    _: 0.5,
    "·": 0.318,
    "—": 1.0,
    "–": 0.5,
    "≈": 0.838,
    "÷": 0.838,
    "∝": 0.838,
    "▼": 0.77,
    "…": 1.0,
    a: 0.613,
    b: 0.635,
    c: 0.55,
    d: 0.635,
    e: 0.615,
    f: 0.352,
    g: 0.635,
    h: 0.634,
    i: 0.278,
    j: 0.278,
    k: 0.579,
    l: 0.278,
    m: 0.974,
    n: 0.634,
    o: 0.612,
    p: 0.635,
    q: 0.635,
    r: 0.411,
    s: 0.521,
    t: 0.392,
    u: 0.634,
    v: 0.592,
    w: 0.818,
    x: 0.592,
    y: 0.592,
    z: 0.525,
    A: 0.684,
    B: 0.686,
    C: 0.698,
    D: 0.77,
    E: 0.632,
    F: 0.575,
    G: 0.775,
    H: 0.752,
    I: 0.295,
    J: 0.295,
    K: 0.656,
    L: 0.557,
    M: 0.863,
    N: 0.748,
    O: 0.787,
    P: 0.603,
    Q: 0.787,
    R: 0.695,
    S: 0.635,
    T: 0.611,
    U: 0.732,
    V: 0.684,
    W: 0.989,
    X: 0.685,
    Y: 0.611,
    Z: 0.685,
};

/** Estimated rendered width in px. */
export function textWidth(content: string, size = 11, bold = false): number {
    let em = 0;
    for (const ch of content) em += WIDTHS[ch] ?? (ch >= "0" && ch <= "9" ? 0.636 : 0.7);
    return em * size * (bold ? 1.1 : 1);
}

/** Breaks text into lines no wider than `width`, at spaces; a single word wider than that is cut. */
function wrap(content: string, width: number, size: number, bold = false): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of content.split(" ")) {
        const candidate = line ? `${line} ${word}` : word;
        if (textWidth(candidate, size, bold) <= width) {
            line = candidate;
            continue;
        }
        if (line) lines.push(line);
        line = word;
        while (textWidth(line, size, bold) > width) {
            const chars = [...line];
            let cut = chars.length - 1;
            while (cut > 1 && textWidth(chars.slice(0, cut).join(""), size, bold) > width) cut--;
            lines.push(chars.slice(0, cut).join(""));
            line = chars.slice(cut).join("");
        }
    }
    if (line || lines.length === 0) lines.push(line);
    return lines;
}

function count(value: number): string {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function round(value: number): string {
    return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 100) / 100);
}

/** A coordinate with at most two decimals. */
function n(value: number): string {
    return String(Math.round(value * 100) / 100);
}
