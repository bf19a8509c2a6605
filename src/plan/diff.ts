/**
 * The review of a change: compares two offline plans (the `--json` documents of tools/plan.ts, one from the base
 * commit and one from the change) and states what the change does to the resources (replacements first), the
 * address plan, the NAT the nodes apply, and in which order `pulumi up` would apply it. Pure functions from two plan
 * documents to a diff object, a Markdown renderer, and the reading of the base file with one-line errors.
 *
 *   npm run -s plan -- --stack dev --json > base.json          (on the base commit)
 *   npm run -s plan -- --stack dev --diff base.json            (on the change: Markdown; with --json, the diff as JSON)
 *
 * The same two plans always give the same output, byte for byte: nothing here reads the clock, the environment or
 * the order of a Map it did not fill in a fixed order. Secrets never appear: the Kubernetes provider's kubeconfig and
 * anything Pulumi marks secret are "[secret]" on both sides before anything is compared.
 */
import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import { AddressRange, mergeToCidrs, parseCidr, subtractRanges, unionRanges } from "../planner/cidr";
import { PoolPlan, SubnetPlan } from "../planner/types";
import type * as Inputs from "./inputs";
import { creationWaves, OrderNode } from "./order";
import { PlannedReplacement } from "./replacements";

// ---------------------------------------------------------------------------------------------------------------
// The plan document (the input)
// ---------------------------------------------------------------------------------------------------------------

/** One resource of a plan document, as `npm run plan -- --json` writes it. */
export interface PlanResource {
    type: string;
    name: string;
    parent: string;
    dependsOn: string[];
    inputs: Record<string, unknown>;
}

/** An entry of the plan's `replacements` list (tools/replacements.ts). */
export type PlanReplacement = PlannedReplacement;

/** The subnet figures the diff reads (a base plan from JSON may name a role this version does not know). */
export type PlanSubnet = Pick<SubnetPlan, "name" | "cidr" | "allocatable" | "needed" | "headroom" | "pools"> & {
    role: string;
};

/** The pool figures the diff reads (mode and allocation as strings: a base plan may come from another version). */
export type PlanPool = Omit<PoolPlan, "mode" | "podIPAllocationMode" | "surgeNodes" | "podSubnetCidr"> & {
    mode: string;
    podIPAllocationMode: string;
};

/** The address plan fields the diff reads (the plan holds more; those are compared only as stack outputs). */
export interface PlanAddressPlan {
    vnetAddressSpace: string[];
    nodeSubnet: PlanSubnet;
    podSubnets: PlanSubnet[];
    virtualNodeSubnet?: PlanSubnet;
    serviceCidr: string;
    dnsServiceIP: string;
    pools: PlanPool[];
    connectedCidrs: string[];
    ipMasqAgent: {
        nonMasqueradeCIDRs: string[];
        masqueradedConnectedCidrs: string[];
        extraNonMasqueradeCidrs?: string[];
    };
    routableAddresses: {
        podSubnetMode: number;
        nodeSubnetModeNeeded: number;
        nodeSubnetModePrefix?: number;
        savingPercent: number;
    };
}

/** A plan document: `{ resources, replacements, addressPlan, manifests }`. */
export interface PlanDocument {
    resources: PlanResource[];
    replacements: PlanReplacement[];
    addressPlan: PlanAddressPlan;
    manifests?: unknown[];
}

/** A base plan file that cannot be used: the one-line message names the file and the fix; exit with `exitCode`. */
export class BasePlanError extends Error {
    constructor(
        message: string,
        /** sysexits: 66 (EX_NOINPUT) when the file cannot be opened, 65 (EX_DATAERR) when it is not a plan. */
        readonly exitCode: 65 | 66,
    ) {
        super(message);
    }
}

/** A JSON value that is not a plan document: what is wrong with it, in a few words. */
export class PlanDocumentError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((v) => typeof v === "string");

/** What a JSON value is, for messages: `an array`, `a string`, `null`. */
function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function checkSubnet(value: unknown, at: string): void {
    if (!isObject(value)) throw new PlanDocumentError(`${at} is ${kindOf(value)}, not a subnet`);
    for (const field of ["name", "cidr"])
        if (typeof value[field] !== "string") throw new PlanDocumentError(`${at}.${field} is not a string`);
    for (const field of ["allocatable", "needed", "headroom"])
        if (typeof value[field] !== "number") throw new PlanDocumentError(`${at}.${field} is not a number`);
}

function checkCidrs(value: unknown, at: string): void {
    if (!isStringList(value)) throw new PlanDocumentError(`${at} is not a list of CIDRs`);
    value.forEach((text, i) => {
        const parsed = parseCidr(text);
        if (!parsed.ok) throw new PlanDocumentError(`${at}[${i}]: ${parsed.reason}`);
    });
}

/**
 * Checks that a parsed JSON value is a plan document this diff can read, and returns it. Throws a
 * PlanDocumentError naming the first thing that is wrong (a missing list, a resource without a name, a dependency
 * on a resource the plan does not hold). `replacements` and `manifests` may be missing (then: none).
 */
export function checkPlanDocument(value: unknown): PlanDocument {
    if (!isObject(value))
        throw new PlanDocumentError(`it holds ${kindOf(value)}, not an object with "resources" and "addressPlan"`);
    if (!("resources" in value))
        throw new PlanDocumentError(`no "resources" list${"addressPlan" in value ? "" : ' and no "addressPlan"'}`);
    if (!Array.isArray(value.resources))
        throw new PlanDocumentError(`"resources" is ${kindOf(value.resources)}, not a list`);
    if (!("addressPlan" in value)) throw new PlanDocumentError('no "addressPlan"');
    const names = new Set<string>();
    value.resources.forEach((r: unknown, i: number) => {
        const at = `resources[${i}]`;
        if (!isObject(r)) throw new PlanDocumentError(`${at} is ${kindOf(r)}, not a resource`);
        for (const field of ["type", "name", "parent"])
            if (typeof r[field] !== "string") throw new PlanDocumentError(`${at}.${field} is not a string`);
        if (!isStringList(r.dependsOn)) throw new PlanDocumentError(`${at}.dependsOn is not a list of resource names`);
        if (!isObject(r.inputs)) throw new PlanDocumentError(`${at}.inputs is not an object`);
        if (names.has(r.name as string)) throw new PlanDocumentError(`two resources are named ${r.name}`);
        names.add(r.name as string);
    });
    for (const [i, r] of (value.resources as PlanResource[]).entries()) {
        const unknown = r.dependsOn.find((d) => !names.has(d));
        if (unknown !== undefined)
            throw new PlanDocumentError(
                `resources[${i}] (${r.name}) depends on ${unknown}, which is not a resource of the plan`,
            );
    }
    try {
        creationWaves(orderNodes(value as unknown as PlanDocument));
    } catch (error) {
        throw new PlanDocumentError(oneLine((error as Error).message));
    }
    const plan = value.addressPlan;
    if (!isObject(plan)) throw new PlanDocumentError(`"addressPlan" is ${kindOf(plan)}, not an address plan`);
    checkSubnet(plan.nodeSubnet, "addressPlan.nodeSubnet");
    if (!Array.isArray(plan.podSubnets)) throw new PlanDocumentError("addressPlan.podSubnets is not a list");
    plan.podSubnets.forEach((s: unknown, i: number) => checkSubnet(s, `addressPlan.podSubnets[${i}]`));
    if (plan.virtualNodeSubnet !== undefined) checkSubnet(plan.virtualNodeSubnet, "addressPlan.virtualNodeSubnet");
    if (!Array.isArray(plan.pools) || !plan.pools.every((p) => isObject(p) && typeof p.name === "string"))
        throw new PlanDocumentError("addressPlan.pools is not a list of pools");
    for (const field of ["vnetAddressSpace", "connectedCidrs"]) checkCidrs(plan[field], `addressPlan.${field}`);
    if (typeof plan.serviceCidr !== "string") throw new PlanDocumentError("addressPlan.serviceCidr is not a string");
    if (!isObject(plan.ipMasqAgent)) throw new PlanDocumentError("addressPlan.ipMasqAgent is not an object");
    for (const field of ["nonMasqueradeCIDRs", "masqueradedConnectedCidrs"])
        checkCidrs(plan.ipMasqAgent[field], `addressPlan.ipMasqAgent.${field}`);
    if (!isObject(plan.routableAddresses) || typeof plan.routableAddresses.podSubnetMode !== "number") {
        throw new PlanDocumentError("addressPlan.routableAddresses is not the routable-address count");
    }
    const replacements = value.replacements ?? [];
    if (
        !Array.isArray(replacements) ||
        !replacements.every(
            (e) =>
                isObject(e) &&
                typeof e.resource === "string" &&
                typeof e.property === "string" &&
                (e.effect === "replaces" || e.effect === "refused"),
        )
    ) {
        throw new PlanDocumentError('"replacements" is not a list of { resource, property, key, value, effect }');
    }
    if (value.manifests !== undefined && !Array.isArray(value.manifests))
        throw new PlanDocumentError('"manifests" is not a list');
    return { ...(value as unknown as PlanDocument), replacements: replacements as PlanReplacement[] };
}

