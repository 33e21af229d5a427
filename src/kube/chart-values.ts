// Helm values checked as Helm checks them: the release's values merged over the chart's default
// values, validated against the chart's values schema (values.schema.json).
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import { existsSync, readFileSync } from "node:fs";
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
      const dir = dirs.find((d) => existsSync(join(d, `${name}.schema.json`)));
      const defaults = dir === undefined ? undefined : join(dir, `${name}.values.yaml`);
      cache.set(
        name,
        dir === undefined || defaults === undefined
          ? undefined
          : valuesValidator({
              schema: JSON.parse(readFileSync(join(dir, `${name}.schema.json`), "utf8")) as Record<
                string,
                unknown
              >,
              defaults: existsSync(defaults) ? (parse(readFileSync(defaults, "utf8")) as unknown) : {},
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
