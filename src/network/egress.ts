/**
 * How nodes reach the internet, and the checks on it. Pod traffic to the internet is already NAT'd to the node IP
 * by ip-masq-agent-v2; the outbound type decides what happens next:
 * - `loadBalancer`: AKS's standard load balancer SNATs it (the default);
 * - `userAssignedNATGateway`: a NAT gateway with its own public IP, on the subnets (created by Network);
 * - `userDefinedRouting`: a route table sends 0.0.0.0/0 to a firewall or network appliance (created by Network).
 */
import { ProblemList } from "../errors";
import { describeValue } from "../errors";
import { AddressRange, cidr, containsAddress, ipToLong, isIPv4Address } from "../planner/cidr";
import { AddressPlan } from "../planner/types";

export const OUTBOUND_TYPES = ["loadBalancer", "userAssignedNATGateway", "userDefinedRouting"] as const;
export type OutboundType = (typeof OUTBOUND_TYPES)[number];

export interface EgressSettings {
    /** How nodes reach the internet. Default: `loadBalancer`. */
    outboundType?: OutboundType;
    /** With `userDefinedRouting`: private IP of the firewall or appliance that 0.0.0.0/0 is routed to. */
    egressNextHopIp?: string;
    /**
     * Idle timeout of the NAT gateway, 4–120 minutes; `userAssignedNATGateway` only (refused with the others). Default:
     * 4.
     */
    natGatewayIdleTimeoutMinutes?: number;
}

const UNSUPPORTED: Record<string, string> = {
    managedNATGateway:
        "works only with AKS-managed VNets, and this project brings its own VNet: use userAssignedNATGateway",
    none:
        "leaves nodes without internet egress, which AKS needs for images and updates " +
        "unless you run a private registry and mirrors: use userDefinedRouting to send egress to your own appliance",
};

/** Checks the egress settings against the address plan (the next hop must be reachable from the VNet). */
export function checkEgress(settings: EgressSettings, plan: AddressPlan | undefined, problems: ProblemList): void {
    const type = settings.outboundType ?? "loadBalancer";
    if (!OUTBOUND_TYPES.includes(type)) {
        const why = typeof type === "string" ? UNSUPPORTED[type] : undefined;
        problems.add(
            "outboundType",
            why ? `"${type}" ${why}` : `expected one of ${OUTBOUND_TYPES.join(", ")}, got ${describeValue(type)}`,
        );
        return;
    }
    const hop = settings.egressNextHopIp;
    if (type !== "userDefinedRouting") {
        if (hop !== undefined)
            problems.add(
                "egressNextHopIp",
                `is only used with outboundType userDefinedRouting (outboundType is ${type}): remove it`,
            );
    } else if (hop === undefined) {
        problems.add(
            "egressNextHopIp",
            "is required with outboundType userDefinedRouting: " +
                "the private IP of the firewall or appliance that routes to the internet",
        );
    } else if (typeof hop !== "string" || !isIPv4Address(hop)) {
        problems.add("egressNextHopIp", `expected an IPv4 address such as "10.0.1.4", got ${describeValue(hop)}`);
    } else if (plan) {
        const address = ipToLong(hop);
        const inside = (ranges: string[]) => ranges.find((range) => containsAddress(cidr(range), address));
        const podSubnet = inside(plan.podSubnets.map((s) => s.cidr));
        const virtualNodes = plan.virtualNodeSubnet && inside([plan.virtualNodeSubnet.cidr]);
        // virtual-networks-faq.md: Azure keeps the first four and the last address of every subnet; nothing there
        // forwards traffic, so nodes would fail their outbound check (OutboundConnFailVMExtensionError, exit 50).
        const reservedIn = inside([plan.nodeSubnet.cidr]) && isReservedAddress(cidr(plan.nodeSubnet.cidr), address);
        if (podSubnet) {
            problems.add(
                "egressNextHopIp",
                `${hop} lies in pod subnet ${podSubnet}, which holds only pods: ` +
                    `put the appliance in a hub network or a subnet of its own`,
            );
        } else if (virtualNodes) {
            problems.add(
                "egressNextHopIp",
                `${hop} lies in the virtual nodes' subnet ${virtualNodes}, delegated to Azure Container Instances, ` +
                    `where no appliance can run: put the appliance in a hub network or a subnet of its own`,
            );
        } else if (reservedIn) {
            problems.add(
                "egressNextHopIp",
                `${hop} is one of the 5 addresses Azure keeps in node subnet ${plan.nodeSubnet.cidr} ` +
                    `(the first four and the last), where nothing forwards traffic: ` +
                    `nodes could not reach the internet (OutboundConnFailVMExtensionError); ` +
                    `use the appliance's own private IP`,
            );
        } else if (!inside(plan.vnetAddressSpace) && !inside(plan.connectedCidrs)) {
            problems.add(
                "egressNextHopIp",
                `${hop} is neither in the VNet (${plan.vnetAddressSpace.join(", ")}) nor in a connected network ` +
                    `(${plan.connectedCidrs.join(", ") || "none declared"}): nodes could not reach it; ` +
                    `add its network to connectedCidrs`,
            );
        }
    }
    const timeout = settings.natGatewayIdleTimeoutMinutes;
    if (timeout !== undefined && type !== "userAssignedNATGateway") {
        problems.add(
            "natGatewayIdleTimeoutMinutes",
            `is only used with outboundType userAssignedNATGateway (outboundType is ${type}): remove it`,
        );
    } else if (
        timeout !== undefined &&
        (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 4 || timeout > 120)
    ) {
        problems.add(
            "natGatewayIdleTimeoutMinutes",
            `expected whole minutes from 4 to 120, got ${describeValue(timeout)}`,
        );
    }
}

/** One of the 5 addresses Azure keeps in a subnet: the first four and the last. */
function isReservedAddress(subnet: AddressRange, address: number): boolean {
    return address - subnet.first < 4 || address === subnet.last;
}
