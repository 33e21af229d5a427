// Fills npm's cache with what installing the packed package needs, so that test/install.test.ts
// can install it offline (a test sends no traffic beyond 127.0.0.1). `npm ci` keeps only part of
// it: installing the tarball asks for every package's full registry document, and npm resolves the
// tarball's dependencies afresh (it does not follow npm-shrinkwrap.json for a local tarball: a
// newer patch release of a dependency is taken). So the package is packed and installed here,
// online, into a throwaway prefix, after the build and before the tests (`npm run check`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "qhub-warm-"));
const npm = (args, cwd) =>
  spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
try {
  const packed = npm(["pack", "--ignore-scripts", "--pack-destination", work], root);
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  const installed =
    packed.status === 0 && tarball
      ? npm(
          [
            "install",
            "--global",
            "--prefix",
            join(work, "prefix"),
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            join(work, tarball),
          ],
          work,
        )
      : packed;
  if (installed.status !== 0)
    console.error(
      `warning: could not install the packed package to fill npm's cache (${installed.stderr.trim().split("\n").at(-1)}); test/install.test.ts installs it offline and needs that cache`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
