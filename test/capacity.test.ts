// Autoscaling (`node_provisioning: auto`, issue #18): node pools as objects in their own layer
// before the platform, every pod QHub places selecting exactly its group's capacity, z2jh's user
// scheduler, placeholders and priorities, refusal where no autoscaler is declared, `qhub check`,
// and `qhub diff` naming capacity changes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { chartValidators } from "../src/kube/chart-values.js";
import { validateObject } from "../src/kube/models.js";
import { capacityChange } from "../src/diff/capacity.js";
import { diffTrees } from "../src/diff/objects.js";
import { pullRequestBody } from "../src/publish/body.js";
import { VALID } from "./fixtures.js";
import { problemLines, ROOT, runMain, tempDir } from "./helpers.js";
import { kustomizeBuild, kustomizeTest } from "./kustomize.js";
import type { KubeObject } from "./kustomize.js";
import { parsedFile, renderConfig } from "./rendered.js";

const FIXTURES = join(ROOT, "test", "fixtures", "render");
const CASES = [
  {
    fixture: "aws-auto",
    cluster: "vision",
    label: "karpenter.sh/nodepool",
    kinds: ["NodePool", "EC2NodeClass"],
  },
  {
    fixture: "gcp-auto",
    cluster: "vision",
    label: "cloud.google.com/compute-class",
    kinds: ["ComputeClass"],
  },
  {
    fixture: "azure-auto",
    cluster: "analytics",
    label: "karpenter.sh/nodepool",
    kinds: ["NodePool", "AKSNodeClass"],
  },
] as const;

function render(fixture: string) {
  const file = join(FIXTURES, `${fixture}.yaml`);
  return renderConfig({ name: fixture, file, text: readFileSync(file, "utf8") });
}

function objectsIn(content: string): KubeObject[] {
  return parseAllDocuments(content).map((d) => d.toJS() as KubeObject);
}

/** The node groups a fixture declares, with their taints (GPU groups default to nvidia.com/gpu). */
function groupsOf(fixture: string): string[] {
  const config = parse(readFileSync(join(FIXTURES, `${fixture}.yaml`), "utf8")) as Record<string, unknown>;
  const block = Object.values(config).find(
    (v) => v !== null && typeof v === "object" && "node_provisioning" in v,
  ) as { node_groups?: Record<string, unknown> };
  return [...new Set(["general", "user", "worker", ...Object.keys(block.node_groups ?? {})])];
}

/** Every nodeSelector in a parsed value, with the path it sits at. */
function selectors(value: unknown, path = ""): { path: string; selector: Record<string, unknown> }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => selectors(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") {
    // Dask Gateway's options reach its Python as JSON in an environment variable.
    if (typeof value === "string" && value.startsWith("{") && value.includes("nodeSelector"))
      return selectors(JSON.parse(value) as unknown, `${path}(json)`);
    return [];
  }
  return Object.entries(value).flatMap(([k, v]) =>
    (k === "nodeSelector" || k === "node_selector") && v && typeof v === "object"
      ? [{ path: `${path}.${k}`, selector: v as Record<string, unknown> }, ...selectors(v, `${path}.${k}`)]
      : selectors(v, `${path}.${k}`),
  );
}

