// Rules about meaning across fields, checked after the schema accepts the shape. Each rule is a
// named pure function of one cluster's settings; it returns findings, it does not throw.
import { isSecretKey, passwordEnvName, passwordKey, slugify } from "./names.js";
import { QUANTITY, NODE_GROUP_ROLES, PROVIDER_BLOCKS, PROVIDERS } from "./schema.js";
import type {
  Authentication,
  CondaEnvironment,
  JupyterLabProfile,
  NodeGroupRole,
  ParsedConfig,
  Provider,
} from "./schema.js";
import { DEFAULT_NODE_GROUPS, NODE_POOL_LABEL } from "./defaults.js";
import { allocatable, instanceType } from "./instances.js";
import { secretSources } from "./secret-sources.js";
import { isPlainObject } from "./merge.js";

export interface Finding {
  path: PropertyKey[];
  prefer: "key" | "value";
  message: string;
  hint: string;
  /**
   * Missing rather than wrong: positioned at the top level unless the cluster's overrides write
   * the path's first key (a setting no cluster writes is added once, at the top). @default false
   */
  missing?: boolean;

  /** A warning is reported but leaves the config valid. @default "error" */
  severity?: "error" | "warning";
}

export interface RuleContext {
  /** The cluster's settings: the top level, with the cluster's overrides merged in. */
  config: ParsedConfig;
  /** Providers used by any cluster of the file. */
  providersInUse: ReadonlySet<Provider>;
  /** The cluster's name, and every cluster of the file in name order (for rules across clusters). */
  cluster?: string;
  clusters?: readonly { name: string; config: ParsedConfig }[];
  /** The conda environments QHub ships (environments/), by file name; the loader reads them. */
  shippedEnvironments: Readonly<Record<string, CondaEnvironment>>;
  /** Whether the config must name age recipients (it must to render; `qhub upgrade` leaves that to the user). */
  requireAgeRecipients: boolean;

  /** The conda environments QHub ships (`environments/`), by file name; the config adds to them. */
  defaultEnvironments?: Readonly<Record<string, CondaEnvironment>>;
}

type Rule = (ctx: RuleContext) => Finding[];

const MAX_PROJECT_NAME = 16;

/**
 * QHub 0.4's project naming convention for one provider, which the clouds' resource names need;
 * undefined when `name` keeps it. The shape (letters, digits, `-`, `_`) is the schema's.
 */
export function projectNameProblem(
  name: string,
  provider: Provider,
): { message: string; hint: string } | undefined {
  if (name.length > MAX_PROJECT_NAME)
    return {
      message: `is ${name.length} characters long; at most ${MAX_PROJECT_NAME} are allowed`,
      hint: "cloud resource names are derived from it; pick a shorter name",
    };
  if (provider === "azure" && name.includes("-"))
    return {
      message: "must not contain '-' with provider azure",
      hint: `Azure resource names do not allow it; try "${name.replace(/-/g, "")}"`,
    };
  if (provider === "aws" && name.toLowerCase().startsWith("aws"))
    return {
      message: 'must not start with "aws" with provider aws',
      hint: "AWS reserves the prefix; pick another name",
    };
  return undefined;
}

/** QHub 0.4's project naming convention, which the clouds' resource names need. */
export const projectNameConvention: Rule = ({ config }) => {
  const problem = projectNameProblem(config.project_name, config.provider);
  return problem ? [{ path: ["project_name"], prefer: "value", ...problem }] : [];
};

export const oneDefaultProfile: Rule = ({ config }) => {
  const profiles = config.profiles?.jupyterlab ?? [];
  const defaults = profiles.flatMap((p, i) => (p.default ? [i] : []));
  return defaults.slice(1).map((i) => ({
    path: ["profiles", "jupyterlab", i, "default"],
    prefer: "value" as const,
    message: `a second default profile; profile ${defaults[0] ?? 0} is already the default`,
    hint: "keep `default: true` on one profile only",
  }));
};

/**
 * Profiles are told apart by name (case-insensitively) in the list users see, and by slug in the
 * values (the audience each sees is looked up by slug): two of either would swap audiences.
 */
export const uniqueProfileNames: Rule = ({ config }) => {
  const names = new Map<string, number>();
  const slugs = new Map<string, number>();
  const out: Finding[] = [];
  (config.profiles?.jupyterlab ?? []).forEach((p, i) => {
    const at = (message: string, hint: string) =>
      out.push({ path: ["profiles", "jupyterlab", i, "display_name"], prefer: "value", message, hint });
    const key = p.display_name.trim().toLowerCase();
    const slug = slugify(p.display_name);
    const sameName = names.get(key);
    const sameSlug = slugs.get(slug);
    if (sameName !== undefined)
      at(
        `"${p.display_name}" is already the name of profile ${sameName}`,
        "give each profile its own display_name; JupyterHub tells them apart by it",
      );
    else if (sameSlug !== undefined)
      at(
        `"${p.display_name}" has the same slug "${slug}" as profile ${sameSlug}`,
        "make the names differ in their letters or digits: the slug keeps only those (lowercased), and JupyterHub picks a profile and its audience by slug",
      );
    if (sameName === undefined) names.set(key, i);
    if (sameSlug === undefined) slugs.set(slug, i);
  });
  return out;
};

/**
 * Users must stay apart after every mapping QHub or JupyterHub applies to their names:
 * JupyterHub lowercases user names, and with `password` authentication each user's password is a
 * key of the Secret qhub-passwords and an environment variable of the hub. Two users with one
 * variable would log in with each other's password.
 */
