import { dirname } from "node:path";
import type { Io } from "../io.js";
import { compileStage } from "../render/plan.js";
import { writeTree } from "../render/write.js";
import { countByCluster, tasksOf } from "../ui/tasks.js";

export interface RenderOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Root of the rendered repository. @default the config file's folder */
  output?: string;
  /** Compare only; exit 3 when the tree differs. */
  check: boolean;
  json: boolean;
}

export const EXIT_DIFFERENT = 3;

/** `qhub render`: load -> validate -> resolve -> seal secrets (edge) -> build -> emit -> write. */
export async function runRender(opts: RenderOptions, io: Io): Promise<number> {
  const tasks = tasksOf(io);
  const plan = await compileStage(opts.config, opts.output, io);
  if (!plan) return 1;
  const { root, resolved, files } = plan;
  const fault = process.env.QHUB_FAULT_AFTER_OPS;
  const result = await tasks.task(
    opts.check
      ? `Compare ${files.length} files with ${root}`
      : `Write ${files.length} files and the manifest to ${root}`,
    () =>
      writeTree({
        root,
        files,
        check: opts.check,
        faultAfterOps: fault === undefined ? undefined : Number.parseInt(fault, 10),
      }),
  );
  const differs = result.added.length + result.changed.length + result.removed.length > 0;
  tasks.summary({
    title: opts.check
      ? differs
        ? `${root} differs from what ${opts.config} compiles to`
        : `${root} is up to date`
      : differs
        ? `Rendered ${resolved.clusters.length} cluster${resolved.clusters.length === 1 ? "" : "s"} into ${root}`
        : `Nothing to write: ${root} is up to date`,
    ok: !(opts.check && differs),
    clusters: countByCluster(result),
  });
  if (opts.json) {
    io.stdout(
      JSON.stringify(
        {
          output: opts.output ?? dirname(opts.config),
          check: opts.check,
          clusters: resolved.clusters.map((c) => c.name),
          ...result,
        },
        null,
        2,
      ),
    );
  } else {
    if (plan.readme.besideForeign)
      io.stderr(
        `note: ${plan.readme.besideForeign} is not QHub's; QHub's guide to the repository is ${plan.readme.path}`,
      );
    const verb = opts.check ? "would be " : "";
    for (const p of result.added) io.stderr(`${verb}added    ${p}`);
    for (const p of result.changed) io.stderr(`${verb}changed  ${p}`);
    for (const p of result.removed) io.stderr(`${verb}removed  ${p}`);
    // On a terminal the summary below the task list says it.
    if (!io.tasks)
      io.stderr(
        opts.check
          ? differs
            ? `the tree differs from what ${opts.config} compiles to; run \`qhub render\``
            : "up to date"
          : `${result.added.length} added, ${result.changed.length} changed, ${result.removed.length} removed, ${result.unchanged} unchanged`,
      );
  }
  return opts.check && differs ? EXIT_DIFFERENT : 0;
}
