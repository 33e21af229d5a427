// A real git remote for tests: bare repositories served over smart HTTP by `git http-backend`
// (as CGI), behind GitHub-style Basic authentication, on a loopback port. Tests of `qhub pr` push to
// it exactly as they would push to github.com, with the real git client.
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GitRequest {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  /** `git-upload-pack` (fetch/clone) or `git-receive-pack` (push), when the request names one. */
  service?: string;
  /** The status answered; absent while the request is in flight. */
  status?: number;
}

export interface GitServer {
  /** `http://127.0.0.1:PORT`, no trailing slash; a repository is at `${url}/owner/name.git`. */
  url: string;
  /** The directory holding the bare repositories, as `root/owner/name.git`. */
  root: string;
  /** Creates `root/owner/name.git` with one commit holding `files` on `branch`; returns its sha. */
  createRepo(fullName: string, files: Record<string, string>, branch?: string): Promise<string>;
  /** Runs git in the bare repository `owner/name` and returns its stdout without the final newline. */
  git(fullName: string, ...args: string[]): string;
  /** Every request received, in order (credentials are never recorded). */
  requests: GitRequest[];
  /**
   * How many pushes git http-backend served successfully: receive-pack POSTs, not counting the
   * empty probe git sends before a large (chunked) push to check authentication.
   */
  pushes(): number;
  /** Stops the server and removes its repositories. */
  close(): Promise<void>;
}

