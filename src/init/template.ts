// The commented starting config `qhub init` writes. Pure: options in, text out.
import { Document, isMap, isScalar, YAMLMap } from "yaml";
import type { Pair, Scalar } from "yaml";
import {
  DEFAULT_DASK_WORKER_PROFILES,
  DEFAULT_JUPYTERLAB_PROFILES,
  DEFAULT_NODE_GROUPS,
  DEFAULT_REGIONS,
} from "../config/defaults.js";
import { CURRENT_SCHEMA_VERSION, PROVIDER_BLOCKS } from "../config/schema.js";
import type { NodeGroup, Provider } from "../config/schema.js";

export const AUTH_TYPES = ["password", "github", "auth0"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const SCHEMA_FILE = "qhub-config.schema.json";

export interface InitOptions {
  provider: Provider;
  projectName: string;
  domain: string;
  auth: AuthType;
  /** GitHub repository OWNER/NAME for the rendered tree; omitted: the gitops block is left out. */
  repository?: string;
  /** The age public key Secrets are encrypted for (`qhub init` makes the identity). */
  ageRecipient?: string;
}

/** A project name QHub accepts (QHub 0.4's rules) made from any text, e.g. a folder name. */
export function projectNameFrom(text: string, provider: Provider): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, provider === "azure" ? "" : "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 16)
    .replace(/[-_]+$/, "");
  if (provider === "aws" && name.startsWith("aws")) name = `qhub${name.slice(3)}`.slice(0, 16);
  return name.length >= 2 ? name : "qhub";
}

/** The default host name for a new config: `NAME.localhost` locally, a placeholder on clouds. */
export function defaultDomain(projectName: string, provider: Provider): string {
  const host = projectName.toLowerCase().replace(/_/g, "-");
  return provider === "local" || provider === "existing" ? `${host}.localhost` : `${host}.example.com`;
}

function gcpProjectId(projectName: string): string {
  const base = projectName.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return base.length >= 6 ? base.slice(0, 30) : `${base}-project`;
}

type Comments = Record<string, string>;

function setComments(map: unknown, comments: Comments): void {
  if (!isMap(map)) return;
  for (const pair of map.items as Pair<Scalar, unknown>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const comment = comments[key];
    if (comment !== undefined && isScalar(pair.key))
      pair.key.commentBefore = ` ${comment.replace(/\n/g, "\n ")}`;
  }
}

function flow(node: unknown): void {
  if (node instanceof YAMLMap) node.flow = true;
}

function authentication(opts: InitOptions): Record<string, unknown> {
  switch (opts.auth) {
    case "github":
      return {
        type: "GitHub",
        config: {
          client_id: { fromEnv: "GITHUB_CLIENT_ID" },
          client_secret: { fromEnv: "GITHUB_CLIENT_SECRET" },
          // Admitting every GitHub account is never a default: an organisation to change or keep.
          allowed_organizations: [opts.repository ? opts.repository.split("/")[0] : githubOrganization(opts)],
        },
      };
    case "auth0":
      return {
        type: "Auth0",
        config: {
          client_id: { fromEnv: "AUTH0_CLIENT_ID" },
          client_secret: { fromEnv: "AUTH0_CLIENT_SECRET" },
          auth0_subdomain: opts.projectName.toLowerCase().replace(/_/g, "-"),
        },
      };
    case "password":
      return { type: "password" };
  }
}

/** The variable a new config names for the clusters' commit status token. */
export const STATUS_TOKEN_VARIABLE = "QHUB_STATUS_TOKEN";

/** The GitHub organisation a new config admits when no repository names one: the project's name. */
function githubOrganization(opts: InitOptions): string {
  return opts.projectName.toLowerCase().replace(/_/g, "-");
}

