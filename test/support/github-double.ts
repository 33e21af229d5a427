// A GitHub REST API test double: the few pull-request endpoints `qhub pr` uses, answered the way
// api.github.com answers them, on a loopback port. Every request it serves and every response it
// produces is checked against GitHub's own OpenAPI description (@octokit/openapi), so a test fails
// when the client sends something GitHub would reject or when the double drifts from GitHub.
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { RestEndpointMethodTypes } from "@octokit/rest";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { join } from "node:path";
import { listen } from "./git-server.js";
import type { GitServer } from "./git-server.js";

// ---------------------------------------------------------------------------------------------
// Public API

/** Something to go wrong, instead of normal service, for the next matching requests. */
export type Fault =
  /** An error status; 429 is GitHub's primary rate limit (x-ratelimit-remaining 0). */
  | { status: number; retryAfter?: number; body?: "html" | "json" }
  /** GitHub's secondary ("abuse") rate limit: 403 with its message and a retry-after header. */
  | { secondaryRateLimit: true; retryAfter?: number }
  /** The connection is destroyed without a response. */
  | { reset: true }
  /** `GET …/pulls` answers [] although pull requests exist (a race with another `qhub pr`). */
  | { listEmpty: true };

export interface FaultMatch {
  method?: string;
  /** Tested against the URL path (no query string). */
  path?: RegExp;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** Lower-case names; credentials are replaced by "(redacted)". */
  headers: Record<string, string>;
  /** The status answered; undefined while in flight or when the connection was reset. */
  status?: number;
  /** Set when an injected fault answered instead of the API. */
  fault?: string;
}

/** A pull request as GET /repos/{owner}/{repo}/pulls/{pull_number} returns it (Octokit's type). */
export type PullRequest = RestEndpointMethodTypes["pulls"]["get"]["response"]["data"];

