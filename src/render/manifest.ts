// The record of the files QHub generated in a rendered tree (.qhub/manifest.json): one reader and
// one rule for every command that trusts it (render prunes by it, diff and pr compare by it). The
// file lives in a folder people and the base branch change, so every path in it must stay inside
// the tree; a manifest that is not QHub's is a UserError, never a crash.
import { join } from "node:path";
import { UserError } from "../errors.js";
import { isSafeRelative, readUnder } from "../fs/safe.js";

export const MANIFEST_PATH = ".qhub/manifest.json";

interface Manifest {
  generator: "qhub";
  files: Record<string, string>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The files a manifest records, with their sha256; undefined text means there is none yet. */
export function parseManifest(text: string | undefined, where: string): Record<string, string> {
  if (text === undefined) return {};
  let m: Partial<Manifest> | undefined;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    m = undefined;
  }
  const files = m?.generator === "qhub" && m.files && typeof m.files === "object" ? m.files : undefined;
  const bad =
    files === undefined
      ? undefined
      : Object.entries(files).find(
          ([p, h]) => !isSafeRelative(p) || p === MANIFEST_PATH || typeof h !== "string" || !SHA256.test(h),
        );
  if (files === undefined || Array.isArray(files) || bad !== undefined)
    throw new UserError(
      bad === undefined
        ? `${where} is not a QHub manifest`
        : `${where} is not a QHub manifest: it records ${JSON.stringify(bad[0])}, which is not a file inside the tree`,
      "restore it from git (`git checkout -- .qhub/manifest.json`); QHub uses it to know which files it generated",
    );
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The manifest's text for these files (sorted, stable). */
export function manifestText(files: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ generator: "qhub", files: sorted } satisfies Manifest, null, 2)}\n`;
}

/** The manifest's text below the root; a link or anything but a regular file there is refused. */
export function readManifestText(root: string): string | undefined {
  const r = readUnder(root, MANIFEST_PATH);
  if (r.kind === "file") return r.text;
  if (r.kind === "missing") return undefined;
  throw new UserError(
    `${join(root, MANIFEST_PATH)} is ${r.kind === "link" ? "(or is inside) a symbolic link" : "not a regular file"}; QHub never reads or writes its record through one`,
    "replace .qhub/ with a real folder and restore manifest.json from git",
  );
}
