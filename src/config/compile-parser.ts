// Compiles the config's zod schemas into plain JavaScript that parses a config as zod would, for the
// configs zod accepts: building the ~500 schema objects and running zod's parse was about a third of
// what `qhub validate` adds to Node's start. The build compiles it once (scripts/build.mjs); from
// source, fast-parse.ts compiles it when first used.
//
// The compiled parser answers { value } only where zod would succeed with that same value (the same
// keys, in the same order, the same defaults). Anywhere it would have to guess, it gives up, and the
// caller parses with zod, which also explains the problems. It mirrors zod 4's parse of each kind
// of schema QHub's config uses (node_modules/zod/v4/core/schemas.js and checks.js: $ZodObject with
// handlePropertyResult and handleCatchall, $ZodRecord, $ZodUnion, $ZodDiscriminatedUnion,
// $ZodOptional, $ZodDefault, the string, number and length checks, $ZodURL); a kind it does not
// know stops the compile, so a new schema kind cannot be skipped silently.
import { inspect, isDeepStrictEqual } from "node:util";
import * as z from "zod/mini";

// Just enough of zod's internal definition to compile a schema.
interface Check {
  _zod: { def: CheckDef; traits: Set<string> };
}
interface CheckDef {
  check?: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: unknown;
  inclusive?: boolean;
  fn?: (value: never) => unknown;
  normalize?: boolean;
  hostname?: RegExp;
  protocol?: RegExp;
}
interface Def extends CheckDef {
  type: string;
  checks?: Check[];
  innerType?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  element?: Schema;
  options?: Schema[];
  discriminator?: string;
  unionFallback?: boolean;
  inclusive?: boolean;
  mode?: string;
  partial?: boolean;
  defaultValue?: unknown;
  coerce?: boolean;
}
interface Schema {
  _zod: {
    def: Def;
    traits: Set<string>;
    optin?: "optional" | "defaulted";
    optout?: "optional";
    values?: Set<unknown>;
    propValues?: Record<string, Set<unknown>>;
  };
}

/** What the compiled source makes of a config: its parsed value, or undefined (parse it with zod). */
export type CompiledParser = (input: unknown) => { value: unknown } | undefined;

class Unsupported extends Error {}

/**
 * The source of a JavaScript function expression that takes the refinements (by name) and returns
 * one parser per root schema, by the same names as `roots`.
 */
