/**
 * The AKS Kubernetes version calendar as dated data, and the check that refuses at preview a version AKS will not
 * create a cluster on. The calendar moves every few months: update the table (see docs/azure-rules.md, "Updating the
 * Kubernetes version calendar"), never the code.
 */
import { describeValue, ProblemList } from "../errors";

/** One minor version in AKS's release calendar. Months are `YYYY-MM`; a full date `YYYY-MM-DD` where AKS gives one. */
export interface KubernetesRelease {
    minor: string;
    /** AKS preview: from this month the version can be chosen for a new cluster. */
    preview: string;
    /** AKS general availability. */
    ga: string;
    /**
     * Community support ends: "Unless an explicit date is provided, the End of Life (EOL) date is the last day of the
     * specified month." After it the version is in platform support (or LTS), where "the creation of new clusters
     * isn't possible".
     */
    endOfLife: string;
    /** Long-term support end (Premium tier with the AKSLongTermSupport plan only; this project does not set it). */
    ltsEnd: string;
}

export const KUBERNETES_CALENDAR = {
    /** Where the table comes from. */
    source:
        "MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md " +
        "(AKS Kubernetes release calendar, LTS table)",
    /** The version of that page the table was copied from (its last commit), and the day it was checked. */
    sourceDate: "2026-08-05",
    asOf: "2026-11-30",
    releases: [
        { minor: "1.29", preview: "2024-02", ga: "2024-03", endOfLife: "2025-03", ltsEnd: "2026-04" },
        { minor: "1.30", preview: "2024-06", ga: "2024-07", endOfLife: "2025-08-22", ltsEnd: "2026-07" },
        { minor: "1.31", preview: "2024-10", ga: "2024-11", endOfLife: "2025-11-01", ltsEnd: "2026-11" },
        { minor: "1.32", preview: "2025-02", ga: "2025-04", endOfLife: "2026-03", ltsEnd: "2027-03" },
        { minor: "1.33", preview: "2025-05", ga: "2025-06", endOfLife: "2026-07", ltsEnd: "2027-07" },
        { minor: "1.34", preview: "2025-10", ga: "2025-11", endOfLife: "2026-11", ltsEnd: "2027-11" },
        { minor: "1.35", preview: "2026-02", ga: "2026-03", endOfLife: "2027-03", ltsEnd: "2028-03" },
        { minor: "1.36", preview: "2026-05", ga: "2026-06", endOfLife: "2027-06", ltsEnd: "2028-06" },
        { minor: "1.37", preview: "2026-09", ga: "2026-10", endOfLife: "2027-10", ltsEnd: "2028-10" },
    ] as readonly KubernetesRelease[],
    /**
     * Features with a minimum version. StaticBlock: configure-azure-cni-static-block-allocation.md (Limitations:
     * "Minimum Kubernetes Version required is 1.28").
     */
    minimumFor: { staticBlock: "1.28" },
} as const;

/** Environment variable that sets the day versions are checked for (YYYY-MM-DD); default: today. */
export const CHECK_DATE_VARIABLE = "AKS_POD_SUBNET_CHECK_DATE";

/**
 * The day the calendar is checked for: `AKS_POD_SUBNET_CHECK_DATE` or today. Tests pin it to the calendar's `asOf`,
 * so a table that has aged does not fail CI by itself; `pulumi up` and the offline plan check against today.
 */
export function versionCheckDate(env: NodeJS.ProcessEnv = process.env): Date {
    const pinned = env[CHECK_DATE_VARIABLE];
    if (pinned && /^\d{4}-\d{2}-\d{2}$/.test(pinned) && !Number.isNaN(Date.parse(pinned)))
        return new Date(`${pinned}T00:00:00Z`);
    return new Date();
}

/** A parsed `major.minor[.patch]` version. */
export interface KubernetesVersion {
    major: number;
    minor: number;
    patch?: number;
    /** `major.minor`. */
    minorText: string;
}

const VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

