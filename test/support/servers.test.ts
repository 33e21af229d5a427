// The loopback stand-ins for github.com that `qhub pr` tests use, tested on their own: the git
// remote with the real git client, the REST double with plain fetch and with Octokit as qhub
// configures it (retry + throttling).
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { basicAuthHeader, gitClientEnv, startGitServer } from "./git-server.js";
import type { GitServer } from "./git-server.js";
import { startGitHubDouble } from "./github-double.js";
import type { GitHubDouble } from "./github-double.js";

const TOKEN = "ghs_canaryTokenForQhubTests0123456789";

/**
 * Runs the git client as a user would, authenticated only through the environment. Asynchronously:
 * the servers run in this process, so a synchronous child would wait on a server it blocks.
 */
async function gitClient(cwd: string, home: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("git", args, { cwd, env: gitClientEnv(TOKEN, home) });
  return stdout.trim();
}

/** A commit on a new branch of a bare repository, made in place (no clone needed). */
function branchWithCommit(git: GitServer, repo: string, branch: string, from = "main"): string {
  const tree = git.git(repo, "rev-parse", `${from}^{tree}`);
  const commit = git.git(repo, "commit-tree", tree, "-p", from, "-m", `work on ${branch}`);
  git.git(repo, "update-ref", `refs/heads/${branch}`, commit);
  return commit;
}

describe("git server", () => {
  let git: GitServer;
  beforeAll(async () => {
    git = await startGitServer({ token: TOKEN });
  });
  afterAll(() => git.close());

  it("serves clone and push over smart HTTP to a token-authenticated client", async () => {
    const seed = await git.createRepo("acme/infra", {
      "README.md": "hello\n",
      "clusters/dev/a.yaml": "a: 1\n",
    });
    expect(git.git("acme/infra", "rev-parse", "main")).toBe(seed);
    expect(git.git("acme/infra", "ls-tree", "-r", "--name-only", "main").split("\n")).toEqual([
      "README.md",
      "clusters/dev/a.yaml",
    ]);

    const home = tempDir();
    const work = join(tempDir(), "clone");
    await gitClient(home, home, "clone", "--quiet", `${git.url}/acme/infra.git`, work);
    expect(await gitClient(work, home, "rev-parse", "HEAD")).toBe(seed);

    // 2 MB that does not compress: git sends it chunked, without a Content-Length.
    writeFileSync(join(work, "big.bin"), randomBytes(2 * 1024 * 1024));
    writeFileSync(join(work, "README.md"), "hello again\n");
    await gitClient(work, home, "add", "-A");
    await gitClient(work, home, "commit", "--quiet", "-m", "Update");
    await gitClient(work, home, "push", "--quiet", "origin", "HEAD:refs/heads/qhub/update");

    expect(readFileSync(join(work, ".git", "config"), "utf8")).not.toContain(TOKEN);
    const pushed = await gitClient(work, home, "rev-parse", "HEAD");
    expect(git.git("acme/infra", "rev-parse", "qhub/update")).toBe(pushed);
    expect(git.git("acme/infra", "log", "--format=%s", "qhub/update")).toBe("Update\nInitial commit");
    expect(git.pushes()).toBe(1);
    // The ref advertisement, then (for a pack this big) git's empty probe POST, then the pack.
    expect(
      git.requests.filter((r) => r.service === "git-receive-pack").map((r) => [r.method, r.status]),
    ).toEqual([
      ["GET", 200],
      ["POST", 200],
      ["POST", 200],
    ]);
  });

  it("serves a repository without the .git suffix, as GitHub does", async () => {
    await git.createRepo("acme/plain", { "a.txt": "a\n" });
    const home = tempDir();
    const out = await gitClient(home, home, "ls-remote", `${git.url}/acme/plain`, "refs/heads/main");
    expect(out).toBe(`${git.git("acme/plain", "rev-parse", "main")}\trefs/heads/main`);
  });

  it("refuses requests without the token, or with another one", async () => {
    const info = `${git.url}/acme/infra.git/info/refs?service=git-upload-pack`;
    const anonymous = await fetch(info);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
    const wrong = await fetch(info, { headers: { authorization: basicAuthHeader("not-the-token") } });
    expect(wrong.status).toBe(401);
    const anyUser = Buffer.from(`someone:${TOKEN}`).toString("base64");
    expect((await fetch(info, { headers: { authorization: `Basic ${anyUser}` } })).status).toBe(200);

    const home = tempDir();
    const env = gitClientEnv("wrong", home);
    const refused = promisify(execFile)("git", ["ls-remote", `${git.url}/acme/infra.git`], { env });
    await expect(refused).rejects.toMatchObject({
      // With prompts off, git reports a refused token as the prompt it may not show.
      stderr: expect.stringMatching(/could not read Username .*terminal prompts disabled/) as unknown,
    });
  });
});

