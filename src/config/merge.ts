/** A plain mapping (not a list, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `override` deep-merged over `base`: mappings merge key by key, anything else (lists included)
 * replaces, as Helm merges values files. A mapping whose `type` changes (a certificate, an
 * authentication) replaces the old one whole: the old variant's fields mean nothing to the new.
 * Neither input is modified.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  if ("type" in override && override.type !== base.type) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const merged = Object.hasOwn(base, key) ? deepMerge(base[key], value) : value;
    // An own property even for `__proto__` (which validation refuses), never the prototype.
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
