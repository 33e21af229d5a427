// The tree a render is compared with: the files QHub generated there before (by its manifest),
// or, where QHub never rendered, the files a render would write over. Files people added are
// not QHub's and are not compared. The reader decides where "there" is: a folder, a git commit.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_PATH } from "../render/write.js";

/** Reads one file of the earlier tree; undefined when it has no such file. */
export type ReadFile = (path: string) => Promise<string | undefined>;

export async function previousTree(
  read: ReadFile,
  nextPaths: readonly string[],
): Promise<Record<string, string>> {
  const manifest = await read(MANIFEST_PATH);
  const paths =
    manifest === undefined
      ? nextPaths
      : Object.keys((JSON.parse(manifest) as { files?: Record<string, string> }).files ?? {});
  const out: Record<string, string> = {};
  const texts = await Promise.all(paths.map(read));
  paths.forEach((p, i) => {
    const text = texts[i];
    if (text !== undefined) out[p] = text;
  });
  return out;
}

/** A file under `root`, or undefined when there is none (a folder is not a file). */
export function diskReader(root: string): ReadFile {
  return (path) => {
    const full = join(root, path);
    return Promise.resolve(
      existsSync(full) && statSync(full).isFile() ? readFileSync(full, "utf8") : undefined,
    );
  };
}
