/**
 * `npm run config:sync`: writes Pulumi.yaml's `config:` section from program/configKeys.ts, the one declaration of
 * the stack program's keys (test/docs.test.ts fails while the two differ).
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { projectConfigSchema } from "../program/configKeys";

const file = path.join(__dirname, "..", "Pulumi.yaml");
const text = fs.readFileSync(file, "utf8");
const start = text.search(/^config:$/m);
if (start < 0) throw new Error(`${file} has no top-level "config:" section to replace`);
const section = stringify({ config: projectConfigSchema() }, { lineWidth: 0 });
fs.writeFileSync(file, text.slice(0, start) + section);
console.log(
    `${path.relative(process.cwd(), file)}: config section written (${Object.keys(projectConfigSchema()).length} keys)`,
);
