// The real Kustomize (`kubectl kustomize`) for tests. On CI a missing kubectl fails the tests
// that need it; elsewhere they are skipped with a visible reason.
import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import { test } from "vitest";

export const HAS_KUSTOMIZE = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/**
 * `test` when a command-line tool is there; without it, a test that fails on CI (where the tool
 * must be installed) and is skipped elsewhere with the reason in its name.
 */
export function testNeeding(available: boolean, tool: string, install: string): typeof test {
  if (available) return test;
  if (process.env.CI)
    return ((name: string) =>
      test(name, () => {
        throw new Error(`${tool} is required on CI and was not found on PATH (${install})`);
      })) as unknown as typeof test;
  return ((name: string) =>
    test.skip(`${name} (skipped: ${tool} not found on PATH)`, () => {})) as unknown as typeof test;
}

export const kustomizeTest = testNeeding(
  HAS_KUSTOMIZE,
  "kubectl (with Kustomize v5)",
  "it comes with these machines",
);

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

/** Debian's Python (the one on PATH may be another), which has python3-traitlets. */
export const PYTHON = "/usr/bin/python3";

/** A test that runs Python with traitlets: fails on CI without it, skipped with the reason elsewhere. */
export const pythonTest = testNeeding(
  spawnSync(PYTHON, ["-c", "import traitlets"], { stdio: "ignore" }).status === 0,
  `${PYTHON} with traitlets`,
  "apt-get install python3-traitlets",
);

/** A test that runs Python with Dask's distributed: fails on CI without it, skipped with the reason elsewhere. */
export const daskTest = testNeeding(
  spawnSync(PYTHON, ["-c", "import distributed"], { stdio: "ignore" }).status === 0,
  `${PYTHON} with distributed`,
  "apt-get install python3-distributed",
);