export const distinctUserNames: Rule = ({ config }) => {
  const password = config.security.authentication.type === "password";
  const lower = new Map<string, string>();
  const keys = new Map<string, string>();
  const envs = new Map<string, string>();
  const out: Finding[] = [];
  for (const name of Object.keys(config.security.users ?? {})) {
    const at = (message: string, hint: string) =>
      out.push({ path: ["security", "users", name], prefer: "key", message, hint });
    const sameCase = lower.get(name.toLowerCase());
    const key = passwordKey(name);
    const env = passwordEnvName(name);
    const sameKey = password ? keys.get(key) : undefined;
    const sameEnv = password ? envs.get(env) : undefined;
    if (sameCase !== undefined)
      at(
        `user "${name}" differs from "${sameCase}" only in case`,
        `JupyterHub lowercases user names, so both are the user "${name.toLowerCase()}"; keep one entry`,
      );
    else if (sameKey !== undefined)
      at(
        `user "${name}" cannot be told apart from "${sameKey}": both passwords would be the key "${key}" of the Secret qhub-passwords`,
        "rename one of them; characters other than letters, digits, `-`, `.` and `_` become `_` in Secret keys",
      );
    else if (sameEnv !== undefined)
      at(
        `user "${name}" cannot be told apart from "${sameEnv}": both passwords would be read from ${env}`,
        "rename one of them; a password's variable is QHUB_PASSWORD_ and the user name in capitals, with `_` for every character other than a letter or digit",
      );
    if (!lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), name);
    if (!keys.has(key)) keys.set(key, name);
    if (!envs.has(env)) envs.set(env, name);
  }
  return out;
};

function namesIn(map: Record<string, unknown> | undefined): Set<string> {
  return new Set(Object.keys(map ?? {}));
}

function unknownNames(
  names: readonly string[] | undefined,
  known: Set<string>,
  path: PropertyKey[],
  what: "user" | "group",
): Finding[] {
  return (names ?? []).flatMap((name, i) =>
    known.has(name)
      ? []
      : [
          {
            path: [...path, i],
            prefer: "value" as const,
            message: `${what} "${name}" is not defined in security.${what}s`,
            hint: `add it under security.${what}s, or correct the name`,
          },
        ],
  );
}

/** The organisations of GitHub's `allowed_organizations` (`org` or `org:team`), lowercase, sorted. */
export function githubOrganizations(allowed: readonly string[] | undefined): string[] {
  return [...new Set((allowed ?? []).map((o) => o.split(":")[0]!.toLowerCase()))].sort();
}

/**
 * Profiles may be limited to users and groups; when those are listed, the names must exist. With
 * an OAuth login a profile may name the provider's groups, which the config does not list (QHub 0.4
 * kept groups in Keycloak); a GitHub team named by its slug needs an organisation to belong to.
 */
export const profileAudience: Rule = ({ config }) => {
  const users = namesIn(config.security.users);
  const groups = namesIn(config.security.groups);
  const auth = config.security.authentication;
  return (config.profiles?.jupyterlab ?? []).flatMap((p, i) => {
    const path = ["profiles", "jupyterlab", i, "groups"];
    const groupFindings =
      auth.type === "password"
        ? unknownNames(p.groups, groups, path, "group")
        : auth.type === "GitHub" && githubOrganizations(auth.config.allowed_organizations).length === 0
          ? (p.groups ?? []).flatMap((name, j) =>
              groups.has(name) || name.includes(":")
                ? []
                : [
                    {
                      path: [...path, j],
                      prefer: "value" as const,
                      message: `group "${name}" is neither in security.groups nor a GitHub team of an allowed organisation (none is listed)`,
                      hint: `name the team as ORG:${name}, or list its organisation in security.authentication.config.allowed_organizations`,
                    },
                  ],
            )
          : [];
    return [
      ...(users.size > 0 ? unknownNames(p.users, users, ["profiles", "jupyterlab", i, "users"], "user") : []),
      ...groupFindings,
    ];
  });
};

/** A GitHub login admits the organisations, teams and users the config names: it must name some. */
export const githubAdmitsSomeone: Rule = ({ config }) => {
  const auth = config.security.authentication;
  if (auth.type !== "GitHub") return [];
  if ((auth.config.allowed_organizations ?? []).length > 0) return [];
  if (Object.keys(config.security.users ?? {}).length > 0) return [];
  return [
    {
      path: ["security", "authentication", "config"],
      prefer: "key",
      message: "a GitHub login that names no organisation, team or user admits nobody",
      hint: "add `allowed_organizations: [YOUR-ORG]` (or `YOUR-ORG:TEAM`) here, or list GitHub users under security.users",
    },
  ];
};

/** Where a cluster's OAuth app sends users back after they log in. */
export function oauthCallbackUrl(config: ParsedConfig): string {
  const scheme = config.certificate.type === "disabled" ? "http" : "https";
  return `${scheme}://${config.domain.toLowerCase()}/hub/oauth_callback`;
}

/** Which OAuth app a cluster logs in with: same type and client ID, same app. */
export function oauthAppKey(auth: Authentication): string | undefined {
  if (auth.type === "password") return undefined;
  const id = auth.config.client_id;
  return `${auth.type} ${typeof id === "string" ? id : `env:${id.fromEnv}`}${auth.type === "Auth0" ? ` ${auth.config.auth0_subdomain}` : ""}`;
}

