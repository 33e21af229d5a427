// What components build with: validated typed objects, Kustomize files, HelmReleases and their
// values patches, the platform's URLs. Pure.
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import type { ResolvedCluster } from "../config/resolve.js";
import { quantityValue } from "../config/rules.js";
import { BugError } from "../errors.js";
import { toYaml } from "../render/emit.js";
import type { GeneratedValue } from "../secrets/stable.js";
import type { ChartPin, LayerName, LayerPart, SecretNeed } from "./types.js";

interface Validatable {
  validate(): void;
}

/**
 * Validates a built object; a failure is QHub's bug, named by cluster, object and the config
 * path the object was built from.
 */
export function checked<T extends Validatable>(cluster: string, what: string, from: string, object: T): T {
  try {
    object.validate();
  } catch (err) {
    throw new BugError(
      `cluster ${cluster}: ${what}, built from \`${from}\`, is invalid: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return object;
}

/** A kustomization.yaml. */
export function kustomization(body: Record<string, unknown>): string {
  return toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", ...body });
}

/** A strategic-merge patch of a HelmRelease's values, written inline for reviewers. */
export function valuesPatch(name: string, namespace: string, values: Record<string, unknown>) {
  return {
    patch: toYaml({
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name, namespace },
      spec: { values },
    }),
  };
}

/** A value Flux puts into a chart's values from a Secret (never written in the repository). */
export interface SecretValue {
  kind: "Secret";
  name: string;
  valuesKey: string;
  targetPath: string;
}

/** The Secret of tokens QHub generates once for the platform's services (hub, proxy, gateway). */
export const PLATFORM_TOKENS_SECRET = "qhub-platform-tokens";

/** Tokens QHub generates once into qhub-platform-tokens, which HelmReleases read (watched: a rotation rolls out). */
export function platformTokens(generate: Record<string, GeneratedValue>): SecretNeed {
  return { name: PLATFORM_TOKENS_SECRET, generate, watched: true };
}

/** A generated token, put into a chart's values by Flux (never written in the repository). */
export function platformToken(key: string, targetPath: string): SecretValue {
  return { kind: "Secret", name: PLATFORM_TOKENS_SECRET, valuesKey: key, targetPath };
}

/**
 * Drift detection and remediation every HelmRelease of QHub carries: helm-controller compares the
 * cluster's objects with the release on every reconcile and corrects changes made by hand
 * (https://fluxcd.io/flux/components/helm/helmreleases/#drift-detection); a failed install or
 * upgrade is retried 3 times, then rolled back. The static releases of blueprints/ say the same
 * (test/components.test.ts holds them to it).
 */
export const RELEASE_REMEDIATION = {
  install: { remediation: { retries: 3 } },
  upgrade: { remediation: { retries: 3, remediateLastFailure: true } },
  driftDetection: { mode: "enabled" as const },
};

/** A HelmRelease of `chart` in the cluster's namespace, with QHub's intervals and remediation. */
export function helmRelease(
  c: ResolvedCluster,
  chart: ChartPin,
  values: Record<string, unknown>,
  valuesFrom: SecretValue[],
): HelmRelease {
  return new HelmRelease({
    metadata: { name: chart.name, namespace: c.namespace },
    spec: {
      interval: "30m",
      timeout: "15m",
      releaseName: chart.name,
      chart: {
        spec: {
          chart: chart.name,
          version: chart.version,
          sourceRef: { kind: "HelmRepository", name: chart.repository, namespace: "flux-system" },
        },
      },
      ...RELEASE_REMEDIATION,
      values,
      valuesFrom,
    },
  });
}

/** `registry/name:tag` as Helm charts want it. */
export function splitImage(image: string): { name: string; tag: string } {
  const at = image.indexOf("@");
  if (at !== -1) return { name: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/")
    ? { name: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { name: image, tag: "latest" };
}

/** The scheme users reach the platform by. */
export function scheme(c: ResolvedCluster): string {
  return c.certificate.type === "disabled" ? "http" : "https";
}

/** Where a cluster's OAuth provider sends users back after they log in. */
export function callbackUrl(c: ResolvedCluster): string {
  return `${scheme(c)}://${c.domain}/hub/oauth_callback`;
}

/** The shared volume's size: home folders and conda environments on one claim. */
export function totalStorage(c: ResolvedCluster): string {
  const bytes = quantityValue(c.storage.sharedFilesystem) + quantityValue(c.storage.condaStore);
  return `${Math.ceil(bytes / 2 ** 30)}Gi`;
}

/** A missing value validation should have refused: QHub's bug. */
export function missing(c: ResolvedCluster, key: string): never {
  throw new BugError(`cluster ${c.name}: ${key} is missing (validation should have said so)`);
}

/** The string at a dotted path of a parsed object, or undefined. */
export function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const k of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * What a chart of the platform layer adds: its source (the HelmRepository blueprint, in flux-system)
 * to the controllers layer, so that it is ready first, and its validated HelmRelease as
 * `<chart>.yaml` to the platform layer, labelled `title` in the diagram.
 */
export function platformRelease(
  c: ResolvedCluster,
  up: string,
  title: string,
  from: string,
  release: HelmRelease,
): Partial<Record<LayerName, LayerPart>> {
  const name = release.metadata?.name ?? "";
  checked(c.name, `HelmRelease ${name}`, from, release);
  return {
    controllers: { resources: [`${up}/blueprints/${name}`] },
    platform: {
      summary: [title],
      files: [{ path: `${name}.yaml`, content: toYaml(release) }],
      resources: [`${name}.yaml`],
    },
  };
}
