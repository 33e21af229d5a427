// Helm values checked as Helm checks them: the release's values merged over the chart's default
// values, validated against the chart's values schema (values.schema.json). The light half, which
// needs no ajv, is values-check.ts.
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvStandalone from "ajv/dist/standalone/index.js";
import { kindNamed, MAX_TREE_FILE, readNamed } from "../fs/safe.js";
import { aheadOfTime, AJV_OPTIONS, chartDigest, problemsOf, schemaBody } from "./values-check.js";
import { join } from "node:path";
import { parse } from "yaml";

export { chartDigest, helmMerge } from "./values-check.js";

export interface ChartSchema {
  /** The parsed values.schema.json. */
  schema: Record<string, unknown>;
  /** The chart's default values.yaml, parsed. */
  defaults: unknown;
}

/** An Ajv for the schema's draft, and the schema without its `$schema` key. */
function compiler(schema: Record<string, unknown>, source: boolean) {
  const { body, draft2020 } = schemaBody(schema);
  const options = { ...AJV_OPTIONS, code: { source } };
  return { ajv: draft2020 ? new Ajv2020(options) : new Ajv(options), body };
}

/** `(values) => problems`, one line per problem as `path: message`. */
export function valuesValidator(chart: ChartSchema): (values: unknown) => string[] {
  const { ajv, body } = compiler(chart.schema, false);
  return problemsOf(ajv.compile(body), chart.defaults);
}

/**
 * A chart's validator compiled ahead of time (the build does it for charts/): a CommonJS module
 * that exports the Ajv validate function, `digest` (chartDigest of the bytes it was made from) and
 * `defaults`. Compiling the large schemas (JupyterHub's is 221 kB) is most of what `qhub check`
 * adds to Kustomize's builds.
 */
export function precompiledValidator(schemaText: string, defaultsText: string | undefined): string {
  const { ajv, body } = compiler(JSON.parse(schemaText) as Record<string, unknown>, true);
  const validate = ajv.compile(body);
  const defaults = defaultsText === undefined ? {} : (parse(defaultsText) as unknown);
  return [
    // ajv/dist/standalone is CommonJS whose module.exports is the function, also as `.default`.
    ajvStandalone.default(ajv, validate),
    `module.exports.digest = ${JSON.stringify(chartDigest(schemaText, defaultsText))};`,
    `module.exports.defaults = ${JSON.stringify(defaults)};`,
    "",
  ].join("\n");
}

/**
 * Values validators from folders of `<chart>-<version>.schema.json` (and `.values.yaml`, the
 * chart's defaults), by `<chart>-<version>`; the first folder that has the schema wins; undefined
 * where none has it. Each schema is read and compiled once, when first asked for.
 */
export function chartValidators(
  dirs: readonly string[],
  precompiled?: { dir: string; for: string },
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
      const ahead =
        schema !== undefined && precompiled !== undefined && dir === precompiled.for
          ? aheadOfTime(join(precompiled.dir, `${name}.cjs`), chartDigest(schema, defaults))
          : undefined;
      cache.set(
        name,
        schema === undefined
          ? undefined
          : (ahead ??
              valuesValidator({
                schema: JSON.parse(schema) as Record<string, unknown>,
                defaults: defaults === undefined ? {} : (parse(defaults) as unknown),
              })),
      );
    }
    return cache.get(name);
  };
}

/** The values schemas and defaults of the charts QHub pins, shipped with QHub (`charts/`). */
export function pinnedChartsDir(root: string): string {
  return join(root, "charts");
}

/**
 * Validators of the pinned charts (and `extra`'s first) for QHub installed at `root`: the ones the
 * build precompiled (dist/chunks/charts/) while charts/ holds the bytes they were made from.
 */
export function pinnedChartValidators(
  root: string,
  extra?: string,
): (name: string) => ((values: unknown) => string[]) | undefined {
  const pinned = pinnedChartsDir(root);
  return chartValidators([...(extra === undefined ? [] : [extra]), pinned], {
    dir: join(root, "dist", "chunks", "charts"),
    for: pinned,
  });
}
