// The component model: the registry assembles, a component added in a test registry flows into
// the tree, the README, the Secrets, the pull request's grouping and `qhub check` without edits
// elsewhere, and every Python file a component embeds compiles and is executed by a test.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ConfigMap } from "kubernetes-models/v1";
import { describe, expect, test } from "vitest";
import { analyzeCluster } from "../src/check/analyze.js";
import { collectCluster } from "../src/check/collect.js";
import { checked } from "../src/components/kit.js";
import { COMPONENTS, groupOf, registryProblems } from "../src/components/registry.js";
import type { Component } from "../src/components/types.js";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { resolveConfig } from "../src/config/resolve.js";
import { validateDocument } from "../src/config/validate.js";
import { buildRepository } from "../src/render/build.js";
import { toYaml } from "../src/render/emit.js";
import { loadStaticFiles } from "../src/render/static.js";
import { neededSecrets } from "../src/secrets/render.js";
import { ROOT, tempDir } from "./helpers.js";
import { kustomizeBuild, kustomizeTest, PYTHON, pythonTest, testNeeding } from "./kustomize.js";
import { parseAllDocuments } from "yaml";
import { parsedFile, platformConfigs, renderConfig } from "./rendered.js";

const CONFIG = `project_name: demo
namespace: dev
provider: local
domain: demo.localhost
secrets:
  sops:
    age_recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq]
`;

function resolved(text = CONFIG) {
  const environments = loadDefaultEnvironments();
  const v = validateDocument(parseConfigText("qhub-config.yaml", text), {
    shippedEnvironments: environments,
  });
  if (!v.clusters) throw new Error(JSON.stringify(v.problems));
  return resolveConfig(v.clusters, { environments });
}

/** The smallest real component: a greeting ConfigMap in the platform layer, and a check of it. */
const greeting: Component = {
  id: "greeting",
  title: "Greeting",
  layout: { platform: "greeting" },
  dependsOn: ["namespace"],
  owns: ["greeting.yaml"],
  render(c) {
    const map = checked(
      c.name,
      "ConfigMap greeting",
      "project_name",
      new ConfigMap({
        metadata: { name: "greeting", namespace: c.namespace },
        data: { hello: c.projectName },
      }),
    );
    return {
      platform: {
        summary: ["a greeting"],
        files: [{ path: "greeting.yaml", content: toYaml(map) }],
        resources: ["greeting.yaml"],
      },
    };
  },
  secrets: () => [{ name: "greeting-token", generate: { token: { kind: "hex", bytes: 16 } } }],
  readme: {
    needs: () => ["Someone to greet."],
    sections: (config) => [{ title: "Greetings", body: `Hello from ${config.projectName}.` }],
  },
  check(ctx) {
    for (const { object, id, file } of ctx.objects)
      if (
        object.kind === "ConfigMap" &&
        object.metadata?.name === "greeting" &&
        !(object.data as object | undefined)?.["hello" as never]
      )
        ctx.report({ file, object: id, message: "says nothing", hint: "give it a `hello`" });
  },
};

describe("the component registry", () => {
  test("QHub's registry assembles: unique ids, known dependencies no later than their dependents, one owner per name", () => {
    expect(registryProblems(COMPONENTS)).toEqual([]);
  });

  test("a registry that cannot be assembled says why", () => {
    const late: Component = {
      ...greeting,
      id: "early",
      layout: { controllers: "early" },
      dependsOn: ["greeting"],
    };
    expect(
      registryProblems([
        ...COMPONENTS,
        greeting,
        greeting,
        { ...greeting, id: "x", owns: ["jupyterhub.yaml"], dependsOn: ["nope"] },
        late,
      ]),
    ).toEqual([
      "component greeting is registered twice",
      "greeting.yaml is owned by both greeting and greeting",
      "jupyterhub.yaml is owned by both jupyterhub and x",
      "x depends on nope, which is not registered",
      "greeting.yaml is owned by both greeting and early",
      "early (up to layer controllers) depends on greeting, which Flux applies later (layer platform)",
    ]);
    expect(() =>
      buildRepository(resolved(), loadStaticFiles(), {}, "README.md", [greeting, greeting]),
    ).toThrow(/component registry: component greeting is registered twice/);
  });

  test("every component of the example (or of an autoscaling cluster) renders something, and build.ts names none of them", () => {
    // The example, and an autoscaling cluster for the node pools (the example's team makes its own).
    const files = ["examples/qhub-config.yaml", "fixture aws-auto.yaml"].flatMap((name) =>
      renderConfig(platformConfigs().find((c) => c.name === name)!),
    );
    const groups = new Set(files.map((f) => groupOf(f.path)));
    for (const k of COMPONENTS) expect(groups, k.id).toContain(k.id);
    const build = readFileSync(join(ROOT, "src", "render", "build.ts"), "utf8");
    for (const k of COMPONENTS) expect(build, k.id).not.toMatch(new RegExp(`["'/]${k.id}["'/.]`));
  });
});

