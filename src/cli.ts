#!/usr/bin/env node
// The `qhub` binary. Everything else is in main.ts, which tests call directly.
import { main } from "./main.js";

// No top-level await: the bundle is CommonJS (scripts/build.mjs says why).
// The process ends as soon as the command has: left to drain, Node would first run the garbage
// collections V8 has scheduled (after a render, a full one, ~10 ms of a 150 ms run) for a heap that
// is about to go. Nothing is left unwritten: QHub writes its lines with fs.writeSync (io.ts), and
// the terminal UI writes to a terminal, which Node writes synchronously on Linux and macOS; the
// command has awaited everything it started (locks, child processes, requests) before it returns.
// eslint-disable-next-line no-restricted-properties -- the one place that ends the process
void main(process.argv.slice(2)).then((code) => process.exit(code));
