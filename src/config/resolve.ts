// resolve: validated per-cluster settings in, one fully defaulted model per cluster out.
// Pure: defaults that live in files (the conda environments) are handed in by the loader.
import {
  DEFAULT_DASK_WORKER_PROFILES,
  DEFAULT_IMAGES,
  DEFAULT_JUPYTERLAB_PROFILES,
  DEFAULT_NODE_GROUPS,
  DEFAULT_NODE_SELECTOR,
  DEFAULT_REGIONS,
  NODE_POOL_LABEL,
} from "./defaults.js";
import { clusterEntryPath, slugify } from "./names.js";
import { CURRENT_SCHEMA_VERSION, DEFAULT_BRANCH, NODE_GROUP_ROLES, PROVIDER_BLOCKS } from "./schema.js";
import type {
  Authentication,
  Certificate,
  CondaEnvironment,
  NodeGroupRole,
  ParsedConfig,
  Provider,
  SecretRef,
} from "./schema.js";
import type { ClusterConfig } from "./validate.js";

export interface ResolvedNodeGroup {
  role: NodeGroupRole;
  /** Labels a pod of this role selects its nodes by. */
  nodeSelector: Record<string, string>;
  /** The pool's size, where QHub knows it (clouds); undefined for local and existing clusters. */
  pool?: { name: string; instance: string; minNodes: number; maxNodes: number; gpu: boolean };
}

export interface ResolvedUser {
  name: string;
  uid?: number;
  primaryGroup?: string;
  secondaryGroups: string[];
  password?: SecretRef;
  /** Member of the group `admin`. */
  admin: boolean;
}

export interface ResolvedJupyterLabProfile {
  displayName: string;
  /** Stable identifier derived from the display name. */
  slug: string;
  description: string;
  default: boolean;
  users: string[];
  groups: string[];
  image: string;
  cpuLimit?: number;
  cpuGuarantee?: number;
  memLimit?: string;
  memGuarantee?: string;
  /** Further KubeSpawner traits, as written. */
  extra: Record<string, unknown>;
}

export interface ResolvedDaskWorkerProfile {
  name: string;
  slug: string;
  cores: number;
  coresLimit: number;
  memory: string;
  memoryLimit: string;
  threads: number;
  image: string;
}

export interface ResolvedEnvironment {
  file: string;
  spec: CondaEnvironment;
}

export interface ResolvedCluster {
  name: string;
  projectName: string;
  namespace: string;
  provider: Provider;
  domain: string;
  gitops: {
    repository?: string;
    branch: string;
    path: string;
    prWorkflow: boolean;
    /** `gitops.readme` as written; where it is unset, the render chooses (render/readme-path.ts). */
    readme?: string;
    /** Where the rendered workflows install QHub from: an npm package spec, and a registry. */
    install: { package?: string; registry?: string };
  };
  certificate: Certificate;
  authentication: Authentication;
  users: ResolvedUser[];
  groups: { name: string; gid?: number }[];
  images: { jupyterhub: string; jupyterlab: string; daskWorker: string };
  storage: {
    type: "nfs" | "cloud";
    condaStore: string;
    sharedFilesystem: string;
    /**
     * The StorageClass of block-storage claims (NFS server disk, hub database); undefined only on
     * an `existing` cluster that names none (its default class; validate warns).
     */
    blockClass?: string;
  };
  theme: Record<string, unknown>;
  /** Prometheus, Grafana and alerts (`monitoring`). */
  monitoring: { enabled: boolean; retention: string; storageSize: string };
  jupyterlabProfiles: ResolvedJupyterLabProfile[];
  daskWorkerProfiles: ResolvedDaskWorkerProfile[];
  environments: ResolvedEnvironment[];
  cloud: {
    region?: string;
    project?: string;
    availabilityZones?: string[];
    kubernetesVersion?: string;
    kubeContext?: string;
    /** AWS: the EFS file system behind `storage.type: cloud`. */
    efsFileSystemId?: string;
  };
  nodeGroups: Record<NodeGroupRole, ResolvedNodeGroup>;
  sops: { ageRecipients: string[] };
}