/**
 * Clusters that share a GitHub OAuth App: GitHub redirects only to the host of the app's callback
 * URL (the first such cluster's, in name order) and its sub-domains
 * (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#redirect-urls).
 * A cluster elsewhere needs its own app, through its `security` override. Auth0 applications list
 * each callback URL, so any domain works there (the README lists what to register).
 */
export const oauthAppReachesCluster: Rule = ({ config, cluster, clusters }) => {
  const key = oauthAppKey(config.security.authentication);
  if (!key?.startsWith("GitHub") || !clusters || cluster === undefined) return [];
  const first = clusters.find((c) => oauthAppKey(c.config.security.authentication) === key);
  if (!first || first.name === cluster) return [];
  const host = first.config.domain.toLowerCase();
  const domain = config.domain.toLowerCase();
  if (domain === host || domain.endsWith(`.${host}`)) return [];
  return [
    {
      path: ["domain"],
      prefer: "value",
      message: `the GitHub OAuth App this cluster shares with cluster ${first.name} redirects only to ${host} and its sub-domains, not ${domain}`,
      hint: `give this cluster its own OAuth App, with the callback URL ${oauthCallbackUrl(config)}: set gitops.clusters.${cluster}.security.authentication (type: GitHub, and its own client_id and client_secret)`,
    },
  ];
};

export const userGroupsDefined: Rule = ({ config }) => {
  const groups = namesIn(config.security.groups);
  return Object.entries(config.security.users ?? {}).flatMap(([name, user]) => [
    ...(user?.primary_group && !groups.has(user.primary_group)
      ? unknownNames([user.primary_group], groups, ["security", "users", name, "primary_group"], "group").map(
          (f) => ({ ...f, path: f.path.slice(0, -1) }),
        )
      : []),
    ...unknownNames(user?.secondary_groups, groups, ["security", "users", name, "secondary_groups"], "group"),
  ]);
};

export const uniqueIds: Rule = ({ config }) => {
  const out: Finding[] = [];
  const check = (kind: "users" | "groups", field: "uid" | "gid", entries: [string, number | undefined][]) => {
    const seen = new Map<number, string>();
    for (const [name, id] of entries) {
      if (id === undefined) continue;
      const other = seen.get(id);
      if (other !== undefined)
        out.push({
          path: ["security", kind, name, field],
          prefer: "value",
          message: `${field} ${id} is already used by "${other}"`,
          hint: `give each entry of security.${kind} its own ${field}`,
        });
      else seen.set(id, name);
    }
  };
  check(
    "users",
    "uid",
    Object.entries(config.security.users ?? {}).map(([n, u]) => [n, u?.uid]),
  );
  check(
    "groups",
    "gid",
    Object.entries(config.security.groups ?? {}).map(([n, g]) => [n, g?.gid]),
  );
  return out;
};

const UNITS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number (bytes for memory, cores for CPU). */
export function quantityValue(q: string | number): number {
  if (typeof q === "number") return q;
  const m = QUANTITY.exec(q);
  const unit = q.replace(/^[0-9.]+/, "");
  return m ? Number.parseFloat(q) * (UNITS[unit] ?? Number.NaN) : Number.NaN;
}

function withinLimit(
  guarantee: string | number | undefined,
  limit: string | number | undefined,
  path: PropertyKey[],
  guaranteeKey: string,
  limitKey: string,
): Finding[] {
  if (guarantee === undefined || limit === undefined) return [];
  if (quantityValue(guarantee) <= quantityValue(limit)) return [];
  return [
    {
      path: [...path, guaranteeKey],
      prefer: "value",
      message: `${guaranteeKey} (${guarantee}) is more than ${limitKey} (${limit})`,
      hint: `Kubernetes rejects a request above its limit; lower ${guaranteeKey} or raise ${limitKey}`,
    },
  ];
}

export const guaranteesWithinLimits: Rule = ({ config }) => [
  ...(config.profiles?.jupyterlab ?? []).flatMap((p, i) => {
    const o = p.kubespawner_override;
    const path = ["profiles", "jupyterlab", i, "kubespawner_override"];
    return o
      ? [
          ...withinLimit(o.cpu_guarantee, o.cpu_limit, path, "cpu_guarantee", "cpu_limit"),
          ...withinLimit(o.mem_guarantee, o.mem_limit, path, "mem_guarantee", "mem_limit"),
        ]
      : [];
  }),
  ...Object.entries(config.profiles?.dask_worker ?? {}).flatMap(([name, w]) => {
    const path = ["profiles", "dask_worker", name];
    return [
      ...withinLimit(w.worker_cores, w.worker_cores_limit, path, "worker_cores", "worker_cores_limit"),
      ...withinLimit(w.worker_memory, w.worker_memory_limit, path, "worker_memory", "worker_memory_limit"),
    ];
  }),
];

/** The node groups the cluster's provider block writes, by name (the roles' defaults aside). */
function writtenNodeGroups(config: ParsedConfig): Record<string, unknown> {
  const block = config[PROVIDER_BLOCKS[config.provider]] as
    { node_groups?: Record<string, unknown> } | undefined;
  return block?.node_groups ?? {};
}

