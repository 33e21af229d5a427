// The canonical serializer writes strings that every YAML reader reads back as the same strings:
// YAML 1.2 (the yaml package, Kustomize's kyaml) and YAML 1.1 (PyYAML, older Go yaml, SOPS's MAC).
import fc from "fast-check";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { Namespace } from "kubernetes-models/v1";
import {
  canonical,
  toYaml,
  toYamlDocuments,
  writeCanonicalYaml,
  writePlainYaml,
  yamlByLibrary,
} from "../src/render/emit.js";
import { YAML_TRICKY_SCALARS as TRICKY } from "./fixtures.js";
import { platformConfigs, renderConfig } from "./rendered.js";

const roundTrips = (s: string) => {
  for (const version of ["1.1", "1.2"] as const) {
    const back = parse(toYaml({ a: { v: s }, b: { [s]: "value" }, c: [s] }), { version }) as {
      a: { v: unknown };
      b: Record<string, unknown>;
      c: unknown[];
    };
    expect(back.a.v, `value ${JSON.stringify(s)} in YAML ${version}`).toBe(s);
    expect(Object.keys(back.b), `key ${JSON.stringify(s)} in YAML ${version}`).toEqual([s]);
    expect(back.c, `item ${JSON.stringify(s)} in YAML ${version}`).toEqual([s]);
  }
};

describe("YAML 1.1 readers see strings", () => {
  test("each string a YAML 1.1 reader would take for a boolean, null, number or date is double-quoted", () => {
    expect(
      toYaml({ a: "no", b: "on", c: "1_000", d: "2001-12-14", e: "1:20", f: "0x1F", g: "~", h: ".inf" }),
    ).toBe('a: "no"\nb: "on"\nc: "1_000"\nd: "2001-12-14"\ne: "1:20"\nf: "0x1F"\ng: "~"\nh: ".inf"\n');
    expect(toYaml({ on: { push: {} }, y: "0o17" })).toBe('"on":\n  push: {}\n"y": "0o17"\n');
    expect(toYamlDocuments([{ a: "yes" }, { b: "OFF" }])).toBe('a: "yes"\n---\nb: "OFF"\n');
  });

  test("ordinary strings stay plain: versions, images, quantities, names", () => {
    expect(
      toYaml({ v: "4.4.0", i: "quay.io/jupyterhub/k8s-hub:4.4.0", m: "8Gi", user: "nobody", o: "online" }),
    ).toBe("i: quay.io/jupyterhub/k8s-hub:4.4.0\nm: 8Gi\no: online\nuser: nobody\nv: 4.4.0\n");
  });

  test.each(TRICKY)("%j round-trips as a string in YAML 1.1 and 1.2, as value, key and list item", (s) => {
    roundTrips(s);
  });

  test("property: every string round-trips as a string through a YAML 1.1 and a 1.2 parse", () => {
    const pieces = fc.constantFrom(..."0123456789_:.-+eExXbBoO ~yYnN<=tTZ".split(""), ...TRICKY);
    const arbitrary = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.array(pieces, { maxLength: 8 }).map((p) => p.join("")),
      fc.constantFrom(...TRICKY),
    );
    fc.assert(
      fc.property(arbitrary, (s) => {
        roundTrips(s);
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 3000) },
    );
  });

  test("numbers and booleans stay typed", () => {
    expect(parse(toYaml({ n: 1000, f: 1.5, b: false, z: null }), { version: "1.1" })).toEqual({
      n: 1000,
      f: 1.5,
      b: false,
      z: null,
    });
  });
});

