// emit: the one canonical serializer. Objects in, bytes out; same input, same bytes.
// Keys sorted (apiVersion, kind, metadata first, as cdk8s does), undefined dropped, no line
// folding, no anchors, multi-line strings as literal blocks, and every string that a YAML 1.1 or
// 1.2 reader would take for another type double-quoted.
import { Model } from "@kubernetes-models/base";
import { Document, Scalar, visit } from "yaml";

/** A file of the rendered repository: a path relative to its root, and its bytes. */
export interface OutputFile {
  path: string;
  content: string;
}

const FIRST_KEYS = ["apiVersion", "kind", "metadata"];

function keyOrder(a: string, b: string): number {
  const ia = FIRST_KEYS.indexOf(a);
  const ib = FIRST_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1)
    return (ia === -1 ? FIRST_KEYS.length : ia) - (ib === -1 ? FIRST_KEYS.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A deep copy with keys in canonical order and undefined values dropped. `apiVersion`, `kind`
 * and `metadata` lead only at the top of a document; nested keys are alphabetical.
 */
export function canonical(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => canonical(v, false));
  if (value && typeof value === "object") {
    // A kubernetes-models object's toJSON() is a deep copy without undefined values, which this
    // copy makes anyway: its own properties are read directly. Anything else's toJSON() counts.
    const source =
      !(value instanceof Model) && typeof (value as { toJSON?: unknown }).toJSON === "function"
        ? ((value as { toJSON: () => unknown }).toJSON() as Record<string, unknown>)
        : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    // Nested keys by UTF-16 code units: sort()'s own order, without a comparator.
    const keys = top ? Object.keys(source).sort(keyOrder) : Object.keys(source).sort();
    for (const key of keys) {
      const v = source[key];
      if (v === undefined) continue;
      // An own property even for `__proto__`: assigning it would set the prototype and lose the key.
      if (key === "__proto__")
        Object.defineProperty(out, key, {
          value: canonical(v, false),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = canonical(v, false);
    }
    return out;
  }
  return value;
}

/** A deep copy with undefined values dropped and keys in the order they were written. */
function written(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(written);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, written(v)]),
    );
  return value;
}

// Plain scalars that YAML 1.1 (https://yaml.org/type/) resolves to something other than a string:
// bool, null, int (binary, octal, decimal, hex, sexagesimal, `_` separators), float (also
// sexagesimal, .inf, .nan), timestamp, merge (`<<`) and value (`=`). The yaml package quotes
// only what YAML 1.2's core schema reads as another type, so "no", "on", "y", "1_000", "1:20" and
// "2001-12-14" would reach Kustomize's and other YAML 1.1 readers as booleans, numbers and dates.
// The patterns are the spec's and the yaml package's, whichever is looser (the spec's float also
// matches "4.4.0", which no reader takes for a number: PyYAML's and the yaml package's form is used).
const YAML11_NON_STRING = [
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/,
  /^(?:<<|=)$/,
];

/** True when a YAML 1.1 reader would read `s`, written plain, as something other than that string. */
export function yaml11NonString(s: string): boolean {
  return YAML11_NON_STRING.some((re) => re.test(s));
}

/**
 * One YAML document, canonically ordered, ending in a newline. `order: "written"` keeps the keys
 * as the code wrote them, for files with a conventional order of their own (GitHub workflows'
 * `name`, `on`, `permissions`, `jobs`); that code must write them in a fixed order.
 */
export function toYaml(value: unknown, opts: { order?: "canonical" | "written" } = {}): string {
  if (opts.order === "written") {
    const data = written(value);
    return writePlainYaml(data) ?? yamlByLibrary(data);
  }
  return writeCanonicalYaml(value) ?? yamlByLibrary(canonical(value));
}

/** The yaml package's text for a canonical tree: the reference that writePlainYaml must match. */
export function yamlByLibrary(data: unknown): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && yaml11NonString(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({
    lineWidth: 0,
    minContentWidth: 0,
    blockQuote: "literal",
    indentSeq: true,
    singleQuote: false,
  });
}

