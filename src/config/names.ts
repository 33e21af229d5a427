// Names QHub derives from names in the config: environment variables, Secret keys, slugs. Each
// mapping loses information, so two written names can map to one derived name; the validation
// rules (rules.ts) use these same functions to refuse such pairs. Pure.
import { createRequire } from "node:module";
import type * as Crypto from "node:crypto";

/** The environment variable a `password` user's password is read from: QHUB_PASSWORD_<USER>. */
export function passwordEnvName(user: string): string {
  return `QHUB_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** A user's key in the Secret `qhub-passwords` (Secret keys allow `-`, `.`, `_` and alphanumerics). */
export function passwordKey(user: string): string {
  return user.replace(/[^-._a-zA-Z0-9]/g, "_");
}

// Key names under which configs (QHub 0.x's, Nebari's, their extension blocks, chart values) hold
// credentials; names and IDs of secrets (`certificate.secret_name`) are not secrets themselves.
const SECRET_KEY = /(secret|password|passwd|token|credential|api_?key|private_?key|access_key)/i;
const NOT_SECRET = /_(name|names|id|ref|file|path)$/i;

/** True when a key of this name holds a credential. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.test(key);
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
  // node:crypto on demand: loading it costs ~2 ms, and `qhub validate` needs it for nothing else.
  const { createHash } = createRequire(import.meta.url)("node:crypto") as typeof Crypto;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return base === "" ? `profile-${hash}` : `${trim(base, MAX_SLUG - 9)}-${hash}`;
}

function trim(slug: string, max: number): string {
  return slug.slice(0, max).replace(/-+$/, "");
}

/**
 * Why `name` cannot be a branch QHub pushes to or proposes into, or undefined when it can. The
 * rules are git's (`git check-ref-format --branch`, https://git-scm.com/docs/git-check-ref-format),
 * plus what is legal there but means something else to git: `HEAD`, a full ref (`refs/heads/x`
 * would become refs/heads/refs/heads/x), a leading `+` (a forced push in a refspec) or `-` (an
 * option).
 */
export function branchNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "HEAD" || name === "@") return `is git's name for the current commit, not a branch`;
  if (name.startsWith("refs/")) return "is a full ref; give the branch's short name (e.g. `main`)";
  if (name.startsWith("+")) return "starts with `+`, which makes a forced push";
  if (name.startsWith("-")) return "starts with `-`";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name))
    return "holds a space, a control character or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return "holds `..`";
  if (name.includes("@{")) return "holds `@{`";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//"))
    return "starts or ends with `/`, or holds `//`";
  if (name.endsWith(".")) return "ends with `.`";
  if (name.split("/").some((c) => c.startsWith(".") || c.endsWith(".lock")))
    return "has a part that starts with `.` or ends with `.lock`";
  return undefined;
}

/** Why a GitHub server or API base URL is unusable, or undefined when it is http(s). */
export function serverUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "is not an http(s) URL";
  if (parsed.username !== "" || parsed.password !== "") return "holds credentials";
  if (parsed.search !== "" || parsed.hash !== "") return "holds a query or fragment";
  return undefined;
}

/** The folder of a cluster's overlays, or of one of its layers: cluster-overlays/<cluster>[/<layer>]. */
export function clusterOverlayPath(cluster: string, layer?: string): string {
  return layer === undefined ? `cluster-overlays/${cluster}` : `cluster-overlays/${cluster}/${layer}`;
}

/** Where a cluster's Flux entry point lives (its bootstrap path): clusters/<cluster>. */
export function clusterEntryPath(cluster: string): string {
  return `clusters/${cluster}`;
}

/** The label every object QHub generates carries. */
/** The group whose members are JupyterHub admins (and Grafana admins with monitoring). */
export const ADMIN_GROUP = "admin";

export const PART_OF_QHUB = { "app.kubernetes.io/part-of": "qhub" } as const;

/**
 * An object renamed on purpose by every change it follows (the smoke test's Job): its removal from
 * the tree is a replacement, and `qhub diff` and the pull request do not warn about it.
 */
export const REPLACED_EACH_CHANGE = { "qhub.dev/replaced-each-change": "true" } as const;
