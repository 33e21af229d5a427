// What a render would change, per cluster and per Kubernetes object, for reviewers. Pure: the
// files on disk and the files the render would write in, changes out. Secret values never appear:
// encrypted values and Secret data are masked, and a change to them is reported as "changed".
import { createTwoFilesPatch } from "diff";
import { parseAllDocuments } from "yaml";
import { REPLACED_EACH_CHANGE } from "../config/names.js";
import { toYaml } from "../render/emit.js";
import { capacityChange } from "./capacity.js";
import { clusterOfPath } from "../ui/tasks.js";
import type { ClusterCounts } from "../ui/tasks.js";

export interface ObjectChange {
  /** `Kind namespace/name` (or `Kind name` when cluster-scoped). */
  object: string;
  file: string;
  change: "added" | "removed" | "changed";
  /** A unified diff of the object's YAML, masked; empty for added/removed objects. */
  diff: string;
  /** Why a reviewer should look twice (deletions, identity fields). */
  warning?: string;
  /** What it changes in the capacity the autoscaler may make (node pools of `node_provisioning: auto`). */
  capacity?: string;
}

export interface FileChange {
  file: string;
  change: "added" | "removed" | "changed";
  diff: string;
}

export interface ClusterChanges {
  /** The cluster, or "(shared)" for files every cluster uses (blueprints, overlays, README). */
  cluster: string;
  objects: ObjectChange[];
  /** Files that are not Kubernetes objects (README, workflow, manifest). */
  files: FileChange[];
}

const SHARED = "(shared)";
const MASK = "(secret value)";

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  [k: string]: unknown;
}

function objectsOf(text: string | undefined): Obj[] {
  if (text === undefined) return [];
  try {
    return parseAllDocuments(text)
      .map((d) => d.toJS() as unknown)
      .filter((o): o is Obj => typeof o === "object" && o !== null && !Array.isArray(o) && "kind" in o);
  } catch {
    return [];
  }
}

/** How reviewers know the object; Kustomize's own files have no name, so their file names them. */
const idOf = (o: Obj, file: string) => {
  const ns = o.metadata?.namespace;
  const name = o.metadata?.name;
  return name === undefined ? `${o.kind ?? "?"} ${file}` : `${o.kind ?? "?"} ${ns ? `${ns}/` : ""}${name}`;
};

/** The object as reviewers see it: Secret values and the SOPS block masked. */
export function masked(o: Obj): Obj {
  if (o.kind !== "Secret") return o;
  const mask = (m: unknown) =>
    m && typeof m === "object" ? Object.fromEntries(Object.keys(m).map((k) => [k, MASK])) : m;
  const { sops, ...rest } = o;
  return {
    ...rest,
    data: mask(rest.data),
    stringData: mask(rest.stringData),
    ...(sops ? { sops: "(SOPS metadata)" } : {}),
  };
}

/** A fingerprint that changes whenever the real object changes, masked parts included. */
function fingerprint(o: Obj): string {
  return JSON.stringify(o);
}

/** A unified diff without its file header (the file is named already); "" when nothing differs. */
export function patch(file: string, before: string, after: string): string {
  const lines = createTwoFilesPatch(file, file, before, after, "", "", { context: 3 }).split("\n");
  const first = lines.findIndex((l) => l.startsWith("@@"));
  return first === -1 ? "" : lines.slice(first).join("\n").trimEnd();
}

