// Hostile repositories and inputs (issue 14, the file-system and process half): the built binary
// against links, FIFOs, devices, /proc, held locks, costly digests, full and read-only disks.
// Every case asserts the safe outcome: exit 0 (when nothing is wrong for the person), 1 or 2 with
// one `error:` line and a hint, never 70 or a stack trace; bounded time (each run is killed after a
// timeout); canary files outside the output and working copy neither read (their content never
// appears in any output, PR body or pushed tree, base64 included), written nor deleted; no token.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, binEnv, listFiles, ROOT, tempDir } from "./helpers.js";
import { isolatedGitEnv, startGitServer } from "./support/git-server.js";
import type { GitServer } from "./support/git-server.js";
import { startGitHubDouble } from "./support/github-double.js";
import type { GitHubDouble } from "./support/github-double.js";

const TOKEN = "ghp_HOSTILEcanary0123456789abcdefABCDEF00";
const ENV_CANARY = "qhub-env-canary-5d1e0b7c9a";
const FILE_CANARY = "qhub-file-canary-c4a8e21f03";
const LOCAL = readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8");
const KEY = join(ROOT, "test", "fixtures", "secrets", "flux-age.txt");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const outputs: string[] = [];

/** The built binary with a user's environment (plus canaries), killed after `timeoutMs`. */
function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
  command: string[] = [process.execPath, BIN],
): Promise<Run> {
  const start = performance.now();
  return new Promise((done, fail) => {
    const [exe, ...pre] = command;
    const child = spawn(exe!, [...pre, ...args], {
      cwd,
      env: binEnv({ QHUB_ENV_CANARY: ENV_CANARY, ...env }),
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      outputs.push(stdout, stderr);
      done({ code: code ?? -1, stdout, stderr, ms: performance.now() - start, timedOut });
    });
  });
}

/** A refused run: the exit status, one `error:` line matching `message`, a hint, no stack trace. */
function expectRefused(r: Run, message: RegExp, code = 1): void {
  expect(r.timedOut, "timed out").toBe(false);
  expect(r.stderr, "no internal error").not.toMatch(/internal error|^\s+at |Error: /m);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).toMatch(/^hint: \S/m);
  expect(r.code, r.stderr).toBe(code);
}

/** An invalid config: exit 1, problem lines `FILE:LINE:COL: path: message. Hint: ...`. */
function expectInvalid(r: Run, message: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
  const line = r.stderr.split("\n").find((l) => message.test(l));
  expect(line, r.stderr).toMatch(/^\S+:\d+:\d+: .* Hint: \S/);
  expect(r.code).toBe(1);
}

/** `text` in plain and in every base64 alignment (what an encoder could make of a substring). */
function forms(text: string): string[] {
  const out = [text];
  for (let i = 0; i < 3; i++) {
    const b64 = Buffer.from(text.slice(i)).toString("base64");
    out.push(b64.slice(0, -4), Buffer.from(text.slice(i)).toString("base64url").slice(0, -4));
  }
  return out;
}

/** No canary, token or environment value in any text (every output so far, plus `more`). */
function expectNoLeak(...more: string[]): void {
  const all = [...outputs, ...more].join("\n");
  for (const secret of [TOKEN, ENV_CANARY, FILE_CANARY])
    for (const form of forms(secret)) expect(all.includes(form), `leaked: ${form}`).toBe(false);
}

/** A folder outside every output with canary files; `check()` proves nothing there changed. */
function canaryFolder(files: Record<string, string> = {}): { dir: string; check(): void } {
  const dir = tempDir();
  const all = { "secret.txt": `${FILE_CANARY}\n`, ...files };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  const before = Object.fromEntries(
    listFiles(dir).map((p) => [p, `${readFileSync(join(dir, p), "utf8")}@${statSync(join(dir, p)).mtimeMs}`]),
  );
  return {
    dir,
    check() {
      const after = Object.fromEntries(
        listFiles(dir).map((p) => [
          p,
          `${readFileSync(join(dir, p), "utf8")}@${statSync(join(dir, p)).mtimeMs}`,
        ]),
      );
      expect(after, "canary files neither written, added nor deleted").toEqual(before);
    },
  };
}

