// Bundles the CLI into dist/ with esbuild: one small entry chunk, commands split into lazily
// loaded chunks, so `qhub --help` does not pay for zod or yaml.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { qhub: "src/cli.ts", generate: "src/generate.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  chunkNames: "chunks/[name]-[hash]",
  define: { QHUB_VERSION: JSON.stringify(pkg.version) },
  // Some dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "import{createRequire as __qhubRequire}from'node:module';const require=__qhubRequire(import.meta.url);",
  },
  logLevel: "warning",
});
