#!/usr/bin/env node
// The `qhub` binary. Everything else is in main.ts, which tests call directly.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
