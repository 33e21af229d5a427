// Writes the committed copies generated from the zod schema: schema/qhub-config.schema.json and
// docs/config-reference.md. `npm run gen` runs it; a test fails when the copies drift.
import { join } from "node:path";
import { configJsonSchemaText } from "./config/json-schema.js";
import { packageRoot } from "./config/load.js";
import { writePackageText } from "./fs/safe.js";
import { configReference } from "./config/reference.js";

const root = packageRoot();
writePackageText(join(root, "schema", "qhub-config.schema.json"), configJsonSchemaText());
writePackageText(join(root, "docs", "config-reference.md"), configReference());
process.stderr.write("wrote schema/qhub-config.schema.json and docs/config-reference.md\n");