describe("a component added in a test registry flows everywhere", () => {
  const registry = [...COMPONENTS, greeting];
  const config = resolved();
  const files = buildRepository(config, loadStaticFiles(), {}, "README.md", registry);
  const byPath = new Map(files.map((f) => [f.path, f.content]));

  test("its file is in its layer, listed by the layer's kustomization, before the environments", () => {
    expect(byPath.get("cluster-overlays/demo/platform/greeting.yaml")).toContain("hello: demo");
    const layer = parsedFile(files, "cluster-overlays/demo/platform/kustomization.yaml") as {
      resources: string[];
    };
    expect(layer.resources.at(-1)).toBe("greeting.yaml");
    expect(layer.resources).toContain("conda-store.yaml");
  });

  test("the README shows it in the layout, the diagram, the cluster's needs and its own section", () => {
    const readme = byPath.get("README.md")!;
    expect(readme).toMatch(
      // Only the components some cluster has: this one has no repository, so no commit statuses.
      /\n {2}platform\/ +shared storage claim, JupyterHub, Dask Gateway, conda-store, greeting\n/,
    );
    expect(readme).toContain('conda-store, a greeting"]');
    expect(readme).toContain("\n- Someone to greet.\n");
    expect(readme).toContain("\n## Greetings\n\nHello from demo.\n");
    expect(readme.indexOf("## Greetings")).toBeLessThan(readme.indexOf("## GitHub Actions"));
  });

  test("its Secrets join the ones the secrets stage seals", () => {
    const names = neededSecrets(config.clusters[0]!, registry).map((n) => n.secret.metadata.name);
    expect(names).toContain("greeting-token");
    expect(neededSecrets(config.clusters[0]!).map((n) => n.secret.metadata.name)).not.toContain(
      "greeting-token",
    );
  });

  test("the pull request and qhub diff group its file under it", () => {
    expect(groupOf("cluster-overlays/demo/platform/greeting.yaml", registry)).toBe("greeting");
    expect(groupOf("cluster-overlays/demo/platform/greeting.yaml")).toBe("greeting");
    expect(groupOf("cluster-overlays/demo/platform/other.yaml", registry)).toBe("other");
  });

  kustomizeTest("qhub check runs its check on what Flux applies, and the check can fail", async () => {
    const root = tempDir();
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content);
    }
    const external = new Set(["GitRepository/flux-system/flux-system", "Secret/flux-system/sops-age"]);
    const findings = async () => {
      const collected = await collectCluster(root, "demo");
      return analyzeCluster({
        cluster: "demo",
        units: collected.units,
        external,
        components: registry,
      }).filter((f) => f.severity === "error" && f.message === "says nothing");
    };
    expect(await findings()).toEqual([]);
    writeFileSync(
      join(root, "cluster-overlays/demo/platform/greeting.yaml"),
      toYaml({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "greeting", namespace: "dev" },
        data: {},
      }),
    );
    expect(await findings()).toEqual([
      expect.objectContaining({
        cluster: "demo",
        object: "ConfigMap/dev/greeting",
        hint: "give it a `hello`",
      }),
    ]);
    expect(
      kustomizeBuild(join(root, "cluster-overlays/demo/platform")).some((o) => o.kind === "ConfigMap"),
    ).toBe(true);
  });
});

