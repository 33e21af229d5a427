// The render's record of its last run into a folder, so that a render with nothing to do does
// nothing: not even compile. A full render keeps a journal of every read it makes outside the tree
// (the config, files the config names, QHub's own blueprints and environments, the environment
// variables it asks for: src/fs/safe.ts's probes) and, after it wrote the tree, saves a stamp:
// the probes, the manifest it wrote, and an HMAC over all of it with what each read found. The next
// `qhub render` into the same folder with the same config repeats the probes, recomputes the HMAC
// and checks every file of the manifest on disk (through no link, by its SHA-256): only when all
// of that is as it was is the answer "up to date" without a render; anything else, or any doubt
// (no stamp, another QHub build, a lock in the tree, an unreadable probe), renders as usual.
//
// Secrets are among the reads (fromEnv, fromFile, age identities), so the stamp keeps none of
// what was read, only probe names (paths, variable names) and the HMAC, whose key is a random
// 256-bit file beside it. Both live in the user's cache folder ($XDG_CACHE_HOME/qhub, else
// ~/.cache/qhub), 0700, never in the rendered repository; a stamp or key that is not private
// (another owner, other permissions, a link) is not used. QHUB_NO_CACHE=1 turns the record off.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { kindUnder, prunePrivate, readPrivate, readUnder, repeatProbe, writePrivate } from "../fs/safe.js";
import type { JournalEntry, Probe } from "../fs/safe.js";
import { LOCK_PATH } from "./lock.js";
import { MANIFEST_PATH, parseManifest } from "./manifest.js";
import { DEFAULT_README } from "./readme-path.js";
import { sha256 } from "./write.js";
import type { ReadmeChoice } from "./readme-path.js";

const FORMAT = 1;
const KEY_FILE = "key";
const KEY_BYTES = 32;
const STAMP_PREFIX = "render-";
/** One stamp per config and folder: renders into many passing folders must not fill the disk. */
const MAX_STAMPS = 256;

/** Where a render keeps its stamps, and the build of QHub they are valid for. */
export interface StampStore {
  dir: string;
  /** The digest of the render's code: a stamp of another build is not used. */
  build: string;
}

/** What a render that changed nothing reports, kept with the stamp. */
export interface StampResult {
  clusters: string[];
  /** Files the manifest records (the manifest itself not counted). */
  files: number;
  readme: ReadmeChoice;
}

interface Stamp {
  format: number;
  build: string;
  config: string;
  root: string;
  probes: Probe[];
  env: string[];
  /** SHA-256 of the manifest the render left, and whether a README.md was in the tree then. */
  tree: { manifest: string; readme: boolean };
  result: StampResult;
  mac: string;
}

/** The record's folder, or undefined when there is none to use (QHUB_NO_CACHE, no user id). */
export function stampStore(env: NodeJS.ProcessEnv, build: string | undefined): StampStore | undefined {
  if (build === undefined || env.QHUB_NO_CACHE || process.getuid === undefined) return undefined;
  // XDG: a relative XDG_CACHE_HOME is invalid and ignored.
  const base =
    env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : join(env.HOME ?? homedir(), ".cache");
  return { dir: join(base, "qhub"), build };
}

/** One stamp per config file and output folder (absolute paths). */
const stampFile = (config: string, root: string) => `${STAMP_PREFIX}${sha256(`${config}\0${root}`)}.json`;

/**
 * Environment variables as the render sees them, recording each name it asks for. `names()` is
 * undefined when the render listed the whole environment: then nothing can be recorded.
 */
export function recordingEnv(env: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  names(): string[] | undefined;
} {
  const names = new Set<string>();
  let listed = false;
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === "string") names.add(name);
      return Reflect.get(target, name) as unknown;
    },
    has(target, name) {
      if (typeof name === "string") names.add(name);
      return Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      if (typeof name === "string") names.add(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) {
      listed = true;
      return Reflect.ownKeys(target);
    },
  });
  return { env: proxy, names: () => (listed ? undefined : [...names].sort()) };
}

/** The HMAC over a stamp's fields and what its probes and variables found. */
function macOf(
  key: Buffer,
  stamp: Omit<Stamp, "mac">,
  seen: (string | Buffer)[],
  env: NodeJS.ProcessEnv,
): string {
  const mac = createHmac("sha256", key).update(JSON.stringify(stamp));
  // Each value length-prefixed and typed, so that no two sequences of reads feed the same bytes.
  const add = (tag: string, data: string | Buffer) => {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    mac.update(`\n${tag}${bytes.length}:`).update(bytes);
  };
  for (const s of seen) add(typeof s === "string" ? "s" : "b", s);
  for (const name of stamp.env) {
    const value = env[name];
    add(value === undefined ? "u" : "v", value ?? "");
  }
  return mac.digest("hex");
}

