import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AddressPlan, planAddresses, SubnetPlan } from "../../src/planner";
import { readStackConfig } from "../../program/config";
import { PROJECT, readConfigFile, stackFile } from "../../program/stackFile";
import { parseArgs } from "../../src/plan/plan";
import { escapeXml, renderAddressMap, textWidth } from "../../src/plan/svg";

/*
 * The address map (src/plan/svg.ts): a well-formed SVG document that names every range of the plan with its capacity,
 * keeps every label inside the canvas and clear of every other label, and escapes whatever text it is given.
 *
 * fast-xml-parser checks the document: XMLValidator for well-formedness (matched tags, unique attributes, no raw `<`
 * or `&` in text), XMLParser in document order for the root element, the attributes and the texts.
 */

const ROOT = path.join(__dirname, "..", "..");
const SVG_NS = "http://www.w3.org/2000/svg";

interface XmlElement {
    name: string;
    attributes: Record<string, string>;
    children: (XmlElement | string)[];
}

/** A node of XMLParser's ordered output: `{ [tag]: children, ":@"?: attributes }`, or `{ "#text": text }`. */
type OrderedNode = Record<string, unknown>;

const PARSER = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    preserveOrder: true,
    parseTagValue: false, // texts and attribute values stay strings, exactly as written
    parseAttributeValue: false,
    trimValues: false,
});

function toElement(node: OrderedNode): XmlElement | string {
    if ("#text" in node) return String(node["#text"]);
    const name = Object.keys(node).find((key) => key !== ":@")!;
    return {
        name,
        attributes: (node[":@"] ?? {}) as Record<string, string>,
        children: (node[name] as OrderedNode[]).map(toElement),
    };
}

/**
 * Validates `svg` (throwing, with the validator's error, unless it is well-formed with a single root) and
 * parses it.
 */
function parseSvg(svg: string): XmlElement {
    const valid = XMLValidator.validate(svg);
    assert.equal(valid, true, `XML not well-formed: ${JSON.stringify(valid)}`);
    const elements = (PARSER.parse(svg) as OrderedNode[])
        .map(toElement)
        .filter((node): node is XmlElement => typeof node !== "string" && node.name !== "?xml");
    assert.equal(elements.length, 1, "XML not well-formed: a document has exactly one root element");
    return elements[0];
}

function descendants(element: XmlElement, name: string): XmlElement[] {
    return element.children.flatMap((child) =>
        typeof child === "string" ? [] : [...(child.name === name ? [child] : []), ...descendants(child, name)],
    );
}

function textOf(element: XmlElement): string {
    return element.children.map((child) => (typeof child === "string" ? child : textOf(child))).join("");
}

/** The plan of a stack, from its settings file the way the program reads it. */
function stackPlan(stack: string): AddressPlan {
    const raw = readConfigFile(stackFile(ROOT, stack), ROOT);
    return readStackConfig((key) => raw[key.includes(":") ? key : `${PROJECT}:${key}`], stack).plan;
}

function count(value: number): string {
    return value.toLocaleString("en-US");
}

