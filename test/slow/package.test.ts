/**
 * The components as a package: `npm pack` (its prepack runs `npm run build`), then examples/consumer installed from
 * the packed tarball in a temporary directory, type-checked with tsc and run under Pulumi mocks. Offline throughout.
 *
 * The install does by hand what `npm install <tarball>` does for the package itself: extract it into
 * node_modules/aks-pod-subnet. Its dependencies (and the consumer's) are symlinks to this repository's
 * node_modules, because npm would need the registry to resolve them. Node and tsc follow symlinks to their real
 * paths, so the consumer, the packed library and this test share ONE @pulumi/pulumi module: the one the mocks are
 * set on. Everything the consumer gets from aks-pod-subnet comes from the tarball's lib/ (asserted below).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Netmask } from "netmask";
import { parse } from "yaml";
import { AzureMocks, RecordedResource } from "../../src/plan/mocks";

const REPO = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(REPO, "examples", "consumer");
const PACKAGE = "aks-pod-subnet";
const CONSUMER_PROJECT = "aks-platform-example";

type Manifest = {
    name: string;
    main?: string;
    types?: string;
    exports?: Record<string, any>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

function run(command: string, args: string[], cwd: string): string {
    try {
        return execFileSync(command, args, {
            cwd,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            // Offline: nothing here may need the registry.
            env: {
                ...process.env,
                npm_config_offline: "true",
                npm_config_audit: "false",
                npm_config_fund: "false",
                npm_config_update_notifier: "false",
            },
        });
    } catch (error: any) {
        throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
}

/** A module's path after symlinks, as Node caches it. */
const real = (file: string) => fs.realpathSync(file);

