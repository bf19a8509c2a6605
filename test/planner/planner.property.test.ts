/**
 * Property-based tests for the address planner. Random plan inputs (mostly near-valid, some broken on purpose) must
 * either yield a plan that holds every invariant below, or fail with the planner's own ConfigurationError listing
 * problems that each name a config key. Nothing else may escape.
 *
 * The invariants are checked with the small IPv4 helpers in this file (plain integer interval arithmetic), not with
 * the planner's cidr.ts, so the test is an independent oracle. On failure fast-check prints the seed and the
 * shrunk counterexample; rerun one with `fc.assert(..., { seed, path })`.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { ConfigurationError } from "../../src/errors";
import { AddressPlan, AddressPlanInput, NodePoolAddressSpec, planAddresses } from "../../src/planner";

// ---------------------------------------------------------------------------------------------------------------
// Independent IPv4 helpers: addresses are integers 0 … 2^32−1, sets of addresses are sorted lists of disjoint,
// non-touching inclusive ranges.
// ---------------------------------------------------------------------------------------------------------------

const ADDRESSES = 2 ** 32;

interface Block {
    text: string;
    first: number;
    last: number;
    prefix: number;
    size: number;
}

type Range = readonly [first: number, last: number];

function parseIp(text: string): number {
    const parts = text.split(".");
    assert.equal(parts.length, 4, `"${text}" is not a dotted quad`);
    return parts.reduce((value, part) => {
        assert.match(part, /^(0|[1-9]\d{0,2})$/, `"${text}" has a bad octet "${part}"`);
        const octet = Number(part);
        assert.ok(octet <= 255, `"${text}" has an octet above 255`);
        return value * 256 + octet;
    }, 0);
}

function formatIp(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Strict: an IPv4 CIDR whose address is its own network base, written canonically. */
function parseBlock(text: string): Block {
    const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
    assert.ok(match, `"${text}" is not an IPv4 CIDR`);
    const prefix = Number(match[2]);
    assert.ok(prefix <= 32, `"${text}" has a prefix above 32`);
    const first = parseIp(match[1]);
    const size = 2 ** (32 - prefix);
    assert.equal(first % size, 0, `"${text}" is not aligned to its network`);
    assert.equal(`${formatIp(first)}/${prefix}`, text, `"${text}" is not written canonically`);
    return { text, first, last: first + size - 1, prefix, size };
}

/** Lenient (for building inputs): masks the address down to its network. */
function looseBlock(text: string): Block {
    const [address, bits] = text.split("/");
    const prefix = Number(bits);
    const size = 2 ** (32 - prefix);
    const first = parseIp(address) - (parseIp(address) % size);
    return { text: `${formatIp(first)}/${prefix}`, first, last: first + size - 1, prefix, size };
}

function blockAt(first: number, prefix: number): Block {
    const size = 2 ** (32 - prefix);
    const base = first - (first % size);
    return { text: `${formatIp(base)}/${prefix}`, first: base, last: base + size - 1, prefix, size };
}

function toSet(ranges: readonly { first: number; last: number }[] | readonly Range[]): Range[] {
    const list: Range[] = ranges.map((r) => ("first" in r ? [r.first, r.last] : [r[0], r[1]]) as Range);
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: [number, number][] = [];
    for (const [first, last] of list) {
        const tail = out[out.length - 1];
        if (tail && first <= tail[1] + 1) tail[1] = Math.max(tail[1], last);
        else out.push([first, last]);
    }
    return out;
}

function setMinus(from: readonly Range[], minus: readonly Range[]): Range[] {
    const out: Range[] = [];
    for (const [first, last] of toSet(from)) {
        let start = first;
        for (const [hFirst, hLast] of toSet(minus)) {
            if (hLast < start || hFirst > last) continue;
            if (hFirst > start) out.push([start, hFirst - 1]);
            start = hLast + 1;
        }
        if (start <= last) out.push([start, last]);
    }
    return toSet(out);
}

function setHas(set: readonly Range[], address: number): boolean {
    return set.some(([first, last]) => first <= address && address <= last);
}

function setCovers(set: readonly Range[], block: { first: number; last: number }): boolean {
    return set.some(([first, last]) => first <= block.first && block.last <= last);
}

function setText(set: readonly Range[]): string {
    return set.map(([a, b]) => `${formatIp(a)}-${formatIp(b)}`).join(", ") || "(empty)";
}

function assertSameSet(actual: readonly Range[], expected: readonly Range[], what: string): void {
    assert.equal(setText(toSet(actual)), setText(toSet(expected)), what);
}

function overlap(a: Block, b: Block): boolean {
    return a.first <= b.last && b.first <= a.last;
}

function inside(inner: Block, outer: Block): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

/** The canonical (fewest-CIDR) cover of a set: its maximal aligned blocks, in address order. */
function canonicalBlocks(set: readonly Range[]): string[] {
    const out: string[] = [];
    for (const [first, last] of toSet(set)) {
        let start = first;
        while (start <= last) {
            let size = ADDRESSES;
            while (start % size !== 0 || start + size - 1 > last) size /= 2;
            out.push(`${formatIp(start)}/${32 - Math.log2(size)}`);
            start += size;
        }
    }
    return out;
}

/**
 * A CIDR list an agent can take in minimal form: IPv4, aligned, sorted, pairwise disjoint, and no entry whose
 * parent block lies wholly in the list's union (otherwise two or more entries could merge into fewer).
 */
