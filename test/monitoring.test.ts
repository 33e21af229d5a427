// Monitoring against the pinned upstream versions (test/monitoring/upstream.ts, sources in its
// README): every monitor carries the label the stack's Prometheus selects and selects labels and a
// port the chart's templates set; every query of the dashboards and alerting rules names only
// metrics the pinned versions export. The checkers are shown to fail on a wrong name or label.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { DASHBOARDS } from "../src/components/monitoring/alerts.js";
import { renderFixture } from "./helpers.js";
import {
  FLUX_RESOURCE_LABELS,
  GRAFANA_DASHBOARD_LABEL,
  METRICS,
  PROMETHEUS_SELECTOR,
  TARGETS,
} from "./monitoring/upstream.js";

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
};

const PLATFORM_NAMESPACE = "dev";

/** Series names a pinned version exports (histograms as Prometheus stores them). */
const KNOWN = new Set(
  Object.values(METRICS).flatMap((ms) =>
    ms.flatMap((m) => (m.histogram ? ["_bucket", "_count", "_sum"].map((s) => m.name + s) : [m.name])),
  ),
);

/** PromQL words that are not metric names (functions and aggregations are followed by "("). */
const PROMQL_WORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"]);

/** The metric names a PromQL expression selects. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n)))];
}

/** Names an expression uses that no pinned version exports. */
function unknownMetrics(expr: string): string[] {
  return metricNames(expr).filter((n) => !KNOWN.has(n));
}

/** What is wrong with a monitor against the upstream facts of what it scrapes. */
function monitorProblems(m: Obj): string[] {
  const problems: string[] = [];
  const target = TARGETS[m.metadata.name];
  if (!target) return [`${m.metadata.name}: no upstream facts for it`];
  for (const [k, v] of Object.entries(PROMETHEUS_SELECTOR))
    if (m.metadata.labels?.[k] !== v) problems.push(`${m.metadata.name}: not labelled ${k}=${v}`);
  if ((m.kind === "ServiceMonitor") !== (target.kind === "Service"))
    problems.push(`${m.metadata.name}: a ${m.kind} for a ${target.kind}`);
  const spec = m.spec as {
    namespaceSelector?: { matchNames?: string[] };
    selector: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values: string[] }[];
    };
    endpoints?: { port: string; path?: string }[];
    podMetricsEndpoints?: { port: string; path?: string }[];
  };
  const ns = target.namespace.replace("<platform>", PLATFORM_NAMESPACE);
  if (JSON.stringify(spec.namespaceSelector?.matchNames) !== JSON.stringify([ns]))
    problems.push(`${m.metadata.name}: looks in ${JSON.stringify(spec.namespaceSelector)}, not ${ns}`);
  for (const [k, v] of Object.entries(spec.selector.matchLabels ?? {}))
    if (target.labels[k] !== v)
      problems.push(`${m.metadata.name}: selects ${k}=${v}, which the chart does not set`);
  for (const e of spec.selector.matchExpressions ?? []) {
    const allowed = (target.labels[e.key] ?? "").split("|");
    if (e.operator !== "In" || e.values.some((v) => !allowed.includes(v)))
      problems.push(`${m.metadata.name}: selects ${e.key} ${e.operator} ${e.values.join(",")}`);
  }
  const selects =
    Object.keys(spec.selector.matchLabels ?? {}).length + (spec.selector.matchExpressions ?? []).length;
  if (selects === 0) problems.push(`${m.metadata.name}: selects everything`);
  for (const ep of spec.endpoints ?? spec.podMetricsEndpoints ?? []) {
    const path = target.ports[ep.port];
    if (path === undefined) problems.push(`${m.metadata.name}: port ${ep.port} is not one of the chart's`);
    else if ((ep.path ?? "/metrics") !== path)
      problems.push(`${m.metadata.name}: path ${ep.path ?? "/metrics"}, the metrics are at ${path}`);
  }
  return problems;
}

let platform: Obj[] = [];
let configs: Obj[] = [];

beforeAll(async () => {
  const out = await renderFixture("local", "laptop");
  const read = (layer: string) =>
    parseAllDocuments(readFileSync(join(out, layer, "monitoring.yaml"), "utf8")).map((d) => d.toJS() as Obj);
  platform = read("platform");
  configs = read("configs");
});

