// The rendered repository's README: what is where, how to bootstrap Flux on each cluster, and a
// Mermaid diagram (GitHub renders it) of each cluster's layers in dependsOn order.
import type { Component, LayerName } from "../components/types.js";
import { LAYERS, OPTIONAL_LAYERS, SECRETS_LAYER } from "../components/types.js";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import { clusterCost, dollars } from "../config/prices.js";
import type { ClusterCost } from "../config/prices.js";
import { componentsOf, componentsOfAny } from "../components/registry.js";
import type { Layer } from "./build.js";
import { SOPS_SECRET } from "./build.js";
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

function mermaid(layers: readonly Layer[]): string {
  const lines = ["```mermaid", "graph LR"];
  for (const l of layers) lines.push(`  ${l.name}["qhub-${l.name}<br/>${l.summary.join(", ")}"]`);
  for (const l of layers) if (l.dependsOn) lines.push(`  ${l.dependsOn} --> ${l.name}`);
  lines.push("```");
  return lines.join("\n");
}

function nodeTable(c: ResolvedCluster): string {
  const cost = clusterCost(c);
  const money = (g: string, n: (perNode: number) => number) => {
    const perNode = cost?.groups.find((x) => x.name === g)?.perNode;
    return perNode === undefined ? "?" : dollars(n(perNode));
  };
  const rows = Object.values(c.nodeGroups).map((g) => {
    const selector = Object.entries(g.nodeSelector)
      .map(([k, v]) => code(`${k}=${v}`))
      .join(", ");
    // Instance types are validated (schema.ts INSTANCE_TYPE): nothing in them reads as Markdown.
    const p = g.pool;
    const size = p ? `${p.instance} | ${p.minNodes} | ${p.maxNodes}` : "(your nodes) | | ";
    const costs = p
      ? ` ${money(g.name, (n) => n * p.minNodes)} | ${money(g.name, (n) => n * p.maxNodes)} |`
      : "";
    return `| ${g.name} | ${size} |${costs} ${selector} |`;
  });
  const head = cost
    ? [
        "| group | instance | min | max | $/month at min | $/month at max | pods select |",
        "|---|---|---|---|---|---|---|",
      ]
    : ["| group | instance | min | max | pods select |", "|---|---|---|---|---|"];
  return [...head, ...rows, ...costLines(cost)].join("\n");
}

/** What the node table means: pools the team creates, or pools the cloud's autoscaler makes. */
function poolsIntro(c: ResolvedCluster): string[] {
  if (!c.autoscaling)
    return [
      "Node pools: QHub places pods by the cloud's node-pool label. Create the pools with these sizes",
      "(QHub does not create cloud infrastructure; Flux cannot resize node pools):",
    ];
  return [
    `Node pools (\`node_provisioning: auto\`): the \`capacity\` layer declares one per group for the cloud's autoscaler,`,
    `which makes nodes of these types for pods that wait and removes empty ones, up to max_nodes (Karpenter's CPU and`,
    `memory limits; on GKE the cluster's auto-provisioning limits); pods select a group by \`${c.autoscaling.label}\`.`,
    "min_nodes is not honoured (the autoscaler keeps no minimum; the hub keeps one general node).",
    `JupyterHub packs users onto the fewest nodes (user scheduler) and keeps ${c.autoscaling.placeholders} user placeholder(s) of`,
    "warm room on the user group, evicted first (pod priorities) when a real server needs it; with placeholders, at least",
    "one user node stays up (not in the baseline below):",
  ];
}

