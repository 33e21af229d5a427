// Makes dist/cli.cache, the CLI's V8 code cache (scripts/build.mjs runs this): runs dist/cli.js as
// `qhub ARGS`, with the cache made so far, and saves the cache, which then also holds what this
// run compiled. A process of its own for each run: cli.js runs the CLI when it loads.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { codeCacheOf, loadCommand } from "./commands-loader.mjs";

const bundle = new URL("../dist/cli.js", import.meta.url);
process.argv = [process.argv[0], fileURLToPath(new URL("qhub.js", bundle)), ...process.argv.slice(2)];
const { script } = loadCommand(bundle);
process.on("exit", () => writeFileSync(codeCacheOf(bundle), script.createCachedData()));
