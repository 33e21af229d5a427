// The one door to the file system (STYLE habit 16, SPEC §9). Everything QHub reads, writes or
// removes goes through here; `eslint.config.js` forbids `node:fs` everywhere else in src/.
//
// Three kinds of path, three rules:
// - Below a root QHub is given (the output folder, the `qhub pr` working copy, a folder `qhub check`
//   reads): people, other tools and the base branch put files there, so nothing is read, written
//   or removed through a symbolic link at any component below the root, only regular files are
//   read (no FIFOs, devices, sockets), reads are capped, writes are atomic (temp file created
//   exclusively, then rename), and removal unlinks regular files only. The root itself may be a
//   link: the person named it. Each component is checked with lstat, the file is opened with
//   O_NOFOLLOW | O_NONBLOCK and its fstat compared with the lstat, so a link or FIFO swapped in
//   between is refused too. (Node has no openat2(RESOLVE_BENEATH); a folder swapped for a link
//   between two lstats is the remaining window, as in Flux's securejoin.)
// - Named by a person or by the config (--config, SOPS_AGE_KEY_FILE, `fromFile:`): the path is
//   followed as named, but must be a regular file of bounded size outside the kernel's pseudo
//   file systems (/proc, /sys, ...): never a FIFO, a device or /proc/self/environ.
// - QHub's own installed files (blueprints, environments, chart schemas): trusted, read plainly.
// - QHub's private state (the render's record, src/render/stamp.ts): a folder of the user's own,
//   mode 0700, files mode 0600, never through a link. Anything else found there (another owner,
//   other permissions, a link) is not used: the state is a cache, and QHub works without it.
//
// Errors people can fix (a full disk, a read-only folder, no permission, a file where a folder
// belongs) become one-line UserErrors with a hint; only the unexpected stays a bug.
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import type { Stats } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, posix, resolve } from "node:path";
import { BugError, UserError } from "../errors.js";

/** The most QHub reads of one file in a rendered tree or working copy. */
export const MAX_TREE_FILE = 64 * 1024 * 1024;
/** The most QHub reads of a config file. */
export const MAX_CONFIG_FILE = 16 * 1024 * 1024;
/** The most QHub reads of a secret value (`fromFile:`) or an age identity file. */
export const MAX_SECRET_FILE = 1024 * 1024;

export type Kind = "missing" | "file" | "dir" | "link" | "other";

/** What a run of `mutate` counts: the render's kill-point test hook sees every disk mutation. */
export type Mutate = (fn: () => void) => void;
const direct: Mutate = (fn) => fn();

// ---------------------------------------------------------------------------------------------
// Errors.

const MiB = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/** A file-system error people can fix as a UserError (one line, a hint); anything else unchanged. */
export function fsError(err: unknown, path: string, action: "read" | "write" | "remove" | "create"): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const at = `cannot ${action} ${path}`;
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return new UserError(
        `${at}: no space left on the device (${code})`,
        "free some space and run again; files already written are whole (each is replaced by a rename)",
      );
    case "EROFS":
      return new UserError(
        `${at}: the file system is read-only (EROFS)`,
        "render into a writable folder (--output DIR)",
      );
    case "EACCES":
    case "EPERM":
      return new UserError(
        `${at}: permission denied (${code})`,
        "check the folder's owner and permissions, or use another --output folder",
      );
    case "ENOTDIR":
      return new UserError(
        `${at}: a part of the path is a file, not a folder (ENOTDIR)`,
        "move that file away, or pass another path",
      );
    case "EISDIR":
      return new UserError(
        `${at}: it is a folder, not a file (EISDIR)`,
        "move the folder away or pass a file",
      );
    case "ELOOP":
      return new UserError(
        `${at}: it goes through a loop of symbolic links (ELOOP)`,
        "remove the links; QHub does not follow links",
      );
    case "ENAMETOOLONG":
      return new UserError(`${at}: the path is too long (ENAMETOOLONG)`, "use a shorter path");
    case "EIO":
      return new UserError(`${at}: input/output error (EIO)`, "check the disk, then run again");
    case "EMFILE":
    case "ENFILE":
      return new UserError(`${at}: too many open files (${code})`, "raise `ulimit -n`, then run again");
    default:
      return err;
  }
}

