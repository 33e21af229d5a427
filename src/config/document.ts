// Parsing a config's text into a YAML document that keeps source positions, and finding the
// position of any config path in it. Pure: the caller reads the file.
import { load } from "js-yaml";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Document, Node, Pair } from "yaml";
import type { Problem } from "./problems.js";
import { pathToString } from "./problems.js";

export interface ConfigDocument {
  /** The file name as the user gave it; used in every message. */
  file: string;
  /** The document with source positions; parsed when first asked for (see quickValue). */
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data; undefined when it could not be read. */
  value: unknown;
  /** YAML-level problems: syntax, duplicate keys, tabs, empty file, not a mapping. */
  problems: Problem[];
}

export interface Position {
  line: number;
  col: number;
}

// Hints for the YAML library's error codes (https://eemeli.org/yaml/#errors).
const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: "keep one of the two keys; YAML mappings cannot repeat a key",
  TAB_AS_INDENT: "indent with spaces, not tabs",
  BAD_INDENT: "line up keys of the same mapping at the same column, with spaces",
  MULTIPLE_DOCS: "keep one YAML document in the file (remove the extra `---`)",
  BLOCK_AS_IMPLICIT_KEY: "put a space after the `:` of the key above, or quote the value",
  MISSING_CHAR: "close the quote or bracket that was opened",
  UNEXPECTED_TOKEN: "check the quoting and indentation of this line",
  BAD_ALIAS: "define the anchor (`&name`) before using the alias (`*name`)",
};

const MAX_ALIASES = 100;

// Reading a config: js-yaml first, the yaml package when a position is needed.
// A run reads the config once, so the parser's code runs once and is never optimised: the yaml
// package (lexer, parser and composer as generators, a node per value, positions) took ~9 ms of
// the 3.5 kB example, most of what `qhub validate` adds to Node's start; js-yaml 5, a plain
// scanner, takes ~2 ms. Both read YAML 1.2 with the core schema. Where they could read a text
// differently, or where the yaml package has something to say about it (errors, warnings,
// duplicate keys), quickValue declines and the yaml package reads the file as before. Positions
// are only needed for problems and warnings: `doc` and `lines` are parsed when first asked for.
// test/document.test.ts holds the two readers to the same value on every YAML file of the
// repository, on thousands of variants of them, and on texts built to hit each difference.

/**
 * The config's value as js-yaml reads it, or undefined where the yaml package must read it:
 * - anything js-yaml rejects (syntax, duplicate keys, tabs, several documents, an empty file,
 *   nesting deeper than 100, any alias), so that the yaml package reports it with its position;
 * - anchors and tags (`&`, `!` anywhere, even in a string): the yaml package warns about forms of
 *   them js-yaml takes silently (`&a:`, `!!float 1`);
 * - a key that is null (`~:`, `null:`), which the yaml package reads as "" and js-yaml as "null",
 *   or longer than 1024 characters, which the yaml package refuses as an implicit key;
 * - a value that is not a mapping (the yaml path says what it is).
 */
export function quickValue(text: string): Record<string, unknown> | undefined {
  if (/[&!]/.test(text)) return undefined;
  let value: unknown;
  try {
    value = load(text, { maxAliases: 0 });
  } catch {
    return undefined;
  }
  return isRecord(value) && plainKeys(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** No key anywhere in `value` that the two readers read differently (see quickValue). */
function plainKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(plainKeys);
  if (!isRecord(value)) return true;
  for (const key of Object.keys(value))
    if (key === "" || key === "null" || key.length > 1024 || !plainKeys(value[key])) return false;
  return true;
}

/** The text as the yaml package reads it, with positions. */
function positioned(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  // The yaml package finds duplicate keys by comparing each key with every earlier one of its
  // mapping: quadratic, 12 s for 20,000 users. duplicateKeys() below does it with a set.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    keepSourceTokens: false,
  });
  return { doc, lines };
}