// The fast writer. A render writes ~100 kB of YAML in one short process, where the yaml package's
// general machinery (a document model, visitors, context objects; all run once, so never
// optimised) took a fifth of the run. For the trees QHub builds (plain maps, lists, printable
// ASCII strings, multi-line literal blocks, finite numbers, booleans, null), writePlainYaml writes
// the bytes the package writes with the options above, following its rules (yaml 2.9
// stringifyString/stringifyPair/stringifyCollection); for anything else it declines, and the
// package writes the document. test/emit.test.ts holds the two to the same bytes on every object
// of every fixture's render and on generated trees built to hit each rule.

/** Declined: the package writes the document. One instance, thrown and caught inside this file. */
const DECLINE = new (class Declined extends Error {})("declined");

// What YAML 1.2's core schema reads as null, bool, int or float: the package quotes such strings.
const CORE_NON_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
// Where a plain scalar would be read differently (indicators, `: `, ` #`, edges): quoted instead.
const PLAIN_UNSAFE = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Printable ASCII: what JSON.stringify writes as the package's double quotes do. */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Printable ASCII lines, not starting with a space or newline, ending in a visible character and at most one newline. */
const LITERAL_BLOCK = /^[\x21-\x7e](?:[\x20-\x7e\n]*[\x21-\x7e])?\n?$/;
/** Keys the package writes plain unless they read as another type. */
const SIMPLE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/**
 * Whether the package quotes `s` as a string that reads as another type. Every pattern above needs
 * a first character among `-+.0-9~<=` or `e`/`E` (an exponent alone, `e5`), or is a word of at most
 * five letters: any other string starting with a letter is tested no further.
 */
function quoted(s: string): boolean {
  const first = s.charCodeAt(0);
  const letter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122);
  if (letter && s.length > 5 && first !== 69 && first !== 101) return false;
  // The rest (short words such as `name`, `kind` and `spec`, numbers, paths) recur in every
  // object of a render, each a run of ~20 patterns: tested once per string.
  let answer = quotedSeen.get(s);
  if (answer === undefined) {
    answer = yaml11NonString(s) || CORE_NON_STRING.some((re) => re.test(s));
    quotedSeen.set(s, answer);
  }
  return answer;
}
const quotedSeen = new Map<string, boolean>();

function key(k: string): string {
  if (!SIMPLE_KEY.test(k) || k.length > 1024) throw DECLINE;
  return quoted(k) ? JSON.stringify(k) : k;
}

