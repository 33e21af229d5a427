// Names QHub maps (to environment variables, Secret keys, slugs, files, kernels) must stay apart
// after the mapping: a pair that cannot be told apart is a validation error at the second name.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { branchNameProblem, passwordEnvName, passwordKey, slugify } from "../src/config/names.js";
import { formatProblem } from "../src/config/problems.js";
import { resolveConfig } from "../src/config/resolve.js";
import { validateDocument } from "../src/config/validate.js";
import { pullRequestBody } from "../src/publish/body.js";
import { code, text } from "../src/render/markdown.js";
import { VALID } from "./fixtures.js";
import { runMain } from "./helpers.js";

const shippedEnvironments = loadDefaultEnvironments();
const validate = (text: string) =>
  validateDocument(parseConfigText("qhub-config.yaml", text), { shippedEnvironments });
const lines = (text: string) => validate(text).problems.map(formatProblem);
/** VALID with password authentication; `security:` is its line 4, the next line is 6. */
const PASSWORD = VALID.replace(/security:[\s\S]*/, "security:\n  authentication: { type: password }\n");

describe("users", () => {
  test("the mappings that collide", () => {
    expect([passwordEnvName("li-wei"), passwordEnvName("li.wei")]).toEqual([
      "QHUB_PASSWORD_LI_WEI",
      "QHUB_PASSWORD_LI_WEI",
    ]);
    expect([passwordKey("ada@corp"), passwordKey("ada_corp")]).toEqual(["ada_corp", "ada_corp"]);
  });

  test("one environment variable, one Secret key, or one lowercased name: refused at the second user", () => {
    expect(
      lines(
        `${PASSWORD}  users:\n    li-wei: { password: { fromEnv: LI } }\n    li.wei: {}\n    ada@corp: {}\n    ada_corp: {}\n    Bob: {}\n    bob: {}\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:8:5: security.users["li.wei"]: user "li.wei" cannot be told apart from "li-wei": both passwords would be read from QHUB_PASSWORD_LI_WEI. Hint: rename one of them; a password\'s variable is QHUB_PASSWORD_ and the user name in capitals, with `_` for every character other than a letter or digit',
      'qhub-config.yaml:10:5: security.users.ada_corp: user "ada_corp" cannot be told apart from "ada@corp": both passwords would be the key "ada_corp" of the Secret qhub-passwords. Hint: rename one of them; characters other than letters, digits, `-`, `.` and `_` become `_` in Secret keys',
      'qhub-config.yaml:12:5: security.users.bob: user "bob" differs from "Bob" only in case. Hint: JupyterHub lowercases user names, so both are the user "bob"; keep one entry',
    ]);
  });

  test("without password logins only the case matters (no variables, no Secret keys)", () => {
    expect(lines(`${VALID}  users:\n    li-wei: {}\n    li.wei: {}\n    Ada: {}\n    ada: {}\n`)).toEqual([
      'qhub-config.yaml:15:5: security.users.ada: user "ada" differs from "Ada" only in case. Hint: JupyterHub lowercases user names, so both are the user "ada"; keep one entry',
    ]);
  });
});

describe("profiles: every profile gets its own slug", () => {
  test("names that slug alike, and names that differ only in case or accents, are refused at the second", () => {
    expect(
      lines(
        `${VALID}profiles:\n  jupyterlab:\n    - display_name: GPU (admins only)\n    - display_name: GPU admins only\n    - display_name: Café\n    - display_name: cafe\n    - display_name: CAFÉ\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:14:21: profiles.jupyterlab[1].display_name: "GPU admins only" has the same slug "gpu-admins-only" as profile 0. Hint: make the names differ in their letters or digits: the slug keeps only those (lowercased), and JupyterHub picks a profile and its audience by slug',
      'qhub-config.yaml:16:21: profiles.jupyterlab[3].display_name: "cafe" has the same slug "cafe" as profile 2. Hint: make the names differ in their letters or digits: the slug keeps only those (lowercased), and JupyterHub picks a profile and its audience by slug',
      'qhub-config.yaml:17:21: profiles.jupyterlab[4].display_name: "CAFÉ" is already the name of profile 2. Hint: give each profile its own display_name; JupyterHub tells them apart by it',
    ]);
  });

  test("non-ASCII names keep apart through a stable hash of the name", () => {
    expect(["数据科学", "Ωμέγα", "GPU Ω", "Café", "x".repeat(80)].map(slugify)).toEqual([
      "profile-42735da6",
      "profile-59b35e54",
      "gpu-2771458b",
      "cafe",
      "x".repeat(63),
    ]);
    const result = validate(
      `${VALID}profiles:\n  jupyterlab:\n    - display_name: 数据科学\n    - display_name: 機械学習\n    - display_name: Ωμέγα\n`,
    );
    expect(result.problems).toEqual([]);
    const slugs = resolveConfig(result.clusters ?? [], {
      environments: shippedEnvironments,
    }).clusters[0]?.jupyterlabProfiles.map((p) => p.slug);
    expect(new Set(slugs).size).toBe(3);
    expect(slugs?.every((s) => /^profile-[0-9a-f]{8}$/.test(s))).toBe(true);
  });
});