/** Asserts the map of `plan` is a sized SVG document naming every range and its capacity; returns the texts. */
function assertNamesEverything(svg: string, plan: AddressPlan, stack: string): string[] {
    const root = parseSvg(svg);
    assert.equal(root.name, "svg");
    assert.equal(root.attributes.xmlns, SVG_NS);
    const width = Number(root.attributes.width);
    const height = Number(root.attributes.height);
    assert.ok(width >= 900 && width <= 1100, `width ${root.attributes.width}`);
    assert.ok(height > 0 && Number.isFinite(height), `height ${root.attributes.height}`);
    assert.equal(root.attributes.viewBox, `0 0 ${width} ${height}`);

    const texts = descendants(root, "text").map(textOf);
    const all = texts.join("\n");
    const has = (fragment: string) => assert.ok(all.includes(fragment), `the map lacks "${fragment}"`);
    has(`Address map — stack "${stack}"`);
    const virtualNodes = (plan as { virtualNodeSubnet?: SubnetPlan }).virtualNodeSubnet;
    if (virtualNodes) has(`${virtualNodes.name}  ${virtualNodes.cidr}`);
    for (const subnet of [plan.nodeSubnet, ...plan.podSubnets]) {
        has(`${subnet.name}  ${subnet.cidr}`);
        has(`/${subnet.cidr.split("/")[1]} = ${count(subnet.size)} addresses, ${count(subnet.usable)} usable`);
        has(
            `allocatable ${count(subnet.allocatable)} · needed ${count(subnet.needed)} · ` +
                `headroom ${count(subnet.headroom)}`,
        );
        has(`pools: ${subnet.pools.join(", ")}`);
    }
    has(`service range  ${plan.serviceCidr}`);
    has(plan.dnsServiceIP);
    for (const network of plan.connectedCidrs) has(`connected network  ${network}`);
    for (const extra of plan.ipMasqAgent.extraNonMasqueradeCidrs) has(`extra non-masquerade  ${extra}`);
    for (const prefix of plan.vnetAddressSpace) has(prefix);
    has(`Routable addresses: ${plan.routableAddresses.savingPercent}% saved`);
    has(
        `would need ${count(plan.routableAddresses.nodeSubnetModeNeeded)} ` +
            `(a /${plan.routableAddresses.nodeSubnetModePrefix})`,
    );
    for (const legend of [
        "node subnet: routable",
        "pod subnet: private",
        "service range",
        "connected network: pods NAT'd",
        "extra non-masquerade",
        "VNet prefix",
    ])
        has(legend);
    has("linear scale");
    has("log2");
    assertLayout(root, width, height);
    return texts;
}

/** Every shape inside the canvas; every label inside it and clear of every other label (widths estimated). */
function assertLayout(root: XmlElement, width: number, height: number): void {
    for (const rect of descendants(root, "rect")) {
        const [x, y, w, h] = ["x", "y", "width", "height"].map((a) => Number(rect.attributes[a] ?? 0));
        assert.ok(
            x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width + 0.01 && y + h <= height + 0.01,
            `rect outside the canvas: ${JSON.stringify(rect.attributes)}`,
        );
    }
    const boxes = descendants(root, "text").map((t) => {
        const size = Number(t.attributes["font-size"] ?? 11);
        const w = textWidth(textOf(t), size, t.attributes["font-weight"] === "bold");
        const x = Number(t.attributes.x);
        const left =
            t.attributes["text-anchor"] === "end" ? x - w : t.attributes["text-anchor"] === "middle" ? x - w / 2 : x;
        const y = Number(t.attributes.y);
        return { text: textOf(t), left, right: left + w, top: y - size * 0.8, bottom: y + size * 0.2 };
    });
    for (const box of boxes) {
        assert.ok(
            box.left >= 0 && box.right <= width && box.top >= 0 && box.bottom <= height,
            `label outside the canvas: "${box.text}"`,
        );
    }
    boxes.forEach((a, i) =>
        boxes.slice(i + 1).forEach((b) => {
            const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
            assert.ok(apart, `labels overlap: "${a.text}" and "${b.text}"`);
        }),
    );
}

