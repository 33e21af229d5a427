// resolve: validated per-cluster settings in, one fully defaulted model per cluster out.
// Pure: defaults that live in files (the conda environments) are handed in by the loader.
import {
  AUTO_NODE_LABEL,
  DEFAULT_DASK_WORKER_PROFILES,
  DEFAULT_GPU_IMAGE,
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
  Culling,
  NodeGroupRole,
  ParsedConfig,
  Provider,
  Prices,
  SecretRef,
  Taint,
} from "./schema.js";
import type { ClusterConfig } from "./validate.js";

export interface ResolvedNodeGroup {
  /** Its name in the provider block; the roles' groups are named after them. */
  name: string;
  /** Labels a pod placed on the group selects its nodes by. */
  nodeSelector: Record<string, string>;
  /** Whether the nodes have NVIDIA GPUs (pods placed here request `nvidia.com/gpu`). */
  gpu: boolean;
  /** Taints the nodes carry, which pods placed here tolerate. */
  taints: Taint[];
  /** The pool's size, where QHub knows it (clouds); undefined for local and existing clusters. */
  pool?: {
    instance: string;
    minNodes: number;
    maxNodes: number;
    spot: boolean;
    accelerators: { name: string; count: number }[];
    labels: Record<string, string>;
  };
}

/** A cluster's node groups by name: the three roles' always, then any the config names. */
export type ResolvedNodeGroups = Record<NodeGroupRole, ResolvedNodeGroup> & Record<string, ResolvedNodeGroup>;

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
  /** The node group its servers run on. */
  nodeGroup: string;
  cpuLimit?: number;
  cpuGuarantee?: number;
  memLimit?: string;
  memGuarantee?: string;
  /** Further KubeSpawner traits, as written. */
  extra: Record<string, unknown>;
  /** KubeSpawner's profile options, as written. */
  profileOptions?: Record<string, Record<string, unknown>>;
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
  /** The node group its workers run on, and the GPUs each requests there. */
  nodeGroup: string;
  gpus: number;
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
    /** Commit statuses from this cluster's Flux: the repository's URL and the token; absent when off. */
    commitStatus?: { address: string; token: SecretRef };
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
  /** Idle culling (`jupyterhub.culling`), as written with its defaults. */
  culling: Culling;
  /** `jupyterhub.overrides`: chart values merged over QHub's, as written; {} when none. */
  hubOverrides: Record<string, unknown>;
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
    /** Prices the config gives over QHub's table. */
    prices?: Prices;
  };
  nodeGroups: ResolvedNodeGroups;
  /**
   * `node_provisioning: auto`: the cloud's autoscaler makes the groups' nodes from the objects QHub
   * declares, and pods select a group by its label (`nodeSelector` of each group); JupyterHub
   * keeps `placeholders` users' worth of room on the user group. Absent: the team makes the pools.
   */
  autoscaling?: { label: string; placeholders: number };
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

/**
 * The taint GKE puts on every GPU node pool (and QHub asks the team to put on GPU pools elsewhere):
 * https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#create (read 2026-12-07).
 */
export const GPU_TAINT: Taint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };

/** The taints of a group: as written, or the GPU taint on a GPU group that names none. */
function taintsOf(gpu: boolean, taints: readonly Taint[] | undefined): Taint[] {
  return taints ? [...taints] : gpu ? [GPU_TAINT] : [];
}

/** Roles first (general, user, worker), then the other groups in name order. */
function byRoleThenName(names: Iterable<string>): string[] {
  const rest = [...new Set(names)].filter((n) => !(NODE_GROUP_ROLES as readonly string[]).includes(n)).sort();
  return [...NODE_GROUP_ROLES, ...rest];
}

/** `node_provisioning: auto` on a cloud whose autoscaler QHub declares pools for (validate refuses others). */
function autoscaling(config: ParsedConfig): ResolvedCluster["autoscaling"] {
  const label = AUTO_NODE_LABEL[config.provider];
  const block = config[PROVIDER_BLOCKS[config.provider] as "amazon_web_services"];
  if (!label || block?.node_provisioning !== "auto") return undefined;
  return { label, placeholders: block.user_placeholders ?? 1 };
}

function nodeGroups(config: ParsedConfig): ResolvedNodeGroups {
  const provider = config.provider;
  const label = autoscaling(config)?.label ?? NODE_POOL_LABEL[provider];
  const defaults = DEFAULT_NODE_GROUPS[provider];
  if (label && defaults) {
    const block = config[PROVIDER_BLOCKS[provider] as "amazon_web_services"];
    const written = block?.node_groups ?? {};
    const entries = byRoleThenName(Object.keys(written)).map((name): [string, ResolvedNodeGroup] => {
      const g = written[name] ?? defaults[name as NodeGroupRole];
      const gpu = g.gpu || (g.guest_accelerators ?? []).length > 0;
      return [
        name,
        {
          name,
          nodeSelector: { [label]: name },
          gpu,
          taints: taintsOf(gpu, g.taints),
          pool: {
            instance: g.instance,
            minNodes: g.min_nodes,
            maxNodes: g.max_nodes,
            spot: g.spot ?? false,
            accelerators: (g.guest_accelerators ?? []).map((a) => ({ name: a.name, count: a.count })),
            labels: { ...g.labels },
          },
        },
      ];
    });
    return Object.fromEntries(entries) as ResolvedNodeGroups;
  }
  const block = provider === "local" ? config.local : config.existing;
  const written = block?.node_groups ?? {};
  const entries = byRoleThenName(Object.keys(written)).map((name): [string, ResolvedNodeGroup] => {
    const g = written[name];
    if (g)
      return [name, { name, nodeSelector: { ...g.labels }, gpu: g.gpu, taints: taintsOf(g.gpu, g.taints) }];
    const sel = block?.node_selectors?.[name as NodeGroupRole] ?? DEFAULT_NODE_SELECTOR;
    return [name, { name, nodeSelector: { [sel.key]: sel.value }, gpu: false, taints: [] }];
  });
  return Object.fromEntries(entries) as ResolvedNodeGroups;
}

