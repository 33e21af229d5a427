// Monitoring (`monitoring.enabled`, QHub 0.4's key): the Prometheus operator stack
// (kube-prometheus-stack) in its own namespace, applied in the configs layer so that its CRDs exist
// before the platform layer's ServiceMonitors and PodMonitors, which scrape the hub, the Dask
// schedulers, Traefik and Flux's controllers. Every label a monitor selects is the one the pinned
// chart's templates put on the Service or Pod (sources cited at each; test/monitoring.test.ts
// holds them to the upstream facts in test/monitoring/).
import { PodMonitor, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Namespace } from "kubernetes-models/v1";
import type { ResolvedCluster } from "../../config/resolve.js";
import { toYamlDocuments } from "../../render/emit.js";
import type { Component } from "../types.js";
import { HEX_32 } from "../../secrets/stable.js";
import { checked, helmRelease, PLATFORM_TOKENS_SECRET, platformRelease } from "../kit.js";
import { GRAFANA_CHART, GRAFANA_OAUTH_TOKEN, grafanaRelease } from "./grafana.js";
import { alertRules, dashboardConfigMaps } from "./alerts.js";

export const KUBE_PROMETHEUS_STACK_CHART = {
  name: "kube-prometheus-stack",
  version: "88.5.3",
  repository: "prometheus-community",
} as const;

/** The namespace of the stack (operator, Prometheus, Alertmanager, kube-state-metrics). */
export const MONITORING_NAMESPACE = "monitoring";

/**
 * The chart's Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules labelled with its
 * release (`*SelectorNilUsesHelmValues: true` in values.yaml; templates/prometheus/prometheus.yaml
 * writes `matchLabels: { release: <release name> }`), in every namespace (`*NamespaceSelector: {}`).
 */
export const PROMETHEUS_SELECTS = { release: KUBE_PROMETHEUS_STACK_CHART.name } as const;

/**
 * Kube-state-metrics' custom resource state for Flux's Kustomizations and HelmReleases: the
 * `gotk_resource_info` metric with a `ready` label, as fluxcd/flux2-monitoring-example's
 * monitoring/controllers/kube-prometheus-stack/kube-state-metrics-config.yaml makes it (without
 * its `--custom-resource-state-only`, so the standard kube-state-metrics stay).
 */
function fluxResourceState() {
  const resource = (group: string, version: string, kind: string) => ({
    groupVersionKind: { group, version, kind },
    metricNamePrefix: "gotk",
    metrics: [
      {
        name: "resource_info",
        help: `The current state of a Flux ${kind} resource.`,
        each: { type: "Info", info: { labelsFromPath: { name: ["metadata", "name"] } } },
        labelsFromPath: {
          exported_namespace: ["metadata", "namespace"],
          ready: ["status", "conditions", "[type=Ready]", "status"],
          suspended: ["spec", "suspend"],
        },
      },
    ],
  });
  return {
    rbac: {
      extraRules: [
        {
          apiGroups: ["kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"],
          resources: ["kustomizations", "helmreleases"],
          verbs: ["list", "watch"],
        },
      ],
    },
    customResourceState: {
      enabled: true,
      config: {
        spec: {
          resources: [
            resource("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
            resource("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
          ],
        },
      },
    },
  };
}

/** The stack's HelmRelease: Prometheus's retention and volume from the config, on the block class. */
export function stackRelease(c: ResolvedCluster) {
  const general = c.nodeGroups.general.nodeSelector;
  const release = helmRelease(
    c,
    KUBE_PROMETHEUS_STACK_CHART,
    {
      prometheusOperator: { nodeSelector: general },
      prometheus: {
        prometheusSpec: {
          nodeSelector: general,
          retention: c.monitoring.retention,
          storageSpec: {
            volumeClaimTemplate: {
              spec: {
                ...(c.storage.blockClass ? { storageClassName: c.storage.blockClass } : {}),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: c.monitoring.storageSize } },
              },
            },
          },
        },
      },
      alertmanager: { alertmanagerSpec: { nodeSelector: general } },
      "kube-state-metrics": { nodeSelector: general, ...fluxResourceState() },
      // Grafana is its own release in the platform layer (grafana.ts says why).
      grafana: { enabled: false },
    },
    [],
  );
  if (release.metadata) release.metadata.namespace = MONITORING_NAMESPACE;
  // The stack's release owns the prometheus-operator CRDs (as Flux's monitoring example does).
  if (release.spec) {
    release.spec.install = { ...release.spec.install, crds: "CreateReplace" };
    release.spec.upgrade = { ...release.spec.upgrade, crds: "CreateReplace" };
  }
  return release;
}

