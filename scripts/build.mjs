// Bundles the CLI into dist/ with esbuild:
//   qhub.js            the entry (CommonJS): the loader (scripts/commands-loader.mjs), which runs main.js
//   package.json       `"type": "commonjs"` for the .js files here
//   chunks/main.js     the CLI (main.ts): flags, help and error reports; all `qhub --help` loads
//   chunks/NAME.js     each command of src/commands/ with all it uses, loaded when it runs
//   chunks/NAME.cache  V8's code cache for NAME.js, made here (see scripts/commands-loader.mjs)
//   chunks/errors.cjs  the error classes, one copy for all, so that `instanceof` holds
//   chunks/yaml.js     the yaml package, loaded by a command when it first uses it (lazyYaml)
//   chunks/charts/     the pinned charts' values validators, compiled ahead of time
//   ui.mjs             the terminal UI (ink, React): loaded only when stderr is a terminal
//   generate.mjs       writes the committed schema and config reference (`npm run gen`)
// QHUB_NO_MINIFY=1 keeps names readable, for profiling (`node --cpu-prof dist/qhub.js ...`).
// Compiling a command's code is most of what `qhub validate` costs; the code cache saves most of it
// (measure with `npm run bench`).
import { Buffer } from "node:buffer";
import { build } from "esbuild";
import { parse as parseYaml } from "yaml";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { codeCacheOf, loadCommand } from "./commands-loader.mjs";
import { EXAMPLE_ENV } from "./example-env.mjs";

const root = new URL("../", import.meta.url);
const rootDir = fileURLToPath(root);
rmSync(new URL("dist", root), { recursive: true, force: true });

const common = {
  absWorkingDir: rootDir,
  bundle: true,
  platform: "node",
  target: "node20",
  minify: process.env.QHUB_NO_MINIFY !== "1",
  legalComments: "none",
  logLevel: "warning",
  // Embedded code (src/**/*.py) and templates (src/**/*.jinja) are imported as their text.
  loader: { ".py": "text", ".jinja": "text" },
  // re2-wasm cannot load its .wasm from a bundle: src/kube/re2-shim.ts says why and what stands in.
  alias: { "@kubernetes-models/validate/runtime/re2": "./src/kube/re2-shim.ts" },
};

const esm = {
  ...common,
  outdir: "dist",
  format: "esm",
  // Some dependencies call require() for Node built-ins; give the ESM bundles one.
  banner: {
    js: "import{createRequire as __qhubRequire}from'node:module';const require=__qhubRequire(import.meta.url);",
  },
};

/**
 * A source module (src/**.ts) as this build can use it: bundled to a temporary ES module, imported,
 * and the file removed.
 */
async function importSource(entry) {
  const tool = new URL(`dist/chunks/${basename(entry, ".ts")}.tmp.mjs`, root);
  await build({ ...esm, entryPoints: [entry], outdir: undefined, outfile: fileURLToPath(tool) });
  try {
    return await import(tool.href);
  } finally {
    rmSync(tool);
  }
}

/**
 * Makes imports of src/errors.ts `require(path)` at run time instead of bundling a copy. A require(),
 * even in the ESM entry: Node imports CommonJS into ES modules more slowly than it requires it.
 */
function sharedErrors(path) {
  const errorsTs = fileURLToPath(new URL("src/errors.ts", root));
  return {
    name: "shared-errors",
    setup(b) {
      // TypeScript sources import errors.ts as "./errors.js" or "../errors.js".
      b.onResolve({ filter: /\/errors\.js$/ }, ({ path: p, importer }) =>
        resolve(dirname(importer), p.replace(/\.js$/, ".ts")) === errorsTs
          ? { path, namespace: "shared-errors" }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "shared-errors" }, () => ({
        contents: `module.exports = require(${JSON.stringify(path)});`,
      }));
      b.onResolve({ filter: /.*/, namespace: "shared-errors" }, () => ({ path, external: true }));
    },
  };
}

