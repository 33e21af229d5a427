import type { Io } from "../io.js";
import { configJsonSchemaText } from "../config/json-schema.js";

/** `qhub schema`: the config's JSON Schema on stdout, for editors and CI. */
export function runSchema(io: Io): number {
  io.stdout(configJsonSchemaText());
  return 0;
}
