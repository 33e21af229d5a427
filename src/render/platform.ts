// The platform every user touches: JupyterHub (Zero to JupyterHub) and Dask Gateway, as one
// HelmRelease each, with every value a reviewer needs to see in that one file. Pure.
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ConfigMap } from "kubernetes-models/v1";
import { passwordEnvName, passwordKey } from "../config/names.js";
import type { ResolvedCluster } from "../config/resolve.js";
import { githubOrganizations, quantityValue, runsDask } from "../config/rules.js";
import { BugError } from "../errors.js";
import daskOptionsPython from "./embedded/dask_gateway_options.py";
import loginTemplate from "./embedded/hub_login.html.jinja";
import oauthGroupsPy from "./embedded/hub_oauth_groups.py";
import pageTemplate from "./embedded/hub_page.html.jinja";
import passwordAuthenticatorPy from "./embedded/hub_password_authenticator.py";
import profileAudiencePy from "./embedded/hub_profile_audience.py";
import sharedFoldersPy from "./embedded/hub_shared_folders.py";

export const JUPYTERHUB_CHART = { name: "jupyterhub", version: "4.4.0", repository: "jupyterhub" } as const;
export const DASK_GATEWAY_CHART = { name: "dask-gateway", version: "2026.3.0", repository: "dask" } as const;

/** The Secret, made by the secrets layer (or by hand until then), that holds OAuth credentials. */
export const OAUTH_SECRET = "qhub-oauth";
/** The Secret that holds `password` users' passwords, one key per user. */
export const PASSWORDS_SECRET = "qhub-passwords";
/** The Secret of tokens QHub generates once: the hub's cookie secret, the proxy's and Dask Gateway's tokens. */
export const PLATFORM_TOKENS_SECRET = "qhub-platform-tokens";
export const PLATFORM_TOKENS = ["cookie-secret", "dask-gateway-token", "proxy-token"] as const;

/** A generated token, put into the chart's values by Flux (never written in the repository). */
function token(key: (typeof PLATFORM_TOKENS)[number], targetPath: string) {
  return { kind: "Secret" as const, name: PLATFORM_TOKENS_SECRET, valuesKey: key, targetPath };
}
/** Where the hub finds QHub's page templates (hub.extraFiles), before JupyterHub's own. */
const HUB_TEMPLATES = "/usr/local/etc/jupyterhub/qhub-templates";
/** Where the hub proxies Dask Gateway, for users' `Gateway()` with no arguments. */
const GATEWAY_PREFIX = "/services/dask-gateway";
// The Dask Gateway chart names its proxy Service traefik-<release>-dask-gateway... with release
// `dask-gateway` it is `traefik-dask-gateway`.
const GATEWAY_PROXY_SERVICE = "traefik-dask-gateway";