/**
 * age-encryption's post-quantum (ML-KEM hybrid) and P-256 tag recipients, left out of the bundle:
 * QHub accepts X25519 recipients and identities only (secrets/age.ts refuses the others), and
 * loading those curves and ML-KEM cost every render ~8 ms of start-up. Any use of them throws.
 */
const ageX25519Only = {
  name: "age-x25519-only",
  setup(b) {
    b.onResolve({ filter: /^@noble\/(?:post-quantum\/hybrid|curves\/nist)\.js$/ }, ({ path, importer }) =>
      /age-encryption[\\/]dist[\\/]recipients\.js$/.test(importer)
        ? { path, namespace: "age-x25519-only" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "age-x25519-only" }, () => ({
      contents: `const refused = new Proxy({}, { get() { throw new Error("QHub encrypts for X25519 age recipients only"); } });
export const MLKEM768P256 = refused, MLKEM768X25519 = refused, p256 = refused;`,
      loader: "js",
    }));
  },
};

/**
 * commander requires node:child_process at load, for subcommands that are executables of their
 * own; QHub has none. Loading child_process (and the net and stream modules under it) was ~5 ms of
 * every run, `qhub --help` included: here it is loaded when commander would first spawn.
 */
const commanderLazyChildProcess = {
  name: "commander-lazy-child-process",
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager))
        throw new Error(
          "commander's command.js changed: update scripts/build.mjs (commander-lazy-child-process)",
        );
      return {
        contents: source.replace(
          eager,
          "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
        ),
        loader: "js",
      };
    });
  },
};

/**
 * @kubernetes-models/validate registers ajv-formats-draft2019's formats (iri, idn-email, ...),
 * whose parsers (uri-js, smtp-address-parser and its nearley grammar) were built at every start,
 * though no Kubernetes or CRD schema QHub validates uses those formats. Each is loaded on its first
 * use instead; duration is a regular expression and stays as it is.
 */
const lazyDraft2019Formats = {
  name: "lazy-draft2019-formats",
  setup(b) {
    b.onLoad({ filter: /ajv-formats-draft2019[\\/]formats[\\/]index\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const expected = ["iri", "duration", "idn-email", "idn-hostname", "iri-reference"];
      const found = [...source.matchAll(/module\.exports(?:\.([\w-]+)|\['([\w-]+)'\])/g)].map(
        (m) => m[1] ?? m[2],
      );
      if (found.join() !== expected.join())
        throw new Error(
          "ajv-formats-draft2019's formats changed: update scripts/build.mjs (lazy-draft2019-formats)",
        );
      const lazy = (name) =>
        `module.exports[${JSON.stringify(name)}] = (value) => require("./${name}")(value);`;
      return {
        contents: [
          lazy("iri"),
          'module.exports.duration = require("./duration");',
          lazy("idn-email"),
          lazy("idn-hostname"),
          lazy("iri-reference"),
        ].join("\n"),
        loader: "js",
      };
    });
  },
};

/**
 * @kubernetes-models/gke depends on older copies of @kubernetes-models/base, validate and
 * apimachinery (nested under it), which brought a second validation runtime (ajv's error
 * messages in every language among it) into every render. Its imports resolve to the copies the
 * other models use: the same names and paths, and test/capacity.test.ts validates its objects.
 */
const gkeSharedRuntime = {
  name: "gke-shared-runtime",
  setup(b) {
    b.onResolve({ filter: /^@kubernetes-models\/(?:base|validate|apimachinery)(?:\/.*)?$/ }, (args) =>
      /[\\/]@kubernetes-models[\\/]gke[\\/]/.test(args.importer)
        ? b.resolve(args.path, { kind: args.kind, resolveDir: rootDir })
        : undefined,
    );
  },
};

/**
 * The shipped conda environments, parsed and validated here once (src/config/shipped-environments.ts
 * says how they are used): parsing their YAML was ~8 ms of every `qhub validate` and render, and
 * validating them with zod ~1 ms more (twice in a render).
 */
