// Every HelmRelease QHub renders passes its pinned chart's values schema, with its values merged
// over the chart's defaults as Helm does (schemas and defaults shipped in charts/).
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { chartValidators, helmMerge } from "../src/kube/chart-values.js";
import { ROOT, runMain, tempDir } from "./helpers.js";
import { kustomizeBuild, kustomizeTest } from "./kustomize.js";

const SCHEMAS = join(ROOT, "charts");

const chart = chartValidators([SCHEMAS]);

describe("Helm values", () => {
  test("helmMerge merges maps, replaces lists and scalars, and deletes on null", () => {
    expect(helmMerge({ a: { b: 1, c: [1, 2] }, d: 1, e: 2 }, { a: { c: [3] }, d: null, f: "x" })).toEqual({
      a: { b: 1, c: [3] },
      e: 2,
      f: "x",
    });
  });

  test("the schemas are there and catch a wrong value (the check can fail)", () => {
    expect(existsSync(SCHEMAS), `${SCHEMAS} is missing`).toBe(true);
    const traefik = chart("traefik-41.3.0");
    expect(traefik).toBeDefined();
    expect(traefik?.({ ingressClass: { enabled: "yes" } })).toEqual([
      "/ingressClass/enabled: must be boolean",
    ]);
    expect(traefik?.({ ingressClass: { isDefault: true } })).toEqual([
      "/ingressClass: must NOT have additional properties (isDefault)",
    ]);
  });

  kustomizeTest("every rendered HelmRelease with a pinned schema passes it, on every provider", async () => {
    const fixtures = join(ROOT, "test", "fixtures", "render");
    const configs = [
      join(ROOT, "examples", "qhub-config.yaml"),
      ...readdirSync(fixtures).map((f) => join(fixtures, f)),
    ];
    let checked = 0;
    for (const config of configs) {
      const out = tempDir();
      expect((await runMain(["render", "--config", config, "--output", out])).code).toBe(0);
      for (const cluster of readdirSync(join(out, "cluster-overlays"))) {
        for (const layer of readdirSync(join(out, "cluster-overlays", cluster))) {
          for (const o of kustomizeBuild(join(out, "cluster-overlays", cluster, layer))) {
            if (o.kind !== "HelmRelease") continue;
            const spec = o.spec as { chart: { spec: { chart: string; version: string } }; values?: unknown };
            const validate = chart(`${spec.chart.spec.chart}-${spec.chart.spec.version}`);
            if (!validate) continue; // no schema published for this chart (csi-driver-nfs)
            expect(validate(spec.values ?? {}), `${config}: ${cluster}/${o.metadata.name}`).toEqual([]);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });
});

describe("validators compiled ahead of time (dist/chunks/charts/, made by the build)", () => {
  const BUILT = join(ROOT, "dist", "chunks", "charts");
  const samples: Record<string, unknown>[] = [
    {},
    { ingressClass: { enabled: "yes" } },
    { hub: { image: { name: 3 } }, nope: true },
    { gateway: { prefix: 1 }, controller: { nodeSelector: { a: 2 } } },
    { webhook: { replicaCount: "two" } },
  ];

  test("each gives the problems the schema compiled at run time gives", () => {
    const built = readdirSync(BUILT).filter((f) => f.endsWith(".cjs"));
    expect(built.sort()).toEqual(
      readdirSync(SCHEMAS)
        .filter((f) => f.endsWith(".schema.json"))
        .map((f) => f.replace(/\.schema\.json$/, ".cjs"))
        .sort(),
    );
    const ahead = chartValidators([SCHEMAS], { dir: BUILT, for: SCHEMAS });
    for (const f of built) {
      const name = f.replace(/\.cjs$/, "");
      for (const values of samples) expect(ahead(name)?.(values), name).toEqual(chart(name)?.(values));
    }
    // The samples do reach problems: the comparison is not between two empty lists.
    expect(
      samples.flatMap((v) => built.flatMap((f) => ahead(f.replace(/\.cjs$/, ""))?.(v) ?? [])),
    ).not.toEqual([]);
  });

  test("one made from other bytes is not used: charts/ as it is now decides", () => {
    const dir = tempDir();
    const name = "traefik-41.3.0";
    const strict = JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), "utf8")) as {
      properties: Record<string, unknown>;
    };
    strict.properties.ingressClass = { type: "string" };
    writeFileSync(join(dir, `${name}.schema.json`), JSON.stringify(strict));
    copyFileSync(join(SCHEMAS, `${name}.values.yaml`), join(dir, `${name}.values.yaml`));
    // The built validator is the shipped schema's; this folder's schema differs, so it is compiled.
    const validate = chartValidators([dir], { dir: BUILT, for: dir })(name);
    expect(validate?.({ ingressClass: "x" })).toEqual([]);
    expect(validate?.({ ingressClass: { enabled: true } })).toEqual(["/ingressClass: must be string"]);
  });
});
