// What Flux will apply, read from a rendered repository: each cluster's entry folder (what
// `flux bootstrap --path=clusters/<cluster>` applies), then every Flux Kustomization it names,
// built with the real Kustomize, and the ones those name in turn. The tree is read through the
// file-system door: a symbolic link below the root is never followed (it is reported instead).
import { join, posix } from "node:path";
import { isSafeRelative, kindUnder, listUnder, readFileUnder, rootKind } from "../fs/safe.js";
import type { Kind } from "../fs/safe.js";
import type { Finding, Unit } from "./analyze.js";
import type { KubeObject } from "./kustomize.js";
import { buildAll, parseObjects } from "./kustomize.js";
import { clusterEntryPath } from "../config/names.js";

export interface CollectedCluster {
  cluster: string;
  units: Unit[];
  findings: Finding[];
  /** Kustomize builds run, with their durations. */
  builds: { path: string; ms: number }[];
}

const isFluxKustomization = (o: KubeObject) =>
  o.kind === "Kustomization" &&
  typeof o.apiVersion === "string" &&
  o.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/");

/** The YAML files below `dir` (relative to `root`), and the links QHub did not follow. */
function yamlFiles(root: string, dir: string): { files: string[]; links: string[] } {
  const out = { files: [] as string[], links: [] as string[] };
  for (const e of listUnder(root, dir) ?? []) {
    const rel = `${dir}/${e.name}`;
    if (e.kind === "dir") {
      const inner = yamlFiles(root, rel);
      out.files.push(...inner.files);
      out.links.push(...inner.links);
    } else if (e.kind === "link") out.links.push(rel);
    else if (e.kind === "file" && /\.ya?ml$/.test(e.name)) out.files.push(rel);
  }
  return out;
}

/** What a Kustomization's path is in the tree, following no link. */
function kindOfPath(root: string, path: string): Kind {
  if (path === ".") return rootKind(root);
  return isSafeRelative(path) ? kindUnder(root, path) : "missing";
}

const linkFinding = (cluster: string, file: string, object = ""): Finding => ({
  cluster,
  file,
  object,
  message: "is a symbolic link (or inside one); QHub does not follow links, and Flux applies what git holds",
  hint: "replace the link with the real file or folder",
  severity: "error",
});

export async function collectCluster(root: string, cluster: string): Promise<CollectedCluster> {
  const findings: Finding[] = [];
  const builds: { path: string; ms: number }[] = [];
  const entry = clusterEntryPath(cluster);
  const units: Unit[] = [];

  // Flux bootstrap applies the entry folder as kustomize-controller does: its kustomization.yaml
  // when there is one, otherwise every manifest below it.
  const entryUnit: Unit = {
    name: "flux-system",
    namespace: "flux-system",
    file: entry,
    path: entry,
    spec: {},
  };
  if (kindOfPath(root, entry) === "link") findings.push(linkFinding(cluster, entry));
  else if (kindOfPath(root, `${entry}/kustomization.yaml`) === "file") {
    const [built] = await buildAll([join(root, entry)]);
    if (built) builds.push({ path: entry, ms: built.ms });
    if (built?.ok) entryUnit.objects = built.objects;
    else
      findings.push({
        cluster,
        file: entry,
        object: "",
        message: `Kustomize cannot build it: ${kustomizeError(built?.error ?? "", root)}`,
        hint: `run \`kubectl kustomize ${entry}\``,
        severity: "error",
      });
  } else {
    const { files, links } = yamlFiles(root, entry);
    for (const l of links) findings.push(linkFinding(cluster, l));
    entryUnit.objects = files.flatMap((f) => {
      try {
        return parseObjects(readFileUnder(root, f) ?? "");
      } catch (err) {
        findings.push({
          cluster,
          file: f,
          object: "",
          message: `is not valid YAML: ${String(err)}`,
          hint: "fix the YAML",
          severity: "error",
        });
        return [];
      }
    });
  }
  units.push(entryUnit);

  const seen = new Set<string>();
  let pending = (entryUnit.objects ?? [])
    .filter(isFluxKustomization)
    .map((o) => ({ object: o, file: entry }));
  while (pending.length > 0) {
    const level: Unit[] = [];
    for (const { object, file } of pending) {
      const name = typeof object.metadata?.name === "string" ? object.metadata.name : "";
      const namespace =
        typeof object.metadata?.namespace === "string" ? object.metadata.namespace : "flux-system";
      const spec = (object.spec ?? {}) as Record<string, unknown>;
      const key = `${namespace}/${name}`;
      // The bootstrap's own Kustomization points back at the entry folder.
      if (seen.has(key) || (name === "flux-system" && namespace === "flux-system")) continue;
      seen.add(key);
      const source = spec.sourceRef as { kind?: string; name?: string } | undefined;
      const rawPath = typeof spec.path === "string" ? spec.path : "./";
      const path = posix.normalize(rawPath.replace(/^\.\//, "")).replace(/\/$/, "") || ".";
      const unit: Unit = { name, namespace, file, path, spec };
      if (source?.kind !== "GitRepository" || source.name !== "flux-system") {
        findings.push({
          cluster,
          file,
          object: `Kustomization/${key}`,
          message: `not checked: its source ${source?.kind ?? "?"}/${source?.name ?? "?"} is not this repository`,
          hint: "",
          severity: "note",
        });
      } else if (kindOfPath(root, path) === "link") {
        findings.push(linkFinding(cluster, file, `Kustomization/${key}`));
      } else if (path.startsWith("..") || kindOfPath(root, path) !== "dir") {
        findings.push({
          cluster,
          file,
          object: `Kustomization/${key}`,
          message: `spec.path ${rawPath} does not exist in the repository`,
          hint: "create the folder, or correct spec.path (relative to the repository root)",
          severity: "error",
        });
      } else level.push(unit);
      units.push(unit);
    }
    const results = await buildAll(level.map((u) => join(root, u.path)));
    pending = [];
    level.forEach((unit, i) => {
      const r = results[i];
      if (!r) return;
      builds.push({ path: unit.path, ms: r.ms });
      if (r.ok) {
        unit.objects = r.objects;
        pending.push(...r.objects.filter(isFluxKustomization).map((o) => ({ object: o, file: unit.path })));
      } else
        findings.push({
          cluster,
          file: unit.path,
          object: `Kustomization/${unit.namespace}/${unit.name}`,
          message: `Kustomize cannot build ${unit.path}: ${kustomizeError(r.error, root)}`,
          hint: `run \`kubectl kustomize ${unit.path}\` for the whole error`,
          severity: "error",
        });
    });
  }
  return { cluster, units, findings, builds };
}

/** The clusters of a rendered repository: the folders under clusters/. */
export function clustersOf(root: string): string[] {
  // Folders only: a link under clusters/ (even a loop) is not followed.
  return (listUnder(root, "clusters") ?? []).filter((e) => e.kind === "dir").map((e) => e.name);
}

/**
 * Kustomize's error as a finding says it: without kubectl's log header (time, process id) and with
 * paths relative to the repository, so that the report is the same on every machine and run.
 */
export function kustomizeError(error: string, root: string): string {
  return error
    .split("\n")
    .map((l) => l.replace(/^[EWIF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ \S+:\d+\] /, "").trim())
    .filter((l) => l !== "")
    .slice(0, 3)
    .join(" ")
    .split(`${root}/`)
    .join("")
    .split(root)
    .join(".");
}
