// publish: the last pipeline stage of `qhub pr`. Renders onto the current base branch of the
// team's repository in a throwaway working copy, puts the result on the bot branch as one
// commit, and opens (or updates) the one pull request for that branch. The branch is always
// rebuilt from the base; a commit on it that QHub did not make stops the run instead of being
// overwritten. A run with nothing new pushes nothing and edits nothing.
import { basename } from "node:path";
import type { Io } from "../io.js";
import type { ClusterConfig } from "../config/validate.js";
import { diffTrees, identityWarnings, patch } from "../diff/objects.js";
import type { ClusterChanges } from "../diff/objects.js";
import { diskReader, previousTree } from "../diff/previous.js";
import { UserError } from "../errors.js";
import { readConfigFile } from "../config/load.js";
import { readUnder, writeUnder } from "../fs/safe.js";
import { planRender } from "../render/plan.js";
import { parseConfigText } from "../config/document.js";
import { loadDefaultEnvironments } from "../config/load.js";
import { clusterCost } from "../config/prices.js";
import { resolveConfig } from "../config/resolve.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { validateDocument } from "../config/validate.js";
import { writeTree } from "../render/write.js";
import { tasksOf } from "../ui/tasks.js";
import { VERSION } from "../version.js";
import { pullRequestBody } from "./body.js";
import type { BodyInput } from "./body.js";
import { TREE_TRAILER, Workspace } from "./git.js";
import type { Head } from "./git.js";
import { GitHub } from "./github.js";

export interface PublishInput {
  /** Path of the config file. */
  config: string;
  /** The config's clusters, validated by the caller. */
  clusters: ClusterConfig[];
  owner: string;
  repo: string;
  /** The branch the pull request targets. */
  base: string;
  /** QHub's own branch. */
  branch: string;
  project: string;
  draft: boolean;
  labels: string[];
  github: { token: string; serverUrl: string; apiUrl: string; retryBaseMs?: number };
  /** The caller's environment (git's PATH, proxies, CAs; the Secrets' variables). */
  env: NodeJS.ProcessEnv;
}

/** What `qhub pr --json` prints (schema/json-output/pr.schema.json). */
export interface PublishReport {
  repository: string;
  base: string;
  branch: string;
  clusters: string[];
  files: { added: string[]; changed: string[]; removed: string[] };
  warnings: string[];
  commit?: string;
  pushed: boolean;
  pullRequest?: { number: number; url: string; action: "opened" | "updated" | "unchanged" };
  restCalls: { total: number; writes: number };
}