/**
 * The group a profile runs on: the one it names, else the group whose labels QHub 0.4's
 * `kubespawner_override.node_selector` selects, else the role's.
 */
function profileGroup(
  groups: ResolvedNodeGroups,
  named: string | undefined,
  selector: unknown,
  role: NodeGroupRole,
  poolLabel: string | undefined,
): string {
  if (named !== undefined) return named;
  return selectedGroup(groups, selector, poolLabel) ?? role;
}

/**
 * The group whose labels a QHub 0.4 `node_selector` selects: by the group's labels, or, when the
 * autoscaler makes the nodes, by the cloud's node-pool label the selector was written for.
 */
function selectedGroup(groups: ResolvedNodeGroups, selector: unknown, poolLabel: string | undefined) {
  if (selector === null || typeof selector !== "object" || Object.keys(selector).length === 0)
    return undefined;
  const wanted = Object.entries(selector as Record<string, unknown>);
  const match = Object.values(groups).find((g) =>
    wanted.every(([k, v]) => g.nodeSelector[k] === v || (k === poolLabel && v === g.name)),
  );
  return match?.name;
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
        prices: b?.prices,
      };
    }
    case "gcp": {
      const b = config.google_cloud_platform;
      return {
        region: b?.region ?? DEFAULT_REGIONS.gcp,
        project: b?.project,
        availabilityZones: b?.availability_zones,
        kubernetesVersion: b?.kubernetes_version,
        prices: b?.prices,
      };
    }
    case "azure":
      return {
        region: config.azure?.region ?? DEFAULT_REGIONS.azure,
        kubernetesVersion: config.azure?.kubernetes_version,
        prices: config.azure?.prices,
      };
    case "do":
      return {
        region: config.digital_ocean?.region ?? DEFAULT_REGIONS.do,
        kubernetesVersion: config.digital_ocean?.kubernetes_version,
        prices: config.digital_ocean?.prices,
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

/** Where Flux reports commit statuses: only with a repository and a token, and not turned off. */
function commitStatus(config: ParsedConfig): ResolvedCluster["gitops"]["commitStatus"] {
  const status = config.gitops?.commit_status;
  const repository = config.gitops?.repository;
  if (!repository || !status?.token || status.enabled === false) return undefined;
  return { address: `https://github.com/${repository}`, token: status.token };
}

/** Drops keys whose value is undefined, so snapshots and output show only what is set. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function resolveCluster(cluster: ClusterConfig, defaults: ResolveDefaults): ResolvedCluster {
  const c = cluster.config;
  const groups = nodeGroups(c);
  const images = {
    jupyterhub: c.default_images?.jupyterhub ?? DEFAULT_IMAGES.jupyterhub,
    jupyterlab: c.default_images?.jupyterlab ?? DEFAULT_IMAGES.jupyterlab,
    daskWorker: c.default_images?.dask_worker ?? DEFAULT_IMAGES.dask_worker,
  };
  const auto = autoscaling(c);
  const poolLabel = NODE_POOL_LABEL[c.provider];
  const written = c.profiles?.jupyterlab ?? DEFAULT_JUPYTERLAB_PROFILES;
  const anyDefault = written.some((p) => p.default);
  const jupyterlabProfiles = written.map((p, i): ResolvedJupyterLabProfile => {
    const { cpu_limit, cpu_guarantee, mem_limit, mem_guarantee, image, ...extra } =
      p.kubespawner_override ?? {};
    const nodeGroup = profileGroup(groups, p.node_group, extra.node_selector, "user", poolLabel);
    // With the autoscaler's nodes, a QHub 0.4 selector of a pool label no node carries gives way
    // to the group's placement.
    if (auto && selectedGroup(groups, extra.node_selector, poolLabel) !== undefined)
      delete extra.node_selector;
    return compact({
      displayName: p.display_name,
      slug: slugify(p.display_name),
      description: p.description,
      default: anyDefault ? p.default : i === 0,
      users: [...(p.users ?? [])].sort(),
      groups: [...(p.groups ?? [])].sort(),
      image: image ?? (groups[nodeGroup]?.gpu ? DEFAULT_GPU_IMAGE : images.jupyterlab),
      nodeGroup,
      cpuLimit: cpu_limit,
      cpuGuarantee: cpu_guarantee,
      memLimit: mem_limit === undefined ? undefined : String(mem_limit),
      memGuarantee: mem_guarantee === undefined ? undefined : String(mem_guarantee),
      extra,
      profileOptions: p.profile_options,
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
      nodeGroup: w.node_group ?? "worker",
      gpus: w.worker_gpus ?? 1,
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
      commitStatus: commitStatus(c),
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
    culling: c.jupyterhub.culling,
    hubOverrides: c.jupyterhub.overrides ?? {},
    jupyterlabProfiles,
    daskWorkerProfiles,
    environments,
    cloud: compact(cloud(c)),
    nodeGroups: groups,
    ...(auto ? { autoscaling: auto } : {}),
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
