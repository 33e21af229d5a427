// `jupyterhub.overrides` checked against the JupyterHub chart's values schema, each refusal
// positioned at the override's own line. Pure: the caller passes the chart's validator, which it
// loads only when a file writes overrides (the schema is 221 kB, and ajv with it).
import type { ConfigDocument } from "./document.js";
import { hasPath, problemAt } from "./document.js";
import { isPlainObject } from "./merge.js";
import type { Problem } from "./problems.js";

/** A chart's values validator: problems as `/json/pointer: message` lines (chart-values.ts). */
export type ValuesCheck = (values: unknown) => string[];

/** Where the file writes `jupyterhub.overrides`: the top level and each cluster's overrides. */
export function writtenOverrides(raw: unknown): { path: PropertyKey[]; value: Record<string, unknown> }[] {
  if (!isPlainObject(raw)) return [];
  const out: { path: PropertyKey[]; value: Record<string, unknown> }[] = [];
  const at = (settings: unknown, base: PropertyKey[]) => {
    const hub = isPlainObject(settings) ? settings.jupyterhub : undefined;
    if (isPlainObject(hub) && isPlainObject(hub.overrides))
      out.push({ path: [...base, "jupyterhub", "overrides"], value: hub.overrides });
  };
  at(raw, []);
  const clusters = isPlainObject(raw.gitops) ? raw.gitops.clusters : undefined;
  if (isPlainObject(clusters))
    for (const name of Object.keys(clusters).sort()) at(clusters[name], ["gitops", "clusters", name]);
  return out;
}

/** A JSON pointer's segments (RFC 6901), list indices as numbers. */
function pointer(text: string): PropertyKey[] {
  if (text === "/" || text === "") return [];
  return text
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Every override the chart's values schema refuses, at its line (or its closest written parent). */
export function overrideProblems(cd: ConfigDocument, check: ValuesCheck, chart: string): Problem[] {
  const problems: Problem[] = [];
  for (const { path, value } of writtenOverrides(cd.value))
    for (const line of check(value)) {
      const m = /^(\/[^:]*|\/)?: (.*?)(?: \((.+)\))?$/.exec(line);
      const inner = m ? pointer(m[1] ?? "/") : [];
      const extra = m?.[3];
      const full = [...path, ...inner, ...(extra !== undefined ? [extra] : [])];
      let where = full;
      while (where.length > path.length && !hasPath(cd, where)) where = where.slice(0, -1);
      problems.push(
        problemAt(
          cd,
          where.length === full.length ? full : where,
          "key",
          `the values schema of ${chart} refuses it: ${m?.[2] ?? line}${extra !== undefined ? ` (${extra})` : ""}`,
          "overrides are chart values (z2jh's values.yaml); check the key's spelling and type against the chart's reference",
        ),
      );
    }
  return problems;
}