export const nodeGroupBounds: Rule = ({ config }) => {
  const block = PROVIDER_BLOCKS[config.provider];
  return Object.entries(writtenNodeGroups(config)).flatMap(([name, group]) => {
    const g = group as { min_nodes?: number; max_nodes?: number };
    return g.min_nodes !== undefined && g.max_nodes !== undefined && g.min_nodes > g.max_nodes
      ? [
          {
            path: [block, "node_groups", name, "min_nodes"],
            prefer: "value" as const,
            message: `min_nodes (${g.min_nodes}) is more than max_nodes (${g.max_nodes})`,
            hint: "lower min_nodes or raise max_nodes",
          },
        ]
      : [];
  });
};

/** A profile's or Dask worker size's `node_group` must be a group of the cluster's provider block. */
export const profileNodeGroups: Rule = ({ config }) => {
  const known = new Set<string>([...NODE_GROUP_ROLES, ...Object.keys(writtenNodeGroups(config))]);
  const block = PROVIDER_BLOCKS[config.provider];
  const unknown = (name: string | undefined, path: PropertyKey[]): Finding[] =>
    name === undefined || known.has(name)
      ? []
      : [
          {
            path,
            prefer: "value",
            message: `node group "${name}" is not a group of ${block}.node_groups (${[...known].join(", ")})`,
            hint: `add \`${name}\` under ${block}.node_groups, or name one of the groups listed`,
          },
        ];
  return [
    ...(config.profiles?.jupyterlab ?? []).flatMap((p, i) =>
      unknown(p.node_group, ["profiles", "jupyterlab", i, "node_group"]),
    ),
    ...Object.entries(config.profiles?.dask_worker ?? {}).flatMap(([name, w]) =>
      unknown(w.node_group, ["profiles", "dask_worker", name, "node_group"]),
    ),
  ];
};

/** The instance type of a cloud cluster's node group (as written, else the role's default). */
function groupInstance(config: ParsedConfig, name: string): string | undefined {
  const written = writtenNodeGroups(config)[name] as { instance?: unknown } | undefined;
  if (typeof written?.instance === "string") return written.instance;
  return DEFAULT_NODE_GROUPS[config.provider]?.[name as NodeGroupRole]?.instance;
}

/** The group a JupyterLab profile runs on, as resolve decides it (QHub 0.4's node_selector included). */
function profileGroupName(config: ParsedConfig, p: JupyterLabProfile): string {
  if (p.node_group !== undefined) return p.node_group;
  const label = NODE_POOL_LABEL[config.provider];
  const selector = p.kubespawner_override?.node_selector as Record<string, unknown> | undefined;
  const named = label && selector ? selector[label] : undefined;
  return typeof named === "string" ? named : "user";
}

const cores = (n: number) => `${Math.round(n * 100) / 100}`;
const gib = (bytes: number) => `${Math.round((bytes / 2 ** 30) * 100) / 100}Gi`;

/**
 * A server or worker whose guarantee is more than one node of its group has for pods never starts
 * (an error); a limit above it is never reached (a warning). Instance types QHub's table lacks
 * are warned about once, where they are written.
 */
export const profilesFitNodes: Rule = ({ config }) => {
  if (!NODE_POOL_LABEL[config.provider]) return [];
  const block = PROVIDER_BLOCKS[config.provider];
  const out: Finding[] = [];
  const unknownWarned = new Set<string>();
  const fit = (
    who: string,
    group: string,
    path: PropertyKey[],
    wants: {
      key: string;
      value: string | number | undefined;
      kind: "cpu" | "memory";
      /** A limit (a warning), or a limit Kubernetes also requests for want of a guarantee (a warning that says so). */
      limit: boolean | "as-request";
    }[],
  ) => {
    const name = groupInstance(config, group);
    if (name === undefined) return;
    const type = instanceType(config.provider, name);
    if (!type) {
      if (!unknownWarned.has(group) && writtenNodeGroups(config)[group] !== undefined)
        out.push({
          path: [block, "node_groups", group, "instance"],
          prefer: "value",
          severity: "warning",
          message: `instance type ${name} is not in QHub's table of ${config.provider} instance types: whether profiles fit its nodes cannot be checked`,
          hint: "check the profiles on this group against the instance's size yourself, or use a listed type (src/config/instances.ts)",
        });
      unknownWarned.add(group);
      return;
    }
    const room = allocatable(config.provider, type);
    for (const w of wants) {
      if (w.value === undefined) continue;
      const asked = quantityValue(w.value);
      const has = w.kind === "cpu" ? room.cpu : room.memory;
      if (!(asked > has)) continue;
      const size = `${name}: ${type.vcpu} vCPU, ${type.memoryGiB}Gi; ${cores(room.cpu)} CPU and ${gib(room.memory)} for pods ${room.basis}`;
      const shown = w.kind === "cpu" ? cores(asked) : `${String(w.value)} (${gib(asked)})`;
      const most = w.kind === "cpu" ? cores(has) : gib(has);
      const hint = `lower ${w.key} to at most ${most}, or give ${group} a larger instance type`;
      out.push(
        w.limit === "as-request"
          ? {
              path: [...path, w.key],
              prefer: "value",
              severity: "warning",
              message: `${who}: ${w.key} ${shown} is more than one node of group ${group} has (${size}); with no cpu_guarantee Kubernetes requests the limit, so the server cannot start`,
              hint: `set cpu_guarantee to at most ${most} (the limit may stay), ${hint}`,
            }
          : w.limit
            ? {
                path: [...path, w.key],
                prefer: "value",
                severity: "warning",
                message: `${who}: ${w.key} ${shown} is more than one node of group ${group} has (${size}); it can never use that much`,
                hint,
              }
            : {
                path: [...path, w.key],
                prefer: "value",
                message: `${who}: ${w.key} ${shown} cannot fit on one node of group ${group} (${size})`,
                hint,
              },
      );
    }
  };
  (config.profiles?.jupyterlab ?? []).forEach((p, i) => {
    const o = p.kubespawner_override ?? {};
    // Without a guarantee Kubernetes requests the limit.
    fit(
      `profile "${p.display_name}"`,
      profileGroupName(config, p),
      ["profiles", "jupyterlab", i, "kubespawner_override"],
      [
        // Without cpu_guarantee Kubernetes requests the limit; without mem_guarantee z2jh's
        // singleuser.memory.guarantee (1G) is the request, so mem_limit is only a limit.
        o.cpu_guarantee === undefined
          ? { key: "cpu_limit", value: o.cpu_limit, kind: "cpu", limit: "as-request" }
          : { key: "cpu_guarantee", value: o.cpu_guarantee, kind: "cpu", limit: false },
        { key: "mem_guarantee", value: o.mem_guarantee, kind: "memory", limit: false },
        ...(o.cpu_guarantee === undefined
          ? []
          : [{ key: "cpu_limit", value: o.cpu_limit, kind: "cpu" as const, limit: true }]),
        { key: "mem_limit", value: o.mem_limit, kind: "memory", limit: true },
      ],
    );
  });
  for (const [name, w] of Object.entries(config.profiles?.dask_worker ?? {}))
    fit(
      `Dask worker "${name}"`,
      w.node_group ?? "worker",
      ["profiles", "dask_worker", name],
      [
        { key: "worker_cores", value: w.worker_cores, kind: "cpu", limit: false },
        { key: "worker_memory", value: w.worker_memory, kind: "memory", limit: false },
        { key: "worker_cores_limit", value: w.worker_cores_limit, kind: "cpu", limit: true },
        { key: "worker_memory_limit", value: w.worker_memory_limit, kind: "memory", limit: true },
      ],
    );
  return out;
};

