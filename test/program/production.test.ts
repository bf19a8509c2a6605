import { strict as assert } from "assert";
import { PlannedResource, ProgramRun, runProgram } from "../../src/plan/runProgram";
import { problemsOf, stackConfig } from "../helpers/stackOverrides";

/*
 * What platform teams expect from an AKS module (egress options, access, upgrades, policy, tags, protection,
 * virtual nodes), asserted on the inputs the real program registers under the mocks.
 */

const byType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === `azure-native:${type}`);
const one = (run: ProgramRun, type: string): PlannedResource => {
    const found = byType(run, type);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0];
};
const subnet = (run: ProgramRun, name: string) =>
    byType(run, "network:Subnet").find((s) => s.inputs.subnetName === name)!;

describe("production parity", () => {
    let prod: ProgramRun;
    let dev: ProgramRun;
    before(async () => {
        prod = await runProgram({ stack: "prod", config: stackConfig("prod") });
        dev = await runProgram({ stack: "dev", config: stackConfig("dev") });
    });

    describe("egress: userAssignedNATGateway (prod)", () => {
        it("creates a Standard NAT gateway with a static Standard public IP", () => {
            const ip = one(prod, "network:PublicIPAddress");
            const nat = one(prod, "network:NatGateway");
            assert.deepEqual([ip.inputs.sku, ip.inputs.publicIPAllocationMethod], [{ name: "Standard" }, "Static"]);
            assert.deepEqual(nat.inputs.sku, { name: "Standard" });
            assert.equal(nat.inputs.idleTimeoutInMinutes, 10);
            assert.match(nat.inputs.publicIpAddresses[0].id, /\/publicIPAddresses\/network-egress-ip$/);
        });
        it("puts it on the node subnet and every pod subnet", () => {
            for (const name of ["nodes", "pods", "pods-batch"])
                assert.match(subnet(prod, name).inputs.natGateway?.id ?? "", /\/natGateways\/network-nat$/, name);
        });
        it("tells AKS to use it", () =>
            assert.equal(
                one(prod, "containerservice:ManagedCluster").inputs.networkProfile.outboundType,
                "userAssignedNATGateway",
            ));
    });

    describe("egress: loadBalancer (dev)", () => {
        it("creates neither NAT gateway nor route table", () => {
            assert.deepEqual(
                [
                    byType(dev, "network:NatGateway").length,
                    byType(dev, "network:RouteTable").length,
                    byType(dev, "network:PublicIPAddress").length,
                ],
                [0, 0, 0],
            );
            assert.equal(subnet(dev, "nodes").inputs.natGateway, undefined);
            assert.equal(
                one(dev, "containerservice:ManagedCluster").inputs.networkProfile.outboundType,
                "loadBalancer",
            );
        });
    });

    describe("egress: userDefinedRouting", () => {
        it("routes 0.0.0.0/0 to the appliance from the node and pod subnets", async () => {
            const run = await runProgram({
                stack: "dev",
                config: stackConfig("dev", { outboundType: "userDefinedRouting", egressNextHopIp: "10.1.0.4" }),
            });
            const table = one(run, "network:RouteTable");
            assert.deepEqual(table.inputs.routes, [
                {
                    name: "default-via-appliance",
                    addressPrefix: "0.0.0.0/0",
                    nextHopType: "VirtualAppliance",
                    nextHopIpAddress: "10.1.0.4",
                },
            ]);
            for (const name of ["nodes", "pods"])
                assert.match(subnet(run, name).inputs.routeTable?.id ?? "", /\/routeTables\/network-routes$/);
            assert.equal(
                one(run, "containerservice:ManagedCluster").inputs.networkProfile.outboundType,
                "userDefinedRouting",
            );
            assert.equal(byType(run, "network:NatGateway").length, 0);
        });
        it("needs a next hop the nodes can reach", async () => {
            assert.match(
                (await problemsOf("dev", { outboundType: "userDefinedRouting" }))[0],
                /^egressNextHopIp: is required/,
            );
            assert.match(
                (await problemsOf("dev", { outboundType: "userDefinedRouting", egressNextHopIp: "100.64.0.9" }))[0],
                /^egressNextHopIp: .*lies in pod subnet 100\.64\.0\.0\/20/,
            );
            assert.match(
                (await problemsOf("dev", { outboundType: "userDefinedRouting", egressNextHopIp: "172.20.0.4" }))[0],
                /^egressNextHopIp: 172\.20\.0\.4 is neither in the VNet .* nor in a connected network/,
            );
            assert.match(
                (await problemsOf("dev", { egressNextHopIp: "10.1.0.4" }))[0],
                /^egressNextHopIp: is only used with outboundType userDefinedRouting/,
            );
        });
        it("refuses the outbound types this design cannot use, with the reason", async () => {
            assert.match(
                (await problemsOf("dev", { outboundType: "managedNATGateway" }))[0],
                /^outboundType: "managedNATGateway" works only with AKS-managed VNets/,
            );
            assert.match(
                (await problemsOf("dev", { outboundType: "none" }))[0],
                /^outboundType: "none" leaves nodes without internet egress/,
            );
        });
    });

    describe("access", () => {
        it("prod: private API server with its DNS zone in the hub (the landing-zone pattern)", () =>
            assert.deepEqual(one(prod, "containerservice:ManagedCluster").inputs.apiServerAccessProfile, {
                enablePrivateCluster: true,
                privateDNSZone:
                    "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub-dns" +
                    "/providers/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io",
            }));
        it("prod: Entra ID with Azure RBAC, admin group, local accounts disabled", () => {
            const mc = one(prod, "containerservice:ManagedCluster").inputs;
            assert.deepEqual(mc.aadProfile, {
                managed: true,
                enableAzureRBAC: true,
                adminGroupObjectIDs: ["6b4a2f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b"],
            });
            assert.equal(mc.disableLocalAccounts, true);
        });
        it("prod: asks for the exec-format user kubeconfig (kubelogin), never admin credentials", () => {
            const calls = prod.invokes.filter((i) => i.token.startsWith("azure-native:containerservice:list"));
            assert.deepEqual(
                calls.map((c) => [c.token, c.inputs.format]),
                [["azure-native:containerservice:listManagedClusterUserCredentials", "exec"]],
            );
        });
        it("dev: public API server, local accounts, the default kubeconfig format", () => {
            const mc = one(dev, "containerservice:ManagedCluster").inputs;
            assert.deepEqual(
                [mc.apiServerAccessProfile, mc.aadProfile, mc.disableLocalAccounts],
                [undefined, undefined, undefined],
            );
            assert.equal(
                dev.invokes.find((i) => i.token.endsWith("listManagedClusterUserCredentials"))!.inputs.format,
                undefined,
            );
        });
        it("authorized IP ranges restrict a public API server", async () => {
            const run = await runProgram({
                stack: "dev",
                config: stackConfig("dev", { authorizedIpRanges: ["20.50.0.0/24", "52.140.0.7/32"] }),
            });
            assert.deepEqual(one(run, "containerservice:ManagedCluster").inputs.apiServerAccessProfile, {
                authorizedIPRanges: ["20.50.0.0/24", "52.140.0.7/32"],
            });
        });
        it("rejects access settings that contradict each other", async () => {
            const problems = await problemsOf("prod", {
                authorizedIpRanges: ["203.0.113.0/24"],
                privateDnsZone: "my-zone",
                entraId: false,
                adminGroupObjectIds: ["not-a-guid"],
            });
            assert.deepEqual(
                problems.map((p) => p.split(":")[0]),
                ["privateDnsZone", "authorizedIpRanges", "adminGroupObjectIds[0]"],
            );
            assert.match(
                (await problemsOf("dev", { privateDnsZone: "system" }))[0],
                /^privateDnsZone: is only used with privateCluster: true/,
            );
            assert.match(
                (await problemsOf("dev", { authorizedIpRanges: ["20.50.0.1/24"] }))[0],
                /^authorizedIpRanges\[0\]: .*not aligned/,
            );
        });
        it("accepts a private DNS zone by resource ID", async () => {
            const zone =
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns" +
                "/providers/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io";
            const run = await runProgram({ stack: "prod", config: stackConfig("prod", { privateDnsZone: zone }) });
            assert.equal(
                one(run, "containerservice:ManagedCluster").inputs.apiServerAccessProfile.privateDNSZone,
                zone,
            );
        });
    });

    describe("upgrades and lifecycle", () => {
        it("prod: patch channel, no diff when AKS moves the version, a weekly window", () => {
            const mc = one(prod, "containerservice:ManagedCluster");
            assert.deepEqual(mc.inputs.autoUpgradeProfile, {
                upgradeChannel: "patch",
                nodeOSUpgradeChannel: "NodeImage",
            });
            assert.ok(mc.ignoreChanges.includes("kubernetesVersion"));
            // The same weekly window for Kubernetes upgrades and node OS images.
            const windows = byType(prod, "containerservice:MaintenanceConfiguration");
            assert.deepEqual(
                windows.map((w) => w.inputs.configName),
                ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"],
            );
            for (const window of windows) {
                assert.deepEqual(window.inputs.maintenanceWindow, {
                    schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
                    startTime: "02:00",
                    durationHours: 4,
                    utcOffset: "+01:00",
                });
                assert.match(window.inputs.resourceName, /^aks-prod$/);
            }
        });
        it("dev: no channel, kubernetesVersion tracked, no window", () => {
            const mc = one(dev, "containerservice:ManagedCluster");
            assert.deepEqual(mc.inputs.autoUpgradeProfile, { upgradeChannel: "none" });
            assert.ok(!mc.ignoreChanges.includes("kubernetesVersion"));
            assert.equal(byType(dev, "containerservice:MaintenanceConfiguration").length, 0);
        });
        it("prod is protected: resource group, VNet and cluster; dev is not", () => {
            const protectedNames = (run: ProgramRun) =>
                run.resources
                    .filter((r) => r.protect)
                    .map((r) => r.name)
                    .sort();
            assert.deepEqual(protectedNames(prod), ["cluster-aks", "network-vnet", "rg"]);
            assert.deepEqual(protectedNames(dev), []);
        });
        it("rejects a window without a channel, and a window too short", async () => {
            const problems = await problemsOf("dev", {
                maintenanceWindow: { dayOfWeek: "Sunday", startTime: "2:00", durationHours: 2 },
            });
            assert.deepEqual(
                problems.map((p) => p.split(":")[0]),
                ["maintenanceWindow", "maintenanceWindow.startTime", "maintenanceWindow.durationHours"],
            );
            assert.match(
                (await problemsOf("dev", { autoUpgradeChannel: "fast" }))[0],
                /^autoUpgradeChannel: expected one of none, patch, stable, rapid, node-image/,
            );
        });
    });

    describe("network policy", () => {
        it("prod uses calico (Azure NPM on Linux retires in 2028); dev none (the field is left unset)", () => {
            assert.equal(one(prod, "containerservice:ManagedCluster").inputs.networkProfile.networkPolicy, "calico");
            assert.equal(one(dev, "containerservice:ManagedCluster").inputs.networkProfile.networkPolicy, undefined);
        });
        it("refuses cilium while the agent runs, with the reason", async () =>
            assert.match(
                (await problemsOf("dev", { networkPolicy: "cilium" }))[0],
                /^networkPolicy: "cilium" needs the Cilium dataplane, whose eBPF host routing bypasses/,
            ));
    });

    describe("tags", () => {
        it("go on every taggable Azure resource, with the stack name", () => {
            const taggable = [
                "resources:ResourceGroup",
                "network:VirtualNetwork",
                "network:NatGateway",
                "network:PublicIPAddress",
                "managedidentity:UserAssignedIdentity",
                "containerservice:ManagedCluster",
                "containerservice:AgentPool",
            ];
            for (const type of taggable) {
                for (const r of byType(prod, type))
                    assert.deepEqual(
                        r.inputs.tags,
                        { environment: "production", costCenter: "4711", stack: "prod" },
                        r.name,
                    );
            }
            assert.deepEqual(one(dev, "network:VirtualNetwork").inputs.tags, { stack: "dev" });
        });
        it("rejects tags Azure refuses", async () => {
            const problems = await problemsOf("dev", { tags: { "a/b": "x", owner: 7 } });
            assert.deepEqual(
                problems.map((p) => p.split(":")[0]),
                ["tags.a/b", "tags.owner"],
            );
        });
    });

    describe("virtual nodes", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram({
                stack: "dev",
                config: stackConfig("dev", { virtualNodeSubnetCidr: "10.42.9.0/24" }),
            });
        });
        it("plans a subnet delegated to Azure Container Instances", () => {
            const aci = subnet(run, "virtual-nodes");
            assert.equal(aci.inputs.addressPrefix, "10.42.9.0/24");
            assert.deepEqual(aci.inputs.delegations, [
                { name: "aci-virtual-nodes", serviceName: "Microsoft.ContainerInstance/containerGroups" },
            ]);
            assert.deepEqual(one(run, "network:VirtualNetwork").inputs.addressSpace.addressPrefixes, [
                "10.42.8.0/27",
                "100.64.0.0/20",
                "10.42.9.0/24",
            ]);
        });
        it("enables the ACI connector add-on on that subnet", () =>
            assert.deepEqual(one(run, "containerservice:ManagedCluster").inputs.addonProfiles, {
                aciConnectorLinux: { enabled: true, config: { SubnetName: "virtual-nodes" } },
            }));
        it("grants Network Contributor on it to the cluster identity and to the connector's identity", () => {
            const grants = byType(run, "authorization:RoleAssignment").filter((r) =>
                r.inputs.scope.endsWith("/subnets/virtual-nodes"),
            );
            assert.deepEqual(grants.map((g) => g.name).sort(), [
                "cluster-network-contributor-aci-connector",
                "cluster-network-contributor-virtual-nodes",
            ]);
            const connector = grants.find((g) => g.name.endsWith("aci-connector"))!;
            assert.match(connector.inputs.principalId, /^[0-9a-f-]{36}$/);
            const identity = one(run, "managedidentity:UserAssignedIdentity");
            assert.notEqual(connector.inputs.principalId, identity.name);
        });
        it(
            "keeps ACI pod IPs unmasqueraded " + "(the subnet is in the agent's list) and the agent off virtual nodes",
            () => {
                const cm = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
                assert.match(cm.inputs.data["ip-masq-agent"], /- 10\.42\.9\.0\/24/);
                const ds = run.resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!;
                const terms =
                    ds.inputs.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
                        .nodeSelectorTerms;
                assert.deepEqual(
                    terms[0].matchExpressions.find((e: any) => e.key === "type"),
                    { key: "type", operator: "NotIn", values: ["virtual-kubelet"] },
                );
            },
        );
        it("counts the subnet as routable", () =>
            assert.equal(run.outputs.addressPlan.routableAddresses.podSubnetMode, 32 + 256));
    });
});