describe("monitors select what the pinned charts label, and Prometheus selects them", () => {
  test("the stack's Prometheus keeps the chart's default selectors (release label, every namespace)", () => {
    const release = configs.find((o) => o.kind === "HelmRelease")!;
    expect(release.metadata.name).toBe(PROMETHEUS_SELECTOR.release);
    expect((release.spec as { releaseName: string }).releaseName).toBe(PROMETHEUS_SELECTOR.release);
    const spec = (release.spec as { values: { prometheus: { prometheusSpec: Record<string, unknown> } } })
      .values.prometheus.prometheusSpec;
    for (const key of Object.keys(spec))
      expect(key).not.toMatch(/^(serviceMonitor|podMonitor|rule)(Namespace)?Selector/);
  });

  test("each ServiceMonitor and PodMonitor agrees with the upstream labels, namespace and port", () => {
    const monitors = platform.filter((o) => o.kind === "ServiceMonitor" || o.kind === "PodMonitor");
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(Object.keys(TARGETS).sort());
    for (const m of monitors) expect(monitorProblems(m), m.metadata.name).toEqual([]);
  });

  test("the check fails on a label the chart does not set, a wrong port and a missing release label", () => {
    const hub = structuredClone(platform.find((o) => o.metadata.name === "jupyterhub")!);
    (hub.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels.component =
      "proxy";
    (hub.spec as { endpoints: { port: string }[] }).endpoints[0]!.port = "http";
    delete hub.metadata.labels!.release;
    expect(monitorProblems(hub)).toEqual([
      "jupyterhub: not labelled release=kube-prometheus-stack",
      "jupyterhub: selects component=proxy, which the chart does not set",
      "jupyterhub: port http is not one of the chart's",
    ]);
  });
});

describe("alerting rules", () => {
  test("Prometheus selects the rule; hub down, spawn failures, storage above 80%, Flux not ready for 15 minutes", () => {
    const rule = platform.find((o) => o.kind === "PrometheusRule")!;
    expect(rule.metadata.labels).toMatchObject(PROMETHEUS_SELECTOR);
    const rules = (
      rule.spec as { groups: { rules: { alert: string; expr: string; for?: string }[] }[] }
    ).groups.flatMap((g) => g.rules);
    const by = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(Object.keys(by).sort()).toEqual([
      "QHubFluxNotReady",
      "QHubHubDown",
      "QHubSharedStorageFull",
      "QHubSpawnFailures",
    ]);
    expect(by.QHubFluxNotReady!.for).toBe("15m");
    expect(by.QHubFluxNotReady!.expr).toContain('customresource_kind=~"Kustomization|HelmRelease"');
    expect(by.QHubSharedStorageFull!.expr).toMatch(/> 0\.8$/);
    expect(by.QHubHubDown!.expr).toContain(`namespace="${PLATFORM_NAMESPACE}"`);
    for (const r of rules) expect(unknownMetrics(r.expr), r.alert).toEqual([]);
  });
});

describe("Grafana dashboards", () => {
  const queries = (dashboard: unknown): string[] =>
    ((dashboard as { panels: { targets?: { expr: string }[] }[] }).panels ?? []).flatMap((p) =>
      (p.targets ?? []).map((t) => t.expr),
    );

  test("each is a labelled ConfigMap the sidecar loads, holding parseable JSON with a unique uid", () => {
    const maps = platform.filter((o) => o.kind === "ConfigMap");
    expect(maps).toHaveLength(Object.keys(DASHBOARDS).length);
    const uids = new Set<string>();
    for (const m of maps) {
      expect(m.metadata.labels).toMatchObject(GRAFANA_DASHBOARD_LABEL);
      for (const text of Object.values(m.data ?? {})) {
        const d = JSON.parse(text) as { uid: string; title: string };
        uids.add(d.uid);
        expect(queries(d).length, d.title).toBeGreaterThan(0);
      }
    }
    expect(uids.size).toBe(maps.length);
  });

  test("every query names only metrics the pinned versions export", () => {
    for (const [file, d] of Object.entries(DASHBOARDS))
      for (const q of queries(d)) expect(unknownMetrics(q), `${file}: ${q}`).toEqual([]);
  });

  test("the platform overview shows active users, running servers, spawn latency and failures, Dask clusters and workers", () => {
    const names = new Set(queries(DASHBOARDS["qhub-platform-overview.json"]).flatMap(metricNames));
    for (const n of [
      "jupyterhub_active_users",
      "jupyterhub_running_servers",
      "jupyterhub_server_spawn_duration_seconds_bucket",
      "jupyterhub_server_spawn_duration_seconds_count",
      "dask_scheduler_clients",
      "dask_scheduler_workers",
    ])
      expect(names).toContain(n);
  });

  test("Flux queries use only the labels kube-state-metrics gives gotk_resource_info", () => {
    const flux = [
      ...queries(DASHBOARDS["qhub-flux.json"]),
      ...platform
        .filter((o) => o.kind === "PrometheusRule")
        .flatMap((o) =>
          (o.spec as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) =>
            g.rules.map((r) => r.expr),
          ),
        ),
    ].filter((q) => q.includes("gotk_resource_info"));
    expect(flux.length).toBeGreaterThan(0);
    for (const q of flux)
      for (const m of q.matchAll(/(\w+)\s*(?:=~|!=|!~|=)\s*"/g))
        expect(FLUX_RESOURCE_LABELS, q).toContain(m[1]);
  });

  test("the metric-name check finds names no pinned version exports", () => {
    expect(
      metricNames('sum by (state) (rate(dask_scheduler_workers{state="idle"}[5m])) or vector(0)'),
    ).toEqual(["dask_scheduler_workers"]);
    expect(unknownMetrics("jupyterhub_running_servers + jupyterhub_spawn_failures_total")).toEqual([
      "jupyterhub_spawn_failures_total",
    ]);
    expect(unknownMetrics("jupyterhub_active_users_bucket")).toEqual(["jupyterhub_active_users_bucket"]);
  });
});
