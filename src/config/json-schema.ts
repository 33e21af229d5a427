import { toJSONSchema } from "zod/mini";
import { schemas } from "./schema.js";

export const SCHEMA_ID = "https://qhub.dev/schema/qhub-config.v1.json";

/** The JSON Schema of qhub-config.yaml, generated from the zod schema (what users may write). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = toJSONSchema(schemas().QhubConfig, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  });
  return { ...schema, $id: SCHEMA_ID, title: "qhub-config.yaml" };
}

/** The schema as the bytes QHub writes: stable key order, two-space indent, final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
