import { spawnSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { VALID } from "./fixtures.js";
import { BIN, ROOT, runBin, tempDir } from "./helpers.js";

describe("the qhub binary", () => {
  // Output goes to descriptors 1 and 2 with fs.writeSync (src/io.ts): a reader that closes early
  // ends it quietly, and a slow reader of a full pipe gets every byte, in order.
  test("a reader that stops early ends the output, not QHub; a slow reader gets all of it", () => {
    const early = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" schema | head -c 10`], {
      encoding: "utf8",
    });
    expect(early.stdout).toHaveLength(10);
    expect(early.stderr).toBe("");
    const whole = runBin(["schema"], ROOT).stdout;
    expect(whole.length).toBeGreaterThan(100_000);
    // A reader that starts late: the pipe fills and QHub's writes wait for it.
    const slow = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" schema | (sleep 0.5; cat)`], {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    }).stdout;
    expect(slow).toBe(whole);
  });

  test("--help lists the commands, with examples, on stdout, exit 0", () => {
    const r = runBin(["--help"], ROOT);
    expect(r.code).toBe(0);
    for (const word of ["init", "validate", "schema", "Examples:", "Exit status"])
      expect(r.stdout).toContain(word);
    const sub = runBin(["validate", "--help"], ROOT);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--config <path>  config file to read (default: "qhub-config.yaml")');
  });

  test.each(["init", "validate", "render", "diff", "pr", "check", "upgrade", "schema"])(
    "`qhub %s --help`: an example, the exit statuses, and each option's default where it has one",
    (command) => {
      const r = runBin([command, "--help"], ROOT);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\nExamples?:\n {2}(\S+=\S+ )?qhub /);
      expect(r.stdout).toMatch(/Exit status/);
      for (const flag of ["--config <path>", "--json", "--draft", "--label <name...>"])
        if (r.stdout.includes(`${flag} `))
          expect(r.stdout.split(flag)[1]?.split("\n  -")[0]).toMatch(/\(default: /);
      expect(r.stdout).not.toContain("\u001B");
    },
  );

  test("--version prints the package version", () => {
    const r = runBin(["--version"], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test.each([[["frobnicate"]], [["validate", "--nope"]], [[]], [["init"]]])(
    "bad usage %j exits 2",
    (args) => {
      const r = runBin(args, ROOT);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  test("validate in a folder: the default config path, problems on stderr, exit 1, no stack trace", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "qhub-config.yaml"), `${VALID}namespce: dev\n`);
    const r = runBin(["validate"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    // Everything render would refuse (no age recipients), and a warning for the unset variable.
    expect(r.stderr).toBe(
      "qhub-config.yaml:1:1: secrets: no age recipients: QHub writes every Secret (the hub's tokens, passwords, OAuth secrets) encrypted for the age public keys listed in secrets.sops.age_recipients. Hint: add `secrets: { sops: { age_recipients: [age1...] } }` with your public key (`age-keygen -y KEYFILE` prints it; `qhub init` makes one) and give Flux the matching identity\n" +
        'qhub-config.yaml:11:1: namespce: unknown key "namespce". Hint: did you mean "namespace"?\n' +
        "qhub-config.yaml:9:33: security.authentication.config.client_secret.fromEnv: warning: GITHUB_CLIENT_SECRET is not set; qhub render, diff and pr will need it. Hint: export GITHUB_CLIENT_SECRET before you run them (in CI, from a secret)\n" +
        "qhub-config.yaml: 2 problems\n",
    );
  });

  test("validate --json prints one JSON document on stdout", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      VALID.replace("{ fromEnv: GITHUB_CLIENT_SECRET }", "hunter2"),
    );
    const r = runBin(["validate", "--json"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("hunter2");
    const doc = JSON.parse(r.stdout) as {
      valid: boolean;
      problems: { line: number; col: number; path: string }[];
    };
    expect(doc.valid).toBe(false);
    expect(doc.problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [1, 1, "secrets"],
      [9, 22, "security.authentication.config.client_secret"],
    ]);
  });

  test("the bundled example validates (the README's main command)", () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, "examples", "qhub-config.yaml"), join(dir, "qhub-config.yaml"));
    const r = runBin(["validate", "--json"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      file: "qhub-config.yaml",
      valid: true,
      clusters: ["prod", "staging"],
      problems: [],
      // runBin passes no GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET / QHUB_STATUS_TOKEN: warnings, still valid.
      warnings: [
        expect.objectContaining({
          line: 18,
          col: 29,
          path: "security.authentication.config.client_id.fromEnv",
        }),
        expect.objectContaining({
          line: 19,
          col: 33,
          path: "security.authentication.config.client_secret.fromEnv",
          message: "GITHUB_CLIENT_SECRET is not set; qhub render, diff and pr will need it",
        }),
        expect.objectContaining({
          path: "gitops.commit_status.token.fromEnv",
          message: "QHUB_STATUS_TOKEN is not set; qhub render, diff and pr will need it",
        }),
      ],
    });
  });

  test("a missing config file is a user error with a hint", () => {
    const r = runBin(["validate", "--config", "nope.yaml"], tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: config file not found: nope.yaml\nhint: run `qhub init PROVIDER` to write one, or pass --config PATH\n",
    );
  });

  test("a directory given as the config is a user error", () => {
    const dir = tempDir();
    const r = runBin(["validate", "--config", dir], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is a directory");
  });

  test("init then validate with the binary, for a provider", () => {
    const dir = tempDir();
    expect(runBin(["init", "do", "--project-name", "ds-team"], dir).code).toBe(0);
    expect(runBin(["validate"], dir).code).toBe(0);
    const again = runBin(["init", "do"], dir);
    expect(again.code).toBe(1);
  });
});