export function parseConfigText(file: string, text: string): ConfigDocument {
  const quick = quickValue(text);
  if (quick !== undefined) {
    let read: ReturnType<typeof positioned> | undefined;
    return {
      file,
      get doc() {
        return (read ??= positioned(text)).doc;
      },
      get lines() {
        return (read ??= positioned(text)).lines;
      },
      value: quick,
      problems: [],
    };
  }
  const { doc, lines } = positioned(text);
  const cd: ConfigDocument = { file, doc, lines, value: undefined, problems: [] };
  const at = (offset: number): Position => {
    const p = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line, col: p.col };
  };

  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = at(err.pos[0]);
    let message = err.message.replace(/\s+at line \d+, column \d+.*$/s, "").replace(/\.$/, "");
    if (err.code === "DUPLICATE_KEY") {
      const key = /^[^:\n]*/.exec(text.slice(err.pos[0], err.pos[0] + 80))?.[0].trim() ?? "";
      message = `duplicate key "${key}"`;
    }
    cd.problems.push({
      file,
      ...pos,
      path: "",
      message: `YAML ${err.name === "YAMLWarning" ? "warning" : "error"}: ${message}`,
      hint: YAML_HINTS[err.code] ?? "fix the YAML syntax at this position",
    });
  }
  if (doc.errors.length > 0) return cd;
  const duplicates = duplicateKeys(doc);
  for (const offset of duplicates) {
    const key = /^[^:\n]*/.exec(text.slice(offset, offset + 80))?.[0].trim() ?? "";
    cd.problems.push({
      file,
      ...at(offset),
      path: "",
      message: `YAML error: duplicate key "${key}"`,
      hint: YAML_HINTS.DUPLICATE_KEY ?? "",
    });
  }
  if (duplicates.length > 0) return cd;

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    cd.problems.push({
      file,
      line: 1,
      col: 1,
      path: "",
      message: "the file is empty",
      hint: "run `qhub init PROVIDER` to write a commented starting config",
    });
    return cd;
  }
  if (!isMap(doc.contents)) {
    const pos = at(doc.contents.range?.[0] ?? 0);
    const found = isSeq(doc.contents) ? "a list" : "a single value";
    cd.problems.push({
      file,
      ...pos,
      path: "",
      message: `the file must be a mapping of keys such as \`project_name: ...\`, but it holds ${found}`,
      hint: "start from `qhub init PROVIDER`, which writes a valid config",
    });
    return cd;
  }
  try {
    cd.value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // The yaml library throws a ReferenceError on alias bombs and unresolved aliases.
    cd.problems.push({
      file,
      line: 1,
      col: 1,
      path: "",
      message: `YAML aliases could not be expanded (${err instanceof Error ? err.message : String(err)})`,
      hint: `use fewer than ${MAX_ALIASES} alias expansions and define each anchor before its use`,
    });
  }
  return cd;
}

/** Where each key that repeats an earlier key of its mapping starts (scalar keys; linear time). */
function duplicateKeys(doc: Document.Parsed): number[] {
  const out: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value: unknown = pair.key.value;
        const id = `${typeof value}:${String(value)}`;
        if (seen.has(id)) out.push(pair.key.range?.[0] ?? 0);
        else seen.add(id);
      }
    },
  });
  return out.sort((a, b) => a - b);
}

function pairFor(map: Node, key: PropertyKey): Pair<Node, Node | null> | undefined {
  if (!isMap(map)) return undefined;
  const want = String(key);
  for (const item of map.items as Pair<Node, Node | null>[]) {
    const k: unknown = isScalar(item.key) ? item.key.value : item.key;
    if (String(k) === want) return item;
  }
  return undefined;
}

function deref(cd: ConfigDocument, node: Node | null | undefined): Node | null | undefined {
  if (node && isAlias(node)) return node.resolve(cd.doc);
  return node;
}

/**
 * Where `path` is in the file. `key` points at the key of the last segment (for unknown or
 * missing keys); `value` at its value. A path that does not exist points at the deepest part
 * that does.
 */
export function locate(cd: ConfigDocument, path: readonly PropertyKey[], prefer: "key" | "value"): Position {
  let node: Node | null | undefined = cd.doc.contents;
  let best: Node | null | undefined = node;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PropertyKey;
    node = deref(cd, node);
    if (node && isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      node = item;
      best = item;
      continue;
    }
    const pair = node ? pairFor(node, seg) : undefined;
    if (!pair) break;
    node = pair.value;
    best = prefer === "key" && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
    if (i < path.length - 1 && !pair.value) {
      best = pair.key;
      break;
    }
  }
  const offset = best?.range?.[0] ?? 0;
  const p = cd.lines.linePos(offset);
  return { line: p.line, col: p.col };
}

/** The YAML node at `path`, or undefined. */
export function nodeAt(cd: ConfigDocument, path: readonly PropertyKey[]): Node | null | undefined {
  let node: Node | null | undefined = cd.doc.contents;
  for (const seg of path) {
    node = deref(cd, node);
    if (!node) return undefined;
    if (isSeq(node) && typeof seg === "number") node = node.items[seg] as Node | undefined;
    else {
      const pair = pairFor(node, seg);
      if (!pair) return undefined;
      node = pair.value;
    }
  }
  return deref(cd, node);
}

/** True when `path` is written in the file. */
export function hasPath(cd: ConfigDocument, path: readonly PropertyKey[]): boolean {
  let node: Node | null | undefined = cd.doc.contents;
  for (const seg of path) {
    node = deref(cd, node);
    if (!node) return false;
    if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg] as Node | undefined;
      if (!node) return false;
    } else {
      const pair = pairFor(node, seg);
      if (!pair) return false;
      node = pair.value;
    }
  }
  return true;
}

/** A problem positioned at `path`. */
export function problemAt(
  cd: ConfigDocument,
  path: readonly PropertyKey[],
  prefer: "key" | "value",
  message: string,
  hint: string,
): Problem {
  return { file: cd.file, ...locate(cd, path, prefer), path: pathToString(path), message, hint };
}
