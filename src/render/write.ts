// write: the only render stage that touches the disk. It owns the output root, refuses paths
// that escape it, writes each file atomically (temp file, rename), records what it
// generated in .qhub/manifest.json, removes only files it generated before and no longer
// generates, and leaves every other file alone. A render that changes nothing writes nothing.
//
// Crash safety: the manifest is first widened to old ∪ new before any file is written, so a
// render killed at any point leaves every file it may have written on record as QHub's; files
// are replaced by rename, so each is always either its old or its new bytes; the next render
// converges. Stale temp files from a killed render are QHub's and are cleaned up.
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join, posix, sep } from "node:path";
import { BugError, UserError } from "../errors.js";
import type { OutputFile } from "./emit.js";

export const MANIFEST_PATH = ".qhub/manifest.json";
const TEMP_SUFFIX = ".qhub-tmp";

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

interface Manifest {
  generator: "qhub";
  files: Record<string, string>;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Rejects paths that are absolute, not normalized, or climb out of the root. */
export function assertSafePath(path: string): void {
  const bad =
    path === "" ||
    isAbsolute(path) ||
    path.includes("\\") ||
    path.includes("\0") ||
    posix.normalize(path) !== path ||
    path.split("/").some((seg) => seg === ".." || seg === "." || seg === "");
  if (bad) throw new BugError(`refusing to write outside the output root: ${JSON.stringify(path)}`);
}

function manifestText(files: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ generator: "qhub", files: sorted } satisfies Manifest, null, 2)}\n`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR")
      throw new UserError(`${path} is a directory where QHub writes a file`, "move it away");
    throw err;
  }
}

/** The files a manifest records, from its text (undefined: there is none yet). */
export function parseManifest(root: string, text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    if (m.generator === "qhub" && m.files && typeof m.files === "object") {
      for (const p of Object.keys(m.files)) assertSafePath(p);
      return { ...m.files };
    }
  } catch {
    // fall through: an unreadable manifest is reported below
  }
  throw new UserError(
    `${join(root, MANIFEST_PATH)} is not a QHub manifest`,
    "restore it from git; QHub uses it to know which files it generated",
  );
}

/** Refuses to write through a symbolic link that could lead outside the root. */
function assertNoSymlinks(root: string, path: string): void {
  let current = root;
  for (const seg of path.split("/").slice(0, -1)) {
    current = join(current, seg);
    try {
      if (lstatSync(current).isSymbolicLink())
        throw new UserError(
          `${current} is a symbolic link; QHub does not write through links`,
          "replace it with a folder",
        );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
  }
}

export function writeTree(opts: WriteOptions): WriteResult {
  const { root } = opts;
  let ops = 0;
  const mutate = (fn: () => void): void => {
    fn();
    ops++;
    if (opts.faultAfterOps !== undefined && ops >= opts.faultAfterOps) process.kill(process.pid, "SIGKILL");
  };

  const currentManifest = readText(join(root, MANIFEST_PATH));
  const owned = parseManifest(root, currentManifest);
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
  for (const path of [...contents.keys()].sort()) {
    const current = readText(join(root, path));
    if (current === contents.get(path)) {
      result.unchanged++;
      continue;
    }
    if (current === undefined) result.added.push(path);
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
  const toRemove = Object.keys(owned)
    .filter((p) => next[p] === undefined && readText(join(root, p)) !== undefined)
    .sort();
  result.removed.push(...toRemove);

  const finalManifest = manifestText(next);
  const manifestChanged = currentManifest !== finalManifest;
  if (manifestChanged) (currentManifest === undefined ? result.added : result.changed).push(MANIFEST_PATH);
  else result.unchanged++;
  if (opts.check) return result;
  if (toWrite.length === 0 && toRemove.length === 0 && !manifestChanged) return result;

  for (const p of [...toWrite, MANIFEST_PATH]) assertNoSymlinks(root, p);
  cleanTemps(root, [...Object.keys(owned), ...toWrite, MANIFEST_PATH], mutate);

  // 1. Widen the record first: everything about to be written is QHub's from now on.
  const widened = { ...owned, ...next };
  if (toWrite.length > 0) writeAtomic(root, MANIFEST_PATH, manifestText(widened), mutate);
  // 2. Replace files, each atomically.
  for (const path of toWrite) writeAtomic(root, path, contents.get(path) ?? "", mutate);
  // 3. Remove what QHub generated before and no longer generates.
  for (const path of toRemove) {
    mutate(() => unlinkSync(join(root, path)));
    removeEmptyParents(root, path, mutate);
  }
  // 4. Narrow the record to what exists now.
  writeAtomic(root, MANIFEST_PATH, finalManifest, mutate);
  return result;
}

function writeAtomic(root: string, path: string, content: string, mutate: (fn: () => void) => void): void {
  const target = join(root, path);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${target.slice(dir.length + 1)}${TEMP_SUFFIX}`);
  // No fsync: rename is atomic against a killed process, which is the failure QHub guards
  // against; fsync per file tripled the time of a cold render, and the tree lives in git.
  mutate(() => writeFileSync(tmp, content, { mode: 0o644 }));
  mutate(() => renameSync(tmp, target));
}

function cleanTemps(root: string, paths: readonly string[], mutate: (fn: () => void) => void): void {
  const dirs = new Set(paths.map((p) => dirname(join(root, p))));
  for (const dir of [...dirs].sort()) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort())
      if (name.startsWith(".") && name.endsWith(TEMP_SUFFIX)) mutate(() => unlinkSync(join(dir, name)));
  }
}

function removeEmptyParents(root: string, path: string, mutate: (fn: () => void) => void): void {
  let dir = dirname(join(root, path));
  while (dir.length > root.length && dir.startsWith(root + sep)) {
    try {
      if (readdirSync(dir).length > 0) return;
      mutate(() => rmdirSync(dir));
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}