/** The block of the cluster's provider may be needed; blocks no cluster uses are mistakes. */
export const providerBlocks: Rule = ({ config, providersInUse }) => {
  const out: Finding[] = [];
  if (config.provider === "gcp" && !config.google_cloud_platform)
    out.push({
      path: ["provider"],
      prefer: "value",
      message: "provider gcp needs a `google_cloud_platform` block with your project ID",
      hint: "add `google_cloud_platform: { project: YOUR-PROJECT-ID }`",
    });
  for (const provider of PROVIDERS) {
    const block = PROVIDER_BLOCKS[provider];
    if (config[block] !== undefined && !providersInUse.has(provider))
      out.push({
        path: [block],
        prefer: "key",
        message: `settings for provider ${provider}, which no cluster uses (provider is ${config.provider})`,
        hint: `remove the \`${block}\` block, or set \`provider: ${provider}\``,
      });
  }
  return out;
};

const PRIVATE_HOST = /^(localhost|.*\.local|.*\.localhost|[0-9.]+|.*\.internal)$/i;

export const certificateFitsDomain: Rule = ({ config }) => {
  if (config.certificate.type !== "lets-encrypt") return [];
  if (!config.domain.includes(".") || PRIVATE_HOST.test(config.domain))
    return [
      {
        path: ["certificate", "type"],
        prefer: "value",
        message: `Let's Encrypt cannot issue a certificate for "${config.domain}"`,
        hint: "use a public DNS name in `domain`, or `certificate: { type: self-signed }`",
      },
    ];
  return [];
};

const RWX_SERVICE: Partial<Record<Provider, string>> = { aws: "EFS", gcp: "Filestore", azure: "Azure Files" };

export const cloudStorageAvailable: Rule = ({ config }) =>
  config.storage.type === "cloud" && !RWX_SERVICE[config.provider]
    ? [
        {
          path: ["storage", "type"],
          prefer: "value",
          message: `provider ${config.provider} has no managed shared file service`,
          hint: "use `type: nfs` (an in-cluster NFS server); `cloud` works with aws, gcp and azure",
        },
      ]
    : [];

/** EFS file systems are created outside the cluster; QHub needs to be told which one. */
export const efsFileSystemNamed: Rule = ({ config }) =>
  config.storage.type === "cloud" &&
  config.provider === "aws" &&
  !config.amazon_web_services?.efs_file_system_id
    ? [
        {
          path: ["storage", "type"],
          prefer: "value",
          message: "shared storage on EFS needs the ID of an EFS file system",
          hint: "create one in the cluster's VPC and set `amazon_web_services.efs_file_system_id: fs-...`",
        },
      ]
    : [];

// The folder of specs also holds the kustomization that makes them a ConfigMap.
const RESERVED_ENV_FILES = new Set(["kustomization.yaml", "kustomization.yml"]);

/**
 * Environments become files in environments/ (one file on a case-insensitive checkout when names
 * differ only in case) and conda-store builds each into /home/conda/envs/<name>, with a Jupyter
 * kernel named after it (Jupyter lowercases kernel names): names must differ beyond case, and
 * from the environments QHub ships, which the config's are added to.
 */
