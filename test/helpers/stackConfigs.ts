/**
 * Random valid stack configurations for the real program (fast-check): an address plan that fits by construction
 * (node subnet, shared and pool-owned pod subnets, service range, VNet, connected and extra ranges, virtual nodes)
 * and every other setting the program reads (egress, access, upgrades, pools' VM settings, tags, protection), in
 * the combinations the program accepts. Used where every resource of a random valid stack must hold a property.
 */
import * as path from "path";
import fc from "fast-check";
import {
    encodeConfigValue,
    PROJECT,
    RawConfig,
    readConfigFile,
    readProjectConfigDeclarations,
} from "../../program/stackFile";

const ROOT = path.join(__dirname, "..", "..");

/**
 * Kubernetes versions the program accepts: the shipped stacks' own (the program refuses versions past end of life,
 * so a fixed list here would age; the shipped stacks are kept valid).
 */
const KUBERNETES_VERSIONS = [
    ...new Set(
        ["dev", "prod"]
            .map((stack) => readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`))[`${PROJECT}:kubernetesVersion`])
            .filter((v) => v),
    ),
];

export interface GeneratedStack {
    stack: string;
    /** Config key (project keys unqualified, others as `namespace:key`) → YAML value, as a stack file would hold it. */
    values: Record<string, unknown>;
}

/** The config the Pulumi CLI would hand the program: Pulumi.yaml's declared defaults overlaid with `values`. */
export function toRawConfig(values: Record<string, unknown>): RawConfig {
    const config: RawConfig = {};
    for (const [key, declaration] of Object.entries(readProjectConfigDeclarations(ROOT))) {
        if (declaration && typeof declaration === "object" && "default" in declaration)
            config[`${PROJECT}:${key}`] = encodeConfigValue(declaration.default);
    }
    for (const [key, value] of Object.entries(values)) {
        if (value !== undefined) config[key.includes(":") ? key : `${PROJECT}:${key}`] = encodeConfigValue(value);
    }
    return config;
}

const GUIDS = [
    "6b4a2f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
];
const POOL_NAMES = ["system", "apps", "batch", "gpu", "spot1", "linux"];
const SERVICE_CIDRS = ["100.96.0.0/16", "172.20.0.0/16", "198.18.0.0/16", "100.100.0.0/20"];
const CONNECTED = ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/14"];

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const poolArb = fc.record({
    sizing: fc.oneof(
        fc.record({ count: fc.integer({ min: 1, max: 6 }) }),
        fc.integer({ min: 0, max: 3 }).chain((minCount) =>
            fc.record({
                minCount: fc.constant(minCount),
                maxCount: fc.integer({ min: Math.max(1, minCount), max: 10 }),
            }),
        ),
    ),
    mode: optional(fc.constantFrom("User", "System")),
    // 30 or more: AKS refuses a pool with room for fewer than 30 pods (maxPods × initial nodes), and 30 keeps every
    // sizing valid. The contract puts no range on maxPods; the planner's 10–250 is tested elsewhere.
    maxPods: optional(fc.integer({ min: 30, max: 250 })),
    maxSurge: optional(fc.constantFrom<string | number>("1", "2", "33%", "10%", 1)),
    podIPAllocationMode: optional(fc.constantFrom("DynamicIndividual", "StaticBlock")),
    ownPodSubnet: fc.boolean(),
    vmSize: optional(fc.constantFrom("Standard_D4s_v5", "Standard_D8s_v5", "Standard_F8s_v2", "Standard_NC6s_v3")),
    osSku: optional(fc.constantFrom("AzureLinux", "Ubuntu")),
    availabilityZones: optional(fc.subarray(["1", "2", "3"], { minLength: 1 })),
    nodeLabels: optional(fc.constantFrom({ workload: "batch" }, { "example.com/team": "platform", tier: "gold" })),
    // User pools take any taint; System pools only CriticalAddonsOnly or the PreferNoSchedule effect (AKS's rule).
    nodeTaints: optional(
        fc.constantFrom(["workload=batch:NoSchedule"], ["gpu=true:NoExecute", "spot=true:PreferNoSchedule"]),
    ),
    systemTaints: optional(fc.constantFrom(["CriticalAddonsOnly=true:NoSchedule"], ["spot=true:PreferNoSchedule"])),
});

/** A random valid stack: the program accepts it and builds every resource it implies. */
export const validStackArb: fc.Arbitrary<GeneratedStack> = fc
    .record({
        stack: fc.constantFrom("dev", "test", "stage-2", "prod-eu", "x"),
        location: fc.constantFrom("westeurope", "eastus2", "swedencentral"),
        octet: fc.integer({ min: 1, max: 200 }),
        nodePrefix: fc.integer({ min: 22, max: 25 }),
        podPrefix: fc.integer({ min: 15, max: 17 }),
        // Azure serves one pod IP allocation mode per subnet: the pools on the shared pod subnet agree on it.
        sharedMode: optional(fc.constantFrom("DynamicIndividual", "StaticBlock")),
        explicitVnet: fc.boolean(),
        service: fc.constantFrom(...SERVICE_CIDRS),
        dnsServiceIP: fc.boolean(),
        connected: fc.subarray(CONNECTED),
        extra: fc.subarray(["10.250.0.0/24", "203.0.113.0/24"]),
        virtualNodes: fc.boolean(),
        pools: fc.array(poolArb, { minLength: 1, maxLength: 4 }),
        names: fc.shuffledSubarray(POOL_NAMES, { minLength: 4, maxLength: 4 }),
        kubernetesVersion: optional(fc.constantFrom(...KUBERNETES_VERSIONS)),
        // Unset is Pulumi.yaml's default "none"; not optional, so that maintenance windows come up often.
        autoUpgradeChannel: fc.constantFrom("none", "patch", "stable", "rapid", "node-image"),
        maintenanceWindow: optional(
            fc.record({
                dayOfWeek: fc.constantFrom("Monday", "Wednesday", "Saturday", "Sunday"),
                startTime: fc
                    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30))
                    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
                durationHours: fc.integer({ min: 4, max: 24 }),
                utcOffset: optional(fc.constantFrom("+01:00", "-05:00", "+05:30", "+00:00")),
            }),
        ),
        outboundType: fc.constantFrom(undefined, "loadBalancer", "userAssignedNATGateway", "userDefinedRouting"),
        natGatewayIdleTimeoutMinutes: optional(fc.integer({ min: 4, max: 120 })),
        networkPolicy: optional(fc.constantFrom("none", "azure", "calico")),
        privateCluster: optional(fc.boolean()),
        privateDnsZone: optional(fc.constantFrom("system", "none", "own")),
        // Public address space only: the API server is reached over the internet.
        authorizedIpRanges: optional(fc.subarray(["20.50.0.0/16", "52.174.10.7/32"], { minLength: 1 })),
        entraId: optional(fc.boolean()),
        adminGroupObjectIds: optional(fc.subarray(GUIDS, { minLength: 1 })),
        resourceGroupName: optional(fc.constantFrom("rg-shared", "Platform.RG_(eu)-1")),
        tags: optional(
            fc.dictionary(
                fc.constantFrom("owner", "costCenter", "env", "team name"),
                fc.constantFrom("platform", "4711", "", "a b"),
                { maxKeys: 3 },
            ),
        ),
        protect: optional(fc.boolean()),
        resyncInterval: optional(fc.integer({ min: 10, max: 300 })),
    })
    .map((d): GeneratedStack => {
        const a = d.octet;
        const values: Record<string, unknown> = {
            "azure-native:location": d.location,
            nodeSubnetCidr: `10.${a}.0.0/${d.nodePrefix}`,
            podSubnetCidr: `100.64.0.0/${d.podPrefix}`,
            serviceCidr: d.service,
        };
        const version = d.kubernetesVersion;
        values.nodePools = d.pools.map((p, i) => {
            const pool: Record<string, unknown> = { name: d.names[i], ...p.sizing };
            if (i === 0) pool.mode = "System";
            else if (p.mode) pool.mode = p.mode;
            // A System pool may not scale to zero.
            if (pool.mode === "System" && pool.minCount === 0) pool.minCount = 1;
            for (const key of ["maxPods", "maxSurge", "vmSize", "osSku", "availabilityZones", "nodeLabels"] as const) {
                if (p[key] !== undefined) pool[key] = p[key];
            }
            const taints = pool.mode === "System" ? p.systemTaints : p.nodeTaints;
            if (taints !== undefined) pool.nodeTaints = taints;
            // Pool-owned pod subnets: /18s in 100.72.0.0/13, clear of the shared one (100.64.0.0/15 at most).
            if (p.ownPodSubnet) pool.podSubnetCidr = `100.${72 + i}.0.0/18`;
            // On the shared subnet: StaticBlock everywhere, or DynamicIndividual (the default) given or left out.
            const mode = p.ownPodSubnet
                ? p.podIPAllocationMode
                : d.sharedMode === "StaticBlock"
                  ? "StaticBlock"
                  : d.sharedMode && p.podIPAllocationMode && "DynamicIndividual";
            if (mode !== undefined) pool.podIPAllocationMode = mode;
            return pool;
        });
        if (d.explicitVnet) values.vnetAddressSpace = [`10.${a}.0.0/16`, "100.64.0.0/12"];
        if (d.dnsServiceIP) values.dnsServiceIP = d.service.replace(/\.0\/\d+$/, ".10");
        if (d.connected.length > 0) values.connectedCidrs = d.connected;
        if (d.extra.length > 0) values.extraNonMasqueradeCidrs = d.extra;
        if (d.virtualNodes) values.virtualNodeSubnetCidr = `10.${a}.32.0/24`;
        if (version) values.kubernetesVersion = version;
        if (d.autoUpgradeChannel !== "none") values.autoUpgradeChannel = d.autoUpgradeChannel;
        if (d.maintenanceWindow && d.autoUpgradeChannel !== "none") {
            values.maintenanceWindow = Object.fromEntries(
                Object.entries(d.maintenanceWindow).filter(([, v]) => v !== undefined),
            );
        }
        if (d.outboundType) values.outboundType = d.outboundType;
        if (d.outboundType === "userAssignedNATGateway" && d.natGatewayIdleTimeoutMinutes !== undefined)
            values.natGatewayIdleTimeoutMinutes = d.natGatewayIdleTimeoutMinutes;
        // The appliance: in the hub (a connected network) when there is one, else in the node subnet's VNet range.
        if (d.outboundType === "userDefinedRouting")
            values.egressNextHopIp = d.connected.includes("192.168.0.0/16") ? "192.168.0.4" : `10.${a}.0.4`;
        if (d.networkPolicy) values.networkPolicy = d.networkPolicy;
        if (d.privateCluster !== undefined) values.privateCluster = d.privateCluster;
        // Your own zone: privatelink.<the cluster's region>.azmk8s.io.
        const zone =
            `/subscriptions/${GUIDS[1]}/resourceGroups/rg-dns` +
            `/providers/Microsoft.Network/privateDnsZones/privatelink.${d.location}.azmk8s.io`;
        if (d.privateCluster && d.privateDnsZone)
            values.privateDnsZone = d.privateDnsZone === "own" ? zone : d.privateDnsZone;
        // Authorized ranges: a public API server only, and not with virtual nodes (the ACI connector must reach it).
        if (!d.privateCluster && !d.virtualNodes && d.authorizedIpRanges)
            values.authorizedIpRanges = d.authorizedIpRanges;
        if (d.entraId !== undefined) values.entraId = d.entraId;
        if (d.entraId && d.adminGroupObjectIds) values.adminGroupObjectIds = d.adminGroupObjectIds;
        if (d.resourceGroupName) values.resourceGroupName = d.resourceGroupName;
        if (d.tags) values.tags = d.tags;
        if (d.protect !== undefined) values.protect = d.protect;
        if (d.resyncInterval !== undefined) values.ipMasqAgent = { resyncInterval: d.resyncInterval };
        return { stack: d.stack, values };
    });

/** One stack that switches on everything the program can create (route table, virtual nodes, maintenance window…). */
export const KITCHEN_SINK: GeneratedStack = {
    stack: "sink",
    values: {
        "azure-native:location": "westeurope",
        nodeSubnetCidr: "10.42.0.0/24",
        podSubnetCidr: "100.64.0.0/16",
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        virtualNodeSubnetCidr: "10.42.32.0/24",
        vnetAddressSpace: ["10.42.0.0/16", "100.64.0.0/12"],
        nodePools: [
            { name: "system", mode: "System", count: 2, maxPods: 30, availabilityZones: ["1", "2", "3"] },
            { name: "apps", minCount: 1, maxCount: 5, maxPods: 110, osSku: "Ubuntu", nodeLabels: { tier: "gold" } },
            {
                name: "batch",
                minCount: 0,
                maxCount: 4,
                maxPods: 63,
                podIPAllocationMode: "StaticBlock",
                podSubnetCidr: "100.72.0.0/18",
                nodeTaints: ["workload=batch:NoSchedule"],
            },
        ],
        kubernetesVersion: KUBERNETES_VERSIONS[0],
        autoUpgradeChannel: "stable",
        maintenanceWindow: { dayOfWeek: "Saturday", startTime: "22:30", durationHours: 6, utcOffset: "-05:00" },
        outboundType: "userDefinedRouting",
        egressNextHopIp: "192.168.0.4",
        networkPolicy: "calico",
        entraId: true,
        adminGroupObjectIds: [GUIDS[0]],
        kubeloginMode: "workloadidentity",
        hub: {
            vnetId:
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub" +
                "/providers/Microsoft.Network/virtualNetworks/vnet-hub",
            addressSpace: ["192.168.0.0/16"],
            spokeAddressSpaces: ["10.43.0.0/16", "100.80.0.0/16"],
            peerBack: true,
        },
        tags: { owner: "platform" },
    },
};
