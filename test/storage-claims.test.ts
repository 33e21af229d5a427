// Every claim binds to a named StorageClass (EKS >= 1.30 has no default one, and a claim without a
// class stays Pending there), and the rendered README names the add-ons behind each class. The
// objects are what Flux applies: each layer built with the real Kustomize, and the claims the
// charts make from their values (merged over the pinned chart's defaults, as Helm does).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { helmMerge } from "../src/kube/chart-values.js";
import { ROOT, tempDir } from "./helpers.js";
import type { KubeObject } from "./kustomize.js";
import { kustomizeBuild, kustomizeTest } from "./kustomize.js";
import { platformConfigs, renderConfig } from "./rendered.js";

const LAYERS = ["controllers", "configs", "platform"];

function chartDefaults(chart: string, version: string): Record<string, unknown> | undefined {
  try {
    return parse(readFileSync(join(ROOT, "charts", `${chart}-${version}.values.yaml`), "utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

const get = (o: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      o,
    );

/** The StorageClass of each claim a chart makes from these values: [what, class]. */
function chartClaims(chart: string, values: unknown): [string, unknown][] {
  switch (chart) {
    case "jupyterhub":
      return [
        ...(get(values, "hub.db.type") === "sqlite-pvc"
          ? [["hub.db.pvc (hub-db-dir)", get(values, "hub.db.pvc.storageClassName")] as [string, unknown]]
          : []),
        ...(get(values, "singleuser.storage.type") === "dynamic"
          ? [
              ["singleuser.storage.dynamic", get(values, "singleuser.storage.dynamic.storageClass")] as [
                string,
                unknown,
              ],
            ]
          : []),
      ];
    case "traefik":
      return get(values, "persistence.enabled") === true
        ? [["traefik persistence", get(values, "persistence.storageClass")]]
        : [];
    default:
      return [];
  }
}

describe("every claim binds to a named StorageClass", () => {
  for (const config of platformConfigs())
    kustomizeTest(config.name, () => {
      const files = renderConfig(config);
      const out = tempDir();
      for (const f of files) {
        mkdirSync(dirname(join(out, f.path)), { recursive: true });
        writeFileSync(join(out, f.path), f.content);
      }
      const clusters = [
        ...new Set(files.map((f) => /^clusters\/([^/]+)\//.exec(f.path)?.[1]).filter(Boolean)),
      ];
      expect(clusters.length).toBeGreaterThan(0);
      for (const cluster of clusters) {
        const objects: KubeObject[] = LAYERS.flatMap((l) =>
          kustomizeBuild(join(out, "cluster-overlays", cluster!, l)),
        );
        const classes = new Set(objects.filter((o) => o.kind === "StorageClass").map((o) => o.metadata.name));
        const claims: [string, unknown][] = [];
        for (const o of objects) {
          const spec = o.spec;
          if (o.kind === "PersistentVolumeClaim" || o.kind === "PersistentVolume")
            claims.push([`${o.kind}/${o.metadata.name}`, spec?.storageClassName]);
          const templates = (spec?.volumeClaimTemplates ?? []) as {
            metadata: { name: string };
            spec: { storageClassName?: string };
          }[];
          for (const t of templates)
            claims.push([`${o.kind}/${o.metadata.name} claim ${t.metadata.name}`, t.spec.storageClassName]);
          if (o.kind === "HelmRelease") {
            const chart = get(spec, "chart.spec.chart") as string;
            const values = helmMerge(
              chartDefaults(chart, get(spec, "chart.spec.version") as string) ?? {},
              spec?.values ?? {},
            );
            claims.push(
              ...chartClaims(chart, values).map(([w, c]): [string, unknown] => [
                `HelmRelease/${o.metadata.name} ${w}`,
                c,
              ]),
            );
          }
        }
        // The hub's database, the NFS server's disk (nfs) and the shared claim at least.
        expect(claims.length, `${cluster}: claims`).toBeGreaterThanOrEqual(2);
        const configured = /^ +storage_class: (\S+)$/m.exec(config.text)?.[1];
        for (const [what, storageClass] of claims) {
          expect(
            typeof storageClass === "string" && storageClass !== "",
            `${cluster}: ${what} names no class`,
          ).toBe(true);
          // QHub's own classes are in the tree; on local and existing clusters, the cluster's.
          const known = classes.has(storageClass as string) || storageClass === (configured ?? "standard");
          expect(known, `${cluster}: ${what} names ${String(storageClass)}, which nothing makes`).toBe(true);
        }
      }
    });
});

/** The add-ons the rendered README must name for a cluster, by provider and storage type. */
const ADD_ONS: Record<string, { always: string[]; cloud: string[] }> = {
  aws: { always: ["aws-ebs-csi-driver"], cloud: ["aws-efs-csi-driver"] },
  gcp: { always: ["persistent disk CSI driver"], cloud: ["GcpFilestoreCsiDriver"] },
  azure: { always: ["Azure Disk CSI driver"], cloud: ["Azure Files CSI driver"] },
  do: { always: ["DigitalOcean block storage CSI driver"], cloud: [] },
  local: { always: ["StorageClass named"], cloud: [] },
  existing: { always: ["StorageClass named"], cloud: [] },
};

describe("the rendered README names the add-ons each cluster needs", () => {
  for (const config of platformConfigs())
    test(config.name, () => {
      const files = renderConfig(config);
      const readme = files.find((f) => f.path.endsWith(".md") && !f.path.includes("/"))!.content;
      const sections = readme.split(/^### Cluster /m).slice(1);
      expect(sections.length).toBeGreaterThan(0);
      for (const section of sections) {
        const [, cluster, provider] = /^`([^`]+)` \(([a-z]+),/.exec(section)!;
        // The cloud's shared file service where the cluster has no in-cluster NFS server.
        const cloudStorage = !files.some((f) =>
          f.path.startsWith(`cluster-overlays/${cluster}/configs/nfs-server/`),
        );
        const want = [...ADD_ONS[provider!]!.always, ...(cloudStorage ? ADD_ONS[provider!]!.cloud : [])];
        for (const name of want) expect(section, `${cluster} (${provider}): ${name}`).toContain(name);
        expect(section).toContain("What the cluster needs");
      }
    });
});
