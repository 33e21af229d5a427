// The one hand-written schema of qhub-config.yaml. The TypeScript types, the JSON Schema
// (`qhub schema`), the committed schema file and docs/config-reference.md all come from here.
// QHub 0.4's qhub-config.yaml is the reference for the QHub-compatible keys.
import * as z from "zod";

// One parse per run: compiling fast paths with new Function costs more than it saves.
z.config({ jitless: true });

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
const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]$/;
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
// Kubernetes resource quantity: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
export const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const STORAGE_SIZE = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)$/;
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const COLOR =
  /^(#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{4}|#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{8}|[a-z]+|(rgb|rgba|hsl|hsla)\([0-9., %]+\))$/;
const ENV_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;
const CONDA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A schema message with a hint, split by the validator at the first newline. */
const msg = (message: string, hint: string) => `${message}\n${hint}`;

const text = (description: string) => z.string().min(1).describe(description);

/** `{ fromEnv: NAME }` or `{ fromFile: PATH }`: where a secret's value comes from at render time. */
export const SecretRef = z
  .union(
    [
      z.strictObject({
        fromEnv: z
          .string()
          .regex(
            ENV_NAME,
            msg(
              "is not a valid environment variable name",
              "use letters, digits and `_`, not starting with a digit, e.g. GITHUB_CLIENT_SECRET",
            ),
          )
          .describe("Name of the environment variable that holds the value when QHub renders."),
      }),
      z.strictObject({
        fromFile: z
          .string()
          .min(1)
          .describe(
            "Path of a file that holds the value (relative to the config file); trailing newlines are dropped.",
          ),
      }),
    ],
    { error: () => SECRET_REF_ERROR },
  )
  .describe(
    "A secret is never written in the config: give `{ fromEnv: NAME }` or `{ fromFile: PATH }` instead.",
  );
export type SecretRef = z.output<typeof SecretRef>;

const Quantity = (description: string) =>
  z
    .union([z.number().nonnegative(), z.string().regex(QUANTITY)])
    .describe(`${description} A Kubernetes quantity such as \`8G\`, \`8Gi\` or \`1500M\`.`);

const Cpu = (description: string) =>
  z.number().positive().max(1024).describe(`${description} In cores; fractions allowed.`);

const Certificate = z
  .discriminatedUnion("type", [
    z
      .strictObject({ type: z.literal("self-signed") })
      .describe("cert-manager issues a self-signed certificate (browsers will warn)."),
    z
      .strictObject({
        type: z.literal("lets-encrypt"),
        acme_email: z
          .email()
          .describe("Contact address Let's Encrypt writes to about expiring certificates."),
        acme_server: z
          .url({ protocol: /^https$/ })
          .default("https://acme-v02.api.letsencrypt.org/directory")
          .describe("ACME directory URL; use the staging URL while testing."),
      })
      .describe("cert-manager obtains a certificate from Let's Encrypt (HTTP-01 through Traefik)."),
    z
      .strictObject({
        type: z.literal("existing"),
        secret_name: z
          .string()
          .regex(
            DNS_LABEL,
            msg(
              "must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit",
              "e.g. `dev` or `ds-team`",
            ),
          )
          .describe("Name of a kubernetes.io/tls Secret, in the namespace, that you manage."),
      })
      .describe("Use a TLS Secret that already exists in the cluster."),
    z.strictObject({ type: z.literal("disabled") }).describe("Serve plain HTTP (only behind your own TLS)."),
  ])
  .describe("How the ingress gets its TLS certificate.");

// Client IDs are not secret, but may come from the environment like secrets do.
const ClientId = z.union([
  z.string().min(1),
  z.strictObject({
    fromEnv: z
      .string()
      .regex(
        ENV_NAME,
        msg(
          "is not a valid environment variable name",
          "use letters, digits and `_`, not starting with a digit, e.g. GITHUB_CLIENT_SECRET",
        ),
      )
      .describe("Environment variable that holds it."),
  }),
]);

const GitHubAuth = z
  .strictObject({
    type: z.literal("GitHub"),
    config: z.strictObject({
      client_id: ClientId.describe("OAuth app client ID, written as is or as `{ fromEnv: NAME }`."),
      client_secret: SecretRef.describe("OAuth app client secret, as `{ fromEnv: NAME }`."),
      allowed_organizations: z
        .array(z.string().min(1))
        .optional()
        .describe("GitHub organisations (or `org:team`) whose members may log in."),
    }),
  })
  .describe("Log in with GitHub OAuth; the callback URL is https://DOMAIN/hub/oauth_callback.");

const Auth0Auth = z
  .strictObject({
    type: z.literal("Auth0"),
    config: z.strictObject({
      client_id: ClientId.describe("Auth0 application client ID, written as is or as `{ fromEnv: NAME }`."),
      client_secret: SecretRef.describe("Auth0 application client secret, as `{ fromEnv: NAME }`."),
      auth0_subdomain: z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)?$/,
          msg(
            "is not an Auth0 tenant subdomain",
            "write TENANT for TENANT.auth0.com, or TENANT.eu for TENANT.eu.auth0.com",
          ),
        )
        .describe("Tenant subdomain: `acme` for acme.auth0.com, `acme.eu` for acme.eu.auth0.com."),
    }),
  })
  .describe("Log in through an Auth0 tenant.");