describe("the components as a package", function () {
    // Two tsc runs over @pulumi/azure-native's types dominate: ~30 s on a quiet machine; the margin is for loaded CI.
    this.timeout(240_000);

    let tmp: string;
    let tarball: string;
    let entries: string[];
    let consumer: string;
    let mocks: AzureMocks;
    let outputs: Record<string, any>;

    before(async () => {
        tmp = real(fs.mkdtempSync(path.join(os.tmpdir(), "aks-pod-subnet-package-")));

        // npm pack: prepack runs `npm run build` (which first empties lib/), so nothing relies on an earlier build.
        run("npm", ["pack", "--pack-destination", tmp, "--silent"], REPO);
        const packed = fs.readdirSync(tmp).filter((f) => f.endsWith(".tgz"));
        assert.equal(packed.length, 1, `expected one tarball in ${tmp}, got ${packed.join(", ")}`);
        tarball = path.join(tmp, packed[0]);
        entries = run("tar", ["-tzf", tarball], tmp).split("\n").filter(Boolean);

        // A fresh copy of the example, with the tarball installed the way npm installs one.
        consumer = path.join(tmp, "consumer");
        fs.mkdirSync(consumer);
        for (const file of fs.readdirSync(EXAMPLE)) {
            if (fs.statSync(path.join(EXAMPLE, file)).isFile())
                fs.copyFileSync(path.join(EXAMPLE, file), path.join(consumer, file));
        }
        const installed = path.join(consumer, "node_modules", PACKAGE);
        fs.mkdirSync(installed, { recursive: true });
        run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], tmp);

        const library: Manifest = readJson(path.join(installed, "package.json"));
        const example: Manifest = readJson(path.join(consumer, "package.json"));
        const needed = new Set([
            ...Object.keys(library.dependencies ?? {}),
            ...Object.keys(example.dependencies ?? {}),
            ...Object.keys(example.devDependencies ?? {}),
        ]);
        needed.delete(PACKAGE);
        for (const name of needed) {
            const target = path.join(REPO, "node_modules", name);
            assert.ok(fs.existsSync(target), `${name} is not installed in the repository (npm ci)`);
            const link = path.join(consumer, "node_modules", name);
            fs.mkdirSync(path.dirname(link), { recursive: true });
            fs.symlinkSync(target, link, "dir");
        }

        // Type-check and compile the consumer with the repository's TypeScript.
        run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", consumer], consumer);

        // Run it under the mocks, as `pulumi up` would run it.
        const program = path.join(consumer, "bin", "index.js");
        mocks = new AzureMocks();
        await pulumi.runtime.setMocks(mocks, CONSUMER_PROJECT, "test", false);
        pulumi.runtime.setAllConfig({});
        try {
            outputs = (await pulumi.runtime.runInPulumiStack(async () => ({ ...require(program) }))) ?? {};
        } finally {
            await pulumi.runtime.disconnect();
        }
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    const ofType = (type: string) => mocks.resources.filter((r) => r.type === type);
    const vnets = () => ofType("azure-native:network:VirtualNetwork");
    const subnets = () => ofType("azure-native:network:Subnet");
    const isPodSubnet = (s: RecordedResource) => (s.inputs.delegations ?? []).length > 0;
    const configMaps = () => ofType("kubernetes:core/v1:ConfigMap");
    const covers = (list: string[], cidr: string) => list.some((c) => new Netmask(c).contains(cidr));

    describe("the tarball", () => {
        it("holds the built library: JavaScript and declarations", () => {
            for (const file of [
                "lib/index.js",
                "lib/index.d.ts",
                "lib/network/network.js",
                "lib/cluster/cluster.d.ts",
                "lib/ipmasq/ipMasqAgent.js",
                "package.json",
                "README.md",
            ]) {
                assert.ok(
                    entries.includes(`package/${file}`),
                    `package/${file} is missing from ${path.basename(tarball)}`,
                );
            }
        });

        it("holds nothing but lib/, the README and package.json: no sources, tests, tools or examples", () => {
            const stray = entries.filter(
                (e) => !/^package\/(lib\/.+\.(js|d\.ts|js\.map)|README\.md|package\.json)$/.test(e),
            );
            assert.deepEqual(stray, []);
            for (const dir of ["test", "tooling", "program", "src", "examples", "node_modules"]) {
                assert.ok(!entries.some((e) => e.startsWith(`package/${dir}/`)), `${dir}/ is packed`);
            }
            assert.ok(!entries.some((e) => /\.test\.|Pulumi\..*ya?ml$/.test(e)), "a test or a stack file is packed");
        });

        it("points main, types and exports at files it holds", () => {
            const manifest: Manifest = readJson(path.join(consumer, "node_modules", PACKAGE, "package.json"));
            assert.deepEqual(manifest.exports, {
                ".": { types: "./lib/index.d.ts", default: "./lib/index.js" },
                "./package.json": "./package.json",
            });
            for (const file of [
                manifest.main!,
                manifest.types!,
                manifest.exports!["."].types,
                manifest.exports!["."].default,
            ]) {
                assert.ok(entries.includes(`package/${path.posix.normalize(file)}`), `${file} is not in the tarball`);
            }
        });
    });

    describe("the example", () => {
        it("depends on the tarball npm pack writes, and on the SDK versions the library is built with", () => {
            const example: Manifest = readJson(path.join(EXAMPLE, "package.json"));
            const root: Manifest = readJson(path.join(REPO, "package.json"));
            assert.equal(example.dependencies?.[PACKAGE], `file:../../${path.basename(tarball)}`);
            const pinned = { ...root.devDependencies, ...root.dependencies };
            for (const [name, range] of Object.entries({ ...example.dependencies, ...example.devDependencies })) {
                if (name !== PACKAGE)
                    assert.equal(
                        range,
                        pinned[name],
                        `${name}: the example asks ${range}, the library is built with ${pinned[name]}`,
                    );
            }
        });

        it("resolves aks-pod-subnet to the packed lib/, sharing the test's @pulumi/pulumi", () => {
            const installed = path.join(consumer, "node_modules", PACKAGE);
            // Resolved as the consumer's own code does (a require from this file would find the repository itself:
            // Node resolves a package's own name through its exports).
            const consumerRequire = createRequire(path.join(consumer, "bin", "index.js"));
            assert.equal(consumerRequire.resolve(PACKAGE), path.join(installed, "lib", "index.js"));
            assert.ok(
                require.cache[path.join(installed, "lib", "network", "network.js")],
                "the consumer did not load the packed Network",
            );
            const libraryRequire = createRequire(path.join(installed, "lib", "index.js"));
            assert.equal(real(libraryRequire.resolve("@pulumi/pulumi")), real(require.resolve("@pulumi/pulumi")));
            assert.equal(real(consumerRequire.resolve("@pulumi/pulumi")), real(require.resolve("@pulumi/pulumi")));
            // Compiled by tsc from the example (tsc exits non-zero on any type error, failing before()).
            assert.ok(fs.existsSync(path.join(consumer, "bin", "index.js")));
        });

        it("builds two VNets and two clusters in one resource group", () => {
            assert.equal(ofType("azure-native:resources:ResourceGroup").length, 1);
            assert.deepEqual(
                vnets()
                    .map((v) => v.inputs.virtualNetworkName)
                    .sort(),
                ["vnet-aks-blue", "vnet-aks-green"],
            );
            const clusters = ofType("azure-native:containerservice:ManagedCluster");
            assert.deepEqual(clusters.map((c) => c.inputs.resourceName).sort(), ["aks-blue", "aks-green"]);
            const groups = new Set([...vnets(), ...clusters].map((r) => r.inputs.resourceGroupName));
            assert.deepEqual([...groups], ["rg-aks-platform-test"]);
            assert.deepEqual(
                new Set(clusters.map((c) => c.inputs.networkProfile.serviceCidr)),
                new Set(["100.96.0.0/16"]),
            );
        });

        it("gives both clusters the same private pod range, each in its own VNet", () => {
            const pods = subnets().filter(isPodSubnet);
            assert.equal(pods.length, 2);
            // One pod block per spoke: peering advertises it, and overlapping spokes cannot share a hub.
            assert.deepEqual(
                pods.map((s) => s.inputs.addressPrefix),
                ["100.64.0.0/16", "100.65.0.0/16"],
            );
            assert.deepEqual(pods.map((s) => s.inputs.virtualNetworkName).sort(), ["vnet-aks-blue", "vnet-aks-green"]);
        });

        it("gives each cluster its own routable node subnet", () => {
            const nodes = subnets().filter((s) => !isPodSubnet(s));
            const byVnet = Object.fromEntries(nodes.map((s) => [s.inputs.virtualNetworkName, s.inputs.addressPrefix]));
            assert.deepEqual(byVnet, { "vnet-aks-blue": "10.42.32.0/27", "vnet-aks-green": "10.42.32.32/27" });
        });

        it("deploys an ip-masq-agent to each cluster that keeps pod IPs inside its own VNet only", () => {
            const maps = configMaps();
            assert.equal(maps.length, 2);
            assert.equal(ofType("kubernetes:apps/v1:DaemonSet").length, 2);
            for (const [name, other] of [
                ["blue", "green"],
                ["green", "blue"],
            ]) {
                // Each agent goes to its own cluster, through that cluster's provider.
                const map = maps.find((m) => m.provider?.includes(`::${name}-k8s::`));
                assert.ok(
                    map,
                    `no ConfigMap through ${name}'s provider; providers: ${maps.map((m) => m.provider).join(", ")}`,
                );
                const config = parse(Object.values(map.inputs.data as Record<string, string>)[0]);
                const vnet = vnets().find((v) => v.inputs.virtualNetworkName === `vnet-aks-${name}`)!;
                for (const prefix of vnet.inputs.addressSpace.addressPrefixes) {
                    assert.ok(
                        covers(config.nonMasqueradeCIDRs, prefix),
                        `${name}'s agent masquerades its own VNet prefix ${prefix}`,
                    );
                }
                // The other cluster's nodes are outside this VNet: pods reach them as their node (the pod range is shared).
                const otherNodes = subnets().find(
                    (s) => !isPodSubnet(s) && s.inputs.virtualNetworkName === `vnet-aks-${other}`,
                )!;
                assert.ok(
                    !covers(config.nonMasqueradeCIDRs, otherNodes.inputs.addressPrefix),
                    `${name}'s agent leaves pod IPs on traffic to ${other}'s nodes`,
                );
                assert.deepEqual(outputs.nonMasqueradeCIDRs[name], config.nonMasqueradeCIDRs);
            }
        });

        it("exports both clusters' names and nonMasqueradeCIDRs", () => {
            assert.deepEqual(outputs.clusterNames, { blue: "aks-blue", green: "aks-green" });
            assert.deepEqual(Object.keys(outputs.nonMasqueradeCIDRs).sort(), ["blue", "green"]);
        });
    });

    describe("the stack program next to the package", () => {
        // package.json now describes the library (main, types, exports → lib/). The nodejs runtime
        // (@pulumi/pulumi/cmd/run) consults package.json `exports`, then `main`, only when the engine passes "." as
        // the program, i.e. when Pulumi.yaml names none; with lib/ built it would otherwise run the library: an
        // empty stack, and `pulumi up` would delete everything. Pulumi.yaml's `main: index.ts` prevents that.
        it("is named by Pulumi.yaml, so `pulumi up` runs index.ts and not lib/index.js", () => {
            const project = parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"));
            assert.equal(project.main, "index.ts");
            assert.ok(fs.statSync(path.join(REPO, project.main)).isFile());
        });

        it("relies on a runtime that reads package.json only when Pulumi.yaml names no program", () => {
            const runJs = fs.readFileSync(require.resolve("@pulumi/pulumi/cmd/run/run.js"), "utf8");
            assert.match(runJs, /const hasEntrypoint = argv\._\[0\] !== "\.";/);
            assert.match(
                runJs,
                /if \(!hasEntrypoint\) \{\s*\/\/ Check if package\.json specifies an entrypoint via `exports`/,
            );
        });
    });
});
