// Facts about the pinned upstream versions that monitoring relies on, read at the sources listed in
// test/monitoring/README.md (each entry names its file). Data only: the test holds QHub's dashboards,
// rules and monitors to these, never the other way round.

/** A metric's name and, for histograms, the series Prometheus stores (`_bucket`, `_count`, `_sum`). */
export interface Metric {
  name: string;
  histogram?: boolean;
}

/** Metric names each source exports, by source. */
export const METRICS: Record<string, Metric[]> = {
  // jupyterhub/jupyterhub 5.5.0 (z2jh 4.4.0's images/hub/requirements.txt), jupyterhub/metrics.py;
  // every name gets the prefix JUPYTERHUB_METRICS_PREFIX, default `jupyterhub`.
  "jupyterhub 5.5.0": [
    { name: "jupyterhub_request_duration_seconds", histogram: true },
    { name: "jupyterhub_server_spawn_duration_seconds", histogram: true },
    { name: "jupyterhub_running_servers" },
    { name: "jupyterhub_total_users" },
    { name: "jupyterhub_active_users" },
    { name: "jupyterhub_check_routes_duration_seconds", histogram: true },
    { name: "jupyterhub_hub_startup_duration_seconds", histogram: true },
    { name: "jupyterhub_init_spawners_duration_seconds", histogram: true },
    { name: "jupyterhub_proxy_poll_duration_seconds", histogram: true },
    { name: "jupyterhub_proxy_add_duration_seconds", histogram: true },
    { name: "jupyterhub_server_poll_duration_seconds", histogram: true },
    { name: "jupyterhub_server_stop_seconds", histogram: true },
    { name: "jupyterhub_proxy_delete_duration_seconds", histogram: true },
    { name: "jupyterhub_event_loop_interval_seconds", histogram: true },
  ],
  // dask/distributed 2026.3.0, distributed/http/scheduler/prometheus/core.py (namespace `dask`,
  // subsystem `scheduler`): the gauges and counters the scheduler's /metrics serves.
  "distributed 2026.3.0 scheduler": [
    { name: "dask_scheduler_clients" },
    { name: "dask_scheduler_client_connections_added" },
    { name: "dask_scheduler_client_connections_removed" },
    { name: "dask_scheduler_desired_workers" },
    { name: "dask_scheduler_workers" },
    { name: "dask_scheduler_workers_added" },
    { name: "dask_scheduler_workers_removed" },
    { name: "dask_scheduler_tasks" },
  ],
  // kubernetes/kubernetes pkg/kubelet/metrics/metrics.go (KubeletSubsystem `kubelet`, the
  // VolumeStats*Key names) and pkg/kubelet/metrics/collectors/volume_stats.go: per claim, with the
  // labels namespace and persistentvolumeclaim; scraped by kube-prometheus-stack's kubelet ServiceMonitor.
  "kubelet volume stats": [
    { name: "kubelet_volume_stats_capacity_bytes" },
    { name: "kubelet_volume_stats_available_bytes" },
    { name: "kubelet_volume_stats_used_bytes" },
    { name: "kubelet_volume_stats_inodes" },
    { name: "kubelet_volume_stats_inodes_free" },
    { name: "kubelet_volume_stats_inodes_used" },
  ],
  // fluxcd/flux2-monitoring-example (7ab65dc8), monitoring/controllers/kube-prometheus-stack/
  // kube-state-metrics-config.yaml: metricNamePrefix `gotk` + metric `resource_info`; QHub's
  // kube-state-metrics values make the same (src/components/monitoring/index.ts).
  "kube-state-metrics custom resource state (Flux)": [{ name: "gotk_resource_info" }],
  // Prometheus itself, for every target it scrapes.
  prometheus: [{ name: "up" }],
};

/** Labels kube-state-metrics' custom resource state adds to every metric (its docs, "Metrics"). */
export const FLUX_RESOURCE_LABELS = [
  "customresource_group",
  "customresource_kind",
  "customresource_version",
  "name",
  "exported_namespace",
  "ready",
  "suspended",
];

/** Labels and named ports the pinned charts' templates put on what QHub's monitors select. */
export interface Target {
  /** Where the labels are set. */
  source: string;
  kind: "Service" | "Pod";
  /** The namespace QHub installs it in (`<platform>` for the cluster's namespace). */
  namespace: string;
  labels: Record<string, string>;
  /** Named ports, with the path that serves metrics. */
  ports: Record<string, string>;
}

export const TARGETS: Record<string, Target> = {
  jupyterhub: {
    source:
      "jupyterhub/zero-to-jupyterhub-k8s 4.4.0 (5c5f5df7) jupyterhub/templates/hub/service.yaml: labels from jupyterhub.labels (_helpers.tpl), release jupyterhub; port `hub`, 8081, annotated prometheus.io/path /hub/metrics",
    kind: "Service",
    namespace: "<platform>",
    labels: {
      component: "hub",
      app: "jupyterhub",
      release: "jupyterhub",
      chart: "jupyterhub-4.4.0",
      heritage: "Helm",
      "app.kubernetes.io/component": "hub",
      "app.kubernetes.io/name": "jupyterhub",
      "app.kubernetes.io/instance": "jupyterhub",
      "helm.sh/chart": "jupyterhub-4.4.0",
      "app.kubernetes.io/managed-by": "Helm",
    },
    ports: { hub: "/hub/metrics" },
  },
  "dask-schedulers": {
    source:
      "dask/dask-gateway 2026.3.0 (82efdfab) dask-gateway-server/dask_gateway_server/backends/kubernetes/controller.py get_labels (common_labels from backend.py; gateway_instance is the chart's fullname, dask-gateway) and the scheduler container's ports (dashboard 8787, where distributed serves /metrics)",
    kind: "Pod",
    namespace: "<platform>",
    labels: {
      "app.kubernetes.io/name": "dask-gateway",
      "app.kubernetes.io/version": "2026.3.0",
      "gateway.dask.org/instance": "dask-gateway",
      "gateway.dask.org/cluster": "<cluster name>",
      "app.kubernetes.io/component": "dask-scheduler",
    },
    ports: { dashboard: "/metrics" },
  },
  traefik: {
    source:
      "traefik/traefik-helm-chart v41.3.0 (a8a66d00) traefik/templates/_helpers.tpl traefik.labelselector (instance `<release>-<namespace>`: traefik-traefik); values.yaml ports.metrics (9100) and metrics.prometheus.entryPoint metrics",
    kind: "Pod",
    namespace: "traefik",
    labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" },
    ports: { metrics: "/metrics" },
  },
  "flux-system": {
    source:
      "fluxcd/flux2-monitoring-example (7ab65dc8) monitoring/configs/podmonitor.yaml: Flux's controllers carry `app: <controller>` and serve metrics on port http-prom",
    kind: "Pod",
    namespace: "flux-system",
    labels: { app: "helm-controller|source-controller|kustomize-controller|notification-controller" },
    ports: { "http-prom": "/metrics" },
  },
};

/**
 * What the stack's Prometheus selects: kube-prometheus-stack 88.5.3 (ea930bae) values.yaml
 * `serviceMonitorSelectorNilUsesHelmValues`, `podMonitorSelectorNilUsesHelmValues`,
 * `ruleSelectorNilUsesHelmValues` (true) and templates/prometheus/prometheus.yaml, which then writes
 * `matchLabels: { release: <release name> }`; the namespace selectors are {} (every namespace).
 */
export const PROMETHEUS_SELECTOR = { release: "kube-prometheus-stack" };

/** The Grafana sidecar's dashboard label: the same values.yaml, grafana.sidecar.dashboards. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" };