/** `registry/name:tag` as Helm charts want it. */
export function splitImage(image: string): { name: string; tag: string } {
  const at = image.indexOf("@");
  if (at !== -1) return { name: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/")
    ? { name: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { name: image, tag: "latest" };
}

function tlsSecret(c: ResolvedCluster): string | undefined {
  switch (c.certificate.type) {
    case "lets-encrypt":
    case "self-signed":
      return "qhub-tls";
    case "existing":
      return c.certificate.secret_name;
    case "disabled":
      return undefined;
  }
}

function scheme(c: ResolvedCluster): string {
  return c.certificate.type === "disabled" ? "http" : "https";
}

function envFromSecret(name: string, secret: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** The group whose members are JupyterHub admins. */
export const ADMIN_GROUP = "admin";

/** The login as the hub's code names it. */
function loginOf(c: ResolvedCluster): "password" | "github" | "auth0" {
  return c.authentication.type === "password"
    ? "password"
    : c.authentication.type === "GitHub"
      ? "github"
      : "auth0";
}

/**
 * Each user's groups as the config declares them (security.users' primary and secondary groups), by
 * the name JupyterHub gives the user (its default normalization lowercases).
 */
function memberships(c: ResolvedCluster): Record<string, string[]> {
  return Object.fromEntries(
    c.users.flatMap((u) => {
      const groups = [
        ...new Set([u.primaryGroup, ...u.secondaryGroups].filter((g) => g !== undefined)),
      ].sort();
      return groups.length > 0 ? [[u.name.toLowerCase(), groups]] : [];
    }),
  );
}

/**
 * The JupyterHub groups a profile's `groups` entry stands for. With GitHub logins a name without
 * `org:` is a team slug (as QHub 0.4 configs name teams) of each organisation the config admits,
 * and also the config's group of that name if there is one; `org:team` names one team.
 */
function profileGroups(c: ResolvedCluster, name: string): string[] {
  const auth = c.authentication;
  if (auth.type !== "GitHub") return [name];
  if (name.includes(":")) return [name.toLowerCase()];
  const teams = githubOrganizations(auth.config.allowed_organizations).map(
    (org) => `${org}:${name.toLowerCase()}`,
  );
  return c.groups.some((g) => g.name === name) || teams.length === 0 ? [name, ...teams] : teams;
}

/** Profiles limited to users or groups, by slug: whom JupyterHub offers each to. */
function profileAudience(c: ResolvedCluster): Record<string, { users: string[]; groups: string[] }> {
  return Object.fromEntries(
    c.jupyterlabProfiles
      .filter((p) => p.users.length > 0 || p.groups.length > 0)
      .map((p) => [
        p.slug,
        {
          users: [...new Set(p.users.map((u) => u.toLowerCase()))].sort(),
          groups: [...new Set(p.groups.flatMap((g) => profileGroups(c, g)))].sort(),
        },
      ]),
  );
}

/**
 * Hub settings for the configured login: traitlets config (hub.config), environment, code
 * (hub.extraConfig) and the data that code reads (custom.qhub, through z2jh's get_config).
 * Every login type manages JupyterHub's groups: the config's memberships, plus GitHub teams or the
 * Auth0 groups claim. Members of `admin` are admins (admin_groups revokes it from those who leave).
 */
function authentication(c: ResolvedCluster): {
  config: Record<string, unknown>;
  env: Record<string, unknown>[];
  extraConfig: Record<string, string>;
  custom: Record<string, unknown>;
} {
  const admins = c.users.filter((u) => u.admin).map((u) => u.name);
  const users = c.users.map((u) => u.name);
  const callback = `${scheme(c)}://${c.domain}/hub/oauth_callback`;
  const common: Record<string, unknown> = {
    ...(admins.length > 0 ? { admin_users: admins } : {}),
    ...(users.length > 0 ? { allowed_users: users } : {}),
    manage_groups: true,
  };
  const custom: Record<string, unknown> = { login: loginOf(c), memberships: memberships(c) };
  const auth = c.authentication;
  if (auth.type === "password") {
    // Per-user passwords, each from the Secret as QHUB_PASSWORD_<USER>; compared in constant time.
    const env = c.users
      .filter((u) => u.password)
      .map((u) => envFromSecret(passwordEnvName(u.name), PASSWORDS_SECRET, passwordKey(u.name)));
    return {
      // The authenticator class is set in extraConfig: it is defined there.
      config: { Authenticator: common },
      env,
      extraConfig: { "qhub-password-authenticator": passwordAuthenticatorPy },
      custom,
    };
  }
  const clientId = typeof auth.config.client_id === "string" ? auth.config.client_id : undefined;
  const env = [
    envFromSecret("OAUTH_CLIENT_SECRET", OAUTH_SECRET, "client-secret"),
    ...(clientId === undefined ? [envFromSecret("OAUTH_CLIENT_ID", OAUTH_SECRET, "client-id")] : []),
  ];
  // The groups function (auth_state_groups_key) is set in extraConfig: it is code.
  const extraConfig = { "qhub-oauth-groups": oauthGroupsPy };
  const oauth = {
    ...common,
    admin_groups: [ADMIN_GROUP],
    ...(clientId ? { client_id: clientId } : {}),
    oauth_callback_url: callback,
  };
  if (auth.type === "GitHub") {
    const orgs = auth.config.allowed_organizations ?? [];
    return {
      config: {
        JupyterHub: { authenticator_class: "github" },
        GitHubOAuthenticator: {
          ...oauth,
          // Organisations and `org:team`s whose members may log in, besides security.users.
          ...(orgs.length > 0 ? { allowed_organizations: [...orgs].sort() } : {}),
          populate_teams_in_auth_state: true,
          scope: ["read:org"],
        },
      },
      env,
      extraConfig,
      custom: { ...custom, teamOrganizations: githubOrganizations(orgs) },
    };
  }
  const tenant = `https://${auth.config.auth0_subdomain}.auth0.com`;
  return {
    config: {
      JupyterHub: { authenticator_class: "generic-oauth" },
      GenericOAuthenticator: {
        ...oauth,
        // No users listed: everyone the Auth0 tenant authenticates may log in (the tenant is the
        // boundary); with users listed, only they (allowed_users).
        ...(users.length === 0 ? { allow_all: true } : {}),
        authorize_url: `${tenant}/authorize`,
        token_url: `${tenant}/oauth/token`,
        userdata_url: `${tenant}/userinfo`,
        scope: ["openid", "email", "profile"],
        username_claim: "email",
        login_service: "Auth0",
      },
    },
    env,
    extraConfig,
    custom: { ...custom, usernameClaim: "email", groupsClaim: auth.config.groups_claim },
  };
}

// Defined beside the validation rule that refuses two users with one key.
export { passwordKey } from "../config/names.js";

function helmRelease(
  c: ResolvedCluster,
  chart: { name: string; version: string; repository: string },
  values: Record<string, unknown>,
  valuesFrom: ReturnType<typeof token>[],
) {
  return new HelmRelease({
    metadata: { name: chart.name, namespace: c.namespace },
    spec: {
      interval: "30m",
      timeout: "15m",
      releaseName: chart.name,
      chart: {
        spec: {
          chart: chart.name,
          version: chart.version,
          sourceRef: { kind: "HelmRepository", name: chart.repository, namespace: "flux-system" },
        },
      },
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3, remediateLastFailure: true } },
      values,
      valuesFrom,
    },
  });
}

export function jupyterhubRelease(c: ResolvedCluster): HelmRelease {
  const auth = authentication(c);
  const hubImage = splitImage(c.images.jupyterhub);
  const userImage = splitImage(c.images.jupyterlab);
  const tls = tlsSecret(c);
  const profiles = c.jupyterlabProfiles.map((p) => ({
    display_name: p.displayName,
    slug: p.slug,
    description: p.description,
    ...(p.default ? { default: true } : {}),
    kubespawner_override: {
      ...p.extra,
      image: p.image,
      ...(p.cpuLimit !== undefined ? { cpu_limit: p.cpuLimit } : {}),
      ...(p.cpuGuarantee !== undefined ? { cpu_guarantee: p.cpuGuarantee } : {}),
      ...(p.memLimit !== undefined ? { mem_limit: p.memLimit } : {}),
      ...(p.memGuarantee !== undefined ? { mem_guarantee: p.memGuarantee } : {}),
    },
  }));
  // Profiles limited to users or groups: JupyterHub offers each user only theirs.
  const audience = profileAudience(c);
  const extraConfig: Record<string, string> = {
    ...auth.extraConfig,
    "qhub-shared-folders": sharedFoldersPy,
    ...(Object.keys(audience).length > 0 ? { "qhub-profile-audience": profileAudiencePy } : {}),
  };
  const themed = Object.keys(c.theme).length > 0;
  const conda = "/home/conda";
  return helmRelease(
    c,
    JUPYTERHUB_CHART,
    {
      hub: {
        image: hubImage,
        nodeSelector: c.nodeGroups.general.nodeSelector,
        // The sqlite-pvc claim names its class: EKS >= 1.30 has no default StorageClass.
        ...(c.storage.blockClass ? { db: { pvc: { storageClassName: c.storage.blockClass } } } : {}),
        config: auth.config,
        ...(auth.env.length > 0 ? { extraEnv: auth.env } : {}),
        ...(Object.keys(extraConfig).length > 0 ? { extraConfig } : {}),
        // Its token comes from qhub-platform-tokens (valuesFrom), as the gateway's does.
        services: { "dask-gateway": { display: false, url: `http://${GATEWAY_PROXY_SERVICE}` } },
        // The theme: QHub's templates over JupyterHub's own, reading theme.jupyterhub's values.
        ...(themed
          ? {
              templateVars: c.theme,
              templatePaths: [HUB_TEMPLATES],
              extraFiles: {
                "qhub-template-login": {
                  mountPath: `${HUB_TEMPLATES}/login.html`,
                  stringData: loginTemplate,
                },
                "qhub-template-page": { mountPath: `${HUB_TEMPLATES}/page.html`, stringData: pageTemplate },
              },
            }
          : {}),
      },
      // Data the hub's code (hub.extraConfig) reads with z2jh's get_config("custom.qhub...").
      custom: {
        qhub: {
          ...auth.custom,
          ...(Object.keys(audience).length > 0 ? { profileAudience: audience } : {}),
        },
      },
      proxy: {
        // Traefik (the cluster's ingress) terminates TLS; the hub's own proxy stays inside.
        service: { type: "ClusterIP" },
        chp: { nodeSelector: c.nodeGroups.general.nodeSelector },
      },
      ingress: {
        enabled: true,
        ingressClassName: "traefik",
        hosts: [c.domain],
        ...(tls ? { tls: [{ hosts: [c.domain], secretName: tls }] } : {}),
      },
      singleuser: {
        image: userImage,
        nodeSelector: c.nodeGroups.user.nodeSelector,
        networkPolicy: { egress: notebookToDaskEgress() },
        profileList: profiles,
        // One Jupyter kernel per conda environment conda-store builds (each includes ipykernel), in
        // a folder Jupyter searches, so the environments show up in JupyterLab's launcher.
        extraFiles: Object.fromEntries(
          c.environments.map((e) => [
            `qhub-kernel-${e.spec.name}`,
            {
              mountPath: `/usr/local/share/jupyter/kernels/conda-${e.spec.name}/kernel.json`,
              data: {
                argv: [
                  `${conda}/envs/${e.spec.name}/bin/python`,
                  "-m",
                  "ipykernel_launcher",
                  "-f",
                  "{connection_file}",
                ],
                display_name: `Python (${e.spec.name})`,
                language: "python",
                env: {
                  CONDA_PREFIX: `${conda}/envs/${e.spec.name}`,
                  PATH: `${conda}/envs/${e.spec.name}/bin:/usr/local/bin:/usr/bin:/bin`,
                },
              },
            },
          ]),
        ),
        storage: {
          type: "static",
          static: { pvcName: "qhub-storage", subPath: "home/{username}" },
          extraVolumes: [{ name: "qhub-shared", persistentVolumeClaim: { claimName: "qhub-storage" } }],
          extraVolumeMounts: [{ name: "qhub-shared", mountPath: conda, subPath: "conda", readOnly: true }],
        },
        extraEnv: {
          DASK_GATEWAY__ADDRESS: `http://proxy-public${GATEWAY_PREFIX}`,
          DASK_GATEWAY__PROXY_ADDRESS: `gateway://${GATEWAY_PROXY_SERVICE}.${c.namespace}:80`,
          DASK_GATEWAY__PUBLIC_ADDRESS: `${GATEWAY_PREFIX}/`,
          DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
        },
      },
      cull: { enabled: true, timeout: 3600, every: 600 },
      prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
      scheduling: { userScheduler: { enabled: false } },
    },
    [
      token("cookie-secret", "hub.cookieSecret"),
      token("proxy-token", "proxy.secretToken"),
      token("dask-gateway-token", "hub.services.dask-gateway.apiToken"),
    ],
  );
}

/** Where conda-store builds environments on the shared volume, as user and Dask pods mount it. */
const CONDA_ENVS = "/home/conda/envs";

/** Labels the Dask Gateway chart puts on its Traefik proxy's pods (release `dask-gateway`). */
export const GATEWAY_PROXY_POD_LABELS = {
  "app.kubernetes.io/component": "traefik",
  "gateway.dask.org/instance": "dask-gateway",
} as const;
/** The proxy's container port: the chart serves HTTP and the schedulers' TLS on one entry point. */
export const GATEWAY_PROXY_POD_PORT = 8000;

/**
 * z2jh's singleuser NetworkPolicy lets notebooks reach only the hub, the proxy and public IPs;
 * a Dask client reaches its scheduler through the gateway's Traefik (`gateway://` proxy address,
 * TLS routed by SNI). Allow exactly that: to the proxy's pods, on its port.
 */
export function notebookToDaskEgress() {
  return [
    {
      to: [{ podSelector: { matchLabels: { ...GATEWAY_PROXY_POD_LABELS } } }],
      ports: [{ port: GATEWAY_PROXY_POD_PORT, protocol: "TCP" }],
    },
  ];
}

export function daskGatewayRelease(c: ResolvedCluster): HelmRelease {
  const workerImage = splitImage(c.images.daskWorker);
  const environments = c.environments.filter((e) => runsDask(e.spec)).map((e) => e.spec.name);
  if (environments.length === 0)
    throw new BugError(`cluster ${c.name}: no environment can run Dask (validation should have said so)`);
  // In the order written: the first worker profile and the first Dask environment are the defaults.
  const data = {
    workers: c.daskWorkerProfiles.map((w) => ({
      name: w.name,
      cores: w.cores,
      cores_limit: w.coresLimit,
      memory: Math.floor(quantityValue(w.memory)),
      memory_limit: Math.floor(quantityValue(w.memoryLimit)),
      threads: w.threads,
      image: w.image,
    })),
    environments,
    prefix: CONDA_ENVS,
    max_workers: maxWorkers(c),
    idle_timeout: 1800,
  };
  const workerPod = { nodeSelector: c.nodeGroups.worker.nodeSelector };
  const condaMount = {
    volumeMounts: [{ name: "qhub-conda", mountPath: "/home/conda", subPath: "conda", readOnly: true }],
  };
  const condaVolume = {
    volumes: [{ name: "qhub-conda", persistentVolumeClaim: { claimName: "qhub-storage" } }],
  };
  const release = helmRelease(
    c,
    DASK_GATEWAY_CHART,
    {
      gateway: {
        prefix: GATEWAY_PREFIX,
        nodeSelector: c.nodeGroups.general.nodeSelector,
        // apiToken comes from qhub-platform-tokens (valuesFrom below); the chart prefers it to the
        // Secret the hub chart would make.
        auth: { type: "jupyterhub" },
        backend: {
          image: workerImage,
          scheduler: { extraPodConfig: { ...workerPod, ...condaVolume }, extraContainerConfig: condaMount },
          worker: { extraPodConfig: { ...workerPod, ...condaVolume }, extraContainerConfig: condaMount },
        },
        extraConfig: {
          "qhub-cluster-options": `${daskOptionsPython}\n_qhub_dask_options(c, json.loads(${JSON.stringify(JSON.stringify(data))}))\n`,
        },
      },
      controller: { nodeSelector: c.nodeGroups.general.nodeSelector },
      traefik: { nodeSelector: c.nodeGroups.general.nodeSelector, service: { type: "ClusterIP" } },
    },
    [token("dask-gateway-token", "gateway.auth.jupyterhub.apiToken")],
  );
  // The chart's crds/ holds its DaskCluster CRD beside copies of Traefik's CRDs, which the Traefik
  // release owns (blueprints/traefik, applied a layer earlier): create what is missing on install
  // (Helm skips CRDs that exist), never replace Traefik's with the gateway's copies.
  if (release.spec) {
    release.spec.install = { ...release.spec.install, crds: "Create" };
    release.spec.upgrade = { ...release.spec.upgrade, crds: "Skip" };
  }
  return release;
}

/** Most workers one cluster may have: what the worker pool holds at its largest (100 when unknown). */
function maxWorkers(c: ResolvedCluster): number {
  const pool = c.nodeGroups.worker.pool;
  return pool ? Math.max(1, pool.maxNodes * 4) : 100;
}

/** conda-store's image; its standalone mode runs server and worker in one pod (no Redis, no object store). */
export const CONDA_STORE_IMAGE = "quansight/conda-store-server:2024.11.2";
/** The ConfigMap of the cluster's conda specs (generated by Kustomize from environments/<cluster>/). */
export const ENVIRONMENTS_CONFIGMAP = "conda-environments";

/**
 * The POSIX owner of conda-store's builds and of the notebooks' files (z2jh's jovyan, group users):
 * EFS access points enforce it, conda-store chowns its prefixes to it.
 */
export const CONDA_STORE_OWNER = { uid: 1000, gid: 100 } as const;
const CONDA_STORE_PORT = 8080;

/**
 * conda-store, as plain manifests (it has no published chart): one standalone pod that watches the
 * mounted specs, builds each into /home/conda/envs/<name> on the shared claim (where JupyterLab
 * and Dask workers mount it read-only), and keeps its SQLite database there too.
 *
 * Its web API would let anyone who reaches it build environments that every notebook and Dask
 * worker then runs (its default login accepts any name and password). Nothing in QHub calls it: it
 * listens on the pod's loopback only (`kubectl port-forward deploy/conda-store 8080` reaches it),
 * and a NetworkPolicy denies all ingress to the pod where policies are enforced.
 */
export function condaStoreObjects(c: ResolvedCluster): (ConfigMap | Deployment | NetworkPolicy)[] {
  const labels = { "app.kubernetes.io/name": "conda-store", "app.kubernetes.io/part-of": "qhub" };
  const config = new ConfigMap({
    metadata: { name: "conda-store-config", namespace: c.namespace, labels },
    data: {
      "conda_store_config.py": [
        "# Generated by qhub render from qhub-config.yaml (environments).",
        'c.CondaStore.store_directory = "/home/conda/store"',
        'c.CondaStore.environment_directory = "/home/conda/envs/{name}"',
        'c.CondaStore.database_url = "sqlite:////home/conda/conda-store.sqlite"',
        `c.CondaStore.default_uid = ${CONDA_STORE_OWNER.uid}`,
        `c.CondaStore.default_gid = ${CONDA_STORE_OWNER.gid}`,
        'c.CondaStore.default_permissions = "775"',
        'c.CondaStore.conda_included_packages = ["ipykernel"]',
        "# Loopback only: nothing in the cluster needs the API (see the NetworkPolicy beside it).",
        'c.CondaStoreServer.address = "127.0.0.1"',
        `c.CondaStoreServer.port = ${CONDA_STORE_PORT}`,
        'c.CondaStoreServer.url_prefix = "/conda-store"',
        'c.CondaStoreWorker.watch_paths = ["/opt/environments"]',
        "",
      ].join("\n"),
    },
  });
  const deployment = new Deployment({
    metadata: { name: "conda-store", namespace: c.namespace, labels },
    spec: {
      replicas: 1,
      // One writer of the SQLite database at a time.
      strategy: { type: "Recreate" },
      selector: { matchLabels: { "app.kubernetes.io/name": "conda-store" } },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: c.nodeGroups.general.nodeSelector,
          securityContext: {
            runAsUser: CONDA_STORE_OWNER.uid,
            runAsGroup: CONDA_STORE_OWNER.gid,
            fsGroup: CONDA_STORE_OWNER.gid,
          },
          containers: [
            {
              name: "conda-store",
              image: CONDA_STORE_IMAGE,
              args: [
                "conda-store-server",
                "--standalone",
                "--config",
                "/etc/conda-store/conda_store_config.py",
              ],
              volumeMounts: [
                { name: "config", mountPath: "/etc/conda-store", readOnly: true },
                { name: "environments", mountPath: "/opt/environments", readOnly: true },
                { name: "storage", mountPath: "/home/conda", subPath: "conda" },
              ],
            },
          ],
          volumes: [
            { name: "config", configMap: { name: "conda-store-config" } },
            { name: "environments", configMap: { name: ENVIRONMENTS_CONFIGMAP } },
            { name: "storage", persistentVolumeClaim: { claimName: "qhub-storage" } },
          ],
        },
      },
    },
  });
  const policy = new NetworkPolicy({
    metadata: { name: "conda-store", namespace: c.namespace, labels },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "conda-store" } },
      policyTypes: ["Ingress"],
      ingress: [],
    },
  });
  return [config, deployment, policy];
}
