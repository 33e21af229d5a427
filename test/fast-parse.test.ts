// The compiled config parser (src/config/compile-parser.ts) against zod itself: wherever it answers,
// zod accepts the same input with the same value (keys, their order, undefined values, defaults);
// where it does not, zod parses. It must answer for the valid configs, or it saves nothing.
import { inspect, isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import * as z from "zod/mini";
import { compileParsers } from "../src/config/compile-parser.js";
import type { CompiledParser } from "../src/config/compile-parser.js";
import { fastParse, parserRoots } from "../src/config/fast-parse.js";
import * as refinements from "../src/config/refinements.js";
import { platformConfigs } from "./rendered.js";

/** How a value prints with every key in order and undefined values shown. */
const shown = (value: unknown) => inspect(value, { depth: null, sorted: false, getters: false });

function compiled<T extends Record<string, z.ZodMiniType>>(roots: T): Record<keyof T, CompiledParser> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the compiled source under test
  const factory = new Function(`return ${compileParsers(roots, refinements)}`) as () => (
    r: object,
  ) => Record<keyof T, CompiledParser>;
  return factory()(refinements);
}

/** The compiled parser agrees with zod on `input`: it answers zod's value, or nothing. */
function agrees(parser: CompiledParser, schema: z.ZodMiniType, input: unknown): "fast" | "zod" {
  const zod = schema.safeParse(input);
  const fast = parser(input);
  if (fast === undefined) return "zod";
  expect(zod.success, `zod refuses what the compiled parser accepted: ${shown(input)}`).toBe(true);
  // The same printout (keys in order, undefined values), and strictly equal (prototypes, NaN).
  // Not vitest's toStrictEqual: it compares `constructor` properties, and an object with its own
  // `constructor: NaN` (a loose object passes one through) is then unequal to itself.
  expect(shown(fast.value)).toBe(shown(zod.data));
  expect(isDeepStrictEqual(fast.value, zod.data)).toBe(true);
  return "fast";
}

const seeds = platformConfigs().map((c) => ({ name: c.name, value: parse(c.text) as unknown }));

