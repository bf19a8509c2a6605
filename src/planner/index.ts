/** The address planner: pure functions from plain config values to a checked address plan. */
export { planAddresses, planInto } from "./plan";
export * from "./types";
export {
    podIPsPerNode,
    surgeNodes,
    allocatablePodIPs,
    smallestPodSubnetPrefix,
    smallestNodeSubnetPrefix,
} from "./capacity";
export { parseCidr, mergeToCidrs } from "./cidr";
