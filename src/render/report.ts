// What `qhub render` says when it is done: the task list's summary on a terminal, else one line
// per added, changed or removed file and a count, or --json. One place for the render and for
// the answer from the last render's record (src/commands/up-to-date.ts), which must say the same.
import { dirname } from "node:path";
import type { Io } from "../io.js";
import { countByCluster, tasksOf } from "../ui/tasks.js";
import type { ReadmeChoice } from "./readme-path.js";
import type { WriteResult } from "./write.js";

export interface RenderReport {
  config: string;
  output?: string;
  check: boolean;
  json: boolean;
  root: string;
  clusters: string[];
  result: WriteResult;
  /** Where the guide went, and the README.md that is not QHub's when it went beside one. */
  readme: ReadmeChoice;
}

export const EXIT_DIFFERENT = 3;

/** Prints the render's outcome; returns its exit status. */
export function reportRender(r: RenderReport, io: Io): number {
  const { result, root } = r;
  const differs = result.added.length + result.changed.length + result.removed.length > 0;
  tasksOf(io).summary({
    title: r.check
      ? differs
        ? `${root} differs from what ${r.config} compiles to`
        : `${root} is up to date`
      : differs
        ? `Rendered ${r.clusters.length} cluster${r.clusters.length === 1 ? "" : "s"} into ${root}`
        : `Nothing to write: ${root} is up to date`,
    ok: !(r.check && differs),
    clusters: countByCluster(result),
  });
  if (r.json) {
    io.stdout(
      JSON.stringify(
        {
          output: r.output ?? dirname(r.config),
          check: r.check,
          clusters: r.clusters,
          ...result,
        },
        null,
        2,
      ),
    );
  } else {
    if (r.readme.besideForeign)
      io.stderr(
        `note: ${r.readme.besideForeign} is not QHub's; QHub's guide to the repository is ${r.readme.path}`,
      );
    const verb = r.check ? "would be " : "";
    for (const p of result.added) io.stderr(`${verb}added    ${p}`);
    for (const p of result.changed) io.stderr(`${verb}changed  ${p}`);
    for (const p of result.removed) io.stderr(`${verb}removed  ${p}`);
    // On a terminal the summary below the task list says it.
    if (!io.tasks)
      io.stderr(
        r.check
          ? differs
            ? `the tree differs from what ${r.config} compiles to; run \`qhub render\``
            : "up to date"
          : `${result.added.length} added, ${result.changed.length} changed, ${result.removed.length} removed, ${result.unchanged} unchanged`,
      );
  }
  return r.check && differs ? EXIT_DIFFERENT : 0;
}