/** A pull request as the double holds it (the API's JSON is built from this on every response). */
interface PullRecord {
  number: number;
  /** The base repository, `owner/name`. */
  repo: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  maintainerCanModify: boolean;
  /** The head branch's owner (the base owner unless the PR comes from a fork). */
  headOwner: string;
  /** The head branch name. */
  head: string;
  /** The head sha when the PR was created or last read; refreshed from the git server when given. */
  headSha: string;
  base: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface GitHubDouble {
  /** The REST base URL, as GITHUB_API_URL / Octokit's baseUrl. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Requests or responses that do not match GitHub's OpenAPI description. */
  violations: string[];
  /** The pull requests now, as the API returns them (a fresh snapshot on every read). */
  readonly pulls: PullRequest[];
  /**
   * Makes the next `times` requests matching `match` fail with `fault`. `times` 0 drops every
   * fault not yet produced instead (as clearFaults()).
   */
  inject(fault: Fault, times?: number, match?: FaultMatch): void;
  /** Drops the faults not yet produced. */
  clearFaults(): void;
  /** How many non-GET/HEAD requests reached the API (not refused, faulted or invalid). */
  writeCalls(): number;
  close(): Promise<void>;
}

export interface GitHubDoubleOptions {
  token: string;
  /** When given, branches and shas are read from its bare repositories, and repos exist only there. */
  git?: GitServer;
  /** The login the token belongs to (author of the pull requests); default "qhub-bot". */
  login?: string;
}

/** Where `html_url`s point: not github.com, so nothing in a test can be mistaken for a real link. */
export const HTML_BASE = "https://github.example";

export async function startGitHubDouble(opts: GitHubDoubleOptions): Promise<GitHubDouble> {
  // Loaded before listening, so a broken spec fails here and not as a first-request timeout.
  const operations = await loadOperations();
  const state = new DoubleState(opts);
  const server = createServer((req, res) => {
    handle(state, operations, req, res).catch((error: unknown) => {
      state.violations.push(`double crashed on ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { message: "test double crashed" }, state.commonHeaders());
      else res.destroy();
    });
  });
  state.url = await listen(server);
  return {
    url: state.url,
    requests: state.requests,
    violations: state.violations,
    // Built as the responses are, and those are checked against the spec on every request: the
    // cast is the schema's promise.
    get pulls() {
      return state.pulls.map((p) => pullJson(state, p) as unknown as PullRequest);
    },
    inject: (fault, times = 1, match = {}) => {
      if (!Number.isInteger(times) || times < 0)
        throw new Error(`inject: times must be a whole number, not ${times}`);
      if (times === 0) state.faults.splice(0);
      else state.faults.push({ fault, remaining: times, match });
    },
    clearFaults: () => void state.faults.splice(0),
    writeCalls: () => state.writes,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// State

interface PendingFault {
  fault: Fault;
  remaining: number;
  match: FaultMatch;
}

class DoubleState {
  url = "";
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly pulls: PullRecord[] = [];
  readonly faults: PendingFault[] = [];
  readonly git: GitServer | undefined;
  readonly login: string;
  /** Only a digest of the token is kept, so it cannot leak from this object. */
  readonly tokenDigest: Buffer;
  writes = 0;
  private used = 0;
  private readonly resetAt = Math.floor(Date.now() / 1000) + 3600;
  private readonly ids = new Map<string, number>();

  constructor(opts: GitHubDoubleOptions) {
    this.git = opts.git;
    this.login = opts.login ?? "qhub-bot";
    this.tokenDigest = digest(opts.token);
  }

  /** A stable id per name (repository, user, label), as GitHub's ids are stable. */
  id(kind: string, name: string): number {
    const key = `${kind}:${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = 1000 + this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  /** Takes one use of the first pending fault that matches, if any. */
  takeFault(method: string, path: string, wanted: (f: Fault) => boolean): Fault | undefined {
    const pending = this.faults.find(
      (p) =>
        p.remaining > 0 &&
        wanted(p.fault) &&
        (p.match.method === undefined || p.match.method.toUpperCase() === method) &&
        (p.match.path === undefined || p.match.path.test(path)),
    );
    if (!pending) return undefined;
    pending.remaining -= 1;
    return pending.fault;
  }

  /** Headers every api.github.com response carries. */
  commonHeaders(): OutgoingHttpHeaders {
    this.used += 1;
    return {
      "content-type": "application/json; charset=utf-8",
      "x-github-request-id": requestId(),
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, 5000 - this.used)),
      "x-ratelimit-reset": String(this.resetAt),
      "x-ratelimit-used": String(this.used),
      "x-ratelimit-resource": "core",
    };
  }

  /** The sha a branch points at in the git server, or undefined when it (or the repo) is missing. */
  branchSha(fullName: string, branch: string): string | undefined {
    if (!this.git || !this.repoExists(fullName)) return undefined;
    try {
      return this.git.git(fullName, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`);
    } catch {
      return undefined;
    }
  }

  repoExists(fullName: string): boolean {
    return this.git === undefined || existsSync(join(this.git.root, `${fullName}.git`));
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Shaped like GitHub's: `XXXX:XXXX:XXXXXX:XXXXXX:XXXXXXXX`. */
function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`;
}

// ---------------------------------------------------------------------------------------------
// Request handling

interface Reply {
  status: number;
  body: unknown;
  headers?: OutgoingHttpHeaders;
}

const DOCS = "https://docs.github.com/rest";

async function handle(
  state: DoubleState,
  operations: Operation[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = (req.method ?? "GET").toUpperCase();
  const raw = await readBody(req);
  const entry = recordRequest(state, method, url, req, raw);

  const fault = state.takeFault(method, url.pathname, (f) => !("listEmpty" in f));
  if (fault) {
    entry.fault = JSON.stringify(fault);
    if ("reset" in fault) {
      req.socket.destroy();
      return;
    }
    entry.status = sendFault(res, fault, state.commonHeaders());
    return;
  }

  const denied = authFailure(req.headers.authorization, state.tokenDigest);
  if (denied) {
    entry.status = sendJson(
      res,
      401,
      { message: denied, documentation_url: DOCS, status: "401" },
      state.commonHeaders(),
    );
    return;
  }

  const route = findRoute(operations, method, url.pathname);
  if (!route) {
    entry.status = sendJson(
      res,
      404,
      { message: "Not Found", documentation_url: DOCS, status: "404" },
      state.commonHeaders(),
    );
    return;
  }
  const { op, params } = route;
  const call = { method, path: url.pathname, query: entry.query, raw, body: entry.body };
  const problems = validateRequest(op, params, call);
  if (problems.length > 0) {
    state.violations.push(...problems);
    const message = `Invalid request.\n\n${problems.join("\n")}`;
    entry.status = sendJson(
      res,
      400,
      { message, documentation_url: op.docs, status: "400" },
      state.commonHeaders(),
    );
    return;
  }

  if (method !== "GET" && method !== "HEAD") state.writes += 1;
  const reply = HANDLERS[op.id](state, { op, params, query: entry.query, body: entry.body, url });
  const invalid = validateResponse(op, reply);
  if (invalid.length > 0) {
    state.violations.push(...invalid);
    const message = `test double produced an invalid response:\n${invalid.join("\n")}`;
    entry.status = sendJson(res, 500, { message }, state.commonHeaders());
    return;
  }
  entry.status = sendJson(res, reply.status, reply.body, { ...state.commonHeaders(), ...reply.headers });
}

function recordRequest(
  state: DoubleState,
  method: string,
  url: URL,
  req: IncomingMessage,
  raw: string,
): RecordedRequest {
  const entry: RecordedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: parseBody(raw),
    headers: redactedHeaders(req),
  };
  state.requests.push(entry);
  return entry;
}

function parseBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

function redactedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? "(redacted)" : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** GitHub's messages: no credentials at all vs. credentials it does not know. */
function authFailure(header: string | undefined, tokenDigest: Buffer): string | undefined {
  if (!header) return "Requires authentication";
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1] || !timingSafeEqual(digest(match[1]), tokenDigest)) return "Bad credentials";
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(text) });
  res.end(text);
  return status;
}

/** Answers with an injected fault; returns the status sent. */
function sendFault(res: ServerResponse, fault: Fault, headers: OutgoingHttpHeaders): number {
  if ("secondaryRateLimit" in fault) {
    const message =
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
    const body = {
      message,
      documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
      status: "403",
    };
    return sendJson(res, 403, body, { ...headers, "retry-after": String(fault.retryAfter ?? 0) });
  }
  if (!("status" in fault)) throw new Error(`not a response fault: ${JSON.stringify(fault)}`);
  if (fault.status === 429) return sendPrimaryRateLimit(res, fault.retryAfter ?? 0, headers);
  const retry = fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
  if (fault.body === "json" || (fault.body === undefined && fault.status < 500)) {
    const body = { message: statusText(fault.status), documentation_url: DOCS, status: String(fault.status) };
    return sendJson(res, fault.status, body, { ...headers, ...retry });
  }
  // What GitHub's load balancers answer when the API behind them is down: HTML, not JSON.
  const html = `<html><head><title>${fault.status} ${statusText(fault.status)}</title></head><body><h1>${statusText(fault.status)}</h1></body></html>\n`;
  res.writeHead(fault.status, {
    ...headers,
    ...retry,
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
  });
  res.end(html);
  return fault.status;
}

/**
 * GitHub's primary rate limit. x-ratelimit-reset is chosen so Octokit's throttling plugin, which
 * waits `reset - now + 1` seconds, waits exactly `retryAfter` seconds.
 */
function sendPrimaryRateLimit(res: ServerResponse, retryAfter: number, headers: OutgoingHttpHeaders): number {
  const reset = Math.floor(Date.now() / 1000) + retryAfter - 1;
  const body = {
    message: "API rate limit exceeded for user ID 1000.",
    documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
    status: "429",
  };
  return sendJson(res, 429, body, {
    ...headers,
    "retry-after": String(retryAfter),
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": String(reset),
  });
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return texts[status] ?? "Error";
}

// ---------------------------------------------------------------------------------------------
// Endpoints

interface Call {
  op: Operation;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  url: URL;
}

type Handler = (state: DoubleState, call: Call) => Reply;

const HANDLERS: Record<ServedId, Handler> = {
  "pulls/list": listPulls,
  "pulls/create": createPull,
  "pulls/get": getPull,
  "pulls/update": updatePull,
  "issues/add-labels": addLabels,
  "repos/get": getRepo,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Narrowing for a body that already passed schema validation. */
function bodyOf(call: Call): Record<string, unknown> {
  return isRecord(call.body) ? call.body : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function fullName(call: Call): string {
  return `${call.params.owner}/${call.params.repo}`;
}

function notFound(call: Call): Reply {
  return { status: 404, body: { message: "Not Found", documentation_url: call.op.docs, status: "404" } };
}

function validationFailed(call: Call, errors: Record<string, string>[]): Reply {
  return {
    status: 422,
    body: { message: "Validation Failed", errors, documentation_url: call.op.docs, status: "422" },
  };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function listPulls(state: DoubleState, call: Call): Reply {
  const repo = fullName(call);
  if (!state.repoExists(repo)) return notFound(call);
  const q = call.query;
  const wantState = q.state ?? "open";
  // GitHub ignores a `head` without the `owner:` prefix: it lists every pull request.
  const [headOwner, headRef] = q.head?.includes(":") ? splitOnce(q.head, ":") : [undefined, undefined];
  let matches = state.pulls.filter(
    (p) =>
      p.repo === repo &&
      (wantState === "all" || p.state === wantState) &&
      (headRef === undefined || (p.headOwner === headOwner && p.head === headRef)) &&
      (q.base === undefined || p.base === q.base),
  );
  if (state.takeFault("GET", call.url.pathname, (f) => "listEmpty" in f)) matches = [];
  matches = sortPulls(matches, q.sort ?? "created", q.direction);
  const perPage = Math.min(100, Number(q.per_page ?? 30));
  const page = Number(q.page ?? 1);
  const slice = matches.slice((page - 1) * perPage, page * perPage);
  const link = linkHeader(state.url, call.url, page, Math.ceil(matches.length / perPage));
  return {
    status: 200,
    body: slice.map((p) => pullSimpleJson(state, p)),
    headers: link ? { link } : {},
  };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + separator.length)];
}

/** GitHub's default order: newest first when sorting by creation, else ascending. */
function sortPulls(pulls: PullRecord[], sort: string, direction: string | undefined): PullRecord[] {
  const desc = (direction ?? (sort === "created" ? "desc" : "asc")) === "desc";
  const key = (p: PullRecord) => (sort === "updated" ? `${p.updatedAt}:${pad(p.number)}` : pad(p.number));
  const sorted = [...pulls].sort((a, b) => key(a).localeCompare(key(b)));
  return desc ? sorted.reverse() : sorted;
}

function pad(n: number): string {
  return String(n).padStart(10, "0");
}

/** RFC 8288 Link header for pagination, as GitHub sends it (undefined for a single page). */
function linkHeader(base: string, url: URL, page: number, pages: number): string | undefined {
  if (pages <= 1) return undefined;
  const at = (n: number) => {
    const u = new URL(url.pathname + url.search, base);
    u.searchParams.set("page", String(n));
    return `<${u.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < pages) links.push(`${at(page + 1)}; rel="next"`, `${at(pages)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return links.join(", ");
}

function createPull(state: DoubleState, call: Call): Reply {
  const repo = fullName(call);
  if (!state.repoExists(repo)) return notFound(call);
  const body = bodyOf(call);
  const title = str(body.title);
  const base = str(body.base) ?? "";
  const headSpec = str(body.head) ?? "";
  const [headOwner, head] = headSpec.includes(":")
    ? splitOnce(headSpec, ":")
    : [call.params.owner ?? "", headSpec];
  if (title === undefined)
    return validationFailed(call, [{ resource: "PullRequest", field: "title", code: "missing_field" }]);
  const refProblem = checkRefs(state, call, repo, headOwner, head, base);
  if (refProblem) return refProblem;
  const duplicate = state.pulls.find(
    (p) =>
      p.repo === repo &&
      p.state === "open" &&
      p.headOwner === headOwner &&
      p.head === head &&
      p.base === base,
  );
  if (duplicate) {
    const message = `A pull request already exists for ${headOwner}:${head}.`;
    return validationFailed(call, [{ resource: "PullRequest", code: "custom", message }]);
  }
  const created = now();
  const pull: PullRecord = {
    number: state.pulls.length + 1,
    repo,
    title,
    body: str(body.body) ?? null,
    state: "open",
    draft: body.draft === true,
    maintainerCanModify: body.maintainer_can_modify !== false,
    headOwner,
    head,
    headSha: state.branchSha(`${headOwner}/${call.params.repo}`, head) ?? fakeSha(`${headOwner}:${head}`),
    base,
    labels: [],
    createdAt: created,
    updatedAt: created,
    closedAt: null,
  };
  state.pulls.push(pull);
  const json = pullJson(state, pull);
  return { status: 201, body: json, headers: { location: json.url } };
}

/**
 * With a git server, the branches must exist and differ, as on GitHub; without one, any branch
 * is taken to exist.
 */
function checkRefs(
  state: DoubleState,
  call: Call,
  repo: string,
  headOwner: string,
  head: string,
  base: string,
): Reply | undefined {
  if (!state.git) return undefined;
  const headRepo = `${headOwner}/${call.params.repo}`;
  const errors: Record<string, string>[] = [];
  if (state.branchSha(repo, base) === undefined)
    errors.push({ resource: "PullRequest", field: "base", code: "invalid" });
  if (state.branchSha(headRepo, head) === undefined)
    errors.push({ resource: "PullRequest", field: "head", code: "invalid" });
  if (errors.length > 0) return validationFailed(call, errors);
  if (headRepo === repo && state.git.git(repo, "rev-list", "--count", `${base}..${head}`) === "0") {
    const message = `No commits between ${base} and ${head}`;
    return validationFailed(call, [{ resource: "PullRequest", code: "custom", message }]);
  }
  return undefined;
}

function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

function findPull(state: DoubleState, call: Call, param: string): PullRecord | undefined {
  const number = Number(call.params[param]);
  return state.pulls.find((p) => p.repo === fullName(call) && p.number === number);
}

function getPull(state: DoubleState, call: Call): Reply {
  const pull = findPull(state, call, "pull_number");
  return pull ? { status: 200, body: pullJson(state, pull) } : notFound(call);
}

function updatePull(state: DoubleState, call: Call): Reply {
  const pull = findPull(state, call, "pull_number");
  if (!pull) return notFound(call);
  const body = bodyOf(call);
  const base = str(body.base);
  if (base !== undefined && state.git && state.branchSha(pull.repo, base) === undefined)
    return validationFailed(call, [{ resource: "PullRequest", field: "base", code: "invalid" }]);
  const reopening = body.state === "open" && pull.state === "closed";
  const clash = state.pulls.find(
    (p) =>
      p !== pull &&
      p.repo === pull.repo &&
      p.state === "open" &&
      p.headOwner === pull.headOwner &&
      p.head === pull.head &&
      p.base === (base ?? pull.base),
  );
  if (clash && (reopening || base !== undefined)) {
    const message = `A pull request already exists for ${pull.headOwner}:${pull.head}.`;
    return validationFailed(call, [{ resource: "PullRequest", code: "custom", message }]);
  }
  applyUpdate(pull, body, base);
  return { status: 200, body: pullJson(state, pull) };
}

function applyUpdate(pull: PullRecord, body: Record<string, unknown>, base: string | undefined): void {
  const title = str(body.title);
  if (title !== undefined) pull.title = title;
  if (typeof body.body === "string") pull.body = body.body;
  if (base !== undefined) pull.base = base;
  if (typeof body.maintainer_can_modify === "boolean") pull.maintainerCanModify = body.maintainer_can_modify;
  pull.updatedAt = now();
  if (body.state === "closed" && pull.state === "open") {
    pull.state = "closed";
    pull.closedAt = pull.updatedAt;
  } else if (body.state === "open" && pull.state === "closed") {
    pull.state = "open";
    pull.closedAt = null;
  }
}

/** Adds to the labels already there (GitHub matches names case-insensitively) and lists them all. */
function addLabels(state: DoubleState, call: Call): Reply {
  const pull = findPull(state, call, "issue_number");
  if (!pull) return notFound(call);
  const body = call.body;
  const items: unknown[] = Array.isArray(body)
    ? body
    : isRecord(body) && Array.isArray(body.labels)
      ? body.labels
      : [];
  for (const item of items) {
    const name = typeof item === "string" ? item : isRecord(item) ? str(item.name) : undefined;
    if (name === undefined) continue;
    if (!pull.labels.some((l) => l.toLowerCase() === name.toLowerCase())) pull.labels.push(name);
  }
  pull.updatedAt = now();
  return { status: 200, body: pull.labels.map((name) => labelJson(state, pull.repo, name)) };
}

function getRepo(state: DoubleState, call: Call): Reply {
  const repo = fullName(call);
  if (!state.repoExists(repo)) return notFound(call);
  return { status: 200, body: fullRepoJson(state, call.params.owner ?? "", call.params.repo ?? "") };
}

// ---------------------------------------------------------------------------------------------
// JSON shapes, as api.github.com returns them

function userJson(state: DoubleState, login: string): Record<string, unknown> {
  const api = `${state.url}/users/${login}`;
  const id = state.id("user", login);
  return {
    login,
    id,
    node_id: nodeId("U_kgDO", id),
    avatar_url: `${HTML_BASE}/avatars/u/${id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: `${HTML_BASE}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: "User",
    user_view_type: "public",
    site_admin: false,
  };
}

function nodeId(prefix: string, id: number): string {
  return prefix + Buffer.from(`qhub-test-${id}`).toString("base64url");
}

/** The `repository` shape (as in a pull request's head and base). */
function repoJson(state: DoubleState, owner: string, name: string, fork = false): Record<string, unknown> {
  const full = `${owner}/${name}`;
  const api = `${state.url}/repos/${full}`;
  const id = state.id("repo", full);
  const stamp = "2024-01-01T00:00:00Z";
  return {
    id,
    node_id: nodeId("R_kgDO", id),
    name,
    full_name: full,
    owner: userJson(state, owner),
    private: false,
    html_url: `${HTML_BASE}/${full}`,
    description: null,
    fork,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://github.example/${full}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@github.example:${full}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    // With a git server, the clone URL is the real one, so a client may push where the API says.
    clone_url: state.git ? `${state.git.url}/${full}.git` : `${HTML_BASE}/${full}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${HTML_BASE}/${full}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 1,
    default_branch: "main",
    open_issues_count: state.pulls.filter((p) => p.repo === full && p.state === "open").length,
    open_issues: state.pulls.filter((p) => p.repo === full && p.state === "open").length,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    visibility: "public",
    pushed_at: now(),
    created_at: stamp,
    updated_at: stamp,
    license: null,
    allow_forking: true,
    web_commit_signoff_required: false,
  };
}

/** The `full-repository` shape of GET /repos/{owner}/{repo}, for the token's user (admin). */
function fullRepoJson(state: DoubleState, owner: string, name: string): Record<string, unknown> {
  return {
    ...repoJson(state, owner, name),
    has_discussions: false,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
    squash_merge_commit_message: "COMMIT_MESSAGES",
    merge_commit_title: "MERGE_MESSAGE",
    merge_commit_message: "PR_TITLE",
    network_count: 0,
    subscribers_count: 1,
  };
}

function labelJson(state: DoubleState, repo: string, name: string): Record<string, unknown> {
  const id = state.id("label", `${repo}:${name.toLowerCase()}`);
  return {
    id,
    node_id: nodeId("LA_kwDO", id),
    url: `${state.url}/repos/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    // The colour GitHub gives a label it creates on the fly.
    color: "ededed",
    default: false,
    // GitHub sends null for a label without one, but the description of pull-request-simple (list
    // results) says string, not nullable: "" satisfies every shape a label appears in.
    description: "",
  };
}

/** The head sha now: a push to the branch moves an open pull request's head, as on GitHub. */
function currentHeadSha(state: DoubleState, pull: PullRecord): string {
  const repoName = pull.repo.split("/")[1] ?? "";
  const sha = pull.state === "open" ? state.branchSha(`${pull.headOwner}/${repoName}`, pull.head) : undefined;
  if (sha !== undefined) pull.headSha = sha;
  return pull.headSha;
}

/** The `pull-request-simple` shape (list results). */
function pullSimpleJson(state: DoubleState, pull: PullRecord): Record<string, unknown> & { url: string } {
  const [owner = "", name = ""] = pull.repo.split("/");
  const api = `${state.url}/repos/${pull.repo}`;
  const html = `${HTML_BASE}/${pull.repo}/pull/${pull.number}`;
  const id = state.id("pull", `${pull.repo}#${pull.number}`);
  const url = `${api}/pulls/${pull.number}`;
  const issue = `${api}/issues/${pull.number}`;
  const statuses = `${api}/statuses/${currentHeadSha(state, pull)}`;
  const baseSha = state.branchSha(pull.repo, pull.base) ?? fakeSha(`${pull.repo}:${pull.base}`);
  return {
    url,
    id,
    node_id: nodeId("PR_kwDO", id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(state, state.login),
    body: pull.body,
    labels: pull.labels.map((l) => labelJson(state, pull.repo, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${pull.headOwner}:${pull.head}`,
      ref: pull.head,
      sha: pull.headSha,
      user: userJson(state, pull.headOwner),
      repo: repoJson(state, pull.headOwner, name, pull.headOwner !== owner),
    },
    base: {
      label: `${owner}:${pull.base}`,
      ref: pull.base,
      sha: baseSha,
      user: userJson(state, owner),
      repo: repoJson(state, owner, name),
    },
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statuses },
    },
    author_association: "COLLABORATOR",
    auto_merge: null,
    draft: pull.draft,
  };
}

/** The full `pull-request` shape (create, get, update). */
function pullJson(state: DoubleState, pull: PullRecord): Record<string, unknown> & { url: string } {
  return {
    ...pullSimpleJson(state, pull),
    merged: false,
    // GitHub computes mergeability in the background: the first answers say "not known yet".
    mergeable: null,
    rebaseable: null,
    mergeable_state: "unknown",
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    ...diffStats(state, pull),
  };
}

/** Commit and line counts between base and head, from git when the double has it. */
function diffStats(state: DoubleState, pull: PullRecord): Record<string, number> {
  const repoName = pull.repo.split("/")[1] ?? "";
  const same = pull.headOwner === pull.repo.split("/")[0];
  const ok =
    state.git && same && state.branchSha(pull.repo, pull.base) && state.branchSha(pull.repo, pull.head);
  if (!state.git || !ok) return { commits: 1, additions: 1, deletions: 0, changed_files: 1 };
  const fullRepo = `${pull.headOwner}/${repoName}`;
  const commits = Number(state.git.git(fullRepo, "rev-list", "--count", `${pull.base}..${pull.head}`));
  const numstat = state.git.git(fullRepo, "diff", "--numstat", `${pull.base}...${pull.head}`);
  const rows = numstat === "" ? [] : numstat.split("\n").map((line) => line.split("\t"));
  const sum = (i: number) => rows.reduce((n, r) => n + (Number(r[i]) || 0), 0);
  return { commits, additions: sum(0), deletions: sum(1), changed_files: rows.length };
}

// ---------------------------------------------------------------------------------------------
// GitHub's OpenAPI description, reduced to the operations served and turned into JSON Schema

const SERVED = {
  "pulls/list": ["get", "/repos/{owner}/{repo}/pulls"],
  "pulls/create": ["post", "/repos/{owner}/{repo}/pulls"],
  "pulls/get": ["get", "/repos/{owner}/{repo}/pulls/{pull_number}"],
  "pulls/update": ["patch", "/repos/{owner}/{repo}/pulls/{pull_number}"],
  "issues/add-labels": ["post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"],
  "repos/get": ["get", "/repos/{owner}/{repo}"],
} as const;
type ServedId = keyof typeof SERVED;

type Schema = Record<string, unknown> | boolean;

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Schema;
}

interface Operation {
  id: ServedId;
  method: string;
  pattern: RegExp;
  paramNames: string[];
  docs: string;
  parameters: Parameter[];
  body?: { required: boolean; schema: Schema };
  /** JSON response schema by status; undefined for a status documented without a JSON body. */
  responses: Map<string, Schema | undefined>;
}

/** Fully dereferenced (no $ref left), so each operation's schemas stand alone. */
const SPEC = createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.deref.json");

/** Formats the kept schemas name that are not known to the validator; they are accepted as-is. */
const unknownFormats = new Set<string>();

let loaded: Promise<Operation[]> | undefined;

/** The served operations, read from the ~73 MB description once per process. */
function loadOperations(): Promise<Operation[]> {
  loaded ??= (async () => {
    const spec: unknown = JSON.parse(await readFile(SPEC, "utf8"));
    // Only the operations served are kept; the rest of the parsed description is garbage now.
    return (Object.keys(SERVED) as ServedId[]).map((id) => toOperation(id, spec));
  })();
  return loaded;
}

function toOperation(id: ServedId, spec: unknown): Operation {
  const [method, template] = SERVED[id];
  const raw =
    isRecord(spec) && isRecord(spec.paths) && isRecord(spec.paths[template])
      ? spec.paths[template][method]
      : undefined;
  if (!isRecord(raw) || raw.operationId !== id)
    throw new Error(`OpenAPI description has no ${id} at ${method} ${template}`);
  const paramNames = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+)")}$`);
  return {
    id,
    method: method.toUpperCase(),
    pattern,
    paramNames,
    docs: isRecord(raw.externalDocs) ? (str(raw.externalDocs.url) ?? DOCS) : DOCS,
    parameters: (Array.isArray(raw.parameters) ? raw.parameters : []).filter(isRecord).map((p) => ({
      name: str(p.name) ?? "",
      in: str(p.in) ?? "",
      required: p.required === true,
      schema: toJsonSchema(p.schema ?? {}),
    })),
    ...requestBodyOf(raw.requestBody),
    responses: responsesOf(raw.responses),
  };
}

function jsonContentSchema(content: unknown): Schema | undefined {
  if (!isRecord(content) || !isRecord(content["application/json"])) return undefined;
  const schema = content["application/json"].schema;
  return schema === undefined ? undefined : toJsonSchema(schema);
}

function requestBodyOf(raw: unknown): { body?: Operation["body"] } {
  if (!isRecord(raw)) return {};
  const schema = jsonContentSchema(raw.content);
  return schema === undefined ? {} : { body: { required: raw.required === true, schema } };
}

function responsesOf(raw: unknown): Map<string, Schema | undefined> {
  const out = new Map<string, Schema | undefined>();
  if (!isRecord(raw)) return out;
  for (const [status, response] of Object.entries(raw))
    out.set(status, isRecord(response) ? jsonContentSchema(response.content) : undefined);
  return out;
}

/** Keywords of OpenAPI 3.0 schema objects that are documentation only, or unknown to JSON Schema. */
const DROPPED = new Set(["example", "discriminator", "externalDocs", "xml", "nullable"]);
/** Keywords whose value maps names to schemas (the names are data, not keywords). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions"]);
/** Keywords whose value is one schema. */
const SCHEMA_ONE = new Set(["items", "additionalProperties", "not", "additionalItems"]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);

/**
 * An OpenAPI 3.0 schema as JSON Schema (draft-07, which ajv speaks):
 * - `nullable: true` becomes a union with null (type list, `null` in an enum, or an anyOf when
 *   there is no type), since ajv's own `nullable` needs a sibling `type`.
 * - A oneOf with several nullable branches would reject null (it matches them all): null moves to
 *   the oneOf itself.
 * - `example`, `x-*` extensions and the like are dropped, so ajv can run in strict mode and still
 *   reject any keyword that is really unknown.
 */
function toJsonSchema(schema: unknown, dropNull = false): Schema {
  if (typeof schema === "boolean") return schema;
  if (!isRecord(schema)) throw new Error(`not a schema: ${JSON.stringify(schema)}`);
  const out: Record<string, unknown> = {};
  let nullable = schema.nullable === true && !dropNull;
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith("x-")) continue;
    if (key === "examples" && !Array.isArray(value)) continue;
    if (key === "format" && typeof value === "string" && !KNOWN_FORMATS.has(value)) unknownFormats.add(value);
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if (SCHEMA_ONE.has(key) && (isRecord(value) || typeof value === "boolean")) {
      out[key] = toJsonSchema(value);
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      const nullables = value.filter((v) => isRecord(v) && v.nullable === true).length;
      const hoist = key === "oneOf" && nullables > 1;
      if (hoist) nullable = true;
      out[key] = value.map((v) => toJsonSchema(v, hoist));
    } else {
      out[key] = value;
    }
  }
  return nullable ? withNull(out) : out;
}

function withNull(schema: Record<string, unknown>): Schema {
  if (typeof schema.type === "string" || Array.isArray(schema.type)) {
    const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const out: Record<string, unknown> = {
      ...schema,
      type: types.includes("null") ? types : [...types, "null"],
    };
    const values: unknown = schema.enum;
    if (Array.isArray(values) && !values.includes(null)) out.enum = [...(values as unknown[]), null];
    return out;
  }
  return { anyOf: [schema, { type: "null" }] };
}

// ---------------------------------------------------------------------------------------------
// Validation

const KNOWN_FORMATS = new Set(["date-time", "uri", "int64", "int32", "repo.nwo", "email"]);

let ajvInstance: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  // Strict about keywords (a typo or an untranslated OpenAPI keyword must not be ignored silently),
  // lenient about the type hints GitHub's schemas leave out.
  const instance = new Ajv({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: true,
  });
  instance.addFormat("date-time", {
    type: "string",
    validate: (s) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
  });
  instance.addFormat("uri", { type: "string", validate: isAbsoluteUri });
  instance.addFormat("email", { type: "string", validate: (s) => /^[^\s@]+@[^\s@]+$/.test(s) });
  instance.addFormat("int64", { type: "number", validate: (n) => Number.isSafeInteger(n) });
  instance.addFormat("int32", {
    type: "number",
    validate: (n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  instance.addFormat("repo.nwo", { type: "string", validate: (s) => /^[^/\s]+\/[^/\s]+$/.test(s) });
  ajvInstance = instance;
  return instance;
}

function isAbsoluteUri(text: string): boolean {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(text) && new URL(text).protocol !== "";
  } catch {
    return false;
  }
}

/** A compiled validator per schema, cached by name: the big pull-request schemas compile once. */
function validator(key: string, schema: Schema): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    const instance = ajv();
    for (const format of unknownFormats) if (!instance.formats[format]) instance.addFormat(format, true);
    fn = instance.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 10).map((e) => {
    const params =
      e.keyword === "additionalProperties" || e.keyword === "enum" ? ` ${JSON.stringify(e.params)}` : "";
    return `${where}${e.instancePath}: ${e.message ?? e.keyword}${params}`;
  });
}

function check(key: string, where: string, schema: Schema, value: unknown): string[] {
  const fn = validator(key, schema);
  return fn(value) ? [] : describe(where, fn.errors);
}

interface RequestCall {
  method: string;
  path: string;
  query: Record<string, string>;
  raw: string;
  body: unknown;
}

function findRoute(
  operations: Operation[],
  method: string,
  path: string,
): { op: Operation; params: Record<string, string> } | undefined {
  for (const op of operations) {
    if (op.method !== method) continue;
    const match = op.pattern.exec(path);
    if (!match) continue;
    const params = Object.fromEntries(
      op.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]),
    );
    return { op, params };
  }
  return undefined;
}

/** Query and path values arrive as text: read them as the parameter's schema type says. */
function coerce(value: string, schema: Schema): unknown {
  const type = isRecord(schema) ? schema.type : undefined;
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/**
 * Problems with a request, against the operation: path and query parameters (unknown query
 * parameters too: GitHub ignores them, but a client that sends one has a bug), and the JSON body
 * (unknown top-level fields too, for the same reason).
 */
function validateRequest(op: Operation, params: Record<string, string>, call: RequestCall): string[] {
  const where = `${call.method} ${call.path}`;
  const problems: string[] = [];
  for (const p of op.parameters) {
    if (p.in !== "path" && p.in !== "query") continue;
    const value = p.in === "path" ? params[p.name] : call.query[p.name];
    if (value === undefined) {
      if (p.required) problems.push(`${where}: missing ${p.in} parameter ${p.name}`);
      continue;
    }
    problems.push(
      ...check(
        `${op.id} ${p.in} ${p.name}`,
        `${where}: ${p.in} parameter ${p.name}`,
        p.schema,
        coerce(value, p.schema),
      ),
    );
  }
  const known = new Set(op.parameters.filter((p) => p.in === "query").map((p) => p.name));
  for (const name of Object.keys(call.query))
    if (!known.has(name)) problems.push(`${where}: unknown query parameter ${name}`);
  problems.push(...validateBody(op, where, call));
  return problems;
}

function validateBody(op: Operation, where: string, call: RequestCall): string[] {
  if (!op.body) return call.raw === "" ? [] : [`${where}: ${op.id} takes no request body`];
  if (call.raw === "") return op.body.required ? [`${where}: missing request body`] : [];
  if (typeof call.body === "string")
    return [`${where}: request body is not JSON (GitHub: "Problems parsing JSON")`];
  const problems = check(`${op.id} body`, `${where}: request body`, op.body.schema, call.body);
  const properties =
    isRecord(op.body.schema) && isRecord(op.body.schema.properties) ? op.body.schema.properties : undefined;
  if (properties && isRecord(call.body))
    for (const name of Object.keys(call.body))
      if (!(name in properties)) problems.push(`${where}: request body has unknown field ${name}`);
  return problems;
}

/**
 * Problems with a response the double is about to send. A status the operation does not
 * document is a problem, except 404: GitHub answers it on every endpoint for a missing repository.
 */
function validateResponse(op: Operation, reply: Reply): string[] {
  const where = `${op.id} ${reply.status} response`;
  const key = String(reply.status);
  if (!op.responses.has(key))
    return reply.status === 404 ? [] : [`${where}: status not documented for ${op.id}`];
  const schema = op.responses.get(key);
  if (schema === undefined) return reply.body === undefined ? [] : [`${where}: documented without a body`];
  return check(`${op.id} ${key}`, where, schema, reply.body);
}
