/**
 * The SDK's own cost per resource, for comparison with the fleet: BARE_COUNT plain azure-native Subnets (no
 * components, no planner, no dependencies) registered under the same mock runtime.
 */
import * as network from "@pulumi/azure-native/network";
import { runProgram } from "../../src/plan/runProgram";

const count = Number(process.env.BARE_COUNT ?? "350");
runProgram({
    stack: "bare",
    config: {},
    stackTraces: false,
    program: () => {
        for (let i = 0; i < count; i++)
            new network.Subnet(`subnet-${i}`, {
                resourceGroupName: "rg",
                virtualNetworkName: "vnet",
                addressPrefix: "10.0.0.0/24",
            });
        return {};
    },
}).then(
    (run) => console.log(`${run.resources.length} resources`),
    (error) => {
        console.error(error);
        process.exit(1);
    },
);
