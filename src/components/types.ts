// The shape every platform component has: what it adds to each layer of a cluster, the chart it
// pins, the Secrets it needs, what the rendered README says about it, where its files group in the
// pull request, and what `qhub check` verifies about it. The build (render/build.ts) assembles the
// registry's components (components/registry.ts); nothing else names a component. Pure: a component
// turns the resolved config into files and text, and never touches the file system.
import type { Finding } from "../check/analyze.js";
import type { KubeObject } from "../check/kustomize.js";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import type { SecretRef } from "../config/schema.js";
import type { OutputFile } from "../render/emit.js";
import type { GeneratedValue } from "../secrets/stable.js";

/** A cluster's Flux Kustomizations, in the order Flux applies them (each waits for the one before). */
export const LAYERS = ["capacity", "controllers", "configs", "platform", "smoke"] as const;
export type LayerName = (typeof LAYERS)[number];
/**
 * Layers a cluster has only when one of its components declares a part there (`layout`); the
 * others every cluster has. `capacity`: the node pools an autoscaler makes (`node_provisioning: auto`),
 * first: every later layer's pods (the controllers' too) wait for nodes of those pools.
 */
export const OPTIONAL_LAYERS: readonly LayerName[] = ["capacity"];
/** The name of a layer's Flux Kustomization (in flux-system). */
export function layerKustomization(layer: LayerName): string {
  return `qhub-${layer}`;
}
/** The layer whose Flux Kustomization decrypts: the components' Secrets are sealed into it. */
export const SECRETS_LAYER: LayerName = "platform";

/** A Helm chart a component installs, at the version QHub pins and tests (charts/ has its schema). */
export interface ChartPin {
  name: string;
  version: string;
  /** The Flux HelmRepository (in flux-system) the chart comes from. */
  repository: string;
}

/** What a component adds to one layer of a cluster (cluster-overlays/<cluster>/<layer>/). */
export interface LayerPart {
  /** What it holds, in a few words each, for the README's diagram and the layer summary. */
  summary?: string[];
  /** Files it writes in the layer's folder; `path` is relative to that folder. */
  files?: OutputFile[];
  /** Entries of the layer's kustomization.yaml `resources`, in order. */
  resources?: string[];
  /** Entries of the layer's kustomization.yaml `patches`, in order. */
  patches?: { patch: string }[];
}

export interface RenderContext {
  /** The whole config: components that share files across clusters look at every cluster. */
  config: ResolvedConfig;
  /** Relative path from a layer's folder to the repository root. */
  up: string;
  /** The cluster's layers, in the order Flux applies them (optional ones only where present). */
  layers: readonly LayerName[];
  /**
   * A digest of what an earlier layer applies: its files (sealed Secrets without their encrypted
   * bytes: a re-seal of the same values changes nothing), its kustomization and the shared folders
   * it names. Only for a layer before the component's first one (then every component that adds
   * to it has rendered); a component asking for another is QHub's bug.
   */
  layerDigest(layer: LayerName): string;
}

/** A Secret a component needs in its cluster's namespace: sealed with SOPS by the secrets stage. */
export interface SecretNeed {
  name: string;
  /** Values the config names (an environment variable or a file), by key, with the config path. */
  refs?: Record<string, { ref: SecretRef; path: string }>;
  /** Keys QHub makes once from a CSPRNG and keeps (never regenerated on a render). */
  generate?: Record<string, GeneratedValue>;
  /** Values people choose (passwords): the digest that detects change must resist guessing. */
  chosenByPeople?: boolean;
  /**
   * A HelmRelease reads it through `valuesFrom`: labelled `reconcile.fluxcd.io/watch: Enabled`, so
   * helm-controller upgrades the release when its values change (a rotated token rolls out).
   */
  watched?: boolean;
}

/** A `qhub check` of one cluster: every object Flux would apply there, and where each comes from. */
export interface CheckContext {
  cluster: string;
  /** Each object, its `Kind/namespace/name` (`Kind/name` when cluster-scoped), and the path that applies it. */
  objects: readonly { object: KubeObject; id: string; namespace: string; file: string }[];
  /** Whether Flux applies this object here or it is declared to exist (`--external`). */
  exists(kind: string, name: string, namespace?: string): boolean;
  /**
   * Reports, as `qhub check` reports any broken reference, when what `from` names as `what` (a
   * `kind` called `name`, in `namespace`: default `from`'s) is not applied here; nothing when it is
   * or when `name` is not a string.
   */
  refer(
    from: CheckContext["objects"][number],
    what: string,
    kind: string,
    name: unknown,
    namespace?: string,
    hint?: string,
  ): void;
  /** Records a finding about `object` (Kind/namespace/name) of `file`. */
  report(finding: Omit<Finding, "cluster" | "severity"> & { severity?: Finding["severity"] }): void;
}

export interface Component {
  /** Stable identifier: its pull-request group, its test name. Lowercase, dashes. */
  id: string;
  /** How people call it (README, PR body). */
  title: string;
  /** What it adds to the README's layout block, by layer (cluster-independent words). */
  layout: Partial<Record<LayerName, string>>;
  /** Whether the cluster has it at all (default: always). */
  enabled?(c: ResolvedCluster): boolean;
  /** Components whose objects must be applied first (same or earlier layer; the registry checks). */
  dependsOn?: readonly string[];
  /** The charts it installs. */
  charts?: readonly ChartPin[];
  /** Folders of blueprints/ that are its shared bases. */
  blueprints?: readonly string[];
  /** What it adds to each layer of the cluster. */
  render(c: ResolvedCluster, ctx: RenderContext): Partial<Record<LayerName, LayerPart>>;
  /** Files outside the clusters' overlays (shared by clusters), paths from the repository root. */
  renderShared?(config: ResolvedConfig): OutputFile[];
  /** The Secrets it needs in the cluster (sealed into the layer that decrypts: platform). */
  secrets?(c: ResolvedCluster): SecretNeed[];
  /** Names (first path segment) in a cluster's layer folders and top-level folders it owns. */
  owns?: readonly string[];
  readme?: {
    /** Lines of the README's layout block for the folders of renderShared. */
    tree?: readonly { path: string; about: string }[];
    /** Items of "what the cluster needs before Flux applies QHub", one line each. */
    needs?(c: ResolvedCluster): string[];
    /**
     * Sections of the README's top level (after Secrets), each a `##` title and its text;
     * `layers` gives a cluster's layers.
     */
    sections?(
      config: ResolvedConfig,
      layers: (c: ResolvedCluster) => readonly LayerName[],
    ): { title: string; body: string }[];
  };
  /** Its own checks over the objects Flux would apply in a cluster. */
  check?(ctx: CheckContext): void;
}