function assertMinimalCidrList(list: readonly string[], what: string): Block[] {
    const blocks = list.map((text) => {
        assert.ok(!text.includes(":"), `${what}: ${text} is IPv6`);
        return parseBlock(text);
    });
    const union = toSet(blocks);
    blocks.forEach((block, i) => {
        const next = blocks[i + 1];
        if (next) assert.ok(block.last < next.first, `${what}: ${block.text} and ${next.text} are unsorted or overlap`);
        if (block.prefix > 0) {
            const parent = blockAt(block.first, block.prefix - 1);
            assert.ok(
                !setCovers(union, parent),
                `${what}: ${block.text} could merge into ${parent.text} (list is not minimal: ${list.join(", ")})`,
            );
        }
    });
    assert.deepEqual([...list], canonicalBlocks(union), `${what}: not the canonical fewest-CIDR form`);
    return blocks;
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle: every invariant of a returned plan, recomputed from the input.
// ---------------------------------------------------------------------------------------------------------------

const REJECTED = ["169.254.0.0/16", "192.0.2.0/24", "172.30.0.0/16", "172.31.0.0/16"].map(parseBlock);
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

interface ExpectedPool {
    maxCount: number;
    surgeNodes: number;
    peakNodes: number;
    perNode: number;
    needed: number;
    podSubnetCidr: string;
    staticBlock: boolean;
}

/** Pool sizing recomputed with integer arithmetic only. */
function expectedPool(pool: NodePoolAddressSpec, sharedPodSubnet: string): ExpectedPool {
    const autoscaling = pool.minCount !== undefined || pool.maxCount !== undefined;
    const maxCount = autoscaling ? pool.maxCount! : (pool.count ?? 3);
    const surge = String(pool.maxSurge ?? "10%");
    const surgeNodes = surge.endsWith("%")
        ? Math.floor((maxCount * Number(surge.slice(0, -1)) + 99) / 100)
        : Number(surge);
    const maxPods = pool.maxPods ?? 50;
    const staticBlock = pool.podIPAllocationMode === "StaticBlock";
    // DynamicIndividual: 16·ceil(maxPods/16 + 1/2) = 16·floor((2·maxPods + 47)/32);
    // StaticBlock: 16·ceil((maxPods+1)/16).
    const perNode = staticBlock ? 16 * Math.floor((maxPods + 16) / 16) : 16 * Math.floor((2 * maxPods + 47) / 32);
    const peakNodes = maxCount + surgeNodes;
    return {
        maxCount,
        surgeNodes,
        peakNodes,
        perNode,
        needed: peakNodes * perNode,
        podSubnetCidr: pool.podSubnetCidr ?? sharedPodSubnet,
        staticBlock,
    };
}

function checkPlan(input: AddressPlanInput, plan: AddressPlan): void {
    const pools = input.nodePools.map((p) => expectedPool(p, input.podSubnetCidr));
    const podCidrs = [...new Set([input.podSubnetCidr, ...pools.map((p) => p.podSubnetCidr)])];

    // (0) The plan describes the input it was given.
    assert.equal(plan.nodeSubnet.cidr, input.nodeSubnetCidr);
    assert.equal(plan.serviceCidr, input.serviceCidr);
    assert.deepEqual(
        [...plan.podSubnets.map((s) => s.cidr)].sort(),
        [...podCidrs].sort(),
        "pod subnets: the shared one plus each distinct pool-owned one",
    );
    assert.deepEqual(
        [...plan.vnetAddressSpace].sort(),
        [...(input.vnetAddressSpace ?? [input.nodeSubnetCidr, ...podCidrs])].sort(),
        "vnetAddressSpace: as given, or the subnets",
    );
    assert.deepEqual(plan.connectedCidrs, input.connectedCidrs ?? []);
    assert.deepEqual(plan.ipMasqAgent.extraNonMasqueradeCidrs, input.extraNonMasqueradeCidrs ?? []);
    assert.equal(plan.pools.length, input.nodePools.length);
    assert.equal(
        new Set([plan.nodeSubnet.name, ...plan.podSubnets.map((s) => s.name)]).size,
        1 + plan.podSubnets.length,
        "subnet names are unique",
    );

    // (1) Subnets lie inside the VNet and are pairwise disjoint.
    const vnet = plan.vnetAddressSpace.map(parseBlock);
    const nodeSubnet = parseBlock(plan.nodeSubnet.cidr);
    const podSubnets = plan.podSubnets.map((s) => parseBlock(s.cidr));
    const subnets = [nodeSubnet, ...podSubnets];
    for (const subnet of subnets) {
        assert.ok(
            vnet.some((prefix) => inside(subnet, prefix)),
            `${subnet.text} is outside the VNet ${plan.vnetAddressSpace.join(", ")}`,
        );
    }
    subnets.forEach((a, i) =>
        subnets.slice(i + 1).forEach((b) => assert.ok(!overlap(a, b), `subnets ${a.text} and ${b.text} overlap`)),
    );

    // (2) nonMasqueradeCIDRs covers the VNet, the service range and every extra CIDR — and exactly those.
    const service = parseBlock(plan.serviceCidr);
    const extra = (input.extraNonMasqueradeCidrs ?? []).map(parseBlock);
    const keep = toSet([...vnet, service, ...extra]);
    const nonMasqList = plan.ipMasqAgent.nonMasqueradeCIDRs;
    // (6) …in minimal agent form, at most 64 entries.
    const nonMasq = toSet(assertMinimalCidrList(nonMasqList, "nonMasqueradeCIDRs"));
    assert.ok(
        nonMasqList.length <= 64,
        `nonMasqueradeCIDRs has ${nonMasqList.length} entries; the agent exits above 64`,
    );
    for (const block of [...vnet, service, ...extra])
        assert.ok(setCovers(nonMasq, block), `nonMasqueradeCIDRs misses ${block.text}`);
    assertSameSet(nonMasq, keep, "nonMasqueradeCIDRs = VNet ∪ service ∪ extra");

    // (3) Connected networks: everything outside VNet ∪ service ∪ extra ∪ link-local (which the agent always returns)
    // is masqueraded, and the plan says so.
    const connected = (input.connectedCidrs ?? []).map(parseBlock);
    const masqueraded = toSet(
        assertMinimalCidrList(plan.ipMasqAgent.masqueradedConnectedCidrs, "masqueradedConnectedCidrs"),
    );
    const linkLocalSet = toSet([parseBlock("169.254.0.0/16")]);
    assertSameSet(
        masqueraded,
        setMinus(setMinus(toSet(connected), keep), linkLocalSet),
        "masqueradedConnectedCidrs = connected − (VNet ∪ service ∪ extra ∪ link-local)",
    );
    assertSameSet(
        masqueraded,
        setMinus(setMinus(toSet(connected), nonMasq), linkLocalSet),
        "masqueradedConnectedCidrs = connected − nonMasqueradeCIDRs − link-local",
    );
    // The same, probed address by address at every edge where the answer can change.
    const probes = [...connected, ...nonMasqList.map(parseBlock)].flatMap((b) => [
        b.first - 1,
        b.first,
        b.first + Math.floor(b.size / 2),
        b.last,
        b.last + 1,
    ]);
    for (const address of probes.filter((a) => connected.some((c) => c.first <= a && a <= c.last))) {
        const exempt = setHas(keep, address);
        assert.equal(
            setHas(nonMasq, address),
            exempt,
            `${formatIp(address)} in a connected network: exempt must be ${exempt}`,
        );
        assert.equal(
            setHas(masqueraded, address),
            !exempt,
            `${formatIp(address)} in a connected network: masqueraded must be ${!exempt}`,
        );
    }

    // (4) The DNS service IP: inside the service range, not the network address, first host or broadcast.
    const dns = parseIp(plan.dnsServiceIP);
    assert.equal(plan.dnsServiceIP, input.dnsServiceIP ?? formatIp(service.first + 10));
    assert.ok(
        service.first <= dns && dns <= service.last,
        `dnsServiceIP ${plan.dnsServiceIP} is outside ${service.text}`,
    );
    assert.ok(
        ![service.first, service.first + 1, service.last].includes(dns),
        `dnsServiceIP ${plan.dnsServiceIP} is a reserved address of ${service.text}`,
    );

    // (5) Capacity, recomputed independently from the pools.
    plan.pools.forEach((p, i) => {
        const want = pools[i];
        assert.deepEqual(
            {
                maxCount: p.maxCount,
                surgeNodes: p.surgeNodes,
                peakNodes: p.peakNodes,
                podIPsPerNode: p.podIPsPerNode,
                podIPsNeeded: p.podIPsNeeded,
                podSubnetCidr: p.podSubnetCidr,
            },
            {
                maxCount: want.maxCount,
                surgeNodes: want.surgeNodes,
                peakNodes: want.peakNodes,
                podIPsPerNode: want.perNode,
                podIPsNeeded: want.needed,
                podSubnetCidr: want.podSubnetCidr,
            },
            `pool ${p.name} sizing`,
        );
        assert.equal(
            plan.podSubnets.find((s) => s.cidr === p.podSubnetCidr)?.name,
            p.podSubnetName,
            `pool ${p.name} names its pod subnet`,
        );
    });
    for (const subnet of plan.podSubnets) {
        const onIt = pools.filter((p) => p.podSubnetCidr === subnet.cidr);
        const needed = onIt.reduce((sum, p) => sum + p.needed, 0);
        const allocatable = onIt.some((p) => p.staticBlock)
            ? Math.max(0, subnet.size / 16 - 2) * 16
            : 16 * Math.floor(Math.max(0, subnet.size - 5) / 16);
        assert.equal(subnet.size, parseBlock(subnet.cidr).size);
        assert.equal(subnet.needed, needed, `pod subnet ${subnet.cidr} needed`);
        assert.equal(subnet.allocatable, allocatable, `pod subnet ${subnet.cidr} allocatable`);
        assert.ok(
            subnet.allocatable >= subnet.needed,
            `pod subnet ${subnet.cidr}: ${subnet.allocatable} allocatable < ${subnet.needed} needed`,
        );
        assert.equal(subnet.headroom, subnet.allocatable - subnet.needed);
        assert.deepEqual(
            subnet.pools,
            plan.pools.filter((p) => p.podSubnetCidr === subnet.cidr).map((p) => p.name),
        );
    }
    // The node subnet holds every pool's peak nodes (maxCount + surge) plus Azure's 5 reserved addresses. `needed`
    // may count the reserved ones or not (allocatable = usable then leaves them out); headroom is the same either way.
    const peakNodes = pools.reduce((sum, p) => sum + p.peakNodes, 0);
    const node = plan.nodeSubnet;
    assert.equal(node.size, nodeSubnet.size);
    assert.ok(
        node.needed === peakNodes || node.needed === peakNodes + 5,
        `node subnet needed ${node.needed}; peak nodes ${peakNodes}`,
    );
    assert.deepEqual(
        { usable: node.usable, allocatable: node.allocatable, headroom: node.headroom },
        { usable: node.size - 5, allocatable: node.size - 5, headroom: node.size - 5 - peakNodes },
        "node subnet",
    );
    assert.ok(
        node.size >= peakNodes + 5,
        `node subnet ${nodeSubnet.text} (${node.size}) < ${peakNodes} peak nodes + 5 reserved`,
    );

    // (7) The documented rules hold for every accepted plan.
    assert.ok(service.prefix >= 12, `service range ${service.text} is larger than /12`);
    for (const other of [...vnet, ...connected])
        assert.ok(!overlap(service, other), `service range ${service.text} overlaps ${other.text}`);
    for (const block of [...subnets, ...vnet, service]) {
        for (const bad of REJECTED)
            assert.ok(!overlap(block, bad), `${block.text} overlaps the rejected range ${bad.text}`);
    }
    vnet.forEach((a, i) =>
        vnet.slice(i + 1).forEach((b) => assert.ok(!overlap(a, b), `VNet prefixes ${a.text} and ${b.text} overlap`)),
    );
    const linkLocal = parseBlock("169.254.0.0/16");
    for (const network of connected) {
        assert.ok(
            !inside(network, linkLocal),
            `connected ${network.text} lies inside link-local, which the agent never masquerades`,
        );
        for (const pods of podSubnets)
            assert.ok(!overlap(network, pods), `connected ${network.text} overlaps pod subnet ${pods.text}`);
        assert.ok(!vnet.some((prefix) => inside(network, prefix)), `connected ${network.text} lies inside the VNet`);
        assert.ok(!extra.some((e) => inside(network, e)), `an extra CIDR swallows connected ${network.text}`);
    }
    const version = input.kubernetesVersion === undefined ? undefined : input.kubernetesVersion.split(".").map(Number);
    input.nodePools.forEach((pool, i) => {
        assert.match(pool.name, POOL_NAME);
        assert.ok((pool.maxPods ?? 50) >= 10 && (pool.maxPods ?? 50) <= 250, `maxPods ${pool.maxPods}`);
        assert.ok(pools[i].surgeNodes >= 1 || pools[i].maxCount === 0, `maxSurge ${pool.maxSurge} gives no surge node`);
        assert.ok(
            plan.pools[i].minCount <= plan.pools[i].count && plan.pools[i].count <= plan.pools[i].maxCount,
            `pool ${pool.name} count bounds`,
        );
        if (plan.pools[i].mode === "System")
            assert.ok(plan.pools[i].minCount >= 1, `System pool ${pool.name} may scale to 0`);
        if (pools[i].staticBlock) {
            assert.ok(
                parseBlock(pools[i].podSubnetCidr).prefix >= 12,
                `StaticBlock pool ${pool.name} on a subnet larger than /12`,
            );
            if (version)
                assert.ok(
                    version[0] > 1 || (version[0] === 1 && version[1] >= 28),
                    `StaticBlock pool ${pool.name} on Kubernetes ${input.kubernetesVersion}`,
                );
        }
    });
    // One pod IP allocation mode per pod subnet; room for 30 pods per pool; at most 64,000 dynamic pod IPs.
    const modeOf = new Map<string, boolean>();
    input.nodePools.forEach((pool, i) => {
        const subnet = pools[i].podSubnetCidr;
        assert.ok(
            !modeOf.has(subnet) || modeOf.get(subnet) === pools[i].staticBlock,
            `pod subnet ${subnet} serves both allocation modes`,
        );
        modeOf.set(subnet, pools[i].staticBlock);
        const maxPods = pool.maxPods ?? 50;
        assert.ok(
            maxPods >= 30 || maxPods * plan.pools[i].count >= 30,
            `pool ${pool.name} has room for fewer than 30 pods`,
        );
    });
    const dynamicIPs = plan.pools
        .filter((p) => p.podIPAllocationMode === "DynamicIndividual")
        .reduce((sum, p) => sum + p.podIPsNeeded, 0);
    assert.ok(dynamicIPs <= 64_000, `dynamic pools need ${dynamicIPs} pod IPs`);
    assert.equal(new Set(plan.pools.map((p) => p.name)).size, plan.pools.length, "pool names are unique");
    assert.ok(
        plan.pools.some((p) => p.mode === "System"),
        "at least one System pool",
    );
}

// Every key a problem may name: a documented input key, a list entry, or a pool field.
const PROBLEM_KEY = new RegExp(
    String.raw`^(\(root\)|nodeSubnetCidr|podSubnetCidr|serviceCidr|dnsServiceIP|kubernetesVersion` +
        String.raw`|(vnetAddressSpace|connectedCidrs|extraNonMasqueradeCidrs)(\[\d+\])?` +
        String.raw`|nodePools(\[\d+\](\.(name|mode|count|minCount|maxCount|maxPods|maxSurge|podIPAllocationMode` +
        String.raw`|podSubnetCidr))?)?)$`,
);

function checkError(error: unknown): void {
    if (!(error instanceof ConfigurationError))
        throw new Error(`expected a ConfigurationError, got: ${error instanceof Error ? error.stack : String(error)}`);
    assert.ok(error.problems.length > 0, "a ConfigurationError lists at least one problem");
    for (const problem of error.problems) {
        assert.equal(typeof problem.key, "string");
        assert.equal(typeof problem.message, "string");
        assert.ok(
            problem.key.length > 0 && problem.message.trim().length > 0,
            `empty problem ${JSON.stringify(problem)}`,
        );
        assert.match(problem.key, PROBLEM_KEY, `problem key "${problem.key}" names no config key`);
    }
}

type Outcome = { plan: AddressPlan } | { error: unknown };

function run(input: unknown): Outcome {
    try {
        return { plan: planAddresses(input as AddressPlanInput) };
    } catch (error) {
        return { error };
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Generators: near-valid plans in the usual private ranges, broken now and then in every way the planner checks.
// ---------------------------------------------------------------------------------------------------------------

interface Region {
    base: number;
    bits: number;
}

const region = (text: string): Region => {
    const block = parseBlock(text);
    return { base: block.first, bits: block.prefix };
};
const TEN = region("10.0.0.0/8");
const CGNAT = region("100.64.0.0/10");
const PRIVATE_172 = region("172.16.0.0/12"); // holds 172.30/16 and 172.31/16, which AKS rejects
const HOME = region("192.168.0.0/16");
const BENCH = region("198.18.0.0/15");
const ANYWHERE = region("0.0.0.0/0");

function weighted<T>(...choices: [weight: number, arbitrary: fc.Arbitrary<T>][]): fc.Arbitrary<T> {
    return fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

function pick<T>(...choices: [weight: number, value: T][]): fc.Arbitrary<T> {
    return weighted(...choices.map(([weight, value]): [number, fc.Arbitrary<T>] => [weight, fc.constant(value)]));
}

/** Uniform integers (fast-check's default bias towards the bounds would skew every weight below). */
const between = (min: number, max: number) => fc.noBias(fc.integer({ min, max }));

/**
 * An aligned block of `prefix` somewhere in a region (the block holding the region if `prefix` is shorter);
 * 1.5% misaligned.
 */
function cidrIn(regions: fc.Arbitrary<Region>, prefixes: fc.Arbitrary<number>): fc.Arbitrary<string> {
    return fc.tuple(regions, prefixes, between(0, ADDRESSES - 1), between(0, 999)).map(([r, prefix, seed, roll]) => {
        const size = 2 ** (32 - prefix);
        const first = prefix <= r.bits ? r.base - (r.base % size) : r.base + (seed % 2 ** (prefix - r.bits)) * size;
        const address = roll < 15 && size > 1 ? first + 1 + (seed % (size - 1)) : first;
        return `${formatIp(address)}/${prefix}`;
    });
}

const nodeSubnetArb = cidrIn(
    pick([8, TEN], [1, HOME], [1, CGNAT], [1, PRIVATE_172]),
    weighted([60, pick([3, 22], [3, 23], [6, 24], [3, 25], [2, 26], [1, 27], [1, 28])], [1, between(16, 30)]),
);
const podRegions = pick([8, CGNAT], [2, TEN], [1, PRIVATE_172], [1, HOME]);
const podSubnetArb = cidrIn(
    podRegions,
    weighted(
        [60, pick([1, 14], [3, 15], [5, 16], [2, 17], [2, 18], [1, 19], [1, 20], [1, 21], [1, 22])],
        [1, between(8, 28)],
    ),
);
const serviceArb = cidrIn(
    pick([3, PRIVATE_172], [1, HOME], [1, TEN], [1, CGNAT], [5, BENCH]),
    weighted([30, pick([8, 16], [3, 20], [2, 24], [1, 12], [1, 14])], [1, between(8, 32)]),
);
const connectedArb = weighted(
    [8, fc.constantFrom("10.0.0.0/8", "192.168.0.0/16")],
    [1, fc.constant("172.16.0.0/12")],
    [
        16,
        cidrIn(
            pick([8, TEN], [2, HOME], [2, PRIVATE_172], [1, CGNAT], [2, ANYWHERE]),
            weighted([19, between(12, 24)], [1, between(8, 11)]),
        ),
    ],
);
const extraArb = weighted(
    [3, cidrIn(pick([3, TEN], [1, HOME], [1, PRIVATE_172], [2, ANYWHERE]), between(8, 30))],
    [1, fc.constantFrom("203.0.113.0/24", "198.51.100.0/24", "10.50.0.0/16")],
);

const VALID_NAMES = ["system", "user", "gpu", "batch", "spot1", "constructor"];

const poolDraftArb = fc.record({
    nameFlaw: weighted<string | null>(
        [120, fc.constant(null)],
        [1, fc.constantFrom("dup", "System", "1pool", "abcdefghijklm", "pool-a", "")],
    ),
    mode: pick<string | undefined>([80, "User"], [60, undefined], [20, "System"], [1, "system"]),
    sizing: weighted<Partial<Record<"count" | "minCount" | "maxCount", number>>>(
        [50, fc.record({ count: weighted([60, between(1, 12)], [3, between(13, 40)], [1, fc.constantFrom(0, 1001)]) })],
        [10, fc.constant({})],
        [
            40,
            fc
                .record({
                    minCount: weighted([19, between(1, 5)], [1, fc.constant(0)]),
                    maxCount: between(1, 20),
                    keepInverted: pick([39, false], [1, true]),
                })
                .map(({ minCount, maxCount, keepInverted }) =>
                    minCount > maxCount && !keepInverted
                        ? { minCount: maxCount, maxCount: minCount }
                        : { minCount, maxCount },
                ),
        ],
        [
            10,
            fc
                .record({
                    minCount: between(1, 3),
                    span: between(0, 17),
                    at: between(0, 17),
                    outside: pick([39, false], [1, true]),
                })
                .map(({ minCount, span, at, outside }) => ({
                    minCount,
                    maxCount: minCount + span,
                    count: outside ? minCount + span + 1 : minCount + (at % (span + 1)),
                })),
        ],
        [1, fc.constantFrom({ minCount: 1 }, { maxCount: 5 })],
    ),
    maxPods: weighted<number | undefined>(
        [8, fc.constant(undefined)],
        [200, between(10, 250)],
        [1, between(5, 9)],
        [1, between(251, 260)],
    ),
    maxSurge: weighted<string | number | undefined>(
        [8, fc.constant(undefined)],
        [80, fc.constantFrom("1", "2", "33%", "10%", "100%", "50%", 1, 2, 3)],
        [1, fc.constantFrom("0", "0%", "101%", 0, 1.5, "1.5", "-1", "1 ")],
    ),
    allocation: pick<string | undefined>(
        [100, undefined],
        [40, "DynamicIndividual"],
        [40, "StaticBlock"],
        [1, "Static"],
    ),
    podSubnet: weighted<{ kind: "shared" } | { kind: "same" } | { kind: "own"; cidr: string }>(
        [6, fc.constant({ kind: "shared" as const })],
        [1, fc.constant({ kind: "same" as const })],
        [
            2,
            cidrIn(
                podRegions,
                weighted(
                    [20, pick([2, 16], [2, 17], [2, 18], [1, 19], [1, 20], [1, 21], [1, 22])],
                    [1, between(23, 26)],
                ),
            ).map((cidr) => ({
                kind: "own" as const,
                cidr,
            })),
        ],
    ),
});

type PoolDraft = typeof poolDraftArb extends fc.Arbitrary<infer T> ? T : never;

function buildPool(
    draft: PoolDraft,
    index: number,
    names: string[],
    firstMode: string | undefined,
    sharedPod: string,
): NodePoolAddressSpec {
    const name = draft.nameFlaw === null ? names[index] : draft.nameFlaw === "dup" ? names[0] : draft.nameFlaw;
    const pool: Record<string, unknown> = { name };
    const mode = index === 0 ? firstMode : draft.mode;
    if (mode !== undefined) pool.mode = mode;
    Object.assign(pool, draft.sizing);
    if (draft.maxPods !== undefined) pool.maxPods = draft.maxPods;
    if (draft.maxSurge !== undefined) pool.maxSurge = draft.maxSurge;
    if (draft.allocation !== undefined) pool.podIPAllocationMode = draft.allocation;
    if (draft.podSubnet.kind === "same") pool.podSubnetCidr = sharedPod;
    if (draft.podSubnet.kind === "own") pool.podSubnetCidr = draft.podSubnet.cidr;
    return pool as unknown as NodePoolAddressSpec;
}

type VnetFlaw = "none" | "overlap" | "drop" | "unrelated" | "empty";

/** VNet prefixes around the subnets: each widened by a few bits, nested ones folded — or broken on purpose. */
function buildVnet(subnets: string[], widen: number, flaw: VnetFlaw, unrelated: string): string[] {
    const widened = subnets.map(looseBlock).map((b) => blockAt(b.first, Math.max(0, b.prefix - widen)));
    let prefixes = widened.filter(
        (b, i) => !widened.some((o, j) => (j < i && o.text === b.text) || (o.text !== b.text && inside(b, o))),
    );
    if (flaw === "overlap") prefixes = [...prefixes, blockAt(prefixes[0].first, Math.max(0, prefixes[0].prefix - 1))];
    if (flaw === "drop") prefixes = prefixes.slice(1);
    if (flaw === "unrelated") prefixes = [...prefixes, looseBlock(unrelated)];
    return flaw === "empty" ? [] : prefixes.map((b) => b.text);
}

const inputArb: fc.Arbitrary<AddressPlanInput> = fc
    .record({
        nodeSubnet: nodeSubnetArb,
        podSubnet: podSubnetArb,
        service: serviceArb,
        dns: weighted<number | "random" | undefined>(
            [24, fc.constant(undefined)],
            [12, fc.constantFrom(2, 10, 53, -2)],
            [1, fc.constantFrom(0, 1, -1)],
            [1, fc.constant("random" as const)],
        ),
        randomAddress: between(0, ADDRESSES - 1),
        vnet: fc.record({
            explicit: fc.boolean(),
            widen: between(0, 4),
            flaw: pick<VnetFlaw>([48, "none"], [2, "overlap"], [2, "drop"], [4, "unrelated"], [1, "empty"]),
            unrelated: cidrIn(pick([1, TEN], [1, HOME], [1, ANYWHERE]), between(12, 24)),
        }),
        connected: weighted(
            [3, fc.constant<string[] | undefined>(undefined)],
            [6, fc.array(connectedArb, { minLength: 0, maxLength: 3 })],
        ),
        extra: weighted(
            [50, fc.constant<string[] | undefined>(undefined)],
            [40, fc.array(extraArb, { minLength: 0, maxLength: 3 })],
            // Many /24s that cannot merge, around the agent's limit of 64 CIDRs.
            [
                2,
                fc
                    .uniqueArray(between(0, 127), { minLength: 50, maxLength: 70 })
                    .map((ks) => ks.map((k) => `10.200.${2 * k}.0/24`)),
            ],
        ),
        names: fc.shuffledSubarray(VALID_NAMES, { minLength: 4, maxLength: 4 }),
        firstMode: pick<string | undefined>([100, "System"], [1, "User"], [1, undefined]),
        pools: weighted(
            [40, fc.array(poolDraftArb, { minLength: 1, maxLength: 1 })],
            [60, fc.array(poolDraftArb, { minLength: 2, maxLength: 4 })],
            [1, fc.constant<PoolDraft[]>([])],
        ),
        kubernetesVersion: pick<string | undefined>(
            [80, undefined],
            [4, "1.27"],
            [10, "1.28"],
            [10, "1.36.2"],
            [1, "latest"],
        ),
    })
    .map((d) => {
        const nodePools = d.pools.map((draft, i) => buildPool(draft, i, d.names, d.firstMode, d.podSubnet));
        const input: Record<string, unknown> = {
            nodeSubnetCidr: d.nodeSubnet,
            podSubnetCidr: d.podSubnet,
            serviceCidr: d.service,
            nodePools,
        };
        if (d.vnet.explicit) {
            const subnets = [d.nodeSubnet, d.podSubnet, ...nodePools.flatMap((p) => p.podSubnetCidr ?? [])];
            input.vnetAddressSpace = buildVnet(subnets, d.vnet.widen, d.vnet.flaw, d.vnet.unrelated);
        }
        if (d.dns !== undefined) {
            const service = looseBlock(d.service);
            input.dnsServiceIP = formatIp(
                d.dns === "random"
                    ? d.randomAddress
                    : d.dns < 0
                      ? service.last + 1 + d.dns
                      : Math.min(service.first + d.dns, service.last),
            );
        }
        if (d.connected) input.connectedCidrs = d.connected;
        if (d.extra) input.extraNonMasqueradeCidrs = d.extra;
        if (d.kubernetesVersion !== undefined) input.kubernetesVersion = d.kubernetesVersion;
        return input as unknown as AddressPlanInput;
    });

// ---------------------------------------------------------------------------------------------------------------
// Arbitrary values in place of fields.
// ---------------------------------------------------------------------------------------------------------------

const wildValueArb: fc.Arbitrary<unknown> = fc.oneof(
    fc.anything(),
    fc.anything({
        withBoxedValues: true,
        withMap: true,
        withSet: true,
        withDate: true,
        withNullPrototype: true,
        withObjectString: true,
        maxDepth: 3,
    }),
    fc.jsonValue(),
    fc.string(),
    fc.ipV4(),
    fc.ipV6(),
    fc
        .tuple(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.string()), fc.integer({ min: -2, max: 40 }))
        .map(([ip, bits]) => `${ip}/${bits}`),
    fc.integer(),
    fc.double(),
    fc.constantFrom<unknown>(
        null,
        undefined,
        "",
        [],
        {},
        Number.NaN,
        Infinity,
        -0,
        true,
        "10%",
        "0%",
        "1e3",
        "50",
        "System",
    ),
);

const TOP_KEYS = [
    "nodeSubnetCidr",
    "podSubnetCidr",
    "vnetAddressSpace",
    "serviceCidr",
    "dnsServiceIP",
    "connectedCidrs",
    "extraNonMasqueradeCidrs",
    "nodePools",
    "kubernetesVersion",
    "unknownKey",
];
const LIST_KEYS = ["vnetAddressSpace", "connectedCidrs", "extraNonMasqueradeCidrs"];
const POOL_KEYS = [
    "name",
    "mode",
    "count",
    "minCount",
    "maxCount",
    "maxPods",
    "maxSurge",
    "podIPAllocationMode",
    "podSubnetCidr",
    "unknownKey",
];

type Mutation =
    | { at: "root"; value: unknown }
    | { at: "field"; key: string; value: unknown }
    | { at: "listItem"; key: string; index: number; value: unknown }
    | { at: "pool"; index: number; value: unknown }
    | { at: "poolField"; index: number; key: string; value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = weighted<Mutation>(
    [1, fc.record({ at: fc.constant("root" as const), value: wildValueArb })],
    [6, fc.record({ at: fc.constant("field" as const), key: fc.constantFrom(...TOP_KEYS), value: wildValueArb })],
    [
        3,
        fc.record({
            at: fc.constant("listItem" as const),
            key: fc.constantFrom(...LIST_KEYS),
            index: between(0, 3),
            value: wildValueArb,
        }),
    ],
    [2, fc.record({ at: fc.constant("pool" as const), index: between(0, 4), value: wildValueArb })],
    [
        8,
        fc.record({
            at: fc.constant("poolField" as const),
            index: between(0, 3),
            key: fc.constantFrom(...POOL_KEYS),
            value: wildValueArb,
        }),
    ],
);

/** The list with entry `index` replaced (or appended): never a sparse array. */
function replaceItem(list: unknown, index: number, value: unknown): unknown[] {
    const items = Array.isArray(list) ? [...(list as unknown[])] : [];
    items[Math.min(index, items.length)] = value;
    return items;
}

function mutate(input: AddressPlanInput, mutations: Mutation[]): unknown {
    let root: unknown = structuredClone(input);
    for (const m of mutations) {
        const record = root as Record<string, unknown>;
        const isObject = typeof root === "object" && root !== null && !Array.isArray(root);
        if (m.at === "root") root = m.value;
        else if (!isObject) continue;
        else if (m.at === "field") record[m.key] = m.value;
        else if (m.at === "listItem") record[m.key] = replaceItem(record[m.key], m.index, m.value);
        else if (m.at === "pool" && Array.isArray(record.nodePools))
            record.nodePools[Math.min(m.index, record.nodePools.length)] = m.value;
        else if (m.at === "poolField" && Array.isArray(record.nodePools)) {
            const pool = record.nodePools[m.index % record.nodePools.length];
            if (typeof pool === "object" && pool !== null) (pool as Record<string, unknown>)[m.key] = m.value;
        }
    }
    return root;
}

// ---------------------------------------------------------------------------------------------------------------

describe("address planner properties", function () {
    this.timeout(120_000);

    const RUNS = 10_000;

    it(
        `holds every invariant over ${RUNS.toLocaleString("en-US")} random plans, ` +
            `or fails with a ConfigurationError`,
        () => {
            const seen = {
                plans: 0,
                errors: 0,
                nearAgentLimit: 0,
                explicitVnet: 0,
                ownPodSubnet: 0,
                staticBlock: 0,
                autoscaling: 0,
                masqueraded: 0,
                extra: 0,
                merged: 0,
                multiPool: 0,
            };
            fc.assert(
                fc.property(inputArb, (input) => {
                    const outcome = run(input);
                    if ("error" in outcome) {
                        checkError(outcome.error);
                        seen.errors++;
                        return;
                    }
                    checkPlan(input, outcome.plan);
                    const plan = outcome.plan;
                    seen.plans++;
                    if (input.vnetAddressSpace) seen.explicitVnet++;
                    if (plan.podSubnets.length > 1) seen.ownPodSubnet++;
                    if (plan.pools.some((p) => p.podIPAllocationMode === "StaticBlock")) seen.staticBlock++;
                    if (plan.pools.some((p) => p.autoscaling)) seen.autoscaling++;
                    if (plan.ipMasqAgent.masqueradedConnectedCidrs.length > 0) seen.masqueraded++;
                    if (plan.ipMasqAgent.extraNonMasqueradeCidrs.length > 0) seen.extra++;
                    if (
                        plan.ipMasqAgent.nonMasqueradeCIDRs.length <
                        plan.vnetAddressSpace.length + 1 + plan.ipMasqAgent.extraNonMasqueradeCidrs.length
                    )
                        seen.merged++;
                    if (plan.pools.length > 1) seen.multiPool++;
                    if (plan.ipMasqAgent.nonMasqueradeCIDRs.length > 55) seen.nearAgentLimit++;
                }),
                { numRuns: RUNS },
            );
            const total = seen.plans + seen.errors;
            if (process.env.PLANNER_PROPERTY_STATS) console.log(JSON.stringify(seen));
            assert.equal(total, RUNS);
            // A large share of inputs must produce a plan, so the invariants are really exercised;
            // a fair share must be rejected.
            assert.ok(
                seen.plans / total >= 0.3,
                `only ${seen.plans} of ${total} inputs produced a plan: ${JSON.stringify(seen)}`,
            );
            assert.ok(
                seen.errors / total >= 0.2,
                `only ${seen.errors} of ${total} inputs were rejected: ${JSON.stringify(seen)}`,
            );
            // Every feature shows up in accepted plans.
            for (const [feature, count] of Object.entries(seen))
                assert.ok(count >= 10, `accepted plans with ${feature}: only ${count}: ${JSON.stringify(seen)}`);
        },
    );

    it("returns a plan or throws a ConfigurationError for arbitrary values in any field (3,000 runs)", () => {
        let plans = 0;
        fc.assert(
            fc.property(inputArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (input, mutations) => {
                const raw = mutate(input, mutations);
                const outcome = run(raw);
                if ("error" in outcome) return checkError(outcome.error);
                plans++;
                // Whatever got through still describes a cluster: one System pool at least, every listed pool planned.
                const pools = (raw as { nodePools: unknown[] }).nodePools;
                assert.ok(outcome.plan.pools.some((p) => p.mode === "System"));
                assert.equal(outcome.plan.pools.length, pools.length);
            }),
            { numRuns: 3_000 },
        );
        assert.ok(plans > 0, "no mutated input produced a plan");
    });

    // KNOWN BUGS, found by this test; un-skip once fixed. Values only JavaScript callers can pass (YAML and JSON
    // cannot): (1) a BigInt inside an object or array, or a BigInt64Array, makes describeValue's JSON.stringify throw
    // a TypeError instead of a ConfigurationError, e.g. { ...valid, connectedCidrs: { a: 1n } }; (2) holes in a sparse
    // nodePools array are skipped silently and the "no System pool" rule is skipped with them, so nodePools: [, ]
    // yields a plan with no pools at all.
    it(
        "returns a plan or throws a ConfigurationError for JavaScript-only values: BigInt, " +
            "typed and sparse arrays (3,000 runs)",
        () => {
            const jsOnly = fc.anything({
                withBigInt: true,
                withTypedArray: true,
                withSparseArray: true,
                withBoxedValues: true,
                withMap: true,
                withSet: true,
                maxDepth: 3,
            });
            const sparse = fc.sparseArray(fc.constant({ name: "system", mode: "System", count: 1 }), { maxLength: 3 });
            const jsMutationArb = weighted<Mutation>(
                [3, mutationArb],
                [3, fc.record({ at: fc.constant("field" as const), key: fc.constantFrom(...TOP_KEYS), value: jsOnly })],
                [
                    3,
                    fc.record({
                        at: fc.constant("poolField" as const),
                        index: between(0, 3),
                        key: fc.constantFrom(...POOL_KEYS),
                        value: jsOnly,
                    }),
                ],
                [1, fc.record({ at: fc.constant("field" as const), key: fc.constant("nodePools"), value: sparse })],
            );
            fc.assert(
                fc.property(inputArb, fc.array(jsMutationArb, { minLength: 1, maxLength: 4 }), (input, mutations) => {
                    const raw = mutate(input, mutations);
                    const outcome = run(raw);
                    if ("error" in outcome) return checkError(outcome.error);
                    const pools = (raw as { nodePools: unknown[] }).nodePools;
                    assert.ok(
                        outcome.plan.pools.some((p) => p.mode === "System"),
                        "a plan without a System pool",
                    );
                    assert.equal(outcome.plan.pools.length, pools.length, "a plan that skipped listed pools");
                }),
                { numRuns: 3_000 },
            );
        },
    );
});
