/**
 * The package as a platform team gets it: `npm pack` (its prepack runs `npm run build`), then examples/consumer
 * installed with npm from the packed tarball in a temporary directory outside the repository, OFFLINE: npm's cache
 * holds every dependency after `npm ci`, and the proxies point at a closed port, so any request would fail. The
 * example carries no lockfile, and npm's cache has the registry's tarballs but not all of its package documents:
 * the test writes the example a package-lock.json from this repository's (the versions the tests run), so that npm
 * needs nothing but the cache. Then the example is type-checked with its own TypeScript against the installed
 * package and its own peer SDKs (one copy of each), and planned with the package's bin, aks-pod-subnet-plan.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Netmask } from "netmask";
import { parse } from "yaml";

const REPO = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(REPO, "examples", "consumer");
const PACKAGE = "aks-pod-subnet";
const BIN = "aks-pod-subnet-plan";

type Manifest = {
    name: string;
    version: string;
    main?: string;
    types?: string;
    bin?: Record<string, string>;
    exports?: Record<string, any>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
};
type LockEntry = Record<string, any>;
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

/** npm, offline, with every proxy on a closed port: a request to any registry fails. */
const OFFLINE_ENV = {
    npm_config_offline: "true",
    npm_config_proxy: "http://127.0.0.1:9",
    npm_config_https_proxy: "http://127.0.0.1:9",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
};

function run(command: string, args: string[], cwd: string): string {
    try {
        return execFileSync(command, args, {
            cwd,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, ...OFFLINE_ENV },
        });
    } catch (error: any) {
        throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
}