const shippedEnvironments = {
  name: "shipped-environments",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]config[\\/]shipped-environments\.ts$/ }, async () => {
      const { CondaEnvironment } = (await schemaModule()).schemas();
      const dir = new URL("environments/", root);
      const entries = readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => {
          const text = readFileSync(new URL(f, dir), "utf8");
          const value = CondaEnvironment.parse(parseYaml(text));
          const json = JSON.stringify(value);
          if (!isDeepStrictEqual(JSON.parse(json), value))
            throw new Error(
              `environments/${f} does not survive JSON: see scripts/build.mjs (shipped-environments)`,
            );
          return [f, { text, json }];
        });
      return {
        contents: `export const SHIPPED_ENVIRONMENTS = ${JSON.stringify(Object.fromEntries(entries))};`,
        loader: "js",
      };
    });
  },
};

/**
 * The config's parsers, compiled here from its zod schemas (src/config/compile-parser.ts) in place of
 * src/config/fast-parse.ts, which compiles them on first use when QHub runs from source: a valid
 * config is then read without building a zod schema, ~8 ms of every `qhub validate` and render.
 */
const compiledParsers = {
  name: "compiled-parsers",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]config[\\/]fast-parse\.ts$/ }, async ({ path }) => {
      const source = (parsersSource ??= (await importSource("src/config/fast-parse.ts")).compiledSource());
      return {
        contents: `import * as refinements from "./refinements.ts";
const parsers = ${source}(refinements);
export function fastParse(raw, withClusters) {
  return (withClusters ? parsers.withClusters : parsers.config)(raw);
}`,
        loader: "js",
        resolveDir: dirname(path),
      };
    });
  },
};
let parsersSource;

/** src/config/schema.ts, loaded here once, for what the build validates with it. */
let schema;
const schemaModule = () => (schema ??= importSource("src/config/schema.ts"));

/**
 * age-encryption collects its output streams with `new Response(stream)` (QHub still decrypts
 * through it): the first use of `Response` makes Node load undici (about 20 ms of a render). The
 * same bytes are read here with the stream's own reader. The tests check decryption either way.
 */
const ageWithoutUndici = {
  name: "age-without-undici",
  setup(b) {
    b.onLoad({ filter: /age-encryption[\\/]dist[\\/]io\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const patched = source
        .replace(
          "return new Uint8Array(await new Response(stream).arrayBuffer());",
          "return __qhubReadAll(stream);",
        )
        .replace(
          "return await new Response(stream).text();",
          "return new TextDecoder().decode(await __qhubReadAll(stream));",
        );
      if (patched.includes("new Response("))
        throw new Error("age-encryption's io.js changed: update scripts/build.mjs (age-without-undici)");
      return {
        contents: `${patched}
async function __qhubReadAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
`,
        loader: "js",
      };
    });
  },
};

/**
 * The yaml package, for the command bundles: a module whose exports load chunks/yaml.js (the package
 * with its code cache, built below) when one is first used. A render or `qhub validate` of a config
 * without problems reads it with js-yaml (src/config/document.ts) and writes YAML with its own
 * writer (src/render/emit.ts): loading the yaml package there was ~2 ms, and its code in each
 * command's cache more to deserialise. Problems' positions, SOPS files and `qhub upgrade` load it.
 */
function lazyYaml(names) {
  const srcDir = fileURLToPath(new URL("src/", root));
  return {
    name: "lazy-yaml",
    setup(b) {
      b.onResolve({ filter: /^yaml$/ }, ({ importer }) =>
        importer.startsWith(srcDir) ? { path: "yaml", namespace: "lazy-yaml" } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "lazy-yaml" }, () => ({
        contents: `let yaml;
const real = () => (yaml ??= __qhubLoader.load(new URL("./yaml.js", __qhubImportMetaUrl)).exports);
for (const name of ${JSON.stringify(names)})
  Object.defineProperty(exports, name, { enumerable: true, get: () => real()[name] });`,
        loader: "js",
      }));
    },
  };
}

