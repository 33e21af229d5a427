// `qhub pr`: render onto the current base branch of the team's repository, put the result on
// the bot branch as one commit, and open (or update) the one pull request for that branch.
// The branch is always rebuilt from the base; a commit on it that QHub did not make stops the
// run instead of being overwritten. A run with nothing new pushes nothing and edits nothing.
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Io } from "../io.js";
import { REPOSITORY } from "../config/schema.js";
import { countChanges, diffTrees, identityWarnings, patch } from "../diff/objects.js";
import type { ClusterChanges } from "../diff/objects.js";
import { previousTree } from "../diff/previous.js";
import { UserError, UsageError } from "../errors.js";
import { planRender, validConfig } from "../render/plan.js";
import { writeTree } from "../render/write.js";
import { pullRequestBody } from "../publish/body.js";
import { Workspace, TREE_TRAILER } from "../publish/git.js";
import type { Head } from "../publish/git.js";
import { GitHub } from "../publish/github.js";
import { tasksOf } from "../ui/tasks.js";
import { VERSION } from "../version.js";
import { diskReader } from "./diff.js";

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
}

function target(opts: PrOptions, io: Io): Target | undefined {
  const clusters = validConfig(opts.config, io);
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
  const base = opts.base ?? gitops?.branch ?? "main";
  const branch = opts.branch ?? `qhub/${project}`;
  if (branch === base)
    throw new UsageError(`--branch and --base are both ${base}`, "QHub proposes changes from its own branch");
  return { owner, repo, base, branch, project };
}

function githubEnv(env: NodeJS.ProcessEnv): { token: string; serverUrl: string; apiUrl: string } {
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new UserError(
      "GITHUB_TOKEN is not set",
      "export a token that may write the repository's contents and pull requests (in GitHub Actions: permissions contents: write, pull-requests: write)",
    );
  return {
    token,
    serverUrl: (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, ""),
    apiUrl: env.GITHUB_API_URL || "https://api.github.com",
  };
}

/** The encrypted Secrets on QHub's own branch: re-rendering keeps them byte-identical. */
async function secretsOn(ws: Workspace, head: Head | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!head) return out;
  for (const path of await ws.list(head.sha, "cluster-overlays")) {
    if (!path.endsWith(".sops.yaml")) continue;
    const text = await ws.show(head.sha, path);
    if (text !== undefined) out.set(path, text);
  }
  return out;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

