// Turning zod's issues into positioned, actionable problems. Values are never echoed for secret
// references, and only briefly for anything else.
import { closest, distance } from "fastest-levenshtein";
import { isMap, isScalar, isSeq } from "yaml";
import type { Node } from "yaml";
import { globalRegistry } from "zod/mini";
import type * as z from "zod/mini";
import type { ConfigDocument } from "./document.js";
import { locate, nodeAt } from "./document.js";
import { passwordEnvName } from "./names.js";
import type { Problem } from "./problems.js";
import { pathToString } from "./problems.js";
import { CURRENT_SCHEMA_VERSION, SECRET_REF_ERROR } from "./schema.js";

/** Keys of QHub 0.3/0.4 configs that this QHub replaces; `qhub upgrade` removes them. */
export const RETIRED_KEYS: Record<string, string> = {
  terraform_state: "Flux applies the rendered repository; there is no Terraform state",
  ci_cd: "the rendered repository's GitHub workflow and `qhub pr` replace it",
  cdsdashboards: "dashboards are not part of this QHub",
  prefect: "Prefect is not part of this QHub",
  clearml: "ClearML is not part of this QHub",
  kbatch: "kbatch is not part of this QHub",
  tf_extensions: "add your own manifests to the rendered repository instead",
  terraform_overrides: "add Kustomize patches to the rendered repository instead",
  helm_extensions: "add your own HelmRelease to the rendered repository instead",
  argo_workflows: "Argo Workflows is not part of this QHub",
  conda_store: "conda-store settings come from `environments` and `storage`",
  keycloak: "users and groups are in `security.users` and `security.groups`",
  prevent_deploy: "deployment is a reviewed pull request now",
  external_container_reg: "use image pull secrets in the rendered repository instead",
  terraform_modules: "add Kustomize patches to the rendered repository instead",
  smtp: "this QHub sends no e-mail",
  extensions: "add your own manifests to the rendered repository instead",
  ingress:
    "Traefik's settings are in the rendered repository; change them with a Kustomize patch of its HelmRelease",
};

/** Keys only Nebari's configs had that this QHub replaces; `qhub upgrade` removes them. */
export const NEBARI_KEYS: Record<string, string> = {
  jhub_apps:
    "JHub Apps (apps launched from the hub's home page) is not part of this QHub; profiles and their profile_options choose what a server runs",
  telemetry: "JupyterLab Pioneer telemetry is not part of this QHub",
  dns: "QHub creates no DNS records: point the domain at the ingress's load balancer, as the rendered README says",
  rook_ceph: "there is no Ceph: shared storage is an NFS server or the cloud's file service (`storage.type`)",
  jupyterlab:
    "idle culling is `jupyterhub.culling`; JupyterLab's settings, repositories and galleries go into your image or `jupyterhub.overrides`",
};

// Just enough of zod's internal definition to walk a schema.
interface Def {
  type: string;
  innerType?: ZodLike;
  in?: ZodLike;
  shape?: Record<string, ZodLike>;
  valueType?: ZodLike;
  element?: ZodLike;
  options?: ZodLike[];
  discriminator?: string;
  getter?: () => ZodLike;
  values?: unknown[];
}
interface ZodLike {
  _zod: { def: Def };
}

/** A schema's description, which schema.ts keeps in zod's global registry (as `.describe()` did). */
function descriptionOf(s: ZodLike): string | undefined {
  return globalRegistry.get(s as z.core.$ZodType)?.description;
}

function unwrap(s: ZodLike): ZodLike {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = cur._zod.def;
    if (d.innerType) cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else if (d.type === "lazy" && d.getter) cur = d.getter();
    else break;
  }
  return cur;
}

function pickOption(s: ZodLike, input: unknown): ZodLike[] {
  const d = s._zod.def;
  const options = (d.options ?? []).map(unwrap);
  if (d.discriminator && input && typeof input === "object") {
    const want = (input as Record<string, unknown>)[d.discriminator];
    const match = options.filter((o) => {
      const lit = o._zod.def.shape?.[d.discriminator ?? ""];
      return lit ? (unwrap(lit)._zod.def.values ?? []).includes(want) : false;
    });
    if (match.length > 0) return match;
  }
  return options;
}

