// `jupyterhub.overrides`: the config's values for the JupyterHub chart, over QHub's.

/**
 * `jupyterhub.overrides` over QHub's values, as Helm merges values files: maps merge key by key,
 * lists and scalars replace (a `null` stays, and makes Helm drop the chart's default).
 */
export function mergeOverrides(values: unknown, overrides: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isMap(values) || !isMap(overrides)) return overrides === undefined ? values : overrides;
  const out: Record<string, unknown> = { ...values };
  for (const [key, value] of Object.entries(overrides))
    Object.defineProperty(out, key, {
      value: Object.hasOwn(values, key) ? mergeOverrides(values[key], value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
