// dist/qhub.js, the `qhub` binary: runs the CLI (dist/cli.js, from src/cli.ts) as the commands'
// bundles run, with the V8 code cache that scripts/build.mjs makes for it (dist/cli.cache).
import { loadCommand } from "./commands-loader.mjs";

loadCommand(new URL("./cli.js", import.meta.url));
