// The canonical serializer writes strings that every YAML reader reads back as the same strings:
// YAML 1.2 (the yaml package, Kustomize's kyaml) and YAML 1.1 (PyYAML, older Go yaml, SOPS's MAC).
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { toYaml, toYamlDocuments } from "../src/render/emit.js";

const TRICKY = [
  "no",
  "yes",
  "off",
  "on",
  "y",
  "n",
  "Y",
  "N",
  "NO",
  "On",
  "true",
  "False",
  "1_000",
  "0o17",
  "017",
  "0b101",
  "0x1F",
  "-0x1F",
  "+12",
  "09",
  "1:20",
  "01:20",
  "-1:20:30",
  "190:20:30.15",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5",
  "2002-12-14T00:00:00Z",
  ".inf",
  "-.Inf",
  ".NaN",
  "~",
  "null",
  "NULL",
  "",
  "1e5",
  "6.8523015e+5",
  "1.",
  ".5",
  "<<",
  "=",
];

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
      { numRuns: 3000 },
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
