import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { diffTrees } from "../src/diff/objects.js";
import { ROOT, runMain, tempDir } from "./helpers.js";

const LOCAL = join(ROOT, "test", "fixtures", "render", "local.yaml");

async function rendered(text: string): Promise<{ dir: string; config: string }> {
  const dir = tempDir();
  const config = join(dir, "qhub-config.yaml");
  writeFileSync(config, text);
  expect((await runMain(["render", "--config", config])).code).toBe(0);
  return { dir, config };
}

describe("qhub diff", () => {
  test("nothing to change: exit 0", async () => {
    const { config } = await rendered(readFileSync(LOCAL, "utf8"));
    const r = await runMain(["diff", "--config", config]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("no changes\n");
  });

  test("a changed profile shows as one object with a YAML diff; exit 3; --json gives the same", async () => {
    const base = readFileSync(LOCAL, "utf8");
    const { config } = await rendered(
      `${base}profiles:\n  jupyterlab:\n    - display_name: Lab\n      kubespawner_override: { mem_limit: 8G }\n`,
    );
    writeFileSync(
      config,
      `${base}profiles:\n  jupyterlab:\n    - display_name: Lab\n      kubespawner_override: { mem_limit: 12G }\n`,
    );
    const r = await runMain(["diff", "--config", config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "laptop: 0 added, 1 changed, 0 removed\n  ~ HelmRelease dev/jupyterhub  (cluster-overlays/laptop/platform/jupyterhub.yaml)\n",
    );
    expect(r.stderr).toContain("-            mem_limit: 8G\n");
    expect(r.stderr).toContain("+            mem_limit: 12G\n");
    const json = await runMain(["diff", "--config", config, "--json"]);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout) as {
      differs: boolean;
      clusters: { cluster: string; objects: { object: string; change: string }[] }[];
    };
    expect(doc.differs).toBe(true);
    expect(
      doc.clusters.find((c) => c.cluster === "laptop")?.objects.map((o) => [o.object, o.change]),
    ).toEqual([["HelmRelease dev/jupyterhub", "changed"]]);
  });

  test("secret values never show; a changed Secret says so; deletions warn", () => {
    const secret = (v: string, ns = "dev") =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ${ns}\nstringData:\n  password: ${v}\nsops:\n  mac: ${v}\n`;
    const changes = diffTrees(
      {
        "cluster-overlays/a/platform/s.yaml": secret("canary-old"),
        "cluster-overlays/a/configs/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
      },
      { "cluster-overlays/a/platform/s.yaml": secret("canary-new") },
    );
    const text = JSON.stringify(changes);
    expect(text).not.toContain("canary");
    expect(changes[0]?.objects.map((o) => [o.object, o.change, o.diff, o.warning ?? ""])).toEqual([
      [
        "Namespace dev",
        "removed",
        "",
        "deleting it deletes what it holds (an identity field such as `namespace` or a cluster name changed?)",
      ],
      ["Secret dev/s", "changed", "(only encrypted values changed)", ""],
    ]);
  });
});