export function diffTrees(
  current: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
): ClusterChanges[] {
  const byCluster = new Map<string, ClusterChanges>();
  const of = (cluster: string) => {
    let c = byCluster.get(cluster);
    if (!c) byCluster.set(cluster, (c = { cluster, objects: [], files: [] }));
    return c;
  };
  const paths = [...new Set([...Object.keys(current), ...Object.keys(next)])].sort();
  for (const path of paths) {
    const before = current[path];
    const after = next[path];
    if (before === after) continue;
    const target = of(clusterOfPath(path));
    const oldObjects = objectsOf(before);
    const newObjects = objectsOf(after);
    if (!/\.ya?ml$/.test(path) || (oldObjects.length === 0 && newObjects.length === 0)) {
      const change = before === undefined ? "added" : after === undefined ? "removed" : "changed";
      target.files.push({
        file: path,
        change,
        diff: change === "changed" ? patch(path, before ?? "", after ?? "") : "",
      });
      continue;
    }
    const objectsBefore = target.objects.length;
    const oldById = new Map(oldObjects.map((o) => [idOf(o, path), o]));
    const newById = new Map(newObjects.map((o) => [idOf(o, path), o]));
    for (const id of [...new Set([...oldById.keys(), ...newById.keys()])].sort()) {
      const o = oldById.get(id);
      const n = newById.get(id);
      const capacity = capacityChange(o, n);
      const said = capacity === undefined ? {} : { capacity };
      if (o && n) {
        if (fingerprint(o) === fingerprint(n)) continue;
        const d = patch(path, toYaml(masked(o)), toYaml(masked(n)));
        target.objects.push({
          object: id,
          file: path,
          change: "changed",
          diff: d || "(only encrypted values changed)",
          ...said,
        });
      } else if (n) target.objects.push({ object: id, file: path, change: "added", diff: "", ...said });
      else if (o)
        target.objects.push({
          ...said,
          object: id,
          file: path,
          change: "removed",
          diff: "",
          warning: replacedEachChange(o)
            ? undefined
            : o.kind === "Namespace" || o.kind === "PersistentVolume" || o.kind === "PersistentVolumeClaim"
              ? "deleting it deletes what it holds (an identity field such as `namespace` or a cluster name changed?)"
              : "Flux will delete it from the cluster",
        });
    }
    // The same objects, other text (comments, layout): render rewrites the file, so say so.
    if (target.objects.length === objectsBefore)
      target.files.push({
        file: path,
        change: "changed",
        diff: [...oldObjects, ...newObjects].some((o) => o.kind === "Secret")
          ? "(only formatting or comments changed)"
          : patch(path, before ?? "", after ?? ""),
      });
  }
  return [...byCluster.values()].sort((a, b) =>
    a.cluster === SHARED ? 1 : b.cluster === SHARED ? -1 : a.cluster < b.cluster ? -1 : 1,
  );
}

/** The clusters a tree drives, and per cluster its namespaces and cloud overlay. */
function identities(
  tree: Readonly<Record<string, string>>,
): Map<string, { namespaces: Set<string>; clouds: Set<string> }> {
  const out = new Map<string, { namespaces: Set<string>; clouds: Set<string> }>();
  for (const [path, text] of Object.entries(tree)) {
    const m = /^(clusters|cluster-overlays)\/([^/]+)\//.exec(path);
    if (!m) continue;
    const id = out.get(m[2]!) ?? { namespaces: new Set<string>(), clouds: new Set<string>() };
    out.set(m[2]!, id);
    if (m[1] !== "cluster-overlays") continue;
    for (const o of objectsOf(text))
      if (o.kind === "Namespace" && o.metadata?.name) id.namespaces.add(o.metadata.name);
    for (const c of text.matchAll(/overlays\/([a-z0-9-]+)\//g)) id.clouds.add(c[1]!);
  }
  return out;
}

const listed = (s: Set<string>) => [...s].sort().join(", ") || "none";

/**
 * Loud warnings for changed identity fields (cluster names, `namespace`, `provider`): Flux
 * applies them by deleting and recreating, so what the old objects held is lost.
 */
export function identityWarnings(
  current: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
): string[] {
  const before = identities(current);
  const after = identities(next);
  const out: string[] = [];
  for (const [name, b] of [...before].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const a = after.get(name);
    if (!a) {
      out.push(
        `cluster ${name} is no longer rendered (cluster name changed or removed?): Flux on it prunes everything QHub put there, user data volumes included`,
      );
      continue;
    }
    // A namespace that goes (the platform's renamed, or monitoring's turned off) is deleted whole;
    // one that only comes (monitoring turned on) deletes nothing.
    const gone = new Set([...b.namespaces].filter((n) => !a.namespaces.has(n)));
    const added = new Set([...a.namespaces].filter((n) => !b.namespaces.has(n)));
    if (gone.size > 0)
      out.push(
        `cluster ${name}: namespace changes from ${listed(gone)} to ${listed(added)}: everything in the old namespace is deleted, home directory claims included`,
      );
    if (listed(a.clouds) !== listed(b.clouds))
      out.push(
        `cluster ${name}: provider changes from ${listed(b.clouds)} to ${listed(a.clouds)}: storage classes and load balancers are replaced`,
      );
  }
  return out;
}

/** An object a render renames with every change it follows: its removal is expected. */
function replacedEachChange(o: { metadata?: unknown }): boolean {
  const annotations = (o.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  return Object.entries(REPLACED_EACH_CHANGE).every(([k, v]) => annotations?.[k] === v);
}

/** Objects and files added, changed and removed, per cluster. */
export function countChanges(changes: readonly ClusterChanges[]): ClusterCounts[] {
  return changes.map((c) => {
    const n = (k: ObjectChange["change"]) => [...c.objects, ...c.files].filter((o) => o.change === k).length;
    return { cluster: c.cluster, added: n("added"), changed: n("changed"), removed: n("removed") };
  });
}