function providerBlock(opts: InitOptions): Record<string, unknown> {
  const p = opts.provider;
  if (p === "local" || p === "existing") {
    const sel = { key: "kubernetes.io/os", value: "linux" };
    return { node_selectors: { general: sel, user: sel, worker: sel } };
  }
  const pools: Record<string, NodeGroup> = DEFAULT_NODE_GROUPS[p] ?? {};
  return {
    ...(p === "gcp" ? { project: gcpProjectId(opts.projectName) } : {}),
    region: DEFAULT_REGIONS[p],
    node_groups: Object.fromEntries(
      Object.entries(pools).map(([role, g]) => [
        role,
        { instance: g.instance, min_nodes: g.min_nodes, max_nodes: g.max_nodes },
      ]),
    ),
  };
}

/** The text of a new qhub-config.yaml. */
export function renderInitConfig(opts: InitOptions): string {
  const block = PROVIDER_BLOCKS[opts.provider];
  const security: Record<string, unknown> = { authentication: authentication(opts) };
  if (opts.auth === "password") {
    security.users = { admin: { primary_group: "admin", password: { fromEnv: "QHUB_PASSWORD_ADMIN" } } };
  }
  security.groups = { admin: null, users: null };

  const data: Record<string, unknown> = {
    qhub_version: CURRENT_SCHEMA_VERSION,
    project_name: opts.projectName,
    provider: opts.provider,
    namespace: "dev",
    domain: opts.domain,
    certificate: { type: "self-signed" },
    security,
    [block]: providerBlock(opts),
    storage: {
      type: "nfs",
      conda_store: "60Gi",
      shared_filesystem: "100Gi",
      // An existing cluster's block StorageClass: QHub cannot guess it (`kubectl get storageclass`).
      ...(opts.provider === "existing" ? { storage_class: "standard" } : {}),
    },
    profiles: {
      jupyterlab: DEFAULT_JUPYTERLAB_PROFILES.map((p) => ({
        display_name: p.display_name,
        description: p.description,
        ...(p.default ? { default: true } : {}),
        kubespawner_override: p.kubespawner_override,
      })),
      dask_worker: DEFAULT_DASK_WORKER_PROFILES,
    },
    ...(opts.ageRecipient ? { secrets: { sops: { age_recipients: [opts.ageRecipient] } } } : {}),
    ...(opts.repository
      ? {
          gitops: {
            repository: opts.repository,
            branch: "main",
            commit_status: { token: { fromEnv: STATUS_TOKEN_VARIABLE } },
          },
        }
      : {}),
  };

  const doc = new Document(data);
  const root = doc.contents;
  const child = (...path: (string | number)[]): unknown => doc.getIn(path, true);
  doc.commentBefore = [
    ` yaml-language-server: $schema=${SCHEMA_FILE}`,
    " qhub-config.yaml: the one file QHub compiles into your platform's GitOps repository.",
    " Edit it, check it with `qhub validate`, write the repository with `qhub render`, propose it",
    " with `qhub pr`. Every key is described in the config reference (docs/config-reference.md).",
    " Never write a secret here: secrets are `{ fromEnv: NAME }` references read when you render.",
  ].join("\n");

  const callback = `https://${opts.domain}/hub/oauth_callback`;
  const authComment =
    opts.auth === "github"
      ? `How users log in: password, GitHub or Auth0. Create a GitHub OAuth app with the callback URL\n${callback}\nand export GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET before you render.\nMembers of allowed_organizations (ORG, or ORG:TEAM for one team) and the GitHub users\nlisted under security.users may log in; their GitHub teams become JupyterHub groups (ORG:TEAM).${opts.repository ? "" : "\nallowed_organizations is the project's name until you make it your organisation."}`
      : opts.auth === "auth0"
        ? `How users log in: password, GitHub or Auth0. Create an Auth0 application with the callback URL\n${callback}\nset auth0_subdomain to your tenant (TENANT for TENANT.auth0.com), and export\nAUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET before you render.\nWith no security.users listed, every user your Auth0 tenant authenticates may log in (the\ntenant is the boundary); list users (by email) to admit only them. The groups claim\n(groups_claim, default \`groups\`) adds the tenant's groups to the ones security.users declares.`
        : "How users log in: password, GitHub or Auth0. With password, each user's password\ncomes from an environment variable when you render (export QHUB_PASSWORD_ADMIN).";
  setComments(root, {
    qhub_version: "Schema version of this file; `qhub upgrade` migrates older files.",
    project_name:
      "Name of the platform: letters, digits, - and _, at most 16 characters.\nIdentity field: changing it later recreates cloud resources.",
    provider: "Where the cluster runs: local, existing, aws, gcp, azure or do. Identity field.",
    namespace: "Kubernetes namespace of JupyterHub, Dask Gateway and conda-store. Identity field.",
    domain:
      opts.provider === "local" || opts.provider === "existing"
        ? "Host name users open; *.localhost resolves to this machine in browsers."
        : "Host name users open: change it to a DNS name you control and point it at the\ningress load balancer once Flux has created it.",
    certificate:
      "TLS for the ingress: self-signed, lets-encrypt (set acme_email; needs a public domain),\nexisting (secret_name of a TLS Secret you manage) or disabled.",
    security: "Who may log in, and their groups. Members of the group `admin` administer JupyterHub.",
    [block]:
      opts.provider === "local" || opts.provider === "existing"
        ? "The node labels that place pods of each role: general (hub and services),\nuser (JupyterLab servers) and worker (Dask)."
        : "Cloud settings. Node pools by role: general (hub and services), user (JupyterLab\nservers) and worker (Dask); QHub places pods on them by the cloud's node-pool label.",
    storage:
      opts.provider === "local" || opts.provider === "existing"
        ? `Shared storage for home directories, shared team folders and conda environments:\nan NFS server inside the cluster.${opts.provider === "existing" ? " storage_class: the cluster's StorageClass for its disk\nand the hub's database (check `kubectl get storageclass`)." : ""}`
        : "Shared storage for home directories, shared team folders and conda environments:\nnfs (an NFS server on the cloud's disks) or cloud (EFS, Filestore or Azure Files).",
    profiles:
      "What users choose from: JupyterLab server sizes (one default) and Dask worker sizes.\nConda environments: QHub ships environment-dask.yaml and environment-dashboard.yaml;\nadd your own under `environments:` (file name -> conda spec).",
    gitops: `The GitHub repository that holds the rendered tree; Flux syncs it from \`branch\`.\nEach cluster sets a commit status per layer on the commits it applies: export\n${STATUS_TOKEN_VARIABLE} (a token that may only set commit statuses; never qhub pr's) before you\nrender, or set commit_status: { enabled: false }.`,
    secrets:
      "QHub writes Secrets only SOPS-encrypted for these age public keys. `qhub init` made the\nidentity (private key) outside this folder; give it to Flux as the sops-age Secret.",
  });
  setComments(child("security"), { authentication: authComment });

  for (const path of [
    ["security", "authentication", "config", "client_id"],
    ["security", "authentication", "config", "client_secret"],
    ["security", "users", "admin", "password"],
  ])
    flow(child(...path));
  for (const role of ["general", "user", "worker"]) {
    flow(child(block, "node_groups", role));
    flow(child(block, "node_selectors", role));
  }
  flow(child("certificate"));
  flow(child("gitops", "commit_status", "token"));
  for (let i = 0; i < DEFAULT_JUPYTERLAB_PROFILES.length; i++)
    flow(child("profiles", "jupyterlab", i, "kubespawner_override"));

  const lines = doc.toString({ lineWidth: 0, nullStr: "" }).replace(/: \n/g, ":\n").split("\n");
  // A blank line before each top-level section (its comment, or its key when it has none).
  const out: string[] = [];
  lines.forEach((line, i) => {
    const prev = lines[i - 1] ?? "";
    const topLevel = /^[#a-z_]/.test(line);
    if (i > 0 && topLevel && !prev.startsWith("#") && prev !== "") out.push("");
    out.push(line);
  });
  return out.join("\n");
}