export interface ResolvedConfig {
  qhubVersion: number;
  projectName: string;
  clusters: ResolvedCluster[];
}

export interface ResolveDefaults {
  /** The conda environments shipped in the project's `environments/`, by file name. */
  environments: Record<string, CondaEnvironment>;
}

export { slugify } from "./names.js";

function sortedEntries<T>(record: Record<string, T> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function nodeGroups(config: ParsedConfig): Record<NodeGroupRole, ResolvedNodeGroup> {
  const provider = config.provider;
  const label = NODE_POOL_LABEL[provider];
  const defaults = DEFAULT_NODE_GROUPS[provider];
  const entries = NODE_GROUP_ROLES.map((role): [NodeGroupRole, ResolvedNodeGroup] => {
    if (label && defaults) {
      const block = config[PROVIDER_BLOCKS[provider] as "amazon_web_services"];
      const g = block?.node_groups?.[role] ?? defaults[role];
      return [
        role,
        {
          role,
          nodeSelector: { [label]: role },
          pool: {
            name: role,
            instance: g.instance,
            minNodes: g.min_nodes,
            maxNodes: g.max_nodes,
            gpu: g.gpu,
          },
        },
      ];
    }
    const block = provider === "local" ? config.local : config.existing;
    const sel = block?.node_selectors?.[role] ?? DEFAULT_NODE_SELECTOR;
    return [role, { role, nodeSelector: { [sel.key]: sel.value } }];
  });
  return Object.fromEntries(entries) as Record<NodeGroupRole, ResolvedNodeGroup>;
}

function cloud(config: ParsedConfig): ResolvedCluster["cloud"] {
  switch (config.provider) {
    case "aws": {
      const b = config.amazon_web_services;
      return {
        region: b?.region ?? DEFAULT_REGIONS.aws,
        availabilityZones: b?.availability_zones,
        kubernetesVersion: b?.kubernetes_version,
        efsFileSystemId: b?.efs_file_system_id,
      };
    }
    case "gcp": {
      const b = config.google_cloud_platform;
      return {
        region: b?.region ?? DEFAULT_REGIONS.gcp,
        project: b?.project,
        availabilityZones: b?.availability_zones,
        kubernetesVersion: b?.kubernetes_version,
      };
    }
    case "azure":
      return {
        region: config.azure?.region ?? DEFAULT_REGIONS.azure,
        kubernetesVersion: config.azure?.kubernetes_version,
      };
    case "do":
      return {
        region: config.digital_ocean?.region ?? DEFAULT_REGIONS.do,
        kubernetesVersion: config.digital_ocean?.kubernetes_version,
      };
    case "local":
      return { kubeContext: config.local?.kube_context };
    case "existing":
      return { kubeContext: config.existing?.kube_context };
  }
}

/** QHub's own block StorageClass on clouds (overlays/<cloud>/configs); the cluster's elsewhere. */
export const QHUB_BLOCK_CLASS = "qhub-block";

function blockStorageClass(config: ParsedConfig): string | undefined {
  if (config.provider !== "local" && config.provider !== "existing") return QHUB_BLOCK_CLASS;
  // kind and minikube name their default class `standard`; an existing cluster should say.
  return config.storage.storage_class ?? (config.provider === "local" ? "standard" : undefined);
}

/** Drops keys whose value is undefined, so snapshots and output show only what is set. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function resolveCluster(cluster: ClusterConfig, defaults: ResolveDefaults): ResolvedCluster {
  const c = cluster.config;
  const images = {
    jupyterhub: c.default_images?.jupyterhub ?? DEFAULT_IMAGES.jupyterhub,
    jupyterlab: c.default_images?.jupyterlab ?? DEFAULT_IMAGES.jupyterlab,
    daskWorker: c.default_images?.dask_worker ?? DEFAULT_IMAGES.dask_worker,
  };
  const written = c.profiles?.jupyterlab ?? DEFAULT_JUPYTERLAB_PROFILES;
  const anyDefault = written.some((p) => p.default);
  const jupyterlabProfiles = written.map((p, i): ResolvedJupyterLabProfile => {
    const { cpu_limit, cpu_guarantee, mem_limit, mem_guarantee, image, ...extra } =
      p.kubespawner_override ?? {};
    return compact({
      displayName: p.display_name,
      slug: slugify(p.display_name),
      description: p.description,
      default: anyDefault ? p.default : i === 0,
      users: [...(p.users ?? [])].sort(),
      groups: [...(p.groups ?? [])].sort(),
      image: image ?? images.jupyterlab,
      cpuLimit: cpu_limit,
      cpuGuarantee: cpu_guarantee,
      memLimit: mem_limit === undefined ? undefined : String(mem_limit),
      memGuarantee: mem_guarantee === undefined ? undefined : String(mem_guarantee),
      extra,
    });
  });
  // In the order written: the first is the default worker size.
  const daskWorkerProfiles = Object.entries(c.profiles?.dask_worker ?? DEFAULT_DASK_WORKER_PROFILES).map(
    ([name, w]): ResolvedDaskWorkerProfile => ({
      name,
      slug: slugify(name),
      cores: w.worker_cores,
      coresLimit: w.worker_cores_limit,
      memory: String(w.worker_memory),
      memoryLimit: String(w.worker_memory_limit),
      threads: w.worker_threads ?? Math.max(1, Math.floor(w.worker_cores_limit)),
      image: w.image ?? images.daskWorker,
    }),
  );
  const environments = sortedEntries({ ...defaults.environments, ...c.environments }).map(([file, spec]) => ({
    file,
    spec,
  }));
  const users = sortedEntries(c.security.users).map(([name, u]): ResolvedUser => {
    const groups = [u?.primary_group, ...(u?.secondary_groups ?? [])];
    return compact({
      name,
      uid: u?.uid,
      primaryGroup: u?.primary_group,
      secondaryGroups: [...(u?.secondary_groups ?? [])].sort(),
      password: u?.password,
      admin: groups.includes("admin"),
    });
  });
  return {
    name: cluster.name,
    projectName: c.project_name,
    namespace: c.namespace,
    provider: c.provider,
    domain: c.domain.toLowerCase(),
    gitops: compact({
      repository: c.gitops?.repository,
      branch: c.gitops?.branch ?? DEFAULT_BRANCH,
      path: clusterEntryPath(cluster.name),
      prWorkflow: c.gitops?.pr_workflow ?? false,
      readme: c.gitops?.readme,
      install: compact({ package: c.gitops?.qhub_package, registry: c.gitops?.npm_registry }),
    }),
    certificate: c.certificate,
    authentication: c.security.authentication,
    users,
    groups: sortedEntries(c.security.groups).map(([name, g]) => compact({ name, gid: g?.gid })),
    images,
    storage: compact({
      type: c.storage.type,
      condaStore: c.storage.conda_store,
      sharedFilesystem: c.storage.shared_filesystem,
      blockClass: blockStorageClass(c),
    }),
    theme: { ...c.theme?.jupyterhub },
    monitoring: {
      enabled: c.monitoring.enabled,
      retention: c.monitoring.retention,
      storageSize: c.monitoring.storage_size,
    },
    jupyterlabProfiles,
    daskWorkerProfiles,
    environments,
    cloud: compact(cloud(c)),
    nodeGroups: nodeGroups(c),
    sops: { ageRecipients: [...(c.secrets?.sops.age_recipients ?? [])].sort() },
  };
}

/** Every cluster of a validated config, fully defaulted, in name order. */
export function resolveConfig(clusters: readonly ClusterConfig[], defaults: ResolveDefaults): ResolvedConfig {
  const first = clusters[0];
  return {
    qhubVersion: CURRENT_SCHEMA_VERSION,
    projectName: first?.config.project_name ?? "",
    clusters: [...clusters]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => resolveCluster(c, defaults)),
  };
}
