// One render at a time per output folder: `.qhub/lock`, created exclusively (O_EXCL, never through
// a link), holds the writer's pid and host. A lock whose process is gone (a render that was
// killed) on this host is taken over; a live one is reported, and the render stops (exit 1).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { createExclusiveUnder, readUnder, removeFileIfUnder } from "../fs/safe.js";
import type { Mutate } from "../fs/safe.js";

export const LOCK_PATH = ".qhub/lock";

interface Holder {
  pid: number;
  host: string;
}

function holderOf(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(h.pid) && typeof h.host === "string") return { pid: h.pid!, host: h.host };
  } catch {
    // not a lock QHub wrote
  }
  return undefined;
}

/** Whether a process with this pid runs here (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `fn` holding the output folder's lock; the lock is released however `fn` ends. */
export function withRenderLock<T>(root: string, mutate: Mutate, fn: () => T): T {
  const me: Holder = { pid: process.pid, host: hostname() };
  // A token makes this lock's text its own: only this render's lock is released by this render.
  const text = `${JSON.stringify({ ...me, token: randomBytes(8).toString("hex") })}\n`;
  for (let attempt = 0; ; attempt++) {
    let created = false;
    mutate(() => (created = createExclusiveUnder(root, LOCK_PATH, text)));
    if (created) break;
    const r = readUnder(root, LOCK_PATH, 4096);
    const holder = r.kind === "file" ? holderOf(r.text) : undefined;
    const where = join(root, LOCK_PATH);
    if (r.kind !== "file" && r.kind !== "missing")
      throw new UserError(
        `${where} is not a lock QHub wrote (${r.kind === "link" ? "a symbolic link" : "not a regular file"})`,
        "remove it, then run again",
      );
    // Released between our try and our look: try again (renders finishing one after another can
    // do that several times, never for long).
    if (r.kind === "missing" && attempt < 50) continue;
    const stale = holder !== undefined && holder.host === me.host && !alive(holder.pid);
    if (attempt < 2 && stale) {
      // A render killed on this machine left it: its work is on record (the manifest is widened
      // before any write), so the next render converges. Take it over: remove it only if it still
      // is the lock judged stale (another render may have taken it over and locked already).
      if (r.kind === "file") removeFileIfUnder(root, LOCK_PATH, r.text, mutate);
      continue;
    }
    throw new UserError(
      holder
        ? `another qhub render (pid ${holder.pid} on ${holder.host}) is writing ${root}`
        : `${where} exists and is not a lock QHub can read`,
      holder
        ? `wait for it to finish and run again; if no render is running, remove ${where}`
        : `remove ${where} if no render is running, then run again`,
    );
  }
  try {
    return fn();
  } finally {
    removeFileIfUnder(root, LOCK_PATH, text);
  }
}
