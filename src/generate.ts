// Writes the committed copies generated from the zod schema: schema/qhub-config.schema.json and
// docs/config-reference.md. `npm run gen` runs it; a test fails when the copies drift.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchemaText } from "./config/json-schema.js";
import { packageRoot } from "./config/load.js";
import { configReference } from "./config/reference.js";

const root = packageRoot();
writeFileSync(join(root, "schema", "qhub-config.schema.json"), configJsonSchemaText());
writeFileSync(join(root, "docs", "config-reference.md"), configReference());
process.stderr.write("wrote schema/qhub-config.schema.json and docs/config-reference.md\n");
