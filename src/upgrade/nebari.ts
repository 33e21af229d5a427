// Nebari -> schema version 1: what only Nebari's configs (2022.x-2026.x) wrote. Nebari grew out of
// QHub 0.4, so most of its keys are QHub 0.4's and the 0.4 -> 1 step (steps.ts) finishes the job;
// this step comes first and handles Nebari's own. Key shapes follow Nebari's InputSchema classes
// (src/_nebari/stages/*/__init__.py) and its upgrade steps (src/_nebari/upgrade.py). Pure.
import { isPlainObject } from "../config/merge.js";
import { NEBARI_KEYS } from "../config/issues.js";
import { NODE_POOL_LABEL } from "../config/defaults.js";
import { instanceType } from "../config/instances.js";
import { PROVIDER_BLOCKS, PROVIDERS } from "../config/schema.js";
import type { Provider } from "../config/schema.js";
import type { Editor } from "./edit.js";

export function upgradeNebari(ed: Editor): void {
  ed.step = "Nebari -> 1";
  jupyterlab(ed);
  storage(ed);
  login(ed);
  sharedUsersGroup(ed);
  monitoring(ed);
  gpuGroups(ed);
  daskWorkers(ed);
  keepCluster(ed);
}

/** The file's provider, when it is one QHub knows. */
function providerOf(ed: Editor): Provider | undefined {
  const provider = ed.get(["provider"]);
  return (PROVIDERS as readonly unknown[]).includes(provider) ? (provider as Provider) : undefined;
}