/** The bin, as a platform team runs it from its project folder (not under `npm run`: no banner, no INIT_CWD). */
function plan(consumer: string, args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.INIT_CWD;
    delete env.npm_lifecycle_event;
    const result = spawnSync(path.join(consumer, "node_modules", ".bin", BIN), args, {
        cwd: consumer,
        encoding: "utf8",
        env,
        timeout: 120_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Where Node would find `name` from the package at `from` in a lockfile's flat tree ("" is the root). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
    for (let dir = from; ;) {
        const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
        if (packages[key]) return key;
        if (!dir) return undefined;
        const up = dir.lastIndexOf("/node_modules/");
        dir = up < 0 ? "" : dir.slice(0, up);
    }
}

/**
 * The example's package-lock.json: the packed tarball, and every package it and the example need, with the
 * versions, tarball URLs and integrity of this repository's lockfile (all of them in npm's cache after `npm ci`).
 */
function consumerLock(example: Manifest, library: Manifest, tarball: string): object {
    const repo: Record<string, LockEntry> = readJson(path.join(REPO, "package-lock.json")).packages;
    const integrity = `sha512-${createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`;
    const libraryEntry: LockEntry = {
        version: library.version,
        resolved: example.dependencies![PACKAGE],
        integrity,
        dependencies: library.dependencies,
        peerDependencies: library.peerDependencies,
        bin: library.bin,
    };
    const packages: Record<string, LockEntry> = {
        "": { name: example.name, version: example.version, dependencies: example.dependencies },
        [`node_modules/${PACKAGE}`]: libraryEntry,
    };
    packages[""].devDependencies = example.devDependencies;
    const queue: [string, Record<string, string> | undefined][] = [
        ["", { ...example.dependencies, ...example.devDependencies }],
    ];
    for (let next = queue.shift(); next; next = queue.shift()) {
        const [from, dependencies] = next;
        for (const name of Object.keys(dependencies ?? {})) {
            const key = name === PACKAGE ? `node_modules/${PACKAGE}` : locate(repo, from, name);
            if (!key) continue; // an optional peer nobody installed
            if (key !== `node_modules/${PACKAGE}` && packages[key]) continue;
            if (key === `node_modules/${PACKAGE}` && from !== "") continue;
            const entry = key === `node_modules/${PACKAGE}` ? libraryEntry : { ...repo[key] };
            delete entry.dev;
            delete entry.devOptional;
            delete entry.peer;
            packages[key] = entry;
            queue.push([key, { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }]);
        }
    }
    return { name: example.name, version: example.version, lockfileVersion: 3, requires: true, packages };
}

describe("the package, installed offline from its tarball", function () {
    // npm pack (a full build), an offline install of ~150 MB of SDKs, two tsc runs over @pulumi/azure-native's types
    // and two plans: ~60 s on a quiet machine; the margin is for loaded CI.
    this.timeout(400_000);

    let tmp: string;
    let tarball: string;
    let entries: string[];
    let consumer: string;
    let document: any;

    before(() => {
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aks-pod-subnet-package-")));
        assert.ok(path.relative(REPO, tmp).startsWith(".."), `${tmp} is inside the repository`);

        // npm pack: prepack runs `npm run build` (which first empties lib/), so nothing relies on an earlier build.
        run("npm", ["pack", "--pack-destination", tmp, "--silent"], REPO);
        const packed = fs.readdirSync(tmp).filter((f) => f.endsWith(".tgz"));
        assert.equal(packed.length, 1, `expected one tarball in ${tmp}, got ${packed.join(", ")}`);
        tarball = path.join(tmp, packed[0]);
        entries = run("tar", ["-tzf", tarball], tmp).split("\n").filter(Boolean);

        // The example two folders below the tarball, as its `file:../../` dependency names it.
        consumer = path.join(tmp, "examples", "consumer");
        fs.mkdirSync(consumer, { recursive: true });
        for (const file of fs.readdirSync(EXAMPLE)) {
            if (fs.statSync(path.join(EXAMPLE, file)).isFile())
                fs.copyFileSync(path.join(EXAMPLE, file), path.join(consumer, file));
        }
        const example: Manifest = readJson(path.join(consumer, "package.json"));
        assert.equal(example.dependencies?.[PACKAGE], `file:../../${path.basename(tarball)}`);
        const library: Manifest = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], tmp));
        fs.writeFileSync(
            path.join(consumer, "package-lock.json"),
            JSON.stringify(consumerLock(example, library, tarball), null, 2),
        );
        // Install scripts are off: @pulumi/kubernetes's downloads its provider plugin, which a plan does not need.
        run("npm", ["install", "--offline", "--ignore-scripts"], consumer);

        // Type-check the example with its own TypeScript, against the installed package and its own SDKs.
        run(
            process.execPath,
            [path.join(consumer, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."],
            consumer,
        );

        const planned = plan(consumer, ["--stack", "dev", "--json"]);
        assert.equal(planned.code, 0, `${BIN} --stack dev --json failed:\n${planned.stderr}`);
        document = JSON.parse(planned.stdout);
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    type PlannedResource = { type: string; name: string; parent: string; dependsOn: string[]; inputs: any };
    const ofType = (type: string): PlannedResource[] => document.resources.filter((r: any) => r.type === type);
    const vnets = () => ofType("azure-native:network:VirtualNetwork");
    const subnets = () => ofType("azure-native:network:Subnet");
    const isPodSubnet = (s: PlannedResource) => (s.inputs.delegations ?? []).length > 0;
    const configMaps = () => ofType("kubernetes:core/v1:ConfigMap");
    const covers = (list: string[], cidr: string) => list.some((c) => new Netmask(c).contains(cidr));

    describe("the tarball", () => {
        it("holds the built library and the plan: JavaScript and declarations", () => {
            for (const file of [
                "lib/index.js",
                "lib/index.d.ts",
                "lib/network/network.js",
                "lib/cluster/cluster.d.ts",
                "lib/ipmasq/ipMasqAgent.js",
                "lib/plan/plan.js",
                "lib/plan/plan.d.ts",
                "lib/plan/plan.js.map",
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
            for (const dir of ["test", "tooling", "program", "src", "examples", "node_modules", "dist"]) {
                assert.ok(!entries.some((e) => e.startsWith(`package/${dir}/`)), `${dir}/ is packed`);
            }
            assert.ok(!entries.some((e) => /\.test\.|Pulumi\..*ya?ml$/.test(e)), "a test or a stack file is packed");
        });

        it("points main, types, exports and the bin at files it holds; the SDKs are peers", () => {
            const manifest: Manifest = readJson(path.join(consumer, "node_modules", PACKAGE, "package.json"));
            assert.deepEqual(manifest.exports, {
                ".": { types: "./lib/index.d.ts", default: "./lib/index.js" },
                "./plan": { types: "./lib/plan/index.d.ts", default: "./lib/plan/index.js" },
                "./package.json": "./package.json",
            });
            assert.deepEqual(manifest.bin, { [BIN]: "lib/plan/plan.js" });
            for (const file of [
                manifest.main!,
                manifest.types!,
                manifest.exports!["."].types,
                manifest.exports!["."].default,
                manifest.exports!["./plan"].types,
                manifest.exports!["./plan"].default,
                manifest.bin![BIN],
            ]) {
                assert.ok(entries.includes(`package/${path.posix.normalize(file)}`), `${file} is not in the tarball`);
            }
            const bin = fs.readFileSync(path.join(consumer, "node_modules", PACKAGE, manifest.bin![BIN]), "utf8");
            assert.ok(bin.startsWith("#!/usr/bin/env node\n"), "the bin starts with a node shebang");
            const sdks = ["@pulumi/azure-native", "@pulumi/kubernetes", "@pulumi/pulumi"];
            assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}).sort(), sdks);
            for (const sdk of sdks) assert.ok(!manifest.dependencies?.[sdk], `${sdk} is a dependency, not a peer`);
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

        it("has one copy of each SDK: the example's own, which the installed package uses", () => {
            const installed = path.join(consumer, "node_modules", PACKAGE);
            for (const sdk of ["@pulumi/pulumi", "@pulumi/azure-native", "@pulumi/kubernetes"]) {
                assert.ok(fs.existsSync(path.join(consumer, "node_modules", sdk)), `${sdk} is not installed`);
                assert.ok(
                    !fs.existsSync(path.join(installed, "node_modules", sdk)),
                    `a second ${sdk} under ${PACKAGE}`,
                );
            }
            assert.ok(fs.statSync(installed).isDirectory() && !fs.lstatSync(installed).isSymbolicLink(), "a copy");
        });

        it("plans as pure JSON on stdout: the resources of two VNets and two clusters in one resource group", () => {
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
            // The project and stack names come from the example's Pulumi.yaml and Pulumi.dev.yaml.
            assert.deepEqual([...groups], ["rg-aks-platform-dev"]);
            assert.deepEqual(
                new Set(clusters.map((c) => c.inputs.networkProfile.serviceCidr)),
                new Set(["100.96.0.0/16"]),
            );
        });

        it("gives each cluster its own pod block and routable node subnet, as its address plan says", () => {
            const pods = subnets().filter(isPodSubnet);
            assert.deepEqual(pods.map((s) => s.inputs.addressPrefix).sort(), ["100.64.0.0/16", "100.65.0.0/16"]);
            const nodes = subnets().filter((s) => !isPodSubnet(s));
            const byVnet = Object.fromEntries(nodes.map((s) => [s.inputs.virtualNetworkName, s.inputs.addressPrefix]));
            assert.deepEqual(byVnet, { "vnet-aks-blue": "10.42.32.0/27", "vnet-aks-green": "10.42.32.32/27" });
            // Two Networks, two address plans (no single top-level one).
            assert.equal(document.addressPlan, undefined, "no single addressPlan for two networks");
            const plans = Object.fromEntries(document.networks.map((n: any) => [n.name, n.addressPlan]));
            assert.deepEqual(Object.keys(plans), ["blue-network", "green-network"]);
            assert.equal(plans["blue-network"].nodeSubnet.cidr, "10.42.32.0/27");
            assert.equal(plans["green-network"].nodeSubnet.cidr, "10.42.32.32/27");
            assert.deepEqual(
                plans["green-network"].podSubnets.map((s: any) => s.cidr),
                ["100.65.0.0/16"],
            );
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
                const map = maps.find((m) => m.dependsOn.includes(`${name}-k8s`));
                assert.ok(map, `no ConfigMap through ${name}'s provider: ${maps.map((m) => m.dependsOn).join("; ")}`);
                const config = parse(Object.values(map.inputs.data as Record<string, string>)[0]);
                const vnet = vnets().find((v) => v.inputs.virtualNetworkName === `vnet-aks-${name}`)!;
                for (const prefix of vnet.inputs.addressSpace.addressPrefixes) {
                    assert.ok(
                        covers(config.nonMasqueradeCIDRs, prefix),
                        `${name}'s agent masquerades its own VNet prefix ${prefix}`,
                    );
                }
                const otherNodes = subnets().find(
                    (s) => !isPodSubnet(s) && s.inputs.virtualNetworkName === `vnet-aks-${other}`,
                )!;
                assert.ok(
                    !covers(config.nonMasqueradeCIDRs, otherNodes.inputs.addressPrefix),
                    `${name}'s agent leaves pod IPs on traffic to ${other}'s nodes`,
                );
                // The plan pairs the agent with its Network: NAT by the agent, towards what the ConfigMap leaves out.
                const network = document.networks.find((n: any) => n.name === `${name}-network`);
                assert.deepEqual(network.addressPlan.ipMasqAgent.nonMasqueradeCIDRs, config.nonMasqueradeCIDRs);
                assert.equal(network.nat.agent, "on", `${name}: ${network.nat.summary}`);
                // Pods reach the corporate network as their node, less their own node subnet (reached as is).
                const ownNodes = network.addressPlan.nodeSubnet.cidr;
                assert.deepEqual(network.nat.nodeIPTowards, [`10.0.0.0/8 except ${ownNodes}`]);
            }
        });

        it("refuses a bad stack file with the key at fault, exit 2, no stack trace and nothing on stdout", () => {
            const cases: [string, RegExp][] = [
                [
                    "aks-platform-example:kubernetesVersion: 1.30",
                    /^ {2}- kubernetesVersion: is declared as a string, got number 1\.3 — quote it/,
                ],
                [
                    'aks-platform-example:kubernetesVerison: "1.36"',
                    /^ {2}- kubernetesVerison: is not a config key of this project: did you mean kubernetesVersion\?$/,
                ],
            ];
            for (const [setting, problem] of cases) {
                fs.writeFileSync(path.join(consumer, "Pulumi.bad.yaml"), `config:\n  ${setting}\n`);
                const result = plan(consumer, ["--stack", "bad", "--json"]);
                assert.equal(result.code, 2, `exit code for ${setting} (stderr: ${result.stderr})`);
                assert.equal(result.stdout, "", "nothing on stdout");
                const lines = result.stderr.trimEnd().split("\n");
                assert.deepEqual(lines[0], "Invalid stack configuration (1 problem):", result.stderr);
                assert.equal(lines.length, 2, `one problem, one line:\n${result.stderr}`);
                assert.match(lines[1], problem);
                assert.ok(!/^\s+at /m.test(result.stderr), `no stack trace:\n${result.stderr}`);
            }
        });
    });

    describe("the plan as a library (aks-pod-subnet/plan)", () => {
        it("reads the example's stack file and runs a program under the mocks, as the README shows", () => {
            // A JavaScript program of the example's own, so that no TypeScript loader is needed in this check.
            fs.writeFileSync(
                path.join(consumer, "plan-check.js"),
                [
                    'const { Network } = require("aks-pod-subnet");',
                    'const { readStackFile, runProgram } = require("aks-pod-subnet/plan");',
                    'const { config, problems } = readStackFile("Pulumi.dev.yaml");',
                    "if (problems.length > 0) throw new Error(JSON.stringify(problems));",
                    "const program = () => {",
                    '    const network = new Network("net", {',
                    '        resourceGroupName: "rg", nodeSubnetCidr: "10.42.32.0/27", podSubnetCidr: "100.64.0.0/16",',
                    '        serviceCidr: "100.96.0.0/16", nodePools: [{ name: "system", mode: "System", count: 2 }],',
                    "    });",
                    "    return { vnet: network.plan.vnetAddressSpace };",
                    "};",
                    'runProgram({ stack: "dev", config, program }).then((run) => {',
                    "    const types = run.resources.map((r) => r.type);",
                    "    console.log(JSON.stringify({ keys: Object.keys(config), types, outputs: run.outputs }));",
                    "});",
                ].join("\n"),
            );
            const result = JSON.parse(run(process.execPath, ["plan-check.js"], consumer)) as {
                keys: string[];
                types: string[];
                outputs: { vnet: string[] };
            };
            assert.ok(result.keys.includes("aks-platform-example:kubernetesVersion"), result.keys.join(", "));
            assert.ok(result.types.includes("azure-native:network:VirtualNetwork"), result.types.join(", "));
            assert.deepEqual(result.outputs.vnet, ["10.42.32.0/27", "100.64.0.0/16"]);
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
