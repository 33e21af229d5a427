// emit: the one canonical serializer. Objects in, bytes out; same input, same bytes.
// Keys sorted (apiVersion, kind, metadata first, as cdk8s does), undefined dropped, no line
// folding, no anchors, multi-line strings as literal blocks, and every string that a YAML 1.1 or
// 1.2 reader would take for another type double-quoted.
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
    const source =
      typeof (value as { toJSON?: unknown }).toJSON === "function"
        ? ((value as { toJSON: () => unknown }).toJSON() as Record<string, unknown>)
        : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort(top ? keyOrder : (a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const v = source[key];
      // An own property even for `__proto__`: assigning it would set the prototype and lose the key.
      if (v !== undefined)
        Object.defineProperty(out, key, {
          value: canonical(v, false),
          enumerable: true,
          writable: true,
          configurable: true,
        });
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
  const doc = new Document(opts.order === "written" ? written(value) : canonical(value), {
    aliasDuplicateObjects: false,
  });
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

/** Several objects as one multi-document YAML file, in the order given. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}
