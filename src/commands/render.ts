import { dirname, resolve } from "node:path";
import type { Io } from "../io.js";
import { loadConfigDocument, loadDefaultEnvironments } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { resolveConfig } from "../config/resolve.js";
import { validateDocument } from "../config/validate.js";
import { buildRepository } from "../render/build.js";
import { loadStaticFiles } from "../render/static.js";
import { writeTree } from "../render/write.js";
import { sealClusterSecrets } from "../secrets/render.js";

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
  const validation = validateDocument(loadConfigDocument(opts.config));
  if (!validation.clusters) {
    for (const p of validation.problems) io.stderr(formatProblem(p));
    io.stderr(`${opts.config}: ${validation.problems.length} problem(s); nothing rendered`);
    return 1;
  }
  const resolved = resolveConfig(validation.clusters, { environments: loadDefaultEnvironments() });
  const root = resolve(opts.output ?? dirname(opts.config));
  const secrets = await sealClusterSecrets({
    clusters: resolved.clusters,
    configPath: opts.config,
    outputRoot: root,
    env: process.env,
    now: new Date(),
  });
  const files = buildRepository(resolved, loadStaticFiles(), secrets);
  const fault = process.env.QHUB_FAULT_AFTER_OPS;
  const result = writeTree({
    root,
    files,
    check: opts.check,
    faultAfterOps: fault === undefined ? undefined : Number.parseInt(fault, 10),
  });
  const differs = result.added.length + result.changed.length + result.removed.length > 0;
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
    const verb = opts.check ? "would be " : "";
    for (const p of result.added) io.stderr(`${verb}added    ${p}`);
    for (const p of result.changed) io.stderr(`${verb}changed  ${p}`);
    for (const p of result.removed) io.stderr(`${verb}removed  ${p}`);
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
