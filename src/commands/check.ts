import { kindNamed } from "../fs/safe.js";
import { resolve } from "node:path";
import type { Io } from "../io.js";
import { tasksOf } from "../ui/tasks.js";
import { UserError } from "../errors.js";
import { analyzeCluster } from "../check/analyze.js";
import type { Finding } from "../check/analyze.js";
import { clustersOf, collectCluster } from "../check/collect.js";
import { assertKustomize } from "../check/kustomize.js";
import { pinnedChartValidators } from "../kube/chart-values.js";
import { packageRoot } from "../config/load.js";

export interface CheckOptions {
  /** The rendered repository. @default "." */
  dir: string;
  /** Another folder of `<chart>-<version>.schema.json` and `.values.yaml` files, for charts QHub does not pin. */
  chartSchemas?: string;
  /** Objects created outside the repository, as KIND/NAMESPACE/NAME (or KIND/NAME). */
  external: string[];
  json: boolean;
}

/** Created by `flux bootstrap` or by hand as the rendered README says. */
const ALWAYS_EXTERNAL = ["GitRepository/flux-system/flux-system", "Secret/flux-system/sops-age"];

/** Helm values checked against the pinned charts' schemas (shipped), and `--chart-schemas` first. */
function chartValues(dir: string | undefined) {
  if (dir !== undefined && kindNamed(dir) !== "dir")
    throw new UserError(
      `--chart-schemas ${dir} does not exist or is not a folder`,
      "pass a folder of <chart>-<version>.schema.json files",
    );
  const validators = pinnedChartValidators(packageRoot(), dir);
  return (chart: string, version: string, values: unknown) => validators(`${chart}-${version}`)?.(values);
}

export function formatFinding(f: Finding): string {
  const object = f.object ? `${f.object}: ` : "";
  const hint = f.hint ? ` Hint: ${f.hint}` : "";
  return `${f.severity === "note" ? "note: " : ""}${f.cluster}: ${f.file}: ${object}${f.message}.${hint}`;
}

/** `qhub check [DIR]`: offline proof that Flux will build and apply the repository. */
export async function runCheck(opts: CheckOptions, io: Io): Promise<number> {
  const root = resolve(opts.dir);
  const clusters = clustersOf(root);
  if (clusters.length === 0)
    throw new UserError(
      `${opts.dir} has no clusters/<cluster>/ folders`,
      "run qhub check in a repository `qhub render` wrote, or pass its folder",
    );
  assertKustomize();
  const external = new Set([...ALWAYS_EXTERNAL, ...opts.external]);
  const helmValues = chartValues(opts.chartSchemas);
  const findings: Finding[] = [];
  const builds: { cluster: string; path: string; ms: number }[] = [];
  let objects = 0;
  const tasks = tasksOf(io);
  for (const cluster of clusters) {
    const collected = await tasks.task(`Build and check cluster ${cluster}`, () =>
      collectCluster(root, cluster),
    );
    objects += collected.units.reduce((n, u) => n + (u.objects?.length ?? 0), 0);
    builds.push(...collected.builds.map((b) => ({ cluster, ...b })));
    findings.push(
      ...collected.findings,
      ...analyzeCluster({ cluster, units: collected.units, external, helmValues }),
    );
  }
  const errors = findings.filter((f) => f.severity === "error");
  tasks.summary({
    title:
      errors.length === 0
        ? `Flux can build and apply ${root}: ${builds.length} Kustomize builds, ${objects} objects`
        : `${errors.length} problem${errors.length === 1 ? "" : "s"} in ${root}`,
    ok: errors.length === 0,
  });
  if (opts.json) {
    io.stdout(
      JSON.stringify(
        {
          dir: opts.dir,
          ok: errors.length === 0,
          clusters,
          objects,
          findings,
          builds: builds.map((b) => ({ ...b, ms: Math.round(b.ms) })),
        },
        null,
        2,
      ),
    );
  } else {
    for (const f of findings) io.stderr(formatFinding(f));
    // On a terminal the summary below the task list says it.
    if (!io.tasks)
      io.stderr(
        errors.length === 0
          ? `ok: ${clusters.length} cluster${clusters.length === 1 ? "" : "s"}, ${builds.length} Kustomize builds, ${objects} objects`
          : `${errors.length} problem${errors.length === 1 ? "" : "s"} in ${clusters.length} cluster${clusters.length === 1 ? "" : "s"}`,
      );
  }
  return errors.length === 0 ? 0 : 1;
}