const PasswordAuth = z
  .strictObject({ type: z.literal("password") })
  .describe("Users log in with the passwords given in `security.users`.");

const User = z
  .strictObject({
    uid: z.int().min(1000).max(2147483647).optional().describe("Numeric user ID on shared storage."),
    primary_group: z.string().min(1).optional().describe("Group the user's files belong to."),
    secondary_groups: z.array(z.string().min(1)).optional().describe("Further groups of the user."),
    password: SecretRef.optional().describe(
      "Password for `password` authentication, as `{ fromEnv: NAME }` or `{ fromFile: PATH }`.",
    ),
  })
  .describe("A user; members of the group `admin` are JupyterHub admins.");

const Group = z
  .strictObject({ gid: z.int().min(100).max(2147483647).optional().describe("Numeric group ID.") })
  .describe("A group; each has a shared folder, and `admin` members administer JupyterHub.");

const Security = z
  .strictObject({
    authentication: z
      .discriminatedUnion("type", [PasswordAuth, GitHubAuth, Auth0Auth])
      .default({ type: "password" })
      .describe("How users log in to JupyterHub."),
    users: z
      .record(
        z
          .string()
          .regex(
            /^[A-Za-z0-9._@-]+$/,
            msg("is not a valid user name", "use letters, digits, `.`, `_`, `@` and `-`"),
          ),
        User.nullable(),
      )
      .optional()
      .describe("Users allowed to log in, by login name (QHub 0.3 format)."),
    groups: z
      .record(
        z
          .string()
          .regex(
            /^[A-Za-z0-9._-]+$/,
            msg("is not a valid group name", "use letters, digits, `.`, `_` and `-`"),
          ),
        Group.nullable(),
      )
      .optional()
      .describe("Groups, by name; a shared folder is created for each."),
  })
  .describe("Authentication, users and groups.");

const KubeSpawnerOverride = z
  .looseObject({
    cpu_limit: Cpu("Most CPU the server may use.").optional(),
    cpu_guarantee: Cpu("CPU reserved for the server.").optional(),
    mem_limit: Quantity("Most memory the server may use.").optional(),
    mem_guarantee: Quantity("Memory reserved for the server.").optional(),
    image: z
      .string()
      .regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      )
      .optional()
      .describe("Container image for this profile."),
  })
  .describe("KubeSpawner settings for this profile; other KubeSpawner traits pass through as written.");

const JupyterLabProfile = z
  .strictObject({
    display_name: text("Name shown in the profile list; unique."),
    description: z.string().default("").describe("One line shown under the name."),
    default: z.boolean().default(false).describe("Preselected profile; at most one."),
    users: z.array(z.string().min(1)).optional().describe("Only these users see the profile."),
    groups: z.array(z.string().min(1)).optional().describe("Only members of these groups see the profile."),
    kubespawner_override: KubeSpawnerOverride.optional(),
  })
  .describe("A JupyterLab server size users can choose.");

