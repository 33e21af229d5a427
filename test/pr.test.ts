// `qhub pr` end to end, as a new user runs it: the built binary, a real bare git repository
// served over smart HTTP on 127.0.0.1, and a GitHub REST double on 127.0.0.1 that checks every
// request and response against GitHub's OpenAPI description. Nothing else on the environment.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listFiles, ROOT, runBinAsync, tempDir } from "./helpers.js";
import { startGitServer } from "./support/git-server.js";
import type { GitServer } from "./support/git-server.js";
import { startGitHubDouble } from "./support/github-double.js";
import type { GitHubDouble } from "./support/github-double.js";

// A canary: if any output, file or request log holds it, the token leaked.
const TOKEN = "ghp_CANARYtoken0123456789abcdefABCDEF0000";
const REPO = "acme/platform";
const BRANCH = "qhub/laptop";
const AGE = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
const LOCAL = readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8");
const CONFIG = `${LOCAL}gitops:\n  repository: ${REPO}\n  branch: main\n`;

let git: GitServer;
let github: GitHubDouble;
const outputs: string[] = [];

beforeAll(async () => {
  git = await startGitServer({ token: TOKEN });
  github = await startGitHubDouble({ token: TOKEN, git });
  await git.createRepo(REPO, { "NOTES.md": "# Our platform\n" });
});
// The users' folders (workdir() below): removed after the file's tests (a hook added while a test
// runs is never called, which left one folder in the temp dir per call).
const userDirs: string[] = [];
afterAll(async () => {
  await github?.close();
  await git?.close();
  for (const d of userDirs) rmSync(d, { recursive: true, force: true });
});

/** The folder a user runs `qhub pr` in, kept across the tests of this file: just the config. */
function workdir(config = CONFIG): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), "qhub-pr-user-"));
  userDirs.push(dir);
  writeFileSync(join(dir, "qhub-config.yaml"), config);
  return { dir, config: join(dir, "qhub-config.yaml") };
}