/** A scalar in a value's place; `indent` is the indentation of a literal block's lines. */
function scalar(v: unknown, indent: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw DECLINE;
    return JSON.stringify(v);
  }
  if (typeof v !== "string") throw DECLINE;
  if (!v.includes("\n")) {
    if (!PRINTABLE.test(v)) throw DECLINE;
    return quoted(v) || PLAIN_UNSAFE.test(v) ? JSON.stringify(v) : v;
  }
  if (!LITERAL_BLOCK.test(v)) throw DECLINE;
  const clip = v.endsWith("\n");
  const body = (clip ? v.slice(0, -1) : v).replace(/\n+/g, (breaks) => breaks + indent);
  return `|${clip ? "" : "-"}\n${indent}${body}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * How a writer reads a tree: a map's keys, in the order they are written (undefined for an object
 * it declines), and a list's items.
 */
interface Reading {
  keys(map: object, top: boolean): readonly string[] | undefined;
  items(list: readonly unknown[]): readonly unknown[];
}

/** writePlainYaml's: a canonical() or written() copy, read as it is. */
const AS_GIVEN: Reading = {
  keys: (map) => (isMap(map) ? Object.keys(map) : undefined),
  items: (list) => list,
};

// writeCanonicalYaml's: the object itself, read as canonical() would copy it. canonical() made a
// deep copy of every object a render writes only for the writer to walk it once. This reading
// declines (so the copy is made, and written as given) for any object canonical() would read
// through its toJSON(), or does not copy as a plain map.
const IN_CANONICAL_ORDER: Reading = {
  keys: canonicalKeys,
  items: (list) => list.filter((item) => item !== undefined),
};

/** A map's keys in canonical order, undefined values left out; undefined when not a plain map or model. */
function canonicalKeys(value: object, top: boolean): string[] | undefined {
  if (!(value instanceof Model)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return undefined;
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
  }
  const source = value as Record<string, unknown>;
  const keys = top ? Object.keys(source).sort(keyOrder) : Object.keys(source).sort();
  return inCopyOrder(keys.filter((k) => source[k] !== undefined));
}

/** An array index as a property name: "0" to "4294967294", no leading zero. */
const INDEX = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * The order canonical()'s copy has the keys in: an object lists the keys that are array indexes
 * first, ascending, whatever order they were set in, then the others as set.
 */
function inCopyOrder(keys: string[]): string[] {
  const indexes = keys.filter((k) => INDEX.test(k) && Number(k) < 4294967295);
  if (indexes.length === 0) return keys;
  const rest = keys.filter((k) => !(INDEX.test(k) && Number(k) < 4294967295));
  return [...indexes.sort((a, b) => Number(a) - Number(b)), ...rest];
}

/** A value after a key or a list's dash: ` scalar`, ` []`, ` {}` or a nested block at `inner`. */
function valueText(v: unknown, inner: string, nested: string, reading: Reading): string {
  if (Array.isArray(v)) {
    const items = reading.items(v);
    return items.length === 0 ? " []" : `${nested}${seqBody(items, inner, reading)}`;
  }
  if (v !== null && typeof v === "object") {
    const keys = reading.keys(v, false);
    if (keys === undefined) throw DECLINE;
    return keys.length === 0
      ? " {}"
      : `${nested}${mapBody(v as Record<string, unknown>, keys, inner, reading)}`;
  }
  return ` ${scalar(v, inner)}`;
}

/** A map's pairs, the first without indentation, the others at `indent`. */
function mapBody(
  map: Record<string, unknown>,
  keys: readonly string[],
  indent: string,
  reading: Reading,
): string {
  const inner = `${indent}  `;
  let out = "";
  for (const k of keys) {
    if (out !== "") out += `\n${indent}`;
    out += `${key(k)}:${valueText(map[k], inner, `\n${inner}`, reading)}`;
  }
  return out;
}

/** A list's items, the first without indentation, the others at `indent`. */
function seqBody(items: readonly unknown[], indent: string, reading: Reading): string {
  const inner = `${indent}  `;
  let out = "";
  for (const v of items) {
    if (out !== "") out += `\n${indent}`;
    out += `-${valueText(v, inner, " ", reading)}`;
  }
  return out;
}

/** A map or list document as `reading` reads it, or undefined where the writer declines. */
function writeDocument(data: unknown, reading: Reading): string | undefined {
  try {
    if (Array.isArray(data)) {
      const items = reading.items(data);
      return items.length === 0 ? "[]\n" : `${seqBody(items, "", reading)}\n`;
    }
    if (data === null || typeof data !== "object") return undefined;
    const keys = reading.keys(data, true);
    if (keys === undefined) return undefined;
    return keys.length === 0 ? "{}\n" : `${mapBody(data as Record<string, unknown>, keys, "", reading)}\n`;
  } catch (err) {
    if (err === DECLINE) return undefined;
    throw err;
  }
}

/** The package's text for a map or list document, or undefined where it declines. */
export function writePlainYaml(data: unknown): string | undefined {
  return writeDocument(data, AS_GIVEN);
}

/** writePlainYaml(canonical(value)), or undefined where either declines. */
export function writeCanonicalYaml(value: unknown): string | undefined {
  return writeDocument(value, IN_CANONICAL_ORDER);
}

/** Several objects as one multi-document YAML file, in the order given. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}