function guard<T>(path: string, action: "read" | "write" | "remove" | "create", fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fsError(err, path, action);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    // throwIfNoEntry: a missing file is the common answer (every file of a first render), and
    // Node builds an Error with a stack trace for each ENOENT it throws. ENOTDIR still throws.
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") return undefined;
    throw fsError(err, path, "read");
  }
}

function kindOf(st: Stats | undefined): Kind {
  if (st === undefined) return "missing";
  if (st.isSymbolicLink()) return "link";
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  return "other";
}

/** What a non-regular file is, for messages. */
function describe(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

// ---------------------------------------------------------------------------------------------
// Below a root.

/** Rejects relative paths that are absolute, not normalized, or climb out of their root. */
export function isSafeRelative(path: string): boolean {
  return !(
    path === "" ||
    isAbsolute(path) ||
    path.includes("\\") ||
    path.includes("\0") ||
    posix.normalize(path) !== path ||
    path.split("/").some((seg) => seg === ".." || seg === "." || seg === "")
  );
}

function assertRelative(rel: string): string[] {
  if (!isSafeRelative(rel)) throw new BugError(`refusing a path outside the root: ${JSON.stringify(rel)}`);
  return rel.split("/");
}

/**
 * The root as a folder: "dir", "missing", or what else it is (a file given as --output). The root
 * is named by the person, so it is looked at as kindNamed looks at a named path.
 */
export function rootKind(root: string): Kind {
  return statKind(root);
}

/**
 * What is at `rel` below `root`, following no link below the root: "link" when any component
 * (the last included) is a symbolic link, "missing" when a component does not exist.
 */
export function kindUnder(root: string, rel: string): Kind {
  const parts = assertRelative(rel);
  if (rootKind(root) !== "dir") return "missing";
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i]!);
    const kind = kindOf(lstatOrUndefined(current));
    if (kind === "missing" || kind === "link") return kind;
    if (i < parts.length - 1 && kind !== "dir") return "missing";
    if (i === parts.length - 1) return kind;
  }
  return "missing";
}

/** The result of reading below a root: the text of a regular file, or what is there instead. */
export type ReadResult = { kind: "file"; text: string } | { kind: Exclude<Kind, "file"> };

function readOpenedFile(fd: number, path: string, max: number): Buffer {
  const st = fstatSync(fd);
  if (st.size > max) throw tooLarge(path, max);
  // Sized by fstat, one byte more to see the end; a file that grows meanwhile is read on in chunks
  // up to `max` (fstat's size is where reading starts, not a promise).
  const chunks: Buffer[] = [];
  let total = 0;
  let chunk = Buffer.allocUnsafe(st.size + 1);
  let used = 0;
  for (;;) {
    if (used === chunk.length) {
      chunks.push(chunk);
      chunk = Buffer.allocUnsafe(64 * 1024);
      used = 0;
    }
    const n = readSync(fd, chunk, used, chunk.length - used, null);
    if (n === 0) break;
    used += n;
    total += n;
    if (total > max) throw tooLarge(path, max);
  }
  chunks.push(chunk.subarray(0, used));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function tooLarge(path: string, max: number): UserError {
  return new UserError(
    `${path} is larger than ${MiB(max)}, the most QHub reads of one file`,
    "QHub reads only regular files of bounded size; replace it with a file QHub wrote, or remove it",
  );
}

/** Opens a regular file without following a link or blocking on a FIFO, checked to be `expected`. */
function openRegular(path: string, expected: Stats | undefined): number {
  const fd = guard(path, "read", () =>
    openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK),
  );
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || (expected && (st.ino !== expected.ino || st.dev !== expected.dev)))
      throw new UserError(
        `${path} changed while QHub read it`,
        "another program is changing the folder; run again when it is done",
      );
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Reads `rel` below `root` when it is a regular file reached through no link, at most `max`
 * bytes (more is a UserError); anything else is reported as its kind and not opened.
 */
