/**
 * The stack program. For now it checks the stack's address plan and exports it; the network, cluster and agent
 * components are wired in by the mission-core work.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "./components/errors";
import { planAddresses } from "./components/planner";

const config = new pulumi.Config();

function plan() {
    try {
        return planAddresses({
            nodeSubnetCidr: config.require("nodeSubnetCidr"),
            podSubnetCidr: config.require("podSubnetCidr"),
            vnetAddressSpace: config.getObject<string[]>("vnetAddressSpace"),
            serviceCidr: config.require("serviceCidr"),
            dnsServiceIP: config.get("dnsServiceIP"),
            connectedCidrs: config.getObject<string[]>("connectedCidrs"),
            extraNonMasqueradeCidrs: config.getObject<string[]>("extraNonMasqueradeCidrs"),
            nodePools: config.requireObject("nodePools"),
        });
    } catch (error) {
        // A user mistake, not a program fault: print the problems without a stack trace.
        if (error instanceof ConfigurationError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

export const addressPlan = plan();
