// validate: a parsed YAML document in, every problem at once out, plus the per-cluster configs
// when there are none. Pure: no file system, no environment.
import type * as z from "zod/mini";
import type { ConfigDocument, Position } from "./document.js";
import { hasPath, locate, problemAt } from "./document.js";
import { problemsFromIssues } from "./issues.js";
import { deepMerge, isPlainObject } from "./merge.js";
import type { Problem } from "./problems.js";
import { pathToString, sortProblems } from "./problems.js";
import { overrideProblems } from "./overrides.js";
import type { ValuesCheck } from "./overrides.js";
import { runRules } from "./rules.js";
import type { Finding } from "./rules.js";
import { fastParse } from "./fast-parse.js";
import { SECRET_REF_ERROR, schemas } from "./schema.js";
import type { CondaEnvironment, ParsedConfig, Provider } from "./schema.js";

export interface ClusterConfig {
  /** The cluster's name: a key of `gitops.clusters`, or derived from `project_name`. */
  name: string;
  /** The top-level settings with the cluster's overrides merged in, schema defaults applied. */
  config: ParsedConfig;
}

export interface ValidationResult {
  problems: Problem[];
  /** Findings that leave the config valid (rules' warnings). */
  warnings: Problem[];
  /** Present when there are no problems. */
  clusters?: ClusterConfig[];
}

type Parsed = z.core.util.SafeParseResult<unknown>;

/**
 * zod's safeParse of the config (or, with clusters, its top level, where `provider` and `domain`
 * may be left to the clusters). A valid config is parsed by the compiled parser (fast-parse.ts),
 * which gives zod's value; zod parses what it is unsure of, and says what is wrong.
 */
function parseConfig(raw: unknown, withClusters = false): Parsed {
  const fast = fastParse(raw, withClusters);
  if (fast) return { success: true, data: fast.value };
  const s = schemas();
  return (withClusters ? s.QhubConfigWithClusters : s.QhubConfig).safeParse(raw);
}

/** The cluster name used when `gitops.clusters` is absent. */
export function defaultClusterName(projectName: string): string {
  return projectName.toLowerCase().replace(/_/g, "-");
}

interface ClusterInput {
  name: string;
  /** Where the cluster's overrides are in the document, or undefined for the implicit cluster. */
  overridePath?: PropertyKey[];
  raw: unknown;
}

function clusterInputs(raw: Record<string, unknown>): ClusterInput[] {
  const gitops = raw.gitops;
  const clusters = isPlainObject(gitops) && isPlainObject(gitops.clusters) ? gitops.clusters : {};
  const names = Object.keys(clusters).sort();
  if (names.length === 0) {
    const name = typeof raw.project_name === "string" ? defaultClusterName(raw.project_name) : "default";
    return [{ name, raw }];
  }
  // The clusters map itself is not part of any cluster's settings.
  const shared = { ...raw, gitops: { ...(gitops as Record<string, unknown>), clusters: undefined } };
  return names.map((name) => ({
    name,
    overridePath: ["gitops", "clusters", name],
    raw: deepMerge(shared, clusters[name] ?? {}),
  }));
}

/** Maps a path of a cluster's merged settings to where it is (or belongs) in the document. */
function relocator(cd: ConfigDocument, cluster: ClusterInput): (path: PropertyKey[]) => PropertyKey[] {
  const base = cluster.overridePath;
  if (!base) return (p) => p;
  return (path) => {
    // Under the cluster's overrides when they write any part of the path. A path exists only if
    // its first key does (hasPath walks from the top), so that key alone says it: asking for each
    // longer part too was half of what positioning the findings cost a large config (the same
    // findings come from each cluster, and each walk starts at the top of the document).
    if (path.length > 0 && hasPath(cd, [...base, path[0]!])) return [...base, ...path];
    return hasPath(cd, path.slice(0, -1)) && hasPath(cd, path) ? path : [...base, ...path];
  };
}

export interface ValidateOptions {
  /**
   * The conda environments QHub ships, by file name (the loader reads them from environments/);
   * the config's environments must not clash with them. @default {}
   */
  shippedEnvironments?: Readonly<Record<string, CondaEnvironment>>;
  /**
   * Refuse a config without age recipients, as `qhub render` does (it cannot seal the Secrets).
   * `qhub upgrade` checks its output without: adding a key is a step it leaves to the user.
   * @default false
   */
  requireAgeRecipients?: boolean;
  /**
   * The JupyterHub chart's values validator, which `jupyterhub.overrides` must satisfy; the caller
   * loads it only for a file that writes overrides (see load.ts's hubValuesCheck). Unset: not checked.
   */
  hubValues?: { check: ValuesCheck; chart: string };
  /**
   * Report the rules' warnings. A render prints none: without them, a config with no problem is
   * never positioned, which for a large config was parsing it a second time, with positions.
   * @default true
   */
  warnings?: boolean;
}

