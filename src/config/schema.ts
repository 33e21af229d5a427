// The one hand-written schema of qhub-config.yaml. The TypeScript types, the JSON Schema
// (`qhub schema`), the committed schema file and docs/config-reference.md all come from here.
// QHub 0.4's qhub-config.yaml is the reference for the QHub-compatible keys.
import * as z from "zod/mini";
import { en } from "zod/locales";
import { isBranchName, namesSomeKey } from "./refinements.js";

// zod/mini rather than classic zod: the same validation core, with functions instead of methods, so
// that the bundle holds only what QHub uses. Each schema is built in the order classic zod's chained
// calls built it (see `describe`), which keeps the JSON Schema byte for byte.

/** The schema version this QHub writes and reads. */
export const CURRENT_SCHEMA_VERSION = 1;

export const PROVIDERS = ["local", "existing", "aws", "gcp", "azure", "do"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The provider block that belongs to each provider. */
export const PROVIDER_BLOCKS = {
  aws: "amazon_web_services",
  gcp: "google_cloud_platform",
  azure: "azure",
  do: "digital_ocean",
  local: "local",
  existing: "existing",
} as const satisfies Record<Provider, string>;

export const NODE_GROUP_ROLES = ["general", "user", "worker"] as const;
export type NodeGroupRole = (typeof NODE_GROUP_ROLES)[number];

// Marks a secret reference; the validator turns any failure here into the "literal secret" message
// without ever echoing the value.
export const SECRET_REF_ERROR = "qhub:secret-ref";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]$/;
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
// Kubernetes resource quantity: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
export const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const STORAGE_SIZE = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)$/;
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
export const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const COLOR =
  /^(#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{4}|#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{8}|[a-z]+|(rgb|rgba|hsl|hsla)\([0-9., %]+\))$/;
// Instance type names of every cloud QHub knows (m5.xlarge, n2-standard-8, Standard_D4s_v3,
// s-4vcpu-8gb): also what keeps them from being Markdown in the rendered README.
const INSTANCE_TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const ENV_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;
const CONDA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A schema message with a hint, split by the validator at the first newline. */
const msg = (message: string, hint: string) => `${message}\n${hint}`;

/**
 * `schema` with a description in zod's global registry, where the JSON Schema generator and the
 * validator's hints read it. A schema described already is cloned first, so that one schema can be
 * described differently where it is used (a client secret, a password); a schema described for the
 * first time is registered as it is, because cloning each of the ~150 schemas built at start-up (a
 * run of zod's constructors each) was a noticeable part of every command's start.
 */
function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  const described = z.globalRegistry.has(schema) ? schema.clone() : schema;
  z.globalRegistry.add(described, { description });
  return described;
}

// zod/mini's `.check()` clones the schema it is called on with the checks added, so
// `z.string().check(a)` built two strings and `z.int().check(a).check(b)` three numbers. These
// build the checked schema at once: zod takes `checks` in a schema's definition, which is what
// its clones are made from. A sixth of the ~700 schemas built at every start were such copies.
const checkedString = (...checks: z.core.$ZodCheck<string>[]) => z.string({ checks });
const checkedNumber = (...checks: z.core.$ZodCheck<number>[]) => z.number({ checks });
const checkedInt = (...checks: z.core.$ZodCheck<number>[]) =>
  z.int({ checks } as unknown as z.core.$ZodCheckNumberFormatParams);

// z.strictObject makes a `never` for each object's unknown keys; one serves them all.
let noOtherKeys: z.ZodMiniNever | undefined;
const strictObject = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.object(shape, {
    catchall: (noOtherKeys ??= z.never()),
  } as z.core.$ZodObjectParams) as unknown as z.ZodMiniObject<S, z.core.$strict>;

/** A string of at least one character, and any further checks. */
const nonEmpty = (...more: z.core.$ZodCheck<string>[]) => checkedString(z.minLength(1), ...more);

const text = (description: string) => describe(nonEmpty(), description);

const envName = () =>
  checkedString(
    z.regex(
      ENV_NAME,
      msg(
        "is not a valid environment variable name",
        "use letters, digits and `_`, not starting with a digit, e.g. GITHUB_CLIENT_SECRET",
      ),
    ),
  );

/** A DNS label, and any further checks. */
const dnsLabel = (...more: z.core.$ZodCheck<string>[]) =>
  checkedString(
    z.regex(
      DNS_LABEL,
      msg(
        "must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit",
        "e.g. `dev` or `ds-team`",
      ),
    ),
    ...more,
  );

/** `{ fromEnv: NAME }` or `{ fromFile: PATH }`: where a secret's value comes from at render time. */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export const NODE_PROVISIONING = ["manual", "auto"] as const;
export const DEFAULT_BRANCH = "main";

/**
 * Builds the config's zod schemas. Called once, by `schemas()`, when something first needs them:
 * a valid config is read without them (fast-parse.ts), so the ~500 schema objects they are cost
 * only a config with a problem, and the commands that describe the schema.
 */
