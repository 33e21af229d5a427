// validate: a parsed YAML document in, every problem at once out, plus the per-cluster configs
// when there are none. Pure: no file system, no environment.
import { partial } from "zod/mini";
import type { ConfigDocument } from "./document.js";
import { hasPath, locate } from "./document.js";
import { problemsFromIssues } from "./issues.js";
import { deepMerge, isPlainObject } from "./merge.js";
import type { Problem } from "./problems.js";
import { pathToString, sortProblems } from "./problems.js";
import { runRules } from "./rules.js";
import type { Finding } from "./rules.js";
import { QhubConfig } from "./schema.js";
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

// With clusters, `provider` and `domain` may be set per cluster instead of at the top.
const TopLevelWithClusters = partial(QhubConfig, { provider: true, domain: true });

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
    for (let n = path.length; n > 0; n--) {
      if (hasPath(cd, [...base, ...path.slice(0, n)])) return [...base, ...path];
    }
    return hasPath(cd, path.slice(0, -1)) && hasPath(cd, path) ? path : [...base, ...path];
  };
}

export interface ValidateOptions {
  /** The conda environments QHub ships, by file name (rules see what a cluster will build). */
  environments?: Readonly<Record<string, CondaEnvironment>>;
}

export function validateDocument(cd: ConfigDocument, opts: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [...cd.problems];
  const warnings: Problem[] = [];
  if (!isPlainObject(cd.value)) return { problems: sortProblems(problems), warnings };
  const raw = cd.value;

  const inputs = clusterInputs(raw);
  const multi = inputs.length > 1 || inputs[0]?.overridePath !== undefined;
  const top = (multi ? TopLevelWithClusters : QhubConfig).safeParse(raw);
  if (!top.success) problems.push(...problemsFromIssues(top.error.issues, cd, QhubConfig, raw));

  const parsed: { input: ClusterInput; config: ParsedConfig }[] = [];
  for (const input of inputs) {
    if (input.overridePath === undefined) {
      if (top.success) parsed.push({ input, config: top.data as ParsedConfig });
      continue;
    }
    const result = QhubConfig.safeParse(input.raw);
    if (result.success) parsed.push({ input, config: result.data });
    else
      // Issues at top-level paths repeat the top-level parse's and are dropped as duplicates;
      // the rest are positioned in the cluster's overrides.
      problems.push(
        ...problemsFromIssues(result.error.issues, cd, QhubConfig, input.raw, relocator(cd, input)),
      );
  }

  const providersInUse = new Set<Provider>(parsed.map((p) => p.config.provider));
  // A rule finding that holds for every cluster is reported once, without a cluster name.
  const byKey = new Map<string, { problem: Problem; clusters: string[]; warning: boolean }>();
  for (const { input, config } of parsed) {
    const relocate = relocator(cd, input);
    const clusters = parsed.map((p) => ({ name: p.input.name, config: p.config }));
    for (const f of runRules({
      config,
      providersInUse,
      cluster: input.name,
      clusters,
      defaultEnvironments: opts.environments,
    })) {
      const problem = findingToProblem(cd, f, relocate);
      const key = `${f.severity ?? "error"}:${problem.line}:${problem.col}:${problem.message}`;
      const entry = byKey.get(key);
      if (entry) entry.clusters.push(input.name);
      else byKey.set(key, { problem, clusters: [input.name], warning: f.severity === "warning" });
    }
  }
  for (const { problem, clusters, warning } of byKey.values()) {
    const everywhere = clusters.length === parsed.length || problem.path.startsWith("gitops.");
    (warning ? warnings : problems).push(
      everywhere ? problem : { ...problem, message: `cluster ${clusters.join(", ")}: ${problem.message}` },
    );
  }

  const sorted = sortProblems(problems);
  const warned = sortProblems(warnings);
  if (sorted.length > 0 || parsed.length !== inputs.length) return { problems: sorted, warnings: warned };
  return {
    problems: [],
    warnings: warned,
    clusters: parsed.map(({ input, config }) => ({ name: input.name, config })),
  };
}

function findingToProblem(
  cd: ConfigDocument,
  f: Finding,
  relocate: (p: PropertyKey[]) => PropertyKey[],
): Problem {
  const path = relocate(f.path);
  return {
    file: cd.file,
    ...locate(cd, path, f.prefer),
    path: pathToString(path),
    message: f.message,
    hint: f.hint,
  };
}
