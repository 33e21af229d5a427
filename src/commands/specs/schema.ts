import type { CommandSpec } from "./spec.js";

export const schemaCommand: CommandSpec<Record<string, never>, []> = {
  name: "schema",
  description: "print the config's JSON Schema (for editors and CI)",
  notes: "Exit status: 0.",
  examples: ["qhub schema > qhub-config.schema.json"],
  run: async ({ io }) => (await import("../schema.js")).runSchema(io),
};