export interface Published {
  report: PublishReport;
  /** Per cluster and object, what the pull request changes on the base. */
  changes: ClusterChanges[];
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

/** The heads of the base and of QHub's branch, fetched; stops when the branch has someone else's commit. */
async function fetchHeads(
  ws: Workspace,
  t: PublishInput,
): Promise<{ baseSha: string; branchSha?: string; bot?: Head }> {
  const repository = `${t.owner}/${t.repo}`;
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
}

/**
 * The working copy made exactly what `qhub render` makes in a clone of the base: the base, the
 * config at the top, the render. Undefined (problems printed) when the config is invalid.
 */
async function renderOnBase(ws: Workspace, t: PublishInput, baseSha: string, bot: Head | undefined, io: Io) {
  const repository = `${t.owner}/${t.repo}`;
  const configFile = basename(t.config);
  await ws.checkout(baseSha);
  const configBefore = configOnBase(ws.dir, configFile, t);
  const configText = readConfigFile(t.config).toString("utf8");
  const previousSecrets = await secretsOn(ws, bot);
  const plan = await planRender(t.config, ws.dir, io, {
    previousSecret: (path) => previousSecrets.get(path),
    clusters: t.clusters,
  });
  if (!plan) return undefined;
  const next = Object.fromEntries(plan.files.map((f) => [f.path, f.content]));
  const current = await previousTree(diskReader(ws.dir), Object.keys(next));
  writeUnder(ws.dir, configFile, configText);
  const written = writeTree({
    root: ws.dir,
    files: plan.files,
    foreignHint: `they are on ${t.base} of ${repository}: remove or rename them there (QHub never changes files it did not write), then run \`qhub pr\` again`,
  });
  // The config travels with the render: count it as one of the branch's files.
  if (configBefore === undefined) written.added.unshift(configFile);
  else if (configBefore !== configText) written.changed.unshift(configFile);
  return {
    plan,
    configBefore,
    configText,
    written,
    changes: diffTrees(current, next),
    warnings: identityWarnings(current, next),
    tree: await ws.writeTree(),
    baseTree: (await ws.head(baseSha)).tree,
  };
}

/** Publishes the render as a pull request; undefined (problems printed) when the config is invalid. */
export async function publishPullRequest(t: PublishInput, io: Io): Promise<Published | undefined> {
  const gh = t.github;
  const repository = `${t.owner}/${t.repo}`;
  const trace = io.verbose ? (line: string) => io.stderr(line) : undefined;
  const ws = await Workspace.open(`${gh.serverUrl}/${repository}.git`, gh.token, t.env, trace);
  try {
    const tasks = tasksOf(io);
    const { baseSha, branchSha, bot } = await tasks.task(`Fetch ${repository} (${t.base}, ${t.branch})`, () =>
      fetchHeads(ws, t),
    );

    // The branch is what `qhub render` makes in a clone of the base: the config plus the render.
    const configFile = basename(t.config);
    const rendered = await tasks.task(
      `Render ${t.config} onto ${t.base}`,
      () => renderOnBase(ws, t, baseSha, bot, io),
      (r) => r !== undefined,
    );
    if (!rendered) return undefined;
    const { plan, configBefore, configText, written, changes, warnings, tree } = rendered;
    const clusters = plan.resolved.clusters.map((c) => c.name);

    const report: PublishReport = {
      repository,
      base: t.base,
      branch: t.branch,
      clusters,
      files: { added: written.added, changed: written.changed, removed: written.removed },
      warnings,
      pushed: false,
      restCalls: { total: 0, writes: 0 },
    };
    const github = new GitHub({
      apiUrl: gh.apiUrl,
      token: gh.token,
      note: (line) => io.stderr(line),
      retryBaseMs: gh.retryBaseMs,
      trace,
    });
    const finish = (): Published => {
      report.restCalls = { ...github.calls };
      return { report, changes };
    };

    if (tree === rendered.baseTree) {
      io.stderr(`${t.base} of ${repository} is already what ${t.config} compiles to; nothing to propose`);
      return finish();
    }
    if (plan.readme.besideForeign)
      io.stderr(
        `note: ${plan.readme.besideForeign} on ${t.base} is the repository's own; QHub's guide is ${plan.readme.path}`,
      );
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

    // An update also says what changed since the version reviewers saw last, not only since the base.
    const since =
      bot !== undefined && bot.tree !== tree
        ? {
            commit: bot.sha,
            changes: await changesSince(ws, bot, tree),
          }
        : undefined;
    const body = pullRequestBody({
      project: t.project,
      repository,
      base: t.base,
      config: {
        file: configFile,
        diff: configDiff(configFile, configBefore, configText),
        added: configBefore === undefined,
      },
      changes,
      warnings,
      version: VERSION,
      readme: plan.readme,
      since,
      costs: costChanges(plan.resolved, configFile, configBefore),
    });
    const { pull, action } = await tasks.task("Open or update the pull request", () =>
      github.upsert({
        owner: t.owner,
        repo: t.repo,
        head: t.branch,
        base: t.base,
        title: `qhub: render ${t.project} (${clusters.join(", ")})`,
        body,
        draft: t.draft,
        labels: t.labels,
        // Nothing pushed: the body written with the branch's commit (and its "since") stays.
        keepBody: upToDate,
      }),
    );
    report.pullRequest = { number: pull.number, url: pull.url, action };
    return finish();
  } finally {
    ws.close();
  }
}

/** The object-level changes between the bot branch's last commit and the new tree. */
async function changesSince(ws: Workspace, bot: Head, tree: string) {
  // Both sides from git's objects (a link is its target's name there, never followed).
  const paths = await ws.changedPaths(bot.tree, tree);
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  for (const p of paths) {
    const old = await ws.show(bot.tree, p);
    if (old !== undefined) before[p] = old;
    const now = await ws.show(tree, p);
    if (now !== undefined) after[p] = now;
  }
  return diffTrees(before, after);
}

/** The config as the base branch has it: a regular file or nothing; a link there is never written through. */
function configOnBase(dir: string, file: string, t: PublishInput): string | undefined {
  const r = readUnder(dir, file);
  if (r.kind === "file") return r.text;
  if (r.kind === "missing") return undefined;
  throw new UserError(
    `${file} on ${t.base} of ${t.owner}/${t.repo} is ${r.kind === "link" ? "a symbolic link" : "not a regular file"}; QHub never reads or writes through links`,
    `replace it on ${t.base} with the config file itself (or remove it), then run \`qhub pr\` again`,
  );
}

/**
 * Each cloud cluster's costs with the config being proposed, and with the base's config where it
 * had one that still validates (a base without one, or with an old or broken one, shows no "before").
 */
function costChanges(after: ResolvedConfig, file: string, before: string | undefined): BodyInput["costs"] {
  let old: ResolvedConfig | undefined;
  if (before !== undefined) {
    const environments = loadDefaultEnvironments();
    const v = validateDocument(parseConfigText(file, before), { shippedEnvironments: environments });
    if (v.problems.length === 0 && v.clusters) old = resolveConfig(v.clusters, { environments });
  }
  return after.clusters.flatMap((c) => {
    const now = clusterCost(c);
    const was = old?.clusters.find((o) => o.name === c.name);
    return now
      ? [{ cluster: c.name, after: now, ...(was && clusterCost(was) ? { before: clusterCost(was) } : {}) }]
      : [];
  });
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
