/**
 * First pass of the planner: reads the raw input (which may come from YAML, JSON or JavaScript and so may hold any
 * type), applies defaults, parses every CIDR and checks every field on its own. Relations between fields are
 * checked afterwards, in rules.ts, on what parsed.
 */
import { KubernetesVersion, parseKubernetesVersion } from "../aks/kubernetesVersions";
import { defaults, MAX_NODES_PER_POOL, MAX_PODS_RANGE } from "../defaults";
import { ProblemList } from "../errors";
import { describeValue } from "../errors";
import { Cidr, ipToLong, isIPv4Address, parseCidr } from "./cidr";
import { surgeNodes } from "./capacity";
import { NodePoolVmSpec, PodIPAllocationMode, PoolMode, PoolSettings, PoolVm } from "./types";

/** A parsed CIDR with the config key it came from, for messages. */
export interface KeyedCidr {
    key: string;
    cidr: Cidr;
}

export interface NormalizedPool extends PoolSettings {
    key: string;
    /** The pool's own pod subnet, when it names one. */
    ownPodSubnet?: KeyedCidr;
}

export interface NormalizedInput {
    nodeSubnet?: KeyedCidr;
    podSubnet?: KeyedCidr;
    virtualNodeSubnet?: KeyedCidr;
    /** Explicit VNet prefixes, or undefined when defaulted (then the subnets themselves are the VNet). */
    vnetAddressSpace?: KeyedCidr[];
    service?: KeyedCidr;
    dnsServiceIP?: { key: string; text: string; address: number; defaulted: boolean };
    connected: KeyedCidr[];
    extra: KeyedCidr[];
    pools: NormalizedPool[];
    /** True when every pool read cleanly, so that capacity can be checked. */
    poolsComplete: boolean;
    kubernetesVersion?: KubernetesVersion;
    /** Node-subnet addresses that are not nodes: the private endpoint of a private cluster and the extra ones. */
    nodeSubnetOthers: { privateEndpoint: number; extra: number };
    /** The hub's prefixes and the other spokes', when a hub is set. */
    hub?: { addressSpace: KeyedCidr[]; spokes: KeyedCidr[] };
}

// AKS: Linux pool names are 1–12 lowercase letters and digits and start with a letter.
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
const MAX_SURGE = /^[1-9]\d*%?$/;
const POOL_MODES: readonly PoolMode[] = ["System", "User"];
const ALLOCATION_MODES: readonly PodIPAllocationMode[] = ["DynamicIndividual", "StaticBlock"];

export function normalizeInput(raw: unknown, problems: ProblemList): NormalizedInput {
    const input = isRecord(raw) ? raw : {};
    if (!isRecord(raw)) {
        problems.add(
            "(root)",
            `expected an object with nodeSubnetCidr, podSubnetCidr, serviceCidr and nodePools, ` +
                `got ${describeValue(raw)}`,
        );
    }
    // Read in the order the keys are documented, so problems are listed in that order too.
    const nodeSubnet = requiredCidr(input.nodeSubnetCidr, "nodeSubnetCidr", problems);
    const podSubnet = requiredCidr(input.podSubnetCidr, "podSubnetCidr", problems);
    const virtualNodeSubnet =
        input.virtualNodeSubnetCidr === undefined
            ? undefined
            : readCidr(input.virtualNodeSubnetCidr, "virtualNodeSubnetCidr", problems);
    const vnetAddressSpace =
        input.vnetAddressSpace === undefined
            ? undefined
            : readCidrList(input.vnetAddressSpace, "vnetAddressSpace", problems, true);
    const service = requiredCidr(input.serviceCidr, "serviceCidr", problems);
    const dnsServiceIP = readDnsServiceIP(input.dnsServiceIP, service, problems);
    const connected = readCidrList(input.connectedCidrs, "connectedCidrs", problems);
    const extra = readCidrList(input.extraNonMasqueradeCidrs, "extraNonMasqueradeCidrs", problems);
    const hub = readHub(input.hub, problems);
    const pools = readPools(input.nodePools, problems);
    const kubernetesVersion = readKubernetesVersion(input.kubernetesVersion, problems);
    const nodeSubnetOthers = {
        privateEndpoint: input.privateCluster === true ? 1 : 0,
        extra:
            input.nodeSubnetExtraAddresses === undefined
                ? 0
                : (readInteger(input.nodeSubnetExtraAddresses, "nodeSubnetExtraAddresses", 0, 65_536, problems) ?? 0),
    };
    return {
        nodeSubnet,
        podSubnet,
        virtualNodeSubnet,
        vnetAddressSpace,
        service,
        dnsServiceIP,
        connected,
        extra,
        pools: pools.pools,
        poolsComplete: pools.complete,
        kubernetesVersion,
        nodeSubnetOthers,
        hub,
    };
}

function requiredCidr(value: unknown, key: string, problems: ProblemList): KeyedCidr | undefined {
    if (value === undefined || value === null || value === "") {
        problems.add(key, `is required: set it to an IPv4 CIDR such as "10.0.0.0/16"`);
        return undefined;
    }
    return readCidr(value, key, problems);
}