export function parseKubernetesVersion(value: unknown): KubernetesVersion | undefined {
    const match = typeof value === "string" ? VERSION.exec(value) : null;
    if (!match) return undefined;
    const [major, minor] = [Number(match[1]), Number(match[2])];
    return {
        major,
        minor,
        patch: match[3] === undefined ? undefined : Number(match[3]),
        minorText: `${major}.${minor}`,
    };
}

/** a < b, comparing major then minor. */
export function olderThan(
    a: Pick<KubernetesVersion, "major" | "minor">,
    b: Pick<KubernetesVersion, "major" | "minor">,
): boolean {
    return a.major < b.major || (a.major === b.major && a.minor < b.minor);
}

/** First day (UTC) of a `YYYY-MM` month or the given day. */
function startOf(when: string): Date {
    return new Date(when.length === 7 ? `${when}-01T00:00:00Z` : `${when}T00:00:00Z`);
}

/** Last moment (UTC) of a `YYYY-MM` month ("the last day of the specified month") or of the given day. */
function endOf(when: string): Date {
    if (when.length !== 7) return new Date(`${when}T23:59:59.999Z`);
    const [year, month] = when.split("-").map(Number);
    return new Date(Date.UTC(year, month, 1) - 1);
}

/** Minor versions AKS creates new clusters on at `date`: from AKS preview to end of community support. */
export function creatableVersions(date: Date): string[] {
    return KUBERNETES_CALENDAR.releases
        .filter((r) => startOf(r.preview) <= date && date <= endOf(r.endOfLife))
        .map((r) => r.minor);
}

/**
 * Refuses a version AKS will not create a new cluster on at `date`: past end of life (platform support or LTS, where
 * "the creation of new clusters isn't possible" without the Premium tier's LTS plan), not yet in preview, or
 * unknown to the calendar. Empty means "AKS's default", which AKS always creates.
 */
export function checkKubernetesVersion(
    value: unknown,
    key: string,
    date: Date,
    problems: ProblemList,
    allowUnknown = false,
): void {
    if (value === undefined || value === null || value === "") return;
    const version = parseKubernetesVersion(value);
    if (!version) {
        problems.add(key, `expected a version such as "1.36" or "1.36.2", got ${describeValue(value)}`);
        return;
    }
    const { releases, source, asOf } = KUBERNETES_CALENDAR;
    const day = date.toISOString().slice(0, 10);
    const creatable = creatableVersions(date);
    const offer = creatable.length
        ? `AKS creates clusters on ${creatable.join(", ")}`
        : `the calendar (as of ${asOf}) lists no version AKS still creates on ${day}; update it`;
    const release = releases.find((r) => r.minor === version.minorText);
    if (!release) {
        const newest = releases[releases.length - 1];
        if (olderThan(parseKubernetesVersion(newest.minor)!, version)) {
            // A version the calendar does not know yet: AKS may offer it (az aks get-versions --location <region>).
            problems.addUnknown(
                key,
                `${version.minorText} is newer than ${newest.minor}, the newest in AKS's calendar as of ${asOf} ` +
                    `(${source}), so it is not known to this version of the data; update the calendar`,
                allowUnknown,
            );
            return;
        }
        const why = olderThan(version, parseKubernetesVersion(releases[0].minor)!)
            ? "is older than every version AKS still lists"
            : "is not in AKS's calendar";
        problems.add(key, `${version.minorText} ${why}: ${offer} on ${day}`);
    } else if (date > endOf(release.endOfLife)) {
        problems.add(
            key,
            `${value} reached end of life on ${endOf(release.endOfLife).toISOString().slice(0, 10)}: ` +
                `AKS creates no new cluster on it (platform support and LTS, the latter only with the Premium tier, ` +
                `do not allow it); ${offer} on ${day}`,
        );
    } else if (date < startOf(release.preview)) {
        problems.add(
            key,
            `${value} is not available in AKS before its preview in ${release.preview}: ${offer} on ${day}`,
        );
    }
}
