// Installs the command-line tools the tests use that npm cannot: Debian's `age` (tests decrypt
// SOPS files with it, independently of QHub's code). kubectl comes with these machines. Where it
// cannot install (not root, no apt-get), it says how, and the tests that need the tool skip with
// that reason (on CI they fail).
import { spawnSync } from "node:child_process";

const has = (tool, ...args) => spawnSync(tool, args, { stdio: "ignore" }).status === 0;

if (!has("age", "--version")) {
  const root = process.getuid?.() === 0;
  if (root && has("apt-get", "--version")) {
    console.error("installing Debian's age (apt-get) for the secrets tests");
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    const install = spawnSync("apt-get", ["install", "-y", "-qq", "age"], { stdio: "inherit" });
    if (update.status !== 0 || install.status !== 0) console.error("warning: could not install age");
  } else
    console.error("note: the age CLI is missing; install it (apt-get install age) to run the secrets tests");
}
if (!has("kubectl", "version", "--client"))
  console.error("note: kubectl is missing; the Kustomize tests need it");
