/** Turns the project's ConfigurationError into a ResourceError on the component, without a stack trace. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "./errors";

/** Runs `check` (plain-value validation) and re-raises a ConfigurationError against `component`. */
export function validateFor<T>(component: pulumi.Resource, check: () => T): T {
    try {
        return check();
    } catch (error) {
        if (error instanceof ConfigurationError) {
            throw new pulumi.ResourceError(error.message, component, /* hideStack */ true);
        }
        throw error;
    }
}
