import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Io } from "../io.js";
import { diffTrees } from "../diff/objects.js";
import { planRender } from "../render/plan.js";
import { MANIFEST_PATH } from "../render/write.js";

export interface DiffOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Root of the rendered repository. @default the config file's folder */
  output?: string;
  json: boolean;
}

/** The files QHub generated before, by its manifest (files people added are not compared). */
function currentTree(root: string): Record<string, string> {
  const manifest = join(root, MANIFEST_PATH);
  const owned = existsSync(manifest)
    ? Object.keys(
        (JSON.parse(readFileSync(manifest, "utf8")) as { files?: Record<string, string> }).files ?? {},
      )
    : [];
  const out: Record<string, string> = {};
  for (const path of owned) {
    const full = join(root, path);
    if (existsSync(full) && statSync(full).isFile()) out[path] = readFileSync(full, "utf8");
  }
  return out;
}

/** Every file under the root that the render would write over (first render into a folder). */
function unownedCollisions(root: string, paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) if (existsSync(join(root, p))) out[p] = readFileSync(join(root, p), "utf8");
  return out;
}

/** `qhub diff`: per cluster and per object, what `qhub render` would change. 0 none, 3 differences. */
export async function runDiff(opts: DiffOptions, io: Io): Promise<number> {
  const plan = await planRender(opts.config, opts.output, io);
  if (!plan) return 1;
  const next = Object.fromEntries(plan.files.map((f) => [f.path, f.content]));
  const current = existsSync(join(plan.root, MANIFEST_PATH))
    ? currentTree(plan.root)
    : unownedCollisions(plan.root, Object.keys(next));
  const changes = diffTrees(current, next);
  const count = changes.reduce((n, c) => n + c.objects.length + c.files.length, 0);
  if (opts.json) {
    io.stdout(JSON.stringify({ config: opts.config, differs: count > 0, clusters: changes }, null, 2));
    return count > 0 ? 3 : 0;
  }
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const c of changes) {
    const n = (k: "added" | "removed" | "changed") => c.objects.filter((o) => o.change === k).length;
    io.stderr(`${c.cluster}: ${n("added")} added, ${n("changed")} changed, ${n("removed")} removed`);
    for (const o of c.objects) {
      io.stderr(`  ${sign[o.change]} ${o.object}  (${o.file})${o.warning ? `  WARNING: ${o.warning}` : ""}`);
      if (o.diff) io.stderr(o.diff.replace(/^/gm, "      "));
    }
    for (const f of c.files) io.stderr(`  ${sign[f.change]} file ${f.file}`);
  }
  io.stderr(
    count === 0 ? "no changes" : `${count} change${count === 1 ? "" : "s"}; \`qhub render\` writes them`,
  );
  return count > 0 ? 3 : 0;
}
