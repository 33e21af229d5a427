// build: the resolved config in, the rendered repository's files out. An assembly of the
// registry's components (src/components/): each adds files, resources, patches and labels to the
// layers of each cluster; this module writes the layers' kustomizations, the Flux entry point, the
// README and the workflows around them. Pure: the static blueprints and overlays are handed in.
import { createHash } from "node:crypto";
import { Kustomization as FluxKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { BugError } from "../errors.js";
import { clusterEntryPath, clusterOverlayPath } from "../config/names.js";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import type { Provider } from "../config/schema.js";
import { checked, kustomization } from "../components/kit.js";
import {
  checkedRegistry,
  COMPONENTS,
  componentsOf,
  componentsOfAny,
  layersOf,
} from "../components/registry.js";
import type { Component, LayerName, LayerPart } from "../components/types.js";
import { LAYERS, layerKustomization, SECRETS_LAYER } from "../components/types.js";
import type { OutputFile } from "./emit.js";
import { toYamlDocuments } from "./emit.js";
import { renderReadme } from "./readme.js";
import { DEFAULT_README } from "./readme-path.js";
import { renderWorkflows } from "./workflow.js";

/** The project's own static trees, copied into the rendered repository. */
export interface StaticFiles {
  blueprints: OutputFile[];
  overlays: OutputFile[];
}

/** A Flux Kustomization layer of a cluster, in dependency order. */
export interface Layer {
  name: LayerName;
  /** What it holds, for people (README, PR body). */
  summary: string[];
  dependsOn?: LayerName;
  /** Holds SOPS-encrypted Secrets: Flux must decrypt them with the `sops-age` Secret. */
  decrypts?: boolean;
}

/** The Secret in flux-system that holds the age identity Flux decrypts with (made by hand, once). */
export const SOPS_SECRET = "sops-age";
/**
 * Whether a layer's kustomization sets the cluster's namespace on everything in it: the layer of
 * the Secrets and those after it (the platform's own objects; earlier layers hold cluster-wide
 * controllers and objects in their own namespaces).
 */
function namespaced(layer: LayerName): boolean {
  return LAYERS.indexOf(layer) >= LAYERS.indexOf(SECRETS_LAYER);
}

/** Relative path from a cluster overlay layer to the repository root. */
const UP = "../../..";

/** Secret names from their files' names (`NAME.sops.yaml`). */
export function secretNames(secrets: readonly OutputFile[]): string[] {
  return secrets.map((f) => f.path.replace(/^.*\//, "").replace(/\.sops\.yaml$/, "")).sort();
}

function emptyParts(): Record<LayerName, Required<LayerPart>> {
  return Object.fromEntries(
    LAYERS.map((l) => [l, { summary: [], files: [], resources: [], patches: [] }]),
  ) as unknown as Record<LayerName, Required<LayerPart>>;
}

/** The first layer a component adds to (by its README layout). */
function firstLayer(k: Component): number {
  const i = LAYERS.findIndex((l) => k.layout[l] !== undefined);
  return i === -1 ? 0 : i;
}

/** What the given components added, merged in registry order. */
function merged(
  registry: readonly Component[],
  rendered: ReadonlyMap<Component, Partial<Record<LayerName, LayerPart>>>,
): Record<LayerName, Required<LayerPart>> {
  const parts = emptyParts();
  for (const k of registry) {
    const added = rendered.get(k);
    if (!added) continue;
    for (const l of LAYERS) {
      const p = added[l];
      if (!p) continue;
      if (k.layout[l] === undefined && (p.summary?.length ?? 0) > 0)
        throw new BugError(`component ${k.id} labels layer ${l} but declares no layout there`);
      parts[l].summary.push(...(p.summary ?? []));
      parts[l].files.push(...(p.files ?? []));
      parts[l].resources.push(...(p.resources ?? []));
      parts[l].patches.push(...(p.patches ?? []));
    }
  }
  return parts;
}

/** A sealed Secret as far as the platform's configuration goes: its names and keys, not its encrypted bytes. */
function sealedShape(content: string): string {
  return content.replace(/ENC\[[^\]]*\]/g, "ENC[]").replace(/^sops:[\s\S]*$/m, "");
}

/**
 * What every component adds to a cluster's layers, merged in registry order. Components render in
 * the order of their first layer, so that one may read the digest of an earlier layer
 * (`ctx.layerDigest`) once every component that adds to it has rendered.
 */
function clusterParts(
  c: ResolvedCluster,
  config: ResolvedConfig,
  registry: readonly Component[],
  files: StaticFiles,
  shared: readonly OutputFile[],
  secrets: readonly OutputFile[],
): Record<LayerName, Required<LayerPart>> {
  const ks = componentsOf(c, registry);
  const order = ks.map((k, i) => ({ k, i })).sort((a, b) => firstLayer(a.k) - firstLayer(b.k) || a.i - b.i);
  const rendered = new Map<Component, Partial<Record<LayerName, LayerPart>>>();
  for (const { k } of order) {
    const layerDigest = (layer: LayerName): string => {
      if (LAYERS.indexOf(layer) >= firstLayer(k))
        throw new BugError(
          `component ${k.id} reads the digest of layer ${layer}, which it or a later component adds to`,
        );
      return digestOf(c, layer, merged(ks, rendered)[layer], files, shared, secrets);
    };
    rendered.set(k, k.render(c, { config, up: UP, layers: layersOf(c, registry), layerDigest }));
  }
  return merged(ks, rendered);
}

/**
 * A short digest of a layer's folder as Flux applies it (sealed Secrets by their shape) and of the
 * files directly in the shared folders its kustomization names (environments/, a blueprint, the
 * cloud's overlay).
 */
function digestOf(
  c: ResolvedCluster,
  layer: LayerName,
  part: Required<LayerPart>,
  files: StaticFiles,
  shared: readonly OutputFile[],
  secrets: readonly OutputFile[],
): string {
  const own = layerFiles(c, layer, part, files, secrets).map((f) => ({
    path: f.path,
    content: f.path.endsWith(".sops.yaml") ? sealedShape(f.content) : f.content,
  }));
  const folders = [
    ...part.resources,
    ...(hasOverlay(files, c.provider, layer) ? [`${UP}/overlays/${c.provider}/${layer}`] : []),
  ]
    .filter((r) => r.startsWith(`${UP}/`))
    .map((r) => r.slice(UP.length + 1));
  const outside = [...files.blueprints, ...files.overlays, ...shared].filter((f) =>
    folders.some((d) => f.path.slice(0, f.path.lastIndexOf("/")) === d),
  );
  const hash = createHash("sha256");
  for (const f of [...own, ...outside].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${JSON.stringify(f.path)}\n${f.content.length}\n${contentDigest(f)}\n`);
  return hash.digest("hex");
}

/**
 * A file's SHA-256, kept per file object: the shared files (blueprints, overlays, environments)
 * are the same objects for every cluster, and hashing them again for each cluster's digest was
 * most of a many-cluster render's hashing.
 */
const contentDigests = new WeakMap<OutputFile, string>();
function contentDigest(f: OutputFile): string {
  let digest = contentDigests.get(f);
  if (digest === undefined) {
    digest = createHash("sha256").update(f.content).digest("hex");
    contentDigests.set(f, digest);
  }
  return digest;
}

/** The layers of a cluster (`names`, in order), with what each holds, from its components' parts. */
function layersWith(
  names: readonly LayerName[],
  parts: Record<LayerName, Required<LayerPart>>,
  secrets: readonly string[],
): Layer[] {
  return names.map((name, i) => {
    const decrypts = name === SECRETS_LAYER && secrets.length > 0;
    return {
      name,
      summary: [...parts[name].summary, ...(decrypts ? [`encrypted Secrets (${secrets.join(", ")})`] : [])],
      dependsOn: i > 0 ? names[i - 1] : undefined,
      decrypts: decrypts || undefined,
    };
  });
}

function fluxKustomizations(c: ResolvedCluster, layers: readonly Layer[]): string {
  const docs = layers.map((layer) =>
    checked(
      c.name,
      `Flux Kustomization ${layerKustomization(layer.name)}`,
      "gitops",
      new FluxKustomization({
        metadata: { name: layerKustomization(layer.name), namespace: "flux-system" },
        spec: {
          interval: "10m",
          retryInterval: "1m",
          timeout: "15m",
          path: `./${clusterOverlayPath(c.name, layer.name)}`,
          prune: true,
          wait: true,
          sourceRef: { kind: "GitRepository", name: "flux-system" },
          dependsOn: layer.dependsOn ? [{ name: layerKustomization(layer.dependsOn) }] : undefined,
          decryption: layer.decrypts ? { provider: "sops", secretRef: { name: SOPS_SECRET } } : undefined,
        },
      }),
    ),
  );
  return `# Flux entry point of cluster ${c.name}: bootstrap Flux with --path=${clusterEntryPath(c.name)}.\n# Generated by qhub render from qhub-config.yaml; do not edit.\n${toYamlDocuments(docs)}`;
}

function hasOverlay(files: StaticFiles, cloud: string, layer: string): boolean {
  return files.overlays.some((f) => f.path === `overlays/${cloud}/${layer}/kustomization.yaml`);
}

/** One layer's folder: its components' files and a kustomization of them, the cloud's overlay and the Secrets. */
function layerFiles(
  c: ResolvedCluster,
  layer: LayerName,
  part: Required<LayerPart>,
  files: StaticFiles,
  secrets: readonly OutputFile[],
): OutputFile[] {
  const dir = clusterOverlayPath(c.name, layer);
  const sealed = layer === SECRETS_LAYER ? secrets : [];
  return [
    ...part.files.map((f) => ({ path: `${dir}/${f.path}`, content: f.content })),
    ...sealed,
    {
      path: `${dir}/kustomization.yaml`,
      content: kustomization({
        namespace: namespaced(layer) ? c.namespace : undefined,
        resources: [...part.resources, ...sealed.map((f) => f.path.slice(dir.length + 1))],
        // The cloud's variation of the layer (e.g. its block StorageClass `qhub-block`).
        components: hasOverlay(files, c.provider, layer)
          ? [`${UP}/overlays/${c.provider}/${layer}`]
          : undefined,
        patches: part.patches.length > 0 ? part.patches : undefined,
      }),
    },
  ];
}

function cluster(
  c: ResolvedCluster,
  config: ResolvedConfig,
  files: StaticFiles,
  shared: readonly OutputFile[],
  secrets: readonly OutputFile[],
  registry: readonly Component[],
): { files: OutputFile[]; layers: Layer[] } {
  const secretsDir = `${clusterOverlayPath(c.name, SECRETS_LAYER)}/secrets/`;
  for (const f of secrets)
    if (!f.path.startsWith(secretsDir))
      throw new BugError(
        `cluster ${c.name}: encrypted Secret ${f.path} is outside its ${SECRETS_LAYER} layer`,
      );
  const parts = clusterParts(c, config, registry, files, shared, secrets);
  const names = layersOf(c, registry);
  for (const l of LAYERS)
    if (!names.includes(l) && (parts[l].files.length > 0 || parts[l].resources.length > 0))
      throw new BugError(`cluster ${c.name}: layer ${l} has parts, but no component declares it`);
  const layers = layersWith(names, parts, secretNames(secrets));
  return {
    layers,
    files: [
      { path: `${clusterEntryPath(c.name)}/qhub.yaml`, content: fluxKustomizations(c, layers) },
      ...names.flatMap((l) => layerFiles(c, l, parts[l], files, secrets)),
    ],
  };
}

/** Every file of the rendered repository, sorted by path. */
export function buildRepository(
  config: ResolvedConfig,
  files: StaticFiles,
  secrets: Readonly<Record<string, readonly OutputFile[]>> = {},
  readmePath: string = DEFAULT_README,
  registry: readonly Component[] = COMPONENTS,
): OutputFile[] {
  checkedRegistry(registry);
  // Only the clouds the clusters run on: reviewers of an AWS platform need not read DigitalOcean's.
  const clouds = new Set(config.clusters.map((c) => c.provider));
  const shared = componentsOfAny(config, registry).flatMap((k) => k.renderShared?.(config) ?? []);
  const built = config.clusters.map((c) => ({
    c,
    ...cluster(c, config, files, shared, secrets[c.name] ?? [], registry),
  }));
  const out: OutputFile[] = [
    ...files.blueprints,
    ...files.overlays.filter((f) => {
      const cloud = /^overlays\/([^/]+)\//.exec(f.path)?.[1];
      return cloud === undefined || clouds.has(cloud as Provider);
    }),
    ...built.flatMap((b) => b.files),
    ...shared,
    {
      path: readmePath,
      content: renderReadme(config, {
        layers: new Map(built.map((b) => [b.c.name, b.layers])),
        secrets: new Map(built.map((b) => [b.c.name, secretNames(secrets[b.c.name] ?? [])])),
        registry,
      }),
    },
    ...renderWorkflows(config),
  ];
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