/**
 * How the base plan is made, for the fix in error messages: `npm run -s plan -- --stack dev --json > base.json` in
 * this repository, `aks-pod-subnet-plan --stack dev --json > base.json` with the installed package (`command`).
 */
export function basePlanCommand(planArgs: string, file: string, command = "npm run -s plan --"): string {
    return `${command} ${planArgs} --json > ${file}`;
}

/**
 * Reads and checks the base plan `file` (as the user named it). Every failure is a BasePlanError with one line:
 * the file, what is wrong, and the fix (the command that writes a base plan; `planArgs` is `--stack dev` or
 * `--config <file>`).
 */
export function readBasePlan(file: string, planArgs: string, command?: string): PlanDocument {
    const fix = `Save the base commit's plan with: ${basePlanCommand(planArgs, file, command)}`;
    let text: string;
    try {
        if (fs.statSync(file).isDirectory())
            throw new BasePlanError(`--diff ${file}: is a directory, not a plan file. ${fix}`, 66);
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        if (error instanceof BasePlanError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        const what =
            code === "ENOENT"
                ? "no such file"
                : code === "EACCES"
                  ? "cannot be read (permission denied)"
                  : `cannot be read (${code ?? oneLine((error as Error).message)})`;
        throw new BasePlanError(`--diff ${file}: ${what}. ${fix}`, 66);
    }
    return parseBasePlan(text, file, planArgs, command);
}

/** Checks the text of a base plan file (see readBasePlan); `file` names it in the message. */
export function parseBasePlan(text: string, file: string, planArgs: string, command?: string): PlanDocument {
    const fix = `Save the base commit's plan with: ${basePlanCommand(planArgs, file, command)}`;
    const fail = (what: string): never => {
        throw new BasePlanError(`--diff ${file}: ${what}. ${fix}`, 65);
    };
    const trimmed = text.trimStart();
    if (trimmed === "") return fail("is empty, not a plan JSON document");
    // `npm run plan` (without -s) prints "> aks-pod-subnet@0.1.0 plan" and the command before the program's output.
    if (/^> \S+@\S+ /.test(trimmed))
        return fail('starts with npm\'s banner ("> name@version script"), so it is not JSON: run npm with -s');
    if (trimmed.startsWith("Offline plan of stack")) return fail("holds the text plan, not the JSON one: add --json");
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        return fail(`is not JSON (${oneLine((error as Error).message)})`);
    }
    try {
        return checkPlanDocument(value);
    } catch (error) {
        if (error instanceof PlanDocumentError)
            return fail(`is JSON but not a plan document of npm run plan -- --json (${error.message})`);
        throw error;
    }
}

