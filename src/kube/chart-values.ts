// Helm values checked as Helm checks them: the release's values merged over the chart's default
// values, validated against the chart's values schema (values.schema.json).
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";

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
