// JupyterHub (Zero to JupyterHub) as one HelmRelease, with every value a reviewer needs to see in
// that one file: the login, the profiles and who sees them, the shared folders, the theme. The
// hub's code is Python beside this file (bundled as text into hub.extraConfig); what it reads is
// data in `custom.qhub` (z2jh's get_config), never spliced into the code.
import type { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { JUPYTERHUB_CHART_VERSION } from "../../config/defaults.js";
import { ADMIN_GROUP, passwordEnvName, passwordKey } from "../../config/names.js";
import type { ResolvedCluster, ResolvedConfig, ResolvedJupyterLabProfile } from "../../config/resolve.js";
import { githubOrganizations, oauthAppKey } from "../../config/rules.js";
import { HEX_32 } from "../../secrets/stable.js";
import {
  GATEWAY_PREFIX,
  GATEWAY_PROXY_SERVICE,
  gatewayProxyAddress,
  GATEWAY_TOKEN,
  notebookToDaskEgress,
} from "../dask-gateway/index.js";
import { SMOKE_SERVICE, SMOKE_TOKEN, smokeHubValues } from "../smoke/index.js";
import { GRAFANA_SERVICE, GRAFANA_TOKEN_FOR_HUB, grafanaHubService } from "../monitoring/grafana.js";
import { MONITORING_NAMESPACE } from "../monitoring/index.js";
import { placeholderTolerations, userScheduling } from "../capacity.js";
import { STORAGE_CLAIM } from "../storage.js";
import { tlsSecretName } from "../tls.js";
import type { CheckContext, Component, SecretNeed } from "../types.js";
import { GPU_RESOURCE, tolerationsOf } from "../nvidia-device-plugin.js";
import {
  at,
  callbackUrl,
  helmRelease,
  platformRelease,
  platformToken,
  platformTokens,
  splitImage,
} from "../kit.js";
import { cull, serverCulling } from "./culling.js";
import loginTemplate from "./login.html.jinja";
import oauthGroupsPy from "./oauth_groups.py";
import { mergeOverrides } from "./overrides.js";
import pageTemplate from "./page.html.jinja";
import passwordAuthenticatorPy from "./password_authenticator.py";
import profileAudiencePy from "./profile_audience.py";
import sharedFoldersPy from "./shared_folders.py";

export const JUPYTERHUB_CHART = {
  name: "jupyterhub",
  version: JUPYTERHUB_CHART_VERSION,
  repository: "jupyterhub",
} as const;

/** The Secret, sealed by the secrets stage, that holds OAuth credentials. */
export const OAUTH_SECRET = "qhub-oauth";
/** The Secret that holds `password` users' passwords, one key per user. */
export const PASSWORDS_SECRET = "qhub-passwords";

/** Where the hub finds QHub's page templates (hub.extraFiles), before JupyterHub's own. */
const HUB_TEMPLATES = "/usr/local/etc/jupyterhub/qhub-templates";
/** Where conda-store's environments are mounted in user pods (read-only). */
const CONDA_MOUNT = "/home/conda";

function envFromSecret(name: string, secret: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

export { ADMIN_GROUP };

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
    oauth_callback_url: callbackUrl(c),
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

/** One Jupyter kernel per conda environment conda-store builds (each includes ipykernel). */
function kernels(c: ResolvedCluster) {
  return Object.fromEntries(
    c.environments.map((e) => [
      `qhub-kernel-${e.spec.name}`,
      {
        mountPath: `/usr/local/share/jupyter/kernels/conda-${e.spec.name}/kernel.json`,
        data: {
          argv: [
            `${CONDA_MOUNT}/envs/${e.spec.name}/bin/python`,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
          ],
          display_name: `Python (${e.spec.name})`,
          language: "python",
          env: {
            CONDA_PREFIX: `${CONDA_MOUNT}/envs/${e.spec.name}`,
            PATH: `${CONDA_MOUNT}/envs/${e.spec.name}/bin:/usr/local/bin:/usr/bin:/bin`,
          },
        },
      },
    ]),
  );
}

/**
 * Where a profile's servers run, when not on the user pool: its group's labels and, for a tainted
 * group (every GPU group is), tolerations of exactly its taints. KubeSpawner merges a dict
 * override into the trait z2jh set from singleuser.nodeSelector (kubespawner 7 `_apply_overrides`;
 * `None` removes a key), so the user pool's labels the group lacks are removed; a list
 * (tolerations) replaces.
 */
function placement(c: ResolvedCluster, p: ResolvedJupyterLabProfile): Record<string, unknown> {
  const group = c.nodeGroups[p.nodeGroup];
  if (!group || (p.nodeGroup === "user" && group.taints.length === 0)) return {};
  const dropped = Object.keys(c.nodeGroups.user.nodeSelector).filter((k) => !(k in group.nodeSelector));
  return {
    node_selector: { ...Object.fromEntries(dropped.map((k) => [k, null])), ...group.nodeSelector },
    ...(group.taints.length > 0 ? { tolerations: tolerationsOf(group.taints) } : {}),
  };
}

/** A GPU group's servers request a GPU (QHub 0.4's `extra_resource_limits`, kept when written). */
function gpuLimits(c: ResolvedCluster, p: ResolvedJupyterLabProfile): Record<string, unknown> {
  if (!c.nodeGroups[p.nodeGroup]?.gpu) return {};
  const written = p.extra.extra_resource_limits;
  const limits = written !== null && typeof written === "object" ? (written as Record<string, unknown>) : {};
  return { extra_resource_limits: { [GPU_RESOURCE]: 1, ...limits } };
}

/**
 * With monitoring, Prometheus scrapes /hub/metrics: without a token (JupyterHub authenticates it by
 * default; z2jh's hub.authenticatePrometheus sets JupyterHub.authenticate_prometheus), and from the
 * monitoring namespace through the hub's NetworkPolicy (z2jh admits only labelled pods).
 */
function monitoredHub() {
  return {
    authenticatePrometheus: false,
    networkPolicy: {
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": MONITORING_NAMESPACE } } },
          ],
          ports: [{ port: "http" }],
        },
      ],
    },
  };
}

