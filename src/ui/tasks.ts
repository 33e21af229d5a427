// How commands report their stages. On a terminal, main.ts swaps in the ink task list
// (src/ui/ink.tsx: spinners, then a summary); everywhere else (CI, pipes, tests) stages are
// silent and the command's own plain lines are the output, with no escape codes.

import type { Io } from "../io.js";

export interface ClusterCounts {
  cluster: string;
  added: number;
  changed: number;
  removed: number;
}

export interface Summary {
  /** One line: what happened. */
  title: string;
  ok: boolean;
  /** Files (or objects) added, changed and removed per cluster. */
  clusters?: ClusterCounts[];
  /** A link to follow (the pull request). */
  link?: { label: string; url: string };
}

export interface TaskUi {
  /**
   * Runs one stage of the command, shown while it runs and marked done or failed after: failed
   * when it throws, or when `ok` says its result is a failure (an invalid config).
   */
  task<T>(title: string, run: () => Promise<T> | T, ok?: (result: T) => boolean): Promise<T>;
  /** What the command did, shown once at the end. */
  summary(s: Summary): void;
}

/**
 * The command's stages: the terminal UI when there is one; else silent (the command's plain
 * lines say what happened), or with `--verbose` one line per stage with its time.
 */
export function tasksOf(io: Io): TaskUi {
  if (io.tasks) return io.tasks;
  return {
    async task(title, run, ok) {
      const start = performance.now();
      const result = await run();
      if (io.verbose)
        io.stderr(
          `${!ok || ok(result) ? "done" : "failed"}: ${title} (${Math.round(performance.now() - start)} ms)`,
        );
      return result;
    },
    summary: () => {},
  };
}

/** The cluster a rendered path belongs to; "(shared)" for files every cluster uses. */
export function clusterOfPath(path: string): string {
  return /^(?:clusters|cluster-overlays)\/([^/]+)\//.exec(path)?.[1] ?? "(shared)";
}

/** Added/changed/removed paths counted per cluster, clusters sorted, shared files last. */
export function countByCluster(files: {
  added: string[];
  changed: string[];
  removed: string[];
}): ClusterCounts[] {
  const out = new Map<string, ClusterCounts>();
  for (const kind of ["added", "changed", "removed"] as const)
    for (const p of files[kind]) {
      const cluster = clusterOfPath(p);
      const row = out.get(cluster) ?? { cluster, added: 0, changed: 0, removed: 0 };
      row[kind] += 1;
      out.set(cluster, row);
    }
  return [...out.values()].sort((a, b) =>
    a.cluster === "(shared)" ? 1 : b.cluster === "(shared)" ? -1 : a.cluster < b.cluster ? -1 : 1,
  );
}
