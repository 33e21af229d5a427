// emit: the one canonical serializer. Objects in, bytes out; same input, same bytes.
// Keys sorted (apiVersion, kind, metadata first, as cdk8s does), undefined dropped, no line
// folding, no anchors, multi-line strings as literal blocks.
import { stringify } from "yaml";

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
      if (v !== undefined) out[key] = canonical(v, false);
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

/**
 * One YAML document, canonically ordered, ending in a newline. `order: "written"` keeps the keys
 * as the code wrote them, for files with a conventional order of their own (GitHub workflows'
 * `name`, `on`, `permissions`, `jobs`); that code must write them in a fixed order.
 */
export function toYaml(value: unknown, opts: { order?: "canonical" | "written" } = {}): string {
  return stringify(opts.order === "written" ? written(value) : canonical(value), {
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
    blockQuote: "literal",
    indentSeq: true,
    singleQuote: false,
  });
}

/** Several objects as one multi-document YAML file, in the order given. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}
