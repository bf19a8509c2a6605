import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigurationError } from "../../src/errors";
import { readConfigFile } from "../../program/stackFile";
import { problemsOfMessage, readStackFile, stackFileError } from "../../src/plan/stackFile";

const ROOT = path.join(__dirname, "..", "..");

function read(yaml: string): Record<string, string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    const file = path.join(dir, "Pulumi.test.yaml");
    fs.writeFileSync(file, yaml);
    try {
        return readConfigFile(file, ROOT);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("stack settings files (as the Pulumi CLI hands them to the program)", () => {
    it("overlays the stack's values on Pulumi.yaml's declared defaults, JSON-encoding structured ones", () => {
        const config = read(
            "config:\n  azure-native:location: westeurope\n" +
                "  aks-pod-subnet:connectedCidrs: [10.0.0.0/8]\n  aks-pod-subnet:protect: true\n",
        );
        assert.equal(config["azure-native:location"], "westeurope");
        assert.equal(config["aks-pod-subnet:connectedCidrs"], '["10.0.0.0/8"]');
        assert.equal(config["aks-pod-subnet:protect"], "true");
        assert.equal(config["aks-pod-subnet:outboundType"], "loadBalancer");
        assert.equal(config["aks-pod-subnet:ipMasqAgent"], "{}");
    });

    it(
        "refuses undeclared keys of the project, suggesting the declared spelling, " +
            "with the program's problems in the same list",
        () => {
            assert.throws(
                () =>
                    read(
                        "config:\n  aks-pod-subnet:connectedCidr: [10.0.0.0/8]\n" +
                            "  aks-pod-subnet:podsubnetcidr: 100.64.0.0/20\n" +
                            "  aks-pod-subnet:nodeSubnetCidrs: 10.0.0.0/27\n",
                    ),
                (error: ConfigurationError) => {
                    assert.deepEqual(
                        error.problems.map((p) => p.key),
                        // The file's problems first; then the program's,
                        // less "is required" for keys a misspelt one stands for.
                        [
                            "connectedCidr",
                            "podsubnetcidr",
                            "nodeSubnetCidrs",
                            "serviceCidr",
                            "nodePools",
                            "azure-native:location",
                        ],
                    );
                    assert.match(error.problems[0].message, /did you mean connectedCidrs\?/);
                    assert.match(error.problems[1].message, /did you mean podSubnetCidr\?/);
                    assert.match(error.problems[2].message, /did you mean nodeSubnetCidr\?/);
                    assert.match(error.message, /^Invalid stack configuration \(6 problems\):/);
                    return true;
                },
            );
        },
    );

    it("a file without its config: section is that one problem, naming the settings at the top level", () => {
        assert.throws(
            () => read("azure-native:location: westeurope\naks-pod-subnet:nodeSubnetCidr: 10.42.8.0/27\n"),
            (error: ConfigurationError) => {
                assert.deepEqual(
                    error.problems.map((p) => p.key),
                    ["config"],
                );
                assert.match(
                    error.problems[0].message,
                    new RegExp(
                        String.raw`no "config:" section \(azure-native:location, ` +
                            String.raw`aks-pod-subnet:nodeSubnetCidr stand at the top level\)`,
                    ),
                );
                return true;
            },
        );
        assert.throws(() => read(""), /config: the stack settings file has no "config:" section/);
        assert.throws(() => read("config:\n  - a\n"), /config: expected a map of settings/);
    });

    it("points the region to azure-native:location and catches near misses in other namespaces", () => {
        const keys = (yaml: string) => {
            try {
                read(yaml);
            } catch (error) {
                return (error as ConfigurationError).problems.map((p) => `${p.key}: ${p.message}`);
            }
            return [];
        };
        assert.ok(
            keys("config:\n  aks-pod-subnet:location: westeurope\n").includes(
                "location: is not a config key of this project: the Azure region is azure-native:location",
            ),
        );
        assert.ok(
            !keys("config:\n  aks-pod-subnet:location: westeurope\n").some((p) =>
                p.startsWith("azure-native:location: is required"),
            ),
            "not required twice",
        );
        for (const typo of ["azure-native:locaton", "azure-nativ:location", "azure:location"]) {
            assert.ok(
                keys(`config:\n  ${typo}: westeurope\n`).includes(
                    `${typo}: is not a setting the program reads: did you mean azure-native:location?`,
                ),
                typo,
            );
        }
    });

    it("refuses scalars of the wrong declared type (an unquoted version is a number)", () => {
        assert.throws(
            () => read("config:\n  aks-pod-subnet:kubernetesVersion: 1.30\n"),
            /kubernetesVersion: is declared as a string, got number 1\.3 — quote it/,
        );
        assert.throws(
            () => read("config:\n  aks-pod-subnet:privateCluster: yes-please\n"),
            /privateCluster: is declared as a boolean/,
        );
        assert.throws(
            () => read("config:\n  aks-pod-subnet:natGatewayIdleTimeoutMinutes: 4.5\n"),
            /natGatewayIdleTimeoutMinutes: is declared as an integer/,
        );
        // Pulumi.yaml's default for it is 0, "unset": only a value the stack sets is checked against the outbound type.
        assert.equal(
            read("config:\n  azure-native:location: westeurope\n")["aks-pod-subnet:natGatewayIdleTimeoutMinutes"],
            "0",
        );
    });

    it("leaves other namespaces alone and refuses encrypted values it cannot read", () => {
        assert.equal(read("config:\n  azure-native:subscriptionId: abc\n")["azure-native:subscriptionId"], "abc");
        assert.throws(() => read("config:\n  aks-pod-subnet:tags:\n    secure: v1:abc\n"), /encrypted/);
    });
});

describe("stack settings files of any project (src/plan/stackFile.ts, the plan CLI's reader)", () => {
    function project(pulumiYaml: string, stackYaml: string) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-project-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
        try {
            return readStackFile(path.join(dir, "Pulumi.dev.yaml"), dir);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it(
        "qualifies keys with the project's own name, " + "and accepts undeclared keys where Pulumi.yaml declares none",
        () => {
            const reading = project("name: platform\nruntime: nodejs\n", "config:\n  team: a\n  platform:size: 3\n");
            assert.deepEqual(reading.config, { "platform:team": "a", "platform:size": "3" });
            assert.deepEqual(reading.problems, [], "no problems");
            assert.equal(reading.stack, "dev");
        },
    );

    it("checks declared keys and types, and merges the program's problems except those of refused keys", () => {
        const reading = project(
            "name: platform\nconfig:\n  kubernetesVersion:\n    type: string\n    default: '1.36'\n",
            "config:\n  platform:kubernetesVersion: 1.30\n  platform:kubernetesVerison: x\n",
        );
        assert.deepEqual(
            reading.problems.map((p) => p.key),
            ["kubernetesVersion", "kubernetesVerison"],
        );
        assert.equal(reading.config["platform:kubernetesVersion"], "1.36", "the refused value leaves the default");
        const error = stackFileError(
            reading,
            problemsOfMessage("Invalid stack configuration (2 problems):\n  - kubernetesVersion: no\n  - a.b: bad"),
        );
        assert.deepEqual(
            error.problems.map((p) => `${p.key}: ${p.message.split(":")[0]}`),
            [
                "kubernetesVersion: is declared as a string, got number 1.3 — quote it",
                "kubernetesVerison: is not a config key of this project",
                "a.b: bad",
            ],
        );
        assert.deepEqual(problemsOfMessage("TypeError: x is not a function"), [], "not a configuration error");
    });
});
