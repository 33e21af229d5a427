// A valid config parsed without zod: the parsers compile-parser.ts compiles from schema.ts. The
// build puts the compiled parsers in place of this module (scripts/build.mjs, compiledParsers), so
// that a valid config never builds a zod schema; from source, they are compiled on first use.
import type { CompiledParser } from "./compile-parser.js";
import { compileParsers } from "./compile-parser.js";
import * as refinements from "./refinements.js";
import { schemas } from "./schema.js";

interface Parsers {
  /** A config with one cluster, or a cluster's settings: schema.ts's QhubConfig. */
  config: CompiledParser;
  /** The top level of a config with clusters: QhubConfigWithClusters. */
  withClusters: CompiledParser;
}

let parsers: Parsers | undefined;

/** The roots compile-parser.ts compiles, by the names fastParse uses. */
export function parserRoots() {
  const s = schemas();
  return { config: s.QhubConfig, withClusters: s.QhubConfigWithClusters };
}

/** The parsers' source: a function expression of the refinements (scripts/build.mjs inlines it). */
export function compiledSource(): string {
  return compileParsers(parserRoots(), refinements);
}

/**
 * The config parsed as zod's safeParse would parse it, when it is valid; undefined when it may not
 * be (then parse it with zod, which says why).
 */
export function fastParse(raw: unknown, withClusters: boolean): { value: unknown } | undefined {
  if (!parsers) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compile-parser.ts's source, made from our own schema
    const factory = new Function(`return ${compiledSource()}`) as () => (r: object) => Parsers;
    parsers = factory()(refinements);
  }
  return (withClusters ? parsers.withClusters : parsers.config)(raw);
}
