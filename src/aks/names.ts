/** Azure's rules for names the project derives or takes, each with its source (see docs/azure-rules.md). */
import { describeValue, ProblemList } from "../errors";

/**
 * DNS prefix of a managed cluster: 1–54 letters, digits and hyphens, starting and ending with a letter or digit
 * (hashicorp/terraform-provider-azurerm internal/services/containers/validate/kubernetes.go, KubernetesDNSPrefix).
 */
const DNS_PREFIX = /^[a-zA-Z\d]$|^[a-zA-Z\d][-a-zA-Z\d]{0,52}[a-zA-Z\d]$/;

export function dnsPrefixProblem(prefix: string): string | undefined {
    if (DNS_PREFIX.test(prefix)) return undefined;
    return (
        `the cluster's DNS prefix "${prefix}" (${prefix.length} characters) is not one Azure accepts: ` +
        `1–54 letters, digits and hyphens, starting and ending with a letter or digit`
    );
}

/**
 * A custom private DNS zone for a private cluster (private-clusters.md): `privatelink.<region>.azmk8s.io` or
 * `<subzone>.privatelink.<region>.azmk8s.io`, the subzone one label of at most 32 characters, the region the
 * cluster's.
 */
const PRIVATE_DNS_ZONE_ID = new RegExp(
    String.raw`^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network` +
        String.raw`\/privateDnsZones\/(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.)?privatelink\.([a-z0-9]+)\.azmk8s\.io$`,
    "i",
);

export function privateDnsZoneProblem(zoneId: string, location: string | undefined): string | undefined {
    const match = PRIVATE_DNS_ZONE_ID.exec(zoneId);
    if (!match) {
        return (
            `expected "system", "none" or the resource ID of a private DNS zone named ` +
            `privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io, got "${zoneId}"`
        );
    }
    const [, subzone, , region] = match;
    if (subzone !== undefined && subzone.length > 32)
        return `the subzone "${subzone}" has ${subzone.length} characters; AKS allows at most 32`;
    if (location !== undefined && region.toLowerCase() !== location.toLowerCase()) {
        return (
            `the zone is for region "${region}", the cluster is in "${location}": ` +
            `use privatelink.${location}.azmk8s.io`
        );
    }
    return undefined;
}

/**
 * The node resource group AKS creates, `MC_<resource group>_<cluster>_<location>` by default (faq.yml), is at most 80
 * characters: the service refuses longer with InvalidParameter ("The length of the node resource group name is too
 * long. The maximum length is 80"). With the stack program's names that default passes 80 from a 28-character stack
 * name on. The name can only be chosen at creation, so the default is kept whenever it fits (an existing cluster
 * sees no change) and a shorter `MC_<cluster>_<location>` is set only where AKS would refuse its own.
 */
const MAX_NODE_RESOURCE_GROUP = 80;

export function nodeResourceGroupName(resourceGroup: string, cluster: string, location: string): string | undefined {
    if (`MC_${resourceGroup}_${cluster}_${location}`.length <= MAX_NODE_RESOURCE_GROUP) return undefined;
    const suffix = `_${location}`;
    return `MC_${cluster.slice(0, MAX_NODE_RESOURCE_GROUP - 3 - suffix.length)}${suffix}`;
}

/**
 * Names Azure Resource Manager refuses (ReservedResourceName; azure-resource-manager/troubleshooting/
 * error-reserved-resource-name.md): these words as the whole name, MICROSOFT and WINDOWS anywhere in it, and LOGIN at
 * its start (AKS's InvalidParameter article says XBOX too).
 */
const RESERVED_WHOLE = [
    "ACCESS",
    "APP_CODE",
    "APP_THEMES",
    "APP_DATA",
    "APP_GLOBALRESOURCES",
    "APP_LOCALRESOURCES",
    "APP_WEBREFERENCES",
    "APP_BROWSERS",
    "AZURE",
    "BING",
    "BIZSPARK",
    "BIZTALK",
    "CORTANA",
    "DIRECTX",
    "DOTNET",
    "DYNAMICS",
    "EXCEL",
    "EXCHANGE",
    "FOREFRONT",
    "GROOVE",
    "HOLOLENS",
    "HYPERV",
    "KINECT",
    "LYNC",
    "MSDN",
    "O365",
    "OFFICE",
    "OFFICE365",
    "ONEDRIVE",
    "ONENOTE",
    "OUTLOOK",
    "POWERPOINT",
    "SHAREPOINT",
    "SKYPE",
    "VISIO",
    "VISUALSTUDIO",
    "WEB.CONFIG",
    "XBOX",
];
const RESERVED_ANYWHERE = ["MICROSOFT", "WINDOWS"];
const RESERVED_START = ["LOGIN", "XBOX"];

export function reservedNameProblem(name: string): string | undefined {
    const upper = name.toUpperCase();
    const word =
        RESERVED_WHOLE.find((w) => upper === w) ??
        RESERVED_ANYWHERE.find((w) => upper.includes(w)) ??
        RESERVED_START.find((w) => upper.startsWith(w));
    return word
        ? `"${name}" contains "${word}", a word Azure reserves (ReservedResourceName): choose a name without it`
        : undefined;
}

/** The resource ID's parts a role assignment needs. */
export function isPrivateDnsZoneId(value: string): boolean {
    return value !== "system" && value !== "none";
}

/** Azure tags: names of 1–512 characters, none of < > % & \\ ? /; string values of at most 256. */
export function checkTags(tags: unknown, problems: ProblemList): void {
    if (tags === undefined) return;
    if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
        problems.add("tags", `expected a map such as { costCenter: "1234" }, got ${describeValue(tags)}`);
        return;
    }
    for (const [name, value] of Object.entries(tags)) {
        // Azure: names up to 512 characters without < > % & \ ? /; values up to 256 characters.
        if (name.length === 0 || name.length > 512 || /[<>%&\\?/]/.test(name)) {
            problems.add(`tags.${name}`, "is not a valid Azure tag name: 1–512 characters, none of < > % & \\ ? /");
        } else if (typeof value !== "string" || value.length > 256) {
            problems.add(`tags.${name}`, `expected a string of at most 256 characters, got ${describeValue(value)}`);
        }
    }
    if (Object.keys(tags).length > 49)
        problems.add(
            "tags",
            `holds ${Object.keys(tags).length} tags; Azure allows 50 per resource and the stack adds one`,
        );
}
