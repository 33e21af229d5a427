import { dirname, join, resolve } from "node:path";
import { simpleGit } from "simple-git";
import type { Io } from "../io.js";
import { UserError } from "../errors.js";
import { kindNamed, MAX_TREE_FILE, rootKind } from "../fs/safe.js";
import { countChanges, diffTrees, identityWarnings } from "../diff/objects.js";
import { tasksOf } from "../ui/tasks.js";
import { diskReader, previousTree } from "../diff/previous.js";
import type { ReadFile } from "../diff/previous.js";
import { compileStage } from "../render/plan.js";
import { MANIFEST_PATH } from "../render/manifest.js";
import { groupOf } from "../components/registry.js";

export interface DiffOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Root of the rendered repository. @default the config file's folder */
  output?: string;
  /** Compare with the rendered tree at this git revision instead of the files on disk. */
  base?: string;
  json: boolean;
}

/**
 * Files of the tree at `rev` in the git repository that holds `root`: regular blobs only (a
 * symbolic link's blob is not a file QHub wrote, and is never read), of bounded size.
 */
async function gitReader(root: string, rev: string): Promise<ReadFile> {
  if (kindNamed(root) !== "dir")
    throw new UserError(`${root} is not a folder`, "pass --output, the rendered repository's folder");
  const git = simpleGit({ baseDir: root });
  let prefix: string;
  let listing: string;
  try {
    prefix = (await git.revparse(["--show-prefix"])).trim();
    await git.revparse(["--verify", `${rev}^{commit}`]);
    listing = await git.raw([
      "ls-tree",
      "-r",
      "-l",
      "-z",
      "--full-tree",
      rev,
      ...(prefix === "" ? [] : ["--", prefix]),
    ]);
  } catch {
    throw new UserError(
      `--base ${rev}: not a commit of a git repository at ${root}`,
      "run it inside a clone of the rendered repository, with a branch, tag or commit that exists there (e.g. origin/main after git fetch)",
    );
  }
  const blobs = new Map<string, string>();
  const present = new Set<string>();
  for (const entry of listing.split("\0")) {
    const m = /^(100644|100755) blob ([0-9a-f]+) +(\d+)\t(.*)$/s.exec(entry);
    if (m && Number(m[3]) <= MAX_TREE_FILE && m[4]!.startsWith(prefix))
      blobs.set(m[4]!.slice(prefix.length), m[2]!);
    // Anything at a path (a link, a submodule, a file too large to read) is there.
    const path = /\t(.*)$/s.exec(entry)?.[1];
    if (!path?.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split("/");
    for (let i = 1; i <= parts.length; i++) present.add(parts.slice(0, i).join("/"));
  }
  const read: ReadFile = async (path) => {
    const sha = blobs.get(path);
    if (sha === undefined) return undefined;
    try {
      return await git.raw(["cat-file", "blob", sha]);
    } catch {
      return undefined;
    }
  };
  read.exists = (path) => Promise.resolve(present.has(path));
  return read;
}

/** `qhub diff`: per cluster and per object, what `qhub render` would change. 0 none, 3 differences. */
export async function runDiff(opts: DiffOptions, io: Io): Promise<number> {
  const tasks = tasksOf(io);
  // The tree compared with also decides where the guide goes, as it would for render and pr.
  const root = resolve(opts.output ?? dirname(opts.config));
  const rootIs = rootKind(root);
  if (opts.base === undefined && rootIs !== "dir" && rootIs !== "missing")
    throw new UserError(
      `${root} is ${rootIs === "file" ? "a file" : "not a folder"}; QHub compares with a rendered folder`,
      "pass the rendered repository's folder as --output DIR",
    );
  const read = opts.base === undefined ? diskReader(root) : await gitReader(root, opts.base);
  // A diff needs no secret values: a Secret whose values are not at hand is compared as it is.
  const plan = await compileStage(opts.config, opts.output, io, {
    existing: read,
    unsealedNote: (line) => io.stderr(line),
  });
  if (!plan) return 1;
  const next = Object.fromEntries(plan.files.map((f) => [f.path, f.content]));
  const current = await previousTree(
    read,
    Object.keys(next),
    opts.base === undefined ? join(plan.root, MANIFEST_PATH) : `${opts.base}:${MANIFEST_PATH}`,
  );
  const changes = await tasks.task(
    opts.base === undefined ? `Compare with ${plan.root}` : `Compare with ${opts.base}`,
    () => diffTrees(current, next),
  );
  const warnings = identityWarnings(current, next);
  const count = changes.reduce((n, c) => n + c.objects.length + c.files.length, 0);
  tasks.summary({
    title:
      count === 0
        ? "No changes"
        : `${count} change${count === 1 ? "" : "s"} that \`qhub render\` would write`,
    ok: warnings.length === 0,
    clusters: countChanges(changes),
  });
  if (opts.json) {
    // Each change names the component it belongs to, as the pull request groups them.
    const grouped = changes.map((c) => ({
      ...c,
      objects: c.objects.map((o) => ({ ...o, component: groupOf(o.file) })),
      files: c.files.map((f) => ({ ...f, component: groupOf(f.file) })),
    }));
    io.stdout(
      JSON.stringify({ config: opts.config, differs: count > 0, warnings, clusters: grouped }, null, 2),
    );
    return count > 0 ? 3 : 0;
  }
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const w of warnings) io.stderr(`WARNING: ${w}`);
  for (const c of changes) {
    const n = (k: "added" | "removed" | "changed") => c.objects.filter((o) => o.change === k).length;
    io.stderr(`${c.cluster}: ${n("added")} added, ${n("changed")} changed, ${n("removed")} removed`);
    // By component, as the pull request groups them.
    const groups = new Map<string, string[]>();
    const add = (file: string, lines: string[]) => {
      const g = groupOf(file);
      groups.set(g, [...(groups.get(g) ?? []), ...lines]);
    };
    for (const o of c.objects) {
      const where = o.object.endsWith(o.file) ? "" : `  (${o.file})`;
      add(o.file, [
        `    ${sign[o.change]} ${o.object}${where}${o.warning ? `  WARNING: ${o.warning}` : ""}`,
        ...(o.capacity ? [`        ${o.capacity}`] : []),
        ...(o.diff ? [o.diff.replace(/^/gm, "        ")] : []),
      ]);
    }
    for (const f of c.files) add(f.file, [`    ${sign[f.change]} file ${f.file}`]);
    for (const [group, lines] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      io.stderr([`  ${group}`, ...lines].join("\n"));
  }
  // On a terminal the summary below the task list says it.
  if (!io.tasks)
    io.stderr(
      count === 0 ? "no changes" : `${count} change${count === 1 ? "" : "s"}; \`qhub render\` writes them`,
    );
  return count > 0 ? 3 : 0;
}