export function jupyterhubRelease(c: ResolvedCluster): HelmRelease {
  const auth = authentication(c);
  const tls = tlsSecretName(c);
  const profiles = c.jupyterlabProfiles.map((p) => ({
    display_name: p.displayName,
    slug: p.slug,
    description: p.description,
    ...(p.default ? { default: true } : {}),
    ...(p.profileOptions ? { profile_options: p.profileOptions } : {}),
    kubespawner_override: {
      ...placement(c, p),
      ...p.extra,
      ...gpuLimits(c, p),
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
  const general = c.nodeGroups.general.nodeSelector;
  const culling = serverCulling(c);
  const release = helmRelease(
    c,
    JUPYTERHUB_CHART,
    {
      hub: {
        image: splitImage(c.images.jupyterhub),
        nodeSelector: general,
        // The sqlite-pvc claim names its class: EKS >= 1.30 has no default StorageClass.
        ...(c.storage.blockClass ? { db: { pvc: { storageClassName: c.storage.blockClass } } } : {}),
        config: auth.config,
        ...(auth.env.length > 0 ? { extraEnv: auth.env } : {}),
        ...(Object.keys(extraConfig).length > 0 ? { extraConfig } : {}),
        ...(c.monitoring.enabled ? monitoredHub() : {}),
        // The gateway's token comes from qhub-platform-tokens (valuesFrom). The smoke test
        // (components/smoke) calls the API as its own service, with a role of the narrowest
        // scopes; Grafana (components/monitoring) logs users in through the hub as an OAuth client.
        services: {
          "dask-gateway": { display: false, url: `http://${GATEWAY_PROXY_SERVICE}` },
          ...smokeHubValues().services,
          ...(c.monitoring.enabled ? { [GRAFANA_SERVICE]: grafanaHubService(c) } : {}),
        },
        loadRoles: smokeHubValues().loadRoles,
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
        chp: { nodeSelector: general },
      },
      ingress: {
        enabled: true,
        ingressClassName: "traefik",
        hosts: [c.domain],
        ...(tls ? { tls: [{ hosts: [c.domain], secretName: tls }] } : {}),
      },
      singleuser: {
        image: splitImage(c.images.jupyterlab),
        nodeSelector: c.nodeGroups.user.nodeSelector,
        ...placeholderTolerations(c),
        networkPolicy: { egress: notebookToDaskEgress() },
        profileList: profiles,
        // In a folder Jupyter searches, so the environments show up in JupyterLab's launcher.
        extraFiles: { ...kernels(c), ...(culling ? { "qhub-culling": culling } : {}) },
        storage: {
          type: "static",
          static: { pvcName: STORAGE_CLAIM, subPath: "home/{username}" },
          extraVolumes: [{ name: "qhub-shared", persistentVolumeClaim: { claimName: STORAGE_CLAIM } }],
          extraVolumeMounts: [
            { name: "qhub-shared", mountPath: CONDA_MOUNT, subPath: "conda", readOnly: true },
          ],
        },
        extraEnv: {
          DASK_GATEWAY__ADDRESS: `http://proxy-public${GATEWAY_PREFIX}`,
          DASK_GATEWAY__PROXY_ADDRESS: gatewayProxyAddress(c.namespace),
          DASK_GATEWAY__PUBLIC_ADDRESS: `${GATEWAY_PREFIX}/`,
          DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
        },
      },
      cull: cull(c),
      prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
      // With the autoscaler's nodes: users packed, placeholders for warm room, priorities.
      scheduling: userScheduling(c),
    },
    [
      platformToken("cookie-secret", "hub.cookieSecret"),
      platformToken("proxy-token", "proxy.secretToken"),
      platformToken(GATEWAY_TOKEN, "hub.services.dask-gateway.apiToken"),
      platformToken(SMOKE_TOKEN, `hub.services.${SMOKE_SERVICE}.apiToken`),
      ...(c.monitoring.enabled ? [GRAFANA_TOKEN_FOR_HUB] : []),
    ],
  );
  // The config's overrides come last: an escape hatch into the chart's values.
  if (release.spec)
    release.spec.values = mergeOverrides(release.spec.values, c.hubOverrides) as Record<string, unknown>;
  return release;
}

function secrets(c: ResolvedCluster): SecretNeed[] {
  const out: SecretNeed[] = [
    platformTokens({ "cookie-secret": HEX_32, "proxy-token": HEX_32, [SMOKE_TOKEN]: HEX_32 }),
  ];
  const auth = c.authentication;
  if (auth.type === "GitHub" || auth.type === "Auth0") {
    const refs: SecretNeed["refs"] = {
      "client-secret": {
        ref: auth.config.client_secret,
        path: "security.authentication.config.client_secret",
      },
    };
    if (typeof auth.config.client_id !== "string")
      refs["client-id"] = { ref: auth.config.client_id, path: "security.authentication.config.client_id" };
    out.push({ name: OAUTH_SECRET, refs });
  }
  const withPasswords = c.users.filter((u) => u.password);
  if (auth.type === "password" && withPasswords.length > 0)
    out.push({
      name: PASSWORDS_SECRET,
      chosenByPeople: true,
      refs: Object.fromEntries(
        withPasswords.map((u) => [
          passwordKey(u.name),
          { ref: u.password!, path: `security.users.${u.name}.password` },
        ]),
      ),
    });
  return out;
}

/** Whom a cluster's hub admits, in a few words. */
function admits(c: ResolvedCluster): string {
  const users = c.users.map((u) => `\`${u.name}\``).join(", ");
  const auth = c.authentication;
  if (auth.type === "password")
    return users ? `the password users: ${users}` : "nobody yet (no security.users)";
  if (auth.type === "GitHub") {
    const orgs = (auth.config.allowed_organizations ?? []).map((o) => `\`${o}\``).join(", ");
    return [orgs && `members of ${orgs}`, users && `the GitHub users ${users}`]
      .filter(Boolean)
      .join(", and ");
  }
  return users
    ? `only ${users}`
    : `everyone the Auth0 tenant \`${auth.config.auth0_subdomain}\` authenticates (the tenant is the boundary; list security.users to admit only them)`;
}

/**
 * Logins: every cluster's callback URL and what to register for it. Clusters with the same client ID
 * share an app: a GitHub OAuth App redirects to its callback URL's host and that host's sub-domains
 * (qhub validate checks it), an Auth0 application to each of its Allowed Callback URLs.
 */
function logins(config: ResolvedConfig): string {
  const first = new Map<string, ResolvedCluster>();
  const rows = config.clusters.map((c) => {
    const auth = c.authentication;
    const key = oauthAppKey(auth);
    if (key === undefined || auth.type === "password")
      return `| ${c.name} | password | | nothing: users log in with the passwords security.users names |`;
    const owner = first.get(key) ?? c;
    first.set(key, owner);
    const id =
      typeof auth.config.client_id === "string"
        ? `client ID \`${auth.config.client_id}\``
        : `client ID from \`${auth.config.client_id.fromEnv}\``;
    const register =
      auth.type === "Auth0"
        ? `add it to the Allowed Callback URLs of the Auth0 application (${id}, tenant \`${auth.config.auth0_subdomain}\`)`
        : owner === c
          ? `the Authorization callback URL of the GitHub OAuth App (${id})`
          : `nothing: the OAuth App of cluster \`${owner.name}\` redirects here (a host under its callback's)`;
    return `| ${c.name} | ${auth.type} | ${callbackUrl(c)} | ${register} |`;
  });
  const lines = [
    "Each cluster's hub sends users to its login provider and back to its callback URL. Register:",
    "",
    "| cluster | login | callback URL | register |",
    "|---|---|---|---|",
    ...rows,
  ];
  lines.push("", "Who may log in:", "");
  for (const c of config.clusters) lines.push(`- \`${c.name}\`: ${admits(c)}.`);
  lines.push(
    "",
    "Groups: each login sets the user's JupyterHub groups to the ones `security.users` declares, plus, with GitHub,",
    "the user's teams as `org:team` (of the allowed organisations) and, with Auth0, the groups claim (`groups_claim`).",
    "A profile's `groups` may name any of them (a GitHub team also by its slug); each group has a shared folder,",
    "`/home/shared/<group>` (a team's is `/home/shared/org@team`). Members of `admin` (only `security.users` grants it)",
    "are JupyterHub admins.",
  );
  if (
    config.clusters.some(
      (c) =>
        c.authentication.type === "GitHub" &&
        githubOrganizations(c.authentication.config.allowed_organizations).length > 0,
    )
  )
    lines.push(
      "GitHub asks each user to grant the app `read:org`, which lists their organisations and teams.",
    );
  return lines.join("\n");
}

/**
 * What the hub's values name that Flux must apply beside it: the claims its pods mount, the Secrets
 * its environment reads, the TLS Secret its Ingress serves (made by a Certificate, or external).
 */
function check(ctx: CheckContext): void {
  for (const entry of ctx.objects) {
    const { object, file, id, namespace: ns } = entry;
    if (object.kind !== "HelmRelease" || at(object.spec, "chart", "spec", "chart") !== JUPYTERHUB_CHART.name)
      continue;
    const values = at(object.spec, "values");
    const claim = "PersistentVolumeClaim";
    ctx.refer(
      entry,
      "values singleuser.storage.static.pvcName",
      claim,
      at(values, "singleuser", "storage", "static", "pvcName"),
    );
    const volumes = at(values, "singleuser", "storage", "extraVolumes");
    for (const v of Array.isArray(volumes) ? volumes : [])
      ctx.refer(
        entry,
        "values singleuser.storage.extraVolumes",
        claim,
        at(v, "persistentVolumeClaim", "claimName"),
      );
    const env = at(values, "hub", "extraEnv");
    for (const e of Array.isArray(env) ? env : [])
      ctx.refer(entry, "values hub.extraEnv", "Secret", at(e, "valueFrom", "secretKeyRef", "name"));
    // A TLS Secret nothing here makes is the team's (`certificate: existing`): said, not failed
    // (Traefik serves its default certificate until it exists).
    const ingressTls = at(values, "ingress", "tls");
    for (const t of Array.isArray(ingressTls) ? ingressTls : []) {
      const name = at(t, "secretName");
      const certified = ctx.objects.some(
        (o) =>
          o.object.kind === "Certificate" && o.namespace === ns && at(o.object.spec, "secretName") === name,
      );
      if (typeof name !== "string" || certified || ctx.exists("Secret", name, ns)) continue;
      ctx.report({
        file,
        object: id,
        message: `values ingress.tls.secretName names Secret ${ns}/${name}, which no Certificate here makes: it must exist in the cluster`,
        hint: "create it before Flux applies the platform (certificate: existing), or pass --external Secret/NAMESPACE/NAME to say it does",
        severity: "note",
      });
    }
  }
}

export const jupyterhub: Component = {
  id: "jupyterhub",
  title: "JupyterHub",
  layout: { platform: "JupyterHub" },
  dependsOn: ["storage", "namespace"],
  charts: [JUPYTERHUB_CHART],
  blueprints: ["jupyterhub"],
  owns: ["jupyterhub.yaml"],
  render: (c, { up }) =>
    platformRelease(
      c,
      up,
      "JupyterHub",
      "security, profiles.jupyterlab, theme, domain",
      jupyterhubRelease(c),
    ),
  secrets,
  readme: {
    needs: () => [
      "Where NetworkPolicies are enforced (DOKS/Cilium, GKE Dataplane V2, k3s, Calico): notebooks may reach the Dask Gateway's proxy (QHub adds that to JupyterHub's policy), and conda-store's API is closed to every pod (it listens on its pod's loopback; `kubectl port-forward deploy/conda-store 8080`).",
    ],
    sections: (config) => [{ title: "Logins", body: logins(config) }],
  },
  check,
};