/** The schemas that may apply at `path`, given the document's data. */
export function schemasAt(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown): ZodLike[] {
  let current: ZodLike[] = [unwrap(root)];
  let value = data;
  for (const seg of path) {
    const next: ZodLike[] = [];
    for (const s of current.flatMap((c) => (c._zod.def.type === "union" ? pickOption(c, value) : [c]))) {
      const d = s._zod.def;
      const child =
        d.type === "object"
          ? d.shape?.[String(seg)]
          : d.type === "record"
            ? d.valueType
            : d.type === "array"
              ? d.element
              : undefined;
      if (child) next.push(unwrap(child));
    }
    current = next;
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return current.flatMap((c) => (c._zod.def.type === "union" ? pickOption(c, value) : [c]));
}

function keysAt(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path, data)) {
    for (const k of Object.keys(s._zod.def.shape ?? {})) keys.add(k);
  }
  return [...keys].sort();
}

function describeAt(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown): string {
  // Descriptions live on the wrapper (optional/default) as often as on the inner schema.
  let s: ZodLike | undefined = unwrap(root);
  let value = data;
  let description = "";
  for (const seg of path) {
    const options: ZodLike[] = s._zod.def.type === "union" ? pickOption(s, value) : [s];
    let found: ZodLike | undefined;
    for (const o of options) {
      const d = o._zod.def;
      found = d.type === "object" ? d.shape?.[String(seg)] : d.type === "record" ? d.valueType : d.element;
      if (found) break;
    }
    if (!found) return "";
    description = descriptionOf(found) ?? descriptionOf(unwrap(found)) ?? "";
    s = unwrap(found);
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return description;
}

function getIn(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const seg of path) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function kindOf(node: Node | null | undefined, value: unknown): string {
  if (node && isMap(node)) return "a mapping";
  if (node && isSeq(node)) return "a list";
  if (value === null || value === undefined) return "nothing (an empty value)";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  if (typeof value === "string") return "a string";
  return "a value of another type";
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "`true` or `false`",
  object: "a mapping of keys",
  array: "a list",
  record: "a mapping",
};

/** "did you mean" among candidates, or undefined when none is close. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = word.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  const best = closest(word, candidates);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
}

function brief(value: unknown): string {
  const s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}

export { passwordEnvName } from "./names.js";

/** An environment variable name suggested for a secret found at `path`. */
export function envNameFor(path: readonly PropertyKey[], data: unknown): string {
  const p = path.map(String);
  if (p.at(-1) === "client_secret") {
    const type = getIn(data, [...path.slice(0, -2), "type"]);
    return `${typeof type === "string" ? type.toUpperCase() : "OAUTH"}_CLIENT_SECRET`;
  }
  if (p.at(-1) === "password" && p.at(-3) === "users") {
    return passwordEnvName(p.at(-2) ?? "USER");
  }
  return p
    .slice(-2)
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "_");
}

function secretProblem(cd: ConfigDocument, path: readonly PropertyKey[], data: unknown): Problem {
  const node = nodeAt(cd, path);
  const key = String(path.at(-1));
  const env = envNameFor(path, data);
  const where = { file: cd.file, ...locate(cd, path, "value"), path: pathToString(path) };
  if (node && isMap(node)) {
    return {
      ...where,
      message: "a secret reference must be exactly `{ fromEnv: NAME }` or `{ fromFile: PATH }`",
      hint: `write \`${key}: { fromEnv: ${env} }\`; NAME is letters, digits and \`_\`, not starting with a digit`,
    };
  }
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
    return {
      ...where,
      message: "a secret reference is empty",
      hint: `write \`${key}: { fromEnv: ${env} }\` and set ${env} when you render`,
    };
  }
  return {
    ...where,
    message: "a secret value is written in the config; secrets are never stored in qhub-config.yaml",
    hint: `replace it with \`${key}: { fromEnv: ${env} }\`, export ${env} with the value when you run qhub, and remove the value from the file and its history`,
  };
}

/** Splits a message written as "message\nhint" in the schema. */
function messageAndHint(message: string, fallbackHint: string): [string, string] {
  const i = message.indexOf("\n");
  return i === -1 ? [message, fallbackHint] : [message.slice(0, i), message.slice(i + 1)];
}

/** A schema description as context after a hint's action: ` (Most CPU each worker may use)`. */
function context(description: string): string {
  return description ? ` (${description.replace(/\.$/, "")})` : "";
}