export function validateDocument(cd: ConfigDocument, options: ValidateOptions = {}): ValidationResult {
  const shippedEnvironments = options.shippedEnvironments ?? {};
  const problems: Problem[] = [...cd.problems];
  const warnings: Problem[] = [];
  if (!isPlainObject(cd.value)) return { problems: sortProblems(problems), warnings };
  const raw = cd.value;
  problems.push(...reservedKeys(cd, raw, []));

  const inputs = clusterInputs(raw);
  const multi = inputs.length > 1 || inputs[0]?.overridePath !== undefined;
  const top = parseConfig(raw, multi);
  if (!top.success) problems.push(...problemsFromIssues(top.error.issues, cd, schemas().QhubConfig, raw));

  const parsed: { input: ClusterInput; config: ParsedConfig }[] = [];
  // What the rules check: the valid clusters, and the others with what the schema refused left
  // out, so that every problem is reported at once rather than the rules' after the schema's.
  const checked: { input: ClusterInput; config: ParsedConfig }[] = [];
  for (const input of inputs) {
    const result = input.overridePath === undefined ? top : parseConfig(input.raw);
    if (result.success) {
      const config = result.data as ParsedConfig;
      parsed.push({ input, config });
      checked.push({ input, config });
      continue;
    }
    if (input.overridePath !== undefined)
      // Issues at top-level paths repeat the top-level parse's and are dropped as duplicates;
      // the rest are positioned in the cluster's overrides.
      problems.push(
        ...problemsFromIssues(result.error.issues, cd, schemas().QhubConfig, input.raw, relocator(cd, input)),
      );
    const config = withoutRefused(input.raw, result.error.issues);
    if (config) checked.push({ input, config });
  }

  const providersInUse = new Set<Provider>(checked.map((p) => p.config.provider));
  // A rule finding that holds for every cluster is reported once, without a cluster name.
  const byKey = new Map<string, { problem: Problem; clusters: string[]; warning: boolean }>();
  // Where each finding's path is in the document, for all clusters' findings.
  const located = new Map<string, Position>();
  for (const { input, config } of checked) {
    const relocate = relocator(cd, input);
    const clusters = checked.map((p) => ({ name: p.input.name, config: p.config }));
    const written = (f: Finding) =>
      input.overridePath === undefined || hasPath(cd, [...input.overridePath, ...f.path.slice(0, 1)]);
    for (const f of runRules({
      config,
      providersInUse,
      cluster: input.name,
      clusters,
      shippedEnvironments,
      defaultEnvironments: options.shippedEnvironments,
      requireAgeRecipients: options.requireAgeRecipients ?? false,
    })) {
      if (f.severity === "warning" && options.warnings === false) continue;
      const problem = findingToProblem(cd, f, f.missing && !written(f) ? (p) => p : relocate, located);
      const key = `${f.severity ?? "error"}:${problem.line}:${problem.col}:${problem.message}`;
      const entry = byKey.get(key);
      if (entry) entry.clusters.push(input.name);
      else byKey.set(key, { problem, clusters: [input.name], warning: f.severity === "warning" });
    }
  }
  for (const { problem, clusters, warning } of byKey.values()) {
    const everywhere = clusters.length === checked.length || problem.path.startsWith("gitops.");
    (warning ? warnings : problems).push(
      everywhere ? problem : { ...problem, message: `cluster ${clusters.join(", ")}: ${problem.message}` },
    );
  }

  if (options.hubValues)
    problems.push(...overrideProblems(cd, options.hubValues.check, options.hubValues.chart));

  const sorted = sortProblems(problems);
  const warned = sortProblems(warnings);
  if (sorted.length > 0 || parsed.length !== inputs.length) return { problems: sorted, warnings: warned };
  return {
    problems: [],
    warnings: warned,
    clusters: parsed.map(({ input, config }) => ({ name: input.name, config })),
  };
}

/**
 * Warnings for the environment variables the config names (`{ fromEnv: NAME }`) that `env` does
 * not set: the config is valid without them, but `qhub render` will need them. Values are never
 * read into a message.
 */
