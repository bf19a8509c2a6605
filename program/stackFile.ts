/**
 * This repository's stack files: src/plan/stackFile.ts reads them as the Pulumi CLI hands them to a program (and as
 * the offline plan reads any project's); here, a file's problems are joined by this program's own checks
 * (readStackConfig) without running it, so that the tests and the lab see every problem in one error.
 */
import * as path from "path";
import { ConfigProblem, ConfigurationError } from "../src";
import { RawConfig, readStackFile, stackFileError } from "../src/plan";

export { encodeConfigValue, RawConfig, readProjectConfigDeclarations, stackFile, stackNameOf } from "../src/plan";

/** This project's name (Pulumi.yaml `name`): the namespace of its config keys. */
export const PROJECT = "aks-pod-subnet";

/**
 * Project defaults + the given stack settings file, fully qualified ("aks-pod-subnet:nodeSubnetCidr"). A file with
 * problems raises one ConfigurationError listing them (the file's first) with the program's own problems of the rest.
 */
export function readConfigFile(file: string, projectDir = path.dirname(file)): RawConfig {
    const reading = readStackFile(file, projectDir);
    if (reading.problems.length === 0) return reading.config;
    // Required here, not at the top: the program's checks import the components, which the file reader does not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readStackConfig } = require("./config") as typeof import("./config");
    let own: readonly ConfigProblem[] = [];
    try {
        readStackConfig((key) => reading.config[key.includes(":") ? key : `${reading.project}:${key}`], reading.stack);
    } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        own = error.problems;
    }
    throw stackFileError(reading, own);
}