/** The always-on baseline and where the prices come from. */
function costLines(cost: ClusterCost | undefined): string[] {
  if (!cost) return [];
  const b = cost.baseline;
  return [
    "",
    `Always on: ${dollars(b.total)}/month (nodes at their minimum ${dollars(b.nodes)}, the ingress's load balancer ${dollars(b.loadBalancer)}, ${b.storageGiB}Gi of storage ${dollars(b.storage)}).`,
    `On-demand prices in US dollars for ${cost.region}${cost.otherRegion ? ` (this cluster is in ${cost.otherRegion}: prices there may differ)` : ""}, QHub's table of ${cost.date}; the provider block's \`prices\` overrides them.${
      cost.unpriced.length > 0
        ? ` No price for ${cost.unpriced.map((n) => code(n)).join(", ")} (left out of the baseline).`
        : ""
    }`,
  ];
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

/** What the README is rendered from besides the config: each cluster's layers and Secrets, the registry. */
export interface ReadmeInput {
  layers: ReadonlyMap<string, readonly Layer[]>;
  secrets: ReadonlyMap<string, readonly string[]>;
  registry: readonly Component[];
}

/** A line of the layout block: a path, then what it is, from column 33. */
const tree = (path: string, about: string) => `${path.padEnd(30)}  ${about}`;

/** What each layer's folder adds to its components' words in the layout block. */
const LAYER_NOTES: Partial<Record<LayerName, string>> = { controllers: " (Helm releases with CRDs)" };

/** The layout block's lines for the layers and the components' shared folders. */
function layoutLines(registry: readonly Component[]): string[] {
  return [
    ...LAYERS.flatMap((l) => {
      const words = registry.flatMap((k) => (k.layout[l] === undefined ? [] : [k.layout[l]]));
      // An optional layer no cluster has (no autoscaling anywhere) is not in the tree.
      if (words.length === 0 && OPTIONAL_LAYERS.includes(l)) return [];
      return [tree(`  ${l}/`, `${words.join(", ")}${LAYER_NOTES[l] ?? ""}`)];
    }),
    ...registry.flatMap((k) => (k.readme?.tree ?? []).map((t) => tree(t.path, t.about))),
  ];
}

export function renderReadme(config: ResolvedConfig, input: ReadmeInput): string {
  const clusters = config.clusters.map((c) => {
    const secrets = input.secrets.get(c.name) ?? [];
    return [
      `### Cluster \`${c.name}\` (${c.provider}, https://${c.domain})`,
      "",
      "Bootstrap Flux once; from then on Flux applies what is merged here:",
      "",
      bootstrap(c),
      "",
      "Layers, applied in this order (each waits for the one before it to be ready):",
      "",
      mermaid(input.layers.get(c.name) ?? []),
      "",
      ...poolsIntro(c),
      "",
      nodeTable(c),
      "",
      "What the cluster needs before Flux applies QHub (QHub does not install cloud add-ons):",
      "",
      ...componentsOf(c, input.registry).flatMap((k) => (k.readme?.needs?.(c) ?? []).map((i) => `- ${i}`)),
      ...sopsSection(c, secrets),
    ].join("\n");
  });
  // Components no cluster has (monitoring off everywhere) say nothing in the layout or sections.
  const present = componentsOfAny(config, input.registry);
  const sections = present
    .flatMap(
      (k) => k.readme?.sections?.(config, (c) => (input.layers.get(c.name) ?? []).map((l) => l.name)) ?? [],
    )
    .flatMap((s) => [`## ${s.title}`, "", s.body, ""]);
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
    ...layoutLines(present),
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
    `(\`cluster-overlays/<cluster>/${SECRETS_LAYER}/secrets/*.sops.yaml\`); Flux decrypts them with the identity in the`,
    `Secret \`${SOPS_SECRET}\` of \`flux-system\`. Re-rendering with the same values leaves them byte for byte.`,
    "To rotate keys: make a new identity (`age-keygen -o new.agekey`), add its public key to",
    "`secrets.sops.age_recipients`, render with `SOPS_AGE_KEY_FILE` naming the old identity (QHub re-encrypts",
    `every Secret for the new recipients), replace \`${SOPS_SECRET}\` in each cluster with the new identity, then`,
    "remove the old public key and render again. To change a value, change the variable or file the config names and render.",
    "",
    ...sections,
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
