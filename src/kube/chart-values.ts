// Helm values checked as Helm checks them: the release's values merged over the chart's default
// values, validated against the chart's values schema (values.schema.json).
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import { kindNamed, MAX_TREE_FILE, readNamed } from "../fs/safe.js";
import { join } from "node:path";
import { parse } from "yaml";

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

export interface ChartSchema {
  /** The parsed values.schema.json. */
  schema: Record<string, unknown>;
  /** The chart's default values.yaml, parsed. */
  defaults: unknown;
}

/** `(values) => problems`, one line per problem as `path: message`. */
export function valuesValidator(chart: ChartSchema): (values: unknown) => string[] {
  // Some published schemas carry a malformed `$schema` key; the draft is all it says.
  const schema = Object.fromEntries(Object.entries(chart.schema).filter(([k]) => !k.startsWith("$schema")));
  const declared = chart.schema.$schema;
  const draft2020 = typeof declared === "string" && declared.includes("2020-12");
  const options = { strict: false, allErrors: true, validateFormats: false };
  const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
  const validate = ajv.compile(schema);
  return (values) => {
    if (validate(helmMerge(chart.defaults, values))) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => {
      const extra =
        e.keyword === "additionalProperties"
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : "";
      return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
    });
  };
}

/**
 * Values validators from folders of `<chart>-<version>.schema.json` (and `.values.yaml`, the
 * chart's defaults), by `<chart>-<version>`; the first folder that has the schema wins; undefined
 * where none has it. Each schema is read and compiled once, when first asked for.
 */
export function chartValidators(
  dirs: readonly string[],
): (name: string) => ((values: unknown) => string[]) | undefined {
  const cache = new Map<string, ((values: unknown) => string[]) | undefined>();
  return (name) => {
    if (!cache.has(name)) {
      // A folder a person names (--chart-schemas) or QHub's own: regular files of bounded size.
      const dir = dirs.find((d) => kindNamed(join(d, `${name}.schema.json`)) === "file");
      const read = (file: string) =>
        readNamed(join(dir!, file), "chart schema", MAX_TREE_FILE)?.toString("utf8");
      const schema = dir === undefined ? undefined : read(`${name}.schema.json`);
      const defaults = dir === undefined ? undefined : read(`${name}.values.yaml`);
      cache.set(
        name,
        schema === undefined
          ? undefined
          : valuesValidator({
              schema: JSON.parse(schema) as Record<string, unknown>,
              defaults: defaults === undefined ? {} : (parse(defaults) as unknown),
            }),
      );
    }
    return cache.get(name);
  };
}

/** The values schemas and defaults of the charts QHub pins, shipped with QHub (`charts/`). */
export function pinnedChartsDir(root: string): string {
  return join(root, "charts");
}
