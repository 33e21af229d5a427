// Installs the command-line tools the tests use that npm cannot: Debian's `age` (tests decrypt
// SOPS files with it, independently of QHub's code), Debian's `jupyterhub` (test/hub-config.test.ts
// executes the hub's code with it, through /usr/bin/python3) and `python3-distributed`
// (test/smoke.test.ts runs the smoke test's Dask computation on it). kubectl comes with these machines.
// Where it cannot install (not root, no apt-get), it says how, and the tests that need the tool skip
// with that reason (on CI they fail).
import { spawnSync } from "node:child_process";

const has = (tool, ...args) => spawnSync(tool, args, { stdio: "ignore" }).status === 0;

/** Debian packages to install, each with what needs it, when its check fails. */
const packages = [
  { name: "age", present: () => has("age", "--version"), for: "the secrets tests" },
  {
    name: "jupyterhub",
    present: () => has("/usr/bin/python3", "-c", "import jupyterhub, traitlets, jinja2"),
    for: "the hub tests (test/hub-config.test.ts)",
  },
  {
    name: "python3-traitlets",
    present: () => has("/usr/bin/python3", "-c", "import traitlets"),
    for: "the Dask Gateway options test (test/gateway-options.test.ts)",
  },
  {
    name: "python3-distributed",
    present: () => has("/usr/bin/python3", "-c", "import distributed"),
    for: "the smoke test's Dask computation (test/smoke.test.ts)",
  },
].filter((p) => !p.present());

if (packages.length > 0) {
  const root = process.getuid?.() === 0;
  const names = packages.map((p) => p.name);
  if (root && has("apt-get", "--version")) {
    console.error(
      `installing Debian's ${names.join(", ")} (apt-get) for ${packages.map((p) => p.for).join(" and ")}`,
    );
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    // No questions (tzdata and friends come with jupyterhub): CI has no one to answer them.
    const install = spawnSync("apt-get", ["install", "-y", "-qq", ...names], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (update.status !== 0 || install.status !== 0)
      console.error(`warning: could not install ${names.join(", ")}`);
  } else
    for (const p of packages)
      console.error(
        `note: Debian's ${p.name} is missing; install it (apt-get install ${p.name}) to run ${p.for}`,
      );
}
if (!has("kubectl", "version", "--client"))
  console.error("note: kubectl is missing; the Kustomize tests need it");
