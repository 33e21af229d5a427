// Reads the project's static trees (blueprints/, overlays/) for the render: part of the load stage.
// They are QHub's own installed files (trusted), read through the door's package readers.
import { listPackageDir, readPackageText } from "../fs/safe.js";
import { join, relative, sep } from "node:path";
import { packageRoot } from "../config/load.js";
import type { OutputFile } from "./emit.js";
import type { StaticFiles } from "./build.js";

function walk(root: string, dir: string): OutputFile[] {
  const out: OutputFile[] = [];
  for (const entry of listPackageDir(dir)) {
    const full = join(dir, entry.name);
    if (entry.kind === "dir") out.push(...walk(root, full));
    else if (entry.kind === "file")
      out.push({ path: relative(root, full).split(sep).join("/"), content: readPackageText(full) });
  }
  return out;
}

export function loadStaticFiles(root = packageRoot()): StaticFiles {
  return { blueprints: walk(root, join(root, "blueprints")), overlays: walk(root, join(root, "overlays")) };
}