/**
 * Writes a bundle that scripts/commands-loader.mjs runs: a CommonJS module wrapped in a function
 * expression, a script, which node:vm can compile with a code cache. Its last parameter is the
 * loader (`{ load, import }`), for the bundles and the ES module (the terminal UI) it loads.
 */
function writeScript(url, text) {
  // The loader reads bundles as latin1, which is right for ASCII only. esbuild escapes what is not
  // ASCII in code (its default charset), text loaders' files included. (A string is ASCII when its
  // UTF-8 takes a byte per character.) Unminified, it keeps the dependencies' comments, a few of
  // them not ASCII: escaped there, where an escape means nothing, for the profiling build only.
  let body = text;
  if (Buffer.byteLength(body, "utf8") !== body.length) {
    if (common.minify) throw new Error(`${fileURLToPath(url)} is not ASCII: see scripts/commands-loader.mjs`);
    body = body.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  writeFileSync(url, `(function (exports, require, module, __filename, __qhubLoader) {\n${body}})\n`);
}

await build({ ...common, entryPoints: ["src/errors.ts"], outfile: "dist/chunks/errors.cjs", format: "cjs" });

// Each command as a script (writeScript). CommonJS has no import.meta.url, which load.ts needs to
// find the package.
const commands = new Map();

// The yaml package as a chunk of its own (see lazyYaml), loaded by the commands when first used.
const yamlBundle = new URL("dist/chunks/yaml.js", root);
const yamlBody = (
  await build({
    ...common,
    stdin: { contents: 'module.exports = require("yaml");', resolveDir: rootDir, loader: "js" },
    format: "cjs",
    write: false,
  })
).outputFiles[0].text;
writeScript(yamlBundle, yamlBody);
commands.set("yaml", { bundle: yamlBundle, ...loadCommand(yamlBundle) });
const yamlNames = Object.keys(commands.get("yaml").exports).filter((n) => n !== "default");
async function bundleCommand(name, define = {}) {
  const out = await build({
    ...common,
    entryPoints: [`src/commands/${name}.ts`],
    format: "cjs",
    write: false,
    define: { "import.meta.url": "__qhubImportMetaUrl", ...define },
    banner: { js: 'const __qhubImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
    plugins: [
      sharedErrors("./errors.cjs"),
      ageWithoutUndici,
      ageX25519Only,
      lazyDraft2019Formats,
      gkeSharedRuntime,
      shippedEnvironments,
      compiledParsers,
      lazyYaml(yamlNames),
    ],
  });
  const bundle = new URL(`dist/chunks/${name}.js`, root);
  const body = out.outputFiles[0].text;
  writeScript(bundle, body);
  // Loaded here for the names it exports, and for its code cache.
  commands.set(name, { bundle, ...loadCommand(bundle) });
  return body;
}
// up-to-date.js answers for the render when nothing changed since its last run (its stamp): it
// carries a digest of every other command's bundle (the render's among them), so that a stamp
// another build of QHub left is not trusted.
const STAMP_READER = "up-to-date";
const names = readdirSync(new URL("src/commands/", root))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((n) => n !== STAMP_READER);
const bodies = new Map();
for (const name of names) bodies.set(name, await bundleCommand(name));
const buildDigest = createHash("sha256");
bodies.set("yaml", yamlBody);
for (const name of [...bodies.keys()].sort()) buildDigest.update(`${name}\0${bodies.get(name)}\0`);
const renderBuild = buildDigest.digest("hex");
await bundleCommand(STAMP_READER, { __QHUB_RENDER_BUILD__: JSON.stringify(renderBuild) });

// The terminal UI: ES module output, because Yoga (ink's layout engine) awaits at the top level.
await build({
  ...esm,
  entryPoints: { ui: "src/ui/ink.tsx" },
  outExtension: { ".js": ".mjs" },
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [
    {
      // ink loads React's devtools only when DEV=true; QHub ships an empty module in their place.
      name: "no-devtools",
      setup(b) {
        b.onResolve({ filter: /\/devtools\.js$/ }, () => ({ path: "devtools", namespace: "no-devtools" }));
        b.onLoad({ filter: /.*/, namespace: "no-devtools" }, () => ({ contents: "export {};" }));
      },
    },
  ],
});

const commandsDir = fileURLToPath(new URL("src/commands", root));
const mainTs = fileURLToPath(new URL("src/main.ts", root));

/**
 * Imports of `./NAME.js` from the file `module` (a .ts path) load dist/chunks/NAME.js (built above,
 * with its code cache) at run time, from `at` (the importing bundle's folder, relative to it).
 * `dynamicOnly`: a static import is an error (a command's code loads when the command runs).
 * `nested`: the importer is itself a bundle loaded by scripts/commands-loader.mjs.
 */
function bundlesOf(name, { match, at, dynamicOnly, nested }) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, ({ path, importer, kind }) => {
        const target = match(resolve(dirname(importer), path.replace(/\.js$/, ".ts")));
        if (target === undefined) return undefined;
        if (dynamicOnly && kind !== "dynamic-import")
          return { errors: [{ text: `import ${path} with await import(), so that it loads when it runs` }] };
        return { path: target, namespace: name };
      });
      b.onLoad({ filter: /.*/, namespace: name }, ({ path: chunk }) => ({
        contents: [
          // In a bundle, the loader that loaded it (scripts/commands-loader.mjs: the wrapper's
          // last argument); in the entry, the loader itself.
          nested
            ? "const { load } = __qhubLoader;"
            : 'import { loadCommand as load } from "./scripts/commands-loader.mjs";',
          `const bundle = load(new URL("${at}${chunk}.js", import.meta.url)).exports;`,
          `export const { ${Object.keys(commands.get(chunk).exports).join(", ")} } = bundle;`,
        ].join("\n"),
        resolveDir: rootDir,
      }));
    },
  };
}

