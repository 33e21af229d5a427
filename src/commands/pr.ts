// `qhub pr`: flags and environment in, one call to the publish stage
// (src/publish/pull-request.ts), the outcome out (lines, the terminal summary, or --json).
import type { Io } from "../io.js";
import { branchNameProblem, serverUrlProblem } from "../config/names.js";
import { DEFAULT_BRANCH, REPOSITORY } from "../config/schema.js";
import { countChanges } from "../diff/objects.js";
import { UserError, UsageError } from "../errors.js";
import { validConfig } from "../render/plan.js";
import type { ClusterConfig } from "../config/validate.js";
import { publishPullRequest } from "../publish/pull-request.js";
import { tasksOf } from "../ui/tasks.js";

export interface PrOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** OWNER/NAME. @default gitops.repository */
  repository?: string;
  /** The branch the pull request targets. @default gitops.branch */
  base?: string;
  /** The bot branch. @default `qhub/<project_name>` */
  branch?: string;
  draft: boolean;
  /** Labels the pull request carries. @default ["qhub"] */
  label: string[];
  json: boolean;
}

interface Target {
  owner: string;
  repo: string;
  base: string;
  branch: string;
  project: string;
  clusters: ClusterConfig[];
}

async function target(opts: PrOptions, io: Io): Promise<Target | undefined> {
  const clusters = await validConfig(opts.config, io);
  if (!clusters?.[0]) return undefined;
  const { project_name: project, gitops } = clusters[0].config;
  // In GitHub Actions, the repository the workflow runs in.
  const repository = opts.repository ?? gitops?.repository ?? process.env.GITHUB_REPOSITORY;
  if (!repository)
    throw new UserError(
      `${opts.config} names no repository for pull requests`,
      "set gitops.repository: OWNER/NAME in the config, or pass --repository OWNER/NAME",
    );
  if (!REPOSITORY.test(repository))
    throw new UsageError(
      `--repository ${JSON.stringify(repository)} is not OWNER/NAME`,
      "e.g. --repository acme/ds-platform",
    );
  const [owner = "", repo = ""] = repository.split("/");
  const base = opts.base ?? gitops?.branch ?? DEFAULT_BRANCH;
  const branch = opts.branch ?? `qhub/${project}`;
  if (branch === base)
    throw new UsageError(`--branch and --base are both ${base}`, "QHub proposes changes from its own branch");
  return { owner, repo, base, branch, project, clusters };
}

/** Branch names from flags: a usage error (exit 2) before anything is read. */
function checkBranchFlags(opts: PrOptions): void {
  for (const [flag, value] of [
    ["--branch", opts.branch],
    ["--base", opts.base],
  ] as const) {
    if (value === undefined) continue;
    const problem = branchNameProblem(value);
    if (problem)
      throw new UsageError(
        `${flag} ${JSON.stringify(value)} ${problem}`,
        `give a branch name git accepts, as \`git check-ref-format --branch NAME\` does, e.g. ${flag} ${flag === "--base" ? "main" : "qhub/platform"}`,
      );
  }
}

function githubEnv(env: NodeJS.ProcessEnv): { token: string; serverUrl: string; apiUrl: string } {
  const urls = {
    GITHUB_SERVER_URL: env.GITHUB_SERVER_URL || "https://github.com",
    GITHUB_API_URL: env.GITHUB_API_URL || "https://api.github.com",
  };
  for (const [name, url] of Object.entries(urls)) {
    const problem = serverUrlProblem(url);
    // The value is not echoed: it may hold credentials.
    if (problem)
      throw new UserError(
        `${name} ${problem}`,
        `set it to the http(s) base URL of your GitHub (e.g. ${name === "GITHUB_API_URL" ? "https://api.github.com" : "https://github.com"}), or unset it for github.com`,
      );
  }
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new UserError(
      "GITHUB_TOKEN is not set",
      "export a token that may write the repository's contents and pull requests (in GitHub Actions: permissions contents: write, pull-requests: write)",
    );
  return {
    token,
    serverUrl: urls.GITHUB_SERVER_URL.replace(/\/+$/, ""),
    apiUrl: urls.GITHUB_API_URL,
  };
}

export async function runPr(opts: PrOptions, io: Io): Promise<number> {
  // Flags, then the environment, then the config: each refused before any work.
  checkBranchFlags(opts);
  const github = githubEnv(process.env);
  const t = await target(opts, io);
  if (!t) return 1;
  const published = await publishPullRequest(
    {
      ...t,
      config: opts.config,
      draft: opts.draft,
      labels: opts.label,
      github: { ...github, retryBaseMs: numberFromEnv("QHUB_GITHUB_RETRY_BASE_MS") },
      env: process.env,
    },
    io,
  );
  if (!published) return 1;
  const { report, changes } = published;
  const pull = report.pullRequest;
  if (pull) {
    tasksOf(io).summary({
      title: `Pull request #${pull.number} ${pull.action}${report.pushed ? `; ${t.branch} pushed` : `; ${t.branch} was up to date`}`,
      ok: true,
      clusters: countChanges(changes),
      link: { label: "Review it", url: pull.url },
    });
    // On a terminal the summary below the task list says it.
    if (!io.tasks) {
      io.stderr(
        `${pull.action === "unchanged" ? "pull request unchanged" : `${pull.action} pull request`} #${pull.number}: ${pull.url}`,
      );
      for (const c of countChanges(changes))
        io.stderr(`  ${c.cluster}: ${c.added} added, ${c.changed} changed, ${c.removed} removed`);
    }
  }
  for (const w of report.warnings) io.stderr(`WARNING: ${w}`);
  if (opts.json) io.stdout(JSON.stringify(report, null, 2));
  return 0;
}

function numberFromEnv(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : Number(v);
}
