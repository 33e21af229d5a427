// The install route the rendered workflows take: the packed package (`npm pack`), installed into an
// empty prefix as `npm install --global` does, runs the commands of the rendered
// .github/workflows/qhub.yaml on the rendered example. Offline: the dependencies come from the
// exact tree in npm-shrinkwrap.json, out of the npm cache that `npm ci` filled, so the test sends
// nothing to any registry.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installCommand } from "../src/render/workflow.js";
import { VERSION } from "../src/version.js";
import { problemLines, ROOT, tempDir } from "./helpers.js";
import { kustomizeTest } from "./kustomize.js";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
}
interface Workflow {
  jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}

const npm = (args: string[], cwd: string) =>
  spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });

let tarball = "";
let files: string[] = [];

let dest = "";
beforeAll(() => {
  // Kept for the whole file (tempDir() folders go after each test).
  dest = mkdtempSync(join(tmpdir(), "qhub-pack-"));
  // dist/ is built by the suite's global setup; packing runs no scripts.
  const packed = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dest], ROOT);
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dest, info!.filename);
  files = info!.files.map((f) => f.path).sort();
}, 120_000);
afterAll(() => rmSync(dest, { recursive: true, force: true }));

describe("the packed package", () => {
  test("holds every runtime asset and no sources or tests", () => {
    for (const asset of [
      "dist/qhub.js",
      "dist/chunks/render.js",
      "dist/ui.mjs",
      "charts/jupyterhub-4.4.0.schema.json",
      "charts/dask-gateway-2026.3.0.values.yaml",
      "blueprints/README.md",
      "overlays/README.md",
      "environments/environment-dask.yaml",
      "schema/qhub-config.schema.json",
      "npm-shrinkwrap.json",
      "package.json",
    ])
      expect(files, asset).toContain(asset);
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([]);
    // Everything under the shipped folders of the clone is in the package.
    for (const dir of ["blueprints", "overlays", "charts", "environments"])
      for (const f of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true }))
        if (f.isFile()) {
          const path = join(f.parentPath, f.name).slice(ROOT.length + 1);
          expect(files, path).toContain(path);
        }
  });

  kustomizeTest(
    "installed into an empty prefix, it runs the rendered workflow's commands on the rendered example",
    () => {
      const prefix = tempDir();
      const install = npm(
        ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball],
        prefix,
      );
      expect(install.status, install.stderr).toBe(0);
      const bin = join(prefix, "bin");
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
      // A team's repository: the config, rendered by the installed QHub.
      const repo = tempDir();
      copyFileSync(join(ROOT, "examples", "qhub-config.yaml"), join(repo, "qhub-config.yaml"));
      const render = spawnSync(join(bin, "qhub"), ["render"], { cwd: repo, encoding: "utf8", env });
      expect(render.status, render.stderr).toBe(0);

      const workflow = parse(
        readFileSync(join(repo, ".github", "workflows", "qhub.yaml"), "utf8"),
      ) as Workflow;
      const job = workflow.jobs.check!;
      const runs = job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
      // The workflow installs the version that rendered the tree: the one just packed.
      expect(runs[0]).toBe(`npm install --global qhub@${VERSION}`);
      expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))).toMatchObject({
        version: VERSION,
      });
      // The job's environment maps repository secrets to the variables the config names.
      const secrets = Object.fromEntries(Object.keys(job.env ?? {}).map((k) => [k, process.env[k] ?? ""]));
      expect(Object.keys(secrets).sort()).toEqual([
        "GITHUB_CLIENT_ID",
        "GITHUB_CLIENT_SECRET",
        "QHUB_STATUS_TOKEN",
      ]);
      for (const run of runs.slice(1)) {
        const r = spawnSync("sh", ["-c", run], { cwd: repo, encoding: "utf8", env: { ...env, ...secrets } });
        expect(r.status, `${run}: ${r.stderr}`).toBe(0);
      }
      expect(runs.slice(1)).toEqual(["qhub render --check", "qhub check"]);
    },
    300_000,
  );
});

describe("the install command of the rendered workflows", () => {
  const config = (install: { package?: string; registry?: string }) =>
    ({ clusters: [{ gitops: { install } }] }) as unknown as Parameters<typeof installCommand>[0];

  test("is the rendering version by default; a mirror's package and registry when the config names them", () => {
    expect(installCommand(config({}))).toBe(`npm install --global qhub@${VERSION}`);
    expect(
      installCommand(config({ package: "@acme/qhub@0.1.0", registry: "https://npm.acme.example/" })),
    ).toBe("npm install --global --registry https://npm.acme.example/ @acme/qhub@0.1.0");
  });

  test("gitops.qhub_package and gitops.npm_registry refuse shell characters and other schemes", () => {
    const base = readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8");
    const lines = (gitops: string) => problemLines(`${base}gitops:\n  repository: acme/platform\n${gitops}`);
    expect(lines("  qhub_package: qhub@0.1.0\n  npm_registry: https://npm.acme.example/\n")).toEqual([]);
    expect(lines("  qhub_package: qhub@0.1.0; curl evil\n")).toEqual([
      expect.stringContaining(
        "gitops.qhub_package: must be an npm package spec without spaces or shell characters",
      ) as unknown,
    ]);
    expect(lines("  npm_registry: file:///etc\n")).toEqual([
      expect.stringContaining("gitops.npm_registry: must be an http(s) URL of an npm registry") as unknown,
    ]);
  });
});