describe("node_provisioning: auto renders the autoscaler's node pools", () => {
  for (const { fixture, cluster, label, kinds } of CASES) {
    test(`${fixture}: one object of each kind per group, named after it, valid against its schema`, () => {
      const files = render(fixture);
      const pools = files.find((f) => f.path === `cluster-overlays/${cluster}/capacity/node-pools.yaml`);
      expect(pools, "the capacity layer's node pools").toBeDefined();
      const objects = objectsIn(pools!.content);
      const groups = groupsOf(fixture);
      for (const kind of kinds)
        expect(
          objects.filter((o) => o.kind === kind).map((o) => o.metadata?.name),
          kind,
        ).toEqual(groups);
      for (const o of objects)
        expect(validateObject(o), `${o.kind} ${o.metadata?.name}`).toEqual({ status: "valid" });
      // The layer comes first: every other layer's pods (the controllers' included) need its nodes.
      const flux = objectsIn(files.find((f) => f.path === `clusters/${cluster}/qhub.yaml`)!.content);
      const order = flux.map((k) => [
        k.metadata?.name,
        (k.spec as { dependsOn?: { name: string }[] }).dependsOn?.[0]?.name,
      ]);
      expect(order).toEqual([
        ["qhub-capacity", undefined],
        ["qhub-controllers", "qhub-capacity"],
        ["qhub-configs", "qhub-controllers"],
        ["qhub-platform", "qhub-configs"],
        ["qhub-smoke", "qhub-platform"],
      ]);
      // Pods select a group by the autoscaler's label, never by a pool label no node carries.
      for (const f of files.filter((x) => x.path.startsWith(`cluster-overlays/${cluster}/`)))
        expect(f.content, f.path).not.toMatch(
          /eks\.amazonaws\.com\/nodegroup|gke-nodepool|kubernetes\.azure\.com\/agentpool/,
        );
      expect(files.find((f) => f.path === "README.md")!.content).toContain(
        `pods select a group by \`${label}\``,
      );
    });

    test(`${fixture}: every pod QHub places selects exactly a group the capacity layer declares`, () => {
      const files = render(fixture);
      const groups = new Set(groupsOf(fixture));
      const found = files
        .filter((f) => f.path.startsWith(`cluster-overlays/${cluster}/`) && f.path.endsWith(".yaml"))
        .flatMap((f) => parseAllDocuments(f.content).flatMap((d) => selectors(d.toJS(), f.path)));
      expect(found.length).toBeGreaterThan(10);
      for (const { path, selector } of found) {
        // kubespawner overrides drop the user group's labels with null; the rest is the group's.
        const set = Object.entries(selector).filter(([, v]) => v !== null);
        expect(set, path).toHaveLength(1);
        expect(set[0]![0], path).toBe(label);
        expect(groups.has(String(set[0]![1])), `${path}: ${String(set[0]![1])}`).toBe(true);
      }
    });
  }

  test("aws: limits are max_nodes × the instance's size; spot, labels, taints and GPUs as declared", () => {
    const pools = objectsIn(
      render("aws-auto").find((f) => f.path.endsWith("capacity/node-pools.yaml"))!.content,
    );
    const pool = (name: string) =>
      pools.find((o) => o.kind === "NodePool" && o.metadata?.name === name)!.spec;
    // worker: 10 × m5.2xlarge (8 vCPU, 32 GiB), spot.
    expect(pool("worker")).toMatchObject({ limits: { cpu: "80", memory: "320Gi" } });
    expect(pool("worker")).toMatchObject({
      template: {
        spec: {
          requirements: [
            { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.2xlarge"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
          ],
        },
      },
    });
    // gpu: 3 × g4dn.xlarge (4 vCPU, 16 GiB, 1 T4), its label, the GPU taint, its GPU count.
    expect(pool("gpu")).toMatchObject({
      limits: { cpu: "12", memory: "48Gi", "nvidia.com/gpu": "3" },
      template: {
        metadata: { labels: { team: "vision" } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" },
          taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
        },
      },
    });
    expect(
      (pool("gpu") as { template: { spec: { requirements: unknown[] } } }).template.spec.requirements,
    ).toContainEqual({ key: "karpenter.k8s.aws/instance-gpu-count", operator: "In", values: ["1"] });
  });

  test("gcp: a compute class per group with node-pool auto-creation and the group's accelerators", () => {
    const classes = objectsIn(
      render("gcp-auto").find((f) => f.path.endsWith("capacity/node-pools.yaml"))!.content,
    );
    expect(classes.find((o) => o.metadata?.name === "gpu-t4")?.spec).toEqual({
      priorities: [{ machineType: "n1-standard-8", gpu: { type: "nvidia-tesla-t4", count: 1 } }],
      nodePoolAutoCreation: { enabled: true },
      whenUnsatisfiable: "DoNotScaleUp",
    });
  });

  test("azure: NodePools name their AKSNodeClass; the GPU size's GPU count is required", () => {
    const objects = objectsIn(
      render("azure-auto").find((f) => f.path.endsWith("capacity/node-pools.yaml"))!.content,
    );
    const gpu = objects.find((o) => o.kind === "NodePool" && o.metadata?.name === "gpu")!.spec;
    expect(gpu).toMatchObject({
      limits: { cpu: "16", memory: "112Gi", "nvidia.com/gpu": "2" },
      template: {
        spec: { nodeClassRef: { group: "karpenter.azure.com", kind: "AKSNodeClass", name: "gpu" } },
      },
    });
    expect(
      (gpu as { template: { spec: { requirements: unknown[] } } }).template.spec.requirements,
    ).toContainEqual({ key: "karpenter.azure.com/sku-gpu-count", operator: "In", values: ["1"] });
    const nodeClass = objects.find((o) => o.kind === "AKSNodeClass" && o.metadata?.name === "gpu")!;
    expect(nodeClass.apiVersion).toBe("karpenter.azure.com/v1beta1");
    // The CRD schema kept as data refuses what the API server would.
    expect(validateObject({ ...nodeClass, spec: { imageFamily: "Windows" } } as KubeObject).status).toBe(
      "invalid",
    );
    expect(validateObject({ ...nodeClass, spec: { osDiskSizeGB: 10 } } as KubeObject).status).toBe("invalid");
  });

  test("without auto there is no capacity layer and pods select the cloud's node-pool label", () => {
    const files = render("aws-gpu");
    expect(files.some((f) => f.path.includes("/capacity/"))).toBe(false);
    const flux = files.find((f) => f.path === "clusters/vision/qhub.yaml")!.content;
    expect(flux).not.toContain("qhub-capacity");
    const hub = files.find((f) => f.path === "cluster-overlays/vision/platform/jupyterhub.yaml")!.content;
    expect(hub).toContain("eks.amazonaws.com/nodegroup: general");
    expect(hub).not.toContain("karpenter.sh/nodepool");
  });
});

describe("users packed, spawns warm", () => {
  const hubValues = (fixture: string, cluster: string) =>
    (
      parsedFile(render(fixture), `cluster-overlays/${cluster}/platform/jupyterhub.yaml`) as {
        spec: { values: Record<string, unknown> };
      }
    ).spec.values;
  const jupyterhub = chartValidators([join(ROOT, "charts")])("jupyterhub-4.4.0")!;

  test("user scheduler, placeholders (default one, the default profile's room) and priorities, valid for z2jh 4.4.0", () => {
    const aws = hubValues("aws-auto", "vision");
    expect(aws.scheduling).toEqual({
      userScheduler: { enabled: true, nodeSelector: { "karpenter.sh/nodepool": "general" } },
      podPriority: { enabled: true },
      userPlaceholder: { enabled: true, replicas: 2, resources: { requests: { cpu: "1.5", memory: "5G" } } },
    });
    expect(jupyterhub(aws)).toEqual([]);
    // gcp-auto names no user_placeholders: one by default.
    const gcp = hubValues("gcp-auto", "vision");
    expect(gcp.scheduling).toMatchObject({ userPlaceholder: { enabled: true, replicas: 1 } });
    expect(jupyterhub(gcp)).toEqual([]);
    // azure-auto turns them off; the scheduler and priorities stay.
    const azure = hubValues("azure-auto", "analytics");
    expect(azure.scheduling).toMatchObject({
      userScheduler: { enabled: true },
      podPriority: { enabled: true },
      userPlaceholder: { enabled: false, replicas: 0 },
    });
    expect(jupyterhub(azure)).toEqual([]);
    // The hub stays on the general group.
    expect(azure.hub).toMatchObject({ nodeSelector: { "karpenter.sh/nodepool": "general" } });
  });

  test("placeholders on a tainted user group tolerate its taints (they take singleuser's)", () => {
    const file = join(FIXTURES, "aws-auto.yaml");
    const text = readFileSync(file, "utf8").replace(
      "    worker: {",
      "    user:\n      instance: m5.xlarge\n      min_nodes: 0\n      max_nodes: 5\n      taints: [{ key: team, value: vision, effect: NoSchedule }]\n    worker: {",
    );
    const files = renderConfig({ name: "tainted user", file, text });
    const values = (
      parsedFile(files, "cluster-overlays/vision/platform/jupyterhub.yaml") as {
        spec: { values: { singleuser: Record<string, unknown> } };
      }
    ).spec.values;
    expect(values.singleuser.extraTolerations).toEqual([
      { key: "team", operator: "Equal", value: "vision", effect: "NoSchedule" },
    ]);
    expect(jupyterhub(values)).toEqual([]);
    expect(hubValues("aws-auto", "vision").singleuser).not.toHaveProperty("extraTolerations");
  });

  test("the check can fail: a placeholder count z2jh refuses is reported", () => {
    const aws = hubValues("aws-auto", "vision");
    const broken = { ...aws, scheduling: { userPlaceholder: { replicas: "two" } } };
    expect(jupyterhub(broken)).toEqual(["/scheduling/userPlaceholder/replicas: must be integer"]);
  });

  test("without auto, the default scheduler and no placeholders, as before", () => {
    expect(hubValues("aws-gpu", "vision").scheduling).toEqual({ userScheduler: { enabled: false } });
  });
});

describe("validation", () => {
  for (const [provider, block, extra] of [
    ["do", "digital_ocean", ""],
    ["local", "local", ""],
    ["existing", "existing", "storage:\n  storage_class: standard\n"],
  ] as const)
    test(`node_provisioning: auto on ${provider} is an error at the value, with a hint`, () => {
      const config = `${VALID.replace("provider: aws", `provider: ${provider}`)}${extra}${block}:\n  node_provisioning: auto\n`;
      const line = config.split("\n").indexOf("  node_provisioning: auto") + 1;
      expect(problemLines(config)).toEqual([
        `qhub-config.yaml:${line}:22: ${block}.node_provisioning: node_provisioning: auto needs a cloud whose node autoscaler QHub declares pools for (aws: Karpenter, gcp: GKE compute classes, azure: AKS node auto-provisioning); provider is ${provider}. Hint: remove \`node_provisioning\` (the team creates the pools the rendered README lists), or run the cluster on aws, gcp or azure`,
      ]);
    });

  test("auto with an instance type QHub cannot size is an error (its limits cannot be computed)", () => {
    const config = `${VALID}amazon_web_services:\n  node_provisioning: auto\n  node_groups:\n    user: { instance: c7g.large, min_nodes: 0, max_nodes: 2 }\n`;
    expect(problemLines(config).join("\n")).toMatch(
      /qhub-config\.yaml:14:23: amazon_web_services\.node_groups\.user\.instance: instance type c7g\.large of group user is not in QHub's table/,
    );
  });

  test("user_placeholders without auto is an error; min_nodes under auto is a warning that it is not honoured", async () => {
    expect(problemLines(`${VALID}amazon_web_services:\n  user_placeholders: 2\n`)).toEqual([
      "qhub-config.yaml:12:3: amazon_web_services.user_placeholders: user placeholders keep room on nodes an autoscaler adds; without `node_provisioning: auto` they have no effect. Hint: add `node_provisioning: auto` to amazon_web_services, or remove `user_placeholders`",
    ]);
    const dir = tempDir();
    const file = join(dir, "qhub-config.yaml");
    writeFileSync(
      file,
      `${VALID}amazon_web_services:\n  node_provisioning: auto\n  node_groups:\n    user: { instance: m5.xlarge, min_nodes: 2, max_nodes: 4 }\nsecrets:\n  sops:\n    age_recipients: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29]\n`,
    );
    const r = await runMain(["validate", "--config", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "amazon_web_services.node_groups.user.min_nodes: warning: min_nodes 2 is not honoured with node_provisioning: auto",
    );
    expect(r.stderr).toContain("keep room for spawns with `user_placeholders` instead");
  });
});

test("gcp: a group's own labels or taints, which compute classes cannot give GKE's nodes, are a warning", async () => {
  const dir = tempDir();
  const file = join(dir, "qhub-config.yaml");
  const text = readFileSync(join(FIXTURES, "gcp-auto.yaml"), "utf8").replace(
    "    user: { instance: n1-standard-4, min_nodes: 0, max_nodes: 5 }",
    "    user: { instance: n1-standard-4, min_nodes: 0, max_nodes: 5, labels: { team: a } }",
  );
  writeFileSync(file, text);
  const r = await runMain(["validate", "--config", file]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(
    "google_cloud_platform.node_groups.user.labels: warning: the nodes GKE makes for group user's compute class do not get its labels or taints",
  );
  // The fixture's GPU group has GKE's own taint only: no warning.
  expect(r.stderr).not.toContain("gpu-t4");
});

describe("qhub check and qhub diff", () => {
  kustomizeTest(
    "qhub check passes on each cloud's autoscaling tree, validating the node pools, and fails on a broken reference",
    async () => {
      for (const { fixture, cluster, kinds } of CASES) {
        const out = tempDir();
        const r = await runMain(["render", "--config", join(FIXTURES, `${fixture}.yaml`), "--output", out]);
        expect(r.code, r.stderr).toBe(0);
        const built = kustomizeBuild(join(out, "cluster-overlays", cluster, "capacity"));
        expect([...new Set(built.map((o) => String(o.kind)))].sort()).toEqual([...kinds].sort());
        const ok = await runMain(["check", out, "--json"]);
        expect(ok.code, ok.stdout).toBe(0);
        const report = JSON.parse(ok.stdout) as { findings: { message: string }[] };
        // Every kind of the layer has a schema: none is "not checked".
        expect(
          report.findings.filter((f) => /no schema for .*(NodePool|NodeClass|ComputeClass)/.test(f.message)),
        ).toEqual([]);
        if (fixture === "gcp-auto") continue;
        const pools = join(out, "cluster-overlays", cluster, "capacity", "node-pools.yaml");
        writeFileSync(
          pools,
          readFileSync(pools, "utf8").replace(
            /(kind: (EC2|AKS)NodeClass\nmetadata:\n {2}name: )gpu/,
            "$1gpus",
          ),
        );
        const bad = await runMain(["check", out]);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(
          /NodePool\/gpu: spec\.template\.spec\.nodeClassRef names (EC2|AKS)NodeClass gpu, which Flux will not apply/,
        );
      }
    },
  );

  test("capacity changes are said as such: limits, instance types, capacity type, GPUs", () => {
    const before = {
      kind: "NodePool",
      spec: {
        template: {
          spec: {
            requirements: [
              { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.xlarge"] },
              { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            ],
          },
        },
        limits: { cpu: "20", memory: "80Gi" },
      },
    };
    const after = structuredClone(before);
    after.spec.template.spec.requirements[0]!.values = ["m5.2xlarge"];
    after.spec.limits = { cpu: "40", memory: "160Gi" };
    expect(capacityChange(before, after)).toBe(
      "capacity: instance types m5.xlarge → m5.2xlarge; limit cpu 20 → 40; limit memory 80Gi → 160Gi",
    );
    expect(capacityChange(before, before)).toBeUndefined();
    expect(capacityChange(undefined, before)).toBe(
      "new capacity: instance types m5.xlarge; capacity type on-demand; limit cpu 20; limit memory 80Gi",
    );
    expect(capacityChange({ kind: "ConfigMap" }, { kind: "ConfigMap" })).toBeUndefined();
    expect(
      capacityChange(
        { kind: "ComputeClass", spec: { priorities: [{ machineType: "n1-standard-4" }] } },
        { kind: "ComputeClass", spec: { priorities: [{ machineType: "n1-standard-8", spot: true }] } },
      ),
    ).toBe("capacity: machine types n1-standard-4 → n1-standard-8; capacity type on-demand → spot");
  });

  test("the pull request body says the capacity change beside the NodePool, in the capacity group", () => {
    const path = "cluster-overlays/vision/capacity/node-pools.yaml";
    const pool = (cpu: number) =>
      `apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: user\nspec:\n  limits:\n    cpu: "${cpu}"\n`;
    const changes = diffTrees({ [path]: pool(20) }, { [path]: pool(40) });
    const body = pullRequestBody({
      project: "vision",
      repository: "acme/platform",
      base: "main",
      config: { file: "qhub-config.yaml", diff: "" },
      changes,
      warnings: [],
      version: "0.1.0",
    });
    expect(body).toContain(
      "`NodePool user` in `cluster-overlays/vision/capacity/node-pools.yaml` — capacity: limit cpu 20 → 40",
    );
    expect(body).toContain("<summary><b>capacity</b>");
  });

  test("qhub diff shows a max_nodes change as a capacity change of the NodePool", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    const text = readFileSync(join(FIXTURES, "aws-auto.yaml"), "utf8");
    writeFileSync(config, text);
    expect((await runMain(["render", "--config", config])).code).toBe(0);
    writeFileSync(config, text.replace("max_nodes: 10, spot: true", "max_nodes: 20, spot: true"));
    const r = await runMain(["diff", "--config", config, "--json"]);
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout) as {
      clusters: { objects: { object: string; component: string; capacity?: string }[] }[];
    };
    const pool = doc.clusters.flatMap((c) => c.objects).find((o) => o.object === "NodePool worker");
    expect(pool).toMatchObject({
      component: "capacity",
      capacity: "capacity: limit cpu 80 → 160; limit memory 320Gi → 640Gi",
    });
    const text2 = await runMain(["diff", "--config", config]);
    expect(text2.stderr).toContain("~ NodePool worker");
    expect(text2.stderr).toContain("capacity: limit cpu 80 → 160; limit memory 320Gi → 640Gi");
  });
});