/** A REST call with fetch, as GitHub's docs show it. */
async function api(
  gh: GitHubDouble,
  method: string,
  path: string,
  body?: unknown,
  authorization = `token ${TOKEN}`,
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  if (authorization !== "") headers.authorization = authorization;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json: unknown = res.headers.get("content-type")?.startsWith("application/json")
    ? JSON.parse(text)
    : text;
  return { status: res.status, headers: res.headers, json };
}

describe("GitHub REST double", () => {
  let git: GitServer;
  let gh: GitHubDouble;
  let headSha: string;
  beforeAll(async () => {
    git = await startGitServer({ token: TOKEN });
    await git.createRepo("acme/infra", { "README.md": "hello\n" });
    headSha = branchWithCommit(git, "acme/infra", "qhub/update");
    gh = await startGitHubDouble({ token: TOKEN, git });
  });
  afterAll(async () => {
    await gh.close();
    await git.close();
  });
  beforeEach(() => {
    // Tests that provoke violations on purpose empty the list themselves; all others must leave it empty.
    expect(gh.violations).toEqual([]);
  });

  it("creates, lists, refuses a duplicate of, updates and labels a pull request", async () => {
    const create = { title: "qhub: update", head: "qhub/update", base: "main", body: "Generated." };
    const created = await api(gh, "POST", "/repos/acme/infra/pulls", create);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      number: 1,
      state: "open",
      draft: false,
      title: "qhub: update",
      html_url: "https://github.example/acme/infra/pull/1",
      head: {
        ref: "qhub/update",
        label: "acme:qhub/update",
        sha: headSha,
        repo: { full_name: "acme/infra" },
      },
      base: { ref: "main", sha: git.git("acme/infra", "rev-parse", "main") },
      labels: [],
      commits: 1,
    });
    expect(created.headers.get("location")).toBe(`${gh.url}/repos/acme/infra/pulls/1`);
    expect(created.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(created.headers.get("x-github-request-id")).toMatch(/^[0-9A-F:]+$/);
    expect(Number(created.headers.get("x-ratelimit-remaining"))).toBeLessThan(5000);

    const listed = await api(gh, "GET", "/repos/acme/infra/pulls?state=open&head=acme:qhub/update&base=main");
    expect(listed.json).toMatchObject([{ number: 1 }]);
    expect((await api(gh, "GET", "/repos/acme/infra/pulls?head=acme:other")).json).toEqual([]);
    expect((await api(gh, "GET", "/repos/acme/infra/pulls?state=closed")).json).toEqual([]);

    const duplicate = await api(gh, "POST", "/repos/acme/infra/pulls", create);
    expect(duplicate.status).toBe(422);
    expect(duplicate.json).toEqual({
      message: "Validation Failed",
      errors: [
        {
          resource: "PullRequest",
          code: "custom",
          message: "A pull request already exists for acme:qhub/update.",
        },
      ],
      documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
      status: "422",
    });

    const patched = await api(gh, "PATCH", "/repos/acme/infra/pulls/1", {
      title: "qhub: update 2",
      body: "New.",
    });
    expect(patched.json).toMatchObject({ number: 1, title: "qhub: update 2", body: "New." });

    const labels = await api(gh, "POST", "/repos/acme/infra/issues/1/labels", {
      labels: ["qhub", "automated"],
    });
    expect(labels.status).toBe(200);
    expect(labels.json).toMatchObject([{ name: "qhub", color: "ededed" }, { name: "automated" }]);
    const more = await api(gh, "POST", "/repos/acme/infra/issues/1/labels", { labels: ["QHUB", "gitops"] });
    expect((more.json as { name: string }[]).map((l) => l.name)).toEqual(["qhub", "automated", "gitops"]);

    const got = await api(gh, "GET", "/repos/acme/infra/pulls/1");
    expect(got.json).toMatchObject({ title: "qhub: update 2", labels: [{}, {}, {}] });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ number: 1, title: "qhub: update 2", head: { ref: "qhub/update" } });
    expect(gh.pulls[0]?.labels.map((l) => l.name)).toEqual(["qhub", "automated", "gitops"]);
    expect(gh.writeCalls()).toBe(5);

    const closed = await api(gh, "PATCH", "/repos/acme/infra/pulls/1", { state: "closed" });
    expect(closed.json).toMatchObject({ state: "closed", closed_at: expect.any(String) as unknown });
    expect((await api(gh, "GET", "/repos/acme/infra/pulls")).json).toEqual([]);
    expect((await api(gh, "PATCH", "/repos/acme/infra/pulls/1", { state: "open" })).status).toBe(200);
    expect(gh.violations).toEqual([]);
  });

  it("answers like GitHub for repositories, missing things and unknown routes", async () => {
    const repo = await api(gh, "GET", "/repos/acme/infra");
    expect(repo.json).toMatchObject({
      full_name: "acme/infra",
      default_branch: "main",
      clone_url: `${git.url}/acme/infra.git`,
    });
    expect((await api(gh, "GET", "/repos/acme/nothing")).status).toBe(404);
    expect((await api(gh, "GET", "/repos/acme/infra/pulls/99")).status).toBe(404);
    const unknown = await api(gh, "GET", "/user");
    expect(unknown).toMatchObject({
      status: 404,
      json: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
    });
    expect(gh.requests.at(-1)).toMatchObject({ method: "GET", path: "/user", status: 404 });
    expect(gh.violations).toEqual([]);
  });

  it("follows the git server: head sha after a push, 422 for a missing branch or no commits", async () => {
    const sha = branchWithCommit(git, "acme/infra", "feature");
    const created = await api(gh, "POST", "/repos/acme/infra/pulls", {
      title: "f",
      head: "acme:feature",
      base: "main",
    });
    expect(created.json).toMatchObject({ head: { sha } });
    const number = (created.json as { number: number }).number;
    const moved = branchWithCommit(git, "acme/infra", "feature", "feature");
    expect((await api(gh, "GET", `/repos/acme/infra/pulls/${number}`)).json).toMatchObject({
      head: { sha: moved },
      commits: 2,
    });

    const missing = await api(gh, "POST", "/repos/acme/infra/pulls", {
      title: "m",
      head: "nope",
      base: "main",
    });
    expect(missing).toMatchObject({
      status: 422,
      json: {
        message: "Validation Failed",
        errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
      },
    });
    git.git("acme/infra", "update-ref", "refs/heads/same", git.git("acme/infra", "rev-parse", "main"));
    const same = await api(gh, "POST", "/repos/acme/infra/pulls", { title: "s", head: "same", base: "main" });
    expect(same.json).toMatchObject({
      errors: [{ code: "custom", message: "No commits between main and same" }],
    });
    expect(gh.violations).toEqual([]);
  });

  it("reports requests that GitHub's OpenAPI description rejects, and answers them 400", async () => {
    const noHead = await api(gh, "POST", "/repos/acme/infra/pulls", { title: "t", base: "main" });
    expect(noHead.status).toBe(400);
    const badState = await api(gh, "GET", "/repos/acme/infra/pulls?state=merged&perPage=5");
    expect(badState.status).toBe(400);
    const badType = await api(gh, "PATCH", "/repos/acme/infra/pulls/1", { title: 42, draft: true });
    expect(badType.status).toBe(400);
    const notNumber = await api(gh, "GET", "/repos/acme/infra/pulls/one");
    expect(notNumber.status).toBe(400);
    expect(gh.violations).toEqual([
      "POST /repos/acme/infra/pulls: request body: must have required property 'head'",
      'GET /repos/acme/infra/pulls: query parameter state: must be equal to one of the allowed values {"allowedValues":["open","closed","all"]}',
      "GET /repos/acme/infra/pulls: unknown query parameter perPage",
      "PATCH /repos/acme/infra/pulls/1: request body/title: must be string",
      "PATCH /repos/acme/infra/pulls/1: request body has unknown field draft",
      "GET /repos/acme/infra/pulls/one: path parameter pull_number: must be integer",
    ]);
    gh.violations.length = 0;
  });

  it("requires the token, as `token` or `Bearer`", async () => {
    expect((await api(gh, "GET", "/repos/acme/infra", undefined, `Bearer ${TOKEN}`)).status).toBe(200);
    expect(await api(gh, "GET", "/repos/acme/infra", undefined, "")).toMatchObject({
      status: 401,
      json: { message: "Requires authentication" },
    });
    expect(await api(gh, "GET", "/repos/acme/infra", undefined, "token ghs_wrong")).toMatchObject({
      status: 401,
      json: { message: "Bad credentials" },
    });
  });

  it("produces each injected fault once, then serves normally", async () => {
    const list = "/repos/acme/infra/pulls?head=acme:qhub/update";
    gh.inject({ status: 502 });
    const html = await api(gh, "GET", list);
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    gh.inject({ status: 502, body: "json" });
    expect(await api(gh, "GET", list)).toMatchObject({ status: 502, json: { message: "Bad Gateway" } });

    gh.inject({ status: 429, retryAfter: 0 });
    const limited = await api(gh, "GET", list);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("0");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");

    gh.inject({ secondaryRateLimit: true, retryAfter: 0 });
    const secondary = await api(gh, "GET", list);
    expect(secondary).toMatchObject({
      status: 403,
      json: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    expect(secondary.headers.get("retry-after")).toBe("0");

    gh.inject({ reset: true });
    await expect(api(gh, "GET", list)).rejects.toThrow();

    gh.inject({ listEmpty: true });
    expect((await api(gh, "GET", list)).json).toEqual([]);
    expect((await api(gh, "GET", list)).json).toMatchObject([{ number: 1 }]);

    // A fault for POSTs only leaves GETs alone, and waits for its request.
    gh.inject({ status: 503 }, 2, { method: "POST", path: /\/pulls$/ });
    expect((await api(gh, "GET", list)).status).toBe(200);
    expect(
      (await api(gh, "POST", "/repos/acme/infra/pulls", { title: "x", head: "qhub/update", base: "main" }))
        .status,
    ).toBe(503);
    expect(
      (await api(gh, "POST", "/repos/acme/infra/pulls", { title: "x", head: "qhub/update", base: "main" }))
        .status,
    ).toBe(503);
    expect(
      (await api(gh, "POST", "/repos/acme/infra/pulls", { title: "x", head: "qhub/update", base: "main" }))
        .status,
    ).toBe(422);

    // Faults not yet produced can be dropped.
    gh.inject({ status: 500 }, 5);
    gh.clearFaults();
    gh.inject({ status: 500 }, 5);
    gh.inject({ status: 500 }, 0);
    expect((await api(gh, "GET", list)).status).toBe(200);

    const faults = gh.requests.filter((r) => r.fault !== undefined).map((r) => r.status ?? "reset");
    expect(faults).toEqual([502, 502, 429, 403, "reset", 503, 503]);
    expect(gh.violations).toEqual([]);
  });

  it("never stores the token", () => {
    expect(gh.requests.length).toBeGreaterThan(10);
    expect(JSON.stringify(gh.requests)).not.toContain(TOKEN);
    expect(JSON.stringify(git.requests)).not.toContain(TOKEN);
    expect(gh.requests.find((r) => r.headers.authorization !== undefined)?.headers.authorization).toBe(
      "(redacted)",
    );
  });
});

