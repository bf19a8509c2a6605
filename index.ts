/**
 * The stack program: reads the stack's configuration, checks all of it (address plan included) before any
 * resource exists, then builds resource group → Network → Cluster → IpMasqAgent.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "./src";
import { readStackConfig, StackSettings } from "./program/config";
import { createStack } from "./program/stack";

function settings(): StackSettings {
    const project = new pulumi.Config();
    const get = (key: string) => {
        const [namespace, name] = key.includes(":") ? key.split(":") : [undefined, key];
        return namespace ? new pulumi.Config(namespace).get(name) : project.get(name);
    };
    try {
        return readStackConfig(get, pulumi.getStack());
    } catch (error) {
        // A user mistake, not a program fault: every problem, no stack trace.
        if (error instanceof ConfigurationError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

// Values the dated Azure data does not know, let through by allowUnknownAzureValues, are warned by the components.
const stack = createStack(settings());

export const clusterName = stack.clusterName;
export const clusterId = stack.clusterId;
export const vnetId = stack.vnetId;
export const nodeSubnetId = stack.nodeSubnetId;
export const podSubnetIds = stack.podSubnetIds;
export const kubeconfig = stack.kubeconfig;
export const nonMasqueradeCIDRs = stack.nonMasqueradeCIDRs;
export const capacity = stack.capacity;
export const addressPlan = stack.addressPlan;
/** Read back by the next preview: the inline System pool's settings AKS cannot change in place. */
export const inlineSystemPool = stack.inlineSystemPool;