function oneLine(text: string): string {
    return text.replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------------------------------------------
// The diff (the output)
// ---------------------------------------------------------------------------------------------------------------

/** One changed input of a resource, by its path (`networkProfile.serviceCidr`, `agentPoolProfiles[0].maxPods`). */
export interface PropertyChange {
    path: string;
    /** Absent: not set before. */
    before?: unknown;
    /** Absent: not set after. */
    after?: unknown;
    /** Set when the plan's replacement list names this input: its change replaces the resource, or is refused. */
    effect?: "replaces" | "refused";
    /** The config key a user edits, from the replacement list. */
    key?: string;
}

export type ResourceAction = "refused" | "replace" | "create" | "update" | "delete";

export interface ResourceChange {
    name: string;
    type: string;
    action: ResourceAction;
    /** For updates, replacements and refusals: what changes. Empty for creates and deletes. */
    changes: PropertyChange[];
    /** A few inputs that say what a created or deleted resource is (an address prefix, a pool's size). */
    summary?: string;
    /** For a replaced cluster: the resources that live in it and go with it (everything that waits for it). */
    goesWith?: string[];
}

export interface SubnetFigures {
    role: string;
    cidr: string;
    allocatable: number;
    needed: number;
    headroom: number;
    /** headroom / allocatable, in percent, one decimal. */
    headroomPercent: number;
    pools: string[];
}

export type SubnetDiff = Keyed<SubnetFigures>;

export interface PoolFigures {
    mode: string;
    nodes: string;
    peakNodes: number;
    maxPods: number;
    podIPAllocationMode: string;
    podIPsPerNode: number;
    podIPsNeeded: number;
    podSubnet: string;
}

export type PoolDiff = Keyed<PoolFigures>;

export interface HeadroomWarning {
    subnet: string;
    headroom: number;
    allocatable: number;
    headroomPercent: number;
    /** Whether it was at or above the threshold before (or did not exist): the change takes it below. */
    falls: boolean;
    message: string;
}

export interface Change<T> {
    before: T;
    after: T;
}

export interface AddressDiff {
    changed: boolean;
    vnetAddressSpace: Change<string[]>;
    serviceCidr: Change<string>;
    dnsServiceIP: Change<string>;
    subnets: SubnetDiff[];
    pools: PoolDiff[];
    /** Routable addresses this design consumes (the node subnet, and the virtual nodes' subnet). */
    routable: Change<{ consumed: number; nodeSubnetModeNeeded: number; savingPercent: number }>;
    headroomWarningPercent: number;
    warnings: HeadroomWarning[];
}

/** Which source address a destination sees. */
export type NatClass = "pod IP" | "node IP (connected network)" | "node IP (other destination)" | "pod IP (no agent)";

export interface NatMove {
    /** The destinations that move, as the fewest CIDRs; empty with `rest`. */
    cidrs: string[];
    /** Every destination outside the listed classes (the internet, ...): used when the agent is turned on or off. */
    rest?: boolean;
    before: NatClass;
    after: NatClass;
    /** Whether packets change: the source address they leave with differs (pod IP ↔ node IP). */
    onTheWire: boolean;
}

export interface AgentState {
    /** The agent's ConfigMap and DaemonSet are deployed. */
    enabled: boolean;
    /** The clean-up DaemonSet is deployed. */
    cleanup: boolean;
    /** `namespace/name` of the ConfigMap. */
    configMap?: string;
    /** The ConfigMap's nonMasqueradeCIDRs, as the nodes read them. */
    nonMasqueradeCIDRs?: string[];
    resyncSeconds?: number;
    chain?: string;
}

export interface NatDiff {
    changed: boolean;
    agent: Change<AgentState>;
    /** The connected networks as declared (`connectedCidrs`). */
    connected: Change<string[]>;
    /** The extra destinations that keep pod IPs, as declared (`extraNonMasqueradeCidrs`). */
    extra: Change<string[]>;
    moves: NatMove[];
    /** The ConfigMap's nonMasqueradeCIDRs (absent on a side without the agent). */
    configMap: {
        changed: boolean;
        name?: string;
        before?: string[];
        after?: string[];
        added: string[];
        removed: string[];
    };
}

export interface OrderStep {
    /** Wave among the changes: 1 waits for no other change; each later wave for changes in earlier ones. */
    wave: number;
    name: string;
    type: string;
    action: "create" | "replace" | "update";
    /** The changes it waits for (directly or through unchanged resources), without those implied by others. */
    after: string[];
}

export interface OrderDiff {
    steps: OrderStep[];
    /** Removed resources in the order they are deleted (after everything else; dependents first). */
    deletions: { name: string; type: string }[];
}

export interface PlanDiff {
    format: "aks-pod-subnet plan diff";
    version: 1;
    stack?: string;
    /** How the base plan was named (the `--diff` argument). */
    base?: string;
    /** Anything at all differs (resources, address plan, NAT, stack outputs). */
    changed: boolean;
    /** The stack resources' names (`<project>-<stack>`), when the two plans are of different stacks. */
    otherStack?: Change<string>;
    counts: Record<ResourceAction, number>;
    /** Replacements and refusals first, then creates, updates and deletes; within each, the plans' order. */
    resources: ResourceChange[];
    address: AddressDiff;
    nat: NatDiff;
    order: OrderDiff;
    /** The address plans differ in fields the sections above do not show (both are stack outputs). */
    otherAddressPlanChanges: PropertyChange[];
}

export interface DiffOptions {
    stack?: string;
    base?: string;
    /** Warn when a subnet's headroom is below this share of its allocatable addresses. Default 20. */
    headroomWarningPercent?: number;
}

export const DEFAULT_HEADROOM_WARNING_PERCENT = 20;

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
const STACK = "pulumi:pulumi:Stack";
const SECRET = "[secret]";
/** How the Pulumi SDK marks a secret value in serialized properties. */
const PULUMI_SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_KEY = /^(kubeconfig|.*password|.*secret|.*(access|auth|bearer|refresh)token|privatekey)$/i;
/** ip-masq-agent-v2 never masquerades link-local unless masqLinkLocal is set, which this project never sets. */
const LINK_LOCAL = "169.254.0.0/16";

/** A JSON copy with every secret replaced by "[secret]" (and `undefined` dropped, as in a plan file). */
function redact(value: unknown, key = ""): unknown {
    if (Array.isArray(value)) return value.map((v) => redact(v));
    if (isObject(value)) {
        if (PULUMI_SECRET_SIG in value) return SECRET;
        const copy: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined) copy[k] = redact(v, k);
        return copy;
    }
    if (typeof value === "string" && SECRET_KEY.test(key)) return SECRET;
    return value;
}

function normalize(doc: PlanDocument): PlanDocument {
    const copy = JSON.parse(JSON.stringify(doc)) as PlanDocument;
    copy.resources = copy.resources.map((r) => ({
        ...r,
        inputs: redact(
            r.type === "pulumi:providers:kubernetes" && "kubeconfig" in r.inputs
                ? { ...r.inputs, kubeconfig: SECRET }
                : r.inputs,
        ) as Record<string, unknown>,
    }));
    copy.replacements ??= [];
    return copy;
}

function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
    }
    if (isObject(a) && isObject(b)) {
        const keys = Object.keys(a);
        return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
    }
    return false;
}

function pathJoin(base: string, key: string): string {
    const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    if (part.startsWith('"')) return `${base}[${part}]`;
    return base ? `${base}.${part}` : part;
}

const isScalar = (value: unknown) => !isObject(value) && !Array.isArray(value);

/** The changed leaves between two input trees; lists of plain values change as a whole. */
function compare(before: unknown, after: unknown, path: string, out: PropertyChange[]): void {
    if (deepEqual(before, after)) return;
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        for (const key of keys) compare(before[key], after[key], pathJoin(path, key), out);
        return;
    }
    if (Array.isArray(before) && Array.isArray(after) && !(before.every(isScalar) && after.every(isScalar))) {
        for (let i = 0; i < Math.max(before.length, after.length); i++)
            compare(before[i], after[i], `${path}[${i}]`, out);
        return;
    }
    const change: PropertyChange = { path };
    if (before !== undefined) change.before = before;
    if (after !== undefined) change.after = after;
    out.push(change);
}

/** Whether the replacement entry's input is (part of) the changed path, or lies inside it. */
function covers(property: string, path: string): boolean {
    const inside = (outer: string, inner: string) =>
        inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
    return inside(property, path) || inside(path, property);
}

/**
 * Components are never created: the stack, resources that are some resource's parent (the project's components;
 * no custom resource here has children) and component types (`<package>:index:<Name>`, which azure-native and
 * kubernetes resources never use).
 */
function orderNodes(doc: PlanDocument): OrderNode[] {
    const parents = new Set(doc.resources.filter((r) => r.parent !== r.name).map((r) => r.parent));
    return doc.resources.map((r) => ({
        name: r.name,
        type: r.type,
        parent: r.parent,
        custom: !(
            r.type === STACK ||
            (parents.has(r.name) && !r.type.startsWith("pulumi:providers:")) ||
            r.type.split(":")[1] === "index"
        ),
        dependencies: r.dependsOn,
    }));
}

/** Everything each custom resource waits for, transitively (custom resources, components expanded). */
function reachability(doc: PlanDocument): {
    waves: ReturnType<typeof creationWaves<OrderNode>>;
    reach: Map<string, Set<string>>;
} {
    const waves = creationWaves(orderNodes(doc));
    const reach = new Map<string, Set<string>>();
    for (const wave of waves) {
        for (const entry of wave) {
            const set = new Set<string>();
            for (const d of entry.waitsFor) {
                set.add(d);
                for (const r of reach.get(d) ?? []) set.add(r);
            }
            reach.set(entry.resource.name, set);
        }
    }
    return { waves, reach };
}

/** The type as read in a review: `Subnet`, `ManagedCluster`, `provider kubernetes`. */
export function shortType(type: string): string {
    return type.startsWith("pulumi:providers:") ? `provider ${type.split(":")[2]}` : type.split(":").pop()!;
}

function lastSegment(value: unknown): string {
    return typeof value === "string" ? value.split("/").pop()! : String(value);
}

