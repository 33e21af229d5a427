// write: the only render stage that touches the disk. It owns the output root, refuses paths
// that escape it, writes each file atomically (temp file, rename), records what it
// generated in .qhub/manifest.json, removes only files it generated before and no longer
// generates, and leaves every other file alone. A render that changes nothing writes nothing.
//
// Crash safety: the manifest is first widened to old ∪ new before any file is written, so a
// render killed at any point leaves every file it may have written on record as QHub's; files
// are replaced by rename, so each is always either its old or its new bytes; the next render
// converges. Stale temp files from a killed render are QHub's and are cleaned up.
//
// Every disk access goes through src/fs/safe.ts: a symbolic link (or FIFO, device) anywhere below
// the root is a file QHub did not write. Such a file where QHub writes is refused like any file
// people own; a recorded path that is now a link, or under a linked folder, is never read,
// overwritten or removed (it drops out of the record). Renders into one folder take turns through
// a lock (src/render/lock.ts).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BugError, UserError } from "../errors.js";
import {
  isSafeRelative,
  kindUnder,
  readUnder,
  removeEmptyParentsUnder,
  removeFileUnder,
  removeTempsUnder,
  rootKind,
  writeUnder,
} from "../fs/safe.js";
import type { Mutate, ReadResult } from "../fs/safe.js";
import type { OutputFile } from "./emit.js";
import { withRenderLock } from "./lock.js";
import { MANIFEST_PATH, manifestText, parseManifest, readManifestText } from "./manifest.js";

export { MANIFEST_PATH } from "./manifest.js";

