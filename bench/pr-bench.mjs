// `qhub pr` in the benchmark: what a pull request costs in GitHub REST calls (the target: at
// most 10 plus one per 100 changed files) and in time, against the test suite's loopback git
// remote and GitHub API double (bundled from test/support with esbuild, run in this process).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const TOKEN = "ghp_bench000000000000000000000000000000000";

/** Runs the built CLI without blocking this process (it serves the remote and the API). */
function run(root, args, cwd, env) {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, "dist", "qhub.js"), ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (t) => (stdout += t));
    child.stderr.on("data", (t) => (stderr += t));
    child.on("error", fail);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) fail(new Error(`qhub ${args.join(" ")} exited ${code}: ${stderr}`));
      else done({ ms, report: JSON.parse(stdout) });
    });
  });
}

async function loadServers(root) {
  // Inside the project, so that the bundles' imports (ajv, the OpenAPI description) resolve.
  const outdir = join(root, "node_modules", ".cache", "qhub-bench");
  await build({
    entryPoints: ["git-server.ts", "github-double.ts"].map((f) => join(root, "test", "support", f)),
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir,
    outExtension: { ".js": ".mjs" },
    logLevel: "error",
  });
  const { startGitServer } = await import(join(outdir, "git-server.mjs"));
  const { startGitHubDouble } = await import(join(outdir, "github-double.mjs"));
  return { startGitServer, startGitHubDouble };
}

/**
 * One pull request per config: opened, re-run with no change, updated after a change. Returns
 * the REST calls and times of each run.
 */
export async function prBench(root, configs, env) {
  const work = mkdtempSync(join(tmpdir(), "qhub-bench-pr-"));
  const { startGitServer, startGitHubDouble } = await loadServers(root);
  const git = await startGitServer({ token: TOKEN });
  const github = await startGitHubDouble({ token: TOKEN, git });
  const results = [];
  try {
    // Untimed first: the API double loads GitHub's OpenAPI description and compiles each
    // endpoint's schemas on its first call, which is the double's cost, not QHub's.
    {
      const { text, change } = configs[0];
      const dir = join(work, "warm-up");
      mkdirSync(dir, { recursive: true });
      await git.createRepo("bench/warm-up", { "NOTES.md": "bench\n" });
      writeFileSync(join(dir, "qhub-config.yaml"), text);
      const warmEnv = { ...env, GITHUB_TOKEN: TOKEN, GITHUB_SERVER_URL: git.url, GITHUB_API_URL: github.url };
      const args = ["pr", "--json", "--repository", "bench/warm-up", "--branch", "qhub/warm-up"];
      await run(root, args, dir, warmEnv);
      writeFileSync(join(dir, "qhub-config.yaml"), change(text));
      await run(root, args, dir, warmEnv);
    }
    for (const { name, text, change } of configs) {
      const repo = `bench/${name}`;
      await git.createRepo(repo, { "NOTES.md": "bench\n" });
      const dir = join(work, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "qhub-config.yaml"), text);
      const runEnv = {
        ...env,
        GITHUB_TOKEN: TOKEN,
        GITHUB_SERVER_URL: git.url,
        GITHUB_API_URL: github.url,
      };
      const args = ["pr", "--json", "--repository", repo, "--branch", `qhub/${name}`];
      const first = await run(root, args, dir, runEnv);
      const again = await run(root, args, dir, runEnv);
      writeFileSync(
        join(dir, "qhub-config.yaml"),
        change(readFileSync(join(dir, "qhub-config.yaml"), "utf8")),
      );
      const update = await run(root, args, dir, runEnv);
      const files = (r) =>
        r.report.files.added.length + r.report.files.changed.length + r.report.files.removed.length;
      for (const [kind, r] of [
        ["open", first],
        ["no change", again],
        ["update", update],
      ]) {
        const limit = 10 + Math.ceil(files(r) / 100);
        if (r.report.restCalls.total > limit)
          throw new Error(
            `qhub pr (${name}, ${kind}) made ${r.report.restCalls.total} REST calls; the limit is ${limit}`,
          );
        results.push({
          config: name,
          run: kind,
          ms: Number(r.ms.toFixed(1)),
          changedFiles: files(r),
          restCalls: r.report.restCalls.total,
          restWrites: r.report.restCalls.writes,
          limit,
          pushed: r.report.pushed,
        });
      }
      if (again.report.restCalls.writes !== 0 || again.report.pushed)
        throw new Error(`qhub pr (${name}) wrote on a run with no change`);
    }
  } finally {
    await github.close();
    await git.close();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
