// validate must never throw, never print a stack trace, and always exit 0 or 1, whatever the file
// holds. fast-check generates mutations of valid configs and arbitrary YAML-ish text.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { formatProblem } from "../src/config/problems.js";
import { validateDocument } from "../src/config/validate.js";
import { PROVIDERS } from "../src/config/schema.js";
import { renderInitConfig } from "../src/init/template.js";
import { parse } from "yaml";
import { ROOT } from "./helpers.js";

const RUNS = 10_000;

const seeds: unknown[] = [
  parse(readFileSync(join(ROOT, "examples", "qhub-config.yaml"), "utf8")) as unknown,
  ...PROVIDERS.map((provider): unknown =>
    parse(
      renderInitConfig({
        provider,
        projectName: "team",
        domain: "hub.example.com",
        auth: "github",
        repository: "a/b",
      }),
    ),
  ),
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into a value, so mutations can hit any depth. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === "object")
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

function setAt(root: unknown, path: (string | number)[], mutate: (old: unknown) => unknown): unknown {
  if (path.length === 0) return mutate(root);
  const [head, ...rest] = path;
  if (Array.isArray(root))
    return (root as unknown[]).map((v, i) => (i === head ? setAt(v, rest, mutate) : v));
  if (root && typeof root === "object")
    return Object.fromEntries(
      Object.entries(root as Record<string, unknown>).map(([k, v]) => [
        k,
        k === head ? setAt(v, rest, mutate) : v,
      ]),
    );
  return root;
}

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 1e308, 0.5, 2 ** 64),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom(
    "",
    "~",
    "null",
    "yes",
    "0o17",
    "1e999",
    "<<",
    "&a",
    "*a",
    "!!binary",
    "hunter2",
    "age1xyz",
  ),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.letrec<{ deep: Json }>((tie) => ({
    deep: fc.oneof(
      { depthSize: "small" },
      fc.string(),
      fc.array(tie("deep"), { maxLength: 2 }),
      fc.dictionary(fc.string(), tie("deep"), { maxKeys: 2 }),
    ),
  })).deep,
);

/** A valid config with one to three mutations: deleted keys, wrong types, new keys, deep nesting. */
const mutatedConfig = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("delete", "replace", "add", "nest"), weird, fc.string()), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([seed, mutations]) => {
    let value: unknown = seed;
    for (const [index, kind, replacement, key] of mutations) {
      const all = paths(value);
      const path = all[index % all.length] ?? [];
      value = setAt(value, path, (old) => {
        if (kind === "delete" && old && typeof old === "object" && !Array.isArray(old)) {
          const keys = Object.keys(old);
          const drop = keys[index % Math.max(1, keys.length)];
          return Object.fromEntries(Object.entries(old).filter(([k]) => k !== drop));
        }
        if (kind === "add" && old && typeof old === "object" && !Array.isArray(old))
          return { ...old, [key]: replacement };
        if (kind === "nest") {
          let nested: unknown = old;
          for (let i = 0; i < 50; i++) nested = { a: [nested] };
          return nested;
        }
        return replacement;
      });
    }
    return stringify(value, { lineWidth: 0 });
  });

/** Text that is YAML-ish but may be anything: fragments of real configs spliced with noise. */
const yamlishText = fc
  .tuple(
    fc.constantFrom(...seeds.map((s) => stringify(s))),
    fc.nat(),
    fc.nat(),
    fc.string({ unit: "grapheme" }),
  )
  .map(([text, a, b, noise]) => {
    const i = a % (text.length + 1);
    const j = Math.min(text.length, i + (b % 40));
    return text.slice(0, i) + noise + text.slice(j);
  });

function checkNeverThrows(text: string): void {
  let result;
  try {
    result = validateDocument(parseConfigText("qhub-config.yaml", text));
  } catch (err) {
    throw new Error(`validate threw on:\n${text}\n${String(err)}`);
  }
  for (const p of result.problems) {
    const line = formatProblem(p);
    expect(line).not.toMatch(/\n|\s+at \S+ \(/);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.col).toBeGreaterThanOrEqual(1);
  }
  // Exit status is 0 exactly when there are no problems, and then clusters are known.
  expect(result.problems.length === 0).toBe(result.clusters !== undefined);
}

// Ten thousand validations take about 30 s on an idle machine (the rules also run on invalid
// configs now) and twice that beside the rest of the suite on two cores: these measure totality,
// not speed (test/scale.test.ts does that), so they get room.
const TOTALITY_TIMEOUT_MS = 180_000;

describe("validate is total", () => {
  test(
    `mutated valid configs (${RUNS} cases)`,
    () => {
      fc.assert(fc.property(mutatedConfig, checkNeverThrows), { numRuns: RUNS });
    },
    TOTALITY_TIMEOUT_MS,
  );

  test(
    `YAML-ish text with noise spliced in (${RUNS / 2} cases)`,
    () => {
      fc.assert(fc.property(yamlishText, checkNeverThrows), { numRuns: RUNS / 2 });
    },
    TOTALITY_TIMEOUT_MS,
  );

  test(`arbitrary unicode text (${RUNS / 2} cases)`, () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), checkNeverThrows), {
      numRuns: RUNS / 2,
    });
  });
});
