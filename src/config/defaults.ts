// QHub's per-provider defaults (QHub 0.4's values), in one table that resolve reads.
import type { DaskWorkerProfile, JupyterLabProfile, NodeGroup, NodeGroupRole, Provider } from "./schema.js";

type Pools = Record<NodeGroupRole, NodeGroup>;

const pools = (general: string, other: string): Pools => ({
  general: { instance: general, min_nodes: 1, max_nodes: 1, gpu: false },
  user: { instance: other, min_nodes: 0, max_nodes: 5, gpu: false },
  worker: { instance: other, min_nodes: 0, max_nodes: 5, gpu: false },
});

/** Node pools for the clouds QHub sizes; local and existing clusters bring their own nodes. */
export const DEFAULT_NODE_GROUPS: Partial<Record<Provider, Pools>> = {
  aws: pools("m5.2xlarge", "m5.xlarge"),
  gcp: pools("n1-standard-8", "n1-standard-4"),
  azure: pools("Standard_D8_v3", "Standard_D4_v3"),
  do: pools("g-8vcpu-32gb", "g-4vcpu-16gb"),
};

/**
 * The node label each cloud puts on a node pool's nodes, by which QHub places pods.
 * EKS managed node groups, GKE node pools, AKS agent pools, DOKS node pools.
 */
export const NODE_POOL_LABEL: Partial<Record<Provider, string>> = {
  aws: "eks.amazonaws.com/nodegroup",
  gcp: "cloud.google.com/gke-nodepool",
  azure: "kubernetes.azure.com/agentpool",
  do: "doks.digitalocean.com/node-pool",
};

/**
 * The node label pods select a group by when the cloud's autoscaler makes its nodes
 * (`node_provisioning: auto`): Karpenter (EKS, and AKS node auto-provisioning) labels every node
 * with its NodePool's name (https://karpenter.sh/docs/reference/well-known-labels/); GKE puts a
 * pod selecting `cloud.google.com/compute-class: NAME` on that compute class's nodes
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/about-custom-compute-classes). Read 2026-12-07.
 */
export const AUTO_NODE_LABEL: Partial<Record<Provider, string>> = {
  aws: "karpenter.sh/nodepool",
  gcp: "cloud.google.com/compute-class",
  azure: "karpenter.sh/nodepool",
};

/** Where local and existing clusters place pods when the config names no node labels. */
export const DEFAULT_NODE_SELECTOR = { key: "kubernetes.io/os", value: "linux" } as const;

export const DEFAULT_REGIONS: Partial<Record<Provider, string>> = {
  aws: "us-west-2",
  gcp: "us-central1",
  azure: "Central US",
  do: "nyc3",
};

/** The pinned Zero to JupyterHub chart's version (components/jupyterhub pins it). */
export const JUPYTERHUB_CHART_VERSION = "4.4.0";

// Images that match the pinned charts (Zero to JupyterHub 4.4.0, Dask Gateway 2026.3.0).
export const DEFAULT_IMAGES = {
  jupyterhub: "quay.io/jupyterhub/k8s-hub:4.4.0",
  jupyterlab: "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
  dask_worker: "ghcr.io/dask/dask-gateway:2026.3.0",
} as const;

/**
 * The image of JupyterLab profiles on a GPU group that name none: Jupyter's Docker Stacks
 * PyTorch image in its CUDA 12 variant (the `cuda12-` tag prefix, docs/using/selecting.md of
 * jupyter/docker-stacks), the build of 2026-08-24 (jupyter/docker-stacks wiki, page 2026-08;
 * read 2026-12-07). The NVIDIA container toolkit on the node provides the driver.
 */
export const DEFAULT_GPU_IMAGE = "quay.io/jupyter/pytorch-notebook:cuda12-2026-08-24";

export const DEFAULT_JUPYTERLAB_PROFILES: JupyterLabProfile[] = [
  {
    display_name: "Small Instance",
    description: "Stable environment with 2 cpu / 8 GB ram",
    default: true,
    kubespawner_override: { cpu_limit: 2, cpu_guarantee: 1.5, mem_limit: "8G", mem_guarantee: "5G" },
  },
  {
    display_name: "Medium Instance",
    description: "Stable environment with 4 cpu / 16 GB ram",
    default: false,
    kubespawner_override: { cpu_limit: 4, cpu_guarantee: 3, mem_limit: "16G", mem_guarantee: "10G" },
  },
];

export const DEFAULT_DASK_WORKER_PROFILES: Record<string, DaskWorkerProfile> = {
  "Small Worker": {
    worker_cores_limit: 2,
    worker_cores: 1.5,
    worker_memory_limit: "8G",
    worker_memory: "5G",
    worker_threads: 2,
  },
  "Medium Worker": {
    worker_cores_limit: 4,
    worker_cores: 3,
    worker_memory_limit: "16G",
    worker_memory: "10G",
    worker_threads: 4,
  },
};
