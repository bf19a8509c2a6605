import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigurationError } from "../components/errors";
import { readConfigFile } from "../program/stackFile";

const ROOT = path.join(__dirname, "..");

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
        const config = read("config:\n  azure-native:location: westeurope\n  aks-pod-subnet:connectedCidrs: [10.0.0.0/8]\n  aks-pod-subnet:protect: true\n");
        assert.equal(config["azure-native:location"], "westeurope");
        assert.equal(config["aks-pod-subnet:connectedCidrs"], '["10.0.0.0/8"]');
        assert.equal(config["aks-pod-subnet:protect"], "true");
        assert.equal(config["aks-pod-subnet:outboundType"], "loadBalancer");
        assert.equal(config["aks-pod-subnet:ipMasqAgent"], "{}");
    });

    it("refuses undeclared keys of the project, suggesting the declared spelling", () => {
        assert.throws(
            () => read("config:\n  aks-pod-subnet:connectedCidr: [10.0.0.0/8]\n  aks-pod-subnet:podsubnetcidr: 100.64.0.0/20\n"),
            (error: ConfigurationError) => {
                assert.deepEqual(
                    error.problems.map((p) => p.key),
                    ["connectedCidr", "podsubnetcidr"],
                );
                assert.match(error.problems[1].message, /did you mean podSubnetCidr\?/);
                return true;
            },
        );
    });

    it("refuses scalars of the wrong declared type (an unquoted version is a number)", () => {
        assert.throws(() => read("config:\n  aks-pod-subnet:kubernetesVersion: 1.30\n"), /kubernetesVersion: is declared as a string, got number 1\.3 — quote it/);
        assert.throws(() => read("config:\n  aks-pod-subnet:privateCluster: yes-please\n"), /privateCluster: is declared as a boolean/);
        assert.throws(() => read("config:\n  aks-pod-subnet:natGatewayIdleTimeoutMinutes: 4.5\n"), /natGatewayIdleTimeoutMinutes: is declared as an integer/);
    });

    it("leaves other namespaces alone and refuses encrypted values it cannot read", () => {
        assert.equal(read("config:\n  azure-native:subscriptionId: abc\n")["azure-native:subscriptionId"], "abc");
        assert.throws(() => read("config:\n  aks-pod-subnet:tags:\n    secure: v1:abc\n"), /encrypted/);
    });
});