export interface WriteResult {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

export interface WriteOptions {
  root: string;
  files: readonly OutputFile[];
  /** Compare only; write nothing. */
  check?: boolean;
  /** What to tell people when files QHub did not create are in the way (default: for a folder). */
  foreignHint?: string;
  /** Test hook: kill the process (SIGKILL) after this many disk mutations. */
  faultAfterOps?: number;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Rejects paths that are absolute, not normalized, or climb out of the root. */
export function assertSafePath(path: string): void {
  if (!isSafeRelative(path))
    throw new BugError(`refusing to write outside the output root: ${JSON.stringify(path)}`);
}

/** A file QHub may own: a regular file reached through no link. */
const textOf = (r: ReadResult): string | undefined => (r.kind === "file" ? r.text : undefined);

/** What a write did, and the manifest the tree holds after it (written, or found so by --check). */
export type WrittenTree = WriteResult & { manifest: string };

export function writeTree(opts: WriteOptions): WrittenTree {
  const { root } = opts;
  const kind = rootKind(root);
  if (kind !== "dir" && kind !== "missing")
    throw new UserError(
      `${root} is ${kind === "file" ? "a file" : "not a folder"}; QHub renders into a folder`,
      "pass a folder as --output DIR (it is made when missing), or move the file away",
    );
  let ops = 0;
  const mutate: Mutate = (fn) => {
    fn();
    ops++;
    if (opts.faultAfterOps !== undefined && ops >= opts.faultAfterOps) process.kill(process.pid, "SIGKILL");
  };
  const done = (plan: Plan): WrittenTree => ({ ...plan.result, manifest: plan.finalManifest });
  if (opts.check) return done(compare(opts));
  // Renders into one folder take turns: the comparison and the writes see one state of the tree.
  return withRenderLock(root, mutate, () => {
    const plan = compare(opts);
    if (plan.toWrite.length === 0 && plan.toRemove.length === 0 && !plan.manifestChanged) return done(plan);
    apply(root, plan, mutate);
    return done(plan);
  });
}

interface Plan {
  result: WriteResult;
  owned: Record<string, string>;
  next: Record<string, string>;
  contents: Map<string, string>;
  toWrite: string[];
  toRemove: string[];
  manifestChanged: boolean;
  finalManifest: string;
  /** Whether the comparison found a folder (or one above it) missing: it holds no temp file of QHub's. */
  missing: (dir: string) => boolean;
}

/**
 * readUnder for one comparison: a folder found missing answers "missing" for every file below it
 * without asking the disk again (into a new folder, a render's files all are; each was a walk
 * from the root), and `missing` says so for a folder. Writing checks every folder again.
 */
function treeReader(root: string): { read: (path: string) => ReadResult; missing: (dir: string) => boolean } {
  const gone = new Set<string>();
  /** "a", "a/b" and "a/b/c" for "a/b/c". */
  const prefixes = (path: string) => {
    const parts = path.split("/");
    return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  };
  const missing = (dir: string) => dir !== "" && prefixes(dir).some((d) => gone.has(d));
  const read = (path: string): ReadResult => {
    const above = prefixes(path).slice(0, -1);
    if (above.some((d) => gone.has(d))) return { kind: "missing" };
    const r = readUnder(root, path);
    // The highest missing folder, when the file's own folder is missing.
    if (r.kind === "missing" && above.length > 0 && kindUnder(root, above.at(-1)!) === "missing")
      gone.add(above.find((d) => kindUnder(root, d) === "missing")!);
    return r;
  };
  return { read, missing };
}

/** What a write would do, by reading the tree (through no link) and the manifest. */
function compare(opts: WriteOptions): Plan {
  const { root } = opts;
  const currentManifest = readManifestText(root);
  const owned = parseManifest(currentManifest, join(root, MANIFEST_PATH));
  const next: Record<string, string> = {};
  const contents = new Map<string, string>();
  for (const f of opts.files) {
    assertSafePath(f.path);
    if (f.path === MANIFEST_PATH || contents.has(f.path)) throw new BugError(`two outputs for ${f.path}`);
    contents.set(f.path, f.content);
    next[f.path] = sha256(f.content);
  }

  const result: WriteResult = { added: [], changed: [], removed: [], unchanged: 0 };
  const toWrite: string[] = [];
  const foreign: string[] = [];
  const { read, missing } = treeReader(root);
  for (const path of [...contents.keys()].sort()) {
    const r = read(path);
    if (r.kind === "file" && r.text === contents.get(path)) {
      result.unchanged++;
      continue;
    }
    if (r.kind === "missing") result.added.push(path);
    // A link, folder, FIFO or device is never QHub's, whatever the record says.
    else if (r.kind === "link") foreign.push(`${path} (a symbolic link, or inside one)`);
    else if (r.kind !== "file")
      foreign.push(`${path} (${r.kind === "dir" ? "a folder" : "not a regular file"})`);
    else if (owned[path] === undefined) foreign.push(path);
    else result.changed.push(path);
    toWrite.push(path);
  }
  if (foreign.length > 0)
    throw new UserError(
      `QHub would overwrite ${foreign.length} file${foreign.length === 1 ? "" : "s"} it did not create: ${foreign.join(", ")}`,
      (opts.foreignHint ??
        "move them away (QHub never changes files it did not write), or render into another --output folder") +
        (foreign.some((p) => p.endsWith(".md"))
          ? "; to keep your own Markdown file, set gitops.readme to another path (QHub writes its guide there)"
          : ""),
    );
  // Only regular files reached through no link are removed: a recorded path that is now a link,
  // or under a folder that became one, is not QHub's file any more and leaves the record.
  const toRemove = Object.keys(owned)
    .filter((p) => next[p] === undefined && textOf(readUnder(root, p)) !== undefined)
    .sort();
  result.removed.push(...toRemove);

  const finalManifest = manifestText(next);
  const manifestChanged = currentManifest !== finalManifest;
  if (manifestChanged) (currentManifest === undefined ? result.added : result.changed).push(MANIFEST_PATH);
  else result.unchanged++;
  return {
    result,
    owned,
    next,
    contents,
    toWrite,
    toRemove,
    manifestChanged,
    finalManifest,
    missing,
  };
}

function apply(root: string, plan: Plan, mutate: Mutate): void {
  const { owned, next, contents, toWrite, toRemove, finalManifest, missing } = plan;
  const dirs = new Set(
    [...Object.keys(owned), ...toWrite, MANIFEST_PATH].map((p) =>
      p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "",
    ),
  );
  // Renders take turns (the lock), so a folder missing at the comparison holds no temp file of ours.
  for (const dir of [...dirs].sort()) if (!missing(dir)) removeTempsUnder(root, dir, mutate);

  // 1. Widen the record first: everything about to be written is QHub's from now on.
  const widened = { ...owned, ...next };
  if (toWrite.length > 0) writeUnder(root, MANIFEST_PATH, manifestText(widened), { mutate });
  // 2. Replace files, each atomically. No fsync: rename is atomic against a killed process, which
  // is the failure QHub guards against; fsync per file tripled the time of a cold render, and the
  // tree lives in git.
  for (const path of toWrite) writeUnder(root, path, contents.get(path) ?? "", { mutate });
  // 3. Remove what QHub generated before and no longer generates.
  for (const path of toRemove) {
    removeFileUnder(root, path, mutate);
    removeEmptyParentsUnder(root, path, mutate);
  }
  // 4. Narrow the record to what exists now.
  writeUnder(root, MANIFEST_PATH, finalManifest, { mutate });
}
