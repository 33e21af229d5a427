// What a cluster costs (src/config/prices.ts): QHub's dated table, the config's own prices over it.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { clusterCost, dollars } from "../src/config/prices.js";
import { resolveConfig } from "../src/config/resolve.js";
import { validateDocument } from "../src/config/validate.js";
import { ROOT } from "./helpers.js";

function costOf(lines: string[]) {
  const environments = loadDefaultEnvironments(ROOT);
  const v = validateDocument(parseConfigText("qhub-config.yaml", `${lines.join("\n")}\n`), {
    shippedEnvironments: environments,
  });
  expect(v.problems).toEqual([]);
  return clusterCost(resolveConfig(v.clusters!, { environments }).clusters[0]!);
}

/** A GCP config's lines up to its provider block's node groups. */
const GCP = (...block: string[]) => [
  "project_name: costs",
  "provider: gcp",
  "domain: hub.example.com",
  "google_cloud_platform:",
  "  project: costs-project",
  ...block,
  "  node_groups:",
];

describe("cluster costs", () => {
  test("GKE's attached GPUs are priced apart; the baseline is min nodes, load balancer and storage", () => {
    const cost = costOf([
      ...GCP(),
      "    gpu-t4:",
      "      { instance: n1-standard-8, min_nodes: 1, max_nodes: 2, guest_accelerators: [{ name: nvidia-tesla-t4, count: 2 }] }",
    ]);
    // n1-standard-8 $0.379998 and two T4s at $0.35 an hour, 730 hours.
    expect(cost?.groups.find((g) => g.name === "gpu-t4")?.perNode).toBeCloseTo(277.4 + 511, 2);
    // general (n1-standard-8, 1 node) + gpu-t4 (1 node) + $18.25 + 161Gi x $0.10.
    expect(cost?.baseline).toEqual({
      nodes: 1065.8,
      loadBalancer: 18.25,
      storage: 16.1,
      storageGiB: 161,
      total: 1100.15,
    });
    expect(cost?.region).toBe("us-central1");
    expect(cost?.otherRegion).toBeUndefined();
  });

  test("the config's prices replace the table's; an instance without a price is named, not guessed", () => {
    const cost = costOf([
      ...GCP("  region: europe-west4"),
      "    odd: { instance: z9-mega-1, min_nodes: 1, max_nodes: 1 }",
      "  prices:",
      "    instances: { n1-standard-8: 200 }",
      "    load_balancer: 20",
      "    block_storage: 0.2",
    ]);
    expect(cost?.groups.find((g) => g.name === "general")?.perNode).toBe(200);
    expect(cost?.unpriced).toEqual(["odd"]);
    expect(cost?.otherRegion).toBe("europe-west4");
    expect(cost?.baseline.total).toBe(200 + 20 + 161 * 0.2);
  });

  test("local and existing clusters have no costs QHub knows; dollars are written as $1,234.56", () => {
    expect(
      costOf([
        "project_name: costs",
        "provider: local",
        "domain: hub.localhost",
        "storage: { storage_class: standard }",
      ]),
    ).toBeUndefined();
    expect(dollars(1234.5)).toBe("$1,234.50");
  });

  test("dollars are written as Intl.NumberFormat writes them in en-US, without loading it", () => {
    const intl = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const cases = [0, 0.005, 0.015, 1.005, 2.675, 999.995, 1000, 1234567.891, 1e9 + 0.125];
    for (const n of cases) expect(dollars(n)).toBe(`$${intl.format(n)}`);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (n) => dollars(n) === `$${intl.format(n)}`),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        (cents) => dollars(cents / 100) === `$${intl.format(cents / 100)}`,
      ),
    );
  });
});
