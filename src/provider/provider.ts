/**
 * The component provider: which components other languages get, under which package name and version. Shared by the
 * plugin's entry point (index.ts), `npm run schema` (schema.ts) and the tests, so that all three describe one package.
 */
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider, ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { IpMasqAgentDeployment } from "./ipMasqAgentDeployment";
import { PodSubnetCluster } from "./podSubnetCluster";

/** The Pulumi package name: resource types are `aks-pod-subnet:index:<Component>`. */
export const PACKAGE_NAME = "aks-pod-subnet";

/** The components, by the class names that are their resource type names. */
export const COMPONENTS = [PodSubnetCluster, IpMasqAgentDeployment];

/**
 * The options of the provider. `dirname` is this directory: the analyzer reads its package.json (description) and
 * tsconfig.json, and starts at its index.ts. The version is the library's own (the root package.json), so that the
 * plugin never drifts from the package it serves.
 */
export function providerOptions(): ComponentProviderOptions & { version: string } {
    const root = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
        version: string;
    };
    return { name: PACKAGE_NAME, version: root.version, dirname: __dirname, components: COMPONENTS };
}

export function componentProvider(): ComponentProvider {
    return new ComponentProvider(providerOptions());
}