const DaskWorkerProfile = z
  .strictObject({
    worker_cores: Cpu("CPU reserved for each worker."),
    worker_cores_limit: Cpu("Most CPU each worker may use."),
    worker_memory: Quantity("Memory reserved for each worker."),
    worker_memory_limit: Quantity("Most memory each worker may use."),
    worker_threads: z.int().min(1).max(256).optional().describe("Threads per worker; defaults to its cores."),
    image: z
      .string()
      .regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      )
      .optional()
      .describe("Container image for workers of this profile."),
  })
  .describe("A Dask worker size users can pick as a cluster option.");

const CondaDependency = z.union([
  z.string().min(1),
  z.strictObject({ pip: z.array(z.string().min(1)).describe("Packages installed with pip.") }),
]);

export const CondaEnvironment = z
  .strictObject({
    name: z
      .string()
      .regex(
        CONDA_NAME,
        msg("is not a valid conda environment name", "use letters, digits, `.`, `_` and `-`"),
      )
      .describe("Environment name; unique across files."),
    channels: z.array(z.string().min(1)).optional().describe("Conda channels, in priority order."),
    dependencies: z
      .array(CondaDependency)
      .min(1)
      .describe("Conda package specs, and optionally one `pip:` list."),
  })
  .describe("A conda environment spec (environment.yml format) that conda-store builds.");
export type CondaEnvironment = z.output<typeof CondaEnvironment>;

const NodeGroup = z
  .strictObject({
    instance: text("Instance type of the nodes."),
    min_nodes: z.int().min(0).max(1000).describe("Fewest nodes."),
    max_nodes: z.int().min(1).max(1000).describe("Most nodes."),
    gpu: z.boolean().default(false).describe("Whether the nodes have GPUs."),
  })
  .describe("A node pool; QHub places pods on it through the cloud's node-pool label.");

const NodeGroups = z
  .strictObject({
    general: NodeGroup.optional().describe("Hub, ingress, conda-store and other services."),
    user: NodeGroup.optional().describe("JupyterLab user servers."),
    worker: NodeGroup.optional().describe("Dask schedulers and workers."),
  })
  .describe("Node pools by role; missing roles take the provider's defaults.");

const kubernetesVersion = z
  .string()
  .regex(
    /^1\.[0-9]{1,2}(\.[0-9]+)?$/,
    msg("is not a Kubernetes version", 'write it as a quoted string such as "1.33"'),
  )
  .optional()
  .describe("Kubernetes version of the cluster (informational: QHub does not create clusters).");

const region = (fallback: string) => z.string().min(1).default(fallback).describe("Cloud region.");

const AmazonWebServices = z.strictObject({
  region: region("us-west-2"),
  availability_zones: z.array(z.string().min(1)).optional().describe("Zones to use."),
  kubernetes_version: kubernetesVersion,
  node_groups: NodeGroups.optional(),
});

const GoogleCloudPlatform = z.strictObject({
  project: z
    .string()
    .regex(
      /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
      msg(
        "is not a Google Cloud project ID",
        "project IDs are 6 to 30 lowercase letters, digits and `-`, starting with a letter",
      ),
    )
    .describe("Google Cloud project ID."),
  region: region("us-central1"),
  availability_zones: z.array(z.string().min(1)).optional().describe("Zones to use."),
  kubernetes_version: kubernetesVersion,
  node_groups: NodeGroups.optional(),
});

const Azure = z.strictObject({
  region: region("Central US"),
  kubernetes_version: kubernetesVersion,
  node_groups: NodeGroups.optional(),
});

const DigitalOcean = z.strictObject({
  region: region("nyc3"),
  kubernetes_version: kubernetesVersion,
  node_groups: NodeGroups.optional(),
});

const NodeSelector = z
  .strictObject({ key: text("Node label key."), value: z.string().describe("Node label value.") })
  .describe("The node label that selects this role's nodes.");

const NodeSelectors = z.strictObject({
  general: NodeSelector.optional(),
  user: NodeSelector.optional(),
  worker: NodeSelector.optional(),
});

const SelfManaged = (what: string) =>
  z.strictObject({
    kube_context: z.string().min(1).optional().describe(`kubectl context of the ${what} cluster.`),
    node_selectors: NodeSelectors.optional().describe(
      "Node labels that place pods by role; default `kubernetes.io/os: linux` for all.",
    ),
  });

