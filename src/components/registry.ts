// The platform's components, in the order they are assembled: within each layer, their resources,
// patches and diagram labels follow this order. The only file that names every component; the
// build, the README, the secrets stage, the pull request's grouping and `qhub check` read this list.
import { BugError } from "../errors.js";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import { capacity } from "./capacity.js";
import { certManager } from "./cert-manager.js";
import { commitStatus } from "./commit-status.js";
import { condaStore } from "./conda-store/index.js";
import { daskGateway } from "./dask-gateway/index.js";
import { jupyterhub } from "./jupyterhub/index.js";
import { monitoring } from "./monitoring/index.js";
import { namespace } from "./namespace.js";
import { nvidiaDevicePlugin } from "./nvidia-device-plugin.js";
import { smoke } from "./smoke/index.js";
import { storage } from "./storage.js";
import { tls } from "./tls.js";
import { traefik } from "./traefik.js";
import type { Component, LayerName } from "./types.js";
import { LAYERS, OPTIONAL_LAYERS } from "./types.js";

export const COMPONENTS: readonly Component[] = [
  certManager,
  traefik,
  nvidiaDevicePlugin,
  namespace,
  capacity,
  storage,
  tls,
  jupyterhub,
  daskGateway,
  condaStore,
  monitoring,
  commitStatus,
  smoke,
];

/** The components a cluster has. */
export function componentsOf(c: ResolvedCluster, registry: readonly Component[]): Component[] {
  return registry.filter((k) => k.enabled?.(c) ?? true);
}

/** The components at least one of the config's clusters has. */
export function componentsOfAny(config: ResolvedConfig, registry: readonly Component[]): Component[] {
  return registry.filter((k) => config.clusters.some((c) => k.enabled?.(c) ?? true));
}

/** The layers a cluster has: every layer but the optional ones none of its components adds to. */
export function layersOf(c: ResolvedCluster, registry: readonly Component[]): LayerName[] {
  const ks = componentsOf(c, registry);
  return LAYERS.filter((l) => !OPTIONAL_LAYERS.includes(l) || ks.some((k) => k.layout[l] !== undefined));
}

/** The first and last layers a component adds to (by what it declares for the README's layout). */
function layerSpan(k: Component): [number, number] {
  const at = LAYERS.flatMap((l, i) => (k.layout[l] === undefined ? [] : [i]));
  return [at[0] ?? 0, at.at(-1) ?? LAYERS.length - 1];
}

/**
 * Why a registry cannot be assembled, or [] when it can: ids are unique, dependencies exist and
 * start no later than the last layer of their dependents (Flux applies layers in order), no two
 * own the same name.
 */
export function registryProblems(registry: readonly Component[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, Component>();
  for (const k of registry) {
    if (!/^[a-z][a-z0-9-]*$/.test(k.id))
      problems.push(`component id ${JSON.stringify(k.id)} is not lowercase with dashes`);
    if (byId.has(k.id)) problems.push(`component ${k.id} is registered twice`);
    byId.set(k.id, k);
  }
  const owner = new Map<string, string>();
  for (const k of registry) {
    for (const name of k.owns ?? []) {
      const other = owner.get(name);
      if (other !== undefined) problems.push(`${name} is owned by both ${other} and ${k.id}`);
      owner.set(name, k.id);
    }
    for (const d of k.dependsOn ?? []) {
      const dep = byId.get(d);
      if (!dep) {
        problems.push(`${k.id} depends on ${d}, which is not registered`);
        continue;
      }
      const [first] = layerSpan(dep);
      const [, last] = layerSpan(k);
      if (first > last)
        problems.push(
          `${k.id} (up to layer ${LAYERS[last]}) depends on ${d}, which Flux applies later (layer ${LAYERS[first]})`,
        );
    }
  }
  return problems;
}

/** The registry, refused as QHub's bug when it cannot be assembled. */
export function checkedRegistry(registry: readonly Component[]): readonly Component[] {
  const problems = registryProblems(registry);
  if (problems.length > 0) throw new BugError(`component registry: ${problems.join("; ")}`);
  return registry;
}

/** The component that owns a name of a layer folder or of the repository's top level. */
export function ownerOf(name: string, registry: readonly Component[]): Component | undefined {
  return registry.find((k) => k.owns?.includes(name) || k.blueprints?.includes(name));
}

/**
 * The group a rendered file belongs to in the pull request and `qhub diff`: the component that owns
 * it (by its name in a layer folder, its blueprint or its shared folder), else the layer's
 * kustomization, `secrets`, `flux` (the entry point), a cloud's overlay, or `repository`.
 */
export function groupOf(path: string, registry: readonly Component[] = COMPONENTS): string {
  const parts = path.split("/");
  if (parts[0] === "cluster-overlays" && parts.length >= 4) {
    const [, , layer, first = ""] = parts;
    if (first === "kustomization.yaml") return `${layer} layer`;
    if (first === "secrets") return "secrets";
    return ownerOf(first, registry)?.id ?? first.replace(/(\.sops)?\.ya?ml$/, "");
  }
  if (parts[0] === "clusters") return "flux";
  if (parts[0] === "blueprints" && parts.length > 2)
    return ownerOf(parts[1]!, registry)?.id ?? `blueprints/${parts[1]}`;
  if (parts[0] === "overlays" && parts.length > 2) return `overlays/${parts[1]}`;
  return (parts.length > 1 && ownerOf(parts[0]!, registry)?.id) || "repository";
}
