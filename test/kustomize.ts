// The real Kustomize (`kubectl kustomize`) for tests. On CI a missing kubectl fails the tests
// that need it; elsewhere they are skipped with a visible reason.
import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import { test } from "vitest";

export const HAS_KUSTOMIZE = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/** `test`, or a failing test on CI / a skipped one elsewhere when kubectl is missing. */
export const kustomizeTest: typeof test = HAS_KUSTOMIZE
  ? test
  : process.env.CI
    ? (((name: string) =>
        test(name, () => {
          throw new Error("kubectl (with Kustomize v5) is required on CI and was not found on PATH");
        })) as unknown as typeof test)
    : (((name: string) =>
        test.skip(`${name} (skipped: kubectl not found on PATH)`, () => {})) as unknown as typeof test);

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Builds a kustomization folder with the real Kustomize and returns its objects. */
export function kustomizeBuild(dir: string): KubeObject[] {
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
