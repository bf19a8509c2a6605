/**
 * Azure's public regions and which of them have availability zones, as dated data. Update the lists from the source
 * when Azure opens a region; until then `allowUnknownAzureValues: true` lets a new region through with a warning.
 */
import { ProblemList } from "../errors";

const AZURE_REGIONS = {
    source:
        "MicrosoftDocs/reliability-docs articles/reliability/regions-list.md " +
        "(availability zone support per region)",
    sourceDate: "2026-07-28",
    asOf: "2026-11-30",
    /** Regions with availability zones (three zones: 1, 2, 3). */
    withZones: [
        "australiaeast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "canadacentral",
        "centralindia",
        "centralus",
        "chilecentral",
        "denmarkeast",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "germanywestcentral",
        "indiasouthcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "koreacentral",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southcentralus",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "uaenorth",
        "uksouth",
        "westeurope",
        "westus2",
        "westus3",
    ],
    /** Regions without availability zones (some open to selected customers only). */
    withoutZones: [
        "australiacentral",
        "australiacentral2",
        "australiasoutheast",
        "brazilsoutheast",
        "canadaeast",
        "francesouth",
        "germanynorth",
        "koreasouth",
        "northcentralus",
        "norwaywest",
        "southafricawest",
        "southindia",
        "switzerlandwest",
        "uaecentral",
        "ukwest",
        "westcentralus",
        "westindia",
        "westus",
    ],
} as const;

/** Pools that ask for zones, by config key. */
export interface ZonalPool {
    key: string;
    zones: readonly string[];
}

/**
 * A region the data does not know (LocationNotAvailableForResourceGroup, usually a misspelling) is an unknown value;
 * zones in a region without them are refused (AvailabilityZoneNotSupported).
 */
export function checkLocation(
    location: string,
    zonalPools: readonly ZonalPool[],
    key: string,
    problems: ProblemList,
    allowUnknown: boolean,
): void {
    const zonal = (AZURE_REGIONS.withZones as readonly string[]).includes(location);
    if (!zonal && !(AZURE_REGIONS.withoutZones as readonly string[]).includes(location)) {
        const near = [...AZURE_REGIONS.withZones, ...AZURE_REGIONS.withoutZones].filter(
            (r) => editDistance(r, location) <= 2,
        );
        problems.addUnknown(
            key,
            `"${location}" is not an Azure region known to this version of the data (as of ${AZURE_REGIONS.asOf})` +
                (near.length
                    ? `: did you mean ${near.join(" or ")}?`
                    : ": check the name (az account list-locations -o table)"),
            allowUnknown,
        );
        return;
    }
    if (zonal) return;
    for (const pool of zonalPools.filter((p) => p.zones.length > 0)) {
        problems.add(
            pool.key,
            `${location} has no availability zones (${AZURE_REGIONS.source}), ` +
                `so zones ${pool.zones.join(", ")} cannot be used there (AvailabilityZoneNotSupported): ` +
                `remove availabilityZones or pick a region with zones`,
        );
    }
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}