export const uniqueEnvironmentNames: Rule = ({ config, shippedEnvironments }) => {
  const written = config.environments ?? {};
  const files = new Map<string, string>();
  const names = new Map<string, { name: string; where: string }>();
  for (const [file, env] of Object.entries(shippedEnvironments)) {
    if (Object.hasOwn(written, file)) continue; // replaced by the config's file of that name
    files.set(file.toLowerCase(), file);
    names.set(env.name.toLowerCase(), { name: env.name, where: `the environment QHub ships in ${file}` });
  }
  const out: Finding[] = [];
  for (const [file, env] of Object.entries(written)) {
    const sameFile = files.get(file.toLowerCase());
    if (RESERVED_ENV_FILES.has(file.toLowerCase()))
      out.push({
        path: ["environments", file],
        prefer: "key",
        message: `"${file}" is the name of the kustomization QHub writes beside the environment files`,
        hint: "name the file after the environment, e.g. `environment-ml.yaml`",
      });
    else if (sameFile !== undefined)
      out.push({
        path: ["environments", file],
        prefer: "key",
        message: `"${file}" differs from "${sameFile}" only in case; a case-insensitive checkout (macOS, Windows) makes them one file`,
        hint: `write it as "${sameFile}" to replace that environment, or pick another file name`,
      });
    else files.set(file.toLowerCase(), file);

    const other = names.get(env.name.toLowerCase());
    if (other !== undefined)
      out.push({
        path: ["environments", file, "name"],
        prefer: "value",
        message:
          other.name === env.name
            ? `environment name "${env.name}" is already used by ${other.where}`
            : `environment name "${env.name}" differs from "${other.name}" (${other.where}) only in case`,
        hint: other.where.startsWith("the environment QHub ships")
          ? `give it another name, or replace the shipped environment by writing this one under the file name ${other.where.replace(/^.* /, "")}`
          : "give each environment its own name; conda-store builds them by name and Jupyter lowercases kernel names",
      });
    else names.set(env.name.toLowerCase(), { name: env.name, where: file });
    const pipLists = env.dependencies.filter((d) => typeof d !== "string").length;
    if (pipLists > 1)
      out.push({
        path: ["environments", file, "dependencies"],
        prefer: "key",
        message: `has ${pipLists} \`pip:\` lists`,
        hint: "merge them into one `pip:` list",
      });
  }
  return out;
};

/** Block storage: QHub's class on clouds, the cluster's own (named) on local and existing clusters. */
export const blockStorageClass: Rule = ({ config }) => {
  const selfManaged = config.provider === "local" || config.provider === "existing";
  if (!selfManaged && config.storage.storage_class !== undefined)
    return [
      {
        path: ["storage", "storage_class"],
        prefer: "key",
        message: `is for local and existing clusters; with provider ${config.provider} QHub makes its own class \`qhub-block\``,
        hint: "remove `storage_class`",
      },
    ];
  if (config.provider === "existing" && config.storage.storage_class === undefined)
    // A warning, so that configs from before the key (QHub 0.4's included) stay valid.
    return [
      {
        path: ["storage"],
        prefer: "key",
        severity: "warning",
        message:
          "the NFS server's disk and the hub's database will use the cluster's default StorageClass, and stay Pending where there is none (EKS >= 1.30)",
        hint: "set `storage.storage_class` to one of the classes `kubectl get storageclass` lists",
      },
    ];
  return [];
};

/**
 * The smallest share each cloud's shared file service provisions: Filestore's BASIC_HDD tier (the
 * CSI driver's `standard`) starts at 1 TiB; NFS shares of Azure Files need premium FileStorage,
 * which starts at 100 GiB. EFS has no minimum.
 */
export const CLOUD_SHARE_MINIMUM: Partial<Record<Provider, { service: string; size: string }>> = {
  gcp: { service: "Filestore (BASIC_HDD)", size: "1Ti" },
  azure: { service: "Azure Files NFS (premium)", size: "100Gi" },
};

export const cloudShareMinimum: Rule = ({ config }) => {
  const minimum = CLOUD_SHARE_MINIMUM[config.provider];
  if (config.storage.type !== "cloud" || !minimum) return [];
  const total = quantityValue(config.storage.shared_filesystem) + quantityValue(config.storage.conda_store);
  if (total >= quantityValue(minimum.size)) return [];
  return [
    {
      path: ["storage", "shared_filesystem"],
      prefer: "value",
      message: `shared_filesystem and conda_store come to ${Math.round(total / 2 ** 30)}Gi; ${minimum.service} shares are at least ${minimum.size}`,
      hint: `raise shared_filesystem so that the two add up to ${minimum.size} or more, or use \`type: nfs\``,
    },
  ];
};

/**
 * Every cluster gets encrypted Secrets (at least the hub's generated tokens), and QHub seals
 * them only for the age public keys the config names: without one, `qhub render` must refuse.
 */
export const ageRecipientsNamed: Rule = ({ config, requireAgeRecipients }) =>
  requireAgeRecipients && (config.secrets?.sops.age_recipients.length ?? 0) === 0
    ? [
        {
          path: config.secrets ? ["secrets", "sops"] : ["secrets"],
          prefer: "key",
          missing: true,
          message:
            "no age recipients: QHub writes every Secret (the hub's tokens, passwords, OAuth secrets) encrypted for the age public keys listed in secrets.sops.age_recipients",
          hint: "add `secrets: { sops: { age_recipients: [age1...] } }` with your public key (`age-keygen -y KEYFILE` prints it; `qhub init` makes one) and give Flux the matching identity",
        },
      ]
    : [];

