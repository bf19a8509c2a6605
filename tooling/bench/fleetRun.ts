/** Runs bench/fleet under the mock runtime (FLEET_SIZE clusters) and prints how many resources it planned. */
import * as path from "path";
import { runProgram } from "../../src/plan/runProgram";

runProgram({ stack: "fleet", config: {}, program: path.join(__dirname, "fleet"), stackTraces: false }).then(
    (run) => console.log(`${run.resources.length} resources`),
    (error) => {
        console.error(error);
        process.exit(1);
    },
);
