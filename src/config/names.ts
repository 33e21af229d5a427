// Names QHub derives from names in the config: environment variables, Secret keys, slugs. Each
// mapping loses information, so two written names can map to one derived name; the validation
// rules (rules.ts) use these same functions to refuse such pairs. Pure.
import { createHash } from "node:crypto";

/** The environment variable a `password` user's password is read from: QHUB_PASSWORD_<USER>. */
export function passwordEnvName(user: string): string {
  return `QHUB_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** A user's key in the Secret `qhub-passwords` (Secret keys allow `-`, `.`, `_` and alphanumerics). */
export function passwordKey(user: string): string {
  return user.replace(/[^-._a-zA-Z0-9]/g, "_");
}

const MAX_SLUG = 63;

/**
 * A lowercase DNS-label form of a name, stable for the same input. Accents are folded
 * ("Café" -> "cafe"); a name with letters that have no ASCII form ("数据科学", "GPU Ω") gets a
 * short hash of the whole name appended, so that such names do not all become one slug.
 */
export function slugify(name: string): string {
  const folded = name.normalize("NFKD").replace(/\p{M}/gu, "");
  const base = folded
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  // Anything but ASCII punctuation and spaces that the slug dropped: keep it apart by a hash.
  const lossy = /[^\x20-\x7e]/.test(folded);
  if (!lossy) return base === "" ? "profile" : trim(base, MAX_SLUG);
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return base === "" ? `profile-${hash}` : `${trim(base, MAX_SLUG - 9)}-${hash}`;
}

function trim(slug: string, max: number): string {
  return slug.slice(0, max).replace(/-+$/, "");
}
