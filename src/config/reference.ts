// docs/config-reference.md, generated from the JSON Schema that zod generates: one row per key.
import { configJsonSchema } from "./json-schema.js";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

const IDENTITY = new Set(["project_name", "namespace", "provider", "gitops.clusters"]);

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  const variants = s.anyOf ?? s.oneOf;
  if (variants) {
    if (variants.every((v) => v.properties && ("fromEnv" in v.properties || "fromFile" in v.properties)))
      return "secret reference";
    return [...new Set(variants.map(typeOf))].join(" or ");
  }
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  if (s.type === "object" && !s.properties && typeof s.additionalProperties === "object") return "map";
  if (Array.isArray(s.type)) return s.type.join(" or ");
  return s.type ?? "any";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function walk(s: JsonSchema, path: string, required: boolean, rows: string[], depth: number): void {
  if (depth > 8) return;
  if (path !== "") {
    const def = s.default === undefined ? "" : `\`${JSON.stringify(s.default)}\``;
    const notes = [
      s.description ?? "",
      IDENTITY.has(path) ? "**Identity field**: `qhub diff` and `qhub pr` warn when it changes." : "",
    ]
      .filter(Boolean)
      .join(" ");
    rows.push(
      `| \`${path}\` | ${cell(typeOf(s))} | ${required ? "yes" : ""} | ${cell(def)} | ${cell(notes)} |`,
    );
  }
  const variants = s.anyOf ?? s.oneOf;
  if (variants && !typeOf(s).startsWith("secret")) {
    variants.forEach((v) => {
      if (!v.properties) return;
      const tag = v.properties.type?.const as string | undefined;
      for (const [key, child] of Object.entries(v.properties)) {
        if (key === "type") continue;
        const label = tag === undefined ? `${path}.${key}` : `${path}.${key} (type ${tag})`;
        walk(child, label, v.required?.includes(key) ?? false, rows, depth + 1);
      }
    });
    return;
  }
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    walk(child, path === "" ? key : `${path}.${key}`, s.required?.includes(key) ?? false, rows, depth + 1);
  }
  if (typeof s.additionalProperties === "object" && s.additionalProperties.properties) {
    walk(s.additionalProperties, `${path}.<name>`, false, rows, depth + 1);
  }
  if (s.items?.properties) walk(s.items, `${path}[]`, false, rows, depth + 1);
}

/** The Markdown config reference. */
export function configReference(): string {
  const schema = configJsonSchema() as JsonSchema;
  const rows: string[] = [];
  const sections = Object.entries(schema.properties ?? {});
  for (const [key, child] of sections) {
    rows.push("");
    rows.push(`## \`${key}\``);
    rows.push("");
    rows.push("| key | type | required | default | description |");
    rows.push("|---|---|---|---|---|");
    walk(child, key, schema.required?.includes(key) ?? false, rows, 0);
  }
  return [
    "# qhub-config.yaml reference",
    "",
    "Generated from QHub's zod schema by `npm run gen`; do not edit by hand (a test fails when it drifts).",
    "Secret references are `{ fromEnv: NAME }` or `{ fromFile: PATH }`; a literal secret is refused.",
    "Identity fields (`project_name`, `namespace`, `provider`, cluster names) may change, but",
    "`qhub diff` and `qhub pr` warn loudly: changing them moves or recreates the platform.",
    ...rows,
    "",
  ].join("\n");
}