export function readUnder(root: string, rel: string, max = MAX_TREE_FILE): ReadResult {
  const kind = kindUnder(root, rel);
  if (kind !== "file") return { kind };
  const full = join(root, rel);
  const st = lstatSync(full);
  const fd = openRegular(full, st);
  try {
    return { kind: "file", text: guard(full, "read", () => readOpenedFile(fd, full, max)).toString("utf8") };
  } finally {
    closeSync(fd);
  }
}

/** A regular file's text below `root`, undefined when it is missing; a link or other kind is a UserError. */
export function readFileUnder(root: string, rel: string, max = MAX_TREE_FILE): string | undefined {
  const r = readUnder(root, rel, max);
  if (r.kind === "file") return r.text;
  if (r.kind === "missing") return undefined;
  throw refusal(join(root, rel), r.kind);
}

function refusal(path: string, kind: Kind): UserError {
  if (kind === "link")
    return new UserError(
      `${path} is (or is inside) a symbolic link; QHub never reads, writes or deletes through links`,
      "replace the link with the real file or folder",
    );
  if (kind === "dir") return new UserError(`${path} is a folder where QHub expects a file`, "move it away");
  return new UserError(
    `${path} is not a regular file (a FIFO, device or socket)`,
    "QHub reads and writes only regular files; remove it",
  );
}

/**
 * Makes the folders of `relDir` below `root` one by one, refusing links and files on the way.
 * The root itself is made (with its parents) when missing: the person named it.
 */
export function ensureDirUnder(root: string, relDir: string, mutate: Mutate = direct): void {
  const rk = rootKind(root);
  if (rk === "missing") guard(root, "create", () => mkdirSync(root, { recursive: true }));
  else if (rk !== "dir")
    throw new UserError(
      `${root} is a file, not a folder`,
      "pass a folder (--output DIR), or move the file away",
    );
  if (relDir === "" || relDir === ".") return;
  let current = root;
  for (const part of assertRelative(relDir)) {
    current = join(current, part);
    const st = lstatOrUndefined(current);
    if (st === undefined) {
      const at = current;
      mutate(() => guard(at, "create", () => mkdirSync(at)));
    } else if (!st.isDirectory()) throw refusal(current, kindOf(st));
  }
}

const TEMP_SUFFIX = ".qhub-tmp";

/** The temp file QHub writes `rel` through before renaming it into place. */
export function tempName(rel: string): string {
  return posix.join(posix.dirname(rel), `.${posix.basename(rel)}${TEMP_SUFFIX}`);
}

/** Whether a name is one of QHub's temp files. */
export const isTempName = (name: string) => name.startsWith(".") && name.endsWith(TEMP_SUFFIX);

/**
 * Writes `rel` below `root` atomically: a temp file created exclusively (never through a link),
 * then renamed over the target (rename replaces a name; it never writes through a link). The
 * target must be missing or a regular file; a link or anything else there is refused.
 */
export function writeUnder(
  root: string,
  rel: string,
  content: string | Buffer,
  opts: { mode?: number; mutate?: Mutate } = {},
): void {
  const mutate = opts.mutate ?? direct;
  const dir = posix.dirname(rel);
  ensureDirUnder(root, dir === "." ? "" : dir, mutate);
  // ensureDirUnder has just found (with lstat) the root a folder and each folder below it a folder,
  // not a link, or made it: only the last component is left to look at. kindUnder walked the same
  // components again, which told no more: a folder swapped for a link after either walk goes
  // unseen alike (the window safe.ts's header describes), and the walk was most of each write.
  const target = join(root, rel);
  const kind = kindOf(lstatOrUndefined(target));
  if (kind !== "missing" && kind !== "file") throw refusal(target, kind);
  const tmp = join(root, tempName(rel));
  const create = () =>
    openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      opts.mode ?? 0o644,
    );
  mutate(() => {
    // A temp file left by a killed run is QHub's: unlink removes the name, never what a link
    // names. The exclusive create finds it; an lstat before every write found it no sooner.
    let fd = guard(tmp, "write", () => {
      try {
        return create();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
        throw err;
      }
    });
    if (fd === undefined) {
      guard(tmp, "remove", () => unlinkSync(tmp));
      fd = guard(tmp, "write", create);
    }
    try {
      writeAll(fd, tmp, content);
    } catch (err) {
      closeSync(fd);
      unlinkQuietly(tmp);
      throw err;
    }
    closeSync(fd);
  });
  mutate(() =>
    guard(target, "write", () => {
      try {
        renameSync(tmp, target);
      } catch (err) {
        unlinkQuietly(tmp);
        throw err;
      }
    }),
  );
}