/** A few inputs that say what a created or deleted resource is. */
function summarize(r: PlanResource): string | undefined {
    switch (r.type) {
        case "azure-native:network:Subnet": {
            const i = r.inputs as Inputs.SubnetInputs;
            return `${i.subnetName} ${i.addressPrefix}`;
        }
        case "azure-native:network:VirtualNetwork": {
            const i = r.inputs as Inputs.VirtualNetworkInputs;
            return `${i.virtualNetworkName} ${(i.addressSpace?.addressPrefixes ?? []).join(", ")}`;
        }
        case AGENT_POOL: {
            const i = r.inputs as Inputs.AgentPoolInputs;
            const size = i.enableAutoScaling ? `${i.minCount}-${i.maxCount} nodes` : `${i.count} nodes`;
            return (
                `pool ${i.agentPoolName}, ${i.mode}, ${size}, maxPods ${i.maxPods}, ${i.vmSize}, ` +
                `pods in subnet ${lastSegment(i.podSubnetID)}`
            );
        }
        case "azure-native:authorization:RoleAssignment":
            return `on ${lastSegment((r.inputs as Inputs.RoleAssignmentInputs).scope)}`;
        case CLUSTER:
            return `${(r.inputs as Inputs.ManagedClusterInputs).resourceName}`;
        case CONFIG_MAP:
        case DAEMON_SET: {
            const i = r.inputs as Inputs.KubernetesObject;
            return `${i.metadata?.namespace}/${i.metadata?.name}`;
        }
        default:
            return undefined;
    }
}

function resourceChanges(base: PlanDocument, next: PlanDocument): ResourceChange[] {
    const key = (r: PlanResource) => `${r.type}::${r.name}`;
    const before = new Map(base.resources.map((r) => [key(r), r]));
    const after = new Map(next.resources.map((r) => [key(r), r]));
    const replacements = new Map<string, PlanReplacement[]>();
    const seen = new Set<string>();
    for (const e of [...next.replacements, ...base.replacements]) {
        const id = `${e.resource}::${e.property}`;
        if (seen.has(id)) continue;
        seen.add(id);
        replacements.set(e.resource, [...(replacements.get(e.resource) ?? []), e]);
    }

    const changes: ResourceChange[] = [];
    for (const r of next.resources) {
        const old = before.get(key(r));
        if (!old) {
            changes.push({
                name: r.name,
                type: r.type,
                action: "create",
                changes: [],
                ...optional("summary", summarize(r)),
            });
            continue;
        }
        const properties: PropertyChange[] = [];
        if (old.parent !== r.parent)
            properties.push({
                path: "(parent)",
                before: old.parent,
                after: r.parent,
                effect: "replaces",
                key: "(a new parent is a new URN)",
            });
        compare(old.inputs, r.inputs, "", properties);
        if (properties.length === 0) continue;
        for (const p of properties) {
            const entry = (replacements.get(r.name) ?? []).find((e) => covers(e.property, p.path));
            if (entry) {
                p.effect = entry.effect;
                p.key = entry.key;
            }
        }
        const action: ResourceAction = properties.some((p) => p.effect === "refused")
            ? "refused"
            : properties.some((p) => p.effect === "replaces")
              ? "replace"
              : "update";
        changes.push({ name: r.name, type: r.type, action, changes: properties });
    }
    for (const r of base.resources) {
        if (!after.has(key(r)))
            changes.push({
                name: r.name,
                type: r.type,
                action: "delete",
                changes: [],
                ...optional("summary", summarize(r)),
            });
    }

    // A replaced cluster takes everything in it along: what waits for it in the new plan.
    const replacedClusters = changes.filter((c) => c.action === "replace" && c.type === CLUSTER);
    if (replacedClusters.length) {
        const { waves, reach } = reachability(next);
        const order = waves.flat().map((e) => e.resource.name);
        for (const c of replacedClusters) c.goesWith = order.filter((name) => reach.get(name)?.has(c.name));
    }

    const rank: Record<ResourceAction, number> = { refused: 0, replace: 1, create: 2, update: 3, delete: 4 };
    return changes
        .map((c, i) => ({ c, i }))
        .sort((a, b) => rank[a.c.action] - rank[b.c.action] || a.i - b.i)
        .map(({ c }) => c);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
    return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

// --- address plan ---------------------------------------------------------------------------------------------

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part * 1000) / whole) / 10 : 0);

function subnetFigures(s: PlanSubnet): SubnetFigures {
    return {
        role: s.role,
        cidr: s.cidr,
        allocatable: s.allocatable,
        needed: s.needed,
        headroom: s.headroom,
        headroomPercent: percent(s.headroom, s.allocatable),
        pools: [...(s.pools ?? [])],
    };
}

function poolFigures(p: PlanPool): PoolFigures {
    return {
        mode: p.mode,
        nodes: p.autoscaling ? `${p.minCount}-${p.maxCount}` : `${p.count}`,
        peakNodes: p.peakNodes,
        maxPods: p.maxPods,
        podIPAllocationMode: p.podIPAllocationMode,
        podIPsPerNode: p.podIPsPerNode,
        podIPsNeeded: p.podIPsNeeded,
        podSubnet: p.podSubnetName,
    };
}

export interface Keyed<F> {
    name: string;
    status: "added" | "removed" | "changed" | "unchanged";
    before?: F;
    after?: F;
}

/** Rows by name: the new plan's order, then what only the base has. */
function keyedDiff<T extends { name: string }, F>(before: T[], after: T[], figures: (t: T) => F): Keyed<F>[] {
    const old = new Map(before.map((t) => [t.name, figures(t)]));
    const names = new Set(after.map((t) => t.name));
    const rows: Keyed<F>[] = after.map((t) => {
        const b = old.get(t.name);
        const a = figures(t);
        const status = b === undefined ? "added" : deepEqual(b, a) ? "unchanged" : "changed";
        return b === undefined ? { name: t.name, status, after: a } : { name: t.name, status, before: b, after: a };
    });
    for (const t of before)
        if (!names.has(t.name)) rows.push({ name: t.name, status: "removed", before: old.get(t.name)! });
    return rows;
}

const subnetsOf = (plan: PlanAddressPlan) => [
    plan.nodeSubnet,
    ...plan.podSubnets,
    ...(plan.virtualNodeSubnet ? [plan.virtualNodeSubnet] : []),
];

function routableOf(plan: PlanAddressPlan) {
    return {
        consumed: plan.routableAddresses.podSubnetMode,
        nodeSubnetModeNeeded: plan.routableAddresses.nodeSubnetModeNeeded,
        savingPercent: plan.routableAddresses.savingPercent,
    };
}

function addressDiff(base: PlanAddressPlan, next: PlanAddressPlan, threshold: number): AddressDiff {
    const subnets = keyedDiff(subnetsOf(base), subnetsOf(next), subnetFigures);
    const pools = keyedDiff(base.pools, next.pools, poolFigures);
    const warnings: HeadroomWarning[] = [];
    // Subnets this change touches (new or with other figures) whose headroom ends below the threshold.
    for (const row of subnets) {
        const a = row.after;
        if (!a || row.status === "unchanged" || a.allocatable <= 0 || (a.headroom * 100) / a.allocatable >= threshold)
            continue;
        const b = row.before;
        const falls = !b || b.allocatable <= 0 || (b.headroom * 100) / b.allocatable >= threshold;
        const unit = a.role === "pods" ? "pod IPs" : "addresses";
        const was = b ? ` (was ${b.headroom}, ${b.headroomPercent.toFixed(1)} %)` : "";
        const fix =
            a.role === "pods"
                ? `pools ${a.pools.join(", ")} at maxCount plus surge nearly fill it: ` +
                  "grow the subnet (or give a pool its own) or lower maxCount/maxPods"
                : "every pool at maxCount plus surge, and the other addresses in it, nearly fill it: " +
                  "grow the subnet or lower maxCount/maxSurge";
        warnings.push({
            subnet: row.name,
            headroom: a.headroom,
            allocatable: a.allocatable,
            headroomPercent: a.headroomPercent,
            falls,
            message:
                `${row.name} (${a.cidr}) ${falls ? "falls" : "stays"} below ${threshold} % headroom: ` +
                `${a.headroom} of ${a.allocatable} allocatable ${unit} left at peak, ` +
                `${a.headroomPercent.toFixed(1)} %${was}; ${fix}, ` +
                "before the autoscaler or an upgrade runs out of addresses",
        });
    }
    const routable = { before: routableOf(base), after: routableOf(next) };
    const d: AddressDiff = {
        changed: false,
        vnetAddressSpace: { before: base.vnetAddressSpace, after: next.vnetAddressSpace },
        serviceCidr: { before: base.serviceCidr, after: next.serviceCidr },
        dnsServiceIP: { before: base.dnsServiceIP, after: next.dnsServiceIP },
        subnets,
        pools,
        routable,
        headroomWarningPercent: threshold,
        warnings,
    };
    d.changed =
        !deepEqual(d.vnetAddressSpace.before, d.vnetAddressSpace.after) ||
        d.serviceCidr.before !== d.serviceCidr.after ||
        d.dnsServiceIP.before !== d.dnsServiceIP.after ||
        subnets.some((s) => s.status !== "unchanged") ||
        pools.some((p) => p.status !== "unchanged") ||
        !deepEqual(routable.before, routable.after);
    return d;
}