describe("address map (SVG)", () => {
    for (const stack of ["dev", "prod"]) {
        it(`draws every range of the ${stack} plan, labelled, in a well-formed SVG`, () => {
            const plan = stackPlan(stack);
            assertNamesEverything(renderAddressMap(plan, stack), plan, stack);
        });
    }

    it("tells where pods are NAT'd: each connected network names the carve-outs that keep pod IPs", () => {
        const texts = parseXmlTexts(renderAddressMap(stackPlan("dev"), "dev"));
        assert.ok(texts.includes("except towards 10.42.8.0/27 (node subnet), 10.250.0.0/24 (extra)"), texts.join("\n"));
        const prod = parseXmlTexts(renderAddressMap(stackPlan("prod"), "prod"));
        assert.ok(prod.includes("except towards 10.42.16.0/26 (node subnet)"));
    });

    it("puts overlapping and neighbouring ranges in one lane and far-apart ones in their own", () => {
        const texts = parseXmlTexts(renderAddressMap(stackPlan("prod"), "prod"));
        const regions = texts.filter((t) => t.startsWith("Region "));
        // 10.0.0.0/8 with the node subnet inside; both pod subnets (adjacent);
        // the service range; 172.16/14; 192.168/16.
        assert.deepEqual(regions, [
            "Region 1 · 10.0.0.0/8 · 16,777,216 addresses",
            "Region 2 · 69,632 addresses",
            "Region 3 · 100.96.0.0/16 · 65,536 addresses",
            "Region 4 · 172.16.0.0/14 · 262,144 addresses",
            "Region 5 · 192.168.0.0/16 · 65,536 addresses",
        ]);
        assert.ok(texts.includes("1 px ≈ 46,603 addresses"), "the 10.0.0.0/8 lane states its scale");
    });

    it("keeps labels apart and inside the canvas for a crowded plan with a custom VNet and long names", () => {
        const plan = planAddresses({
            nodeSubnetCidr: "10.42.16.0/24",
            podSubnetCidr: "100.64.0.0/18",
            vnetAddressSpace: ["10.42.0.0/16", "100.64.0.0/14"],
            serviceCidr: "172.20.0.0/16",
            connectedCidrs: ["10.0.0.0/8", "172.16.0.0/14", "192.168.0.0/16", "11.0.0.0/24", "203.0.113.0/24"],
            extraNonMasqueradeCidrs: ["10.250.0.0/24", "10.42.17.0/24"],
            kubernetesVersion: "1.36",
            nodePools: [
                { name: "system", mode: "System", count: 3, maxPods: 30 },
                { name: "apps", minCount: 1, maxCount: 40, maxPods: 110 },
                { name: "appsb", minCount: 1, maxCount: 40, maxPods: 110 },
                {
                    name: "verylongpool",
                    minCount: 1,
                    maxCount: 4,
                    maxPods: 110,
                    podSubnetCidr: "100.66.0.0/22",
                    podIPAllocationMode: "StaticBlock",
                },
                { name: "gpuworkers", minCount: 1, maxCount: 4, maxPods: 30, podSubnetCidr: "100.66.8.0/22" },
                { name: "batch", minCount: 0, maxCount: 10, maxPods: 30, podSubnetCidr: "100.66.8.0/22" },
            ],
        });
        plan.podSubnets[1].name = "pods-" + "verylongpool-".repeat(8);
        const texts = assertNamesEverything(
            renderAddressMap(plan, "crowded"),
            { ...plan, podSubnets: [plan.podSubnets[0], plan.podSubnets[2]] },
            "crowded",
        );
        assert.ok(texts.some((t) => t.includes("VNet prefix  10.42.0.0/16")));
        assert.ok(
            texts.some((t) => t.includes("100.66.0.0/22")),
            "a wrapped title keeps its CIDR",
        );
    });

    it("draws the virtual nodes' subnet, when the plan has one, as routable and counts it in the footer", () => {
        const plan = structuredClone(stackPlan("prod"));
        const virtualNodes = {
            ...plan.nodeSubnet,
            name: "virtual-nodes",
            role: "virtual-nodes",
            cidr: "10.42.17.0/24",
            key: "virtualNodeSubnetCidr",
            size: 256,
            usable: 251,
            allocatable: 251,
            needed: 0,
            headroom: 251,
            pools: [],
        };
        const withVirtualNodes = {
            ...plan,
            virtualNodeSubnet: virtualNodes,
            routableAddresses: { ...plan.routableAddresses, podSubnetMode: 320 },
        } as AddressPlan;
        const texts = assertNamesEverything(renderAddressMap(withVirtualNodes, "prod"), withVirtualNodes, "prod");
        assert.ok(texts.includes("virtual nodes (ACI): routable"), "legend");
        assert.ok(texts.some((t) => t.startsWith("virtual nodes' subnet (ACI), routable")));
        assert.ok(
            texts
                .join(" ")
                .includes(
                    "This design routes 320 addresses (the node subnet 10.42.16.0/26 and " +
                        "the virtual nodes' subnet 10.42.17.0/24)",
                ),
        );
        assert.ok(
            !parseXmlTexts(renderAddressMap(plan, "prod")).includes("virtual nodes (ACI): routable"),
            "no legend entry without virtual nodes",
        );
    });

    it("escapes markup characters in names and drops characters XML cannot hold", () => {
        const plan: AddressPlan = structuredClone(stackPlan("dev"));
        plan.podSubnets[0].name = `pods<&>"'x`;
        plan.podSubnets[0].pools = ["a<b", "c&d\u0001"];
        const svg = renderAddressMap(plan, `st<&>ck`);
        assert.ok(!svg.includes("pods<&>"), "raw markup in the output");
        assert.ok(svg.includes("pods&lt;&amp;&gt;&quot;&apos;x"));
        assert.ok(!svg.includes("\u0001"));
        assert.ok(svg.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}"`));
        const texts = parseXmlTexts(svg);
        assert.ok(texts.includes(`pods<&>"'x  100.64.0.0/20`), texts.join("\n"));
        assert.ok(texts.includes("pools: a<b, c&d"));
        assert.ok(texts.includes(`Address map — stack "st<&>ck"`));
        assert.equal(escapeXml(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");

        // The validator is real: the same document with a name left unescaped is rejected.
        for (const [escaped, raw] of [
            ["pods&lt;&amp;&gt;", "pods<&>"],
            ["c&amp;d", "c&d"],
        ]) {
            const unescaped = svg.replace(escaped, raw);
            assert.notEqual(unescaped, svg, escaped);
            assert.notEqual(XMLValidator.validate(unescaped), true, `a raw "${raw}" in a text passes the validator`);
            assert.throws(() => parseSvg(unescaped), /not well-formed/, raw);
        }
    });

    it("the well-formedness check rejects what is not well-formed", () => {
        const bad = [
            `<svg><text>a & b</text></svg>`,
            `<svg><text>a</svg>`,
            `<svg a="1" a="2"/>`,
            `<svg a=1/>`,
            `<svg/><svg/>`,
            `<svg><text>1 < 2</text></svg>`,
            ` <?xml version="1.0"?><svg/>`,
            `<svg>`,
        ];
        for (const xml of bad) assert.throws(() => parseSvg(xml), /not well-formed/, xml);
        assert.equal(parseSvg(`<?xml version="1.0"?>\n<svg a='1'>x &amp; y</svg>\n`).attributes.a, "1");
    });

    describe("npm run plan -- --svg", () => {
        it("takes --svg <file> and asks for the file when it is missing", () => {
            assert.equal(parseArgs(["--stack", "prod", "--svg", "out/plan.svg"]).svg, "out/plan.svg");
            assert.throws(() => parseArgs(["--stack", "prod", "--svg"]), /Option '--svg <value>' argument missing/);
            assert.throws(
                () => parseArgs(["--stack", "prod", "--svg", "--json"]),
                /Option '--svg' argument is ambiguous/,
            );
        });

        it("writes the prod address map through the CLI, end to end", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-svg-"));
            try {
                execFileSync(process.execPath, ["tooling/transpile.mjs"], { cwd: ROOT, stdio: "pipe" });
                const file = path.join(dir, "maps", "plan.svg");
                const json = execFileSync(
                    process.execPath,
                    ["dist/src/plan/plan.js", "--stack", "prod", "--json", "--svg", file],
                    { cwd: ROOT, encoding: "utf8" },
                );
                const plan = JSON.parse(json).addressPlan as AddressPlan; // --json output stays pure JSON with --svg
                const svg = fs.readFileSync(file, "utf8");
                assert.equal(svg, renderAddressMap(plan, "prod"));
                assertNamesEverything(svg, stackPlan("prod"), "prod");

                const report = execFileSync(
                    process.execPath,
                    ["dist/src/plan/plan.js", "--stack", "dev", "--svg", path.join(dir, "dev.svg")],
                    { cwd: ROOT, encoding: "utf8" },
                );
                assert.match(
                    report,
                    new RegExp(`Address map written to ${path.join(dir, "dev.svg").replace(/[.\\/]/g, "\\$&")}`),
                );
                assertNamesEverything(fs.readFileSync(path.join(dir, "dev.svg"), "utf8"), stackPlan("dev"), "dev");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});

function parseXmlTexts(svg: string): string[] {
    return descendants(parseSvg(svg), "text").map(textOf);
}
