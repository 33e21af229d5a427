// Two Traefiks share the cluster: the main ingress (blueprints/traefik) and the Dask Gateway's own
// proxy. Each must load only its own IngressRoutes, and one release must own the Traefik CRDs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { ROOT } from "./helpers.js";
import { parsedFile, platformConfigs, renderConfig } from "./rendered.js";

interface Release {
  spec: {
    install?: { crds?: string };
    upgrade?: { crds?: string };
    values: { providers?: { kubernetesCRD?: { labelSelector?: string } } };
  };
}

/** Kubernetes label-selector syntax as Traefik's labelSelector takes it: `k=v`, `k`, `!k`, joined by commas. */
function selects(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "")
    .every((t) => {
      if (t.startsWith("!")) return !(t.slice(1) in labels);
      const [k, v] = t.split("=");
      return v === undefined ? k! in labels : labels[k!] === v;
    });
}

// dask-gateway 2026.3: the chart's IngressRoute and the ones its controller makes per cluster carry
// gateway.dask.org/instance (templates/gateway/ingressroute.yaml, dask-gateway.labels; controller
// get_labels); its Traefik loads those labelled with its instance (templates/traefik/deployment.yaml).
const GATEWAY_ROUTE = {
  "app.kubernetes.io/name": "dask-gateway",
  "app.kubernetes.io/instance": "dask-gateway",
  "gateway.dask.org/instance": "dask-gateway",
};
const GATEWAY_TRAEFIK_SELECTOR = "gateway.dask.org/instance=dask-gateway";

describe("Traefik: one owner of the CRDs, each Traefik its own routes", () => {
  const traefik = parse(readFileSync(join(ROOT, "blueprints", "traefik", "release.yaml"), "utf8")) as Release;

  test("the main Traefik ignores the gateway's IngressRoutes, and still loads any other", () => {
    const selector = traefik.spec.values.providers?.kubernetesCRD?.labelSelector ?? "";
    expect(selects(selector, GATEWAY_ROUTE)).toBe(false);
    expect(selects(selector, { "app.kubernetes.io/name": "grafana" })).toBe(true);
    expect(selects(GATEWAY_TRAEFIK_SELECTOR, GATEWAY_ROUTE)).toBe(true);
  });

  test("Traefik's release installs and upgrades its CRDs", () => {
    expect([traefik.spec.install?.crds, traefik.spec.upgrade?.crds]).toEqual([
      "CreateReplace",
      "CreateReplace",
    ]);
  });

  for (const config of platformConfigs())
    test(`${config.name}: the gateway's release creates only missing CRDs (DaskCluster), never replaces Traefik's`, () => {
      const files = renderConfig(config);
      for (const f of files.filter((x) => x.path.endsWith("/platform/dask-gateway.yaml"))) {
        const release = parsedFile(files, f.path) as Release;
        expect([release.spec.install?.crds, release.spec.upgrade?.crds]).toEqual(["Create", "Skip"]);
      }
    });
});