// --- NAT ------------------------------------------------------------------------------------------------------

function agentState(doc: PlanDocument): AgentState {
    const daemonSets = doc.resources.filter((r) => r.type === DAEMON_SET);
    // The inputs of a Kubernetes resource are its manifest (as read from a plan document: unchecked JSON).
    const manifest = (r: PlanResource) => r.inputs as Inputs.KubernetesObject;
    const argsOf = (r: PlanResource): string[] =>
        (manifest(r).spec?.template?.spec?.containers ?? []).flatMap((c) => (Array.isArray(c?.args) ? c.args : []));
    const agent = daemonSets.find((r) => argsOf(r).some((a) => typeof a === "string" && a.startsWith("--masq-chain=")));
    const cleanup = daemonSets.some(
        (r) => r !== agent && String(manifest(r).metadata?.name ?? "").endsWith("-cleanup"),
    );
    const agentConfig = (r: PlanResource): string | undefined => {
        const data = manifest(r).data;
        return isObject(data) && typeof data["ip-masq-agent"] === "string" ? data["ip-masq-agent"] : undefined;
    };
    const configMap = doc.resources.find((r) => r.type === CONFIG_MAP && agentConfig(r) !== undefined);
    const state: AgentState = { enabled: agent !== undefined && configMap !== undefined, cleanup };
    if (configMap) {
        const meta = manifest(configMap).metadata ?? {};
        state.configMap = `${meta.namespace}/${meta.name}`;
        try {
            const parsed: { nonMasqueradeCIDRs?: unknown } | null = parseYaml(agentConfig(configMap)!);
            const list = (parsed ?? {}).nonMasqueradeCIDRs;
            if (isStringList(list)) state.nonMasqueradeCIDRs = list;
        } catch {
            // an unreadable config: the agent would not start either; the property diff shows the text
        }
    }
    if (agent) {
        const args = argsOf(agent);
        const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
        state.chain = arg("masq-chain");
        const resync = Number(arg("resync-interval"));
        if (Number.isFinite(resync) && resync > 0) state.resyncSeconds = resync;
    }
    return state;
}

function ranges(cidrs: readonly string[]): AddressRange[] {
    return unionRanges(
        cidrs.flatMap((text) => {
            const parsed = parseCidr(text);
            return parsed.ok ? [parsed.cidr] : [];
        }),
    );
}

const intersect = (a: AddressRange[], b: AddressRange[]) => subtractRanges(a, subtractRanges(a, b));
const toCidrs = (r: AddressRange[]) => mergeToCidrs(r).map((c) => c.text);

/** The destinations of each class while the agent runs: kept (pod IP), connected (node IP), the rest (node IP). */
function classes(plan: PlanAddressPlan, agent: AgentState): { keep: AddressRange[]; connected: AddressRange[] } {
    const keep = ranges([...(agent.nonMasqueradeCIDRs ?? plan.ipMasqAgent.nonMasqueradeCIDRs), LINK_LOCAL]);
    const connected = subtractRanges(ranges(plan.ipMasqAgent.masqueradedConnectedCidrs), keep);
    return { keep, connected };
}

function natDiff(base: PlanDocument, next: PlanDocument): NatDiff {
    const agent = { before: agentState(base), after: agentState(next) };
    const moves: NatMove[] = [];
    const push = (r: AddressRange[], before: NatClass, after: NatClass) => {
        const cidrs = toCidrs(r);
        if (cidrs.length)
            moves.push({ cidrs, before, after, onTheWire: before.startsWith("pod") !== after.startsWith("pod") });
    };
    if (agent.before.enabled && agent.after.enabled) {
        const b = classes(base.addressPlan, agent.before);
        const a = classes(next.addressPlan, agent.after);
        const knownB = unionRanges([...b.keep, ...b.connected]);
        const knownA = unionRanges([...a.keep, ...a.connected]);
        push(intersect(b.keep, a.connected), "pod IP", "node IP (connected network)");
        push(subtractRanges(b.keep, knownA), "pod IP", "node IP (other destination)");
        push(intersect(b.connected, a.keep), "node IP (connected network)", "pod IP");
        push(subtractRanges(a.keep, knownB), "node IP (other destination)", "pod IP");
        push(subtractRanges(a.connected, knownB), "node IP (other destination)", "node IP (connected network)");
        push(subtractRanges(b.connected, knownA), "node IP (connected network)", "node IP (other destination)");
    } else if (agent.before.enabled !== agent.after.enabled) {
        // Turned off: everything the agent masqueraded keeps the pod IP; turned on: the reverse.
        const on = agent.before.enabled
            ? classes(base.addressPlan, agent.before)
            : classes(next.addressPlan, agent.after);
        const off: NatClass = "pod IP (no agent)";
        const connected = toCidrs(on.connected);
        if (agent.before.enabled) {
            if (connected.length)
                moves.push({ cidrs: connected, before: "node IP (connected network)", after: off, onTheWire: true });
            moves.push({ cidrs: [], rest: true, before: "node IP (other destination)", after: off, onTheWire: true });
        } else {
            if (connected.length)
                moves.push({ cidrs: connected, before: off, after: "node IP (connected network)", onTheWire: true });
            moves.push({ cidrs: [], rest: true, before: off, after: "node IP (other destination)", onTheWire: true });
        }
    }
    const listBefore = agent.before.enabled ? agent.before.nonMasqueradeCIDRs : undefined;
    const listAfter = agent.after.enabled ? agent.after.nonMasqueradeCIDRs : undefined;
    const configMap = {
        changed: !deepEqual(listBefore, listAfter),
        ...optional("name", agent.after.configMap ?? agent.before.configMap),
        ...optional("before", listBefore),
        ...optional("after", listAfter),
        added: (listAfter ?? []).filter((c) => !(listBefore ?? []).includes(c)),
        removed: (listBefore ?? []).filter((c) => !(listAfter ?? []).includes(c)),
    };
    const connected = { before: base.addressPlan.connectedCidrs, after: next.addressPlan.connectedCidrs };
    const extra = {
        before: base.addressPlan.ipMasqAgent.extraNonMasqueradeCidrs ?? [],
        after: next.addressPlan.ipMasqAgent.extraNonMasqueradeCidrs ?? [],
    };
    return {
        changed:
            moves.length > 0 ||
            configMap.changed ||
            !deepEqual(connected.before, connected.after) ||
            !deepEqual(extra.before, extra.after) ||
            !deepEqual(agent.before, agent.after),
        agent,
        connected,
        extra,
        moves,
        configMap,
    };
}

