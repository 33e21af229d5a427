// The GitHub Actions workflows of the rendered repository. `qhub.yaml`: pull requests must match
// what the config compiles to and must pass the offline preflight. `qhub-pr.yaml` (opt-in,
// `gitops.pr_workflow`): a config change on the branch becomes a reviewed pull request.
// `qhub render --check` seals the Secrets to compare them, so both read the values the config
// names from repository secrets.
import type { ResolvedConfig } from "../config/resolve.js";
import { PR_TOKEN_VARIABLE } from "../config/rules.js";
import { neededSecrets } from "../secrets/render.js";
import { VERSION } from "../version.js";
import type { OutputFile } from "./emit.js";
import { toYaml } from "./emit.js";

/** The repository secret holding a variable: Actions reserves the GITHUB_ prefix. */
export function actionsSecretName(variable: string): string {
  return variable.startsWith("GITHUB_") ? `QHUB_${variable}` : variable;
}

/** The environment variables the config's secrets come from, sorted. */
export function secretVariables(config: ResolvedConfig): string[] {
  const names = new Set<string>();
  for (const c of config.clusters)
    for (const n of neededSecrets(c))
      for (const { ref } of Object.values(n.refs)) if ("fromEnv" in ref) names.add(ref.fromEnv);
  return [...names].sort();
}

/** The command that installs QHub in the workflows: the version that rendered the tree, or the config's source. */
export function installCommand(config: ResolvedConfig): string {
  const install = config.clusters[0]?.gitops.install ?? {};
  const registry = install.registry === undefined ? "" : ` --registry ${install.registry}`;
  return `npm install --global${registry} ${install.package ?? `qhub@${VERSION}`}`;
}

// GitHub's own order (steps: name, uses, with, run; jobs: runs-on, env, steps), not sorted keys.
const setup = (install: string) => [
  { uses: "actions/checkout@v4" },
  { uses: "actions/setup-node@v4", with: { "node-version": "20" } },
  { name: "Install QHub", run: install },
];

export function renderWorkflows(config: ResolvedConfig): OutputFile[] {
  const install = installCommand(config);
  const branches = [...new Set(config.clusters.map((c) => c.gitops.branch))].sort();
  const env = Object.fromEntries(
    secretVariables(config).map((v) => [v, `\${{ secrets.${actionsSecretName(v)} }}`]),
  );
  const withEnv = Object.keys(env).length > 0 ? { env } : {};
  const files: OutputFile[] = [
    {
      path: ".github/workflows/qhub.yaml",
      content: toYaml(
        {
          name: "qhub",
          on: { pull_request: {}, push: { branches } },
          permissions: { contents: "read" },
          jobs: {
            check: {
              "runs-on": "ubuntu-latest",
              ...withEnv,
              steps: [
                ...setup(install),
                { name: "The tree is what qhub-config.yaml compiles to", run: "qhub render --check" },
                { name: "Flux can build and apply it", run: "qhub check" },
              ],
            },
          },
        },
        { order: "written" },
      ),
    },
  ];
  if (config.clusters.some((c) => c.gitops.prWorkflow))
    files.push({
      path: ".github/workflows/qhub-pr.yaml",
      content: toYaml(
        {
          name: "qhub pr",
          on: { push: { branches, paths: ["qhub-config.yaml"] }, workflow_dispatch: {} },
          permissions: { contents: "write", "pull-requests": "write" },
          concurrency: { group: "qhub-pr", "cancel-in-progress": false },
          jobs: {
            pr: {
              "runs-on": "ubuntu-latest",
              env: {
                ...env,
                // Pull requests opened with the workflow's own token do not start workflows, so
                // the checks above would not run on them: a QHUB_PR_TOKEN secret, when set, is used.
                GITHUB_TOKEN: `\${{ secrets.${PR_TOKEN_VARIABLE} || secrets.GITHUB_TOKEN }}`,
              },
              steps: [...setup(install), { name: "Open or update the pull request", run: "qhub pr" }],
            },
          },
        },
        { order: "written" },
      ),
    });
  return files;
}