export async function runPr(opts: PrOptions, io: Io): Promise<number> {
  const t = target(opts, io);
  if (!t) return 1;
  const gh = githubEnv(process.env);
  const repository = `${t.owner}/${t.repo}`;
  const trace = io.verbose ? (line: string) => io.stderr(line) : undefined;
  const ws = await Workspace.open(`${gh.serverUrl}/${repository}.git`, gh.token, process.env, trace);
  try {
    const tasks = tasksOf(io);
    const { baseSha, branchSha, bot } = await tasks.task(
      `Fetch ${repository} (${t.base}, ${t.branch})`,
      async () => {
        const heads = await ws.remoteHeads([t.base, t.branch]);
        const baseSha = heads.get(t.base);
        if (!baseSha)
          throw new UserError(
            `${repository} has no branch ${t.base}`,
            "push a first commit to it (Flux's bootstrap does), or pass --base BRANCH",
          );
        const branchSha = heads.get(t.branch);
        await ws.fetch(branchSha ? [baseSha, branchSha] : [baseSha]);
        const bot = branchSha ? await ws.head(branchSha) : undefined;
        if (bot && !bot.ours)
          throw new UserError(
            `branch ${t.branch} of ${repository} has a commit QHub did not make: ${bot.sha.slice(0, 7)} "${bot.subject}" by ${bot.author}`,
            `QHub rebuilds that branch on every run and will not overwrite it. Move the change into the config (or onto ${t.base}) and delete the branch, or pass --branch NAME`,
          );
        return { baseSha, branchSha, bot };
      },
    );

    // The branch is what `qhub render` makes in a clone of the base: the config plus the render.
    const configFile = basename(opts.config);
    const rendered = await tasks.task(
      `Render ${opts.config} onto ${t.base}`,
      async () => {
        await ws.checkout(baseSha);
        const configBefore = readIfExists(join(ws.dir, configFile));
        const previousSecrets = await secretsOn(ws, bot);
        const plan = await planRender(opts.config, ws.dir, io, {
          previousSecret: (path) => previousSecrets.get(path),
        });
        if (!plan) return undefined;
        const next = Object.fromEntries(plan.files.map((f) => [f.path, f.content]));
        const current = await previousTree(diskReader(ws.dir), Object.keys(next));
        copyFileSync(opts.config, join(ws.dir, configFile));
        const written = writeTree({
          root: ws.dir,
          files: plan.files,
          foreignHint: `they are on ${t.base} of ${repository}: remove or rename them there (QHub never changes files it did not write; GitHub's "Add a README" makes a README.md), then run \`qhub pr\` again`,
        });
        // The config travels with the render: count it as one of the branch's files.
        const configText = readFileSync(opts.config, "utf8");
        if (configBefore === undefined) written.added.unshift(configFile);
        else if (configBefore !== configText) written.changed.unshift(configFile);
        return {
          plan,
          configBefore,
          written,
          changes: diffTrees(current, next),
          warnings: identityWarnings(current, next),
          tree: await ws.writeTree(),
          baseTree: (await ws.head(baseSha)).tree,
        };
      },
      (r) => r !== undefined,
    );
    if (!rendered) return 1;
    const { plan, configBefore, written, changes, warnings, tree } = rendered;
    const clusters = plan.resolved.clusters.map((c) => c.name);

    const report = {
      repository,
      base: t.base,
      branch: t.branch,
      clusters,
      files: { added: written.added, changed: written.changed, removed: written.removed },
      warnings,
      commit: undefined as string | undefined,
      pushed: false,
      pullRequest: undefined as { number: number; url: string; action: string } | undefined,
      restCalls: { total: 0, writes: 0 },
    };
    const github = new GitHub({
      apiUrl: gh.apiUrl,
      token: gh.token,
      note: (line) => io.stderr(line),
      retryBaseMs: numberFromEnv("QHUB_GITHUB_RETRY_BASE_MS"),
      trace,
    });
    const finish = () => {
      report.restCalls = { ...github.calls };
      if (opts.json) io.stdout(JSON.stringify(report, null, 2));
      return 0;
    };

    if (tree === rendered.baseTree) {
      io.stderr(`${t.base} of ${repository} is already what ${opts.config} compiles to; nothing to propose`);
      return finish();
    }
    io.stderr(
      `rendered ${plural(clusters.length, "cluster")}; compared with ${repository}@${t.base} (${baseSha.slice(0, 7)}) that adds ${plural(written.added.length, "file")}, changes ${written.changed.length}, removes ${written.removed.length}`,
    );
    const upToDate = bot !== undefined && bot.parents[0] === baseSha && bot.tree === tree;
    if (upToDate) {
      report.commit = bot.sha;
      io.stderr(`branch ${t.branch} is up to date (${bot.sha.slice(0, 7)}); nothing pushed`);
    } else {
      const message = commitMessage(t.project, configFile, written, tree);
      const commit = await tasks.task(`Push ${t.branch}`, async () => {
        const sha = await ws.commit(tree, baseSha, message);
        await ws.push(sha, t.branch, branchSha);
        return sha;
      });
      report.commit = commit;
      report.pushed = true;
      io.stderr(`pushed ${t.branch} (${commit.slice(0, 7)}), one commit on ${t.base}`);
    }

    const body = pullRequestBody({
      project: t.project,
      repository,
      base: t.base,
      config: {
        file: configFile,
        diff: configDiff(configFile, configBefore, readFileSync(opts.config, "utf8")),
        added: configBefore === undefined,
      },
      changes,
      warnings,
      version: VERSION,
    });
    const { pull, action } = await tasks.task("Open or update the pull request", () =>
      github.upsert({
        owner: t.owner,
        repo: t.repo,
        head: t.branch,
        base: t.base,
        title: `qhub: render ${t.project} (${clusters.join(", ")})`,
        body,
        draft: opts.draft,
        labels: opts.label,
      }),
    );
    report.pullRequest = { number: pull.number, url: pull.url, action };
    tasks.summary({
      title: `Pull request #${pull.number} ${action}${report.pushed ? `; ${t.branch} pushed` : `; ${t.branch} was up to date`}`,
      ok: true,
      clusters: countChanges(changes),
      link: { label: "Review it", url: pull.url },
    });
    // On a terminal the summary below the task list says it.
    if (!io.tasks) {
      io.stderr(
        `${action === "unchanged" ? "pull request unchanged" : `${action} pull request`} #${pull.number}: ${pull.url}`,
      );
      summarise(changes, io);
    }
    for (const w of warnings) io.stderr(`WARNING: ${w}`);
    return finish();
  } finally {
    ws.close();
  }
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function configDiff(file: string, before: string | undefined, after: string): string {
  if (before === after) return "";
  return patch(file, before ?? "", after);
}

function commitMessage(
  project: string,
  configFile: string,
  w: { added: string[]; changed: string[]; removed: string[] },
  tree: string,
): string {
  return [
    `qhub: render ${project}`,
    "",
    `Compiled from ${configFile} by QHub ${VERSION}: ${w.added.length} files added, ${w.changed.length} changed, ${w.removed.length} removed.`,
    "",
    `${TREE_TRAILER}: ${tree}`,
  ].join("\n");
}

function summarise(changes: ClusterChanges[], io: Io): void {
  for (const c of countChanges(changes))
    io.stderr(`  ${c.cluster}: ${c.added} added, ${c.changed} changed, ${c.removed} removed`);
}

function numberFromEnv(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : Number(v);
}