// --- order ----------------------------------------------------------------------------------------------------

function orderDiff(base: PlanDocument, next: PlanDocument, resources: ResourceChange[]): OrderDiff {
    const actionOf = new Map(
        resources
            .filter((r) => r.action === "create" || r.action === "replace" || r.action === "update")
            .map((r) => [r.name, r.action as OrderStep["action"]]),
    );
    const { waves, reach } = reachability(next);
    const steps: OrderStep[] = [];
    const waveOf = new Map<string, number>();
    for (const entry of waves.flat()) {
        const name = entry.resource.name;
        const action = actionOf.get(name);
        if (!action) continue;
        const changedBefore = [...(reach.get(name) ?? [])].filter((d) => waveOf.has(d));
        const after = changedBefore.filter((d) => !changedBefore.some((e) => e !== d && reach.get(e)?.has(d))).sort();
        const wave = Math.max(0, ...changedBefore.map((d) => waveOf.get(d)!)) + 1;
        waveOf.set(name, wave);
        steps.push({ wave, name, type: entry.resource.type, action, after });
    }
    const position = new Map(steps.map((s, i) => [s.name, i]));
    steps.sort((a, b) => a.wave - b.wave || position.get(a.name)! - position.get(b.name)!);

    const removed = new Set(resources.filter((r) => r.action === "delete").map((r) => r.name));
    const baseWaves = creationWaves(orderNodes(base));
    const deletions = baseWaves
        .flatMap((wave, index) => wave.map((entry, i) => ({ entry, index, i })))
        .filter(({ entry }) => removed.has(entry.resource.name))
        .sort((a, b) => b.index - a.index || a.i - b.i)
        .map(({ entry }) => ({ name: entry.resource.name, type: entry.resource.type }));
    return { steps, deletions };
}

/**
 * The diff of two plan documents: `base` (the earlier plan, e.g. of the base commit) → `next` (this change). Throws a
 * PlanDocumentError if either is not a plan document.
 */