describe("QHub's own component checks fail on what they guard", () => {
  kustomizeTest("the hub's claim must be applied beside it; a TLS Secret nothing makes is said", async () => {
    const files = buildRepository(resolved(), loadStaticFiles());
    const root = tempDir();
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content);
    }
    const hub = join(root, "cluster-overlays/demo/platform/jupyterhub.yaml");
    // Not sealed in this in-memory build.
    const external = new Set([
      "GitRepository/flux-system/flux-system",
      "Secret/flux-system/sops-age",
      "Secret/dev/qhub-platform-tokens",
    ]);
    const messages = async () => {
      const collected = await collectCluster(root, "demo");
      return analyzeCluster({ cluster: "demo", units: collected.units, external })
        .filter((f) => f.severity === "error" || f.object === "HelmRelease/dev/jupyterhub")
        .map((f) => `${f.severity}: ${f.message}`);
    };
    expect(await messages()).toEqual([]);
    writeFileSync(
      hub,
      readFileSync(hub, "utf8")
        .replace("pvcName: qhub-storage", "pvcName: qhub-storge")
        .replace("secretName: qhub-tls", "secretName: qhub-tsl"),
    );
    expect(await messages()).toEqual([
      "error: values singleuser.storage.static.pvcName names PersistentVolumeClaim dev/qhub-storge, which Flux will not apply",
      "note: values ingress.tls.secretName names Secret dev/qhub-tsl, which no Certificate here makes: it must exist in the cluster",
    ]);
  });
});

/** Each Python file a component embeds, and the test that executes it. */
const EXECUTED_BY: Record<string, string> = {
  "conda-store/conda_store_config.py": "test/components.test.ts",
  "dask-gateway/cluster_options.py": "test/gateway-options.test.ts",
  "jupyterhub/oauth_groups.py": "test/hub-config.test.ts",
  "jupyterhub/password_authenticator.py": "test/hub-config.test.ts",
  "jupyterhub/profile_audience.py": "test/hub-config.test.ts",
  "jupyterhub/shared_folders.py": "test/hub-config.test.ts",
  "smoke/smoke.py": "test/smoke.test.ts",
};

function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? pythonFiles(join(dir, e.name)) : e.name.endsWith(".py") ? [join(dir, e.name)] : [],
  );
}