/** `Authorization: Basic …` as GitHub expects it for a token: user `x-access-token`, password the token. */
export function basicAuthHeader(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

/**
 * Environment for a git client that talks to the server: the token travels only in an
 * `http.extraHeader` given through GIT_CONFIG_* variables (never in a URL, a file or argv), and no
 * user or system configuration, prompt or credential helper is consulted.
 */
export function gitClientEnv(token: string, home: string): NodeJS.ProcessEnv {
  return {
    ...isolatedGitEnv(home),
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: ${basicAuthHeader(token)}`,
  };
}

/** A git environment free of the developer's configuration, with a fixed identity and clock. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "QHub Test",
    GIT_AUTHOR_EMAIL: "qhub-test@example.com",
    GIT_COMMITTER_NAME: "QHub Test",
    GIT_COMMITTER_EMAIL: "qhub-test@example.com",
    // A fixed date makes the first commit's sha the same on every run.
    GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
  };
}

export async function startGitServer(opts: { token: string }): Promise<GitServer> {
  const base = mkdtempSync(join(tmpdir(), "qhub-git-server-"));
  const root = join(base, "repos");
  const home = join(base, "home");
  mkdirSync(root);
  mkdirSync(home);
  const env = isolatedGitEnv(home);
  // Only a digest of the token is kept, so it cannot leak from this object into a log or snapshot.
  const tokenDigest = digest(opts.token);
  const backend = httpBackendPath();
  const requests: GitRequest[] = [];
  const children = new Set<ChildProcess>();
  let pushes = 0;

  const repoDir = (fullName: string): string => join(root, `${checkFullName(fullName)}.git`);
  const git = (fullName: string, ...args: string[]): string =>
    runGit(env, ["--git-dir", repoDir(fullName), ...args]);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const entry: GitRequest = { method: req.method ?? "GET", path: url.pathname };
    const service = serviceOf(url);
    if (service) entry.service = service;
    requests.push(entry);
    const answer = (status: number): void => void (entry.status = status);

    const user = authenticatedUser(req.headers.authorization, tokenDigest);
    if (user === undefined) {
      // Drain the body so the client reads the 401 instead of a reset connection.
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" });
      res.end("Authentication required\n");
      answer(401);
      return;
    }
    readBody(req)
      .then(async (body) => {
        const cgi = runBackend(backend, cgiEnv(env, root, req, url, user, body.length), body, res, answer);
        children.add(cgi.child);
        const status = await cgi.done;
        children.delete(cgi.child);
        if (entry.method === "POST" && service === "git-receive-pack" && status === 200 && !isProbe(body))
          pushes += 1;
      })
      // The client went away mid-request: there is no one left to answer.
      .catch(() => res.destroy());
  });
  const url = await listen(server);

  return {
    url,
    root,
    requests,
    pushes: () => pushes,
    git,
    // Synchronous inside, but a promise so a failure rejects instead of throwing at the call.
    createRepo: (fullName, files, branch = "main") =>
      new Promise<string>((resolve) => resolve(createRepo(env, repoDir(fullName), files, branch))),
    close: async () => {
      for (const child of children) child.kill();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** `owner/name`, checked so it can only name a directory two levels below the root. */
function checkFullName(fullName: string): string {
  if (
    !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(fullName) ||
    fullName.split("/").some((s) => /^\.+$/.test(s))
  )
    throw new Error(`not an owner/name repository name: ${fullName}`);
  return fullName.replace(/\.git$/, "");
}

/** git-http-backend ships with git, not on PATH; Debian puts it in /usr/lib/git-core. */
function httpBackendPath(): string {
  const debian = "/usr/lib/git-core/git-http-backend";
  if (existsSync(debian)) return debian;
  const execPath = execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim();
  return join(execPath, "git-http-backend");
}

function runGit(env: NodeJS.ProcessEnv, args: string[], input?: string): string {
  const out = execFileSync("git", args, {
    env,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    ...(input === undefined ? {} : { input }),
  });
  return out.replace(/\n$/, "");
}

/**
 * One commit on `branch` in a new bare repository, written with plumbing (objects, a temporary
 * index, commit-tree) so no work tree or clone is needed.
 */
function createRepo(
  env: NodeJS.ProcessEnv,
  dir: string,
  files: Record<string, string>,
  branch: string,
): string {
  if (existsSync(dir)) throw new Error(`repository already exists: ${dir}`);
  runGit(env, ["init", "--quiet", "--bare", `--initial-branch=${branch}`, dir]);
  const gitDir = ["--git-dir", dir];
  const indexEnv = { ...env, GIT_INDEX_FILE: join(dir, "qhub-seed.index") };
  for (const [path, text] of Object.entries(files)) {
    const blob = runGit(env, [...gitDir, "hash-object", "-w", "--stdin"], text);
    runGit(indexEnv, [...gitDir, "update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
  }
  const tree = runGit(indexEnv, [...gitDir, "write-tree"]);
  rmSync(indexEnv.GIT_INDEX_FILE, { force: true });
  const commit = runGit(env, [...gitDir, "commit-tree", tree, "-m", "Initial commit"]);
  runGit(env, [...gitDir, "update-ref", `refs/heads/${branch}`, commit]);
  return commit;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The Basic user name when the password is the token (any user name, as GitHub allows). */
function authenticatedUser(header: string | undefined, tokenDigest: Buffer): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const ok = timingSafeEqual(digest(decoded.slice(colon + 1)), tokenDigest);
  return ok ? user || "x-access-token" : undefined;
}

/** The git service a request is for: `?service=` on info/refs, the last path segment on POSTs. */
function serviceOf(url: URL): string | undefined {
  const query = url.searchParams.get("service");
  if (query) return query;
  const last = /\/(git-upload-pack|git-receive-pack)$/.exec(url.pathname);
  return last?.[1];
}

/**
 * GitHub serves `owner/name` with or without `.git`; http-backend needs the directory's name, so
 * the path is mapped to `/owner/name.git/...`.
 */
function pathInfo(pathname: string): string {
  const match = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/.*)?$/.exec(pathname);
  if (!match) return pathname;
  return `/${match[1]}/${match[2]}.git${match[3] ?? ""}`;
}

/** git's probe request before a large push (`probe_rpc`): just a flush packet. */
function isProbe(body: Buffer): boolean {
  return body.toString("latin1") === "0000";
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The CGI environment (RFC 3875) for one request. The body is buffered first so CONTENT_LENGTH is
 * always exact: git sends large pushes chunked, without a Content-Length of its own.
 */
function cgiEnv(
  base: NodeJS.ProcessEnv,
  root: string,
  req: IncomingMessage,
  url: URL,
  user: string,
  length: number,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    // Pushes of compressed packs are buffered up to this size; the default (10 MB) is plenty, but
    // tests should fail on a real error, not on this limit.
    GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
    PATH_INFO: pathInfo(url.pathname),
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REMOTE_ADDR: "127.0.0.1",
    // http-backend allows receive-pack (push) only when the web server says who authenticated.
    REMOTE_USER: user,
    CONTENT_LENGTH: String(length),
  };
  const type = req.headers["content-type"];
  if (type) env.CONTENT_TYPE = type;
  const encoding = req.headers["content-encoding"];
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  // Protocol v2 is asked for in the Git-Protocol header; http-backend reads it from the environment.
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string" && /^[A-Za-z0-9=:_.-]+$/.test(protocol)) {
    env.HTTP_GIT_PROTOCOL = protocol;
    env.GIT_PROTOCOL = protocol;
  }
  return env;
}

/**
 * Runs http-backend for one request: the body on stdin, its CGI headers (`Status:` and the rest)
 * turned into the HTTP response head, the remainder streamed as the body. `done` resolves with the
 * status answered.
 */
function runBackend(
  backend: string,
  env: NodeJS.ProcessEnv,
  body: Buffer,
  res: ServerResponse,
  answer: (status: number) => void,
): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
  // The backend may exit without reading all of stdin (e.g. on a bad request): not our error.
  child.stdin.on("error", () => undefined);
  child.stdin.end(body);
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  let head = Buffer.alloc(0);
  let status: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    if (status !== undefined) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (!parsed) return;
    status = parsed.status;
    res.writeHead(parsed.status, parsed.headers);
    if (parsed.rest.length > 0) res.write(parsed.rest);
  });
  const done = new Promise<number>((resolve) => {
    child.on("close", (code) => {
      if (status === undefined) {
        // No CGI head at all: the backend failed before answering.
        status = 500;
        res.writeHead(500, { "content-type": "text/plain" });
        res.write(`git http-backend exited with ${code}: ${Buffer.concat(stderr).toString("utf8")}`);
      }
      res.end();
      const answered = code === 0 ? status : 500;
      answer(status);
      resolve(answered);
    });
    child.on("error", () => undefined);
  });
  return { child, done };
}

/** Splits CGI output at the blank line after the headers; undefined until that line has arrived. */
function parseCgiHead(
  data: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  const crlf = data.indexOf("\r\n\r\n");
  const lf = data.indexOf("\n\n");
  const candidates = [
    crlf < 0 ? undefined : { at: crlf, size: 4 },
    lf < 0 ? undefined : { at: lf, size: 2 },
  ].filter((c): c is { at: number; size: number } => c !== undefined);
  if (candidates.length === 0) return undefined;
  const end = candidates.reduce((a, b) => (a.at <= b.at ? a : b));
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of data.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, rest: data.subarray(end.at + end.size) };
}

/** Listens on 127.0.0.1 (never another address) at a free port; returns the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