function quiet(): void {}

describe("GitHub REST double with Octokit (retry + throttling, as qhub uses it)", () => {
  let gh: GitHubDouble;
  beforeAll(async () => {
    gh = await startGitHubDouble({ token: TOKEN });
  });
  afterAll(() => gh.close());

  it("is retried through transient faults, and every request and response matches the spec", async () => {
    const Client = Octokit.plugin(retry, throttling);
    const octokit = new Client({
      auth: TOKEN,
      baseUrl: gh.url,
      // Octokit logs every failed attempt to the console; the test looks at the requests instead.
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      // Retries wait milliseconds instead of seconds; secondary limits with `retry-after: 0` would
      // otherwise fall back to 60 s.
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        onRateLimit: () => true,
        onSecondaryRateLimit: () => true,
        retryAfterBaseValue: 1,
        fallbackSecondaryRateRetryAfter: 0,
      },
    });
    const repo = { owner: "acme", repo: "infra" };

    gh.inject({ status: 502 }, 1, { method: "GET" });
    expect(
      (await octokit.rest.pulls.list({ ...repo, head: "acme:qhub/update", state: "open" })).data,
    ).toEqual([]);

    gh.inject({ secondaryRateLimit: true }, 1, { method: "POST" });
    const created = await octokit.rest.pulls.create({
      ...repo,
      title: "t",
      head: "qhub/update",
      base: "main",
    });
    expect(created.data.head.label).toBe("acme:qhub/update");

    gh.inject({ status: 429, retryAfter: 0 });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.number).toBe(1);

    gh.inject({ reset: true });
    const labels = await octokit.rest.issues.addLabels({ ...repo, issue_number: 1, labels: ["qhub"] });
    expect(labels.data.map((l) => l.name)).toEqual(["qhub"]);

    gh.inject({ listEmpty: true });
    expect((await octokit.rest.pulls.list({ ...repo, head: "acme:qhub/update" })).data).toEqual([]);
    // Most of this test's time is here and at the retried create above: the throttling plugin
    // spaces POST …/pulls (it "triggers notifications") 3 s apart, process-wide, whatever the options.
    const again = octokit.rest.pulls.create({ ...repo, title: "t", head: "qhub/update", base: "main" });
    await expect(again).rejects.toMatchObject({ status: 422 });

    expect(gh.requests.map((r) => `${r.method} ${r.status ?? "reset"}`)).toEqual([
      "GET 502",
      "GET 200",
      "POST 403",
      "POST 201",
      "GET 429",
      "GET 200",
      "POST reset",
      "POST 200",
      "GET 200",
      "POST 422",
    ]);
    expect(gh.violations).toEqual([]);
  });
});
