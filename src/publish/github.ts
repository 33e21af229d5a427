// publish, GitHub side: one pull request per branch, opened once and then only updated, through
// GitHub's REST API (Octokit). Bounded retries: 5xx, 429, network resets (plugin-retry) and
// primary/secondary rate limits (plugin-throttling) are retried a few times, then reported.
// Every HTTP attempt is counted, so the benchmark and `--json` can report the calls a PR costs.
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { UserError } from "../errors.js";
import { VERSION } from "../version.js";
import { bodyHash } from "./body.js";
import { redact } from "./redact.js";

const Client = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof Client>;

/** Retries after a failure (plugin-retry); rate limits are retried this often too. */
const MAX_RETRIES = 3;
/** A rate limit that asks us to wait longer than this (seconds) is reported instead. */
const MAX_WAIT_S = 120;

export interface GitHubOptions {
  apiUrl: string;
  token: string;
  /** Progress notes for people (waits, retries). */
  note: (line: string) => void;
  /** Test hook: the first retry's delay in ms (plugin-retry's base, default 1000). */
  retryBaseMs?: number;
  /** Each HTTP attempt, for --verbose: method, path, status and time. */
  trace?: (line: string) => void;
}

export interface CallCount {
  total: number;
  writes: number;
}

export class GitHub {
  readonly calls: CallCount = { total: 0, writes: 0 };
  private readonly client: Client;

  constructor(private readonly opts: GitHubOptions) {
    const calls = this.calls;
    const wait =
      (kind: string) => (after: number, options: { method: string; url: string }, _o: unknown, n: number) => {
        if (n >= MAX_RETRIES || after > MAX_WAIT_S) return false;
        opts.note(`GitHub ${kind} on ${options.method} ${options.url}; retrying in ${after}s`);
        return true;
      };
    this.client = new Client({
      auth: opts.token,
      baseUrl: opts.apiUrl.replace(/\/+$/, ""),
      userAgent: `qhub/${VERSION}`,
      retry: { retries: MAX_RETRIES, retryAfterBaseValue: opts.retryBaseMs ?? 1000 },
      throttle: {
        onRateLimit: wait("rate limit"),
        onSecondaryRateLimit: wait("secondary rate limit"),
      },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      request: {
        fetch: (url: string | URL, init?: RequestInit) => {
          calls.total += 1;
          const method = (init?.method ?? "GET").toUpperCase();
          if (method !== "GET" && method !== "HEAD") calls.writes += 1;
          const trace = opts.trace;
          if (!trace) return fetch(url, init);
          const start = performance.now();
          const { pathname, search } = new URL(url);
          const what = `${method} ${pathname}${search}`;
          const ms = () => Math.round(performance.now() - start);
          return fetch(url, init).then(
            (res) => {
              trace(`GitHub: ${what} -> ${res.status} (${ms()} ms)`);
              return res;
            },
            (err: unknown) => {
              trace(`GitHub: ${what} -> no answer (${ms()} ms)`);
              throw err;
            },
          );
        },
      },
    });
  }

  /** Runs one API call; its failure becomes a UserError that names it, token redacted. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.explain(what, err);
    }
  }

  private explain(what: string, err: unknown): UserError {
    const status = typeof err === "object" && err !== null && "status" in err ? Number(err.status) : 0;
    const message = redact(err instanceof Error ? err.message : String(err), this.opts.token);
    const hint =
      status === 401
        ? "GITHUB_TOKEN is not valid for GITHUB_API_URL"
        : status === 403 || status === 404
          ? "the token needs `pull requests: write` (and `contents: write`) on the repository; check --repository and GITHUB_API_URL"
          : status === 429 || status >= 500 || status === 0
            ? `GitHub did not answer after ${MAX_RETRIES} retries; try again later (nothing else was changed)`
            : "";
    return new UserError(`GitHub: ${what} failed (${status || "no answer"}): ${message}`, hint);
  }

  /** The open pull request from `head` (a branch of the same repository), if any. */
  async findOpen(owner: string, repo: string, head: string): Promise<PullRequest | undefined> {
    const { data } = await this.call("listing pull requests", () =>
      this.client.rest.pulls.list({ owner, repo, state: "open", head: `${owner}:${head}`, per_page: 10 }),
    );
    const pr = data.find((p) => p.head.ref === head);
    return pr && toPull(pr);
  }

  /**
   * Opens the pull request, or updates the open one for the branch: title, body (only when its
   * content hash changed), base, and missing labels. Read-only when nothing differs.
   */
  async upsert(spec: PullSpec): Promise<{ pull: PullRequest; action: "opened" | "updated" | "unchanged" }> {
    const { owner, repo } = spec;
    let existing = await this.findOpen(owner, repo, spec.head);
    let action: "opened" | "updated" | "unchanged" = "unchanged";
    if (!existing) {
      const created = await this.create(spec);
      if (created) {
        existing = created;
        action = "opened";
      } else {
        // GitHub says one exists although the list missed it (another run opened it meanwhile).
        existing = await this.findOpen(owner, repo, spec.head);
        if (!existing)
          throw new UserError(
            `GitHub reports an open pull request for ${spec.head} but does not list it`,
            "run `qhub pr` again",
          );
      }
    }
    const pull = existing;
    if (action !== "opened") {
      const patch: { title?: string; body?: string; base?: string } = {};
      if (pull.title !== spec.title) patch.title = spec.title;
      if (!spec.keepBody && bodyHash(pull.body) !== bodyHash(spec.body)) patch.body = spec.body;
      if (pull.base !== spec.base) patch.base = spec.base;
      if (Object.keys(patch).length > 0) {
        await this.call(`updating pull request #${pull.number}`, () =>
          this.client.rest.pulls.update({ owner, repo, pull_number: pull.number, ...patch }),
        );
        action = "updated";
      }
    }
    const missing = spec.labels.filter((l) => !pull.labels.includes(l));
    if (missing.length > 0) {
      await this.call(`labelling pull request #${pull.number}`, () =>
        this.client.rest.issues.addLabels({ owner, repo, issue_number: pull.number, labels: missing }),
      );
      if (action === "unchanged") action = "updated";
    }
    return { pull, action };
  }

  /** Opens the pull request; undefined when GitHub answers that one already exists. */
  private async create(spec: PullSpec): Promise<PullRequest | undefined> {
    try {
      const { data } = await this.client.rest.pulls.create({
        owner: spec.owner,
        repo: spec.repo,
        head: spec.head,
        base: spec.base,
        title: spec.title,
        body: spec.body,
        draft: spec.draft,
        maintainer_can_modify: true,
      });
      return toPull(data);
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw this.explain("opening the pull request", err);
    }
  }
}

export interface PullSpec {
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  /** Leave an open pull request's body as it is (nothing new was pushed: it still describes the branch). */
  keepBody?: boolean;
}

export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string | null;
  base: string;
  labels: string[];
}

interface PullData {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  base: { ref: string };
  labels: { name?: string }[];
}

function toPull(p: PullData): PullRequest {
  return {
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body,
    base: p.base.ref,
    labels: p.labels.map((l) => l.name ?? "").filter(Boolean),
  };
}

/** GitHub's 422 "A pull request already exists for OWNER:BRANCH." */
function isAlreadyExists(err: unknown): boolean {
  if (typeof err !== "object" || err === null || !("status" in err) || err.status !== 422) return false;
  const data =
    "response" in err
      ? (err.response as { data?: { errors?: { message?: string }[] } } | undefined)?.data
      : undefined;
  return (data?.errors ?? []).some((e) => /already exists/i.test(e.message ?? ""));
}