function readCidr(value: unknown, key: string, problems: ProblemList): KeyedCidr | undefined {
    const parsed = parseCidr(value);
    if (!parsed.ok) {
        problems.add(key, parsed.reason);
        return undefined;
    }
    return { key, cidr: parsed.cidr };
}

function readCidrList(value: unknown, key: string, problems: ProblemList, nonEmpty = false): KeyedCidr[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
        problems.add(key, `expected a list of CIDRs such as ["10.0.0.0/16"], got ${describeValue(value)}`);
        return [];
    }
    if (nonEmpty && value.length === 0) {
        problems.add(
            key,
            "is an empty list: leave it unset to use exactly the node and pod subnet ranges, or list the VNet prefixes",
        );
    }
    return value.flatMap((item, index) => readCidr(item, `${key}[${index}]`, problems) ?? []);
}

function readDnsServiceIP(
    value: unknown,
    service: KeyedCidr | undefined,
    problems: ProblemList,
): NormalizedInput["dnsServiceIP"] {
    const key = "dnsServiceIP";
    if (value === undefined || value === null || value === "") {
        if (!service) return undefined;
        const address = service.cidr.first + defaults.dnsServiceIPOffset;
        return { key, text: "", address, defaulted: true };
    }
    if (typeof value !== "string" || !isIPv4Address(value)) {
        problems.add(
            key,
            `expected an IPv4 address inside serviceCidr such as "172.16.0.10", got ${describeValue(value)}`,
        );
        return undefined;
    }
    return { key, text: value, address: ipToLong(value), defaulted: false };
}

function readHub(value: unknown, problems: ProblemList): NormalizedInput["hub"] {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
        problems.add(
            "hub",
            `expected an object such as ` +
                `{ vnetId: "/subscriptions/…/virtualNetworks/hub", addressSpace: ["10.0.0.0/16"] }, ` +
                `got ${describeValue(value)}`,
        );
        return undefined;
    }
    const addressSpace = readCidrList(value.addressSpace, "hub.addressSpace", problems);
    if (value.addressSpace === undefined || (Array.isArray(value.addressSpace) && value.addressSpace.length === 0)) {
        problems.add(
            "hub.addressSpace",
            `is required: the hub VNet's address prefixes, e.g. ["10.0.0.0/16"], so that overlaps are found at preview`,
        );
    }
    return { addressSpace, spokes: readCidrList(value.spokeAddressSpaces, "hub.spokeAddressSpaces", problems) };
}

function readKubernetesVersion(value: unknown, problems: ProblemList): NormalizedInput["kubernetesVersion"] {
    if (value === undefined || value === null || value === "") return undefined;
    const version = parseKubernetesVersion(value);
    if (!version) {
        problems.add("kubernetesVersion", `expected a version such as "1.36" or "1.36.2", got ${describeValue(value)}`);
        return undefined;
    }
    return version;
}

function readPools(value: unknown, problems: ProblemList): { pools: NormalizedPool[]; complete: boolean } {
    const key = "nodePools";
    if (!Array.isArray(value)) {
        problems.add(
            key,
            `expected a list of node pools such as [{ name: "system", mode: "System", count: 3 }], ` +
                `got ${describeValue(value)}`,
        );
        return { pools: [], complete: false };
    }
    if (value.length === 0) {
        problems.add(key, `is empty: add at least one pool with mode "System"`);
        return { pools: [], complete: false };
    }
    const before = problems.problems.length;
    // Array.from visits holes of a sparse array too (flatMap would skip them silently).
    const pools = Array.from(value, (item, index) => readPool(item, `${key}[${index}]`, problems)).filter(
        (p): p is NormalizedPool => p !== undefined,
    );
    if (pools.length === value.length && !pools.some((p) => p.mode === "System")) {
        problems.add(
            key,
            `has no pool with mode "System": AKS needs one to run its add-ons; set mode: "System" on one pool`,
        );
    }
    const seen = new Set<string>();
    for (const pool of pools) {
        if (seen.has(pool.name)) {
            problems.add(`${pool.key}.name`, `"${pool.name}" is used by another pool too: pool names must be unique`);
        }
        seen.add(pool.name);
    }
    return { pools, complete: problems.problems.length === before };
}

