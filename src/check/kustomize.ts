// The real Kustomize, as `kubectl kustomize`, run in parallel across the machine's cores.
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseAllDocuments } from "yaml";
import { UserError } from "../errors.js";

export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

export type BuildResult =
  { ok: true; objects: KubeObject[]; ms: number } | { ok: false; error: string; ms: number };

export function assertKustomize(): void {
  const r = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new UserError(
      "kubectl (with Kustomize v5) was not found on PATH; qhub check builds every path with it",
      "install kubectl (https://kubernetes.io/docs/tasks/tools/, or `apt-get install kubectl` where available) and run qhub check again",
    );
}

/** Parses a YAML stream into objects, skipping empty documents. */
export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is KubeObject => typeof o === "object" && o !== null && !Array.isArray(o));
}

function buildOne(dir: string): Promise<BuildResult> {
  const start = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
  return new Promise((resolve) => {
    const child = spawn("kubectl", ["kustomize", dir], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => resolve({ ok: false, error: e.message, ms: ms() }));
    child.on("close", (code) => {
      if (code !== 0) {
        resolve({ ok: false, error: Buffer.concat(err).toString("utf8").trim(), ms: ms() });
        return;
      }
      try {
        resolve({ ok: true, objects: parseObjects(Buffer.concat(out).toString("utf8")), ms: ms() });
      } catch (e) {
        resolve({ ok: false, error: `Kustomize printed YAML that does not parse: ${String(e)}`, ms: ms() });
      }
    });
  });
}

/** Builds every folder, at most one per core at a time; results in the order given. */
export async function buildAll(dirs: readonly string[]): Promise<BuildResult[]> {
  const results: BuildResult[] = new Array<BuildResult>(dirs.length);
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const i = next++;
      results[i] = await buildOne(dirs[i] ?? "");
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), dirs.length) }, worker));
  return results;
}