function key(store: StampStore, create: boolean): Buffer | undefined {
  const found = readPrivate(store.dir, KEY_FILE);
  if (found?.length === KEY_BYTES) return found;
  if (found !== undefined || !create) return undefined;
  // Two renders may make one at once: the first link wins and both read it.
  writePrivate(store.dir, KEY_FILE, randomBytes(KEY_BYTES), { exclusive: true });
  const made = readPrivate(store.dir, KEY_FILE);
  return made?.length === KEY_BYTES ? made : undefined;
}

/**
 * Saves the stamp of a render that left `root` holding exactly `files` (by the manifest it wrote):
 * after a write, or a --check that found the tree up to date. Best effort: false when not saved.
 */
export function saveStamp(
  store: StampStore,
  run: {
    config: string;
    root: string;
    reads: JournalEntry[];
    env: NodeJS.ProcessEnv;
    envNames: string[] | undefined;
    manifest: string;
    result: StampResult;
  },
): boolean {
  if (run.envNames === undefined) return false;
  const k = key(store, true);
  if (k === undefined) return false;
  // Each distinct read once, at its first (a render reads package.json more than once, and one
  // password file for every user who names it). `what` names the reader for error messages only: a
  // read that fails now is a render's to report, with the right one.
  const seenProbes = new Map<string, JournalEntry>();
  for (const r of run.reads) {
    const id = JSON.stringify({ ...r.probe, what: undefined });
    if (!seenProbes.has(id)) seenProbes.set(id, r);
  }
  const entries = [...seenProbes.values()];
  const stamp: Omit<Stamp, "mac"> = {
    format: FORMAT,
    build: store.build,
    config: run.config,
    root: run.root,
    probes: entries.map((e) => e.probe),
    env: run.envNames,
    tree: { manifest: sha256(run.manifest), readme: kindUnder(run.root, DEFAULT_README) !== "missing" },
    result: run.result,
  };
  const mac = macOf(
    k,
    stamp,
    entries.map((e) => e.seen),
    run.env,
  );
  const saved = writePrivate(
    store.dir,
    stampFile(run.config, run.root),
    `${JSON.stringify({ ...stamp, mac })}\n`,
  );
  if (saved) prunePrivate(store.dir, STAMP_PREFIX, MAX_STAMPS);
  return saved;
}

/**
 * The result of the last render into `root` when nothing it depends on has changed since, and the
 * tree is as it left it; undefined when a render must run.
 */
export function unchangedSinceStamp(
  store: StampStore,
  config: string,
  root: string,
  env: NodeJS.ProcessEnv,
): StampResult | undefined {
  const text = readPrivate(store.dir, stampFile(config, root));
  if (text === undefined) return undefined;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(text.toString("utf8")) as Stamp;
  } catch {
    return undefined;
  }
  if (
    stamp?.format !== FORMAT ||
    stamp.build !== store.build ||
    stamp.config !== config ||
    stamp.root !== root ||
    !Array.isArray(stamp.probes) ||
    !Array.isArray(stamp.env) ||
    typeof stamp.mac !== "string"
  )
    return undefined;
  // The cheap look first: a render into an emptied folder (or after any write) fails here, before
  // the probes are read again. Nothing found here is trusted until the HMAC below holds.
  const files = manifestAsLeft(root, stamp);
  if (files === undefined) return undefined;
  const k = key(store, false);
  if (k === undefined) return undefined;
  let seen: (string | Buffer)[];
  try {
    seen = stamp.probes.map(repeatProbe);
  } catch {
    return undefined;
  }
  const { mac, ...rest } = stamp;
  const expected = Buffer.from(macOf(k, rest, seen, env), "hex");
  const found = Buffer.from(mac, "hex");
  if (found.length !== expected.length || !timingSafeEqual(found, expected)) return undefined;
  return filesAsLeft(root, files) ? stamp.result : undefined;
}

/**
 * The files the tree's manifest records, when it is the manifest the stamp's render wrote and no
 * render holds the tree's lock; undefined otherwise.
 */
function manifestAsLeft(root: string, stamp: Stamp): Record<string, string> | undefined {
  try {
    // A render in progress (or one killed) holds the lock: let a render sort it out.
    if (kindUnder(root, LOCK_PATH) !== "missing") return undefined;
    if ((kindUnder(root, DEFAULT_README) !== "missing") !== stamp.tree?.readme) return undefined;
    const manifest = readUnder(root, MANIFEST_PATH);
    if (manifest.kind !== "file" || sha256(manifest.text) !== stamp.tree.manifest) return undefined;
    const files = parseManifest(manifest.text, MANIFEST_PATH);
    return Object.keys(files).length === stamp.result?.files ? files : undefined;
  } catch {
    // Whatever a render would say about it (a link, a huge file), it says best.
    return undefined;
  }
}

/** Whether every file is in the tree as the manifest records it (through no link, by SHA-256). */
function filesAsLeft(root: string, files: Record<string, string>): boolean {
  try {
    for (const [path, digest] of Object.entries(files)) {
      const r = readUnder(root, path);
      if (r.kind !== "file" || sha256(r.text) !== digest) return false;
    }
    return true;
  } catch {
    return false;
  }
}