/** The packages a conda spec lists (conda names, and pip names from its `pip:` list), lowercased. */
function packagesOf(spec: CondaEnvironment): Set<string> {
  const names = spec.dependencies.flatMap((d) => (typeof d === "string" ? [d] : d.pip));
  return new Set(
    names.map((d) =>
      d
        .replace(/^.*::/, "")
        .replace(/^([A-Za-z0-9_.-]+).*$/, "$1")
        .toLowerCase()
        .replace(/_/g, "-"),
    ),
  );
}

/** The packages a Dask scheduler and its workers need in their environment. */
export const DASK_PACKAGES = ["dask-gateway", "distributed"] as const;

/**
 * Whether Dask Gateway can run a scheduler and workers from this environment: they run its
 * `dask` CLI (distributed) and the scheduler preloads `dask_gateway.scheduler_preload`.
 */
export function runsDask(spec: CondaEnvironment): boolean {
  const packages = packagesOf(spec);
  return DASK_PACKAGES.every((p) => packages.has(p));
}

/** Dask clusters are offered the environments that can run Dask; there must be one. */
export const daskEnvironments: Rule = ({ config, defaultEnvironments }) => {
  const written = Object.entries(config.environments ?? {});
  // Without the shipped defaults (the caller has none at hand), only the warnings can be told.
  const all = defaultEnvironments ? { ...defaultEnvironments, ...config.environments } : undefined;
  if (all && !Object.values(all).some(runsDask))
    return [
      {
        path: ["environments"],
        prefer: "key",
        message: "no conda environment can run Dask clusters",
        hint: `add ${DASK_PACKAGES.map((p) => `\`${p}\``).join(" and ")} to an environment's dependencies (the scheduler and workers run from it)`,
      },
    ];
  // Each environment's packages are listed once: they are what runsDask asks about, and large
  // configs have many environments, checked again for every cluster.
  return written.flatMap(([file, spec]) => {
    const packages = packagesOf(spec);
    const lacking = DASK_PACKAGES.filter((p) => !packages.has(p));
    return lacking.length === 0
      ? []
      : [
          {
            path: ["environments", file, "dependencies"],
            prefer: "key" as const,
            severity: "warning" as const,
            message: `environment "${spec.name}" is not offered to Dask clusters: it lacks ${lacking.map((p) => `\`${p}\``).join(" and ")}`,
            hint: "add them to its dependencies if Dask clusters should run it",
          },
        ];
  });
};

/** The providers whose node autoscaler QHub declares node pools for (`node_provisioning: auto`). */
export const AUTO_PROVISIONING: readonly Provider[] = ["aws", "gcp", "azure"];

/** The cluster's provider block, as parsed (its defaults applied). */
function providerBlock(config: ParsedConfig): { node_provisioning?: string; user_placeholders?: number } {
  return config[PROVIDER_BLOCKS[config.provider]] ?? {};
}

/**
 * `node_provisioning: auto` needs a cloud whose node autoscaler QHub declares pools for; it sizes
 * Karpenter's NodePool limits from the instance's size (max_nodes × vCPUs and memory), so the
 * instance must be in QHub's table there; Karpenter and GKE's compute classes keep no minimum, so
 * a `min_nodes` above what the platform's own pods hold up is said not to be honoured.
 */
export const nodeProvisioning: Rule = ({ config }) => {
  const block = PROVIDER_BLOCKS[config.provider];
  const written = providerBlock(config);
  const auto = written.node_provisioning === "auto";
  if (!auto) {
    return written.user_placeholders === undefined
      ? []
      : [
          {
            path: [block, "user_placeholders"],
            prefer: "key",
            message:
              "user placeholders keep room on nodes an autoscaler adds; without `node_provisioning: auto` they have no effect",
            hint: `add \`node_provisioning: auto\` to ${block}, or remove \`user_placeholders\``,
          },
        ];
  }
  if (!AUTO_PROVISIONING.includes(config.provider))
    return [
      {
        path: [block, "node_provisioning"],
        prefer: "value",
        message: `node_provisioning: auto needs a cloud whose node autoscaler QHub declares pools for (aws: Karpenter, gcp: GKE compute classes, azure: AKS node auto-provisioning); provider is ${config.provider}`,
        hint: "remove `node_provisioning` (the team creates the pools the rendered README lists), or run the cluster on aws, gcp or azure",
      },
    ];
  const out: Finding[] = [];
  const groups = new Set<string>([...NODE_GROUP_ROLES, ...Object.keys(writtenNodeGroups(config))]);
  for (const name of groups) {
    const instance = groupInstance(config, name);
    const written = writtenNodeGroups(config)[name] as { min_nodes?: number } | undefined;
    if (config.provider !== "gcp" && instance !== undefined && !instanceType(config.provider, instance))
      out.push({
        path: written ? [block, "node_groups", name, "instance"] : [block, "node_provisioning"],
        prefer: "value",
        message: `instance type ${instance} of group ${name} is not in QHub's table of ${config.provider} instance types: its NodePool's CPU and memory limits (max_nodes × the instance's size) cannot be computed`,
        hint: `use a listed type (src/config/instances.ts), or \`node_provisioning: manual\``,
      });
    const declared = writtenNodeGroups(config)[name] as
      | { labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] }
      | undefined;
    const ownTaints = (declared?.taints ?? []).filter(
      (t) => !(t.key === "nvidia.com/gpu" && t.value === "present" && t.effect === "NoSchedule"),
    );
    if (config.provider === "gcp" && (Object.keys(declared?.labels ?? {}).length > 0 || ownTaints.length > 0))
      out.push({
        path: [block, "node_groups", name, declared?.labels ? "labels" : "taints"],
        prefer: "key",
        severity: "warning",
        message: `the nodes GKE makes for group ${name}'s compute class do not get its labels or taints: the ComputeClass schema QHub validates against (@kubernetes-models/gke 4.6.2) has no nodePoolConfig`,
        hint: "pods still select the group by its compute class; drop the labels and taints (GKE's own GPU taint stays), or use node_provisioning: manual",
      });
    // The general group always runs the hub, so one node of it stays; other groups none.
    const held = name === "general" ? 1 : 0;
    if (written?.min_nodes !== undefined && written.min_nodes > held)
      out.push({
        path: [block, "node_groups", name, "min_nodes"],
        prefer: "value",
        severity: "warning",
        message: `min_nodes ${written.min_nodes} is not honoured with node_provisioning: auto: the autoscaler keeps no minimum, it makes nodes for pods that wait and removes empty ones${name === "general" ? " (the hub keeps one general node)" : ""}`,
        hint:
          name === "user"
            ? "keep room for spawns with `user_placeholders` instead"
            : `lower min_nodes to ${held}, or use node_provisioning: manual`,
      });
  }
  return out;
};