// The CLI (main.ts: commander, the commands' specs, help and error reports) is a chunk too,
// chunks/main.js, so that it has a code cache: the entry Node loads is only the loader.
// CommonJS has no import.meta.url; the banner stands in for it, as in the command bundles.
const mainOut = await build({
  ...common,
  format: "cjs",
  write: false,
  entryPoints: ["src/main.ts"],
  define: { "import.meta.url": "__qhubImportMetaUrl" },
  banner: { js: 'const __qhubImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
  plugins: [
    sharedErrors("./errors.cjs"),
    commanderLazyChildProcess,
    {
      // main.ts and the init spec load the terminal UI only on a terminal (src/ui/load.ts): here,
      // ui.mjs, imported by the loader (a bundle run by node:vm cannot import() on Node 20).
      name: "terminal-ui",
      setup(b) {
        b.onLoad({ filter: /[\\/]src[\\/]ui[\\/]load\.ts$/ }, () => ({
          contents:
            'export const loadTerminalUi = () => __qhubLoader.import(new URL("../ui.mjs", import.meta.url).href);',
          loader: "js",
        }));
      },
    },
    // A command's spec (src/commands/specs/) imports the command's module when the command runs:
    // here, that loads chunks/NAME.js. A static import would load it for `qhub --help` too.
    bundlesOf("command-bundles", {
      match: (ts) =>
        dirname(ts) === commandsDir && commands.has(basename(ts, ".ts")) ? basename(ts, ".ts") : undefined,
      at: "./",
      dynamicOnly: true,
      nested: true,
    }),
  ],
});
const mainBundle = new URL("dist/chunks/main.js", root);
writeScript(mainBundle, mainOut.outputFiles[0].text);
commands.set("main", { bundle: mainBundle, ...loadCommand(mainBundle) });

// The entry (cli.ts): CommonJS (dist/package.json says so), because Node starts a CommonJS main
// module several milliseconds sooner than an ES module; it loads chunks/main.js with its cache.
writeFileSync(new URL("dist/package.json", root), `${JSON.stringify({ type: "commonjs" })}\n`);
await build({
  ...common,
  format: "cjs",
  outfile: "dist/qhub.js",
  entryPoints: ["src/cli.ts"],
  define: { "import.meta.url": "__qhubImportMetaUrl" },
  banner: { js: 'const __qhubImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
  plugins: [
    bundlesOf("main-bundle", { match: (ts) => (ts === mainTs ? "main" : undefined), at: "./chunks/" }),
  ],
});

await build({ ...esm, entryPoints: { generate: "src/generate.ts" }, outExtension: { ".js": ".mjs" } });

// The pinned charts' values validators, compiled ahead of time (chunks/charts/NAME.cjs): compiling
// the schemas is most of what `qhub check` adds to Kustomize. Each carries the digest of the bytes
// it was made from; `qhub check` compiles at run time when charts/ holds other bytes.
const { precompiledValidator } = await importSource("src/kube/chart-values.ts");
mkdirSync(new URL("dist/chunks/charts/", root), { recursive: true });
for (const file of readdirSync(new URL("charts/", root)).filter((f) => f.endsWith(".schema.json"))) {
  const name = file.replace(/\.schema\.json$/, "");
  const text = (f) => {
    try {
      return readFileSync(new URL(`charts/${f}`, root), "utf8");
    } catch {
      return undefined;
    }
  };
  writeFileSync(
    new URL(`dist/chunks/charts/${name}.cjs`, root),
    precompiledValidator(text(file), text(`${name}.values.yaml`)),
  );
}

// A code cache holds the bytecode of the functions compiled so far: run what a command usually
// runs first (output dropped), so that its cache covers that too.
const quiet = { stdout() {}, stderr() {} };
const example = fileURLToPath(new URL("examples/qhub-config.yaml", root));
const exampleText = readFileSync(example, "utf8");
const workload = fileURLToPath(new URL("dist/workload", root));
const workloads = {
  // What loads it: positions for a config's problems, SOPS files, `qhub upgrade`'s edits.
  yaml: ({ parseDocument, parseAllDocuments, LineCounter, Document }) => {
    const doc = parseDocument(exampleText, { lineCounter: new LineCounter(), uniqueKeys: false });
    doc.toJS();
    doc.toString();
    parseAllDocuments("a: 1\n---\nb: [c]\n");
    new Document({ a: [1, "b"] }).toString();
  },
  // The CLI's own code: its help, and reading a command line that runs a command.
  main: async ({ main }) => {
    await main(["--help"], quiet);
    await main(["render", "--help"], quiet);
    await main(["validate", "--config", example], quiet);
  },
  validate: ({ runValidate }) => runValidate({ config: example, json: false }, quiet),
  schema: ({ runSchema }) => runSchema(quiet),
  // --check into a folder that does not exist (the whole pipeline, nothing written); then a render
  // that writes a tree and its record (src/render/stamp.ts), into dist/workload/, removed below.
  render: async ({ runRender }) => {
    Object.assign(process.env, EXAMPLE_ENV);
    const render = { config: example, json: false };
    await runRender({ ...render, output: join(workload, "no-such-folder"), check: true }, quiet);
    await runRender({ ...render, output: join(workload, "tree"), check: false }, quiet, {
      dir: join(workload, "cache", "qhub"),
      build: renderBuild,
    });
  },
  // The next render of that tree, answered from its record.
  "up-to-date": async ({ answerFromRecord }) => {
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(workload, "cache");
    try {
      await answerFromRecord(
        { config: example, output: join(workload, "tree"), check: false, json: false },
        quiet,
      );
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
    }
  },
};
for (const [name, { bundle, exports, script }] of commands) {
  try {
    await workloads[name]?.(exports);
  } catch (err) {
    // The cache then holds less; QHub works the same.
    console.warn(`warning: the code cache of ${name} was made without running it (${String(err)})`);
  }
  writeFileSync(codeCacheOf(bundle), script.createCachedData());
}
rmSync(workload, { recursive: true, force: true });
