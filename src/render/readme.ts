// The rendered repository's README: what is where, how to bootstrap Flux on each cluster, and a
// Mermaid diagram (GitHub renders it) of each cluster's layers in dependsOn order.
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import { githubOrganizations, oauthAppKey } from "../config/rules.js";
import { clusterLayers, secretNames, SOPS_SECRET } from "./build.js";
import type { OutputFile } from "./emit.js";
import { code } from "./markdown.js";
import { actionsSecretName, secretVariables } from "./workflow.js";

function bootstrap(c: ResolvedCluster): string {
  const [owner, name] = (c.gitops.repository ?? "OWNER/NAME").split("/");
  return [
    "```sh",
    `flux bootstrap github --owner=${owner} --repository=${name} --branch=${c.gitops.branch} --path=${c.gitops.path}`,
    "```",
  ].join("\n");
}

function actions(config: ResolvedConfig): string {
  const vars = secretVariables(config);
  const lines = [
    "`.github/workflows/qhub.yaml` runs `qhub render --check` and `qhub check` on every pull request: the tree",
    "must be what `qhub-config.yaml` compiles to, and Flux must be able to build and apply it.",
  ];
  if (vars.length > 0)
    lines.push(
      "",
      "It seals the Secrets to compare them, so it reads the values the config names from these repository",
      "secrets (Settings > Secrets and variables > Actions; Actions reserves the `GITHUB_` prefix):",
      "",
      "| variable | repository secret |",
      "|---|---|",
      ...vars.map((v) => `| \`${v}\` | \`${actionsSecretName(v)}\` |`),
    );
  lines.push(
    "",
    "`qhub pr` needs a token that may write the repository's contents and pull requests (fine-grained",
    "token: Contents read/write, Pull requests read/write; in Actions: `permissions: contents: write,",
    "pull-requests: write`), in `GITHUB_TOKEN`. GitHub Enterprise: set `GITHUB_API_URL` and `GITHUB_SERVER_URL`.",
  );
  if (config.clusters.some((c) => c.gitops.prWorkflow))
    lines.push(
      "",
      "`.github/workflows/qhub-pr.yaml` (`gitops.pr_workflow: true`) runs `qhub pr` when `qhub-config.yaml`",
      "changes on the branch. Pull requests opened with the workflow's own token do not start workflows, so",
      "the checks do not run on them: store a token with the permissions above as the secret `QHUB_PR_TOKEN`.",
    );
  return lines.join("\n");
}

function mermaid(c: ResolvedCluster, secrets: readonly string[]): string {
  const layers = clusterLayers(c, secrets);
  const lines = ["```mermaid", "graph LR"];
  for (const l of layers) lines.push(`  ${l.name}["qhub-${l.name}<br/>${l.summary.join(", ")}"]`);
  for (const l of layers) if (l.dependsOn) lines.push(`  ${l.dependsOn} --> ${l.name}`);
  lines.push("```");
  return lines.join("\n");
}

function nodeTable(c: ResolvedCluster): string {
  const rows = Object.values(c.nodeGroups).map((g) => {
    const selector = Object.entries(g.nodeSelector)
      .map(([k, v]) => code(`${k}=${v}`))
      .join(", ");
    // Instance types are validated (schema.ts INSTANCE_TYPE): nothing in them reads as Markdown.
    const size = g.pool
      ? `${g.pool.instance} | ${g.pool.minNodes} | ${g.pool.maxNodes}`
      : "(your nodes) | | ";
    return `| ${g.role} | ${size} | ${selector} |`;
  });
  return ["| role | instance | min | max | pods select |", "|---|---|---|---|---|", ...rows].join("\n");
}

/**
 * The CSI drivers and cloud services the cluster must have before Flux applies QHub: every claim
 * names a StorageClass (EKS >= 1.30 has no default one), and the class's driver must be there.
 */
