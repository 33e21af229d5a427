// The config schema's own checks (zod refinements), by name: schema.ts refines with them, and the
// compiled parser (compile-parser.ts) calls them by these names, so both run the same code.
import { branchNameProblem } from "./names.js";

/** A map that names at least one key. */
export function namesSomeKey(map: Record<string, unknown>): boolean {
  return Object.keys(map).length > 0;
}

/** A branch name git accepts (names.ts). */
export function isBranchName(name: string): boolean {
  return branchNameProblem(name) === undefined;
}