async function pr(dir: string, ...args: string[]) {
  const r = await runBinAsync(["pr", ...args], dir, {
    GITHUB_TOKEN: TOKEN,
    GITHUB_SERVER_URL: git.url,
    GITHUB_API_URL: github.url,
    // Retries wait (n+1)^2 x this many ms instead of seconds.
    QHUB_GITHUB_RETRY_BASE_MS: "5",
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}

const bare = (...args: string[]) => git.git(REPO, ...args).trim();
const headOf = (branch: string) => bare("rev-parse", `refs/heads/${branch}`);

/** A clone of the bot branch, made with git's own client (no token needed on the bare repo's disk). */
function cloneBranch(): string {
  const dir = tempDir();
  execFileSync("git", ["clone", "--quiet", "--branch", BRANCH, join(git.root, `${REPO}.git`), dir]);
  return dir;
}

describe("qhub pr against a local remote and a GitHub API double", () => {
  const user = workdir();

  test("the first run opens one pull request whose branch tree is what `qhub render` makes", async () => {
    const r = await pr(user.dir);
    expect(r.stderr).toContain("opened pull request #1");
    expect(r.code).toBe(0);
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({
      number: 1,
      state: "open",
      draft: false,
      title: "qhub: render laptop (laptop)",
    });
    expect(pull.head.ref).toBe(BRANCH);
    expect(pull.base.ref).toBe("main");
    // No label unless --label: opening is then a single write.
    expect(pull.labels).toEqual([]);
    expect(pull.body).toContain("| laptop |");

    // One commit on top of main, carrying QHub's tree trailer.
    expect(bare("rev-list", "--count", `main..${BRANCH}`)).toBe("1");
    expect(bare("rev-parse", `${BRANCH}^`)).toBe(headOf("main"));
    expect(bare("log", "-1", "--format=%B", BRANCH)).toContain(
      `QHub-Tree: ${bare("rev-parse", `${BRANCH}^{tree}`)}`,
    );

    // The branch is exactly a render into a clone of main: the files match one by one, and
    // `qhub render --check` in the clone finds nothing to change (Secrets included).
    const clone = cloneBranch();
    const local = tempDir();
    writeFileSync(join(local, "NOTES.md"), "# Our platform\n");
    writeFileSync(join(local, "qhub-config.yaml"), CONFIG);
    expect((await runBinAsync(["render"], local)).code).toBe(0);
    const files = listFiles(clone).filter((p) => !p.startsWith(".git/"));
    expect(files).toEqual(listFiles(local));
    // Encrypted Secrets get fresh data keys per render, and the manifest records their hashes.
    const random = (f: string) => f.endsWith(".sops.yaml") || f === ".qhub/manifest.json";
    for (const p of files.filter((f) => !random(f)))
      expect(readFileSync(join(clone, p), "utf8"), p).toBe(readFileSync(join(local, p), "utf8"));
    const owned = (dir: string) =>
      Object.keys(
        (JSON.parse(readFileSync(join(dir, ".qhub/manifest.json"), "utf8")) as { files: object }).files,
      );
    expect(owned(clone)).toEqual(owned(local));
    const check = await runBinAsync(["render", "--check"], clone);
    expect(check.stderr).toContain("up to date");
    expect(check.code).toBe(0);
    expect(github.violations).toEqual([]);
  });

  test("a second run with nothing new makes zero write calls and pushes nothing", async () => {
    const head = headOf(BRANCH);
    const writes = github.writeCalls();
    const pushes = git.pushes();
    const r = await pr(user.dir, "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`branch ${BRANCH} is up to date`);
    expect(r.stderr).toContain("pull request unchanged #1");
    expect(github.writeCalls()).toBe(writes);
    expect(git.pushes()).toBe(pushes);
    expect(headOf(BRANCH)).toBe(head);
    const report = JSON.parse(r.stdout) as {
      pushed: boolean;
      pullRequest: { action: string };
      restCalls: { total: number; writes: number };
    };
    expect(report).toMatchObject({
      pushed: false,
      pullRequest: { action: "unchanged" },
      restCalls: { writes: 0 },
    });
    expect(report.restCalls.total).toBeLessThanOrEqual(10);
  });

  test("after a config change, the same pull request gets a new single commit and a new body", async () => {
    const before = github.pulls[0]!.body ?? "";
    writeFileSync(
      user.config,
      `${CONFIG}profiles:\n  jupyterlab:\n    - display_name: Big\n      kubespawner_override: { mem_limit: 16G }\n`,
    );
    const r = await pr(user.dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("updated pull request #1");
    expect(github.pulls).toHaveLength(1);
    expect(bare("rev-list", "--count", `main..${BRANCH}`)).toBe("1");
    const body = github.pulls[0]!.body ?? "";
    expect(body).not.toBe(before);
    expect(body).toContain("mem_limit: 16G");
    // Compared with main, which has no config yet (the pull request is not merged).
    expect(body).toContain("<b>qhub-config.yaml</b>: added");
    // And what changed since the version reviewers saw: the profile, the smoke test's Job that
    // runs again (one removed, one added), and the config file.
    expect(body).toMatch(
      /\*\*Since the previous version of this pull request\*\* \(`[0-9a-f]{7}`\): 5 changes\./,
    );
    expect(body).toMatch(/- laptop: added `Job qhub-smoke-[0-9a-f]{10}`/);
    expect(body).toContain("- laptop: changed `HelmRelease dev/jupyterhub`");
    expect(body).toContain("- (shared): changed `qhub-config.yaml`");
    expect(github.violations).toEqual([]);
  });

  test("GitHub's 422 'A pull request already exists' (a race) updates the existing one", async () => {
    github.inject({ listEmpty: true }, 1, { method: "GET", path: /\/pulls$/ });
    writeFileSync(user.config, `${readFileSync(user.config, "utf8")}    - display_name: Small\n`);
    const r = await pr(user.dir);
    expect(r.stderr).toContain("updated pull request #1");
    expect(r.code).toBe(0);
    expect(github.pulls).toHaveLength(1);
    expect(
      github.requests.filter((q) => q.method === "POST" && q.path.endsWith("/pulls")).length,
      JSON.stringify(github.requests.slice(-6).map((q) => [q.method, q.path, q.status, q.fault])),
    ).toBe(2);
  });

  test("502, 429, a secondary rate limit and a reset connection are retried; then it works", async () => {
    for (const fault of [
      { status: 502 },
      { status: 429, retryAfter: 1 },
      { secondaryRateLimit: true, retryAfter: 1 },
      { reset: true },
    ] as const) {
      const n = github.requests.length;
      github.inject(fault, 1, { method: "GET", path: /\/pulls$/ });
      const r = await pr(user.dir);
      expect(r.code, JSON.stringify(fault)).toBe(0);
      expect(r.stderr).toContain("pull request unchanged #1");
      // The failed attempt and its retry both reached the double.
      expect(
        github.requests.slice(n).filter((q) => q.method === "GET" && q.path.endsWith("/pulls")),
      ).toHaveLength(2);
    }
  }, 30_000);

  test("a GitHub that keeps failing is reported in one clear error after bounded retries", async () => {
    github.inject({ status: 502 }, 10, { method: "GET", path: /\/pulls$/ });
    const r = await pr(user.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: GitHub: listing pull requests failed \(502\)/m);
    expect(r.stderr).toContain("hint: GitHub did not answer after 3 retries");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    github.clearFaults();
  });

  test("when the base moves on, the branch is rebuilt on it: again one commit, nothing merged", async () => {
    // Someone merges other work into main (through git's own client, as a person would).
    const clone = tempDir();
    const g = (...a: string[]) =>
      execFileSync("git", ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", ...a], { cwd: clone });
    execFileSync("git", ["clone", "--quiet", "--branch", "main", join(git.root, `${REPO}.git`), clone]);
    writeFileSync(join(clone, "NOTES.md"), "# Our platform\n\nWith notes.\n");
    g("commit", "--quiet", "-am", "More notes");
    g("push", "--quiet", "origin", "main");
    const main = headOf("main");
    const before = headOf(BRANCH);
    const r = await pr(user.dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`pushed ${BRANCH}`);
    expect(headOf(BRANCH)).not.toBe(before);
    expect(bare("rev-parse", `${BRANCH}^`)).toBe(main);
    expect(bare("rev-list", "--count", `main..${BRANCH}`)).toBe("1");
    expect(bare("show", `${BRANCH}:NOTES.md`)).toContain("With notes.");
    expect(github.pulls).toHaveLength(1);
  });

  test("someone else's commit on the bot branch stops the run; nothing is overwritten", async () => {
    const clone = cloneBranch();
    writeFileSync(join(clone, "hand-edit.txt"), "mine\n");
    const g = (...a: string[]) =>
      execFileSync("git", ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", ...a], { cwd: clone });
    g("add", "hand-edit.txt");
    g("commit", "--quiet", "-m", "A hand edit");
    g("push", "--quiet", "origin", BRANCH);
    const head = headOf(BRANCH);
    const writes = github.writeCalls();
    const r = await pr(user.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: branch qhub\/laptop of acme\/platform has a commit QHub did not make: [0-9a-f]{7} "A hand edit" by Ada <ada@example.com>/m,
    );
    expect(r.stderr).toContain("will not overwrite it");
    expect(headOf(BRANCH)).toBe(head);
    expect(github.writeCalls()).toBe(writes);
  });

  test("no token, a wrong token, a missing base: clear errors, no stack trace", async () => {
    const none = await runBinAsync(["pr"], user.dir, {
      GITHUB_SERVER_URL: git.url,
      GITHUB_API_URL: github.url,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: GITHUB_TOKEN is not set/m);
    const wrong = await runBinAsync(["pr", "--branch", "qhub/other"], user.dir, {
      GITHUB_TOKEN: "ghp_wrong0000000000000000000000000000000",
      GITHUB_SERVER_URL: git.url,
      GITHUB_API_URL: github.url,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^error: .* failed: the token in GITHUB_TOKEN was refused \(401: not valid, or no access to the repository\)$/m,
    );
    expect(wrong.stderr).not.toContain("could not read Username");
    expect(wrong.stderr).toContain("hint: check GITHUB_TOKEN");
    expect(wrong.stderr).not.toContain("ghp_wrong");
    const nobase = await pr(user.dir, "--base", "release", "--branch", "qhub/other");
    expect(nobase.code).toBe(1);
    expect(nobase.stderr).toMatch(/^error: acme\/platform has no branch release/m);
  });

  test("a README.md on the base (GitHub's 'Add a README'): the first run opens its pull request, QHub's guide goes to QHUB.md, and a render in a clone of the base gives the same tree", async () => {
    await git.createRepo("acme/with-readme", { "README.md": "# Made by GitHub\n" });
    const r = await pr(user.dir, "--repository", "acme/with-readme", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: README.md on main is the repository's own; QHub's guide is QHUB.md");
    expect(git.git("acme/with-readme", "show", "qhub/laptop:README.md")).toBe("# Made by GitHub");
    expect(git.git("acme/with-readme", "show", "qhub/laptop:QHUB.md")).toMatch(/^# /);
    const body = github.pulls.at(-1)?.body ?? "";
    expect(body).toContain(
      "`README.md` on `main` is the repository's own: QHub leaves it alone and writes its guide to the platform as `QHUB.md`.",
    );
    // qhub render decides the same way: in a clone of the base, the render is the branch's tree.
    const clone = tempDir();
    git.git("acme/with-readme", "--work-tree", clone, "checkout", "main", "--", ".");
    writeFileSync(join(clone, "qhub-config.yaml"), readFileSync(join(user.dir, "qhub-config.yaml")));
    const rendered = await runBinAsync(["render"], clone, {});
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stderr).toContain(
      "note: README.md is not QHub's; QHub's guide to the repository is QHUB.md",
    );
    // Byte for byte: each file's blob id in the clone is the branch's; sealed Secrets (fresh
    // tokens and nonces where no earlier file exists) and the manifest (their hashes) by path only.
    const random = (f: string) => f.endsWith(".sops.yaml") || f === ".qhub/manifest.json";
    const blob = (line: string) => {
      const path = line.split(" ")[0] ?? "";
      return random(path) ? path : line;
    };
    const branchTree = git
      .git("acme/with-readme", "ls-tree", "-r", "qhub/laptop")
      .split("\n")
      .map((line) => {
        const [meta, path] = line.split("\t");
        return `${path} ${meta?.split(" ")[2]}`;
      });
    const cloneTree = listFiles(clone).map(
      (f) => `${f} ${execFileSync("git", ["hash-object", join(clone, f)], { encoding: "utf8" }).trim()}`,
    );
    expect(cloneTree.map(blob)).toEqual(branchTree.map(blob));
    expect(cloneTree.filter((l) => !random(l.split(" ")[0] ?? "")).length).toBeGreaterThan(20);
    // A second run changes nothing: the guide keeps its name.
    const pushes = git.pushes();
    const again = await pr(user.dir, "--repository", "acme/with-readme");
    expect(again.code, again.stderr).toBe(0);
    expect(git.pushes()).toBe(pushes);
  });

  test("costs: the body shows each group's monthly price at min and max and the baseline; a changed instance type shows before → after", async () => {
    const aws = (userInstance: string) =>
      [
        "project_name: costs",
        "provider: aws",
        "domain: hub.costs.example.com",
        "amazon_web_services:",
        "  region: us-east-1",
        "  node_groups:",
        `    user: { instance: ${userInstance}, min_nodes: 0, max_nodes: 5 }`,
        "    gpu: { instance: g4dn.xlarge, min_nodes: 1, max_nodes: 2, gpu: true }",
        `secrets: { sops: { age_recipients: [${AGE}] } }`,
        "gitops: { repository: acme/costs }",
        "",
      ].join("\n");
    // The base holds the team's merged config; the proposal changes the user pool's instance type.
    await git.createRepo("acme/costs", { "qhub-config.yaml": aws("m5.xlarge") });
    const team = workdir(aws("m5.2xlarge"));
    const r = await pr(team.dir, "--repository", "acme/costs", "--branch", "qhub/costs");
    expect(r.code, r.stderr).toBe(0);
    const body = github.pulls.find((p) => p.head.ref === "qhub/costs")?.body ?? "";
    // m5.xlarge $0.192 and m5.2xlarge $0.384 an hour, g4dn.xlarge $0.526, 730 hours a month; the
    // baseline: general and gpu at their minimum, the load balancer ($18.25), 161Gi of gp3 ($0.08/GiB).
    const lines = [
      "**Costs of `costs`** (on-demand, US dollars a month, us-east-1, QHub's price table of 2026-12-07):",
      "| general | m5.2xlarge | $280.32 | $280.32 |",
      "| user | m5.xlarge → m5.2xlarge | $0.00 | $700.80 → $1,401.60 |",
      "| gpu | g4dn.xlarge | $383.98 | $767.96 |",
      "Always on (nodes at min, load balancer, storage): $695.43.",
    ];
    for (const line of lines) expect(body).toContain(line);
    // The rendered README says the same, per group and for the baseline.
    expect(git.git("acme/costs", "show", "qhub/costs:README.md")).toContain(
      "| user | m5.2xlarge | 0 | 5 | $0.00 | $1,401.60 | `eks.amazonaws.com/nodegroup=user` |",
    );
    expect(github.violations).toEqual([]);
  });

  test("--draft and --label: a draft pull request with those labels, from its own branch", async () => {
    const r = await pr(
      user.dir,
      "--draft",
      "--label",
      "platform",
      "needs-review",
      "--branch",
      "qhub/draft",
      "--json",
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { pullRequest: { number: number; action: string } };
    expect(report.pullRequest.action).toBe("opened");
    const pull = github.pulls.find((p) => p.number === report.pullRequest.number);
    expect(pull?.draft).toBe(true);
    expect(pull?.head.ref).toBe("qhub/draft");
    expect(pull?.labels.map((l) => l.name).sort()).toEqual(["needs-review", "platform"]);
    expect(github.violations).toEqual([]);
  });

  test("a change too large for a pull request body: the body degrades and stays under 60,000 characters", async () => {
    const envs = (version: number) =>
      `environments:\n${Array.from(
        { length: 60 },
        (_, i) =>
          `  environment-big${i}.yaml:\n    name: big${i}\n    channels: [conda-forge]\n    dependencies:\n${Array.from({ length: 50 }, (_, k) => `      - package-number-${k}=${version}.${k}`).join("\n")}\n`,
      ).join("")}`;
    const big = workdir(`${CONFIG}${envs(1)}`);
    const args = ["--branch", "qhub/big", "--json"];
    expect((await pr(big.dir, ...args)).code).toBe(0);
    writeFileSync(big.config, `${CONFIG}${envs(2)}`);
    const r = await pr(big.dir, ...args);
    expect(r.code).toBe(0);
    const number = (JSON.parse(r.stdout) as { pullRequest: { number: number } }).pullRequest.number;
    const body = github.pulls.find((p) => p.number === number)?.body ?? "";
    expect(body.length).toBeGreaterThan(10_000);
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toMatch(/more lines: run `qhub diff`|too long for a pull request body/);
    expect(body).toMatch(/<!-- qhub:body sha256=[0-9a-f]{64} -->\n$/);
    expect(github.violations).toEqual([]);
  });

  test("--verbose lists each git command and REST call, token redacted", async () => {
    const r = await pr(user.dir, "--verbose", "--branch", "qhub/draft");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^git ls-remote --heads origin refs\/heads\/main refs\/heads\/qhub\/draft \(\d+ ms\)$/m,
    );
    expect(r.stderr).toMatch(
      /^GitHub: GET \/repos\/acme\/platform\/pulls\?state=open&head=acme%3Aqhub%2Fdraft&per_page=10 -> 200 \(\d+ ms\)$/m,
    );
    expect(r.stderr).toMatch(/^done: Fetch acme\/platform \(main, qhub\/draft\) \(\d+ ms\)$/m);
  });

  test("the token never appears in any output, file or request log", () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    const everything = [
      ...outputs,
      JSON.stringify(github.requests),
      JSON.stringify(github.pulls),
      ...listFiles(git.root).map((p) => readFileSync(join(git.root, p)).toString("latin1")),
    ];
    for (const text of everything) {
      expect(text.includes(TOKEN)).toBe(false);
      expect(text.includes(basic)).toBe(false);
    }
    expect(outputs.length).toBeGreaterThan(10);
  });
});