/** A folder holding a config and (unless `render` is false) QHub's render of it. */
async function rendered(config = LOCAL, render = true): Promise<string> {
  const dir = tempDir();
  writeFileSync(join(dir, "qhub-config.yaml"), config);
  if (render) {
    const r = await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY });
    expect(r.code, r.stderr).toBe(0);
  }
  return dir;
}

function manifestOf(dir: string): { generator: string; files: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, ".qhub/manifest.json"), "utf8")) as {
    generator: string;
    files: Record<string, string>;
  };
}

function writeManifest(dir: string, files: Record<string, string>): void {
  writeFileSync(
    join(dir, ".qhub/manifest.json"),
    `${JSON.stringify({ generator: "qhub", files }, null, 2)}\n`,
  );
}

const FAKE_SHA = "0".repeat(64);

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

afterAll(() => expectNoLeak());

// ---------------------------------------------------------------------------------------------

describe("symlinks below the output root", () => {
  test("a manifest file that is a link (to a file outside, to /proc/self/environ) never reaches `qhub diff`", async () => {
    const outside = canaryFolder({
      "leak.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\n  namespace: dev\ndata:\n  value: ${FILE_CANARY}\n`,
    });
    const dir = await rendered();
    const hub = "cluster-overlays/laptop/platform/jupyterhub.yaml";
    rmSync(join(dir, hub));
    symlinkSync(join(outside.dir, "leak.yaml"), join(dir, hub));
    rmSync(join(dir, "README.md"));
    symlinkSync("/proc/self/environ", join(dir, "README.md"));
    for (const args of [["diff"], ["diff", "--json"]]) {
      const r = await run(args, dir, { GITHUB_TOKEN: TOKEN });
      expect(r.timedOut).toBe(false);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      // The links are not QHub's files: the render would add them anew, nothing else changes.
      expect(r.code, r.stderr).toBe(3);
    }
    // render refuses to write over them (they are not QHub's), and writes nothing through them.
    const r = await run(["render"], dir, { GITHUB_TOKEN: TOKEN });
    expectRefused(r, /would overwrite 2 files it did not create: README\.md \(a symbolic link/);
    outside.check();
    expectNoLeak();
  });

  test("a manifest entry under a linked folder is never deleted, nor the temp files there", async () => {
    const outside = canaryFolder({ "x.yaml": "kept: true\n", ".x.yaml.qhub-tmp": "kept: too\n" });
    const dir = await rendered();
    symlinkSync(outside.dir, join(dir, "evil"));
    const m = manifestOf(dir);
    writeManifest(dir, { ...m.files, "evil/x.yaml": FAKE_SHA, "evil/secret.txt": FAKE_SHA });
    const r = await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    // The links' entries leave the record; what they point at is untouched.
    expect(Object.keys(manifestOf(dir).files).some((p) => p.startsWith("evil/"))).toBe(false);
    outside.check();
  });

  test("a generated folder replaced by a link, then dropped from the config: nothing outside is deleted", async () => {
    const two = `${LOCAL}gitops:\n  repository: acme/two\n  clusters:\n    a: {}\n    b: {}\n`;
    const dir = await rendered(two);
    const outside = canaryFolder();
    cpSync(join(dir, "cluster-overlays", "b"), join(outside.dir, "b"), { recursive: true });
    const copied = listFiles(join(outside.dir, "b"));
    expect(copied.length).toBeGreaterThan(3);
    rmSync(join(dir, "cluster-overlays", "b"), { recursive: true });
    symlinkSync(join(outside.dir, "b"), join(dir, "cluster-overlays", "b"));
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      `${LOCAL}gitops:\n  repository: acme/two\n  clusters:\n    a: {}\n`,
    );
    const r = await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(join(outside.dir, "b"))).toEqual(copied);
    expect(Object.keys(manifestOf(dir).files).some((p) => p.startsWith("cluster-overlays/b/"))).toBe(false);
  });

  test("a linked .qhub/ folder is refused, its target untouched", async () => {
    const outside = canaryFolder({ "manifest.json": '{"generator":"qhub","files":{}}\n' });
    const dir = await rendered();
    rmSync(join(dir, ".qhub"), { recursive: true });
    symlinkSync(outside.dir, join(dir, ".qhub"));
    expectRefused(await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY }), /symbolic link/);
    expectRefused(await run(["diff"], dir), /symbolic link/);
    outside.check();
  });

  test("one manifest rule for render and diff: `../outside.yaml` is refused by both, and not read", async () => {
    const parent = tempDir();
    writeFileSync(
      join(parent, "outside.yaml"),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {v: ${FILE_CANARY}}\n`,
    );
    const dir = join(parent, "repo");
    mkdirSync(dir);
    writeFileSync(join(dir, "qhub-config.yaml"), LOCAL);
    expect((await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY })).code).toBe(0);
    writeManifest(dir, { ...manifestOf(dir).files, "../outside.yaml": FAKE_SHA });
    expectRefused(await run(["diff"], dir), /not a QHub manifest: it records "\.\.\/outside\.yaml"/);
    expectRefused(await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY }), /not a QHub manifest/);
    expect(readFileSync(join(parent, "outside.yaml"), "utf8")).toContain(FILE_CANARY);
  });
});

describe("files that never end", () => {
  test("`fromFile:` at a FIFO, or at a link to /dev/zero: exit 1 at once", async () => {
    const dir = await rendered(LOCAL, false);
    mkfifo(join(dir, "pipe"));
    symlinkSync("/dev/zero", join(dir, "zero"));
    for (const file of ["pipe", "zero"]) {
      writeFileSync(
        join(dir, "qhub-config.yaml"),
        `${LOCAL}security:\n  authentication:\n    type: password\n  users:\n    alice:\n      password: { fromFile: ./${file} }\n`,
      );
      const r = await run(["render"], dir, {}, 20_000);
      expectRefused(
        r,
        file === "pipe" ? /named pipe \(FIFO\), not a regular file/ : /a device, not a regular file/,
      );
      expect(r.ms).toBeLessThan(20_000);
    }
  });

  test("`fromFile: /dev/zero` is a validation error", async () => {
    const dir = await rendered(
      `${LOCAL}security:\n  authentication:\n    type: password\n  users:\n    alice:\n      password: { fromFile: /dev/zero }\n`,
      false,
    );
    expectInvalid(
      await run(["validate"], dir, {}, 20_000),
      /fromFile: \/dev\/zero is a process or kernel file/,
    );
  });

  test("`--config` at a FIFO, `SOPS_AGE_KEY_FILE` at a FIFO or a folder: exit 1 at once", async () => {
    const dir = await rendered(LOCAL, false);
    mkfifo(join(dir, "config-pipe"));
    mkfifo(join(dir, "key-pipe"));
    expectRefused(await run(["render", "--config", "config-pipe"], dir, {}, 20_000), /named pipe \(FIFO\)/);
    expectRefused(await run(["validate", "--config", "config-pipe"], dir, {}, 20_000), /named pipe \(FIFO\)/);
    expectRefused(
      await run(["render"], dir, { SOPS_AGE_KEY_FILE: join(dir, "key-pipe") }, 20_000),
      /SOPS_AGE_KEY_FILE .* is a named pipe \(FIFO\)/,
    );
    expectRefused(
      await run(["render"], dir, { SOPS_AGE_KEY_FILE: tempDir() }, 20_000),
      /SOPS_AGE_KEY_FILE .* is a folder, not a regular file/,
    );
  });

  test("a secret file over the size cap is refused, not read whole", async () => {
    const dir = await rendered(
      `${LOCAL}security:\n  authentication:\n    type: password\n  users:\n    alice:\n      password: { fromFile: ./big }\n`,
      false,
    );
    writeFileSync(join(dir, "big"), Buffer.alloc(2 * 1024 * 1024, 97));
    expectRefused(await run(["render"], dir), /larger than 1 MiB/);
  });
});

describe("concurrent renders into one folder", () => {
  test("a held lock is reported (exit 1); a stale one (dead pid) is taken over", async () => {
    const dir = await rendered();
    writeFileSync(join(dir, "qhub-config.yaml"), `${LOCAL}namespace: other\n`);
    // Held: this test process is alive on this host.
    writeFileSync(join(dir, ".qhub/lock"), JSON.stringify({ pid: process.pid, host: hostname() }));
    expectRefused(
      await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY }),
      new RegExp(`another qhub render \\(pid ${process.pid} on .*\\) is writing`),
    );
    // Stale: a process that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    writeFileSync(join(dir, ".qhub/lock"), JSON.stringify({ pid: Number(dead.stdout), host: hostname() }));
    const r = await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, ".qhub/lock"))).toBe(false);
    // A link at the lock's name is never written through.
    const outside = canaryFolder();
    symlinkSync(join(outside.dir, "secret.txt"), join(dir, ".qhub/lock"));
    expectRefused(await run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY }), /not a lock QHub wrote/);
    outside.check();
  });

  test("renders started together: each finishes or reports the lock; the tree ends whole and owned", async () => {
    const dir = await rendered();
    writeFileSync(join(dir, "qhub-config.yaml"), `${LOCAL}namespace: other\n`);
    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => run(["render"], dir, { SOPS_AGE_KEY_FILE: KEY }, 60_000)),
    );
    for (const r of runs) {
      expect(r.timedOut).toBe(false);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      if (r.code !== 0) expectRefused(r, /another qhub render \(pid \d+ on .*\) is writing/);
    }
    expect(runs.some((r) => r.code === 0)).toBe(true);
    expect(existsSync(join(dir, ".qhub/lock"))).toBe(false);
    const check = await run(["render", "--check"], dir, { SOPS_AGE_KEY_FILE: KEY });
    expect(check.code, check.stderr).toBe(0);
    // Every file QHub wrote is on record (nothing orphaned, nothing recorded that is missing).
    const owned = Object.keys(manifestOf(dir).files).sort();
    const onDisk = listFiles(dir).filter((p) => p !== "qhub-config.yaml" && p !== ".qhub/manifest.json");
    expect(onDisk).toEqual(owned);
  });

  test("two renders taking over one stale lock: the slower one cannot remove the faster one's lock", async () => {
    const safe = await import("../src/fs/safe.js");
    const root = tempDir();
    mkdirSync(join(root, ".qhub"));
    const stale = `${JSON.stringify({ pid: 999999, host: hostname() })}\n`;
    writeFileSync(join(root, ".qhub/lock"), stale);
    // Both read the stale lock; the faster one removes it and locks.
    expect(safe.removeFileIfUnder(root, ".qhub/lock", stale)).toBe(true);
    const faster = `${JSON.stringify({ pid: process.pid, host: hostname(), token: "a" })}\n`;
    expect(safe.createExclusiveUnder(root, ".qhub/lock", faster)).toBe(true);
    // The slower one now removes what it judged stale: the faster one's lock stays, whole.
    expect(safe.removeFileIfUnder(root, ".qhub/lock", stale)).toBe(false);
    expect(readFileSync(join(root, ".qhub/lock"), "utf8")).toBe(faster);
    expect(readdirSync(join(root, ".qhub"))).toEqual(["lock"]);
    // A render releases only its own lock.
    expect(safe.removeFileIfUnder(root, ".qhub/lock", faster.replace('"a"', '"b"'))).toBe(false);
    expect(safe.removeFileIfUnder(root, ".qhub/lock", faster)).toBe(true);
    expect(existsSync(join(root, ".qhub/lock"))).toBe(false);
    // A link at the name is not a lock: left alone.
    symlinkSync(join(root, "elsewhere"), join(root, ".qhub/lock"));
    expect(safe.removeFileIfUnder(root, ".qhub/lock", stale)).toBe(false);
    expect(lstatSync(join(root, ".qhub/lock")).isSymbolicLink()).toBe(true);
  });
});

describe("exfiltration through secret references", () => {
  test("`{fromEnv: GITHUB_TOKEN}` and `{fromFile: /proc/self/environ}` are validation errors", async () => {
    const dir = await rendered(
      `${LOCAL.replace("domain: laptop.localhost", "domain: laptop.localhost\ncertificate: { type: disabled }")}security:\n  authentication:\n    type: GitHub\n    config:\n      client_id: abc\n      client_secret: { fromEnv: GITHUB_TOKEN }\n`,
      false,
    );
    for (const cmd of ["validate", "render"])
      expectInvalid(
        await run([cmd], dir, { GITHUB_TOKEN: TOKEN }),
        /client_secret\.fromEnv: GITHUB_TOKEN holds a credential/,
      );
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      `${LOCAL}security:\n  authentication:\n    type: password\n  users:\n    alice:\n      password: { fromFile: /proc/self/environ }\n`,
    );
    expectInvalid(
      await run(["render"], dir, { GITHUB_TOKEN: TOKEN }),
      /\/proc\/self\/environ is a process or kernel file/,
    );
    expect(listFiles(dir)).toEqual(["qhub-config.yaml"]);
  });

  test("a relative `fromFile:` that is a link to /proc/self/environ is refused when read", async () => {
    const dir = await rendered(
      `${LOCAL}security:\n  authentication:\n    type: password\n  users:\n    alice:\n      password: { fromFile: ./env }\n`,
      false,
    );
    symlinkSync("/proc/self/environ", join(dir, "env"));
    expectRefused(await run(["render"], dir, { GITHUB_TOKEN: TOKEN }), /process or kernel file/);
    expect(listFiles(dir)).toEqual(["env", "qhub-config.yaml"].sort());
  });
});

describe("costs taken from the repository", () => {
  test("a previous SOPS file's digest with huge scrypt parameters costs nothing", async () => {
    const dir = await rendered();
    const file = join(dir, "cluster-overlays/laptop/platform/secrets/qhub-platform-tokens.sops.yaml");
    const text = readFileSync(file, "utf8");
    // A digest of QHub's shape and lengths, at a cost of seconds and gigabytes.
    const huge = text.replace(
      /qhub_digest: \S+/,
      `qhub_digest: scrypt:ln=20,r=16,p=4:${"A".repeat(22)}:${"A".repeat(43)}`,
    );
    expect(huge).not.toBe(text);
    writeFileSync(file, huge);
    const r = await run(["render", "--check"], dir, { SOPS_AGE_KEY_FILE: KEY }, 20_000);
    expect(r.timedOut).toBe(false);
    expect(r.stderr).not.toMatch(/internal error/);
    // Not trusted: the file would be encrypted again (exit 3), at no cost.
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(15_000);
  });
});

describe("people's mistakes are exit 1, not 70", () => {
  test("`--output` naming a file", async () => {
    const dir = await rendered(LOCAL, false);
    writeFileSync(join(dir, "out"), "a file\n");
    expectRefused(await run(["render", "--output", "out"], dir), /out is a file; QHub renders into a folder/);
    expectRefused(
      await run(["diff", "--output", "out"], dir),
      /out is a file; QHub compares with a rendered folder/,
    );
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("a file\n");
  });

  test("`gitops.readme: a//b.md` is invalid for validate and render alike", async () => {
    const dir = await rendered(`${LOCAL}gitops:\n  readme: a//b.md\n`, false);
    expectInvalid(await run(["validate"], dir), /gitops\.readme: must be a Markdown file's path/);
    expectInvalid(await run(["render"], dir), /gitops\.readme: must be a Markdown file's path/);
  });

  test("a corrupt manifest in `qhub diff` and `qhub render`", async () => {
    const dir = await rendered();
    writeFileSync(join(dir, ".qhub/manifest.json"), "{ not json");
    expectRefused(await run(["diff"], dir), /manifest\.json is not a QHub manifest/);
    expectRefused(await run(["render"], dir), /manifest\.json is not a QHub manifest/);
  });

  test("`qhub check` on a symlink loop", async () => {
    const dir = tempDir();
    symlinkSync("loop", join(dir, "loop"));
    expectRefused(await run(["check", "loop"], dir), /loop of symbolic links \(ELOOP\)/);
    mkdirSync(join(dir, "repo", "clusters"), { recursive: true });
    symlinkSync("a", join(dir, "repo", "clusters", "a"));
    expectRefused(await run(["check", "repo"], dir), /has no clusters/);
  });

  // A full and a read-only disk need a mount: in a private mount namespace (unshare -m), so
  // nothing outside this test sees it. Skipped where that is not allowed.
  const canMount =
    spawnSync("unshare", [
      "-m",
      "sh",
      "-c",
      // The probe's folder is removed whatever the mount did (each run left one in the temp folder).
      'd=$(mktemp -d) && { mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s; }',
    ]).status === 0;

  test.runIf(canMount)("a full disk (ENOSPC) and a read-only output (EROFS)", async () => {
    const dir = await rendered(LOCAL, false);
    mkdirSync(join(dir, "full"));
    mkdirSync(join(dir, "ro"));
    const inNamespace = (options: string, out: string) =>
      run([], dir, {}, 30_000, [
        "unshare",
        "-m",
        "sh",
        "-c",
        `mount -t tmpfs -o ${options} tmpfs ${out} && exec "$0" "$1" render --output ${out}`,
        process.execPath,
        BIN,
      ]);
    const full = await inNamespace("size=64k", join(dir, "full"));
    expectRefused(full, /no space left on the device \(ENOSPC\)/);
    const ro = await inNamespace("ro,size=64k", join(dir, "ro"));
    expectRefused(ro, /the file system is read-only \(EROFS\)/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("qhub pr against a hostile base branch", () => {
  const REPO = "acme/hostile";
  let git: GitServer;
  let github: GitHubDouble;
  let home: string;
  const CONFIG = `${LOCAL}gitops:\n  repository: ${REPO}\n  branch: main\n`;

  beforeAll(async () => {
    git = await startGitServer({ token: TOKEN });
    github = await startGitHubDouble({ token: TOKEN, git });
    // Not tempDir(): that is removed after each test, and this lives for the whole describe.
    home = mkdtempSync(join(tmpdir(), "qhub-hostile-home-"));
  });
  afterAll(async () => {
    if (home) rmSync(home, { recursive: true, force: true });
    await github?.close();
    await git?.close();
  });

  /** A new base: `files` as regular files plus `links` (path -> target) as symbolic links. */
  async function base(branch: string, files: Record<string, string>, links: Record<string, string>) {
    const name = `${REPO}-${branch}`;
    await git.createRepo(name, files);
    const gitDir = join(git.root, `${name}.git`);
    const env = { ...isolatedGitEnv(home), GIT_INDEX_FILE: join(home, `${branch}.index`) };
    const g = (args: string[], input?: string) =>
      execFileSync("git", ["--git-dir", gitDir, ...args], { env, encoding: "utf8", input }).trim();
    g(["read-tree", "main"]);
    for (const [path, target] of Object.entries(links)) {
      const blob = g(["hash-object", "-w", "--stdin"], target);
      g(["update-index", "--add", "--cacheinfo", `120000,${blob},${path}`]);
    }
    const commit = g(["commit-tree", g(["write-tree"]), "-p", "main", "-m", "links"]);
    g(["update-ref", "refs/heads/main", commit]);
    return name;
  }

  async function pr(repo: string, dir: string) {
    return run(
      ["pr", "--repository", repo],
      dir,
      {
        GITHUB_TOKEN: TOKEN,
        GITHUB_SERVER_URL: git.url,
        GITHUB_API_URL: github.url,
        QHUB_GITHUB_RETRY_BASE_MS: "5",
      },
      60_000,
    );
  }

  test("a README.md link to /proc/self/environ listed in the manifest: never read into the PR body or tree", async () => {
    const outside = canaryFolder({
      "leak.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\n  namespace: dev\ndata:\n  value: ${FILE_CANARY}\n`,
    });
    const manifest = JSON.stringify({
      generator: "qhub",
      files: {
        "README.md": FAKE_SHA,
        "cluster-overlays/laptop/platform/leak.yaml": FAKE_SHA,
        "cluster-overlays/laptop/platform/secrets/qhub-platform-tokens.sops.yaml": FAKE_SHA,
      },
    });
    const repo = await base(
      "readme",
      { "NOTES.md": "# notes\n", ".qhub/manifest.json": manifest },
      {
        "README.md": "/proc/self/environ",
        "cluster-overlays/laptop/platform/leak.yaml": join(outside.dir, "leak.yaml"),
        "cluster-overlays/laptop/platform/secrets/qhub-platform-tokens.sops.yaml": "/proc/self/environ",
      },
    );
    const user = tempDir();
    writeFileSync(join(user, "qhub-config.yaml"), CONFIG.replace(REPO, repo));
    const r = await pr(repo, user);
    // The links are files QHub did not write, where it writes: refused, with the base named.
    expectRefused(r, /would overwrite 2 files it did not create: README\.md \(a symbolic link/);
    expect(github.pulls.map((p) => p.body ?? "").join("\n")).toBe("");
    outside.check();
    expectNoLeak(...github.pulls.map((p) => p.body ?? ""));
  });

  test("links QHub would not write (listed in the manifest) stay out of the body and the pushed tree", async () => {
    const outside = canaryFolder({
      "leak.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\n  namespace: dev\ndata:\n  value: ${FILE_CANARY}\n`,
    });
    const manifest = JSON.stringify({
      generator: "qhub",
      files: { "old/environ.md": FAKE_SHA, "old/leak.yaml": FAKE_SHA },
    });
    const repo = await base(
      "old",
      { "NOTES.md": "# notes\n", ".qhub/manifest.json": manifest },
      { "old/environ.md": "/proc/self/environ", "old/leak.yaml": join(outside.dir, "leak.yaml") },
    );
    const user = tempDir();
    writeFileSync(join(user, "qhub-config.yaml"), CONFIG.replace(REPO, repo));
    const r = await pr(repo, user);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    const bodies = github.pulls.map((p) => p.body ?? "");
    expect(bodies.join("\n")).toContain("qhub");
    // The pushed tree: every blob on the bot branch.
    const gitDir = join(git.root, `${repo}.git`);
    const blobs = execFileSync("git", ["--git-dir", gitDir, "ls-tree", "-r", "qhub/laptop"], {
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean)
      .map((l) =>
        execFileSync("git", ["--git-dir", gitDir, "cat-file", "-p", l.split(/\s+/)[2]!], {
          encoding: "utf8",
        }),
      );
    outside.check();
    expectNoLeak(...bodies, ...blobs);
  });

  test("a committed qhub-config.yaml link is never written through", async () => {
    const outside = canaryFolder();
    const repo = await base(
      "config",
      { "NOTES.md": "# notes\n" },
      { "qhub-config.yaml": join(outside.dir, "secret.txt") },
    );
    const user = tempDir();
    writeFileSync(join(user, "qhub-config.yaml"), CONFIG.replace(REPO, repo));
    expectRefused(await pr(repo, user), /qhub-config\.yaml on main of .* is a symbolic link/);
    outside.check();
  });
});

describe("the file-system door (src/fs/safe.ts) itself", () => {
  test("people's file-system errors become one-line UserErrors; anything else stays a bug", async () => {
    const { fsError } = await import("../src/fs/safe.js");
    const { UserError } = await import("../src/errors.js");
    // Tests run as root here, where EACCES cannot be provoked: the mapping is checked directly.
    for (const [code, words] of [
      ["EACCES", /permission denied \(EACCES\)/],
      ["EPERM", /permission denied \(EPERM\)/],
      ["ENOSPC", /no space left/],
      ["EDQUOT", /no space left/],
      ["EROFS", /read-only/],
      ["ENOTDIR", /is a file, not a folder/],
      ["ELOOP", /loop of symbolic links/],
    ] as const) {
      const e = fsError(Object.assign(new Error("x"), { code }), "/out/a.yaml", "write");
      expect(e).toBeInstanceOf(UserError);
      expect((e as InstanceType<typeof UserError>).message).toMatch(words);
      expect((e as InstanceType<typeof UserError>).message).not.toContain("\n");
      expect((e as InstanceType<typeof UserError>).hint).not.toBe("");
    }
    const odd = Object.assign(new Error("x"), { code: "EWHATEVER" });
    expect(fsError(odd, "/out", "read")).toBe(odd);
  });

  test("no read, write or delete through a link, and never an open of a FIFO", async () => {
    const safe = await import("../src/fs/safe.js");
    const outside = canaryFolder();
    const root = tempDir();
    mkdirSync(join(root, "real"));
    symlinkSync(outside.dir, join(root, "linked"));
    symlinkSync(join(outside.dir, "secret.txt"), join(root, "file-link"));
    mkfifo(join(root, "real", "pipe"));
    expect(safe.kindUnder(root, "linked/secret.txt")).toBe("link");
    expect(safe.readUnder(root, "file-link")).toEqual({ kind: "link" });
    expect(safe.readUnder(root, "real/pipe")).toEqual({ kind: "other" });
    expect(() => safe.writeUnder(root, "linked/new.yaml", "x")).toThrow(/symbolic link/);
    expect(() => safe.writeUnder(root, "file-link", "x")).toThrow(/symbolic link/);
    expect(safe.removeFileUnder(root, "linked/secret.txt")).toBe(false);
    expect(safe.removeFileUnder(root, "file-link")).toBe(false);
    expect(safe.listUnder(root, "linked")).toBeUndefined();
    // A temp name planted as a link: removed by name, the file written, the link's target untouched.
    symlinkSync(join(outside.dir, "secret.txt"), join(root, "real", ".a.yaml.qhub-tmp"));
    safe.writeUnder(root, "real/a.yaml", "a: 1\n");
    expect(readFileSync(join(root, "real", "a.yaml"), "utf8")).toBe("a: 1\n");
    expect(existsSync(join(root, "real", ".a.yaml.qhub-tmp"))).toBe(false);
    // Exclusive creation at a dangling link's name creates nothing where the link points.
    symlinkSync(join(outside.dir, "planted"), join(root, "real", "lock"));
    expect(safe.createExclusiveUnder(root, "real/lock", "x")).toBe(false);
    expect(existsSync(join(outside.dir, "planted"))).toBe(false);
    // Paths that climb out are a bug of the caller, never a read.
    expect(() => safe.readUnder(root, "../x")).toThrow(/outside the root/);
    outside.check();
  });

  test("reads every size whole, and no more than its cap", async () => {
    const safe = await import("../src/fs/safe.js");
    const root = tempDir();
    for (const size of [0, 1, 4095, 4096, 65535, 65536, 65537, 200_001]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = 32 + ((i * 7 + size) % 95);
      writeFileSync(join(root, `f${size}`), bytes);
      expect(safe.readNamed(join(root, `f${size}`), "file", 1 << 20)?.equals(bytes)).toBe(true);
      const r = safe.readUnder(root, `f${size}`);
      expect(r).toEqual({ kind: "file", text: bytes.toString("latin1") });
    }
    expect(() => safe.readNamed(join(root, "f65537"), "file", 65536)).toThrow(/larger than/);
    expect(() => safe.readUnder(root, "f200001", 200_000)).toThrow(/larger than/);
  });

  test("private state: only a folder and files of this user that no one else may read", async () => {
    const safe = await import("../src/fs/safe.js");
    const base = tempDir();
    const dir = join(base, "state");
    expect(safe.writePrivate(dir, "a", "one")).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "a")).mode & 0o777).toBe(0o600);
    expect(safe.readPrivate(dir, "a")?.toString()).toBe("one");
    // Exclusive: the first writer wins.
    expect(safe.writePrivate(dir, "k", "first", { exclusive: true })).toBe(true);
    expect(safe.writePrivate(dir, "k", "second", { exclusive: true })).toBe(false);
    expect(safe.readPrivate(dir, "k")?.toString()).toBe("first");
    // A file others may read, a link, a FIFO: not used.
    chmodSync(join(dir, "a"), 0o644);
    expect(safe.readPrivate(dir, "a")).toBeUndefined();
    const outside = canaryFolder();
    symlinkSync(join(outside.dir, "secret.txt"), join(dir, "link"));
    expect(safe.readPrivate(dir, "link")).toBeUndefined();
    mkfifo(join(dir, "pipe"));
    chmodSync(join(dir, "pipe"), 0o600);
    expect(safe.readPrivate(dir, "pipe")).toBeUndefined();
    // Writing over a link replaces the name, never what it points at.
    expect(safe.writePrivate(dir, "link", "x")).toBe(true);
    outside.check();
    // A folder others may enter: neither read nor written.
    chmodSync(dir, 0o755);
    expect(safe.readPrivate(dir, "k")).toBeUndefined();
    expect(safe.writePrivate(dir, "b", "x")).toBe(false);
    // A folder that is a link to a private folder: not used.
    chmodSync(dir, 0o700);
    symlinkSync(dir, join(base, "linked-state"));
    expect(safe.readPrivate(join(base, "linked-state"), "k")).toBeUndefined();
    expect(safe.writePrivate(join(base, "linked-state"), "c", "x")).toBe(false);
  });
});