describe("the compiled config parser", () => {
  test("compiles the config's schema, and answers for every valid config with zod's value", () => {
    const roots = parserRoots();
    // As validate.ts reads it: a config that names clusters leaves provider and domain to them.
    const multi = (v: unknown) => {
      const clusters = (v as { gitops?: { clusters?: object } }).gitops?.clusters;
      return typeof clusters === "object" && clusters !== null && Object.keys(clusters).length > 0;
    };
    expect(seeds.length).toBeGreaterThan(20);
    for (const { name, value } of seeds) {
      const schema = multi(value) ? roots.withClusters : roots.config;
      expect(schema.safeParse(value).success, name).toBe(true);
      const fast = fastParse(value, multi(value));
      expect(fast, `${name}: the compiled parser gave up on a valid config`).toBeDefined();
      expect(shown(fast?.value)).toBe(shown(schema.safeParse(value).data));
    }
  });

  test("answers nothing for a config zod refuses", () => {
    for (const { value } of seeds) {
      const config = value as Record<string, unknown>;
      for (const broken of [
        { ...config, unknown_key: 1 },
        { ...config, project_name: 42 },
        { ...config, domain: "" },
        { ...config, ["__proto__"]: {} },
        null,
        [],
        "text",
      ]) {
        expect(parserRoots().config.safeParse(broken).success).toBe(false);
        expect(fastParse(broken, false)).toBeUndefined();
      }
    }
  });

  // Values that sit on the edges zod draws: whitespace zod trims from URLs, surrogate pairs that
  // length checks count once, keys that are numbers or Object.prototype's, bounds, and wrong types.
  const edge = fc.constantFrom<unknown>(
    "",
    " ",
    "x",
    " x",
    "x\n",
    "\u00a0x",
    "😀",
    "\ud800",
    "a".repeat(63),
    "a".repeat(64),
    "https://example.com/dir",
    " https://example.com",
    "https://exa\tmple.com",
    "https:example.com",
    "http://example.com",
    "ftp://example.com",
    "user@example.com",
    "__proto__",
    "constructor",
    "1",
    "main",
    "refs/heads/main",
    "8Gi",
    0,
    -0,
    1,
    -1,
    0.5,
    2 ** 53,
    1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    false,
    null,
    undefined,
    [],
    ["a"],
    {},
    { fromEnv: "NAME" },
    { fromFile: "secret.txt" },
    { type: "self-signed" },
    { a: 1 },
  );
  const key = fc.constantFrom("__proto__", "constructor", "toString", "1", "", "extra", "type", "name");

  /** Every path into a value. */
  const paths = (value: unknown, prefix: PropertyKey[] = []): PropertyKey[][] =>
    Array.isArray(value)
      ? [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))]
      : value && typeof value === "object"
        ? [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))]
        : [prefix];
  const mutate = (root: unknown, path: PropertyKey[], change: (old: unknown) => unknown): unknown => {
    if (path.length === 0) return change(root);
    const [head, ...rest] = path;
    if (Array.isArray(root)) return root.map((v: unknown, i) => (i === head ? mutate(v, rest, change) : v));
    if (root && typeof root === "object") {
      const out: Record<PropertyKey, unknown> = {};
      for (const [k, v] of Object.entries(root)) {
        // An own __proto__ key, as a YAML parser makes it, not the prototype.
        Object.defineProperty(out, k, {
          value: k === head ? mutate(v, rest, change) : v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return root;
  };

  test("agrees with zod on mutated configs (fast-check)", () => {
    const { config: schema } = parserRoots();
    let fast = 0;
    let valid = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds.map((s) => s.value)),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("replace", "delete", "add"), edge, key), {
          minLength: 1,
          maxLength: 3,
        }),
        (seed, changes) => {
          let value = seed;
          for (const [index, kind, replacement, name] of changes) {
            const all = paths(value);
            value = mutate(value, all[index % all.length]!, (old) => {
              if (old === null || typeof old !== "object" || Array.isArray(old)) return replacement;
              const entries = Object.entries(old);
              if (kind === "delete")
                return Object.fromEntries(entries.filter((_, i) => i !== index % entries.length));
              if (kind === "add") {
                const out = Object.fromEntries(entries);
                Object.defineProperty(out, name, {
                  value: replacement,
                  enumerable: true,
                  writable: true,
                  configurable: true,
                });
                return out;
              }
              return replacement;
            });
          }
          if (schema.safeParse(value).success) valid++;
          if (agrees((v) => fastParse(v, false), schema, value) === "fast") fast++;
        },
      ),
      { numRuns: 3000 },
    );
    // Mutations of valid configs are often valid (a value changed for another valid one, an
    // optional key dropped): the compiled parser must answer for most of those.
    expect(valid).toBeGreaterThan(100);
    expect(fast).toBeGreaterThan(valid * 0.9);
  });

  test("mirrors each kind of schema it compiles (fast-check)", () => {
    const kinds = {
      object: z.strictObject({
        required: z.string(),
        optional: z.optional(z.number()),
        defaulted: z._default(z.boolean(), true),
        optionalDefault: z.optional(z._default(z.string(), "d")),
        nullable: z.nullable(z.optional(z.string())),
      }),
      loose: z.looseObject({ a: z.optional(z.string()) }),
      stripped: z.object({ a: z.optional(z.int()) }),
      record: z.record(z.string({ checks: [z.regex(/^[a-z1-9]+$/)] }), z.int()),
      refinedRecord: z.record(z.string(), z.string()).check(z.refine(refinements.namesSomeKey)),
      lengths: z.string({ checks: [z.minLength(2), z.maxLength(3)] }),
      array: z.array(z.number({ checks: [z.gt(0), z.lte(10)] })).check(z.minLength(1)),
      union: z.union([z.int(), z.string(), z.object({ a: z.string() })]),
      discriminated: z.discriminatedUnion("type", [
        z.object({ type: z.literal("a"), a: z.optional(z.string()) }),
        z.object({ type: z.literal(["b", "c"]), b: z._default(z.int(), 1) }),
      ]),
      enumerated: z.enum(["x", "y"]),
      url: z.url(),
      https: z.url({ protocol: /^https$/ }),
      http: z.url({ protocol: z.regexes.httpProtocol }),
      email: z.email(),
      branch: z.string({ checks: [z.refine(refinements.isBranchName)] }),
    };
    const parsers = compiled(kinds);
    const input: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        edge,
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.array(fc.double({ min: -1, max: 11 }), { maxLength: 3 }),
        fc.dictionary(key, tie("value"), { maxKeys: 4 }),
        fc.record({ required: fc.string(), optional: fc.option(fc.double(), { nil: undefined }) }),
        fc.record({ type: fc.constantFrom("a", "b", "c", "d"), a: fc.string(), b: fc.integer() }),
      ),
    })).value;
    const answered = new Set<string>();
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(kinds)), input, (kind, value) => {
        const name = kind as keyof typeof kinds;
        if (agrees(parsers[name], kinds[name], value) === "fast") answered.add(kind);
      }),
      { numRuns: 20_000 },
    );
    // Each kind was answered at least once: none of them simply gives up.
    expect([...answered].sort()).toEqual(Object.keys(kinds).sort());
  });

  test("refuses to compile a kind of schema it does not know", () => {
    expect(() =>
      compiled({
        piped: z.pipe(
          z.string(),
          z.transform((s) => s.length),
        ),
      }),
    ).toThrow(/cannot compile piped: it does not know the schema type/);
    expect(() => compiled({ refined: z.string().check(z.refine((s) => s.length > 1)) })).toThrow(
      /a refinement that refinements.ts does not export/,
    );
  });
});