// toYaml writes most documents itself (writePlainYaml) and leaves the rest to the yaml package
// (yamlByLibrary): the two must give the same bytes wherever the fast writer does not decline.
describe("the fast YAML writer writes what the yaml package writes", () => {
  test("on every document of every platform config's render, and declines few", () => {
    let documents = 0;
    let written = 0;
    for (const config of platformConfigs())
      for (const file of renderConfig(config)) {
        if (!/\.ya?ml$/.test(file.path)) continue;
        for (const doc of parseAllDocuments(file.content)) {
          const data = canonical(doc.toJS());
          const fast = writePlainYaml(data);
          documents++;
          if (fast === undefined) continue;
          written++;
          expect(fast, `${config.name}: ${file.path}`).toBe(yamlByLibrary(data));
        }
      }
    expect(documents).toBeGreaterThan(1000);
    // The point of the fast writer: it must not quietly hand most documents back.
    expect(written / documents).toBeGreaterThan(0.95);
  });

  // Strings built from the characters YAML's rules turn on, and the strings of the tests above.
  const piece = fc.constantFrom(
    ..." \n\t:#-?'\"%@`|>{}[],&*!~=<.0a1Z_/\\é\u0085\u2028eE5xob+".split(""),
    "e123456",
    "E10",
    "True",
    "nullable",
    "offline",
    "\n\n",
    "---",
    "...",
    "- ",
    ": ",
    " #",
    ...TRICKY,
  );
  const text = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(""));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      text,
      fc.constantFrom(null, true, false, 0, -0, 1.5, 1e21, -7, Number.NaN, Number.POSITIVE_INFINITY),
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(text, fc.constantFrom("a", "b.c/d", "on", "0", "x-y")), tie("node"), {
        maxKeys: 4,
      }),
    ),
  }));

  test("property: on generated trees, where it writes at all", () => {
    let written = 0;
    fc.assert(
      fc.property(tree.node, (value) => {
        const data = canonical(value);
        const fast = writePlainYaml(data);
        if (fast === undefined) return true;
        written++;
        return fast === yamlByLibrary(data);
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 3000) },
    );
    // Enough of them are written by the fast writer for the comparison to mean something.
    expect(written).toBeGreaterThan(500);
  });
});

// toYaml walks the object itself in canonical order (writeCanonicalYaml) instead of writing a
// canonical() copy: the bytes must be the copy's, for everything the render hands it.
describe("the canonical writer writes what the writers of canonical() write", () => {
  class Other {
    constructor(readonly a: unknown) {}
  }
  const own = (key: string, value: unknown) =>
    Object.defineProperty({}, key, { value, enumerable: true, writable: true, configurable: true });
  // Keys that are array indexes come first in an object, whatever order they were set in.
  const piece = fc.constantFrom(
    ..."a b kind metadata apiVersion spec on 0 1 9 10 01 -1 1.5 4294967294 4294967295 x_y".split(" "),
    "",
    "é",
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom(null, undefined, true, 0, -0, 1.5, Number.NaN, "text", "line\nnext\n", "yes"),
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(piece, tie("node"), { maxKeys: 4 }),
      // What canonical() reads differently from a plain map: a model, a toJSON(), another class,
      // a map without a prototype, and an own __proto__ key.
      tie("node").map((v) => new Namespace({ metadata: { name: "n" }, spec: v } as never)),
      tie("node").map((v) => ({ toJSON: () => ({ replaced: v }) })),
      tie("node").map((v) => new Other(v)),
      tie("node").map((v) => Object.assign(Object.create(null) as object, { z: v, a: 1 })),
      tie("node").map((v) => own("__proto__", v)),
    ),
  }));

  test("property: the same bytes as the copy's, or a decline", () => {
    let answered = 0;
    fc.assert(
      fc.property(tree.node, (value) => {
        const copy = canonical(value);
        const expected = writePlainYaml(copy) ?? yamlByLibrary(copy);
        expect(toYaml(value)).toBe(expected);
        const direct = writeCanonicalYaml(value);
        if (direct === undefined) return;
        answered++;
        expect(direct).toBe(writePlainYaml(copy));
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 3000) },
    );
    expect(answered).toBeGreaterThan(500);
  });
});