function readPool(raw: unknown, key: string, problems: ProblemList): NormalizedPool | undefined {
    if (!isRecord(raw)) {
        problems.add(
            key,
            `expected a pool object such as { name: "system", mode: "System", count: 3 }, got ${describeValue(raw)}`,
        );
        return undefined;
    }
    const before = problems.problems.length;
    const name = raw.name;
    if (typeof name !== "string" || !POOL_NAME.test(name)) {
        problems.add(
            `${key}.name`,
            `${describeValue(name)} is not a valid pool name: use 1–12 lowercase letters and digits, ` +
                `starting with a letter (e.g. "system", "user1")`,
        );
    }
    const mode = (raw.mode ?? "User") as PoolMode;
    if (!POOL_MODES.includes(mode)) {
        problems.add(`${key}.mode`, `expected "System" or "User", got ${describeValue(raw.mode)}`);
    }
    const allocation = (raw.podIPAllocationMode ?? defaults.podIPAllocationMode) as PodIPAllocationMode;
    if (!ALLOCATION_MODES.includes(allocation)) {
        problems.add(
            `${key}.podIPAllocationMode`,
            `expected "DynamicIndividual" or "StaticBlock", got ${describeValue(raw.podIPAllocationMode)}`,
        );
    }
    const maxPods = readInteger(
        raw.maxPods ?? defaults.maxPods,
        `${key}.maxPods`,
        MAX_PODS_RANGE.min,
        MAX_PODS_RANGE.max,
        problems,
    );
    const sizing = readSizing(raw, key, mode, problems);
    const maxSurge = readMaxSurge(raw.maxSurge ?? defaults.maxSurge, `${key}.maxSurge`, problems);
    const ownPodSubnet =
        raw.podSubnetCidr === undefined ? undefined : readCidr(raw.podSubnetCidr, `${key}.podSubnetCidr`, problems);

    if (problems.problems.length !== before || !sizing || maxPods === undefined || maxSurge === undefined)
        return undefined;
    return {
        key,
        name: name as string,
        mode,
        ...sizing,
        maxPods,
        maxSurge,
        surgeNodes: surgeNodes(maxSurge, sizing.maxCount),
        podIPAllocationMode: allocation,
        vm: poolVm(raw),
        ownPodSubnet,
    };
}

/**
 * The VM fields as given, defaults applied; their checks are the pool VM settings' (nodePools/vmSettings.ts), which
 * need Azure's dated data the planner does without.
 */
function poolVm(raw: Record<string, unknown>): PoolVm {
    const spec = raw as NodePoolVmSpec;
    const vm: PoolVm = { vmSize: spec.vmSize ?? defaults.vmSize, osSku: spec.osSku ?? defaults.osSku };
    if (spec.availabilityZones !== undefined) vm.availabilityZones = spec.availabilityZones;
    if (spec.nodeLabels !== undefined) vm.nodeLabels = spec.nodeLabels;
    if (spec.nodeTaints !== undefined) vm.nodeTaints = spec.nodeTaints;
    return vm;
}

type Sizing = Pick<NormalizedPool, "count" | "autoscaling" | "minCount" | "maxCount">;

function readSizing(
    raw: Record<string, unknown>,
    key: string,
    mode: PoolMode,
    problems: ProblemList,
): Sizing | undefined {
    const least = mode === "System" ? 1 : 0;
    const autoscaling = raw.minCount !== undefined || raw.maxCount !== undefined;
    if (!autoscaling) {
        const count = readInteger(raw.count ?? defaults.nodeCount, `${key}.count`, least, MAX_NODES_PER_POOL, problems);
        return count === undefined ? undefined : { count, autoscaling, minCount: count, maxCount: count };
    }
    if (raw.minCount === undefined || raw.maxCount === undefined) {
        const missing = raw.minCount === undefined ? "minCount" : "maxCount";
        problems.add(
            `${key}.${missing}`,
            `is missing: the autoscaler needs both minCount and maxCount (or neither, with a fixed count)`,
        );
        return undefined;
    }
    const minCount = readInteger(raw.minCount, `${key}.minCount`, least, MAX_NODES_PER_POOL, problems);
    const maxCount = readInteger(raw.maxCount, `${key}.maxCount`, Math.max(1, least), MAX_NODES_PER_POOL, problems);
    if (minCount === undefined || maxCount === undefined) return undefined;
    if (minCount > maxCount) {
        problems.add(`${key}.minCount`, `${minCount} is above maxCount ${maxCount}: minCount must be at most maxCount`);
        return undefined;
    }
    const count =
        raw.count === undefined ? minCount : readInteger(raw.count, `${key}.count`, minCount, maxCount, problems);
    return count === undefined ? undefined : { count, autoscaling, minCount, maxCount };
}

function readInteger(value: unknown, key: string, min: number, max: number, problems: ProblemList): number | undefined {
    if (typeof value !== "number" || !Number.isInteger(value)) {
        problems.add(key, `expected a whole number from ${min} to ${max}, got ${describeValue(value)}`);
        return undefined;
    }
    if (value < min || value > max) {
        problems.add(key, `${value} is out of range: use a whole number from ${min} to ${max}`);
        return undefined;
    }
    return value;
}

function readMaxSurge(value: unknown, key: string, problems: ProblemList): string | undefined {
    const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
    if (typeof text !== "string" || !MAX_SURGE.test(text) || (text.endsWith("%") && Number(text.slice(0, -1)) > 100)) {
        problems.add(
            key,
            `expected a node count such as "1" or a percentage from "1%" to "100%", got ${describeValue(value)}`,
        );
        return undefined;
    }
    return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