export function clusterNeeds(c: ResolvedCluster): string[] {
  const nfs = c.storage.type === "nfs";
  const block = `the \`${c.storage.blockClass}\` class for the hub's database${nfs ? " and the NFS server's disk" : ""}`;
  const items: string[] = [];
  switch (c.provider) {
    case "aws":
      items.push(
        `Amazon EBS CSI driver (EKS add-on \`aws-ebs-csi-driver\`, with an IAM role that has \`AmazonEBSCSIDriverPolicy\`): ${block} (gp3).`,
      );
      if (!nfs)
        items.push(
          `Amazon EFS CSI driver (EKS add-on \`aws-efs-csi-driver\`, IAM role with \`AmazonEFSCSIDriverPolicy\`), and EFS file system \`${c.cloud.efsFileSystemId ?? ""}\` with a mount target in each of the cluster's subnets and a security group that admits NFS (TCP 2049) from the nodes: the \`qhub-shared\` class makes one access point per claim, owned by uid 1000, gid 100 (the user conda-store and the notebooks run as).`,
        );
      break;
    case "gcp":
      items.push(`Compute Engine persistent disk CSI driver (on by default in GKE): ${block} (pd-balanced).`);
      if (!nfs)
        items.push(
          "Filestore CSI driver (`gcloud container clusters update CLUSTER --update-addons=GcpFilestoreCsiDriver=ENABLED`) and the Filestore API (`gcloud services enable file.googleapis.com`): the `qhub-shared` class makes a BASIC_HDD instance, at least 1 TiB.",
        );
      break;
    case "azure":
      items.push(`Azure Disk CSI driver (on by default in AKS): ${block} (StandardSSD_LRS).`);
      if (!nfs)
        items.push(
          "Azure Files CSI driver (on by default in AKS; `az aks update --enable-file-driver` if it was turned off): the `qhub-shared` class makes NFS shares on premium FileStorage (at least 100 GiB) reachable from the cluster's virtual network. NFS, not SMB: SMB shares mount without execute bits and the environments' binaries could not run.",
        );
      break;
    case "do":
      items.push(`DigitalOcean block storage CSI driver (built into DOKS): ${block}.`);
      break;
    case "local":
    case "existing":
      items.push(
        c.storage.blockClass
          ? `A StorageClass named \`${c.storage.blockClass}\` (\`storage.storage_class\`; \`kubectl get storageclass\` lists the cluster's): ${block}.`
          : `A default StorageClass, for the hub's database${nfs ? " and the NFS server's disk" : ""}: \`storage.storage_class\` names none (claims without a class stay Pending on a cluster without a default).`,
      );
      break;
  }
  if (nfs)
    items.push(
      "Nothing else for shared storage: QHub installs the NFS CSI driver (its node plugin resolves the server's Service name, which the kubelet cannot) and runs NFS-Ganesha, a userspace NFS server (`registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8`: no nfsd kernel module on the node, not privileged).",
    );
  items.push(
    "Where NetworkPolicies are enforced (DOKS/Cilium, GKE Dataplane V2, k3s, Calico): notebooks may reach the Dask Gateway's proxy (QHub adds that to JupyterHub's policy), and conda-store's API is closed to every pod (it listens on its pod's loopback; `kubectl port-forward deploy/conda-store 8080`).",
  );
  return items.map((i) => `- ${i}`);
}

function sopsSection(c: ResolvedCluster, secrets: readonly string[]): string[] {
  if (secrets.length === 0) return [];
  return [
    "",
    `Encrypted Secrets (${secrets.join(", ")}) are SOPS files for these age recipients: ${c.sops.ageRecipients.map((r) => `\`${r}\``).join(", ")}.`,
    `Before Flux applies the platform layer, give it an identity of one of them, once per cluster:`,
    "",
    "```sh",
    `kubectl create secret generic ${SOPS_SECRET} --namespace=flux-system --from-file=age.agekey=$HOME/.config/sops/age/keys.txt`,
    "```",
  ];
}

