/**
 * `aks-pod-subnet/plan`: the offline plan as a library, for a platform team's own tests and tools. Runs a Pulumi
 * program under the mocks the `aks-pod-subnet-plan` command uses, and reads stack settings files the way the Pulumi
 * CLI hands them to a program.
 */
export { runProgram, ProgramRun, PlannedResource } from "./runProgram";
export {
    encodeConfigValue,
    RawConfig,
    readProjectConfigDeclarations,
    readStackFile,
    stackFile,
    stackFileError,
    StackFileReading,
    stackNameOf,
} from "./stackFile";
