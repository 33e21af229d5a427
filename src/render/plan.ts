// The render up to the files it would write: load -> validate -> resolve -> seal secrets -> build.
// Shared by `qhub render` and `qhub diff`; touches the file system and environment only at its
// edges (reading the config, the shipped files and the previous encrypted Secrets).
import { dirname, resolve } from "node:path";
import type { Io } from "../io.js";
import { hubValuesCheck, loadConfigDocument, loadDefaultEnvironments } from "../config/load.js";
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
import { diskReader } from "../diff/previous.js";
import type { ReadFile } from "../diff/previous.js";
import { chooseReadme, DEFAULT_README } from "./readme-path.js";
import type { ReadmeChoice } from "./readme-path.js";
import { MANIFEST_PATH, parseManifest } from "./manifest.js";

export interface RenderPlan {
  /** The rendered repository's root. */
  root: string;
  resolved: ResolvedConfig;
  files: OutputFile[];
  /** Where the repository's guide went, and why when it is not README.md. */
  readme: ReadmeChoice;
}

/** What the tree QHub renders onto holds that decides where its guide goes. */
export async function readmeOf(explicit: string | undefined, read: ReadFile): Promise<ReadmeChoice> {
  const manifest = await read(MANIFEST_PATH);
  return chooseReadme(explicit, {
    owned: new Set(manifest === undefined ? [] : Object.keys(parseManifest(manifest, MANIFEST_PATH))),
    // A README.md that is a link or a folder is not QHub's either: the guide goes beside it.
    readmeExists: read.exists
      ? await read.exists(DEFAULT_README)
      : (await read(DEFAULT_README)) !== undefined,
  });
}

/** The config's clusters, or undefined (problems printed) when the config is invalid. */
export async function validConfig(
  config: string,
  io: Io,
  environments = loadDefaultEnvironments(),
): Promise<ClusterConfig[] | undefined> {
  const cd = loadConfigDocument(config);
  const validation = validateDocument(cd, {
    shippedEnvironments: environments,
    requireAgeRecipients: true,
    hubValues: await hubValuesCheck(cd),
    warnings: false,
  });
  if (!validation.clusters) {
    for (const p of validation.problems) io.stderr(formatProblem(p));
    const n = validation.problems.length;
    io.stderr(`${config}: ${n} problem${n === 1 ? "" : "s"}; nothing rendered`);
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
    /** The tree the render goes onto (default: the output folder), for where the guide goes. */
    existing?: ReadFile;
    /** `qhub diff`: compare Secrets whose values are unavailable as they are, saying so here. */
    unsealedNote?: (line: string) => void;
    /** Where secret values and age identities come from (default: process.env). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RenderPlan | undefined> {
  // The shipped environments, read once: the config must not clash with them, and they are rendered.
  const environments = loadDefaultEnvironments();
  const clusters = opts.clusters ?? (await validConfig(config, io, environments));
  if (!clusters) return undefined;
  const resolved = resolveConfig(clusters, { environments });
  const root = resolve(output ?? dirname(config));
  const secrets = await sealClusterSecrets({
    clusters: resolved.clusters,
    configPath: config,
    outputRoot: root,
    env: opts.env ?? process.env,
    now: new Date(),
    previous: opts.previousSecret,
    unsealedNote: opts.unsealedNote,
  });
  const readme = await readmeOf(resolved.clusters[0]?.gitops.readme, opts.existing ?? diskReader(root));
  return {
    root,
    resolved,
    readme,
    files: buildRepository(resolved, loadStaticFiles(), secrets, readme.path),
  };
}

/** planRender as the first stage of render and diff: shown as "Compile CONFIG", failed when invalid. */
export function compileStage(
  config: string,
  output: string | undefined,
  io: Io,
  opts: Pick<NonNullable<Parameters<typeof planRender>[3]>, "existing" | "unsealedNote" | "env"> = {},
): Promise<RenderPlan | undefined> {
  return tasksOf(io).task(
    `Compile ${config}`,
    () => planRender(config, output, io, opts),
    (p) => p !== undefined,
  );
}