function writeAll(fd: number, path: string, content: string | Buffer): void {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  guard(path, "write", () => {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Creates `rel` below `root`, with its content, only if nothing is there; false when something
 * already is. The content is written to a temp file of this process first and hard-linked into
 * place (link never follows a link at its target and fails when the name exists), so no reader
 * ever sees the file empty or half written: a lock is whole from the moment it exists.
 */
export function createExclusiveUnder(
  root: string,
  rel: string,
  content: string | Buffer,
  mode = 0o644,
): boolean {
  const dir = posix.dirname(rel);
  ensureDirUnder(root, dir === "." ? "" : dir);
  const full = join(root, rel);
  // Not a name the writer's temp cleanup takes (isTempName): the lock holder cleans `.qhub/` while
  // another render may be between writing this file and linking it.
  const tmp = join(root, posix.dirname(rel), `.${posix.basename(rel)}.${process.pid}.qhub-new`);
  let fd: number;
  try {
    fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
  } catch (err) {
    throw fsError(err, tmp, "create");
  }
  try {
    try {
      writeAll(fd, tmp, content);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw fsError(err, full, "create");
    }
    return true;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `rel` below `root` when it is a regular file reached through no link; true when it
 * removed it. A link, folder or anything else is left alone (it is not a file QHub wrote).
 */
export function removeFileUnder(root: string, rel: string, mutate: Mutate = direct): boolean {
  if (kindUnder(root, rel) !== "file") return false;
  const full = join(root, rel);
  mutate(() => guard(full, "remove", () => unlinkSync(full)));
  return true;
}

/**
 * Removes `rel` below `root` only while it still holds `expected` (a lock its owner releases, or
 * one a process judged stale): the file is renamed aside first (atomic: whatever is at the name
 * then is what is judged), read without following a link, and put back with an exclusive link when
 * it is not the expected one. True when it removed it. Two processes taking over one stale lock
 * cannot remove the lock the faster one made.
 */
export function removeFileIfUnder(
  root: string,
  rel: string,
  expected: string,
  mutate: Mutate = direct,
): boolean {
  if (kindUnder(root, rel) !== "file") return false;
  const full = join(root, rel);
  // Not a temp name (isTempName): the lock holder cleans `.qhub/`.
  const asideRel = posix.join(posix.dirname(rel), `.${posix.basename(rel)}.${process.pid}.qhub-aside`);
  const aside = join(root, asideRel);
  let moved = false;
  mutate(() =>
    guard(full, "remove", () => {
      try {
        renameSync(full, aside);
        moved = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }),
  );
  if (!moved) return false;
  let seen: ReadResult;
  try {
    seen = readUnder(root, asideRel, Buffer.byteLength(expected));
  } catch {
    seen = { kind: "other" }; // larger than expected: not it
  }
  if (seen.kind === "file" && seen.text === expected) {
    unlinkQuietly(aside);
    return true;
  }
  try {
    // Another's: back where it was, unless a newer one has taken the name meanwhile.
    linkSync(aside, full);
  } catch {
    // the name is taken again: the newer one stays
  } finally {
    unlinkQuietly(aside);
  }
  return false;
}

/** Removes QHub's temp files in `relDir` below `root` (names only: unlink never follows a link). */
export function removeTempsUnder(root: string, relDir: string, mutate: Mutate = direct): void {
  // Names only: what is not a temp name is left alone whatever it is, so only those are looked at
  // (listUnder's lstat of every entry was a syscall per file of every folder a render writes to).
  const folder = namesUnder(root, relDir);
  if (folder === undefined) return;
  for (const name of folder.names.filter(isTempName)) {
    const full = join(folder.path, name);
    mutate(() => guard(full, "remove", () => unlinkSync(full)));
  }
}

/** Removes the empty folders of `rel`'s parents below `root`, deepest first; stops at the first non-empty one. */
export function removeEmptyParentsUnder(root: string, rel: string, mutate: Mutate = direct): void {
  let dir = posix.dirname(rel);
  while (dir !== "." && dir !== "") {
    if (kindUnder(root, dir) !== "dir") return;
    const full = join(root, dir);
    let empty: boolean;
    try {
      empty = readdirSync(full).length === 0;
    } catch {
      return;
    }
    if (!empty) return;
    try {
      mutate(() => rmdirSync(full));
    } catch {
      return;
    }
    dir = posix.dirname(dir);
  }
}

export interface Entry {
  name: string;
  kind: Kind;
}

/**
 * The entries of folder `relDir` below `root` ("" for the root), sorted by name, each with its
 * kind as lstat sees it; undefined when the folder is missing or is (inside) a link.
 */
export function listUnder(root: string, relDir: string): Entry[] | undefined {
  const folder = namesUnder(root, relDir);
  return folder?.names.map((name) => ({ name, kind: kindOf(lstatOrUndefined(join(folder.path, name))) }));
}

/** The folder's path and its entries' names, sorted; undefined when it is missing or (inside) a link. */
function namesUnder(root: string, relDir: string): { path: string; names: string[] } | undefined {
  if (relDir === "" ? rootKind(root) !== "dir" : kindUnder(root, relDir) !== "dir") return undefined;
  const path = relDir === "" ? root : join(root, relDir);
  return { path, names: guard(path, "read", () => readdirSync(path)).sort() };
}

// ---------------------------------------------------------------------------------------------
// Named by a person or the config.

// Kernel pseudo file systems (statfs f_type, linux/magic.h): their files look regular and empty
// but hold process memory, the environment (the token) or endless data.
const PSEUDO_FS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x1cd1, // devpts
  0xcafe4a11, // bpf
  0x62656570, // configfs
  0xde5e81e4, // efivarfs
]);

const PSEUDO_PREFIXES = ["/proc/", "/sys/", "/dev/"];

/** Whether a path is a process or kernel file (under /proc, /sys, /dev, or on such a file system). */
export function isKernelFile(path: string): boolean {
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // judged by its name
  }
  if (PSEUDO_PREFIXES.some((p) => real.startsWith(p) || `${real}/` === p)) return true;
  try {
    return PSEUDO_FS.has(Number(statfsSync(real).type));
  } catch {
    return false;
  }
}

/** What is at a named path (links followed, as the person named it). */
export function kindNamed(path: string): Kind {
  return note({ op: "kind", path }, statKind(path));
}

function statKind(path: string): Kind {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return "missing";
    return st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw fsError(err, path, "read");
  }
}

/**
 * Reads a file a person or the config names: undefined when it does not exist; a folder, FIFO,
 * device, process file or a file over `max` bytes is a UserError naming `what` (e.g. "--config").
 */
export function readNamed(path: string, what: string, max: number): Buffer | undefined {
  const bytes = readNamedFile(path, what, max);
  note({ op: "named", path, what, max }, bytes ?? MISSING);
  return bytes;
}

function readNamedFile(path: string, what: string, max: number): Buffer | undefined {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw fsError(err, `${what} ${path}`, "read");
  }
  if (!st.isFile())
    throw new UserError(
      `${what} ${path} is ${describe(st)}, not a regular file`,
      st.isDirectory()
        ? "name the file inside it"
        : "QHub reads only regular files (never pipes or devices, which may never end); name a file",
    );
  if (isKernelFile(path))
    throw new UserError(
      `${what} ${path} is a process or kernel file (/proc, /sys, /dev); QHub does not read those`,
      "name a regular file that holds only the value",
    );
  if (st.size > max)
    throw new UserError(
      `${what} ${path} is larger than ${MiB(max)}, the most QHub reads of it`,
      "name the right file; it should hold only what QHub needs",
    );
  const fd = guard(path, "read", () => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev)
      throw new UserError(`${path} changed while QHub read it`, "run again when nothing else changes it");
    return guard(path, "read", () => readOpenedFile(fd, `${what} ${path}`, max));
  } finally {
    closeSync(fd);
  }
}

