import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runPlanCli } from "../helpers/planCli";

/*
 * A platform team's program that takes addresses from another stack (the network team's hub) through a
 * StackReference, awaited in an async entry point so that they are plain values the components check at preview:
 * the offline plan runs it on the outputs given with --stack-outputs, and refuses to make them up.
 */
const ROOT = path.join(__dirname, "..", "..");
const HUB = "acme/network/hub";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Network } from ${JSON.stringify(path.join(ROOT, "src"))};

// Pulumi runs an exported function and awaits it: the hub's outputs are plain values before any component exists.
export = async () => {
    const hub = new pulumi.StackReference(${JSON.stringify(HUB)});
    const hubRanges = (await hub.getOutputDetails("addressSpace")).value as string[];
    const network = new Network("spoke", {
        resourceGroupName: "rg-spoke",
        nodeSubnetCidr: "10.42.8.0/27",
        podSubnetCidr: "100.64.0.0/20",
        serviceCidr: "100.96.0.0/16",
        connectedCidrs: hubRanges,
        nodePools: [{ name: "system", mode: "System", count: 2 }],
    });
    return { vnet: network.plan.vnetAddressSpace };
};
`;

interface PlanJson {
    resources: { type: string }[];
    networks?: { name: string; addressPlan: { connectedCidrs: string[] } }[];
    addressPlan?: { connectedCidrs: string[] };
}

describe("the offline plan of a program that reads another stack's outputs (--stack-outputs)", function () {
    this.timeout(120_000);
    let dir: string;

    before(() => {
        execFileSync(process.execPath, [path.join(ROOT, "tooling", "transpile.mjs")], { cwd: ROOT, stdio: "ignore" });
        // Inside the repository, so that the program resolves the repository's own @pulumi/pulumi (one copy).
        dir = fs.mkdtempSync(path.join(ROOT, ".plan-test-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: spoke\nruntime: nodejs\nmain: index.ts\n");
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
        fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
        fs.writeFileSync(path.join(dir, "hub.json"), JSON.stringify({ addressSpace: ["10.40.0.0/16"], vnetId: "x" }));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("plans on the given outputs: the hub's range is a connected network of the spoke", async () => {
        const run = await runPlanCli(
            ["--program", dir, "--stack", "dev", "--json", "--stack-outputs", `${HUB}=hub.json`],
            {
                cwd: dir,
            },
        );
        assert.equal(run.code, 0, run.stderr);
        const plan = JSON.parse(run.stdout) as PlanJson;
        const connected = plan.addressPlan?.connectedCidrs ?? plan.networks?.[0].addressPlan.connectedCidrs;
        assert.deepEqual(connected, ["10.40.0.0/16"], run.stdout.slice(0, 400));
        assert.ok(
            plan.resources.some((r) => r.type === "azure-native:network:VirtualNetwork"),
            "the VNet is planned",
        );
    });

    it("refuses to plan without them, naming the stack and how to give its outputs", async () => {
        const run = await runPlanCli(["--program", dir, "--stack", "dev", "--json"], { cwd: dir });
        assert.notEqual(run.code, 0, "a plan on made-up outputs");
        assert.equal(run.stdout, "", "nothing on stdout");
        assert.match(run.stderr, new RegExp(`--stack-outputs ${HUB}=FILE`), run.stderr);
        assert.match(run.stderr, /pulumi stack output --json --stack acme\/network\/hub > FILE/, run.stderr);
        assert.ok(!/^\s+at /m.test(run.stderr), `no stack trace:\n${run.stderr}`);
    });

    it("gives one line and the exit status for an unreadable, non-JSON or malformed outputs argument", async () => {
        fs.writeFileSync(path.join(dir, "broken.json"), "{ not json");
        const cases: [string, number, RegExp][] = [
            [`${HUB}=missing.json`, 66, /cannot read missing\.json \(ENOENT\); write it with: pulumi stack output/],
            [`${HUB}=broken.json`, 65, /broken\.json is not JSON/],
            ["hub.json", 64, /expected NAME=FILE/],
        ];
        for (const [spec, code, message] of cases) {
            const run = await runPlanCli(["--program", dir, "--stack", "dev", "--stack-outputs", spec], { cwd: dir });
            assert.equal(run.code, code, `${spec}: ${run.stderr}`);
            assert.equal(run.stderr.trimEnd().split("\n").length, 1, `one line:\n${run.stderr}`);
            assert.match(run.stderr, message);
        }
    });
});
