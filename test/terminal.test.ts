// On a terminal, `qhub render` shows the ink task list (dist/ui.mjs). The CLI's bundle runs through
// node:vm, which cannot import() on Node 20, so the UI is loaded through the loader
// (src/ui/load.ts, scripts/build.mjs's "terminal-ui"): these tests run the built binary on a
// pseudo-terminal (util-linux's `script`) and read what a person would see.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { BIN, binEnv, ROOT, tempDir } from "./helpers.js";
import { testNeeding } from "./kustomize.js";

const HAS_SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
const terminalTest = testNeeding(HAS_SCRIPT, "script (util-linux)", "apt-get install -y bsdutils");

const EXAMPLE_ENV = {
  GITHUB_CLIENT_ID: "example-client-id",
  GITHUB_CLIENT_SECRET: "example-client-secret-not-real",
  QHUB_STATUS_TOKEN: "example-status-token-not-real",
};

/** Runs `qhub ARGS` on a 120-column pseudo-terminal; what it showed, without escape codes. */
function onTerminal(args: string[]): { code: number; screen: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  // CI is not passed (binEnv): on CI the task list is off by design, as for a pipe.
  const r = spawnSync("script", ["-qec", `stty cols 120 rows 40; exec ${quoted}`, "/dev/null"], {
    cwd: ROOT,
    encoding: "utf8",
    env: binEnv(EXAMPLE_ENV),
  });
  // eslint-disable-next-line no-control-regex
  const screen = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  return { code: r.status ?? -1, screen };
}

terminalTest("a render on a terminal shows its stages and summary, and the record's answer too", () => {
  const out = join(tempDir(), "platform");
  const args = ["render", "--config", join(ROOT, "examples", "qhub-config.yaml"), "--output", out];
  const first = onTerminal(args);
  expect(first.code, first.screen).toBe(0);
  expect(first.screen).toContain("✔ Compile");
  expect(first.screen).toContain(`✔ Write 74 files and the manifest to ${out}`);
  expect(first.screen).toContain(`Rendered 2 clusters into ${out}`);
  expect(first.screen).toMatch(/prod +18 +0 +0/);
  expect(existsSync(join(out, ".qhub", "manifest.json"))).toBe(true);
  // Nothing changed: answered from the record of the last render, with the same stages.
  const again = onTerminal(args);
  expect(again.code, again.screen).toBe(0);
  expect(again.screen).toContain("✔ Compile");
  expect(again.screen).toContain(`Nothing to write: ${out} is up to date`);
});
