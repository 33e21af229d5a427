// The platform's alerting rules and Grafana dashboards, as the stack's Prometheus and Grafana find
// them: a PrometheusRule with the release label its Prometheus selects, ConfigMaps with the label
// Grafana's dashboard sidecar watches (kube-prometheus-stack values.yaml: grafana.sidecar.dashboards
// label `grafana_dashboard`, labelValue "1", searchNamespace ALL). Every metric a query names is one
// the pinned versions export: test/monitoring.test.ts checks them against test/monitoring/.
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { ConfigMap } from "kubernetes-models/v1";
import type { ResolvedCluster } from "../../config/resolve.js";
import { STORAGE_CLAIM } from "../storage.js";
import { checked } from "../kit.js";
import flux from "./dashboards/flux.json" with { type: "json" };
import overview from "./dashboards/platform-overview.json" with { type: "json" };
import storage from "./dashboards/storage.json" with { type: "json" };

/** The NFS server's disk (blueprints/nfs-server/data.yaml), behind the shared claim with storage.type nfs. */
const NFS_SERVER_DISK = "nfs-server-data";

/** Grafana's dashboards, by file name. */
export const DASHBOARDS: Readonly<Record<string, unknown>> = {
  "qhub-platform-overview.json": overview,
  "qhub-storage.json": storage,
  "qhub-flux.json": flux,
};

/** The hub, the shared storage and Flux, each alerting with what to look at. */
export function alertRules(
  c: ResolvedCluster,
  metadata: { name: string; namespace: string; labels: Record<string, string> },
) {
  const ns = c.namespace;
  const shared = `persistentvolumeclaim=~"${STORAGE_CLAIM}|${NFS_SERVER_DISK}"`;
  const rule = new PrometheusRule({
    metadata,
    spec: {
      groups: [
        {
          name: "qhub",
          rules: [
            {
              alert: "QHubHubDown",
              // No hub target answering: the hub is down or Prometheus cannot reach it.
              expr: `absent(up{namespace="${ns}", service="hub"} == 1)`,
              for: "5m",
              labels: { severity: "critical" },
              annotations: {
                summary: `JupyterHub in ${ns} is down`,
                description: `No JupyterHub hub in namespace ${ns} has answered Prometheus for 5 minutes: kubectl -n ${ns} get pods -l component=hub`,
              },
            },
            {
              alert: "QHubSpawnFailures",
              expr: `sum(increase(jupyterhub_server_spawn_duration_seconds_count{namespace="${ns}", status="failure"}[15m])) > 0`,
              labels: { severity: "warning" },
              annotations: {
                summary: "User servers fail to start",
                description: `{{ $value | printf "%.0f" }} server spawns failed in the last 15 minutes (namespace ${ns}): see the hub's log.`,
              },
            },
            {
              alert: "QHubSharedStorageFull",
              expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="${ns}", ${shared}} / kubelet_volume_stats_capacity_bytes{namespace="${ns}", ${shared}}) > 0.8`,
              for: "10m",
              labels: { severity: "warning" },
              annotations: {
                summary: "Shared storage is above 80%",
                description: `{{ $labels.persistentvolumeclaim }} in ${ns} is {{ $value | humanizePercentage }} full: raise storage.shared_filesystem or storage.conda_store.`,
              },
            },
            {
              alert: "QHubFluxNotReady",
              expr: `max by (customresource_kind, exported_namespace, name) (gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease", ready!="True", suspended!="true"}) > 0`,
              for: "15m",
              labels: { severity: "warning" },
              annotations: {
                summary: "A Flux Kustomization or HelmRelease is not ready",
                description:
                  "{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} has not been ready for 15 minutes: flux get all -A",
              },
            },
          ],
        },
      ],
    },
  });
  return checked(c.name, "PrometheusRule qhub", "monitoring", rule);
}

/** One ConfigMap per dashboard, for Grafana's sidecar. */
export function dashboardConfigMaps(c: ResolvedCluster, namespace: string) {
  return Object.entries(DASHBOARDS).map(([file, dashboard]) =>
    checked(
      c.name,
      `ConfigMap ${file}`,
      "monitoring",
      new ConfigMap({
        metadata: {
          name: `grafana-dashboard-${file.replace(/\.json$/, "")}`,
          namespace,
          labels: { grafana_dashboard: "1" },
        },
        data: { [file]: `${JSON.stringify(dashboard, null, 2)}\n` },
      }),
    ),
  );
}
