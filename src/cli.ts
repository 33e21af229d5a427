#!/usr/bin/env node
// The `qhub` binary. Everything else is in main.ts, which tests call directly.
import { main } from "./main.js";

// No top-level await: the bundle is CommonJS (scripts/build.mjs says why).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
