/**
 * Hub connectivity: the spoke VNet peered with a hub (hub-and-spoke, the hub holding the ExpressRoute or VPN gateway
 * to on-prem). The planner checks the addresses (peeringOverlaps); this checks the rest.
 */
import { checkKnownFields, describeValue, ProblemList } from "../errors";
import { HubSettings } from "../planner/types";

export { HubSettings };

const HUB_FIELDS: Record<keyof HubSettings, true> = {
    vnetId: true,
    addressSpace: true,
    spokeAddressSpaces: true,
    useRemoteGateways: true,
    peerBack: true,
};

const VNET_ID = new RegExp(
    String.raw`^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w.()]{1,90})` +
        String.raw`\/providers\/Microsoft\.Network\/virtualNetworks\/([-\w.]{2,64})$`,
    "i",
);

/** The parts of a VNet resource ID, or undefined when it is not one. */
export function parseVnetId(
    id: string,
): { subscriptionId: string; resourceGroupName: string; name: string } | undefined {
    const match = VNET_ID.exec(id);
    return match ? { subscriptionId: match[1], resourceGroupName: match[2], name: match[3] } : undefined;
}

/** Checks the hub's non-address fields (the planner checks `addressSpace` and `spokeAddressSpaces`). */
export function checkHub(hub: unknown, problems: ProblemList): void {
    // The planner reports a wrong type.
    if (hub === undefined || hub === null || typeof hub !== "object" || Array.isArray(hub)) return;
    const settings = hub as Record<string, unknown>;
    checkKnownFields(settings, HUB_FIELDS, "hub", "hub", problems);
    if (typeof settings.vnetId !== "string" || !parseVnetId(settings.vnetId)) {
        problems.add(
            "hub.vnetId",
            `expected the hub VNet's resource ID, ` +
                `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>, ` +
                `got ${describeValue(settings.vnetId)}`,
        );
    }
    for (const field of ["useRemoteGateways", "peerBack"] as const) {
        if (settings[field] !== undefined && typeof settings[field] !== "boolean")
            problems.add(`hub.${field}`, `expected true or false, got ${describeValue(settings[field])}`);
    }
}
