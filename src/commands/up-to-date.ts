// The first thing `qhub render` runs: when the last render into the folder left a stamp and
// nothing it depends on has changed (src/render/stamp.ts says how that is known), it answers as a
// render that changed nothing would, without loading the compiler. Otherwise it hands the render
// where to leave its stamp. Its own bundle, small: a render with nothing to do loads only this.
import { dirname, resolve } from "node:path";
import type { Io } from "../io.js";
import type { RenderOptions } from "./render.js";
import { reportRender } from "../render/report.js";
import { stampStore, unchangedSinceStamp } from "../render/stamp.js";
import type { StampStore } from "../render/stamp.js";
import { tasksOf } from "../ui/tasks.js";

/** The digest of this build's command bundles (scripts/build.mjs); undefined when run from source. */
declare const __QHUB_RENDER_BUILD__: string | undefined;
const BUILD = typeof __QHUB_RENDER_BUILD__ === "string" ? __QHUB_RENDER_BUILD__ : undefined;

/** The exit status when the tree is up to date by the record; else where the render keeps its stamp. */
export async function answerFromRecord(
  opts: RenderOptions,
  io: Io,
): Promise<{ code: number } | { store: StampStore | undefined }> {
  const store = process.env.QHUB_FAULT_AFTER_OPS === undefined ? stampStore(process.env, BUILD) : undefined;
  if (!store) return { store };
  const root = resolve(opts.output ?? dirname(opts.config));
  const tasks = tasksOf(io);
  const start = performance.now();
  const last = unchangedSinceStamp(store, resolve(opts.config), root, process.env);
  if (!last) return { store };
  // The stages a render shows, done: the compiled result is the one the stamp's render had.
  await tasks.task(`Compile ${opts.config}`, () => last);
  const result = { added: [], changed: [], removed: [], unchanged: last.files + 1 };
  await tasks.task(
    opts.check
      ? `Compare ${last.files} files with ${root}`
      : `Write ${last.files} files and the manifest to ${root}`,
    () => result,
  );
  if (io.verbose)
    io.stderr(
      `nothing changed since the last render (its record in ${store.dir}; ${Math.round(performance.now() - start)} ms): nothing compiled`,
    );
  return {
    code: reportRender({ ...opts, root, clusters: last.clusters, result, readme: last.readme }, io),
  };
}
