// The light half of chart-values.ts: Helm's merge, the digest that ties a precompiled validator to
// its schema, and loading one. `qhub validate` checks `jupyterhub.overrides` through this module
// alone, so that its bundle carries no ajv: the build precompiles the pinned charts' validators
// (dist/chunks/charts/), and ajv is required at run time only when none fits (the sources run
// unbuilt, or charts/ changed).
import type { ErrorObject, ValidateFunction } from "ajv";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse } from "yaml";
import { kindNamed, MAX_TREE_FILE, readNamed } from "../fs/safe.js";

/** Helm's merge of user values over chart defaults: maps merge, `null` deletes, the rest replaces. */
export function helmMerge(defaults: unknown, values: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete out[k];
    else out[k] = k in defaults ? helmMerge(defaults[k], v) : v;
  }
  return out;
}

/** What identifies a chart's schema and defaults: a precompiled validator is used only for these bytes. */
export function chartDigest(schemaText: string, defaultsText: string | undefined): string {
  return createHash("sha256")
    .update(schemaText)
    .update("\0")
    .update(defaultsText ?? "")
    .digest("hex");
}

/** Ajv's options for values schemas: every error, formats unchecked (Helm does not check them). */
export const AJV_OPTIONS = { strict: false, allErrors: true, validateFormats: false } as const;

/** The schema without its `$schema` key, and whether it is draft 2020-12 (else draft-07's Ajv). */
export function schemaBody(schema: Record<string, unknown>): {
  body: Record<string, unknown>;
  draft2020: boolean;
} {
  // Some published schemas carry a malformed `$schema` key; the draft is all it says.
  const body = Object.fromEntries(Object.entries(schema).filter(([k]) => !k.startsWith("$schema")));
  const declared = schema.$schema;
  return { body, draft2020: typeof declared === "string" && declared.includes("2020-12") };
}

/** Problems as `path: message` lines, from a compiled schema run over the merged values. */
export function problemsOf(validate: ValidateFunction, defaults: unknown): (values: unknown) => string[] {
  return (values) => {
    if (validate(helmMerge(defaults, values))) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => {
      const extra =
        e.keyword === "additionalProperties"
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : "";
      return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
    });
  };
}

/** The precompiled validator at `file` when it was made from these bytes (digest), else undefined. */
export function aheadOfTime(file: string, digest: string): ((values: unknown) => string[]) | undefined {
  if (kindNamed(file) !== "file") return undefined;
  const module = createRequire(import.meta.url)(file) as {
    default: ValidateFunction;
    digest: string;
    defaults: unknown;
  };
  return module.digest === digest ? problemsOf(module.default, module.defaults) : undefined;
}

/**
 * The values validator of a chart QHub pins (`name` is `<chart>-<version>`) for QHub installed at
 * `root`, or undefined when charts/ has no schema for it.
 */
export function pinnedValuesCheck(root: string, name: string): ((values: unknown) => string[]) | undefined {
  const dir = join(root, "charts");
  const read = (file: string) => readNamed(join(dir, file), "chart schema", MAX_TREE_FILE)?.toString("utf8");
  const schema =
    kindNamed(join(dir, `${name}.schema.json`)) === "file" ? read(`${name}.schema.json`) : undefined;
  if (schema === undefined) return undefined;
  const defaults = read(`${name}.values.yaml`);
  const ahead = aheadOfTime(
    join(root, "dist", "chunks", "charts", `${name}.cjs`),
    chartDigest(schema, defaults),
  );
  if (ahead) return ahead;
  const { body, draft2020 } = schemaBody(JSON.parse(schema) as Record<string, unknown>);
  // Required, not imported: a bundle that never gets here does not carry ajv.
  const load = createRequire(import.meta.url);
  const { default: AjvClass } = load(draft2020 ? "ajv/dist/2020.js" : "ajv") as {
    default: new (options: typeof AJV_OPTIONS) => { compile(schema: unknown): ValidateFunction };
  };
  return problemsOf(
    new AjvClass(AJV_OPTIONS).compile(body),
    defaults === undefined ? {} : (parse(defaults) as unknown),
  );
}
