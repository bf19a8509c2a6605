/**
 * The project's one error style: every problem names the config key (or component arg) it comes from, the values
 * involved and the fix. Problems are collected and raised once, as a single error, never one at a time.
 */

/** One thing wrong with the configuration. */
export interface ConfigProblem {
    /** The config key / component argument at fault, e.g. `nodePools[1].maxPods`. */
    key: string;
    /** What is wrong, with the values involved and what to do instead. */
    message: string;
}

/** Raised when a configuration or an address plan is invalid; carries every problem found. */
export class ConfigurationError extends Error {
    constructor(
        public readonly problems: readonly ConfigProblem[],
        subject = "configuration",
    ) {
        super(formatProblems(problems, subject));
        this.name = "ConfigurationError";
    }
}

/** Renders problems one per line, the way every command and component of this project prints them. */
export function formatProblems(problems: readonly ConfigProblem[], subject = "configuration"): string {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return [`Invalid ${subject} (${count}):`, ...problems.map((p) => `  - ${p.key}: ${p.message}`)].join("\n");
}

/** Collects problems while checking, then throws once. */
export class ProblemList {
    private readonly items: ConfigProblem[] = [];
    private readonly warningItems: ConfigProblem[] = [];

    add(key: string, message: string): void {
        this.items.push({ key, message });
    }

    /**
     * A value the project's dated Azure data does not know (a region, a VM size family, a Kubernetes version newer
     * than the calendar): a problem, or with `allowUnknown` (config `allowUnknownAzureValues`) a warning, so that a new
     * region or size never blocks a user while the data catches up.
     */
    addUnknown(key: string, message: string, allowUnknown: boolean): void {
        const full = `${message}; if Azure has it now, set allowUnknownAzureValues: true to go on with a warning`;
        (allowUnknown ? this.warningItems : this.items).push({ key, message: allowUnknown ? message : full });
    }

    /** Unknown values let through by `allowUnknownAzureValues`. */
    get warnings(): readonly ConfigProblem[] {
        return this.warningItems;
    }

    get problems(): readonly ConfigProblem[] {
        return this.items;
    }

    get isEmpty(): boolean {
        return this.items.length === 0;
    }

    throwIfAny(subject?: string): void {
        if (this.items.length > 0) {
            throw new ConfigurationError(this.items, subject);
        }
    }
}

/** A value as messages quote it: its kind and, for data, its JSON ("the string \"x\"", "a list ([1])"). */
export function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list (${toJson(value)})`;
    if (typeof value === "string") return `the string "${value}"`;
    if (typeof value === "object") return `an object (${toJson(value)})`;
    return `${typeof value} ${String(value)}`;
}

/** JSON for messages; never throws (BigInts and cycles come from JavaScript callers, not from YAML). */
function toJson(value: unknown): string {
    try {
        return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
    } catch {
        return String(value);
    }
}

/**
 * Refuses fields an object of settings does not have: a misspelt field (`maxpods`, `podSubnetCIDR`) would otherwise
 * be ignored and its default used in silence. `known` is a record keyed by the interface's fields, so that the
 * compiler keeps it in step with the interface.
 */
export function checkKnownFields(
    value: unknown,
    known: Record<string, true>,
    key: string,
    what: string,
    problems: ProblemList,
): void {
    // A wrong type is reported elsewhere.
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    const fields = Object.keys(known);
    for (const field of Object.keys(value)) {
        if (Object.hasOwn(known, field)) continue;
        const near = fields.find((k) => k.toLowerCase() === field.toLowerCase());
        problems.add(
            `${key}.${field}`,
            `is not a field of ${what}: ${near ? `did you mean ${near}?` : `use ${fields.join(", ")}`}`,
        );
    }
}
