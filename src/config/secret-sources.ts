// Where a secret may not come from. The config is untrusted (anyone who can open a pull request
// can change it), and a render seals what the references name for the recipients the config
// lists: a reference to QHub's own token, or to a process or kernel file, would hand the token
// (or the environment) to whoever holds one of those keys. Pure: the render refuses the same
// names again when it reads them (src/secrets/render.ts), and refuses non-regular files there.
import { posix } from "node:path";
import type { Finding, RuleContext } from "./rules.js";

/**
 * Variables that hold the credentials QHub itself or CI runs with: `qhub pr`'s token
 * (GITHUB_TOKEN, and GH_TOKEN, the gh CLI's), GitHub Actions' runtime tokens, and SOPS's age
 * identity. None is ever a value for the cluster.
 */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "SOPS_AGE_KEY",
];

export const isCredentialVariable = (name: string): boolean =>
  CREDENTIAL_VARIABLES.includes(name.toUpperCase());

/** Absolute paths into the kernel's pseudo file systems (process memory, the environment, devices). */
export function isKernelPath(path: string): boolean {
  if (!path.startsWith("/")) return false;
  const p = posix.normalize(path);
  return ["/proc", "/sys", "/dev"].some((d) => p === d || p.startsWith(`${d}/`));
}

/** The secret references (`{ fromEnv }` or `{ fromFile }` alone) in `value`, in order, with their paths. */
function secretRefs(value: unknown): [PropertyKey[], Record<string, unknown>][] {
  const out: [PropertyKey[], Record<string, unknown>][] = [];
  // One path, extended and shortened on the way down and up, copied only for a reference: a
  // generator that copied it at every node took most of this rule's time on large configs, which
  // run it once per cluster.
  const path: PropertyKey[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) {
        path.push(i);
        walk(item);
        path.pop();
      }
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && (typeof record.fromEnv === "string" || typeof record.fromFile === "string")) {
      out.push([[...path], record]);
      return;
    }
    for (const k of keys) {
      path.push(k);
      walk(record[k]);
      path.pop();
    }
  };
  walk(value);
  return out;
}

/** No secret reference names a credential variable or a process/kernel file. */
export function secretSources({ config }: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const [path, ref] of secretRefs(config)) {
    if (typeof ref.fromEnv === "string" && isCredentialVariable(ref.fromEnv))
      out.push({
        path: [...path, "fromEnv"],
        prefer: "value",
        message: `${ref.fromEnv} holds a credential QHub or CI runs with; it is never a secret for the cluster`,
        hint: "put the value in a variable of its own (e.g. QHUB_<NAME>) and name that",
      });
    if (typeof ref.fromFile === "string" && isKernelPath(ref.fromFile))
      out.push({
        path: [...path, "fromFile"],
        prefer: "value",
        message: `${ref.fromFile} is a process or kernel file; QHub reads secrets only from regular files`,
        hint: "write the value into a file of its own and name that file",
      });
  }
  return out;
}