export function unsetVariables(
  cd: ConfigDocument,
  env: Readonly<Record<string, string | undefined>>,
): Problem[] {
  const out: Problem[] = [];
  const seen = new WeakSet<object>();
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (isPlainObject(value) && typeof value.fromEnv === "string" && Object.keys(value).length === 1) {
      const name = value.fromEnv;
      if (!env[name])
        out.push(
          problemAt(
            cd,
            [...path, "fromEnv"],
            "value",
            `${name} is not set; qhub render, diff and pr will need it`,
            `export ${name} before you run them (in CI, from a secret)`,
          ),
        );
      return;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    for (const [key, child] of entries) walk(child, [...path, key]);
  };
  walk(cd.value, []);
  return sortProblems(out);
}

const MAX_REPAIR_ROUNDS = 8;

/**
 * A cluster's settings with every value the schema refused removed (unknown keys, invalid values;
 * where a required value is refused, the nearest optional mapping key above it), parsed again until
 * the schema accepts them; undefined when it cannot (a required top-level key is refused). Removed
 * values take their defaults or stay unset, so the rules see less, never something not written.
 */
function withoutRefused(raw: unknown, issues: readonly z.core.$ZodIssue[]): ParsedConfig | undefined {
  const data = structuredClone(raw);
  let pending = issues;
  for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
    let progress = false;
    for (const issue of pending) progress = removeRefused(data, issue) || progress;
    if (!progress) return undefined;
    const again = schemas().QhubConfig.safeParse(data);
    if (again.success) return again.data;
    pending = again.error.issues;
  }
  return undefined;
}

function removeRefused(data: unknown, issue: z.core.$ZodIssue): boolean {
  const at = (path: readonly PropertyKey[]): unknown =>
    path.reduce<unknown>(
      (v, seg) => (isPlainObject(v) || Array.isArray(v) ? (v as never)[seg] : undefined),
      data,
    );
  if (issue.code === "unrecognized_keys") {
    const parent = at(issue.path);
    if (!isPlainObject(parent)) return false;
    let removed = false;
    for (const key of issue.keys) if (Object.hasOwn(parent, key)) removed = delete parent[key];
    return removed;
  }
  // A refused secret reference (a literal secret, most often) becomes a well-formed one: removing
  // it would remove the login it belongs to.
  if (issue.message === SECRET_REF_ERROR) {
    const parent = at(issue.path.slice(0, -1));
    const key = issue.path.at(-1);
    if (!isPlainObject(parent) || typeof key !== "string" || isPlainObject(parent[key])) return false;
    parent[key] = { fromEnv: "QHUB_REFUSED_SECRET" };
    return true;
  }
  // List items are not removed (the positions of the items after them would change): the key
  // that holds the list goes instead.
  for (let n = issue.path.length; n > 0; n--) {
    const key = issue.path[n - 1];
    if (typeof key !== "string") continue;
    // Without it the login would default to passwords, and the rules would judge another config.
    if (key === "authentication") return false;
    const parent = at(issue.path.slice(0, n - 1));
    if (isPlainObject(parent) && Object.hasOwn(parent, key)) return delete parent[key];
  }
  return false;
}

/**
 * `__proto__` as a key (a user, a group, a cluster): JavaScript objects cannot hold it as an
 * ordinary key, so the schema would drop the entry without a word. Refused where it is written.
 */
function reservedKeys(
  cd: ConfigDocument,
  value: unknown,
  path: PropertyKey[],
  seen = new WeakSet<object>(),
): Problem[] {
  const out: Problem[] = [];
  // An alias can make the data cyclic; each mapping or list is looked at once.
  if (value !== null && typeof value === "object") {
    if (seen.has(value)) return out;
    seen.add(value);
  }
  const items: [PropertyKey, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isPlainObject(value)
      ? Object.entries(value)
      : [];
  for (const [key, child] of items) {
    if (key === "__proto__")
      out.push(
        problemAt(
          cd,
          [...path, key],
          "key",
          '"__proto__" cannot be used as a name',
          "JavaScript reserves it and QHub would lose the entry; rename it",
        ),
      );
    else out.push(...reservedKeys(cd, child, [...path, key], seen));
  }
  return out;
}

function findingToProblem(
  cd: ConfigDocument,
  f: Finding,
  relocate: (p: PropertyKey[]) => PropertyKey[],
  located: Map<string, Position>,
): Problem {
  const path = relocate(f.path);
  const at = pathToString(path);
  // The same finding comes from every cluster: the document is walked once per path.
  const key = `${f.prefer}:${at}`;
  let position = located.get(key);
  if (position === undefined) {
    position = locate(cd, path, f.prefer);
    located.set(key, position);
  }
  return { file: cd.file, ...position, path: at, message: f.message, hint: f.hint };
}