export function compileParsers(
  roots: Readonly<Record<string, z.ZodMiniType>>,
  refinements: Readonly<Record<string, unknown>>,
): string {
  const refinementName = new Map<unknown, string>();
  for (const [name, fn] of Object.entries(refinements)) refinementName.set(fn, name);
  const constants: string[] = [];
  const functions: string[] = [];
  const names = new Map<Schema, string>();
  const constant = (expression: string): string => {
    constants.push(`const c${constants.length} = ${expression};`);
    return `c${constants.length - 1}`;
  };
  const literal = (value: unknown): string => {
    if (value === undefined) return "undefined";
    if (typeof value === "number" && !Number.isFinite(value)) throw new Unsupported(`the value ${value}`);
    const json = JSON.stringify(value);
    // Only values JSON writes as they are: a default or a literal is then rebuilt exactly.
    if (json === undefined || !isDeepStrictEqual(JSON.parse(json), value))
      throw new Unsupported(`a value JSON cannot carry (${inspect(value)})`);
    return json;
  };
  const regex = (pattern: RegExp) =>
    constant(`new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)})`);

  /** Statements that fail (return F) when a check does not hold for `v`. */
  const checkCode = (c: Check, schema: Schema): string => {
    const d = c._zod.def;
    const traits = c._zod.traits;
    switch (d.check) {
      case "min_length":
        return `if ((typeof v === "string" ? cpLength(v) : v.length) < ${d.minimum}) return F;`;
      case "max_length":
        return `if ((typeof v === "string" ? cpLength(v) : v.length) > ${d.maximum}) return F;`;
      case "length_equals":
        return `if ((typeof v === "string" ? cpLength(v) : v.length) !== ${d.length}) return F;`;
      case "greater_than":
      case "less_than": {
        if (typeof d.value !== "number") throw new Unsupported("a bound that is not a number");
        const op = d.check === "greater_than" ? (d.inclusive ? ">=" : ">") : d.inclusive ? "<=" : "<";
        return `if (!(v ${op} ${d.value})) return F;`;
      }
      case "number_format":
        if (d.format !== "safeint") throw new Unsupported(`the number format ${d.format}`);
        return "if (!Number.isSafeInteger(v)) return F;";
      case "string_format":
        if (traits.has("$ZodURL")) return urlCode(d);
        if ((d.format === "regex" || d.format === "email") && d.pattern)
          return `if (!test(${regex(d.pattern)}, v)) return F;`;
        throw new Unsupported(`the string format ${d.format}`);
      case "custom": {
        const name = refinementName.get(d.fn);
        if (!name) throw new Unsupported("a refinement that refinements.ts does not export");
        return `if (!refinements.${name}(v)) return F;`;
      }
      default:
        throw new Unsupported(`the check ${d.check} (on a ${schema._zod.def.type})`);
    }
  };
  // $ZodURL: zod trims the value and drops tabs and newlines from what it returns; a value that
  // has any is left to zod. Without options, any URL the URL parser reads; with a protocol, one
  // whose scheme matches (and http(s) URLs must have `://`).
  const urlCode = (d: CheckDef): string => {
    if (d.normalize || d.hostname) throw new Unsupported("URL options other than protocol");
    const lines = ["if (v.trim() !== v || /[\\t\\n\\r]/.test(v)) throw BAIL;"];
    if (!d.protocol) {
      lines.push("if (!URL.canParse(v)) return F;");
      return lines.join(" ");
    }
    if (d.protocol.source === z.regexes.httpProtocol.source)
      lines.push("if (!/^https?:\\/\\//i.test(v)) return F;");
    lines.push(
      "let url; try { url = new URL(v); } catch { return F; }",
      `if (!test(${regex(d.protocol)}, url.protocol.endsWith(":") ? url.protocol.slice(0, -1) : url.protocol)) return F;`,
    );
    return lines.join(" ");
  };

  /** The name of the compiled function for `schema`: `v` in, its value or F out. */
  const parserOf = (schema: Schema): string => {
    const known = names.get(schema);
    if (known) return known;
    const name = `p${names.size}`;
    names.set(schema, name);
    const d = schema._zod.def;
    if (d.coerce) throw new Unsupported("coercion");
    // A schema that is itself a check (z.email(), z.int()) runs first, then the others ($ZodType).
    const checks = [...(schema._zod.traits.has("$ZodCheck") ? [schema as Check] : []), ...(d.checks ?? [])];
    let body: string[];
    switch (d.type) {
      case "string":
        body = ['if (typeof v !== "string") return F;', "return v;"];
        break;
      case "number":
        body = ['if (typeof v !== "number" || !Number.isFinite(v)) return F;', "return v;"];
        break;
      case "boolean":
        body = ['if (typeof v !== "boolean") return F;', "return v;"];
        break;
      case "unknown":
      case "any":
        body = ["return v;"];
        break;
      case "never":
        body = ["return F;"];
        break;
      case "literal":
      case "enum": {
        const values = [...(schema._zod.values ?? [])];
        body = [
          `if (!${constant(`new Set([${values.map(literal).join(", ")}])`)}.has(v)) return F;`,
          "return v;",
        ];
        break;
      }
      case "nullable":
        body = [`return v === null ? null : ${parserOf(d.innerType!)}(v);`];
        break;
      case "optional": {
        const inner = d.innerType!;
        body =
          inner._zod.optin === "defaulted"
            ? [`if (v === undefined) { const r = ${parserOf(inner)}(v); return r === F ? undefined : r; }`]
            : ["if (v === undefined) return undefined;"];
        body.push(`return ${parserOf(inner)}(v);`);
        break;
      }
      case "default": {
        const fallback = literal(d.defaultValue);
        body = [
          `if (v === undefined) return ${fallback};`,
          `const r = ${parserOf(d.innerType!)}(v);`,
          `return r === undefined ? ${fallback} : r;`,
        ];
        break;
      }
      case "array":
        body = [
          "if (!Array.isArray(v)) return F;",
          "const o = new Array(v.length);",
          `for (let i = 0; i < v.length; i++) { const r = ${parserOf(d.element!)}(v[i]); if (r === F) return F; o[i] = r; }`,
          "return o;",
        ];
        break;
      case "object":
        body = objectCode(d);
        break;
      case "record":
        body = recordCode(d);
        break;
      case "union":
        body = unionCode(schema, d);
        break;
      default:
        throw new Unsupported(`the schema type ${d.type}`);
    }
    if (checks.length === 0) {
      functions.push(`function ${name}(v) {\n  ${body.join("\n  ")}\n}`);
      return name;
    }
    // The checks run on the parsed value, after the schema's own parse ($ZodType's run).
    functions.push(
      `function ${name}_parse(v) {\n  ${body.join("\n  ")}\n}`,
      `function ${name}(input) {\n  const v = ${name}_parse(input);\n  if (v === F) return F;\n  ${checks.map((c) => `{ ${checkCode(c, schema)} }`).join("\n  ")}\n  return v;\n}`,
    );
    return name;
  };

  const objectCode = (d: Def): string[] => {
    const shape = d.shape ?? {};
    const keys = Object.keys(shape).filter((k) => k !== "__proto__");
    if (Object.getOwnPropertySymbols(shape).length) throw new Unsupported("symbol keys");
    const lines = ["if (!isObject(v)) return F;", "const o = {};"];
    for (const key of keys) {
      const field = shape[key]!;
      lines.push(
        `if (!prop(o, v, ${JSON.stringify(key)}, ${parserOf(field)}, ${literal(field._zod.optin)}, ${literal(field._zod.optout)})) return F;`,
      );
    }
    const catchall = d.catchall?._zod.def.type;
    const declared = constant(`new Set(${JSON.stringify(Object.keys(shape))})`);
    if (catchall === "never") lines.push(`for (const k in v) if (!${declared}.has(k)) return F;`);
    else if (catchall === "unknown")
      lines.push(
        `for (const k in v) { if (${declared}.has(k) || k === "__proto__") continue; o[k] = v[k]; }`,
      );
    else if (catchall !== undefined) throw new Unsupported(`a ${catchall} catchall`);
    lines.push("return o;");
    return lines;
  };

  const recordCode = (d: Def): string[] => {
    if (d.keyType!._zod.values && !d.partial) throw new Unsupported("a record of enumerated keys");
    const key = parserOf(d.keyType!);
    const onBadKey = d.mode === "loose" ? "{ o[k] = v[k]; continue; }" : "return F;";
    return [
      "if (!isObject(v)) return F;",
      // zod's isPlainObject, for the objects a YAML or JSON parser makes; others are left to zod.
      "if (Object.getPrototypeOf(v) !== Object.prototype || v.constructor !== Object) throw BAIL;",
      "const o = {};",
      "for (const k of Reflect.ownKeys(v)) {",
      '  if (k === "__proto__" || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;',
      `  let kr = ${key}(k);`,
      `  if (kr === F && typeof k === "string" && ${regex(z.regexes.number)}.test(k)) { const again = ${key}(Number(k)); if (again !== F) kr = again; }`,
      `  if (kr === F) ${onBadKey}`,
      '  if (kr === "__proto__") continue;',
      `  const r = ${parserOf(d.valueType!)}(v[k]);`,
      "  if (r === F) return F;",
      "  o[kr] = r;",
      "}",
      "return o;",
    ];
  };

  const unionCode = (schema: Schema, d: Def): string[] => {
    const options = d.options ?? [];
    if (d.discriminator !== undefined) {
      if (d.unionFallback) throw new Unsupported("a discriminated union with unionFallback");
      // discriminatorMap in zod's schemas.js: a value two options share, undefined only, matches none.
      const byValue = new Map<unknown, Schema | null>();
      for (const option of options) {
        const values = option._zod.propValues?.[d.discriminator];
        if (!values || values.size === 0)
          throw new Unsupported("a discriminated union option without its key");
        for (const value of values) byValue.set(value, byValue.has(value) ? null : option);
      }
      const entries = [...byValue]
        .filter(([, option]) => option !== null)
        .map(([value, option]) => `[${literal(value)}, ${parserOf(option!)}]`);
      return [
        "if (!isObject(v)) return F;",
        `const option = ${constant(`new Map([${entries.join(", ")}])`)}.get(v[${JSON.stringify(d.discriminator)}]);`,
        "return option === undefined ? F : option(v);",
      ];
    }
    if (d.inclusive === false) throw new Unsupported("an exclusive union");
    if (schema._zod.def.type !== "union") throw new Unsupported("a union kind");
    const lines = ["let r;"];
    for (const option of options) lines.push(`r = ${parserOf(option)}(v); if (r !== F) return r;`);
    lines.push("return F;");
    return lines;
  };

  const compiled = Object.entries(roots).map(([name, root]) => {
    try {
      return `${JSON.stringify(name)}: run(${parserOf(root as unknown as Schema)})`;
    } catch (err) {
      if (err instanceof Unsupported)
        throw new Error(`compile-parser.ts cannot compile ${name}: it does not know ${err.message}`);
      throw err;
    }
  });
  return `(function (refinements) {
"use strict";
// F: zod finds a problem here too. BAIL (thrown): not sure; the caller parses with zod.
const F = Symbol("fails");
const BAIL = Symbol("zod decides");
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const test = (re, s) => { re.lastIndex = 0; return re.test(s); };
// zod's codePointLength: a surrogate pair counts once.
function cpLength(s) {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++)
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n--; i++; }
  return n;
}
// handlePropertyResult in zod's schemas.js: false when the object fails.
function prop(o, v, k, parse, optin, optout) {
  const present = k in v;
  if (!present && optout === "optional" && optin === "optional") return true;
  const r = parse(v[k]);
  if (r === F) return optin !== undefined && optout === "optional" && !present;
  if (!present && optin === undefined) return false;
  if (r !== undefined) o[k] = r;
  else if (present || (optin === "defaulted" && optout !== "optional")) o[k] = undefined;
  return true;
}
const run = (parse) => (input) => {
  try {
    const value = parse(input);
    return value === F ? undefined : { value };
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
};
${constants.join("\n")}
${functions.join("\n")}
return { ${compiled.join(", ")} };
})`;
}
