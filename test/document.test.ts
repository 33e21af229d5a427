// A config is read by js-yaml when it reads it exactly as the yaml package would (quickValue in
// src/config/document.ts), by the yaml package otherwise. These tests hold the two to the same
// value: on every YAML file of the repository, on thousands of variants of them, on generated
// documents, and on texts built to hit each place where the two differ.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { load } from "js-yaml";
import { parseDocument, stringify } from "yaml";
import { describe, expect, test } from "vitest";
import { locate, parseConfigText, quickValue } from "../src/config/document.js";
import { YAML_TRICKY_SCALARS } from "./fixtures.js";
import { ROOT as root } from "./helpers.js";

/** What the yaml package reads: the value, or "problem" for an error, a warning or a duplicate key. */
function yamlReading(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return "problem";
  return doc.toJS({ maxAliasCount: 100 });
}

/** quickValue either declines or reads what the yaml package reads, and only a clean mapping. */
function agrees(text: string): "declined" | "same" {
  const quick = quickValue(text);
  if (quick === undefined) return "declined";
  expect(yamlReading(text), text).toEqual(quick);
  return "same";
}

function yamlFiles(dir: string): string[] {
  const skip = new Set(["node_modules", "dist", ".git", ".bench", "example-output", "coverage"]);
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}

describe("quickValue", () => {
  const files = yamlFiles(root);

  test("reads the bundled example (the fast path is taken)", () => {
    const text = readFileSync(join(root, "examples/qhub-config.yaml"), "utf8");
    expect(quickValue(text)).toBeDefined();
    expect(agrees(text)).toBe("same");
  });

  test("agrees with the yaml package on every YAML file of the repository", () => {
    expect(files.length).toBeGreaterThan(100);
    const verdicts = files.map((f) => agrees(readFileSync(f, "utf8")));
    // Most are read by js-yaml; a few (anchors, tags, several documents) are declined.
    expect(verdicts.filter((v) => v === "same").length).toBeGreaterThan(files.length / 2);
  });

  test("agrees on variants of the configs: each line dropped, indented or dedented", () => {
    const configs = files.filter((f) => /qhub-config|[\\/]fixtures[\\/]/.test(f));
    expect(configs.length).toBeGreaterThan(5);
    let same = 0;
    let declined = 0;
    for (const f of configs) {
      const lines = readFileSync(f, "utf8").split("\n");
      if (lines.length > 250) continue;
      for (let i = 0; i < lines.length; i++)
        for (const variant of [
          lines.filter((_, k) => k !== i),
          lines.map((l, k) => (k === i ? ` ${l}` : l)),
          lines.map((l, k) => (k === i ? l.replace(/^ /, "") : l)),
        ])
          if (agrees(variant.join("\n")) === "same") same++;
          else declined++;
    }
    // Both outcomes are exercised: variants that stay valid, and broken ones js-yaml declines.
    expect(same).toBeGreaterThan(500);
    expect(declined).toBeGreaterThan(500);
  });

  test("agrees on generated documents, block and flow", () => {
    const tricky = fc.constantFrom(
      ...YAML_TRICKY_SCALARS,
      ...["a: b", "a #b", "#a", "- a", "? a", "'a'", '"a"', "a\nb", "a\n\nb", " a", "a ", "@a", "`a"],
      ...["%a", "|", ">", "[a]", "{a}", "a, b", "\t", "é", "\u0085", "\u2028", "\ufeffa"],
    );
    const key = fc.oneof(fc.string(), tricky, fc.constantFrom("__proto__", "constructor", "1", "1.0"));
    const leaf = fc.oneof(fc.string(), tricky, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("tree"), { maxLength: 4 }),
        fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), fc.boolean(), (value, flow) => {
        const text = stringify(value, flow ? { collectionStyle: "flow" } : {});
        agrees(text);
      }),
      { numRuns: 500 },
    );
  });

  // Each case is a difference between the two readers that quickValue must decline: js-yaml alone
  // would read it otherwise (the second check shows it does, so a missing guard fails here).
  test.each([
    ["a null key, read as '' by the yaml package and 'null' by js-yaml", "~: a\nb: 1\n"],
    ["an unquoted null key", "null: a\n"],
    ["an empty key", ": a\nb: 1\n"],
    ["a tag the core schema does not resolve (the yaml package warns)", "a: !!float 1\n"],
    ["an anchor ending in a colon (the yaml package warns)", "a: &x: 1\n"],
    ["an implicit key over 1024 characters (the yaml package refuses it)", `${"k".repeat(1100)}: 1\n`],
  ])("declines %s", (_what, text) => {
    expect(quickValue(text)).toBeUndefined();
    let raw: unknown;
    try {
      raw = load(text);
    } catch {
      raw = "rejected";
    }
    expect(raw).not.toEqual(yamlReading(text));
  });

  test.each([
    ["a duplicate key", "a: 1\na: 2\n"],
    ["an alias", "a: &x 1\nb: *x\n"],
    ["an empty file", ""],
    ["a comment only", "# nothing\n"],
    ["a list", "- a\n"],
    ["a scalar", "a\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a tab as indentation", "a:\n\tb: 1\n"],
    ["nesting deeper than js-yaml's limit", `a: ${"[".repeat(150)}1${"]".repeat(150)}\n`],
  ])("leaves %s to the yaml package", (_what, text) => {
    expect(quickValue(text)).toBeUndefined();
  });
});

describe("parseConfigText", () => {
  test("positions come from the yaml package, parsed when first asked for", () => {
    const text = "project_name: demo\nsecurity:\n  users:\n    alice: { uid: 1001 }\n";
    const cd = parseConfigText("c.yaml", text);
    expect(cd.value).toEqual({ project_name: "demo", security: { users: { alice: { uid: 1001 } } } });
    expect(cd.problems).toEqual([]);
    expect(locate(cd, ["security", "users", "alice", "uid"], "value")).toEqual({ line: 4, col: 19 });
    expect(locate(cd, ["security", "users"], "key")).toEqual({ line: 3, col: 3 });
    expect(cd.doc.toJS()).toEqual(cd.value);
  });

  test("a text js-yaml declines still gets the yaml package's positioned problems", () => {
    const cd = parseConfigText("c.yaml", "a: 1\nb: 2\na: 3\n");
    expect(cd.value).toBeUndefined();
    expect(cd.problems).toEqual([
      expect.objectContaining({ line: 3, col: 1, message: 'YAML error: duplicate key "a"' }),
    ]);
  });
});
