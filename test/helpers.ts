import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { afterAll, afterEach } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { formatProblem } from "../src/config/problems.js";
import { validateDocument } from "../src/config/validate.js";
import type { Io } from "../src/io.js";
import { main } from "../src/main.js";

export const ROOT = resolve(import.meta.dirname, "..");

// `qhub init` writes an age identity to SOPS's key file under XDG_CONFIG_HOME, and `qhub render`
// its record of the last render under XDG_CACHE_HOME: never the real ones. One folder per test
// file, removed after it (left behind, thousands of them in the temp folder made every file
// created there ten times slower on this machine's ext4).
const xdg = mkdtempSync(join(tmpdir(), "qhub-test-xdg-"));
process.env.XDG_CONFIG_HOME = xdg;
process.env.XDG_CACHE_HOME = join(xdg, "cache");
afterAll(() => rmSync(xdg, { recursive: true, force: true }));
export const BIN = join(ROOT, "dist", "qhub.js");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "qhub-test-"));
  dirs.push(d);
  return d;
}

/** Validates config text as if read from `qhub-config.yaml`; returns the printed problem lines. */
export function problemLines(text: string, file = "qhub-config.yaml"): string[] {
  return validateDocument(parseConfigText(file, text)).problems.map(formatProblem);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with captured output. */
export async function runMain(args: string[]): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (t) => void (stdout += t.endsWith("\n") ? t : `${t}\n`),
    stderr: (t) => void (stderr += t.endsWith("\n") ? t : `${t}\n`),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Renders a config of test/fixtures/render/ into a fresh folder; the folder of its cluster's layers. */
export async function renderFixture(name: string, cluster: string): Promise<string> {
  const out = tempDir();
  const r = await runMain([
    "render",
    "--config",
    join(ROOT, "test", "fixtures", "render", `${name}.yaml`),
    "--output",
    out,
  ]);
  if (r.code !== 0) throw new Error(`render of ${name} failed:\n${r.stderr}`);
  return join(out, "cluster-overlays", cluster);
}

/** A user's environment: only PATH, HOME and the test's XDG folders, plus `env`. */
export const binEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME,
  XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  ...env,
});

/** Runs the built binary (or another installation's, `bin`) as a user would. */
export function runBin(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, bin = BIN): RunResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: binEnv(env),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the built binary without blocking this process: needed when the test itself serves what
 * the command talks to (a git remote, an API double) on loopback.
 */
export function runBinAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: binEnv(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** Every file below `root`, as sorted `/`-separated paths relative to it ([] when it is missing). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full).split(sep).join("/"));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** The files below `root` with their text, by path; `skip` leaves some out. */
export function readTree(root: string, skip: (p: string) => boolean = () => false): Record<string, string> {
  return Object.fromEntries(
    listFiles(root)
      .filter((p) => !skip(p))
      .map((p) => [p, readFileSync(join(root, p), "utf8")]),
  );
}
