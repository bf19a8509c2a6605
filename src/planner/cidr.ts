/**
 * IPv4 CIDR arithmetic for the planner: strict parsing (the way ip-masq-agent-v2 parses, so that whatever passes
 * here also passes on the node), containment, and set operations on address ranges. Parsing and block math come
 * from `netmask`; the set operations work on [first, last] integer ranges, which is all a union or difference of
 * CIDRs needs.
 */
import { describeValue } from "../errors";
import { Netmask, ip2long, long2ip } from "netmask";

/** A parsed, network-aligned IPv4 CIDR. `first`/`last` are the integer addresses of the whole block. */
export interface Cidr {
    /** Canonical text, e.g. `10.0.0.0/16`. */
    readonly text: string;
    readonly prefix: number;
    readonly size: number;
    readonly first: number;
    readonly last: number;
}

/** An inclusive range of integer IPv4 addresses. */
export interface AddressRange {
    readonly first: number;
    readonly last: number;
}

export type ParseResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

// Dotted quad without leading zeros, as Go's net.ParseCIDR (used by the agent) accepts it. netmask alone is more
// lenient ("10/8" parses as 0.0.0.0/8), so the shape is checked first.
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX = /^(3[0-2]|[12]?\d)$/;

/** True when `text` is a dotted-quad IPv4 address. */
export function isIPv4Address(text: string): boolean {
    return IPV4.test(text);
}

/** Parses `a.b.c.d/n`, rejecting IPv6, non-CIDR text and addresses that are not the network address. */
export function parseCidr(text: unknown): ParseResult {
    if (typeof text !== "string") {
        return { ok: false, reason: `expected a CIDR string such as "10.0.0.0/16", got ${describeValue(text)}` };
    }
    if (text.includes(":")) {
        return {
            ok: false,
            reason: `"${text}" is IPv6; this design is IPv4 only (the agent would exit without --enable-ipv6)`,
        };
    }
    const [address, prefix, ...rest] = text.split("/");
    if (rest.length > 0 || prefix === undefined || !IPV4.test(address) || !PREFIX.test(prefix)) {
        return { ok: false, reason: `"${text}" is not an IPv4 CIDR such as "10.0.0.0/16"` };
    }
    const block = new Netmask(text);
    if (block.base !== address) {
        return {
            ok: false,
            reason:
                `"${text}" is not aligned to its network; write "${block.base}/${block.bitmask}" ` +
                `(a misaligned CIDR crashes ip-masq-agent-v2)`,
        };
    }
    return { ok: true, cidr: fromNetmask(block) };
}

/** Parses a CIDR that is known to be valid (built by this module or already checked). */
export function cidr(text: string): Cidr {
    const result = parseCidr(text);
    if (!result.ok) {
        throw new Error(`internal: ${result.reason}`);
    }
    return result.cidr;
}

function fromNetmask(block: Netmask): Cidr {
    const first = block.netLong >>> 0;
    return {
        text: `${block.base}/${block.bitmask}`,
        prefix: block.bitmask,
        size: block.size,
        first,
        last: first + block.size - 1,
    };
}

export function ipToLong(ip: string): number {
    return ip2long(ip) >>> 0;
}

export function longToIp(value: number): string {
    return long2ip(value);
}

export function overlaps(a: AddressRange, b: AddressRange): boolean {
    return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: AddressRange, inner: AddressRange): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

export function containsAddress(range: AddressRange, address: number): boolean {
    return range.first <= address && address <= range.last;
}

/** Sorts ranges and merges those that overlap or touch. */
export function unionRanges(ranges: readonly AddressRange[]): AddressRange[] {
    const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
    const merged: { first: number; last: number }[] = [];
    for (const range of sorted) {
        const tail = merged[merged.length - 1];
        if (tail && range.first <= tail.last + 1) {
            tail.last = Math.max(tail.last, range.last);
        } else {
            merged.push({ first: range.first, last: range.last });
        }
    }
    return merged;
}

/** The addresses of `from` that lie in none of `minus`. */
export function subtractRanges(from: readonly AddressRange[], minus: readonly AddressRange[]): AddressRange[] {
    const holes = unionRanges(minus);
    const result: AddressRange[] = [];
    for (const range of unionRanges(from)) {
        let start = range.first;
        for (const hole of holes) {
            if (hole.last < start || hole.first > range.last) continue;
            if (hole.first > start) result.push({ first: start, last: hole.first - 1 });
            start = hole.last + 1;
        }
        if (start <= range.last) result.push({ first: start, last: range.last });
    }
    return result;
}

/** The fewest aligned CIDRs that cover exactly `range`. */
function rangeToCidrs(range: AddressRange): Cidr[] {
    const blocks: Cidr[] = [];
    let start = range.first;
    while (start <= range.last) {
        // Largest block aligned at `start` that does not run past the end of the range.
        let size = start === 0 ? 2 ** 32 : lowestSetBit(start);
        while (start + size - 1 > range.last) size /= 2;
        const prefix = 32 - Math.log2(size);
        blocks.push({ text: `${longToIp(start)}/${prefix}`, prefix, size, first: start, last: start + size - 1 });
        start += size;
    }
    return blocks;
}

function lowestSetBit(value: number): number {
    let bit = 1;
    while (value % (bit * 2) === 0) bit *= 2;
    return bit;
}

/** The fewest aligned CIDRs that cover exactly the union of `ranges`, in address order. */
export function mergeToCidrs(ranges: readonly AddressRange[]): Cidr[] {
    return unionRanges(ranges).flatMap(rangeToCidrs);
}

/** Smallest prefix length whose block holds `addresses` (at most /0). */
export function prefixForSize(addresses: number): number {
    let prefix = 32;
    while (prefix > 0 && 2 ** (32 - prefix) < addresses) prefix--;
    return prefix;
}
