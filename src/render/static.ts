// Reads the project's static trees (blueprints/, overlays/) for the render: part of the load stage.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { packageRoot } from "../config/load.js";
import type { OutputFile } from "./emit.js";
import type { StaticFiles } from "./build.js";

function walk(root: string, dir: string): OutputFile[] {
  const out: OutputFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(root, full));
    else if (entry.isFile())
      out.push({ path: relative(root, full).split(sep).join("/"), content: readFileSync(full, "utf8") });
  }
  return out;
}

export function loadStaticFiles(root = packageRoot()): StaticFiles {
  return { blueprints: walk(root, join(root, "blueprints")), overlays: walk(root, join(root, "overlays")) };
}