describe("embedded Python", () => {
  const dir = join(ROOT, "src", "components");
  test("every .py of a component is named here with the test that executes it", () => {
    expect(
      pythonFiles(dir)
        .map((p) => relative(dir, p))
        .sort(),
    ).toEqual(Object.keys(EXECUTED_BY).sort());
  });

  testNeeding(
    spawnSync(PYTHON, ["--version"]).status === 0,
    PYTHON,
    "apt-get install python3",
  )("every .py compiles", () => {
    for (const file of pythonFiles(dir)) {
      const r = spawnSync(
        PYTHON,
        ["-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", file],
        {
          encoding: "utf8",
        },
      );
      expect(r.status, `${file}: ${r.stderr}`).toBe(0);
    }
  });

  pythonTest("conda-store's config, loaded as conda-store loads it, sets what its data says", () => {
    for (const config of platformConfigs().slice(0, 3)) {
      const files = renderConfig(config);
      const file = files.find((f) => f.path.endsWith("/platform/conda-store.yaml"))!;
      const map = (parseAllDocuments(file.content)[0]!.toJS() as { data: Record<string, string> }).data;
      const etc = tempDir();
      for (const [k, v] of Object.entries(map)) writeFileSync(join(etc, k), v);
      const r = spawnSync(
        PYTHON,
        [
          "-c",
          [
            "import json, sys",
            "from traitlets.config.loader import PyFileConfigLoader",
            "c = PyFileConfigLoader('conda_store_config.py', path=sys.argv[1]).load_config()",
            "print(json.dumps({k: dict(v) for k, v in c.items()}))",
          ].join("\n"),
          etc,
        ],
        { encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
      const loaded = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
      const data = JSON.parse(map["qhub.json"]!) as Record<string, unknown>;
      expect(loaded.CondaStore).toMatchObject({
        store_directory: data.store_directory,
        environment_directory: "/home/conda/envs/{name}",
        database_url: "sqlite:////home/conda/conda-store.sqlite",
        default_uid: 1000,
        default_gid: 100,
        conda_included_packages: ["ipykernel"],
      });
      expect(loaded.CondaStoreServer).toEqual({
        address: "127.0.0.1",
        port: 8080,
        url_prefix: "/conda-store",
      });
      // It watches where the Deployment mounts the specs.
      expect(file.content).toContain(
        `mountPath: ${String((loaded.CondaStoreWorker!.watch_paths as string[])[0])}\n`,
      );
    }
  });
});

describe("one source per fact: versions that must agree", () => {
  const pins = COMPONENTS.flatMap((k) => (k.charts ?? []).map((chart) => ({ k, chart })));

  test("every chart a component pins is the version its blueprint installs, from the repository it names", () => {
    for (const { k, chart } of pins) {
      // A component with several charts keeps each in the blueprint named after it.
      const blueprints = k.blueprints?.includes(chart.name) ? [chart.name] : (k.blueprints ?? []);
      const releases = blueprints.flatMap((b) =>
        readdirSync(join(ROOT, "blueprints", b))
          .filter((f) => f.endsWith(".yaml"))
          .flatMap((f) =>
            parseAllDocuments(readFileSync(join(ROOT, "blueprints", b, f), "utf8")).map(
              (d) => d.toJS() as Record<string, unknown>,
            ),
          ),
      );
      const release = releases.find((o) => o?.kind === "HelmRelease") as
        | { spec: { chart: { spec: { chart: string; version: string; sourceRef: { name: string } } } } }
        | undefined;
      const repository = releases.find((o) => o?.kind === "HelmRepository") as
        { metadata: { name: string } } | undefined;
      // A blueprint holds the HelmRelease (cluster-wide controllers) or only its source (the
      // platform's releases, rendered per cluster by the component).
      expect(repository?.metadata.name, `${k.id}: HelmRepository of ${chart.name}`).toBe(chart.repository);
      if (release) {
        expect(release.spec.chart.spec.chart, k.id).toBe(chart.name);
        expect(release.spec.chart.spec.version, k.id).toBe(chart.version);
        expect(release.spec.chart.spec.sourceRef.name, k.id).toBe(chart.repository);
      }
    }
  });

  test("charts/ has the values schema of every pinned chart that publishes one", () => {
    const shipped = new Set(readdirSync(join(ROOT, "charts")));
    // csi-driver-nfs, nvidia-device-plugin, kube-prometheus-stack and grafana publish no values schema (qhub check says so with a note).
    const unpublished = ["csi-driver-nfs", "nvidia-device-plugin", "kube-prometheus-stack", "grafana"];
    for (const { chart } of pins.filter((p) => !unpublished.includes(p.chart.name))) {
      expect(shipped, chart.name).toContain(`${chart.name}-${chart.version}.schema.json`);
      expect(shipped, chart.name).toContain(`${chart.name}-${chart.version}.values.yaml`);
    }
  });

  test("the Dask Gateway chart, its default worker image and the client the shipped environments pin agree", () => {
    const gateway = pins.find((p) => p.chart.name === "dask-gateway")!.chart;
    const images = resolved().clusters[0]!.images;
    expect(images.daskWorker).toBe(`ghcr.io/dask/dask-gateway:${gateway.version}`);
    const dask = parseAllDocuments(
      readFileSync(join(ROOT, "environments", "environment-dask.yaml"), "utf8"),
    )[0]!.toJS() as {
      dependencies: string[];
    };
    expect(dask.dependencies).toContain(`dask-gateway=${gateway.version}`);
    for (const f of readdirSync(join(ROOT, "environments")))
      for (const line of readFileSync(join(ROOT, "environments", f), "utf8").split("\n"))
        if (/^\s*- dask-gateway[=<>]/.test(line))
          expect(line.trim(), f).toBe(`- dask-gateway=${gateway.version}`);
  });

  test("the hub's images are the chart's own at its version", () => {
    const hub = pins.find((p) => p.chart.name === "jupyterhub")!.chart;
    const images = resolved().clusters[0]!.images;
    expect(images.jupyterhub).toBe(`quay.io/jupyterhub/k8s-hub:${hub.version}`);
    expect(images.jupyterlab).toBe(`quay.io/jupyterhub/k8s-singleuser-sample:${hub.version}`);
  });
});
