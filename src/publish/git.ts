// publish, git side: a throwaway working copy of the team's repository, fetched shallowly over
// HTTPS, that the render is written into and that one commit is pushed from. The token reaches
// git only through environment config (`http.<remote>.extraHeader`): never in argv, in a URL,
// in .git/config or on disk, and it is sent only to the remote's own URL.
import { simpleGit } from "simple-git";
import type { SimpleGit } from "simple-git";
import { UserError } from "../errors.js";
import { makeTempDir, MAX_TREE_FILE, removeTempDir } from "../fs/safe.js";
import { redact } from "./redact.js";

/** Git environment variables QHub sets on purpose; simple-git strips every other GIT_*. */
const ALLOWED_ENV = [
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_KEY_0",
  "GIT_CONFIG_VALUE_0",
  "GIT_CONFIG_KEY_1",
  "GIT_CONFIG_VALUE_1",
  "GIT_CONFIG_NOSYSTEM",
  "GIT_CONFIG_GLOBAL",
  "GIT_TERMINAL_PROMPT",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_SSL_CAINFO",
];

/** The caller's variables git may see. */
const PASSED_ENV = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
];

export interface GitIdentity {
  name: string;
  email: string;
}

/** The commit author: git's own variables when set, else QHub's bot identity. */
export function identityFrom(env: NodeJS.ProcessEnv): GitIdentity {
  return {
    name: env.GIT_AUTHOR_NAME || "qhub",
    email: env.GIT_AUTHOR_EMAIL || "qhub@users.noreply.github.com",
  };
}

/** The trailer that marks a commit as QHub's and records the tree it was made with. */
export const TREE_TRAILER = "QHub-Tree";

export interface Head {
  sha: string;
  tree: string;
  parents: string[];
  author: string;
  subject: string;
  /** The commit is QHub's: it carries the trailer and its tree is the one the trailer names. */
  ours: boolean;
}

export class Workspace {
  private constructor(
    readonly dir: string,
    private readonly git: SimpleGit,
    private readonly token: string,
    private readonly trace?: (line: string) => void,
  ) {}