/** Where a cluster's OAuth app sends users back after they log in. */
function callbackUrl(c: ResolvedCluster): string {
  return `${c.certificate.type === "disabled" ? "http" : "https"}://${c.domain}/hub/oauth_callback`;
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

export function renderReadme(
  config: ResolvedConfig,
  sealed: Readonly<Record<string, readonly OutputFile[]>> = {},
): string {
  const clusters = config.clusters.map((c) =>
    [
      `### Cluster \`${c.name}\` (${c.provider}, https://${c.domain})`,
      "",
      "Bootstrap Flux once; from then on Flux applies what is merged here:",
      "",
      bootstrap(c),
      "",
      "Layers, applied in this order (each waits for the one before it to be ready):",
      "",
      mermaid(c, secretNames(sealed[c.name] ?? [])),
      "",
      "Node pools: QHub places pods by the cloud's node-pool label. Create the pools with these sizes",
      "(QHub does not create cloud infrastructure; Flux cannot resize node pools):",
      "",
      nodeTable(c),
      "",
      "What the cluster needs before Flux applies QHub (QHub does not install cloud add-ons):",
      "",
      ...clusterNeeds(c),
      ...sopsSection(c, secretNames(sealed[c.name] ?? [])),
    ].join("\n"),
  );
  return `${[
    `# ${config.projectName}: QHub platform repository`,
    "",
    "Generated by `qhub render` from `qhub-config.yaml`. Change the config, run `qhub render` (or",
    "`qhub pr`), and review the pull request; do not edit generated files by hand. Files QHub did",
    "not generate are left alone. `.qhub/manifest.json` lists the generated ones.",
    "",
    "## Layout",
    "",
    "```",
    "clusters/<cluster>/qhub.yaml    Flux entry point: the cluster's Flux Kustomizations (bootstrap path)",
    "cluster-overlays/<cluster>/     per-cluster overlays, one folder per layer:",
    "  controllers/                  cert-manager, Traefik, NFS CSI driver (Helm releases with CRDs)",
    "  configs/                      namespace, NFS server, StorageClasses (qhub-shared, qhub-block), TLS issuer and certificate",
    "  platform/                     shared storage claim, JupyterHub, Dask Gateway, conda-store",
    "environments/                   the conda environment specs conda-store builds (environments/<cluster>/ where a cluster differs)",
    "blueprints/                     shared Kustomize bases, the same for every cluster",
    "overlays/<cloud>/               per-cloud Kustomize components",
    ".github/workflows/qhub.yaml     checks pull requests: qhub render --check, qhub check",
    ...(config.clusters.some((c) => c.gitops.prWorkflow)
      ? [".github/workflows/qhub-pr.yaml  runs qhub pr when qhub-config.yaml changes"]
      : []),
    ".qhub/manifest.json             the files QHub generated",
    "```",
    "",
    "## Secrets",
    "",
    "QHub writes Secrets only as SOPS files encrypted for the age recipients in `secrets.sops.age_recipients`",
    "(`cluster-overlays/<cluster>/platform/secrets/*.sops.yaml`); Flux decrypts them with the identity in the",
    `Secret \`${SOPS_SECRET}\` of \`flux-system\`. Re-rendering with the same values leaves them byte for byte.`,
    "To rotate keys: make a new identity (`age-keygen -o new.agekey`), add its public key to",
    "`secrets.sops.age_recipients`, render with `SOPS_AGE_KEY_FILE` naming the old identity (QHub re-encrypts",
    `every Secret for the new recipients), replace \`${SOPS_SECRET}\` in each cluster with the new identity, then`,
    "remove the old public key and render again. To change a value, change the variable or file the config names and render.",
    "",
    "## Logins",
    "",
    logins(config),
    "",
    "## GitHub Actions",
    "",
    actions(config),
    "",
    "## Clusters",
    "",
    clusters.join("\n\n"),
    "",
  ].join("\n")}`;
}
