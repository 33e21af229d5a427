// The tree a render is compared with: the files QHub generated there before (by its manifest),
// or, where QHub never rendered, the files a render would write over. Files people added are
// not QHub's and are not compared. The reader decides where "there" is: a folder, a git commit.
// A reader returns only regular files reached through no symbolic link: a link (even one the
// manifest lists) is not a file QHub wrote, so what it points at never reaches a diff or a PR body.
import { kindUnder, readUnder } from "../fs/safe.js";
import { MANIFEST_PATH, parseManifest, readManifestText } from "../render/manifest.js";

/**
 * Reads one file of the earlier tree; undefined when it has no such regular file. `exists` says
 * whether anything at all is at the path (a link or folder too): a name QHub must not write over.
 */
export type ReadFile = ((path: string) => Promise<string | undefined>) & {
  exists?: (path: string) => Promise<boolean>;
};

export async function previousTree(
  read: ReadFile,
  nextPaths: readonly string[],
  where = MANIFEST_PATH,
): Promise<Record<string, string>> {
  const manifest = await read(MANIFEST_PATH);
  // One reader and one rule with `qhub render`: a corrupt manifest, or one naming paths outside
  // the tree (`../outside.yaml`), is refused the same way.
  const paths = manifest === undefined ? nextPaths : Object.keys(parseManifest(manifest, where));
  const out: Record<string, string> = {};
  const texts = await Promise.all(paths.map(read));
  paths.forEach((p, i) => {
    const text = texts[i];
    if (text !== undefined) out[p] = text;
  });
  return out;
}

/** A regular file under `root` reached through no link, or undefined (a folder or link is not a file). */
export function diskReader(root: string): ReadFile {
  // The manifest follows render's rule: a link or FIFO there is an error, not "no manifest".
  const read: ReadFile = (path) => {
    if (path === MANIFEST_PATH) return Promise.resolve(readManifestText(root));
    const r = readUnder(root, path);
    return Promise.resolve(r.kind === "file" ? r.text : undefined);
  };
  read.exists = (path) => Promise.resolve(kindUnder(root, path) !== "missing");
  return read;
}
