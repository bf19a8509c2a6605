/**
 * The plugin's entry point: `pulumi package add` (through the nodejs language host's run-plugin) loads this directory,
 * which serves the component provider to the engine. Importing this module starts the provider, so nothing else
 * imports it; the components and the options live in their own modules.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { providerOptions } from "./provider";

export { IpMasqAgentDeployment } from "./ipMasqAgentDeployment";
export { PodSubnetCluster } from "./podSubnetCluster";

// The host reads the engine's address from the command line and serves until the engine stops it. run-plugin would
// host the exported components by itself too, named from package.json; hosting here first fixes the name and the
// version (run-plugin's own call then returns at once).
componentProviderHost(providerOptions()).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