// Messages and hints for zod's string formats, in QHub's words rather than the library's.
const FORMATS: Record<string, [string, string]> = {
  email: ["is not an e-mail address", "write an address such as ops@example.com"],
  url: ["is not a URL", "write an absolute URL such as https://example.com/logo.png"],
  regex: ["does not have the form this key takes", "run `qhub schema` to see the form"],
};

/** "a string or a mapping of keys": what the options of a union accept. */
function unionExpects(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== "invalid_union") return undefined;
  const kinds = issue.errors.flatMap((option) => {
    const first = option[0];
    return option.length === 1 && first?.code === "invalid_type" && first.path.length === 0
      ? [EXPECTED[first.expected] ?? first.expected]
      : [];
  });
  return kinds.length === issue.errors.length ? [...new Set(kinds)].join(" or ") : undefined;
}

/**
 * Problems for zod's issues. `relocate` maps an issue's path to the path written in the
 * document (used for clusters, whose merged settings come from two places).
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  cd: ConfigDocument,
  root: z.core.$ZodType,
  data: unknown,
  relocate: (path: PropertyKey[]) => PropertyKey[] = (p) => p,
): Problem[] {
  const out: Problem[] = [];
  // A key written with a typo is also missing under its right name: the typo's "did you mean"
  // says it all, so the missing key is not reported as well (`domian` is not also "no domain").
  const typoFor = new Set<string>();
  for (const issue of issues)
    if (issue.code === "unrecognized_keys")
      for (const key of issue.keys) {
        const close = suggest(key, keysAt(root, issue.path, data));
        if (close !== undefined) typoFor.add(pathToString([...issue.path, close]));
      }
  for (const issue of issues) {
    const logical = issue.path;
    const path = relocate(logical);
    // `p` names the key; `pos` is where it is, or for a missing key where it belongs.
    const at = (
      prefer: "key" | "value",
      message: string,
      hint: string,
      p: PropertyKey[] = path,
      pos: PropertyKey[] = p,
    ): Problem => ({ file: cd.file, ...locate(cd, pos, prefer), path: pathToString(p), message, hint });
    const value = getIn(data, logical);
    const description = describeAt(root, logical, data);
    // A required key that is not written at all (rather than written with a wrong value).
    const isMissing =
      value === undefined && !(logical.length > 0 && cd.value !== undefined && hasKey(data, logical));
    const missing = (hint?: string) => {
      if (typoFor.has(pathToString(logical))) return;
      const key = String(logical.at(-1));
      out.push(
        at(
          "key",
          `missing required key "${key}"`,
          hint ?? `add \`${key}:\`${context(description)}`,
          path,
          path.slice(0, -1),
        ),
      );
    };

    if (issue.message === SECRET_REF_ERROR) {
      out.push(secretProblem(cd, path, data));
      continue;
    }
    switch (issue.code) {
      case "unrecognized_keys": {
        const valid = keysAt(root, logical, data);
        for (const key of issue.keys) {
          const close = suggest(key, valid);
          const retired = logical.length === 0 ? RETIRED_KEYS[key] : undefined;
          const nebari = logical.length === 0 ? NEBARI_KEYS[key] : undefined;
          const hint = retired
            ? `this QHub 0.3/0.4 key has no place here: ${retired}; run \`qhub upgrade\` to migrate the file`
            : nebari
              ? `this Nebari key has no place here: ${nebari}; run \`qhub upgrade\` to migrate the file`
              : close
                ? `did you mean "${close}"?`
                : valid.length > 0 && valid.length <= 16
                  ? `valid keys here: ${valid.join(", ")}`
                  : "run `qhub schema` for the valid keys";
          // Relocated with the key: an override's typo is at the override, not at the top.
          out.push(at("key", `unknown key "${key}"`, hint, relocate([...logical, key])));
        }
        break;
      }
      case "invalid_type": {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        if (isMissing) missing();
        else
          out.push(
            at(
              "value",
              `expected ${expected}, found ${kindOf(nodeAt(cd, path), value)}`,
              `write ${expected}${issue.expected === "string" && value !== null ? ", in quotes if it looks like a number, a date or a boolean" : ""}${context(description)}`,
            ),
          );
        break;
      }
      case "invalid_value": {
        if (logical.length === 1 && logical[0] === "qhub_version") {
          out.push(
            at(
              "value",
              `this file is for QHub ${brief(value)}; this QHub reads schema version ${CURRENT_SCHEMA_VERSION}`,
              "run `qhub upgrade` to migrate it in place (comments are kept)",
            ),
          );
          break;
        }
        if (isMissing) {
          missing(
            `add \`${String(logical.at(-1))}:\` with one of: ${listOf(issue.values)}${context(description)}`,
          );
          break;
        }
        const close = typeof value === "string" ? suggest(value, issue.values.map(String)) : undefined;
        out.push(
          at(
            "value",
            `${brief(value)} is not one of: ${listOf(issue.values)}`,
            close ? `did you mean "${close}"?` : `write one of the listed values${context(description)}`,
          ),
        );
        break;
      }
      case "invalid_union": {
        if ("discriminator" in issue && issue.discriminator) {
          const options = ("options" in issue ? (issue.options as unknown[]) : []).map(String);
          if (value === undefined && typoFor.has(pathToString(logical))) {
            // reported as the typo
          } else if (value === undefined) {
            out.push(
              at(
                "key",
                `missing required key "${issue.discriminator}"`,
                `set it to one of: ${options.join(", ")}`,
                path,
                path.slice(0, -1),
              ),
            );
          } else {
            const close = typeof value === "string" ? suggest(value, options) : undefined;
            out.push(
              at(
                "value",
                `${brief(value)} is not one of: ${options.join(", ")}`,
                close ? `did you mean "${close}"?` : "pick one of the listed values",
              ),
            );
          }
        } else {
          // The option the value's type fits says best what is wrong with it.
          const fitting = issue.errors.filter(
            (o) => !(o.length === 1 && o[0]?.code === "invalid_type" && o[0].path.length === 0),
          );
          const inner = fitting.length === 1 ? fitting[0] : undefined;
          if (inner && inner.length > 0) {
            out.push(
              ...problemsFromIssues(
                inner.map((i) => ({ ...i, path: [...logical, ...i.path] })),
                cd,
                root,
                data,
                relocate,
              ),
            );
            break;
          }
          const expects = unionExpects(issue);
          if (isMissing) missing();
          else
            out.push(
              at(
                "value",
                expects
                  ? `expected ${expects}, found ${kindOf(nodeAt(cd, path), value)}`
                  : "is not a valid value here",
                `write ${expects ?? "a value of the form described by `qhub schema`"}${context(description)}`,
              ),
            );
        }
        break;
      }
      case "invalid_format": {
        const [generic, genericHint] = FORMATS[issue.format] ?? [
          "is not in the form this key takes",
          "run `qhub schema` to see the form",
        ];
        const [message, hint] = messageAndHint(
          issue.message.startsWith("Invalid")
            ? `${generic}\n${genericHint}${context(description)}`
            : issue.message,
          `${genericHint}${context(description)}`,
        );
        out.push(at("value", message, hint));
        break;
      }
      case "invalid_key": {
        const inner = issue.issues[0];
        const [message, hint] = messageAndHint(
          inner && !inner.message.startsWith("Invalid") ? inner.message : "is not a valid name here",
          `rename it${context(description)}`,
        );
        out.push(at("key", `${brief(logical.at(-1))} ${message}`, hint));
        break;
      }
      case "too_small":
      case "too_big": {
        const small = issue.code === "too_small";
        const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
        const n = Number(bound);
        const message =
          issue.origin === "string"
            ? n === 1 && small
              ? "must not be empty"
              : `must be ${small ? "at least" : "at most"} ${n} characters long`
            : issue.origin === "array"
              ? `must have ${small ? "at least" : "at most"} ${n} item${n === 1 ? "" : "s"}`
              : `must be ${small ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than"} ${n}`;
        const hint =
          issue.origin === "string"
            ? n === 1 && small
              ? `write a value${context(description)}`
              : `write ${small ? "at least" : "at most"} ${n} characters${context(description)}`
            : issue.origin === "array"
              ? `list ${small ? "at least" : "at most"} ${n} item${n === 1 ? "" : "s"}${context(description)}`
              : `write a number that is ${message.replace(/^must be /, "")}${context(description)}`;
        out.push(at("value", message, hint));
        break;
      }
      default: {
        const [message, hint] = messageAndHint(
          issue.message,
          `see \`qhub schema\` for what this key takes${context(description)}`,
        );
        out.push(at("value", message, hint));
      }
    }
  }
  return out;
}

function hasKey(data: unknown, path: readonly PropertyKey[]): boolean {
  const parent = getIn(data, path.slice(0, -1));
  return !!parent && typeof parent === "object" && Object.hasOwn(parent, path.at(-1) as PropertyKey);
}