describe("environments", () => {
  test("a name of a shipped environment, a case-only file or name, and the kustomization's file name", () => {
    expect(Object.fromEntries(Object.entries(shippedEnvironments).map(([f, e]) => [f, e.name]))).toEqual({
      "environment-dashboard.yaml": "dashboard",
      "environment-dask.yaml": "dask",
    });
    expect(
      lines(
        `${VALID}environments:\n  mine.yaml: { name: dask, dependencies: [python] }\n  Environment-Dashboard.yaml: { name: x, dependencies: [python] }\n  kustomization.yaml: { name: k, dependencies: [python] }\n  a.yaml: { name: ML, dependencies: [python] }\n  b.yaml: { name: ml, dependencies: [python] }\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:12:22: environments["mine.yaml"].name: environment name "dask" is already used by the environment QHub ships in environment-dask.yaml. Hint: give it another name, or replace the shipped environment by writing this one under the file name environment-dask.yaml',
      'qhub-config.yaml:13:3: environments["Environment-Dashboard.yaml"]: "Environment-Dashboard.yaml" differs from "environment-dashboard.yaml" only in case; a case-insensitive checkout (macOS, Windows) makes them one file. Hint: write it as "environment-dashboard.yaml" to replace that environment, or pick another file name',
      'qhub-config.yaml:14:3: environments["kustomization.yaml"]: "kustomization.yaml" is the name of the kustomization QHub writes beside the environment files. Hint: name the file after the environment, e.g. `environment-ml.yaml`',
      'qhub-config.yaml:16:19: environments["b.yaml"].name: environment name "ml" differs from "ML" (a.yaml) only in case. Hint: give each environment its own name; conda-store builds them by name and Jupyter lowercases kernel names',
    ]);
  });

  test("replacing a shipped environment by its file name is not a clash", () => {
    expect(
      lines(
        `${VALID}environments:\n  environment-dask.yaml: { name: dask, dependencies: [python, dask, distributed, dask-gateway] }\n`,
      ),
    ).toEqual([]);
  });
});

describe("__proto__ is refused, never dropped", () => {
  test("as a user, a group, a cluster, a worker profile", () => {
    expect(
      lines(
        `${VALID}  users:\n    __proto__: {}\n  groups:\n    __proto__: {}\nprofiles:\n  dask_worker:\n    __proto__: { worker_cores: 1, worker_cores_limit: 1, worker_memory: 1G, worker_memory_limit: 1G }\ngitops:\n  repository: acme/platform\n  clusters:\n    __proto__: {}\n    prod: {}\n`,
      ),
    ).toEqual([
      'qhub-config.yaml:12:5: security.users.__proto__: "__proto__" cannot be used as a name. Hint: JavaScript reserves it and QHub would lose the entry; rename it',
      'qhub-config.yaml:14:5: security.groups.__proto__: "__proto__" cannot be used as a name. Hint: JavaScript reserves it and QHub would lose the entry; rename it',
      'qhub-config.yaml:17:5: profiles.dask_worker.__proto__: "__proto__" cannot be used as a name. Hint: JavaScript reserves it and QHub would lose the entry; rename it',
      'qhub-config.yaml:21:5: gitops.clusters.__proto__: "__proto__" cannot be used as a name. Hint: JavaScript reserves it and QHub would lose the entry; rename it',
    ]);
  });
});

describe("branch names", () => {
  test("gitops.branch: git's rules, not only its characters", () => {
    const at = (branch: string) =>
      lines(`${VALID}gitops:\n  repository: acme/platform\n  branch: ${branch}\n`);
    expect(at("main")).toEqual([]);
    expect(at("release/2026.12")).toEqual([]);
    for (const bad of ["HEAD", "refs/heads/main", "a..b", "x.lock", ".hidden", "a/", "-x"])
      expect(at(bad)).toEqual([
        "qhub-config.yaml:13:11: gitops.branch: is not a branch name git accepts. Hint: e.g. `main`: not `HEAD`, not a full ref such as `refs/heads/main`, no `..`, no part starting with `.` or ending in `.lock`, no leading `-` or `/`",
      ]);
  });
});

describe("qhub pr: branch and server names are refused before any work", () => {
  // The config does not exist: an error about it would mean the check came too late.
  const missing = join(tmpdir(), "qhub-no-such-dir", "qhub-config.yaml");

  test.each([
    ["--branch", "HEAD", "is git's name for the current commit, not a branch"],
    ["--branch", "refs/heads/main", "is a full ref; give the branch's short name (e.g. `main`)"],
    ["--branch", "+main", "starts with `+`, which makes a forced push"],
    ["--branch", "a..b", "holds `..`"],
    ["--branch", "x.lock", "has a part that starts with `.` or ends with `.lock`"],
    ["--branch", "a b", "holds a space, a control character or one of ~ ^ : ? * [ \\"],
    ["--branch", "feature/", "starts or ends with `/`, or holds `//`"],
    ["--base", "main@{1}", "holds `@{`"],
    ["--base", "HEAD", "is git's name for the current commit, not a branch"],
    ["--base", "refs/heads/main", "is a full ref; give the branch's short name (e.g. `main`)"],
  ])("%s %j: usage error, exit 2", async (flag, value, problem) => {
    const r = await runMain(["pr", "--config", missing, flag, value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const example = flag === "--base" ? "main" : "qhub/platform";
    expect(r.stderr).toBe(
      `error: ${flag} ${JSON.stringify(value)} ${problem}\nhint: give a branch name git accepts, as \`git check-ref-format --branch NAME\` does, e.g. ${flag} ${example}\n`,
    );
  });

  test.each([
    ["GITHUB_SERVER_URL", "file:///etc/passwd", "is not an http(s) URL", "https://github.com"],
    ["GITHUB_SERVER_URL", "ext::sh -c touch% /tmp/pwned", "is not an http(s) URL", "https://github.com"],
    ["GITHUB_API_URL", "not a url", "is not a URL", "https://api.github.com"],
    ["GITHUB_API_URL", "ftp://api.example.com", "is not an http(s) URL", "https://api.github.com"],
    ["GITHUB_API_URL", "https://user:pw@api.example.com", "holds credentials", "https://api.github.com"],
  ])("%s=%j: user error, exit 1, the value not echoed", async (name, value, problem, example) => {
    const saved = { ...process.env };
    process.env[name] = value;
    process.env.GITHUB_TOKEN = "ghp_notused";
    try {
      const r = await runMain(["pr", "--config", missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: ${name} ${problem}\nhint: set it to the http(s) base URL of your GitHub (e.g. ${example}), or unset it for github.com\n`,
      );
    } finally {
      process.env = saved;
    }
  });

  test("git check-ref-format --branch's rules (where git is installed), and stricter for names git resolves", () => {
    // git accepts these, but resolves them to something other than a branch of that name.
    for (const name of ["@", "HEAD", "refs/heads/main", "+main", "-x"])
      expect(branchNameProblem(name)).toBeDefined();
    const names = [
      "main",
      "qhub/ds-team",
      "a..b",
      "x.lock",
      ".x",
      "a/.b",
      "a//b",
      "a/",
      "a.",
      "a~b",
      "a^b",
      "a:b",
      "a?b",
      "a*b",
      "a[b",
      "a\\b",
      "a@{b",
      "a b",
      "ok@x",
      "v1.2",
    ];
    for (const name of names) {
      const git = spawnSync("git", ["check-ref-format", "--branch", name], { encoding: "utf8" });
      if (git.error) return;
      if (git.status === 0) expect(branchNameProblem(name), name).toBeUndefined();
      else expect(branchNameProblem(name), name).toBeDefined();
    }
  });
});

describe("Markdown from untrusted strings is escaped or refused", () => {
  test("instance types and node labels that would be Markdown (or invalid for Kubernetes) are refused", () => {
    expect(
      lines(
        `${VALID}amazon_web_services:\n  node_groups:\n    user: { instance: "m5.large](https://evil.example)", min_nodes: 0, max_nodes: 1 }\n`,
      ),
    ).toEqual([
      "qhub-config.yaml:13:23: amazon_web_services.node_groups.user.instance: is not an instance type name. Hint: write the cloud's name for it, such as `m5.xlarge`, `n2-standard-8`, `Standard_D4s_v3` or `s-4vcpu-8gb`",
    ]);
    expect(
      lines(
        `${VALID.replace("provider: aws", "provider: existing")}existing:\n  node_selectors:\n    user: { key: "a|b", value: "x\`y" }\n`,
      ),
    ).toEqual([
      "qhub-config.yaml:13:18: existing.node_selectors.user.key: is not a Kubernetes label key. Hint: write an optional DNS prefix and `/`, then letters, digits, `-`, `_` and `.`, e.g. `kubernetes.io/os`",
      "qhub-config.yaml:13:32: existing.node_selectors.user.value: is not a Kubernetes label value. Hint: write at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit, e.g. `linux`",
    ]);
  });

  test("code spans outlast the backticks inside; text escapes links, HTML and table columns", () => {
    expect(code("ConfigMap dev/a")).toBe("`ConfigMap dev/a`");
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x`")).toBe("`` `x` ``");
    expect(code("a|b\nc")).toBe("`a\\|b c`");
    expect(text("[x](https://e) <img src=x> *y* | z\n# h")).toBe(
      "\\[x\\](https://e) &lt;img src=x&gt; \\*y\\* \\| z # h",
    );
  });

  test("the PR body: object and file names from the base branch cannot break out of their code spans", () => {
    const body = pullRequestBody({
      project: "ds-team",
      repository: "acme/platform",
      base: "main",
      config: { file: "qhub-config.yaml", diff: "" },
      changes: [
        {
          cluster: "prod",
          objects: [
            {
              object: "ConfigMap dev/`](https://evil.example)",
              file: "cluster-overlays/prod/platform/<img src=x>.yaml",
              change: "removed",
              diff: "",
            },
          ],
          files: [],
        },
      ],
      warnings: [],
      version: "0.1.0",
    });
    expect(body).toContain("- prod: ``ConfigMap dev/`](https://evil.example)``");
    expect(body).toContain("<b>&lt;img src=x&gt;</b>");
    // Raw only inside a code span, where GitHub shows it as text.
    expect(body.match(/<img/g)).toHaveLength(1);
    expect(body).toContain("in `cluster-overlays/prod/platform/<img src=x>.yaml`");
  });
});