/** The cluster Nebari built stays: QHub creates none, and finds Nebari's pools by their names. */
function keepCluster(ed: Editor): void {
  const p = providerOf(ed);
  if (p === undefined) return;
  const label = NODE_POOL_LABEL[p];
  const groups = ed.keys([PROVIDER_BLOCKS[p], "node_groups"]);
  ed.note(
    [PROVIDER_BLOCKS[p], ...(label ? ["node_groups"] : [])],
    `QHub creates no cluster: keep the one Nebari built, and never run \`nebari destroy\` (it deletes the cluster and its disks). ${
      label && groups.length > 0
        ? `These are Nebari's node groups (${groups.join(", ")}); QHub places pods on each by its pool label, ${label}=NAME, so the pools stay as they are.`
        : "QHub places pods on the nodes the node selectors here name, as Nebari did."
    } Before Flux applies, stop Nebari's services in the namespace and copy the home folders; the rendered README's "Moving over from Nebari" says how, and how conda environments carry over`,
  );
}

/**
 * Node groups of GPU instance types: Nebari's Azure and DigitalOcean groups had no `gpu` flag (the
 * instance type said it); QHub needs it to request GPUs and tolerate the group's taints.
 */
function gpuGroups(ed: Editor): void {
  const p = providerOf(ed);
  if (p === undefined) return;
  const groups = [PROVIDER_BLOCKS[p], "node_groups"];
  for (const name of ed.keys(groups)) {
    const instance = ed.get([...groups, name, "instance"]);
    if (typeof instance !== "string" || ed.has([...groups, name, "gpu"])) continue;
    const type = instanceType(p, instance);
    if (type && type.gpus > 0)
      ed.add([...groups, name, "gpu"], true, `${instance} has ${type.gpus} GPU${type.gpus === 1 ? "" : "s"}`);
  }
}

// ---------------------------------------------------------------------------------------------
// jupyterlab.idle_culler -> jupyterhub.culling; the rest of `jupyterlab` has no place.

/** Nebari's IdleCuller defaults, in minutes: what a Nebari without the block did. */
const NEBARI_CULLER = {
  terminal_cull_inactive_timeout: 15,
  terminal_cull_interval: 5,
  kernel_cull_idle_timeout: 15,
  kernel_cull_interval: 5,
  kernel_cull_connected: true,
  kernel_cull_busy: false,
  server_shutdown_no_activity_timeout: 15,
};

const JUPYTERLAB_KEYS: Record<string, string> = {
  default_settings:
    "JupyterLab's default settings (its overrides.json) belong in the user image, or in a singleuser.extraFiles entry of `jupyterhub.overrides` at the image's share/jupyter/lab/settings/overrides.json",
  initial_repositories:
    "QHub clones nothing into home folders: an nbgitpuller link, or a singleuser lifecycle hook in `jupyterhub.overrides`, does it",
  preferred_dir:
    "the folder JupyterLab opens is the user image's setting, or singleuser.defaultUrl (e.g. /lab/tree/shared) in `jupyterhub.overrides`",
  gallery_settings: "jupyterlab-gallery is not part of QHub's images",
};

function jupyterlab(ed: Editor): void {
  const lab = ["jupyterlab"];
  const written = ed.get([...lab, "idle_culler"]);
  const culler: Record<string, unknown> = {
    ...NEBARI_CULLER,
    ...(isPlainObject(written) ? written : {}),
  };
  const minutes = (key: keyof typeof NEBARI_CULLER): number | undefined => {
    const v = culler[key];
    return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.round(v * 60) : undefined;
  };
  const flag = (key: keyof typeof NEBARI_CULLER): boolean | undefined => {
    const v = culler[key];
    return typeof v === "boolean" ? v : undefined;
  };
  const culling = Object.fromEntries(
    Object.entries({
      server_idle_timeout: minutes("server_shutdown_no_activity_timeout"),
      kernel_idle_timeout: minutes("kernel_cull_idle_timeout"),
      kernel_check_interval: minutes("kernel_cull_interval"),
      kernel_cull_connected: flag("kernel_cull_connected"),
      kernel_cull_busy: flag("kernel_cull_busy"),
      terminal_idle_timeout: minutes("terminal_cull_inactive_timeout"),
      terminal_check_interval: minutes("terminal_cull_interval"),
    }).filter(([, v]) => v !== undefined),
  );
  if (!ed.has(["jupyterhub", "culling"]))
    ed.add(
      ["jupyterhub", "culling"],
      culling,
      isPlainObject(written)
        ? "jupyterlab.idle_culler's timeouts, in seconds (Nebari counted minutes): the hub stops idle servers, each server culls idle kernels and terminals"
        : "Nebari culled idle kernels and terminals after 15 minutes, and stopped servers 15 minutes later, unless jupyterlab.idle_culler said otherwise: the same, in seconds",
    );
  if (!ed.has(lab)) return;
  const keys = ed.keys(lab);
  for (const key of keys)
    ed.remove(
      [...lab, key],
      key === "idle_culler"
        ? "now `jupyterhub.culling`"
        : (JUPYTERLAB_KEYS[key] ?? "JupyterLab's settings come from the user image"),
    );
  ed.remove(lab, NEBARI_KEYS.jupyterlab ?? "", keys.length === 0);
}

// ---------------------------------------------------------------------------------------------

/** `storage.type`: Nebari's nfs | efs | cephfs, QHub's nfs | cloud. */
function storage(ed: Editor): void {
  const type = ["storage", "type"];
  const value = ed.get(type);
  if (value === "efs") {
    ed.replace(type, "cloud", "EFS is QHub's `cloud` storage on AWS");
    if (!ed.has(["amazon_web_services", "efs_file_system_id"]))
      ed.note(
        ["amazon_web_services", "efs_file_system_id"],
        "name the EFS file system Nebari created (`aws efs describe-file-systems`, tagged with the project's name) to keep the data on it",
      );
  } else if (value === "cephfs") {
    ed.replace(
      type,
      "nfs",
      "there is no Ceph here: an NFS server on the cloud's block storage holds the shared folders",
    );
    ed.note(
      ["storage", "type"],
      "home folders and conda environments on Nebari's CephFS do not move by themselves: copy them onto the new volume (the rendered README says how)",
    );
  }
  for (const key of ed.keys(["storage"]))
    if (!["type", "conda_store", "shared_filesystem", "storage_class"].includes(key))
      ed.remove(["storage", key], "storage takes type, conda_store, shared_filesystem and storage_class");
}

// Where Nebari read OAuth credentials from when the file named none (its GitHubConfig and
// Auth0Config read these environment variables).
const NEBARI_ENV: Record<string, Record<string, string>> = {
  GitHub: { client_id: "GITHUB_CLIENT_ID", client_secret: "GITHUB_CLIENT_SECRET" },
  Auth0: { client_id: "AUTH0_CLIENT_ID", client_secret: "AUTH0_CLIENT_SECRET" },
};

/**
 * GitHub and Auth0 logins: Nebari read a missing client ID and secret from the environment; the
 * file says so now. Nebari logged people in through Keycloak, which kept its own users.
 */
function login(ed: Editor): void {
  const auth = ["security", "authentication"];
  const type = ed.get([...auth, "type"]);
  const env = typeof type === "string" ? NEBARI_ENV[type] : undefined;
  if (!env) return;
  const config = [...auth, "config"];
  for (const [key, name] of Object.entries(env)) {
    if (ed.has([...config, key])) continue;
    ed.add(
      [...config, key],
      ed.flow({ fromEnv: name }),
      `Nebari read it from ${name} when the file named none; so does QHub`,
    );
    ed.environment.push({
      name,
      path: [...config, key].join("."),
      note: `the ${key === "client_id" ? "client ID" : "client secret"} Nebari was deployed with`,
    });
  }
  const who = type === "GitHub" ? "GitHub" : "Auth0";
  ed.note(
    ["security", "users"],
    `Nebari sent ${who} logins through Keycloak, which admitted whoever Keycloak knew: decide who may log in here (security.users${
      type === "GitHub" ? ", or allowed_organizations" : ""
    }), and export the users and their groups from Keycloak before you retire it`,
  );
  if (type === "Auth0" && !ed.has([...config, "auth0_subdomain"]))
    ed.note(
      [...config, "auth0_subdomain"],
      "Nebari read the Auth0 tenant from AUTH0_DOMAIN: write it here (TENANT for TENANT.auth0.com)",
    );
}

/** Nebari's `security.shared_users_group` was on unless set false: its folder stays shared. */
function sharedUsersGroup(ed: Editor): void {
  if (ed.has(["security", "shared_users_group"]) || ed.has(["security", "groups", "users"])) return;
  ed.add(
    ["security", "groups", "users"],
    ed.flow({}),
    "Nebari's shared users group (on unless shared_users_group was false), as a group with a shared folder",
  );
}

/**
 * Nebari ran monitoring unless told not to, with Loki, Promtail and MinIO for logs. QHub's
 * monitoring is Prometheus and Grafana; `enabled` is kept.
 */
function monitoring(ed: Editor): void {
  const base = ["monitoring"];
  if (!ed.has(base)) {
    ed.add(
      base,
      { enabled: true },
      "Nebari ran monitoring (Prometheus, Grafana) by default; QHub's is off unless enabled, so it stays on: set false to leave it out",
    );
    return;
  }
  const reasons: Record<string, string> = {
    overrides:
      "QHub's monitoring has no Loki, Promtail or MinIO (logs stay with `kubectl logs`); its Prometheus and Grafana are QHub's",
    minio_enabled: "QHub's monitoring has no Loki, so no MinIO for it",
    healthchecks: "Kuberhealthy is not part of QHub; its smoke tests check the platform after each change",
  };
  for (const key of ed.keys(base)) {
    const reason = reasons[key];
    if (reason !== undefined) ed.remove([...base, key], reason);
  }
  if (ed.keys(base).length === 0) ed.add([...base, "enabled"], true, "Nebari's default: monitoring was on");
}

// ---------------------------------------------------------------------------------------------
// Dask worker profiles: Nebari allowed any KubeCluster setting beside the sizes.

/** The node groups the file's provider block names. */
function nodeGroupNames(ed: Editor): string[] {
  const p = providerOf(ed);
  return p === undefined ? [] : ed.keys([PROVIDER_BLOCKS[p], "node_groups"]);
}

const GPU_LIMIT = "nvidia.com/gpu";

function daskWorkers(ed: Editor): void {
  const groups = nodeGroupNames(ed);
  for (const name of ed.keys(["profiles", "dask_worker"])) {
    const base = ["profiles", "dask_worker", name];
    const pod = ed.get([...base, "worker_extra_pod_config"]);
    const selector = isPlainObject(pod) ? pod.nodeSelector : undefined;
    const group = isPlainObject(selector)
      ? groups.find((g) => Object.values(selector).includes(g))
      : undefined;
    if (group !== undefined && !ed.has([...base, "node_group"]))
      ed.add([...base, "node_group"], group, `its workers' nodeSelector named the pool ${group}`);
    const container = ed.get([...base, "worker_extra_container_config"]);
    const limits =
      isPlainObject(container) && isPlainObject(container.resources) ? container.resources.limits : undefined;
    const gpus = isPlainObject(limits) ? Number(limits[GPU_LIMIT]) : Number.NaN;
    if (Number.isInteger(gpus) && gpus >= 1 && !ed.has([...base, "worker_gpus"]))
      ed.add([...base, "worker_gpus"], gpus, `its workers' container asked for ${GPU_LIMIT}`);
    for (const key of ed.keys(base))
      if (!KEEP_WORKER.has(key))
        ed.remove(
          [...base, key],
          key.endsWith("_extra_pod_config") || key.endsWith("_extra_container_config")
            ? "QHub places workers with `node_group` (GPUs with `worker_gpus`); other pod settings go into a Kustomize patch of the Dask Gateway's HelmRelease"
            : "a Dask worker size takes worker_cores, worker_cores_limit, worker_memory, worker_memory_limit, worker_threads, image, node_group and worker_gpus",
        );
  }
}

const KEEP_WORKER = new Set([
  "worker_cores",
  "worker_cores_limit",
  "worker_memory",
  "worker_memory_limit",
  "worker_threads",
  "image",
  "node_group",
  "worker_gpus",
]);
