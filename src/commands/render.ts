import { resolve } from "node:path";
import { withJournal } from "../fs/safe.js";
import type { Io } from "../io.js";
import { compileStage } from "../render/plan.js";
import { reportRender } from "../render/report.js";
import { recordingEnv, saveStamp } from "../render/stamp.js";
import type { StampStore } from "../render/stamp.js";
import { writeTree } from "../render/write.js";
import { tasksOf } from "../ui/tasks.js";

export interface RenderOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Root of the rendered repository. @default the config file's folder */
  output?: string;
  /** Compare only; exit 3 when the tree differs. */
  check: boolean;
  json: boolean;
}

/**
 * `qhub render`: load -> validate -> resolve -> seal secrets (edge) -> build -> emit -> write.
 * With `store`, the render keeps a journal of its reads and leaves a stamp for the next run
 * (src/render/stamp.ts); src/commands/up-to-date.ts reads it before this runs.
 */
export async function runRender(opts: RenderOptions, io: Io, store?: StampStore): Promise<number> {
  const tasks = tasksOf(io);
  // The journal and the recorded variables only where a stamp will be saved.
  const env = store ? recordingEnv(process.env) : undefined;
  const compile = () => compileStage(opts.config, opts.output, io, { env: env?.env ?? process.env });
  const { value: plan, reads } = store ? await withJournal(compile) : { value: await compile(), reads: [] };
  if (!plan) return 1;
  const { root, resolved, files } = plan;
  const fault = process.env.QHUB_FAULT_AFTER_OPS;
  const { manifest, ...result } = await tasks.task(
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
  const clusters = resolved.clusters.map((c) => c.name);
  const code = reportRender({ ...opts, root, clusters, result, readme: plan.readme }, io);
  // The tree now holds exactly these files (written, or found so by --check).
  if (store && env && code === 0 && fault === undefined)
    saveStamp(store, {
      config: resolve(opts.config),
      root,
      reads,
      env: process.env,
      envNames: env.names(),
      manifest,
      result: { clusters, files: files.length, readme: plan.readme },
    });
  return code;
}