/** The real path of a named file (its links resolved), or the path itself when it does not exist. */
export function realNamed(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Writes a named file atomically (temp file beside it created exclusively, then rename). With
 * `exclusive`, fails (false) when the file exists instead. Where the person named a link, the link's
 * target is replaced and the link kept: the person chose it.
 */
export function writeNamed(
  path: string,
  content: string | Buffer,
  opts: { mode?: number; exclusive?: boolean; keepMode?: boolean; dirMode?: number } = {},
): boolean {
  const target = realNamed(path);
  const dir = dirname(target);
  const rk = rootKind(dir);
  if (rk === "missing")
    guard(dir, "create", () => mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o777 }));
  else if (rk !== "dir") throw new UserError(`${dir} is a file, not a folder`, "pass another path");
  const existing = kindNamed(target);
  if (existing !== "missing" && existing !== "file")
    throw new UserError(`${path} is not a regular file`, "move it away or pass another path");
  if (opts.exclusive && existing !== "missing") return false;
  const mode = opts.keepMode && existing === "file" ? statSync(target).mode & 0o777 : (opts.mode ?? 0o644);
  const rel = basename(target);
  if (opts.exclusive) {
    const created = createExclusiveUnder(dir, rel, "", opts.mode ?? 0o644);
    if (!created) return false;
  }
  writeUnder(dir, rel, content, { mode });
  return true;
}