/** The variable the rendered `qhub-pr.yaml` workflow reads `qhub pr`'s token from. */
export const PR_TOKEN_VARIABLE = "QHUB_PR_TOKEN";

/**
 * Commit statuses: with a repository but without a token the clusters report nothing (a warning,
 * so that configs from before the key stay valid); the token is never the one `qhub pr` writes pull requests with (it
 * would be sealed for every cluster).
 */
export const commitStatusToken: Rule = ({ config }) => {
  const status = config.gitops?.commit_status;
  // No repository yet (no `gitops` block): no commit to report to, nothing to say.
  if (status?.enabled === false || !config.gitops?.repository) return [];
  if (!status?.token)
    return [
      {
        path: status ? ["gitops", "commit_status"] : ["gitops"],
        prefer: "key",
        missing: true,
        severity: "warning",
        message:
          "the clusters will not report to the repository's commits (no `gitops.commit_status.token`): merged changes show no status per cluster",
        hint: "add `commit_status: { token: { fromEnv: QHUB_STATUS_TOKEN } }` under `gitops` (a token with Commit statuses: write on the repository), or `commit_status: { enabled: false }`",
      },
    ];
  // gitops.repository, where they report to, is required by the schema.
  const out: Finding[] = [];
  if ("fromEnv" in status.token && status.token.fromEnv.toUpperCase() === PR_TOKEN_VARIABLE)
    out.push({
      path: ["gitops", "commit_status", "token", "fromEnv"],
      prefer: "value",
      message: `${PR_TOKEN_VARIABLE} is the token \`qhub pr\` opens pull requests with; it is never sealed for the clusters`,
      hint: "make a token that may only set commit statuses and name its own variable, e.g. QHUB_STATUS_TOKEN",
    });
  return out;
};

/**
 * Paths under `jupyterhub.overrides` whose key names a credential and whose value is written out
 * (z2jh's `hub.cookieSecret`, `proxy.secretToken`, a service's `apiToken`, an authenticator's
 * `client_secret`): the overrides go into the repository as they are. Names of Secrets
 * (`existingSecret`, `secretName`) are not credentials.
 */
export function overrideSecrets(overrides: unknown, base: PropertyKey[] = []): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const walk = (v: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (isPlainObject(v))
      for (const [k, child] of Object.entries(v)) {
        const credential = isSecretKey(k) && !/^existing|name$|ref$/i.test(k);
        if (credential && (typeof child === "string" || typeof child === "number")) found.push([...path, k]);
        else walk(child, [...path, k]);
      }
  };
  walk(overrides, base);
  return found;
}

const overridesHoldNoSecrets: Rule = ({ config }) =>
  overrideSecrets(config.jupyterhub.overrides, ["jupyterhub", "overrides"]).map((path) => ({
    path,
    prefer: "value",
    message:
      "is a secret written in jupyterhub.overrides, which goes into the repository's HelmRelease as plain text",
    hint: "remove it (QHub seals the hub's own secrets and the login's client secret from `security`); rotate the value, it is in your history",
  }));

/** Every rule, in the order their findings are reported. */
export const RULES: readonly Rule[] = [
  projectNameConvention,
  ageRecipientsNamed,
  providerBlocks,
  certificateFitsDomain,
  cloudStorageAvailable,
  efsFileSystemNamed,
  blockStorageClass,
  cloudShareMinimum,
  nodeGroupBounds,
  profileNodeGroups,
  profilesFitNodes,
  oneDefaultProfile,
  uniqueProfileNames,
  distinctUserNames,
  profileAudience,
  githubAdmitsSomeone,
  oauthAppReachesCluster,
  userGroupsDefined,
  uniqueIds,
  guaranteesWithinLimits,
  uniqueEnvironmentNames,
  secretSources,
  daskEnvironments,
  commitStatusToken,
  nodeProvisioning,
  overridesHoldNoSecrets,
];

export function runRules(ctx: RuleContext): Finding[] {
  return RULES.flatMap((rule) => rule(ctx));
}
