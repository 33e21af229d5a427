// Runs a bundle from dist/chunks/ (say validate.js: the command with zod, yaml and the config
// model; main.js: the CLI itself) with the V8 code cache that scripts/build.mjs saves next to it
// (validate.cache).
// Parsing and compiling that code is a large part of a command's run; with the cache, V8 takes the
// bytecode compiled during the build instead. V8 rejects a cache made by another Node version or
// with other V8 flags, and then compiles the script as usual: the same result, only slower.
// dist/qhub.js runs chunks/main.js (the CLI) through it, and main.js the commands; scripts/build.mjs
// uses it to make the caches.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/** The code cache of a command's bundle, a URL: validate.js's is validate.cache. */
export function codeCacheOf(bundle) {
  return new URL(bundle.href.replace(/\.js$/, ".cache"));
}

/**
 * Compiles and runs a command's bundle, a CommonJS module wrapped in a function expression so that
 * it can be compiled as a script (Node 20 caches code for scripts, not for ES modules). Returns the
 * module's exports, and the script for making a code cache.
 */
export function loadCommand(bundle) {
  const filename = fileURLToPath(bundle);
  let cachedData;
  try {
    cachedData = readFileSync(codeCacheOf(bundle));
  } catch {
    // No cache: compile as usual.
  }
  // Named by URL, as ES modules are, so that stack traces look as they did. Read as latin1: the
  // bundles are ASCII (scripts/build.mjs checks), where latin1 and UTF-8 read the same, and V8 gets
  // a one-byte string without a UTF-8 decode of the 1.5 MB of a render.
  const script = new Script(readFileSync(filename, "latin1"), { filename: bundle.href, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, LOADER);
  return { exports: module.exports, script };
}

/**
 * What a bundle gets to load others: this function, and import() of an ES module (the terminal UI).
 * Code compiled by node:vm cannot import() on Node 20 without an experimental flag (and a code
 * cache drops the callback that would allow it), so the import() runs here, in a real module.
 */
const loaded = new Map();
const LOADER = {
  // Once per process: chunks/yaml.js is loaded by whichever bundle first needs it.
  load: (url) => {
    if (!loaded.has(url.href)) loaded.set(url.href, loadCommand(url));
    return loaded.get(url.href);
  },
  import: (url) => import(url),
};