// ---------------------------------------------------------------------------------------------
// QHub's own files and temp folders.

/** A file of QHub's own installation (trusted: it came with QHub), as text. */
export function readPackageText(path: string): string {
  return note({ op: "package-text", path }, readFileSync(path, "utf8"));
}

/** The entries of a folder of QHub's own installation, sorted. */
export function listPackageDir(path: string): Entry[] {
  const entries = readdirSync(path, { withFileTypes: true })
    .map((e): Entry => ({ name: e.name, kind: e.isDirectory() ? "dir" : e.isFile() ? "file" : "other" }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (journal) note({ op: "package-dir", path }, JSON.stringify(entries));
  return entries;
}

/** Writes a file of QHub's own source tree (`npm run gen`: the committed generated copies). */
export function writePackageText(path: string, text: string): void {
  writeNamed(path, text);
}

/** Whether QHub's own installation has this file. */
export const packageFileExists = (path: string): boolean => kindNamed(path) === "file";

/** A new private temp folder (mode 0700) for QHub's own use. */
export function makeTempDir(prefix: string): string {
  return guard(tmpdir(), "create", () => mkdtempSync(join(tmpdir(), prefix)));
}

/** Removes a temp folder QHub made (rm never follows links inside it). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The journal: what a render read outside its tree, so that a later run can read it again and
// know whether anything it depends on changed (src/render/stamp.ts).

/** A read QHub can repeat: a named file, a file or folder of its own installation, a path's kind. */
export type Probe =
  | { op: "named"; path: string; what: string; max: number }
  | { op: "package-text"; path: string }
  | { op: "package-dir"; path: string }
  | { op: "kind"; path: string };

/** A probe and what it found: the bytes or text read, a listing, a kind, or MISSING. */
export interface JournalEntry {
  probe: Probe;
  seen: string | Buffer;
}

/** What a named file that does not exist reads as in the journal. */
export const MISSING = "\0missing";

let journal: JournalEntry[] | undefined;

function note<T extends string | Buffer>(probe: Probe, seen: T): T {
  // By absolute path: a later run may start in another folder.
  journal?.push({ probe: { ...probe, path: resolve(probe.path) }, seen });
  return seen;
}

/**
 * Runs `fn` and returns, with its result, every read it made through the probes above, in order.
 * One journal at a time: a render runs one plan.
 */
export async function withJournal<T>(fn: () => Promise<T>): Promise<{ value: T; reads: JournalEntry[] }> {
  if (journal) throw new BugError("a journal is already being kept");
  const reads: JournalEntry[] = [];
  journal = reads;
  try {
    return { value: await fn(), reads };
  } finally {
    journal = undefined;
  }
}

/** Makes a probe's read again, as the render made it: what it finds now (a read may throw). */
export function repeatProbe(probe: Probe): string | Buffer {
  switch (probe.op) {
    case "named":
      return readNamedFile(probe.path, probe.what, probe.max) ?? MISSING;
    case "package-text":
      return readFileSync(probe.path, "utf8");
    case "package-dir":
      return JSON.stringify(listPackageDir(probe.path));
    case "kind":
      return statKind(probe.path);
  }
}

// ---------------------------------------------------------------------------------------------
// QHub's private state: a folder only its user can enter (0700), files only its user can read
// (0600). Nothing here is ever an error: a folder or file that is not private is not used.

const PRIVATE_MAX = 64 * 1024 * 1024;

/** Whether `st` belongs to this process's user and no one else may read or write it. */
function isPrivate(st: Stats): boolean {
  return process.getuid !== undefined && st.uid === process.getuid() && (st.mode & 0o077) === 0;
}

function privateDirOk(dir: string): boolean {
  const st = lstatOrUndefinedQuietly(dir);
  return st !== undefined && st.isDirectory() && isPrivate(st);
}

function lstatOrUndefinedQuietly(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A private file's bytes; undefined when missing, not private, reached through a link, or unreadable. */
export function readPrivate(dir: string, name: string): Buffer | undefined {
  if (!privateDirOk(dir)) return undefined;
  let fd: number;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !isPrivate(st)) return undefined;
    return readOpenedFile(fd, name, PRIVATE_MAX);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a private file atomically (a temp file of this process, then rename), making the folder
 * (0700) when missing. With `exclusive`, only when no file has the name yet (false otherwise), as
 * createExclusiveUnder makes it. False, and nothing written, when the folder is not private or the
 * write fails.
 */
export function writePrivate(
  dir: string,
  name: string,
  content: string | Buffer,
  opts: { exclusive?: boolean } = {},
): boolean {
  if (process.getuid === undefined || name.includes("/")) return false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  if (!privateDirOk(dir)) return false;
  if (opts.exclusive)
    try {
      return createExclusiveUnder(dir, name, content, 0o600);
    } catch {
      return false;
    }
  const tmp = join(dir, `.${name}.${process.pid}.qhub-new`);
  try {
    const fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      writeAll(fd, tmp, content);
    } finally {
      closeSync(fd);
    }
    // rename() replaces the name; it never follows a link there.
    renameSync(tmp, join(dir, name));
    return true;
  } catch {
    return false;
  } finally {
    unlinkQuietly(tmp);
  }
}

/** Removes the oldest private files named `prefix…` beyond the newest `keep` (by modification time). */
export function prunePrivate(dir: string, prefix: string, keep: number): void {
  if (!privateDirOk(dir)) return;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  if (names.length <= keep) return;
  const aged = names
    .map((name) => ({ name, st: lstatOrUndefinedQuietly(join(dir, name)) }))
    .filter((e) => e.st?.isFile())
    .sort((a, b) => b.st!.mtimeMs - a.st!.mtimeMs || (a.name < b.name ? -1 : 1));
  for (const e of aged.slice(keep)) unlinkQuietly(join(dir, e.name));
}
