import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { DEFAULT_GPU_IMAGE } from "../src/config/defaults.js";
import { resolveConfig } from "../src/config/resolve.js";
import type { ResolvedCluster } from "../src/config/resolve.js";
import { validateDocument } from "../src/config/validate.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.js";

const defaults = { environments: loadDefaultEnvironments(ROOT) };

function resolveText(text: string) {
  const result = validateDocument(parseConfigText("qhub-config.yaml", text));
  expect(result.problems).toEqual([]);
  return resolveConfig(result.clusters ?? [], defaults);
}

function minimal(provider: string, extra = ""): string {
  return `project_name: team\nprovider: ${provider}\ndomain: hub.example.com\n${extra}`;
}

/** The provider-specific part of a resolved cluster, for the snapshots. */
function providerDefaults(c: ResolvedCluster) {
  return { cloud: c.cloud, nodeGroups: c.nodeGroups, storage: c.storage };
}

describe("resolveConfig: each provider's defaults", () => {
  test("aws", () => {
    expect(providerDefaults(resolveText(minimal("aws")).clusters[0]!)).toMatchInlineSnapshot(`
      {
        "cloud": {
          "region": "us-west-2",
        },
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "eks.amazonaws.com/nodegroup": "general",
            },
            "pool": {
              "accelerators": [],
              "instance": "m5.2xlarge",
              "labels": {},
              "maxNodes": 1,
              "minNodes": 1,
              "spot": false,
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "eks.amazonaws.com/nodegroup": "user",
            },
            "pool": {
              "accelerators": [],
              "instance": "m5.xlarge",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "eks.amazonaws.com/nodegroup": "worker",
            },
            "pool": {
              "accelerators": [],
              "instance": "m5.xlarge",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "qhub-block",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
  test("gcp", () => {
    expect(
      providerDefaults(
        resolveText(minimal("gcp", "google_cloud_platform: { project: team-project }\n")).clusters[0]!,
      ),
    ).toMatchInlineSnapshot(`
      {
        "cloud": {
          "project": "team-project",
          "region": "us-central1",
        },
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "cloud.google.com/gke-nodepool": "general",
            },
            "pool": {
              "accelerators": [],
              "instance": "n1-standard-8",
              "labels": {},
              "maxNodes": 1,
              "minNodes": 1,
              "spot": false,
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "cloud.google.com/gke-nodepool": "user",
            },
            "pool": {
              "accelerators": [],
              "instance": "n1-standard-4",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "cloud.google.com/gke-nodepool": "worker",
            },
            "pool": {
              "accelerators": [],
              "instance": "n1-standard-4",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "qhub-block",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
  test("azure", () => {
    expect(providerDefaults(resolveText(minimal("azure")).clusters[0]!)).toMatchInlineSnapshot(`
      {
        "cloud": {
          "region": "Central US",
        },
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "kubernetes.azure.com/agentpool": "general",
            },
            "pool": {
              "accelerators": [],
              "instance": "Standard_D8_v3",
              "labels": {},
              "maxNodes": 1,
              "minNodes": 1,
              "spot": false,
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "kubernetes.azure.com/agentpool": "user",
            },
            "pool": {
              "accelerators": [],
              "instance": "Standard_D4_v3",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "kubernetes.azure.com/agentpool": "worker",
            },
            "pool": {
              "accelerators": [],
              "instance": "Standard_D4_v3",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "qhub-block",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
  test("do", () => {
    expect(providerDefaults(resolveText(minimal("do")).clusters[0]!)).toMatchInlineSnapshot(`
      {
        "cloud": {
          "region": "nyc3",
        },
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "doks.digitalocean.com/node-pool": "general",
            },
            "pool": {
              "accelerators": [],
              "instance": "g-8vcpu-32gb",
              "labels": {},
              "maxNodes": 1,
              "minNodes": 1,
              "spot": false,
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "doks.digitalocean.com/node-pool": "user",
            },
            "pool": {
              "accelerators": [],
              "instance": "g-4vcpu-16gb",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "doks.digitalocean.com/node-pool": "worker",
            },
            "pool": {
              "accelerators": [],
              "instance": "g-4vcpu-16gb",
              "labels": {},
              "maxNodes": 5,
              "minNodes": 0,
              "spot": false,
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "qhub-block",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
  test("local", () => {
    expect(providerDefaults(resolveText(minimal("local")).clusters[0]!)).toMatchInlineSnapshot(`
      {
        "cloud": {},
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "kubernetes.io/os": "linux",
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "kubernetes.io/os": "linux",
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "kubernetes.io/os": "linux",
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "standard",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
  test("existing", () => {
    expect(
      providerDefaults(
        resolveText(
          minimal(
            "existing",
            "existing:\n  node_selectors:\n    user: { key: pool, value: users }\nstorage:\n  storage_class: ceph-rbd\n",
          ),
        ).clusters[0]!,
      ),
    ).toMatchInlineSnapshot(`
      {
        "cloud": {},
        "nodeGroups": {
          "general": {
            "gpu": false,
            "name": "general",
            "nodeSelector": {
              "kubernetes.io/os": "linux",
            },
            "taints": [],
          },
          "user": {
            "gpu": false,
            "name": "user",
            "nodeSelector": {
              "pool": "users",
            },
            "taints": [],
          },
          "worker": {
            "gpu": false,
            "name": "worker",
            "nodeSelector": {
              "kubernetes.io/os": "linux",
            },
            "taints": [],
          },
        },
        "storage": {
          "blockClass": "ceph-rbd",
          "condaStore": "60Gi",
          "sharedFilesystem": "100Gi",
          "type": "nfs",
        },
      }
    `);
  });
});

describe("resolveConfig: what every provider shares", () => {
  test("a minimal config resolves to QHub's defaults", () => {
    const c = resolveText(minimal("aws")).clusters[0]!;
    expect({ ...c, cloud: undefined, nodeGroups: undefined, storage: undefined }).toMatchInlineSnapshot(`
      {
        "authentication": {
          "type": "password",
        },
        "certificate": {
          "type": "self-signed",
        },
        "cloud": undefined,
        "culling": {
          "server_check_interval": 600,
          "server_idle_timeout": 3600,
        },
        "daskWorkerProfiles": [
          {
            "cores": 1.5,
            "coresLimit": 2,
            "gpus": 1,
            "image": "ghcr.io/dask/dask-gateway:2026.3.0",
            "memory": "5G",
            "memoryLimit": "8G",
            "name": "Small Worker",
            "nodeGroup": "worker",
            "slug": "small-worker",
            "threads": 2,
          },
          {
            "cores": 3,
            "coresLimit": 4,
            "gpus": 1,
            "image": "ghcr.io/dask/dask-gateway:2026.3.0",
            "memory": "10G",
            "memoryLimit": "16G",
            "name": "Medium Worker",
            "nodeGroup": "worker",
            "slug": "medium-worker",
            "threads": 4,
          },
        ],
        "domain": "hub.example.com",
        "environments": [
          {
            "file": "environment-dashboard.yaml",
            "spec": {
              "channels": [
                "conda-forge",
              ],
              "dependencies": [
                "python=3.12",
                "ipykernel",
                "ipywidgets",
                "dask-gateway=2026.3.0",
                "param",
                "python-graphviz",
                "matplotlib",
                "panel",
                "voila",
                "streamlit",
                "dash",
              ],
              "name": "dashboard",
            },
          },
          {
            "file": "environment-dask.yaml",
            "spec": {
              "channels": [
                "conda-forge",
              ],
              "dependencies": [
                "python=3.12",
                "ipykernel",
                "ipywidgets",
                "dask=2026.3",
                "distributed=2026.3",
                "dask-gateway=2026.3.0",
                "prometheus_client",
                "numpy",
                "pandas",
                "numba",
                "python-graphviz",
              ],
              "name": "dask",
            },
          },
        ],
        "gitops": {
          "branch": "main",
          "install": {},
          "path": "clusters/team",
          "prWorkflow": false,
        },
        "groups": [],
        "hubOverrides": {},
        "images": {
          "daskWorker": "ghcr.io/dask/dask-gateway:2026.3.0",
          "jupyterhub": "quay.io/jupyterhub/k8s-hub:4.4.0",
          "jupyterlab": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
        },
        "jupyterlabProfiles": [
          {
            "cpuGuarantee": 1.5,
            "cpuLimit": 2,
            "default": true,
            "description": "Stable environment with 2 cpu / 8 GB ram",
            "displayName": "Small Instance",
            "extra": {},
            "groups": [],
            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "memGuarantee": "5G",
            "memLimit": "8G",
            "nodeGroup": "user",
            "slug": "small-instance",
            "users": [],
          },
          {
            "cpuGuarantee": 3,
            "cpuLimit": 4,
            "default": false,
            "description": "Stable environment with 4 cpu / 16 GB ram",
            "displayName": "Medium Instance",
            "extra": {},
            "groups": [],
            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "memGuarantee": "10G",
            "memLimit": "16G",
            "nodeGroup": "user",
            "slug": "medium-instance",
            "users": [],
          },
        ],
        "monitoring": {
          "enabled": false,
          "retention": "15d",
          "storageSize": "50Gi",
        },
        "name": "team",
        "namespace": "dev",
        "nodeGroups": undefined,
        "projectName": "team",
        "provider": "aws",
        "sops": {
          "ageRecipients": [],
        },
        "storage": undefined,
        "theme": {},
        "users": [],
      }
    `);
  });

  test("the bundled example resolves to two clusters with the staging overrides applied", () => {
    const resolved = resolveText(readFileSync(join(ROOT, "examples", "qhub-config.yaml"), "utf8"));
    expect(resolved.clusters.map((c) => c.name)).toEqual(["prod", "staging"]);
    const [prod, staging] = resolved.clusters;
    expect(prod?.certificate).toEqual({
      type: "lets-encrypt",
      acme_email: "platform@ds-team.example.org",
      acme_server: "https://acme-v02.api.letsencrypt.org/directory",
    });
    expect(staging?.certificate).toEqual({ type: "self-signed" });
    expect(staging?.domain).toBe("staging.hub.ds-team.example.org");
    expect(staging?.nodeGroups.worker.pool).toEqual({
      instance: "m5.xlarge",
      minNodes: 0,
      maxNodes: 4,
      spot: false,
      accelerators: [],
      labels: {},
    });
    expect(staging?.nodeGroups.user.pool).toEqual(prod?.nodeGroups.user.pool);
    expect(prod?.environments.map((e) => e.file)).toEqual([
      "environment-dashboard.yaml",
      "environment-dask.yaml",
      "environment-ml.yaml",
    ]);
    expect(prod?.users.map((u) => [u.name, u.admin])).toEqual([
      ["ada", true],
      ["grace", false],
    ]);
    expect(prod?.gitops).toEqual({
      repository: "ds-team/platform",
      branch: "main",
      path: "clusters/prod",
      prWorkflow: false,
      install: {},
      commitStatus: {
        address: "https://github.com/ds-team/platform",
        token: { fromEnv: "QHUB_STATUS_TOKEN" },
      },
    });
  });

  test("resolving is deterministic: same input, same model, whatever the key order", () => {
    const env = (name: string) => `  environment-${name}.yaml: { name: ${name}, dependencies: [python] }\n`;
    const a = resolveText(minimal("aws", `environments:\n${env("b")}${env("a")}`));
    const b = resolveText(minimal("aws", `environments:\n${env("a")}${env("b")}`));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test("Dask worker profiles keep the order written: the first is the default", () => {
    const worker = "{ worker_cores: 1, worker_cores_limit: 1, worker_memory: 1G, worker_memory_limit: 1G }";
    const c = resolveText(
      minimal(
        "aws",
        `profiles:\n  dask_worker:\n    zeta: ${worker}\n    alpha: ${worker}\n    w10: ${worker}\n`,
      ),
    ).clusters[0]!;
    expect(c.daskWorkerProfiles.map((w) => w.name)).toEqual(["zeta", "alpha", "w10"]);
  });

  test("with no default profile the first one is the default", () => {
    const c = resolveText(
      minimal("aws", "profiles:\n  jupyterlab:\n    - display_name: One\n    - display_name: Two\n"),
    ).clusters[0]!;
    expect(c.jupyterlabProfiles.map((p) => [p.slug, p.default])).toEqual([
      ["one", true],
      ["two", false],
    ]);
  });
});

describe("resolveConfig: named node groups and GPUs", () => {
  const gpu = (text: string) => resolveText(text).clusters[0]!;

  test("any named group besides the roles; a GPU group gets GKE's taint; profiles choose groups", () => {
    const c = gpu(readFileSync(join(ROOT, "test", "fixtures", "render", "gcp-gpu.yaml"), "utf8"));
    expect(Object.keys(c.nodeGroups)).toEqual(["general", "user", "worker", "gpu-t4"]);
    expect(c.nodeGroups["gpu-t4"]).toEqual({
      name: "gpu-t4",
      nodeSelector: { "cloud.google.com/gke-nodepool": "gpu-t4" },
      gpu: true,
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
      pool: {
        instance: "n1-standard-8",
        minNodes: 0,
        maxNodes: 2,
        spot: false,
        accelerators: [{ name: "nvidia-tesla-t4", count: 1 }],
        labels: {},
      },
    });
    expect(c.jupyterlabProfiles.map((p) => [p.displayName, p.nodeGroup, p.image])).toEqual([
      ["Small Instance", "user", "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"],
      ["GPU Instance", "gpu-t4", DEFAULT_GPU_IMAGE],
    ]);
    expect(c.daskWorkerProfiles.map((w) => [w.name, w.nodeGroup, w.gpus])).toEqual([
      ["Small Worker", "worker", 1],
      ["GPU Worker", "gpu-t4", 1],
    ]);
  });

  test("QHub 0.4's kubespawner_override.node_selector chooses the group it selects; a declared taint replaces the default", () => {
    const c = gpu(
      [
        "project_name: gpus",
        "provider: aws",
        "domain: hub.example.com",
        "amazon_web_services:",
        "  node_groups:",
        "    a10: { instance: g5.xlarge, min_nodes: 0, max_nodes: 1, gpu: true, taints: [{ key: gpu, effect: NoExecute }] }",
        "profiles:",
        "  jupyterlab:",
        "    - display_name: A10",
        "      kubespawner_override: { node_selector: { eks.amazonaws.com/nodegroup: a10 } }",
        "    - display_name: Elsewhere",
        "      kubespawner_override: { node_selector: { pool: other } }",
        "",
      ].join("\n"),
    );
    expect(c.nodeGroups.a10?.taints).toEqual([{ key: "gpu", effect: "NoExecute" }]);
    expect(c.jupyterlabProfiles.map((p) => p.nodeGroup)).toEqual(["a10", "user"]);
  });

  test("on local and existing clusters a group is a set of node labels", () => {
    const c = gpu(
      [
        "project_name: gpus",
        "provider: existing",
        "domain: hub.example.com",
        "storage: { storage_class: ceph }",
        "existing:",
        "  node_groups:",
        '    gpu: { labels: { nvidia.com/gpu.present: "true" }, gpu: true }',
        "    user: { labels: { pool: users } }",
        "",
      ].join("\n"),
    );
    expect(c.nodeGroups.gpu).toEqual({
      name: "gpu",
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      gpu: true,
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
    });
    expect(c.nodeGroups.user.nodeSelector).toEqual({ pool: "users" });
    expect(c.nodeGroups.general.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
  });
});