export function diffPlans(baseDocument: PlanDocument, nextDocument: PlanDocument, options: DiffOptions = {}): PlanDiff {
    const base = normalize(checkPlanDocument(JSON.parse(JSON.stringify(baseDocument))));
    const next = normalize(checkPlanDocument(JSON.parse(JSON.stringify(nextDocument))));
    const threshold = options.headroomWarningPercent ?? DEFAULT_HEADROOM_WARNING_PERCENT;
    const resources = resourceChanges(base, next);
    const address = addressDiff(base.addressPlan, next.addressPlan, threshold);
    const nat = natDiff(base, next);
    const order = orderDiff(base, next, resources);
    const counts: Record<ResourceAction, number> = { refused: 0, replace: 0, create: 0, update: 0, delete: 0 };
    for (const r of resources) counts[r.action]++;

    // The rest of the address plan (a stack output): what the sections above do not already show.
    const shown = [
        "vnetAddressSpace",
        "nodeSubnet",
        "podSubnets",
        "virtualNodeSubnet",
        "serviceCidr",
        "dnsServiceIP",
        "pools",
        "connectedCidrs",
        "ipMasqAgent",
        "routableAddresses",
    ];
    const rest = (plan: PlanAddressPlan) =>
        Object.fromEntries(Object.entries(plan).filter(([k]) => !shown.includes(k)));
    const otherAddressPlanChanges: PropertyChange[] = [];
    compare(rest(base.addressPlan), rest(next.addressPlan), "", otherAddressPlanChanges);

    const stackOf = (doc: PlanDocument) => doc.resources.find((r) => r.type === STACK)?.name ?? "";
    const stacks = { before: stackOf(base), after: stackOf(next) };
    return {
        format: "aks-pod-subnet plan diff",
        version: 1,
        ...optional("stack", options.stack),
        ...optional("base", options.base),
        ...optional("otherStack", stacks.before === stacks.after ? undefined : stacks),
        changed:
            resources.length > 0 ||
            address.changed ||
            nat.changed ||
            otherAddressPlanChanges.length > 0 ||
            !deepEqual(base.addressPlan, next.addressPlan),
        counts,
        resources,
        address,
        nat,
        order,
        otherAddressPlanChanges,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

const MAX_VALUE = 240;

/** Inline code that survives any content (backticks inside get a longer fence). */
function code(text: string): string {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longest + 1);
    return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** An Azure resource ID as its last type and name (`…/subnets/pods`); the JSON diff keeps the whole ID. */
function shortenId(text: string): string {
    const match = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.*\/([^/]+)\/([^/]+)$/i.exec(text);
    return match ? `…/${match[1]}/${match[2]}` : text;
}

function show(value: unknown): string {
    if (value === undefined) return "*(not set)*";
    let text =
        typeof value === "string"
            ? shortenId(value)
            : JSON.stringify(value, (_, v) => (typeof v === "string" ? shortenId(v) : v));
    text = text.replace(/\r?\n/g, "\\n");
    if (text.length > MAX_VALUE) text = `${text.slice(0, MAX_VALUE)}… (${text.length} characters: see --json)`;
    return code(text);
}

/** A line diff of two texts (longest common subsequence), as the lines of a ```diff block. */
function lineDiff(before: string, after: string): string[] {
    const a = before.replace(/\n$/, "").split("\n");
    const b = after.replace(/\n$/, "").split("\n");
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            out.push(` ${a[i++]}`);
            j++;
        } else if (i < a.length && (j >= b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`-${a[i++]}`);
        else out.push(`+${b[j++]}`);
    }
    return out;
}

function propertyLines(p: PropertyChange, indent: string): string[] {
    const why =
        p.effect === "replaces"
            ? ` — **replaces** (${code(p.key ?? p.path)})`
            : p.effect === "refused"
              ? ` — **refused at preview** (${code(p.key ?? p.path)})`
              : "";
    const multiline = (v: unknown) => typeof v === "string" && v.includes("\n");
    if (
        (multiline(p.before) || multiline(p.after)) &&
        (p.before === undefined || typeof p.before === "string") &&
        (p.after === undefined || typeof p.after === "string")
    ) {
        const lines = lineDiff((p.before as string | undefined) ?? "", (p.after as string | undefined) ?? "");
        const fence = lines.some((l) => l.includes("```")) ? "~~~~" : "```";
        return [
            `${indent}- ${code(p.path)}${why}:`,
            "",
            `${indent}  ${fence}diff`,
            ...lines.map((l) => `${indent}  ${l}`),
            `${indent}  ${fence}`,
            "",
        ];
    }
    return [`${indent}- ${code(p.path)}: ${show(p.before)} → ${show(p.after)}${why}`];
}

function cell(text: string | number): string {
    return String(text).replace(/\|/g, "\\|");
}

function arrow<T>(before: T | undefined, after: T | undefined, format: (v: T) => string = String): string {
    // A new or removed row says so in its name column.
    if (before === undefined) return after === undefined ? "" : format(after);
    if (after === undefined) return format(before);
    const b = format(before);
    const a = format(after);
    return b === a ? a : `${b} → **${a}**`;
}

const headroomText = (f: SubnetFigures) => `${f.headroom} (${f.headroomPercent.toFixed(1)} %)`;

/**
 * CIDRs as a reviewer reads them: those that make up most of a connected network as "the network except the holes"
 * (`10.0.0.0/8 except 10.42.8.0/27, 10.250.0.0/24`), the others as they are.
 */
function describeCidrs(cidrs: string[], networks: string[]): string {
    const set = ranges(cidrs);
    const parts: string[] = [];
    let rest = set;
    for (const network of [...new Set(networks)].sort()) {
        const whole = ranges([network]);
        const inside = intersect(rest, whole);
        const holes = toCidrs(subtractRanges(whole, inside));
        if (inside.length === 0 || toCidrs(inside).length <= holes.length + 1) continue;
        parts.push(holes.length ? `${code(network)} except ${holes.map(code).join(", ")}` : code(network));
        rest = subtractRanges(rest, whole);
    }
    return [...parts, ...toCidrs(rest).map(code)].join("; ");
}

const CLASS_TEXT: Record<NatClass, string> = {
    "pod IP": "keeps the pod IP",
    "node IP (connected network)": "node IP (connected network)",
    "node IP (other destination)": "node IP (as any other destination)",
    "pod IP (no agent)": "pod IP (no agent on the node)",
};

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

/** The review as GitHub-flavoured Markdown: one comment per stack. */
export function renderDiffMarkdown(diff: PlanDiff): string {
    const lines: string[] = [];
    const title = `## Plan review${diff.stack ? `: stack ${code(diff.stack)}` : ""}`;
    const against = diff.base ? `the base plan ${code(diff.base)}` : "the base plan";
    lines.push(title, "");
    if (!diff.changed) {
        lines.push(`**No changes**: this plan is identical to ${against} — resources, address plan and NAT.`);
        return `${lines.join("\n")}\n`;
    }
    lines.push(
        `Offline plan of this change against ${against} ` +
            "(the real program under Pulumi mocks: no Azure, no Pulumi CLI; secrets are never shown).",
        "",
    );
    if (diff.otherStack) {
        lines.push(
            `> ⚠ **The base plan is of another stack**: ${code(diff.otherStack.before)}, ` +
                `this plan is ${code(diff.otherStack.after)}. Compare plans of the same stack.`,
            "",
        );
    }

    // Summary
    const c = diff.counts;
    const summary = [
        c.refused ? `**${c.refused} refused at preview**` : undefined,
        c.replace ? `**${plural(c.replace, "replacement")}**` : "0 replacements",
        `${c.create} to create`,
        `${c.update} to update`,
        c.delete ? `**${c.delete} to delete**` : "0 to delete",
        diff.address.warnings.length ? `**⚠ ${plural(diff.address.warnings.length, "headroom warning")}**` : undefined,
        diff.nat.moves.some((m) => m.onTheWire)
            ? `**NAT changes for ${plural(diff.nat.moves.filter((m) => m.onTheWire).length, "destination group")}**`
            : diff.nat.changed
              ? "NAT: declared changes only"
              : "NAT unchanged",
    ].filter((s) => s !== undefined);
    lines.push(summary.join(" · "), "");

    // Resources
    lines.push("### Resources", "");
    if (diff.resources.length === 0) {
        lines.push(
            "No resource changes: `pulumi up` would change nothing in Azure or in the cluster " +
                "(only the stack outputs differ).",
            "",
        );
    }
    const group = (action: ResourceAction) => diff.resources.filter((r) => r.action === action);
    const refused = group("refused");
    if (refused.length) {
        lines.push(
            "**Refused at preview**: once the stack is deployed, the preview stops with an error. " +
                "AKS cannot change these fields of the inline System pool, and replacing the pool would replace the " +
                'cluster (how to change them: docs/operations.md, "Changing the System pool"). ' +
                "Nothing of this change is applied until they are undone.",
            "",
        );
        for (const r of refused) {
            lines.push(`- ${code(r.name)} (${shortType(r.type)})`);
            for (const p of r.changes) lines.push(...propertyLines(p, "  "));
        }
        lines.push("");
    }
    const replaced = group("replace");
    if (replaced.length) {
        lines.push("**Replaced, not updated** (listed first: deleted and created again)", "");
        for (const r of replaced) {
            const what =
                r.type === CLUSTER
                    ? "a new cluster: new API server, new nodes, a new kubeconfig and, " +
                      "with it, every Kubernetes object (a protected stack stops at the cluster instead)"
                    : r.type === AGENT_POOL
                      ? "the pool is deleted first (its name is fixed), then created again: " +
                        "its nodes and pods are gone in between"
                      : "deleted and created again";
            lines.push(`- ${code(r.name)} (${shortType(r.type)}) — **replaced**: ${what}`);
            for (const p of r.changes) lines.push(...propertyLines(p, "  "));
            if (r.goesWith?.length) lines.push(`  - lives in it and goes with it: ${r.goesWith.map(code).join(", ")}`);
        }
        lines.push(
            "",
            'How to change these without a gap: docs/operations.md, "Changes that replace the cluster or a pool".',
            "",
        );
    }
    lines.push(...summarySection("**Created**", group("create")));
    const updated = group("update");
    if (updated.length) {
        lines.push("**Updated in place**", "");
        for (const r of updated) {
            lines.push(`- ${code(r.name)} (${shortType(r.type)})`);
            for (const p of r.changes) lines.push(...propertyLines(p, "  "));
        }
        lines.push("");
    }
    lines.push(...summarySection("**Deleted**", group("delete")));

    // Address plan
    const a = diff.address;
    lines.push("### Address plan", "");
    if (!a.changed) lines.push("Unchanged.", "");
    else {
        if (!deepEqual(a.vnetAddressSpace.before, a.vnetAddressSpace.after))
            lines.push(
                `- VNet address space: ${code(a.vnetAddressSpace.before.join(", "))} → ` +
                    `${code(a.vnetAddressSpace.after.join(", "))}`,
            );
        if (a.serviceCidr.before !== a.serviceCidr.after)
            lines.push(`- Service range: ${code(a.serviceCidr.before)} → ${code(a.serviceCidr.after)}`);
        if (a.dnsServiceIP.before !== a.dnsServiceIP.after)
            lines.push(`- DNS service IP: ${code(a.dnsServiceIP.before)} → ${code(a.dnsServiceIP.after)}`);
        const r = a.routable;
        lines.push(
            `- Routable addresses consumed: ${arrow(r.before.consumed, r.after.consumed)} ` +
                "(Azure CNI node-subnet mode would need " +
                `${arrow(r.before.nodeSubnetModeNeeded, r.after.nodeSubnetModeNeeded)}; ` +
                `saved ${arrow(r.before.savingPercent, r.after.savingPercent, (v) => `${v} %`)})`,
            "",
        );
        lines.push(
            "| subnet | role | cidr | allocatable | needed at peak | headroom | pools |",
            "|---|---|---|--:|--:|--:|---|",
        );
        for (const s of a.subnets) {
            const role = (s.after ?? s.before)!.role;
            const mark = s.status === "added" ? " (new)" : s.status === "removed" ? " (removed)" : "";
            const label = `${cell(s.name)}${mark}`;
            const roleText = role === "nodes" ? "nodes (routable)" : role === "pods" ? "pods (private)" : cell(role);
            lines.push(
                `| ${label} | ${roleText} | ${cell(arrow(s.before?.cidr, s.after?.cidr))} | ` +
                    `${arrow(s.before?.allocatable, s.after?.allocatable)} | ` +
                    `${arrow(s.before?.needed, s.after?.needed)} | ` +
                    `${arrow(s.before, s.after, headroomText)} | ` +
                    `${cell(arrow(s.before?.pools, s.after?.pools, (p) => p.join(", ")))} |`,
            );
        }
        lines.push(
            "",
            "| pool | mode | nodes | peak nodes | maxPods | pod IPs / node | pod IPs needed | pod subnet |",
            "|---|---|--:|--:|--:|--:|--:|---|",
        );
        for (const p of a.pools) {
            const f = <K extends keyof PoolFigures>(k: K) => cell(arrow(p.before?.[k], p.after?.[k]));
            const mark = p.status === "added" ? " (new)" : p.status === "removed" ? " (removed)" : "";
            const label = `${cell(p.name)}${mark}`;
            lines.push(
                `| ${label} | ${f("mode")} | ${f("nodes")} | ${f("peakNodes")} | ${f("maxPods")} | ` +
                    `${f("podIPsPerNode")} | ${f("podIPsNeeded")} | ${f("podSubnet")} |`,
            );
        }
        lines.push("");
    }
    for (const w of a.warnings) lines.push(`> ⚠ **Headroom below ${a.headroomWarningPercent} %** — ${w.message}.`, "");
    if (diff.otherAddressPlanChanges.length) {
        lines.push("Other address-plan changes (stack outputs):", "");
        for (const p of diff.otherAddressPlanChanges) lines.push(...propertyLines(p, ""));
        lines.push("");
    }

    // NAT
    const n = diff.nat;
    lines.push("### NAT (ip-masq-agent-v2 on every node)", "");
    if (!n.changed) lines.push("Unchanged: every destination leaves with the same source address as before.", "");
    else {
        const ag = n.agent;
        if (ag.before.enabled && !ag.after.enabled) {
            lines.push(
                "**The agent is turned off**: its ConfigMap and DaemonSet are deleted. " +
                    `Deleting them does not remove the rules it wrote: chain ${code(ag.before.chain ?? "?")} ` +
                    "stays on every existing node until the node is reimaged or the clean-up DaemonSet removes it " +
                    '(`ipMasqAgent.cleanup: true`; docs/operations.md, "Removing the agent"). ' +
                    "New nodes get no rules: their pods reach the connected networks with their own IP, " +
                    "which gets no reply unless a firewall or appliance NATs it.",
                "",
            );
        } else if (!ag.before.enabled && ag.after.enabled) {
            lines.push(
                "**The agent is turned on**: the ConfigMap and the DaemonSet are created; " +
                    "every Linux node masquerades from its first resync.",
                "",
            );
        }
        if (!ag.before.cleanup && ag.after.cleanup)
            lines.push(
                "**The clean-up DaemonSet appears**: " +
                    "on every node it deletes the agent's POSTROUTING jump and chain, then idles. " +
                    "Check its logs, then set `ipMasqAgent.cleanup: false` to remove it.",
                "",
            );
        if (ag.before.cleanup && !ag.after.cleanup) lines.push("The clean-up DaemonSet is removed.", "");
        if (n.moves.length) {
            lines.push("| destinations | before | after | on the wire |", "|---|---|---|---|");
            for (const m of n.moves) {
                const where = m.rest
                    ? "every other destination (the internet, ...)"
                    : describeCidrs(m.cidrs, [...n.connected.before, ...n.connected.after]);
                const wire = !m.onTheWire
                    ? "no change: the node IP either way (the agent masquerades everything outside its list)"
                    : m.after === "pod IP (no agent)"
                      ? "**changes** on every node without the agent's rules: " +
                        "new nodes at once, existing ones once reimaged or cleaned up"
                      : m.after.startsWith("pod")
                        ? "**changes**: pods now keep their own IP"
                        : "**changes**: pods now appear as the node IP";
                lines.push(`| ${cell(where)} | ${CLASS_TEXT[m.before]} | ${CLASS_TEXT[m.after]} | ${wire} |`);
            }
            lines.push("");
        }
        if (!deepEqual(n.connected.before, n.connected.after)) {
            lines.push(
                "Connected networks (`connectedCidrs`: pods appear as the node IP): " +
                    `${code(n.connected.before.join(", ") || "none")} → ` +
                    `${code(n.connected.after.join(", ") || "none")}`,
                "",
            );
        }
        if (!deepEqual(n.extra.before, n.extra.after)) {
            lines.push(
                "Extra non-masquerade ranges (`extraNonMasqueradeCidrs`: pods keep their IP): " +
                    `${code(n.extra.before.join(", ") || "none")} → ${code(n.extra.after.join(", ") || "none")}`,
                "",
            );
        }
        const cm = n.configMap;
        if (cm.changed && cm.before && cm.after) {
            const delta = [...cm.added.map((x) => `+ ${code(x)}`), ...cm.removed.map((x) => `− ${code(x)}`)].join(", ");
            const resync = ag.after.resyncSeconds;
            lines.push(
                `ConfigMap ${code(cm.name ?? "?")} \`nonMasqueradeCIDRs\`: ` +
                    `${code(cm.before.join(", "))} → ${code(cm.after.join(", "))} (${delta}). ` +
                    `Every node picks this up at its next resync (every ${resync ?? "?"} s, ` +
                    "plus up to ~90 s for the kubelet to refresh the mounted ConfigMap); no pod restarts.",
                "",
            );
        } else if (cm.before && cm.after) {
            lines.push(
                `ConfigMap ${code(cm.name ?? "?")} unchanged: ` +
                    `\`nonMasqueradeCIDRs\` stays ${code(cm.after.join(", "))} ` +
                    "(connected networks are not in it: the agent masquerades everything outside the list).",
                "",
            );
        }
    }

    // Order
    const o = diff.order;
    lines.push("### Order", "");
    if (refused.length)
        lines.push(
            "The preview refuses this change once the stack is deployed (above); " +
                "were it accepted, `pulumi up` would apply it in this order.",
            "",
        );
    if (o.steps.length === 0 && o.deletions.length === 0) lines.push("Nothing to create, replace, update or delete.");
    else {
        if (o.steps.length) {
            lines.push(
                "`pulumi up` applies the changes in waves " +
                    "(the new plan's creation order, restricted to what changes; " +
                    "a wave starts when the earlier ones are done):",
                "",
            );
            for (const s of o.steps) {
                const action =
                    s.action === "replace" && s.type === AGENT_POOL ? "replace (delete, then create)" : s.action;
                lines.push(
                    `- wave ${s.wave}: ${code(s.name)} (${shortType(s.type)}) — ${action}` +
                        `${s.after.length ? `, after ${s.after.map(code).join(", ")}` : ""}`,
                );
            }
            lines.push("");
        }
        if (o.deletions.length)
            lines.push(
                "Then deleted (dependents first): " +
                    `${o.deletions.map((d) => `${code(d.name)} (${shortType(d.type)})`).join(", ")}.`,
            );
    }
    return `${lines
        .join("\n")
        .replace(/\n{3,}/g, "\n\n")
        .trimEnd()}\n`;
}

/** The `--json` form of the diff: stable key order, two-space indent, one trailing newline. */
export function renderDiffJson(diff: PlanDiff): string {
    return `${JSON.stringify(diff, null, 2)}\n`;
}

/** A section of resources created or deleted whole: one line each, with what the resource is. */
function summarySection(title: string, changes: readonly ResourceChange[]): string[] {
    if (changes.length === 0) return [];
    const line = (r: ResourceChange) => `- ${code(r.name)} (${shortType(r.type)})${r.summary ? `: ${r.summary}` : ""}`;
    return [title, "", ...changes.map(line), ""];
}
