/** `npm run -s schema`: the package schema the provider serves, as JSON on stdout (offline: no engine, no cloud). */
import { componentProvider } from "./provider";

componentProvider()
    .getSchema()
    .then((schema) => process.stdout.write(`${JSON.stringify(JSON.parse(schema), null, 2)}\n`))
    .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
    });
