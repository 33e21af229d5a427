// A render with nothing to do answers from the last render's record (src/render/stamp.ts) without
// compiling. The answer must be the one a full render gives, byte for byte, and any change to what
// the render depends on (the config, a variable or file it reads, QHub's own files, the tree, the
// record itself) must make it render again. Each case runs the built binary twice more: once as
// people run it and once with QHUB_NO_CACHE=1 (a full render), and compares.
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, runBin, tempDir } from "./helpers.js";

const RECIPIENT = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
const PASSWORD = "stamp-test-password-1";
const HIT = "nothing changed since the last render";

const config = (extra = "") =>
  [
    "project_name: stamped",
    "provider: local",
    "domain: hub.localhost",
    "security:",
    "  authentication: { type: password }",
    "  users:",
    "    alice: { password: { fromFile: alice.txt } }",
    "    bob: { password: { fromEnv: BOB_PASSWORD } }",
    `secrets: { sops: { age_recipients: [${RECIPIENT}] } }`,
    extra,
  ].join("\n");

interface Setup {
  dir: string;
  cache: string;
  env: NodeJS.ProcessEnv;
  /**
   * Runs qhub in `dir` with the case's environment (and `more`); `full` turns the record off; `bin`
   * is another installation of QHub.
   */
  qhub(
    args: string[],
    opts?: { full?: boolean; more?: NodeJS.ProcessEnv; bin?: string },
  ): ReturnType<typeof runBin>;
}

function setup(): Setup {
  const dir = tempDir();
  const cache = join(dir, "cache");
  writeFileSync(join(dir, "qhub-config.yaml"), config());
  writeFileSync(join(dir, "alice.txt"), `${PASSWORD}\n`);
  const env = { XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: join(dir, "xdg"), BOB_PASSWORD: "bob-password-1" };
  return {
    dir,
    cache,
    env,
    qhub(args, opts = {}) {
      const all = { ...env, ...opts.more, ...(opts.full ? { QHUB_NO_CACHE: "1" } : {}) };
      return runBin(args, dir, all, opts.bin);
    },
  };
}

const RENDER = ["render", "--output", "out"];

/** --verbose output without the stage times, which differ from run to run. */
const untimed = (stderr: string) => stderr.replace(/ \(\d+ ms\)$/gm, "");

/** Renders once (full), then asserts the next run is answered from the record. */
function renderedAndStamped(s: Setup): void {
  const first = s.qhub(RENDER);
  expect(first.code, first.stderr).toBe(0);
  const second = s.qhub([...RENDER, "--verbose"]);
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toContain(HIT);
}