function buildSchemas() {
  // Mini sets no locale; the validator's messages build on classic zod's English.
  z.config(en());
  // One parse per run: compiling fast paths with new Function costs more than it saves.
  z.config({ jitless: true });

  const SecretRef = describe(
    z.union(
      [
        strictObject({
          fromEnv: describe(
            envName(),
            "Name of the environment variable that holds the value when QHub renders.",
          ),
        }),
        strictObject({
          fromFile: describe(
            nonEmpty(),
            "Path of a file that holds the value (relative to the config file); trailing newlines are dropped.",
          ),
        }),
      ],
      { error: () => SECRET_REF_ERROR },
    ),
    "A secret is never written in the config: give `{ fromEnv: NAME }` or `{ fromFile: PATH }` instead.",
  );

  const Quantity = (description: string) =>
    describe(
      z.union([
        checkedNumber(z.gte(0)),
        checkedString(
          z.regex(
            QUANTITY,
            msg(
              "is not a Kubernetes quantity",
              "write a number with an optional unit and no space, e.g. `8Gi`, `1500M` or `0.5`",
            ),
          ),
        ),
      ]),
      `${description} A Kubernetes quantity such as \`8G\`, \`8Gi\` or \`1500M\`.`,
    );

  const Cpu = (description: string) =>
    describe(checkedNumber(z.gt(0), z.lte(1024)), `${description} In cores; fractions allowed.`);

  const Certificate = describe(
    z.discriminatedUnion("type", [
      describe(
        strictObject({ type: z.literal("self-signed") }),
        "cert-manager issues a self-signed certificate (browsers will warn).",
      ),
      describe(
        strictObject({
          type: z.literal("lets-encrypt"),
          acme_email: describe(
            z.email(),
            "Contact address Let's Encrypt writes to about expiring certificates.",
          ),
          acme_server: describe(
            z._default(z.url({ protocol: /^https$/ }), "https://acme-v02.api.letsencrypt.org/directory"),
            "ACME directory URL; use the staging URL while testing.",
          ),
        }),
        "cert-manager obtains a certificate from Let's Encrypt (HTTP-01 through Traefik).",
      ),
      describe(
        strictObject({
          type: z.literal("existing"),
          secret_name: describe(
            dnsLabel(),
            "Name of a kubernetes.io/tls Secret, in the namespace, that you manage.",
          ),
        }),
        "Use a TLS Secret that already exists in the cluster.",
      ),
      describe(strictObject({ type: z.literal("disabled") }), "Serve plain HTTP (only behind your own TLS)."),
    ]),
    "How the ingress gets its TLS certificate.",
  );

  // Client IDs are not secret, but may come from the environment like secrets do.
  const ClientId = z.union([
    nonEmpty(),
    strictObject({
      fromEnv: describe(envName(), "Environment variable that holds it."),
    }),
  ]);

  const GitHubAuth = describe(
    strictObject({
      type: z.literal("GitHub"),
      config: strictObject({
        client_id: describe(ClientId, "OAuth app client ID, written as is or as `{ fromEnv: NAME }`."),
        client_secret: describe(SecretRef, "OAuth app client secret, as `{ fromEnv: NAME }`."),
        allowed_organizations: describe(
          z.optional(z.array(nonEmpty())),
          "GitHub organisations (or `org:team`) whose members may log in, besides `security.users`; name some, or list users.",
        ),
      }),
    }),
    "Log in with GitHub OAuth; the callback URL is https://DOMAIN/hub/oauth_callback.",
  );

  const Auth0Auth = describe(
    strictObject({
      type: z.literal("Auth0"),
      config: strictObject({
        client_id: describe(
          ClientId,
          "Auth0 application client ID, written as is or as `{ fromEnv: NAME }`.",
        ),
        client_secret: describe(SecretRef, "Auth0 application client secret, as `{ fromEnv: NAME }`."),
        auth0_subdomain: describe(
          checkedString(
            z.regex(
              /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)?$/,
              msg(
                "is not an Auth0 tenant subdomain",
                "write TENANT for TENANT.auth0.com, or TENANT.eu for TENANT.eu.auth0.com",
              ),
            ),
          ),
          "Tenant subdomain: `acme` for acme.auth0.com, `acme.eu` for acme.eu.auth0.com.",
        ),
        groups_claim: describe(
          z._default(nonEmpty(), "groups"),
          "Claim of the user's Auth0 profile (userinfo) that lists their groups, e.g. one an Auth0 Action sets; they add to the groups security.users declares.",
        ),
      }),
    }),
    "Log in through an Auth0 tenant. With no `security.users`, everyone the tenant authenticates may log in; with users listed, only they.",
  );

  const PasswordAuth = describe(
    strictObject({ type: z.literal("password") }),
    "Users log in with the passwords given in `security.users`.",
  );

  const User = describe(
    strictObject({
      uid: describe(
        z.optional(checkedInt(z.gte(1000), z.lte(2147483647))),
        "Numeric user ID on shared storage.",
      ),
      primary_group: describe(z.optional(nonEmpty()), "Group the user's files belong to."),
      secondary_groups: describe(z.optional(z.array(nonEmpty())), "Further groups of the user."),
      password: describe(
        z.optional(SecretRef),
        "Password for `password` authentication, as `{ fromEnv: NAME }` or `{ fromFile: PATH }`.",
      ),
    }),
    "A user; members of the group `admin` are JupyterHub admins.",
  );

  const Group = describe(
    strictObject({
      gid: describe(z.optional(checkedInt(z.gte(100), z.lte(2147483647))), "Numeric group ID."),
    }),
    "A group; each has a shared folder, and `admin` members administer JupyterHub.",
  );

  const Security = describe(
    strictObject({
      authentication: describe(
        z._default(z.discriminatedUnion("type", [PasswordAuth, GitHubAuth, Auth0Auth]), { type: "password" }),
        "How users log in to JupyterHub.",
      ),
      users: describe(
        z.optional(
          z.record(
            checkedString(
              z.regex(
                /^[A-Za-z0-9._@-]+$/,
                msg("is not a valid user name", "use letters, digits, `.`, `_`, `@` and `-`"),
              ),
            ),
            z.nullable(User),
          ),
        ),
        "Users allowed to log in, by login name (QHub 0.3 format).",
      ),
      groups: describe(
        z.optional(
          z.record(
            checkedString(
              z.regex(
                /^[A-Za-z0-9._-]+$/,
                msg("is not a valid group name", "use letters, digits, `.`, `_` and `-`"),
              ),
            ),
            z.nullable(Group),
          ),
        ),
        "Groups, by name; a shared folder is created for each.",
      ),
    }),
    "Authentication, users and groups.",
  );

  const image = () =>
    checkedString(
      z.regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      ),
    );

  /** A node group's name: the pool's name in the cloud (GKE and DOKS pools, EKS node groups). */
  const NodeGroupName = describe(
    dnsLabel(z.maxLength(40)),
    "Name of a node group of the cluster's provider block.",
  );

  const KubeSpawnerOverride = describe(
    z.looseObject({
      cpu_limit: z.optional(Cpu("Most CPU the server may use.")),
      cpu_guarantee: z.optional(Cpu("CPU reserved for the server.")),
      mem_limit: z.optional(Quantity("Most memory the server may use.")),
      mem_guarantee: z.optional(Quantity("Memory reserved for the server.")),
      image: describe(z.optional(image()), "Container image for this profile."),
    }),
    "KubeSpawner settings for this profile; other KubeSpawner traits pass through as written.",
  );

  const JupyterLabProfile = describe(
    strictObject({
      display_name: text("Name shown in the profile list; unique."),
      description: describe(z._default(z.string(), ""), "One line shown under the name."),
      default: describe(z._default(z.boolean(), false), "Preselected profile; at most one."),
      users: describe(z.optional(z.array(nonEmpty())), "Only these users see the profile."),
      groups: describe(
        z.optional(z.array(nonEmpty())),
        "Only members of these groups see the profile: groups of `security.groups` or, with GitHub or Auth0 logins, the provider's (a GitHub team as `org:team`, or by its slug for the allowed organisations).",
      ),
      node_group: describe(
        z.optional(NodeGroupName),
        "Node group the servers run on (default `user`); QHub 0.4's `kubespawner_override.node_selector` naming a group's pool is honoured.",
      ),
      kubespawner_override: z.optional(KubeSpawnerOverride),
      profile_options: describe(
        z.optional(z.record(nonEmpty(), z.looseObject({}))),
        "KubeSpawner's profile options, by name, as written (`display_name`, `choices` each with its `kubespawner_override`, `unlisted_choice`): choices offered under the profile, such as an image or a size.",
      ),
    }),
    "A JupyterLab server size users can choose.",
  );

  const DaskWorkerProfile = describe(
    strictObject({
      worker_cores: Cpu("CPU reserved for each worker."),
      worker_cores_limit: Cpu("Most CPU each worker may use."),
      worker_memory: Quantity("Memory reserved for each worker."),
      worker_memory_limit: Quantity("Most memory each worker may use."),
      worker_threads: describe(
        z.optional(checkedInt(z.gte(1), z.lte(256))),
        "Threads per worker; defaults to its cores.",
      ),
      image: describe(z.optional(image()), "Container image for workers of this profile."),
      node_group: describe(z.optional(NodeGroupName), "Node group the workers run on (default `worker`)."),
      worker_gpus: describe(
        z.optional(checkedInt(z.gte(1), z.lte(16))),
        "GPUs per worker on a GPU group; default 1.",
      ),
    }),
    "A Dask worker size users can pick as a cluster option.",
  );

  const CondaDependency = z.union([
    nonEmpty(),
    strictObject({ pip: describe(z.array(nonEmpty()), "Packages installed with pip.") }),
  ]);

  const CondaEnvironment = describe(
    strictObject({
      name: describe(
        checkedString(
          z.regex(
            CONDA_NAME,
            msg("is not a valid conda environment name", "use letters, digits, `.`, `_` and `-`"),
          ),
        ),
        "Environment name; unique across files.",
      ),
      channels: describe(z.optional(z.array(nonEmpty())), "Conda channels, in priority order."),
      dependencies: describe(
        z.array(CondaDependency).check(z.minLength(1)),
        "Conda package specs, and optionally one `pip:` list.",
      ),
    }),
    "A conda environment spec (environment.yml format) that conda-store builds.",
  );

  const labelKey = () =>
    checkedString(
      z.regex(
        LABEL_KEY,
        msg(
          "is not a Kubernetes label key",
          "write an optional DNS prefix and `/`, then letters, digits, `-`, `_` and `.`, e.g. `kubernetes.io/os`",
        ),
      ),
    );

  const labelValue = () =>
    checkedString(
      z.regex(
        LABEL_VALUE,
        msg(
          "is not a Kubernetes label value",
          "write at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit, e.g. `linux`",
        ),
      ),
    );

  const Labels = describe(z.record(labelKey(), labelValue()), "Node labels, by key.");

  const Taint = describe(
    strictObject({
      key: describe(labelKey(), "Taint key, e.g. `nvidia.com/gpu`."),
      value: describe(z.optional(labelValue()), "Taint value; none tolerates any value."),
      effect: describe(z.enum(TAINT_EFFECTS), "What the taint keeps off the nodes."),
    }),
    "A taint the nodes carry; pods QHub places on the group tolerate it.",
  );

  const Taints = describe(
    z.array(Taint),
    "Taints the nodes carry (the team creates the pool with them); pods placed on the group tolerate them. A GPU group without any gets `nvidia.com/gpu=present:NoSchedule`, the taint GKE puts on GPU pools.",
  );

  const GuestAccelerator = describe(
    strictObject({
      name: describe(nonEmpty(), "Accelerator type, e.g. `nvidia-tesla-t4` (GKE's name)."),
      count: describe(checkedInt(z.gte(1), z.lte(16)), "Accelerators per node."),
    }),
    "GPUs attached to each node (QHub 0.4's GCP key).",
  );

  const NodeGroup = describe(
    strictObject({
      instance: describe(
        checkedString(
          z.regex(
            INSTANCE_TYPE,
            msg(
              "is not an instance type name",
              "write the cloud's name for it, such as `m5.xlarge`, `n2-standard-8`, `Standard_D4s_v3` or `s-4vcpu-8gb`",
            ),
          ),
        ),
        "Instance type of the nodes.",
      ),
      min_nodes: describe(checkedInt(z.gte(0), z.lte(1000)), "Fewest nodes."),
      max_nodes: describe(checkedInt(z.gte(1), z.lte(1000)), "Most nodes."),
      gpu: describe(
        z._default(z.boolean(), false),
        "Whether the nodes have NVIDIA GPUs: pods placed here request `nvidia.com/gpu` and tolerate the group's taints.",
      ),
      guest_accelerators: describe(
        z.optional(z.array(GuestAccelerator)),
        "GPUs attached to each node (GCP).",
      ),
      spot: describe(
        z.optional(z.boolean()),
        "Spot (preemptible) nodes; informational, prices shown are on-demand.",
      ),
      labels: describe(z.optional(Labels), "Further labels the team gives the nodes."),
      taints: z.optional(Taints),
    }),
    "A node pool; QHub places pods on it through the cloud's node-pool label.",
  );

  const NodeGroups = describe(
    z.record(NodeGroupName, NodeGroup),
    "Node pools by name. `general` (hub, ingress, conda-store), `user` (JupyterLab servers) and `worker` (Dask) are the roles' pools (missing roles take the provider's defaults); profiles choose any group with `node_group`.",
  );

  const dollarsPer = (what: string) => describe(z.optional(checkedNumber(z.gte(0))), what);

  /** Prices a team pays, over QHub's table (src/config/prices.ts), in US dollars. */
  const Prices = describe(
    strictObject({
      instances: describe(
        z.optional(z.record(checkedString(z.regex(INSTANCE_TYPE)), checkedNumber(z.gte(0)))),
        "US dollars per node per month, by instance type.",
      ),
      load_balancer: dollarsPer("US dollars per month for the ingress's load balancer."),
      block_storage: dollarsPer("US dollars per GiB-month of block storage."),
      shared_storage: dollarsPer(
        "US dollars per GiB-month of the shared file service (`storage.type: cloud`).",
      ),
    }),
    "Prices for the costs the rendered README and pull requests show, where yours differ from QHub's dated on-demand table (negotiated rates, another region).",
  );

  const kubernetesVersion = describe(
    z.optional(
      checkedString(
        z.regex(
          /^1\.[0-9]{1,2}(\.[0-9]+)?$/,
          msg("is not a Kubernetes version", 'write it as a quoted string such as "1.33"'),
        ),
      ),
    ),
    "Kubernetes version of the cluster (informational: QHub does not create clusters).",
  );

  const region = (fallback: string) => describe(z._default(nonEmpty(), fallback), "Cloud region.");

  const nodeProvisioning = describe(
    z._default(z.enum(NODE_PROVISIONING), "manual"),
    "Who makes the nodes. `manual` (default): the team creates the node pools (the rendered README lists their sizes). `auto`: the repository declares them, one per node group, for the cloud's node autoscaler (aws: Karpenter NodePool + EC2NodeClass; gcp: GKE ComputeClass with node-pool auto-creation; azure: AKS node auto-provisioning, NodePool + AKSNodeClass), in their own layer before the platform; JupyterHub then packs users onto the fewest nodes (user scheduler) and keeps warm room (`user_placeholders`). Only on aws, gcp and azure.",
  );

  const userPlaceholders = describe(
    z.optional(checkedInt(z.gte(0), z.lte(100))),
    "With `node_provisioning: auto`: how many users' worth of room JupyterHub keeps free on the `user` group (z2jh user placeholders, each the size of the default profile's guarantee, evicted first when a real server needs the room), so a spawn does not wait for a new node. Default 1; 0 turns them off.",
  );

  // The settings AWS and Google Cloud share, in the order their blocks list them.
  const zonedCloud = () => ({
    availability_zones: describe(z.optional(z.array(nonEmpty())), "Zones to use."),
    kubernetes_version: kubernetesVersion,
    node_groups: z.optional(NodeGroups),
    node_provisioning: nodeProvisioning,
    user_placeholders: userPlaceholders,
    prices: z.optional(Prices),
  });

  const AmazonWebServices = strictObject({
    region: region("us-west-2"),
    ...zonedCloud(),
    efs_file_system_id: describe(
      z.optional(
        checkedString(
          z.regex(
            /^fs-[0-9a-f]{8,40}$/,
            msg("is not an EFS file system ID", "EFS file system IDs look like fs-0123456789abcdef0"),
          ),
        ),
      ),
      "EFS file system behind `storage.type: cloud` (QHub creates an access point per claim on it).",
    ),
  });

  const GoogleCloudPlatform = strictObject({
    project: describe(
      checkedString(
        z.regex(
          /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
          msg(
            "is not a Google Cloud project ID",
            "project IDs are 6 to 30 lowercase letters, digits and `-`, starting with a letter",
          ),
        ),
      ),
      "Google Cloud project ID.",
    ),
    region: region("us-central1"),
    ...zonedCloud(),
  });

  const Azure = strictObject({
    region: region("Central US"),
    kubernetes_version: kubernetesVersion,
    node_groups: z.optional(NodeGroups),
    node_provisioning: nodeProvisioning,
    user_placeholders: userPlaceholders,
    prices: z.optional(Prices),
  });

  const DigitalOcean = strictObject({
    region: region("nyc3"),
    kubernetes_version: kubernetesVersion,
    node_groups: z.optional(NodeGroups),
    node_provisioning: nodeProvisioning,
    prices: z.optional(Prices),
  });

  const NodeSelector = describe(
    strictObject({
      key: describe(labelKey(), "Node label key."),
      value: describe(labelValue(), "Node label value."),
    }),
    "The node label that selects this role's nodes.",
  );

  const SelfManagedNodeGroup = describe(
    strictObject({
      labels: describe(
        z
          .record(labelKey(), labelValue())
          .check(
            z.refine(
              namesSomeKey,
              msg("names no label", "give the labels the group's nodes carry, e.g. `{ pool: gpu }`"),
            ),
          ),
        "The labels the group's nodes carry; pods placed on the group select them.",
      ),
      gpu: describe(
        z._default(z.boolean(), false),
        "Whether the nodes have NVIDIA GPUs (the cluster runs NVIDIA's device plugin).",
      ),
      taints: z.optional(Taints),
    }),
    "A group of your nodes, by their labels.",
  );

  const NodeSelectors = strictObject({
    general: z.optional(NodeSelector),
    user: z.optional(NodeSelector),
    worker: z.optional(NodeSelector),
  });

  const SelfManaged = (what: string) =>
    strictObject({
      kube_context: describe(z.optional(nonEmpty()), `kubectl context of the ${what} cluster.`),
      node_provisioning: nodeProvisioning,
      node_selectors: describe(
        z.optional(NodeSelectors),
        "Node labels that place pods by role; default `kubernetes.io/os: linux` for all.",
      ),
      node_groups: describe(
        z.optional(z.record(NodeGroupName, SelfManagedNodeGroup)),
        "Groups of nodes by name, each a set of node labels; profiles choose one with `node_group`. A role's group (`general`, `user`, `worker`) here replaces its `node_selectors` entry.",
      ),
    });

  const DefaultImages = describe(
    strictObject({
      jupyterhub: describe(z.optional(image()), "JupyterHub hub image."),
      jupyterlab: describe(z.optional(image()), "Default JupyterLab user image."),
      dask_worker: describe(z.optional(image()), "Default Dask scheduler and worker image."),
    }),
    "Container images used where a profile names none.",
  );

  const storageSize = () =>
    checkedString(
      z.regex(
        STORAGE_SIZE,
        msg("must be a storage size with a unit, such as 100Gi", "use Ki, Mi, Gi, Ti (or k, M, G, T)"),
      ),
    );

  const Storage = describe(
    strictObject({
      type: describe(
        z._default(z.enum(["nfs", "cloud"]), "nfs"),
        "`nfs`: an in-cluster NFS server on the cloud's block storage; `cloud`: the cloud's RWX service (EFS, Filestore, Azure Files).",
      ),
      conda_store: describe(z._default(storageSize(), "60Gi"), "Size of the conda environments volume."),
      shared_filesystem: describe(
        z._default(storageSize(), "100Gi"),
        "Size of the home directories and shared folders volume.",
      ),
      storage_class: describe(
        z.optional(
          checkedString(
            z.regex(
              /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
              msg("is not a StorageClass name", "`kubectl get storageclass` lists the cluster's classes"),
            ),
          ),
        ),
        "StorageClass of the cluster's block storage, for the NFS server's disk and the hub's database: needed with provider `existing`; `local` defaults to `standard` (kind, minikube; k3d: `local-path`). Clouds use QHub's own `qhub-block`.",
      ),
    }),
    "Shared storage for home directories, shared folders and conda environments.",
  );

  // Prometheus's duration (prometheus-operator's `Duration` pattern without its bare `0`).
  const PROMETHEUS_DURATION =
    /^(?=[0-9])(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;

  const Monitoring = describe(
    strictObject({
      enabled: describe(
        z._default(z.boolean(), false),
        "Prometheus (operator stack), Grafana with the platform's dashboards, and alerting rules (QHub 0.4's key).",
      ),
      retention: describe(
        z._default(
          checkedString(
            z.regex(
              PROMETHEUS_DURATION,
              msg(
                "must be a Prometheus duration such as 15d",
                "use y, w, d, h, m, s or ms, e.g. `30d` or `1w`",
              ),
            ),
          ),
          "15d",
        ),
        "How long Prometheus keeps metrics.",
      ),
      storage_size: describe(
        z._default(storageSize(), "50Gi"),
        "Size of Prometheus's volume, on the cluster's block StorageClass.",
      ),
    }),
    "Platform monitoring: metrics, dashboards and alerts.",
  );

  const color = () =>
    z.optional(checkedString(z.regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))));

  const JupyterHubTheme = describe(
    z.looseObject({
      hub_title: describe(z.optional(z.string()), "Title on the hub's pages."),
      hub_subtitle: describe(z.optional(z.string()), "Subtitle on the hub's pages."),
      welcome: describe(z.optional(z.string()), "Welcome text on the login page (HTML allowed)."),
      logo: describe(z.optional(z.url()), "URL of the logo image."),
      primary_color: color(),
      secondary_color: color(),
      accent_color: color(),
      text_color: color(),
      h1_color: color(),
      h2_color: color(),
      navbar_text_color: color(),
      navbar_hover_color: color(),
      navbar_color: color(),
    }),
    "JupyterHub page theme; further template variables pass through.",
  );

  const secondsInt = () => checkedInt(z.gte(0), z.lte(31536000));
  const seconds = (fallback: number, description: string) =>
    describe(z._default(secondsInt(), fallback), description);
  const someSeconds = (description: string) => describe(z.optional(secondsInt()), description);

  const Culling = describe(
    strictObject({
      server_idle_timeout: seconds(
        3600,
        "Seconds without activity after which the hub stops a user's server (z2jh `cull.timeout`); 0 never stops idle servers.",
      ),
      server_check_interval: seconds(
        600,
        "Seconds between the hub's checks for idle servers (z2jh `cull.every`).",
      ),
      kernel_idle_timeout: someSeconds(
        "Seconds after which the user's server shuts down an idle kernel (jupyter-server's `MappingKernelManager.cull_idle_timeout`); unset or 0: kernels are not culled.",
      ),
      kernel_check_interval: someSeconds(
        "Seconds between the server's checks for idle kernels (`MappingKernelManager.cull_interval`; jupyter-server's default 300).",
      ),
      kernel_cull_connected: describe(
        z.optional(z.boolean()),
        "Also cull idle kernels a browser tab is still connected to (`MappingKernelManager.cull_connected`).",
      ),
      kernel_cull_busy: describe(
        z.optional(z.boolean()),
        "Also cull kernels that are busy (`MappingKernelManager.cull_busy`).",
      ),
      terminal_idle_timeout: someSeconds(
        "Seconds after which the user's server closes an inactive terminal (`TerminalManager.cull_inactive_timeout`); unset or 0: terminals are not culled.",
      ),
      terminal_check_interval: someSeconds(
        "Seconds between the server's checks for inactive terminals (`TerminalManager.cull_interval`; jupyter-server's default 300).",
      ),
    }),
    "Idle culling: the hub stops idle servers; each server shuts idle kernels and terminals down.",
  );

  const JupyterHub = describe(
    strictObject({
      culling: z._default(Culling, { server_idle_timeout: 3600, server_check_interval: 600 }),
      overrides: describe(
        z.optional(z.record(nonEmpty(), z.unknown())),
        "Values for the JupyterHub chart (z2jh 4.4.0), deep-merged over the values QHub writes (maps merge, lists and scalars replace) and checked against the chart's values schema. An escape hatch, as in QHub 0.4 and Nebari: it is written to the repository as is, so it must hold no secret.",
      ),
    }),
    "JupyterHub settings beyond logins, profiles and theme.",
  );

  /** Everything a cluster may override; also the top-level settings. */
  const settings = {
    namespace: describe(
      z._default(dnsLabel(z.maxLength(63)), "dev"),
      "Kubernetes namespace of the platform. Identity field: changing it moves everything.",
    ),
    provider: describe(
      z.enum(PROVIDERS),
      "Where the cluster runs. Identity field: changing it rebuilds the platform.",
    ),
    domain: describe(
      checkedString(
        z.regex(
          HOSTNAME,
          msg(
            "must be a host name such as hub.example.com, without scheme, port or path",
            "write only the host name, e.g. `hub.example.com` instead of `https://hub.example.com/`",
          ),
        ),
      ),
      "Host name users reach JupyterHub at, without scheme or path.",
    ),
    certificate: z._default(Certificate, { type: "self-signed" }),
    security: z._default(Security, { authentication: { type: "password" } }),
    default_images: z.optional(DefaultImages),
    storage: z._default(Storage, { type: "nfs", conda_store: "60Gi", shared_filesystem: "100Gi" }),
    monitoring: z._default(Monitoring, { enabled: false, retention: "15d", storage_size: "50Gi" }),
    jupyterhub: z._default(JupyterHub, {
      culling: { server_idle_timeout: 3600, server_check_interval: 600 },
    }),
    theme: describe(
      z.optional(strictObject({ jupyterhub: z.optional(JupyterHubTheme) })),
      "Look of the hub.",
    ),
    profiles: describe(
      z.optional(
        strictObject({
          jupyterlab: describe(
            z.optional(z.array(JupyterLabProfile).check(z.minLength(1))),
            "Server sizes; default Small (2 CPU / 8G) and Medium (4 CPU / 16G).",
          ),
          dask_worker: describe(
            z.optional(
              z.record(
                // A name that is a plain number would lose its place: the first listed is the default.
                nonEmpty(
                  z.regex(
                    /^(?![0-9]+$)/,
                    msg("must not be a plain number", "name worker sizes with words, e.g. `Worker 10`"),
                  ),
                ),
                DaskWorkerProfile,
              ),
            ),
            "Dask worker sizes by name, in the order offered; the first listed is the default. Default Small Worker and Medium Worker.",
          ),
        }),
      ),
      "What users can choose when they start a server or a Dask cluster.",
    ),
    environments: describe(
      z.optional(
        z.record(
          checkedString(
            z.regex(
              ENV_FILE,
              msg("must be a file name ending in .yaml or .yml", "e.g. `environment-ml.yaml`"),
            ),
          ),
          CondaEnvironment,
        ),
      ),
      "Conda environments by file name, added to (or replacing, by file name) the defaults shipped with QHub.",
    ),
    amazon_web_services: describe(z.optional(AmazonWebServices), "Settings for provider `aws`."),
    google_cloud_platform: describe(z.optional(GoogleCloudPlatform), "Settings for provider `gcp`."),
    azure: describe(z.optional(Azure), "Settings for provider `azure`."),
    digital_ocean: describe(z.optional(DigitalOcean), "Settings for provider `do`."),
    local: describe(z.optional(SelfManaged("local")), "Settings for provider `local` (kind, minikube, k3d)."),
    existing: describe(
      z.optional(SelfManaged("existing")),
      "Settings for provider `existing` (any cluster).",
    ),
    secrets: describe(
      z.optional(
        strictObject({
          sops: describe(
            strictObject({
              age_recipients: describe(
                z
                  .array(
                    checkedString(
                      z.regex(
                        AGE_RECIPIENT,
                        msg(
                          "is not an age public key",
                          "age public keys start with `age1` and are 62 characters long; `age-keygen -y KEYFILE` prints yours",
                        ),
                      ),
                    ),
                  )
                  .check(z.minLength(1)),
                "age public keys (age1…) every Secret is encrypted for; Flux holds a matching identity.",
              ),
            }),
            "SOPS settings.",
          ),
        }),
      ),
      "How QHub encrypts the Secrets it writes (SOPS with age).",
    ),
  };

  const ClusterName = dnsLabel(z.maxLength(40));

  // A cluster's overrides: any top-level setting, deep-merged over the top level (maps merge, lists
  // and scalars replace). `project_name` stays shared; the cluster's name is its identity.
  const ClusterOverrides = describe(
    strictObject(
      Object.fromEntries(Object.entries(settings).map(([key, schema]) => [key, z.optional(schema)])) as {
        [K in keyof typeof settings]: z.ZodMiniOptional<(typeof settings)[K]>;
      },
    ),
    "Settings for this cluster, deep-merged over the top-level ones.",
  );

  /** gitops.branch when unset, also when the whole gitops block is (it is optional: no repository yet). */

  const Gitops = describe(
    strictObject({
      repository: describe(
        checkedString(
          z.regex(
            REPOSITORY,
            msg(
              "must be a GitHub repository as OWNER/NAME",
              "e.g. `acme/ds-platform`, without https://github.com/",
            ),
          ),
        ),
        "GitHub repository, OWNER/NAME, that holds the rendered tree and receives pull requests.",
      ),
      branch: describe(
        z._default(
          checkedString(
            z.regex(/^[A-Za-z0-9._/-]+$/, msg("is not a valid branch name", "e.g. `main`")),
            z.refine(
              isBranchName,
              msg(
                "is not a branch name git accepts",
                "e.g. `main`: not `HEAD`, not a full ref such as `refs/heads/main`, no `..`, no part starting with `.` or ending in `.lock`, no leading `-` or `/`",
              ),
            ),
          ),
          DEFAULT_BRANCH,
        ),
        "Branch Flux syncs from and pull requests target.",
      ),
      readme: describe(
        z.optional(
          checkedString(
            z.regex(
              /^(?!.*\.\.)(?!(?:clusters|cluster-overlays|blueprints|overlays|environments)\/)(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\.md$/,
              msg(
                "must be a Markdown file's path inside the repository",
                "e.g. `QHUB.md` or `docs/platform.md`",
              ),
            ),
          ),
        ),
        "Where QHub writes the rendered repository's guide. Unset: `README.md`, or `QHUB.md` when the repository has a README.md that QHub did not write (GitHub's 'Add a README' makes one); QHub never overwrites files it did not write, and keeps the name it chose on later runs.",
      ),
      qhub_package: describe(
        z.optional(
          checkedString(
            z.regex(
              /^[A-Za-z0-9@/._:+~#%=-]+$/,
              msg(
                "must be an npm package spec without spaces or shell characters",
                "e.g. `qhub@0.1.0`, `@acme/qhub@0.1.0` or a tarball's https URL",
              ),
            ),
          ),
        ),
        "The npm package the rendered workflows install QHub from (`npm install --global`). Unset: `qhub@` the version that rendered the tree, so checks in CI run the same QHub.",
      ),
      npm_registry: describe(
        z.optional(
          checkedString(
            z.regex(
              /^https?:\/\/[A-Za-z0-9._~:/%@+-]+$/,
              msg("must be an http(s) URL of an npm registry", "e.g. `https://npm.acme.example/`"),
            ),
          ),
        ),
        "The npm registry the rendered workflows install from, for teams that mirror npm. Unset: npm's default.",
      ),
      pr_workflow: describe(
        z._default(z.boolean(), false),
        "Also render `.github/workflows/qhub-pr.yaml`: `qhub pr` runs in GitHub Actions whenever qhub-config.yaml changes on `branch`. It needs the repository secrets the rendered README lists.",
      ),
      commit_status: describe(
        z.optional(
          strictObject({
            enabled: describe(
              z._default(z.boolean(), true),
              "`false`: the clusters report nothing to the repository's commits (and `qhub validate` stops warning).",
            ),
            token: describe(
              z.optional(SecretRef),
              "A GitHub token that may set commit statuses of `repository` (fine-grained: Commit statuses read/write; classic: `repo:status`), as `{ fromEnv: NAME }`. Sealed for the clusters' Flux; never the token `qhub pr` uses.",
            ),
          }),
        ),
        "Each cluster's Flux reports to every commit it applies, as a commit status per cluster and layer (`qhub/<cluster>/qhub-<layer>`): applied and healthy, or why not. Needs `repository` and `token`; without a token nothing is reported and `qhub validate` warns.",
      ),
      clusters: describe(
        z.optional(z.record(ClusterName, z.nullable(ClusterOverrides))),
        "Clusters by name (identity field). Absent: one cluster named after `project_name`.",
      ),
    }),
    "Where the rendered repository lives and which clusters it drives.",
  );

  const QhubConfig = describe(
    strictObject({
      qhub_version: describe(
        z._default(z.literal(CURRENT_SCHEMA_VERSION), CURRENT_SCHEMA_VERSION),
        "Schema version of this file; `qhub upgrade` migrates older files.",
      ),
      project_name: describe(
        checkedString(
          z.regex(
            PROJECT_NAME,
            msg(
              "must be letters, digits, `-` and `_`, start with a letter and end with a letter or digit, at least 2 characters",
              "e.g. `ds-team`",
            ),
          ),
        ),
        "Name of the platform: letters, digits, `-` and `_`, starting with a letter. Identity field.",
      ),
      gitops: z.optional(Gitops),
      ...settings,
    }),
    "qhub-config.yaml: one file that compiles into a GitOps repository for JupyterHub + Dask.",
  );

  // With clusters, `provider` and `domain` may be set per cluster instead of at the top.
  const QhubConfigWithClusters = z.partial(QhubConfig, { provider: true, domain: true });

  return {
    SecretRef,
    NodeGroupName,
    CondaEnvironment,
    QhubConfig,
    QhubConfigWithClusters,
    Certificate,
    Security,
    JupyterLabProfile,
    DaskWorkerProfile,
    NodeGroup,
    Taint,
    Culling,
    Prices,
    SelfManagedNodeGroup,
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;

/** The config's zod schemas, built on first use. */
export function schemas(): Schemas {
  return (built ??= buildSchemas());
}

export type SecretRef = z.output<Schemas["SecretRef"]>;
export type CondaEnvironment = z.output<Schemas["CondaEnvironment"]>;
export type NodeProvisioning = (typeof NODE_PROVISIONING)[number];
/** The config as the user wrote it. */
export type WrittenConfig = z.input<Schemas["QhubConfig"]>;
/** The config after schema defaults, before provider defaults and cluster merging. */
export type ParsedConfig = z.output<Schemas["QhubConfig"]>;
export type ParsedSettings = Omit<ParsedConfig, "qhub_version" | "project_name" | "gitops">;
export type Certificate = z.output<Schemas["Certificate"]>;
export type Authentication = z.output<Schemas["Security"]>["authentication"];
export type JupyterLabProfile = z.output<Schemas["JupyterLabProfile"]>;
export type DaskWorkerProfile = z.output<Schemas["DaskWorkerProfile"]>;
export type NodeGroup = z.output<Schemas["NodeGroup"]>;
export type Taint = z.output<Schemas["Taint"]>;
export type Culling = z.output<Schemas["Culling"]>;
export type Prices = z.output<Schemas["Prices"]>;
export type SelfManagedNodeGroup = z.output<Schemas["SelfManagedNodeGroup"]>;