/** The hub's metrics: z2jh 4.4.0 templates/hub/service.yaml (labels from jupyterhub.labels), port `hub`. */
export const HUB_SERVICE_LABELS = { app: "jupyterhub", component: "hub", release: "jupyterhub" } as const;
/** Dask schedulers' pods: dask-gateway 2026.3.0 backends/kubernetes/controller.py get_labels, port `dashboard`. */
export const DASK_SCHEDULER_POD_LABELS = {
  "app.kubernetes.io/name": "dask-gateway",
  "gateway.dask.org/instance": "dask-gateway",
  "app.kubernetes.io/component": "dask-scheduler",
} as const;
/** Traefik's pods: traefik 41.3.0 templates/_helpers.tpl traefik.labelselector (release traefik in traefik). */
export const TRAEFIK_POD_LABELS = {
  "app.kubernetes.io/name": "traefik",
  "app.kubernetes.io/instance": "traefik-traefik",
} as const;
/** Flux's controllers (label `app`, port `http-prom`), as fluxcd/flux2-monitoring-example's podmonitor.yaml. */
export const FLUX_CONTROLLERS = [
  "helm-controller",
  "source-controller",
  "kustomize-controller",
  "notification-controller",
] as const;

/**
 * The platform layer's monitors, in the platform's namespace like everything of that layer (the
 * stack's Prometheus looks in every namespace), each naming the namespace of its targets.
 */
export function monitors(c: ResolvedCluster) {
  const meta = (name: string) => ({
    name,
    namespace: c.namespace,
    labels: { ...PROMETHEUS_SELECTS },
  });
  const pods = (
    name: string,
    namespace: string,
    selector: PodMonitor["spec"]["selector"],
    endpoint: { port: string; path?: string },
  ) =>
    checked(
      c.name,
      `PodMonitor ${name}`,
      "monitoring",
      new PodMonitor({
        metadata: meta(name),
        spec: { namespaceSelector: { matchNames: [namespace] }, selector, podMetricsEndpoints: [endpoint] },
      }),
    );
  const hub = new ServiceMonitor({
    metadata: meta("jupyterhub"),
    spec: {
      namespaceSelector: { matchNames: [c.namespace] },
      selector: { matchLabels: { ...HUB_SERVICE_LABELS } },
      // The hub serves /hub/metrics without a token: hub.authenticatePrometheus is false.
      endpoints: [{ port: "hub", path: "/hub/metrics" }],
    },
  });
  return [
    checked(c.name, "ServiceMonitor jupyterhub", "monitoring", hub),
    // distributed's scheduler serves Prometheus metrics on its dashboard port.
    pods(
      "dask-schedulers",
      c.namespace,
      { matchLabels: { ...DASK_SCHEDULER_POD_LABELS } },
      {
        port: "dashboard",
        path: "/metrics",
      },
    ),
    pods(
      "traefik",
      "traefik",
      { matchLabels: { ...TRAEFIK_POD_LABELS } },
      { port: "metrics", path: "/metrics" },
    ),
    pods(
      "flux-system",
      "flux-system",
      { matchExpressions: [{ key: "app", operator: "In", values: [...FLUX_CONTROLLERS] }] },
      { port: "http-prom" },
    ),
  ];
}

export const monitoring: Component = {
  id: "monitoring",
  title: "Monitoring",
  layout: { configs: "Prometheus stack", platform: "monitors, alerts, dashboards, Grafana" },
  enabled: (c) => c.monitoring.enabled,
  dependsOn: ["jupyterhub", "dask-gateway", "traefik"],
  charts: [KUBE_PROMETHEUS_STACK_CHART, GRAFANA_CHART],
  blueprints: ["kube-prometheus-stack", "grafana"],
  owns: ["monitoring.yaml", "grafana.yaml"],
  render(c, { up }) {
    const ns = checked(
      c.name,
      `Namespace ${MONITORING_NAMESPACE}`,
      "monitoring",
      new Namespace({ metadata: { name: MONITORING_NAMESPACE } }),
    );
    const release = checked(c.name, "HelmRelease kube-prometheus-stack", "monitoring", stackRelease(c));
    const grafana = platformRelease(
      c,
      up,
      "Grafana",
      "monitoring, domain",
      grafanaRelease(c, MONITORING_NAMESPACE),
    );
    return {
      controllers: {
        resources: [`${up}/blueprints/kube-prometheus-stack`, ...(grafana.controllers?.resources ?? [])],
      },
      configs: {
        summary: ["Prometheus stack"],
        files: [{ path: "monitoring.yaml", content: toYamlDocuments([ns, release]) }],
        resources: ["monitoring.yaml"],
      },
      platform: {
        summary: ["monitors, alerts, dashboards", ...(grafana.platform?.summary ?? [])],
        files: [
          ...(grafana.platform?.files ?? []),
          {
            path: "monitoring.yaml",
            content: toYamlDocuments([
              ...monitors(c),
              alertRules(c, {
                name: "qhub",
                namespace: c.namespace,
                labels: { ...PROMETHEUS_SELECTS },
              }),
              ...dashboardConfigMaps(c, c.namespace),
            ]),
          },
        ],
        resources: ["monitoring.yaml", ...(grafana.platform?.resources ?? [])],
      },
    };
  },
  // Grafana's OAuth client secret: the token of the hub's Grafana service (both releases, valuesFrom).
  secrets: () => [{ name: PLATFORM_TOKENS_SECRET, generate: { [GRAFANA_OAUTH_TOKEN]: HEX_32 } }],
};