  /** A new empty repository in a temp folder, with `origin` at `url` and the token scoped to it. */
  static async open(
    url: string,
    token: string,
    env: NodeJS.ProcessEnv,
    trace?: (line: string) => void,
  ): Promise<Workspace> {
    const dir = makeTempDir("qhub-pr-");
    const who = identityFrom(env);
    // Only what git needs from the caller's environment (paths, locale, proxies, CAs): no hooks,
    // editors, pagers or GIT_* settings of the caller's shell.
    const base = Object.fromEntries(
      PASSED_ENV.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]])),
    ) as Record<string, string>;
    const git = simpleGit({
      baseDir: dir,
      allowEnvironment: ALLOWED_ENV,
      // Both name settings QHub itself makes below (config from the environment, no global file).
      unsafe: { allowUnsafeConfigPaths: true, allowUnsafeConfigEnvCount: true },
    }).env({
      ...base,
      // The user's global and system git config are not read: a credential helper, an
      // insteadOf rewrite or a hook there must not change where the token goes.
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: `http.${url}.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
      GIT_CONFIG_KEY_1: "credential.interactive",
      GIT_CONFIG_VALUE_1: "false",
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || who.name,
      GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || who.email,
    });
    const ws = new Workspace(dir, git, token, trace);
    assertGitVersion(await ws.run(["--version"], "git --version (is git installed?)"));
    await ws.run(["init", "--quiet"]);
    await ws.run(["remote", "add", "origin", url]);
    return ws;
  }

  /** Runs git; failures become a UserError with git's own words, token redacted. */
  private async run(args: string[], what = `git ${args[0] ?? ""}`): Promise<string> {
    const start = performance.now();
    try {
      const out = await this.git.raw(args);
      this.trace?.(`git ${args.join(" ")} (${Math.round(performance.now() - start)} ms)`);
      return out;
    } catch (err) {
      const text = redact(err instanceof Error ? err.message : String(err), this.token).trim();
      // Git says a refused token in its own way ("could not read Username": it wanted to ask).
      if (AUTH_REFUSED.test(text))
        throw new UserError(
          `${what} failed: the token in GITHUB_TOKEN was refused (401: not valid, or no access to the repository)`,
          hintFor(text),
        );
      throw new UserError(`${what} failed: ${text}`, hintFor(text));
    }
  }

  /** The remote's branch heads among `branches`, by branch name. */
  async remoteHeads(branches: readonly string[]): Promise<Map<string, string>> {
    const out = await this.run(
      ["ls-remote", "--heads", "origin", ...branches.map((b) => `refs/heads/${b}`)],
      "reading the repository's branches",
    );
    const heads = new Map<string, string>();
    for (const line of out.split("\n")) {
      const [sha, ref] = line.split("\t");
      if (sha && ref?.startsWith("refs/heads/")) heads.set(ref.slice("refs/heads/".length), sha);
    }
    return heads;
  }

  /** Fetches just these commits (depth 1): the base to build on and the PR branch's head. */
  async fetch(shas: readonly string[]): Promise<void> {
    await this.run(["fetch", "--quiet", "--depth=1", "--no-tags", "origin", ...shas], "fetching");
  }

  async head(sha: string): Promise<Head> {
    const raw = await this.run(["cat-file", "commit", sha]);
    const [header, message] = splitOnce(raw);
    const lines = header.split("\n");
    const tree = lines.find((l) => l.startsWith("tree "))?.slice(5) ?? "";
    const parents = lines.filter((l) => l.startsWith("parent ")).map((l) => l.slice(7));
    const author = (lines.find((l) => l.startsWith("author "))?.slice(7) ?? "").replace(
      / \d+ [+-]\d{4}$/,
      "",
    );
    const trailer = new RegExp(`^${TREE_TRAILER}: ([0-9a-f]{40,64})$`, "m").exec(message);
    return {
      sha,
      tree,
      parents,
      author,
      subject: message.split("\n", 1)[0] ?? "",
      ours: trailer?.[1] === tree,
    };
  }

  /** Makes the working tree exactly `sha`'s tree. */
  async checkout(sha: string): Promise<void> {
    await this.run(["checkout", "--quiet", "--force", "--detach", sha]);
  }

  /** A file's text at a commit, or undefined when it has no such file. */
  async show(sha: string, path: string): Promise<string | undefined> {
    try {
      return await this.git.raw(["show", `${sha}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * Regular files under `prefix` at a commit, of bounded size: a symbolic link's blob (or a
   * submodule) is not a file QHub wrote, and is never read.
   */
  async list(sha: string, prefix: string): Promise<string[]> {
    const out = await this.run(["ls-tree", "-r", "-l", "-z", "--full-tree", sha, "--", prefix]);
    return out.split("\0").flatMap((entry) => {
      const m = /^(100644|100755) blob [0-9a-f]+ +(\d+)\t(.*)$/s.exec(entry);
      return m && Number(m[2]) <= MAX_TREE_FILE ? [m[3]!] : [];
    });
  }

  /** The paths whose blobs differ between two trees (or commits). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.run(["diff-tree", "-r", "-z", "--name-only", "--no-renames", from, to]);
    return out.split("\0").filter(Boolean);
  }

  /** Stages the working tree as it is and returns its tree's id. */
  async writeTree(): Promise<string> {
    await this.run(["add", "--all", "."]);
    return (await this.run(["write-tree"])).trim();
  }

  async commit(tree: string, parent: string, message: string): Promise<string> {
    return (await this.run(["commit-tree", tree, "-p", parent, "-m", message])).trim();
  }

  /**
   * Points the remote branch at `commit`, only if it still is where we saw it (`expected`, or
   * absent when undefined): someone else's push in between is never overwritten.
   */
  async push(commit: string, branch: string, expected: string | undefined): Promise<void> {
    const ref = `refs/heads/${branch}`;
    await this.run(
      [
        "push",
        "--quiet",
        "--porcelain",
        `--force-with-lease=${ref}:${expected ?? ""}`,
        "origin",
        `${commit}:${ref}`,
      ],
      `pushing to ${branch}`,
    );
  }

  close(): void {
    removeTempDir(this.dir);
  }
}

/** GIT_CONFIG_COUNT, which carries the token, arrived in git 2.31: older git would ask for a password. */
export function assertGitVersion(versionLine: string): void {
  const m = /(\d+)\.(\d+)/.exec(versionLine);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (major < 2 || (major === 2 && minor < 31))
    throw new UserError(
      `qhub pr needs git 2.31 or newer; found ${versionLine.trim() || "no version"}`,
      "install a newer git (every current CI image has one)",
    );
}

/** A commit object's header and message. */
function splitOnce(raw: string): [string, string] {
  const i = raw.indexOf("\n\n");
  return i === -1 ? [raw, ""] : [raw.slice(0, i), raw.slice(i + 2)];
}

const AUTH_REFUSED = /\b(401|403)\b|Authentication failed|could not read Username|terminal prompts disabled/i;

function hintFor(text: string): string {
  if (AUTH_REFUSED.test(text))
    return "check GITHUB_TOKEN: it needs read and write access to the repository's contents";
  if (/\b404\b|not found|does not exist/i.test(text))
    return "check --repository (OWNER/NAME) and GITHUB_SERVER_URL, and that the token can see the repository";
  if (/stale info|rejected|fetch first|non-fast-forward/i.test(text))
    return "someone pushed to the branch while QHub worked; run `qhub pr` again";
  if (/Could not resolve host|Connection refused|timed out|Failed to connect/i.test(text))
    return "check the network and GITHUB_SERVER_URL";
  return "run it again; if it keeps failing, run the same git command by hand to see why";
}