const DefaultImages = z
  .strictObject({
    jupyterhub: z
      .string()
      .regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      )
      .optional()
      .describe("JupyterHub hub image."),
    jupyterlab: z
      .string()
      .regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      )
      .optional()
      .describe("Default JupyterLab user image."),
    dask_worker: z
      .string()
      .regex(
        IMAGE,
        msg(
          "is not a valid container image reference",
          "write REGISTRY/NAME:TAG in lowercase, e.g. quay.io/jupyterhub/k8s-hub:4.4.0",
        ),
      )
      .optional()
      .describe("Default Dask scheduler and worker image."),
  })
  .describe("Container images used where a profile names none.");

const Storage = z
  .strictObject({
    type: z
      .enum(["nfs", "cloud"])
      .default("nfs")
      .describe(
        "`nfs`: an in-cluster NFS server on the cloud's block storage; `cloud`: the cloud's RWX service (EFS, Filestore, Azure Files).",
      ),
    conda_store: z
      .string()
      .regex(
        STORAGE_SIZE,
        msg("must be a storage size with a unit, such as 100Gi", "use Ki, Mi, Gi, Ti (or k, M, G, T)"),
      )
      .default("60Gi")
      .describe("Size of the conda environments volume."),
    shared_filesystem: z
      .string()
      .regex(
        STORAGE_SIZE,
        msg("must be a storage size with a unit, such as 100Gi", "use Ki, Mi, Gi, Ti (or k, M, G, T)"),
      )
      .default("100Gi")
      .describe("Size of the home directories and shared folders volume."),
  })
  .describe("Shared storage for home directories, shared folders and conda environments.");

const JupyterHubTheme = z
  .looseObject({
    hub_title: z.string().optional().describe("Title on the hub's pages."),
    hub_subtitle: z.string().optional().describe("Subtitle on the hub's pages."),
    welcome: z.string().optional().describe("Welcome text on the login page (HTML allowed)."),
    logo: z.url().optional().describe("URL of the logo image."),
    primary_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    secondary_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    accent_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    text_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    h1_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    h2_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    navbar_text_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    navbar_hover_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
    navbar_color: z
      .string()
      .regex(COLOR, msg("is not a CSS color", "use a hex color such as #4f4173"))
      .optional(),
  })
  .describe("JupyterHub page theme; further template variables pass through.");

/** Everything a cluster may override; also the top-level settings. */
const settings = {
  namespace: z
    .string()
    .regex(
      DNS_LABEL,
      msg(
        "must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit",
        "e.g. `dev` or `ds-team`",
      ),
    )
    .max(63)
    .default("dev")
    .describe("Kubernetes namespace of the platform. Identity field: changing it moves everything."),
  provider: z
    .enum(PROVIDERS)
    .describe("Where the cluster runs. Identity field: changing it rebuilds the platform."),
  domain: z
    .string()
    .regex(
      HOSTNAME,
      msg(
        "must be a host name such as hub.example.com, without scheme, port or path",
        "write only the host name, e.g. `hub.example.com` instead of `https://hub.example.com/`",
      ),
    )
    .describe("Host name users reach JupyterHub at, without scheme or path."),
  certificate: Certificate.default({ type: "self-signed" }),
  security: Security.default({ authentication: { type: "password" } }),
  default_images: DefaultImages.optional(),
  storage: Storage.default({ type: "nfs", conda_store: "60Gi", shared_filesystem: "100Gi" }),
  theme: z.strictObject({ jupyterhub: JupyterHubTheme.optional() }).optional().describe("Look of the hub."),
  profiles: z
    .strictObject({
      jupyterlab: z
        .array(JupyterLabProfile)
        .min(1)
        .optional()
        .describe("Server sizes; default Small (2 CPU / 8G) and Medium (4 CPU / 16G)."),
      dask_worker: z
        .record(z.string().min(1), DaskWorkerProfile)
        .optional()
        .describe("Dask worker sizes by name; default Small Worker and Medium Worker."),
    })
    .optional()
    .describe("What users can choose when they start a server or a Dask cluster."),
  environments: z
    .record(
      z
        .string()
        .regex(ENV_FILE, msg("must be a file name ending in .yaml or .yml", "e.g. `environment-ml.yaml`")),
      CondaEnvironment,
    )
    .optional()
    .describe(
      "Conda environments by file name, added to (or replacing, by file name) the defaults shipped with QHub.",
    ),
  amazon_web_services: AmazonWebServices.optional().describe("Settings for provider `aws`."),
  google_cloud_platform: GoogleCloudPlatform.optional().describe("Settings for provider `gcp`."),
  azure: Azure.optional().describe("Settings for provider `azure`."),
  digital_ocean: DigitalOcean.optional().describe("Settings for provider `do`."),
  local: SelfManaged("local").optional().describe("Settings for provider `local` (kind, minikube, k3d)."),
  existing: SelfManaged("existing").optional().describe("Settings for provider `existing` (any cluster)."),
  secrets: z
    .strictObject({
      sops: z
        .strictObject({
          age_recipients: z
            .array(
              z
                .string()
                .regex(
                  AGE_RECIPIENT,
                  msg(
                    "is not an age public key",
                    "age public keys start with `age1` and are 62 characters long; `age-keygen -y KEYFILE` prints yours",
                  ),
                ),
            )
            .min(1)
            .describe(
              "age public keys (age1…) every Secret is encrypted for; Flux holds a matching identity.",
            ),
        })
        .describe("SOPS settings."),
    })
    .optional()
    .describe("How QHub encrypts the Secrets it writes (SOPS with age)."),
};

