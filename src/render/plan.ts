// The render up to the files it would write: load -> validate -> resolve -> seal secrets -> build.
// Shared by `qhub render` and `qhub diff`; touches the file system and environment only at its
// edges (reading the config, the shipped files and the previous encrypted Secrets).
import { dirname, resolve } from "node:path";
import type { Io } from "../io.js";
import { loadConfigDocument, loadDefaultEnvironments } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { resolveConfig } from "../config/resolve.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { validateDocument } from "../config/validate.js";
import type { ClusterConfig } from "../config/validate.js";
import { sealClusterSecrets } from "../secrets/render.js";
import { buildRepository } from "./build.js";
import type { OutputFile } from "./emit.js";
import { tasksOf } from "../ui/tasks.js";
import { loadStaticFiles } from "./static.js";

export interface RenderPlan {
  /** The rendered repository's root. */
  root: string;
  resolved: ResolvedConfig;
  files: OutputFile[];
}

/** The config's clusters, or undefined (problems printed) when the config is invalid. */
export function validConfig(config: string, io: Io): ClusterConfig[] | undefined {
  const validation = validateDocument(loadConfigDocument(config), {
    shippedEnvironments: loadDefaultEnvironments(),
    requireAgeRecipients: true,
  });
  if (!validation.clusters) {
    for (const p of validation.problems) io.stderr(formatProblem(p));
    io.stderr(`${config}: ${validation.problems.length} problem(s); nothing rendered`);
  }
  return validation.clusters;
}

/** The files a render would write, or undefined (problems printed) when the config is invalid. */
export async function planRender(
  config: string,
  output: string | undefined,
  io: Io,
  opts: {
    previousSecret?: (path: string) => string | undefined;
    /** The config's clusters, when the caller has validated it already. */
    clusters?: ClusterConfig[];
  } = {},
): Promise<RenderPlan | undefined> {
  const clusters = opts.clusters ?? validConfig(config, io);
  if (!clusters) return undefined;
  const resolved = resolveConfig(clusters, { environments: loadDefaultEnvironments() });
  const root = resolve(output ?? dirname(config));
  const secrets = await sealClusterSecrets({
    clusters: resolved.clusters,
    configPath: config,
    outputRoot: root,
    env: process.env,
    now: new Date(),
    previous: opts.previousSecret,
  });
  return { root, resolved, files: buildRepository(resolved, loadStaticFiles(), secrets) };
}

/** planRender as the first stage of render and diff: shown as "Compile CONFIG", failed when invalid. */
export function compileStage(
  config: string,
  output: string | undefined,
  io: Io,
): Promise<RenderPlan | undefined> {
  return tasksOf(io).task(
    `Compile ${config}`,
    () => planRender(config, output, io),
    (p) => p !== undefined,
  );
}
