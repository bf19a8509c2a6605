/** Azure's rules for names the project derives or takes, each with its source (see docs/azure-rules.md). */

/**
 * DNS prefix of a managed cluster: 1–54 letters, digits and hyphens, starting and ending with a letter or digit
 * (hashicorp/terraform-provider-azurerm internal/services/containers/validate/kubernetes.go, KubernetesDNSPrefix).
 */
const DNS_PREFIX = /^[a-zA-Z\d]$|^[a-zA-Z\d][-a-zA-Z\d]{0,52}[a-zA-Z\d]$/;

export function dnsPrefixProblem(prefix: string): string | undefined {
    if (DNS_PREFIX.test(prefix)) return undefined;
    return `the cluster's DNS prefix "${prefix}" (${prefix.length} characters) is not one Azure accepts: 1–54 letters, digits and hyphens, starting and ending with a letter or digit`;
}

/**
 * A custom private DNS zone for a private cluster (private-clusters.md): `privatelink.<region>.azmk8s.io` or
 * `<subzone>.privatelink.<region>.azmk8s.io`, the subzone one label of at most 32 characters, the region the
 * cluster's.
 */
const PRIVATE_DNS_ZONE_ID =
    /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/privateDnsZones\/(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.)?privatelink\.([a-z0-9]+)\.azmk8s\.io$/i;

export function privateDnsZoneProblem(zoneId: string, location: string | undefined): string | undefined {
    const match = PRIVATE_DNS_ZONE_ID.exec(zoneId);
    if (!match) {
        return `expected "system", "none" or the resource ID of a private DNS zone named privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io, got "${zoneId}"`;
    }
    const [, subzone, , region] = match;
    if (subzone !== undefined && subzone.length > 32) return `the subzone "${subzone}" has ${subzone.length} characters; AKS allows at most 32`;
    if (location !== undefined && region.toLowerCase() !== location.toLowerCase()) {
        return `the zone is for region "${region}", the cluster is in "${location}": use privatelink.${location}.azmk8s.io`;
    }
    return undefined;
}

/** The resource ID's parts a role assignment needs. */
export function isPrivateDnsZoneId(value: string): boolean {
    return value !== "system" && value !== "none";
}
