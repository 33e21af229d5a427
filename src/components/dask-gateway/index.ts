// Dask Gateway as one HelmRelease: clusters authenticated through JupyterHub, workers of the sizes
// profiles.dask_worker names, running the conda environments conda-store builds (mounted read-only
// from the shared claim). The cluster options are Python beside this file (gateway.extraConfig);
// their data is JSON in the gateway's environment (the chart's values have no free-form key).
import type { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import type { ResolvedCluster, ResolvedDaskWorkerProfile } from "../../config/resolve.js";
import { quantityValue, runsDask } from "../../config/rules.js";
import { BugError } from "../../errors.js";
import { HEX_32 } from "../../secrets/stable.js";
import { STORAGE_CLAIM } from "../storage.js";
import { GPU_RESOURCE, tolerationsOf } from "../nvidia-device-plugin.js";
import type { Component } from "../types.js";
import { helmRelease, platformRelease, platformToken, platformTokens, splitImage } from "../kit.js";
import clusterOptionsPy from "./cluster_options.py";

export const DASK_GATEWAY_CHART = { name: "dask-gateway", version: "2026.3.0", repository: "dask" } as const;
/**
 * What the shipped Dask environment pins (environments/environment-dask.yaml) and `qhub upgrade`
 * writes into old ones: a client of the gateway's version, and its distributed.
 */
export const DASK_CLIENT_PINS = [`dask-gateway=${DASK_GATEWAY_CHART.version}`, "distributed=2026.3"] as const;

/** Where the hub proxies Dask Gateway, for users' `Gateway()` with no arguments. */
export const GATEWAY_PREFIX = "/services/dask-gateway";
// The Dask Gateway chart names its proxy Service traefik-<release>-dask-gateway... with release
// `dask-gateway` it is `traefik-dask-gateway`.
export const GATEWAY_PROXY_SERVICE = "traefik-dask-gateway";

/**
 * Where a Dask client in the cluster reaches its scheduler: the proxy's Service, which routes the
 * schedulers' TLS by SNI on the same port as the HTTP API (dask_gateway's `proxy_address`).
 */
export function gatewayProxyAddress(namespace: string): string {
  return `gateway://${GATEWAY_PROXY_SERVICE}.${namespace}:80`;
}
/** The platform token the hub registers the gateway's service with. */
export const GATEWAY_TOKEN = "dask-gateway-token";
/** The gateway's environment variable that carries the cluster options' data. */
const OPTIONS_ENV = "QHUB_DASK_OPTIONS";

/** Where conda-store builds environments on the shared volume, as user and Dask pods mount it. */
const CONDA_ENVS = "/home/conda/envs";

/** Labels the Dask Gateway chart puts on its Traefik proxy's pods (release `dask-gateway`). */
export const GATEWAY_PROXY_POD_LABELS = {
  "app.kubernetes.io/component": "traefik",
  "gateway.dask.org/instance": "dask-gateway",
} as const;
/** The proxy's container port: the chart serves HTTP and the schedulers' TLS on one entry point. */
export const GATEWAY_PROXY_POD_PORT = 8000;

/**
 * z2jh's singleuser NetworkPolicy lets notebooks reach only the hub, the proxy and public IPs;
 * a Dask client reaches its scheduler through the gateway's Traefik (`gateway://` proxy address,
 * TLS routed by SNI). Allow exactly that: to the proxy's pods, on its port.
 */
export function notebookToDaskEgress() {
  return [
    {
      to: [{ podSelector: { matchLabels: { ...GATEWAY_PROXY_POD_LABELS } } }],
      ports: [{ port: GATEWAY_PROXY_POD_PORT, protocol: "TCP" }],
    },
  ];
}

/** Most workers one cluster may have: what the worker pool holds at its largest (100 when unknown). */
function maxWorkers(c: ResolvedCluster): number {
  const pool = c.nodeGroups.worker.pool;
  return pool ? Math.max(1, pool.maxNodes * 4) : 100;
}

/**
 * A worker size's pod and container settings when it runs elsewhere than the worker pool or on a
 * GPU group: the chart's worker settings (conda volume and mount) with the group's labels,
 * tolerations of its taints and, on a GPU group, the GPUs each worker requests. They replace the
 * chart's `worker_extra_pod_config` and `worker_extra_container_config` for that size.
 */
function workerPlacement(c: ResolvedCluster, w: ResolvedDaskWorkerProfile) {
  const group = c.nodeGroups[w.nodeGroup];
  if (!group || (w.nodeGroup === "worker" && group.taints.length === 0 && !group.gpu)) return {};
  return {
    pod: {
      nodeSelector: group.nodeSelector,
      ...(group.taints.length > 0 ? { tolerations: tolerationsOf(group.taints) } : {}),
      ...condaVolume,
    },
    container: {
      ...condaMount,
      ...(group.gpu ? { resources: { limits: { [GPU_RESOURCE]: w.gpus } } } : {}),
    },
  };
}

const condaMount = {
  volumeMounts: [{ name: "qhub-conda", mountPath: "/home/conda", subPath: "conda", readOnly: true }],
};
const condaVolume = {
  volumes: [{ name: "qhub-conda", persistentVolumeClaim: { claimName: STORAGE_CLAIM } }],
};

/** The data cluster_options.py reads: worker sizes and environments, the first of each the default. */
function optionsData(c: ResolvedCluster) {
  const environments = c.environments.filter((e) => runsDask(e.spec)).map((e) => e.spec.name);
  if (environments.length === 0)
    throw new BugError(`cluster ${c.name}: no environment can run Dask (validation should have said so)`);
  return {
    workers: c.daskWorkerProfiles.map((w) => ({
      name: w.name,
      cores: w.cores,
      cores_limit: w.coresLimit,
      memory: Math.floor(quantityValue(w.memory)),
      memory_limit: Math.floor(quantityValue(w.memoryLimit)),
      threads: w.threads,
      image: w.image,
      ...workerPlacement(c, w),
    })),
    environments,
    prefix: CONDA_ENVS,
    max_workers: maxWorkers(c),
    idle_timeout: 1800,
  };
}

export function daskGatewayRelease(c: ResolvedCluster): HelmRelease {
  const general = c.nodeGroups.general.nodeSelector;
  const workerPod = { nodeSelector: c.nodeGroups.worker.nodeSelector };
  const release = helmRelease(
    c,
    DASK_GATEWAY_CHART,
    {
      gateway: {
        prefix: GATEWAY_PREFIX,
        nodeSelector: general,
        // apiToken comes from qhub-platform-tokens (valuesFrom below); the chart prefers it to the
        // Secret the hub chart would make.
        auth: { type: "jupyterhub" },
        backend: {
          image: splitImage(c.images.daskWorker),
          scheduler: { extraPodConfig: { ...workerPod, ...condaVolume }, extraContainerConfig: condaMount },
          worker: { extraPodConfig: { ...workerPod, ...condaVolume }, extraContainerConfig: condaMount },
        },
        // In the order written: the first worker profile and the first Dask environment are the defaults.
        env: [{ name: OPTIONS_ENV, value: `${JSON.stringify(optionsData(c), null, 2)}\n` }],
        extraConfig: { "qhub-cluster-options": clusterOptionsPy },
      },
      controller: { nodeSelector: general },
      traefik: { nodeSelector: general, service: { type: "ClusterIP" } },
    },
    [platformToken(GATEWAY_TOKEN, "gateway.auth.jupyterhub.apiToken")],
  );
  // The chart's crds/ holds its DaskCluster CRD beside copies of Traefik's CRDs, which the Traefik
  // release owns (blueprints/traefik, applied a layer earlier): create what is missing on install
  // (Helm skips CRDs that exist), never replace Traefik's with the gateway's copies.
  if (release.spec) {
    release.spec.install = { ...release.spec.install, crds: "Create" };
    release.spec.upgrade = { ...release.spec.upgrade, crds: "Skip" };
  }
  return release;
}

export const daskGateway: Component = {
  id: "dask-gateway",
  title: "Dask Gateway",
  layout: { platform: "Dask Gateway" },
  dependsOn: ["storage", "traefik"],
  charts: [DASK_GATEWAY_CHART],
  blueprints: ["dask-gateway"],
  owns: ["dask-gateway.yaml"],
  render: (c, { up }) =>
    platformRelease(c, up, "Dask Gateway", "profiles.dask_worker, environments", daskGatewayRelease(c)),
  secrets: () => [platformTokens({ [GATEWAY_TOKEN]: HEX_32 })],
};
