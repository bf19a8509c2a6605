import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { defaults } from "../src/defaults";
import { readStackConfig } from "../program/config";
import { CONFIG_KEYS, projectConfigSchema } from "../program/configKeys";
import { readConfigFile, readProjectConfigDeclarations } from "../program/stackFile";

const ROOT = path.join(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const declared = readProjectConfigDeclarations(ROOT);

/** The README section that documents config keys. */
function configReference(): string {
    const start = readme.indexOf("## Configuration reference");
    assert.ok(start >= 0, "README has a Configuration reference section");
    const end = readme.indexOf("\n## ", start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
}

describe("docs stay true", () => {
    it(
        "the README's config reference has a row for every key, " + "in the order program/configKeys.ts declares them",
        () => {
            const reference = configReference();
            // The first table of the section: the pool fields and the agent settings have tables of their own below it.
            const table = reference.slice(
                reference.indexOf("\n|"),
                reference.indexOf("\n\n", reference.indexOf("\n|")),
            );
            const rows = [...table.matchAll(/^\| `([\w:-]+)` \|/gm)].map((m) => m[1]);
            assert.deepEqual(rows, ["azure-native:location", ...Object.keys(CONFIG_KEYS)]);
        },
    );

    it("Pulumi.yaml's config section is generated from program/configKeys.ts (npm run config:sync)", () => {
        assert.deepEqual(declared, projectConfigSchema(), "Pulumi.yaml is stale: run npm run config:sync");
    });

    it("every declared key has a description, and optional keys a default", () => {
        for (const [key, declaration] of Object.entries(declared)) {
            assert.ok(declaration.description && declaration.description.length > 20, `${key} has a description`);
        }
        const required = Object.entries(declared)
            .filter(([, d]) => !("default" in d))
            .map(([k]) => k)
            .sort();
        assert.deepEqual(required, ["nodePools", "nodeSubnetCidr", "podSubnetCidr", "serviceCidr"]);
    });

    it("Pulumi.yaml's defaults agree with src/defaults.ts", () => {
        assert.equal(declared.outboundType.default, defaults.outboundType);
        assert.deepEqual(declared.ipMasqAgent.default, {});
        assert.ok(
            readme.includes(defaults.ipMasqAgent.image) && readme.includes(defaults.ipMasqAgent.chain),
            "README names the agent defaults",
        );
    });

    it("every npm command the README shows exists", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
        // `npm run -s plan` (silent: no banner on stdout) and `npm run plan -s` name the same script.
        const used = [...readme.matchAll(/npm run (?:-s |--silent )?([a-z][a-z-]*(?::[a-z-]+)*)/g)].map((m) => m[1]);
        assert.ok(used.includes("plan") && used.includes("bench"), "README shows plan and bench");
        assert.deepEqual(
            used.filter((name) => !(name in scripts)),
            [],
        );
        assert.ok(readme.includes("npm ci") && readme.includes("npm test"));
    });

    it("the docs the README links to exist", () => {
        const links = [...readme.matchAll(/\]\(((?:docs\/|CHANGELOG)[^)#]+)\)/g)].map((m) => m[1]);
        assert.ok(links.length >= 3, `README links docs: ${links}`);
        for (const link of links) assert.ok(fs.existsSync(path.join(ROOT, link)), `${link} exists`);
    });

    it("the changelog has an entry for the package version", () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.match(
            fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"),
            new RegExp(`## \\[${version.replace(/\./g, "\\.")}\\]`),
        );
    });
});

describe("the README's address savings are the planner's", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: routable addresses, node-subnet mode and saving`, () => {
            const raw = readConfigFile(path.join(ROOT, `Pulumi.${stack}.yaml`), ROOT);
            const { plan } = readStackConfig((key) => raw[key.includes(":") ? key : `aks-pod-subnet:${key}`], stack);
            const r = plan.routableAddresses;
            const peak = plan.pools.reduce((sum, p) => sum + p.peakNodes, 0);
            const row = readme.split("\n").find((line) => line.startsWith(`| \`${stack}\` |`));
            assert.ok(row, `README has a savings row for ${stack}`);
            assert.ok(row!.includes(`| ${peak} nodes,`), `${row} names ${peak} nodes`);
            assert.ok(
                row!.includes(`| ${r.podSubnetMode} (a /${plan.nodeSubnet.cidr.split("/")[1]}) |`),
                `${row} has ${r.podSubnetMode}`,
            );
            assert.ok(
                row!.includes(`| ${r.nodeSubnetModeNeeded.toLocaleString("en-US")} (a /${r.nodeSubnetModePrefix}) |`),
                `${row} has ${r.nodeSubnetModeNeeded}`,
            );
            assert.ok(row!.endsWith(`| ${r.savingPercent}% |`), `${row} ends with ${r.savingPercent}%`);
        });
    }
});