describe("the render's record of its last run", () => {
  beforeAll(() => {
    expect(statSync(BIN).isFile()).toBe(true);
  });

  it("answers a render, --check and --json with no change exactly as a full render does", () => {
    const s = setup();
    renderedAndStamped(s);
    for (const args of [
      RENDER,
      [...RENDER, "--check"],
      [...RENDER, "--json"],
      [...RENDER, "--check", "--json"],
    ]) {
      const quick = s.qhub(args);
      const full = s.qhub(args, { full: true });
      expect({ code: quick.code, stdout: quick.stdout, stderr: quick.stderr }).toEqual({
        code: full.code,
        stdout: full.stdout,
        stderr: full.stderr,
      });
      expect(quick.code).toBe(0);
    }
    // The full runs above changed nothing, and the record still answers.
    expect(s.qhub([...RENDER, "--verbose"]).stderr).toContain(HIT);
  });

  it("says what a full render says beside a README.md of the team's own", () => {
    const s = setup();
    mkdirSync(join(s.dir, "out"));
    writeFileSync(join(s.dir, "out", "README.md"), "# Ours\n");
    renderedAndStamped(s);
    const quick = s.qhub(RENDER);
    const full = s.qhub(RENDER, { full: true });
    expect(quick.stderr).toContain(
      "note: README.md is not QHub's; QHub's guide to the repository is QHUB.md",
    );
    expect({ code: quick.code, stderr: quick.stderr }).toEqual({ code: full.code, stderr: full.stderr });
    // The team's README gone: the full render keeps the guide where it is, and so does the answer.
    rmSync(join(s.dir, "out", "README.md"));
    const after = s.qhub([...RENDER, "--verbose"]);
    expect(after.stderr).not.toContain(HIT);
    expect(after.stderr).not.toContain("note: README.md");
    expect(s.qhub([...RENDER, "--verbose"]).stderr).toContain(HIT);
  });

  it("keeps no secret: only paths, variable names, digests of public files and an HMAC", () => {
    const s = setup();
    renderedAndStamped(s);
    const files = readdirSync(join(s.cache, "qhub"));
    expect(files.sort()).toEqual(["key", expect.stringMatching(/^render-[0-9a-f]{64}\.json$/)]);
    const stamp = readFileSync(
      join(
        s.cache,
        "qhub",
        files.find((f) => f.startsWith("render-"))!,
      ),
      "utf8",
    );
    const sha = (t: string) => createHash("sha256").update(t).digest("hex");
    for (const secret of [PASSWORD, `${PASSWORD}\n`, s.env.BOB_PASSWORD!]) {
      expect(stamp).not.toContain(secret);
      expect(stamp).not.toContain(sha(secret));
      expect(stamp).not.toContain(Buffer.from(secret).toString("base64"));
    }
    expect((JSON.parse(stamp) as { env: string[] }).env).toContain("BOB_PASSWORD");
    // Private: the folder 0700, the files 0600.
    expect(statSync(join(s.cache, "qhub")).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(join(s.cache, "qhub", f)).mode & 0o777).toBe(0o600);
  });

  const changes: [string, (s: Setup) => NodeJS.ProcessEnv | void][] = [
    ["a byte of the config", (s) => writeFileSync(join(s.dir, "qhub-config.yaml"), config("# a comment"))],
    [
      "a file the config names (fromFile)",
      (s) => writeFileSync(join(s.dir, "alice.txt"), "another-password\n"),
    ],
    ["a variable the config names (fromEnv)", () => ({ BOB_PASSWORD: "bob-password-2" })],
    [
      "an age identity appears (SOPS_AGE_KEY_FILE)",
      (s) => {
        writeFileSync(join(s.dir, "keys.txt"), "# no identity here\n");
        return { SOPS_AGE_KEY_FILE: join(s.dir, "keys.txt") };
      },
    ],
    [
      "a generated file edited",
      (s) => {
        const p = join(s.dir, "out", "README.md");
        writeFileSync(p, `${readFileSync(p, "utf8")}\nedited\n`);
      },
    ],
    ["a generated file removed", (s) => rmSync(join(s.dir, "out", "README.md"))],
    [
      "a generated file replaced by a link to its copy",
      (s) => {
        const p = join(s.dir, "out", "README.md");
        cpSync(p, join(s.dir, "readme-copy.md"));
        rmSync(p);
        symlinkSync(join(s.dir, "readme-copy.md"), p);
      },
    ],
    [
      "the manifest edited",
      (s) => {
        const p = join(s.dir, "out", ".qhub", "manifest.json");
        writeFileSync(p, readFileSync(p, "utf8").replace("\n}", "\n}\n"));
      },
    ],
    ["a lock in the tree", (s) => writeFileSync(join(s.dir, "out", ".qhub", "lock"), "12345 stale\n")],
    [
      "the record tampered with",
      (s) => {
        const dir = join(s.cache, "qhub");
        const f = readdirSync(dir).find((n) => n.startsWith("render-"))!;
        const stamp = JSON.parse(readFileSync(join(dir, f), "utf8")) as { result: { files: number } };
        stamp.result.files += 1;
        writeFileSync(join(dir, f), JSON.stringify(stamp));
      },
    ],
    ["the record's key replaced", (s) => writeFileSync(join(s.cache, "qhub", "key"), Buffer.alloc(32, 7))],
    ["the record's folder readable by others", (s) => chmodSync(join(s.cache, "qhub"), 0o755)],
    [
      "the record replaced by a link",
      (s) => {
        const dir = join(s.cache, "qhub");
        const f = readdirSync(dir).find((n) => n.startsWith("render-"))!;
        cpSync(join(dir, f), join(s.dir, "stamp-copy.json"));
        rmSync(join(dir, f));
        symlinkSync(join(s.dir, "stamp-copy.json"), join(dir, f));
      },
    ],
  ];

  it.each(changes)("renders again after %s, and says what a full render says", (_what, change) => {
    const s = setup();
    renderedAndStamped(s);
    const more = change(s) ?? {};
    const run = s.qhub([...RENDER, "--check", "--verbose"], { more });
    expect(run.stderr).not.toContain(HIT);
    const full = s.qhub([...RENDER, "--check", "--verbose"], { more, full: true });
    expect({ code: run.code, stdout: run.stdout, stderr: untimed(run.stderr) }).toEqual({
      code: full.code,
      stdout: full.stdout,
      stderr: untimed(full.stderr),
    });
  });

  it("renders again when QHub's own files change (another installation's blueprints)", () => {
    const s = setup();
    const pkg = tempDir();
    for (const p of ["dist", "blueprints", "overlays", "environments", "charts", "package.json"])
      cpSync(join(ROOT, p), join(pkg, p), { recursive: true });
    const bin = join(pkg, "dist", "qhub.js");
    expect(s.qhub(RENDER, { bin }).code).toBe(0);
    expect(s.qhub([...RENDER, "--verbose"], { bin }).stderr).toContain(HIT);
    const blueprint = join(pkg, "blueprints", "jupyterhub", "kustomization.yaml");
    writeFileSync(blueprint, `${readFileSync(blueprint, "utf8")}# changed\n`);
    const run = s.qhub([...RENDER, "--verbose"], { bin });
    expect(run.stderr).not.toContain(HIT);
    expect(run.stderr).toMatch(/changed +blueprints\/jupyterhub\/kustomization\.yaml/);
  });

  it("answers the same config named from another folder, and not another config at the same name", () => {
    const s = setup();
    renderedAndStamped(s);
    const abs = ["render", "--config", join(s.dir, "qhub-config.yaml"), "--output", join(s.dir, "out")];
    expect(runBin([...abs, "--verbose"], ROOT, s.env).stderr).toContain(HIT);
    // Another folder with a config of the same relative name is another config.
    const other = setup();
    writeFileSync(join(other.dir, "qhub-config.yaml"), config("# other"));
    const run = runBin([...RENDER, "--verbose"], other.dir, { ...s.env, XDG_CACHE_HOME: s.cache });
    expect(run.stderr).not.toContain(HIT);
  });

  it("keeps the newest 256 records, its own among them", () => {
    const s = setup();
    renderedAndStamped(s);
    const dir = join(s.cache, "qhub");
    const old = new Date("2026-01-01T00:00:00Z");
    for (let i = 0; i < 300; i++) {
      const f = join(dir, `render-${String(i).padStart(64, "0")}.json`);
      writeFileSync(f, "{}\n", { mode: 0o600 });
      utimesSync(f, old, old);
    }
    writeFileSync(join(s.dir, "qhub-config.yaml"), config("# changed"));
    expect(s.qhub(RENDER).code).toBe(0);
    const left = readdirSync(dir).filter((n) => n.startsWith("render-"));
    expect(left).toHaveLength(256);
    expect(readdirSync(dir)).toContain("key");
    expect(s.qhub([...RENDER, "--verbose"]).stderr).toContain(HIT);
  });
});