const ClusterName = z
  .string()
  .regex(
    DNS_LABEL,
    msg(
      "must be a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit",
      "e.g. `dev` or `ds-team`",
    ),
  )
  .max(40);

// A cluster's overrides: any top-level setting, deep-merged over the top level (maps merge, lists
// and scalars replace). `project_name` stays shared; the cluster's name is its identity.
const ClusterOverrides = z
  .strictObject(
    Object.fromEntries(Object.entries(settings).map(([key, schema]) => [key, schema.optional()])) as {
      [K in keyof typeof settings]: z.ZodOptional<(typeof settings)[K]>;
    },
  )
  .describe("Settings for this cluster, deep-merged over the top-level ones.");

export const Gitops = z
  .strictObject({
    repository: z
      .string()
      .regex(
        REPOSITORY,
        msg(
          "must be a GitHub repository as OWNER/NAME",
          "e.g. `acme/ds-platform`, without https://github.com/",
        ),
      )
      .describe("GitHub repository, OWNER/NAME, that holds the rendered tree and receives pull requests."),
    branch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/, msg("is not a valid branch name", "e.g. `main`"))
      .default("main")
      .describe("Branch Flux syncs from and pull requests target."),
    clusters: z
      .record(ClusterName, ClusterOverrides.nullable())
      .optional()
      .describe("Clusters by name (identity field). Absent: one cluster named after `project_name`."),
  })
  .describe("Where the rendered repository lives and which clusters it drives.");

export const QhubConfig = z
  .strictObject({
    qhub_version: z
      .literal(CURRENT_SCHEMA_VERSION)
      .default(CURRENT_SCHEMA_VERSION)
      .describe("Schema version of this file; `qhub upgrade` migrates older files."),
    project_name: z
      .string()
      .regex(
        PROJECT_NAME,
        msg(
          "must be letters, digits, `-` and `_`, start with a letter and end with a letter or digit, at least 2 characters",
          "e.g. `ds-team`",
        ),
      )
      .describe(
        "Name of the platform: letters, digits, `-` and `_`, starting with a letter. Identity field.",
      ),
    gitops: Gitops.optional(),
    ...settings,
  })
  .describe("qhub-config.yaml: one file that compiles into a GitOps repository for JupyterHub + Dask.");

/** The config as the user wrote it. */
export type WrittenConfig = z.input<typeof QhubConfig>;
/** The config after schema defaults, before provider defaults and cluster merging. */
export type ParsedConfig = z.output<typeof QhubConfig>;
export type ParsedSettings = Omit<ParsedConfig, "qhub_version" | "project_name" | "gitops">;
export type Certificate = z.output<typeof Certificate>;
export type Authentication = z.output<typeof Security>["authentication"];
export type JupyterLabProfile = z.output<typeof JupyterLabProfile>;
export type DaskWorkerProfile = z.output<typeof DaskWorkerProfile>;
export type NodeGroup = z.output<typeof NodeGroup>;
