import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { diffTrees, identityWarnings } from "../src/diff/objects.js";
import { ROOT, runMain, tempDir } from "./helpers.js";

const LOCAL = join(ROOT, "test", "fixtures", "render", "local.yaml");

async function rendered(text: string): Promise<{ dir: string; config: string }> {
  const dir = tempDir();
  const config = join(dir, "qhub-config.yaml");
  writeFileSync(config, text);
  expect((await runMain(["render", "--config", config])).code).toBe(0);
  return { dir, config };
}

describe("qhub diff", () => {
  test("nothing to change: exit 0", async () => {
    const { config } = await rendered(readFileSync(LOCAL, "utf8"));
    const r = await runMain(["diff", "--config", config]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("no changes\n");
  });

  test("a changed profile shows as one object with a YAML diff; exit 3; --json gives the same", async () => {
    const base = readFileSync(LOCAL, "utf8");
    const { config } = await rendered(
      `${base}profiles:\n  jupyterlab:\n    - display_name: Lab\n      kubespawner_override: { mem_limit: 8G }\n`,
    );
    writeFileSync(
      config,
      `${base}profiles:\n  jupyterlab:\n    - display_name: Lab\n      kubespawner_override: { mem_limit: 12G }\n`,
    );
    const r = await runMain(["diff", "--config", config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "laptop: 1 added, 1 changed, 1 removed\n  jupyterhub\n    ~ HelmRelease dev/jupyterhub  (cluster-overlays/laptop/platform/jupyterhub.yaml)\n",
    );
    // The platform changed, so the smoke test runs again: its Job is replaced, without a warning.
    expect(r.stderr).toMatch(
      /\n {2}smoke\n {4}[-+] Job qhub-smoke-[0-9a-f]{10} {2}\(cluster-overlays\/laptop\/smoke\/smoke\.yaml\)\n {4}[-+] Job qhub-smoke-[0-9a-f]{10} {2}\(cluster-overlays\/laptop\/smoke\/smoke\.yaml\)\n/,
    );
    expect(r.stderr).not.toContain("WARNING");
    expect(r.stderr).toContain("-            mem_limit: 8G\n");
    expect(r.stderr).toContain("+            mem_limit: 12G\n");
    const json = await runMain(["diff", "--config", config, "--json"]);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout) as {
      differs: boolean;
      clusters: { cluster: string; objects: { object: string; change: string }[] }[];
    };
    expect(doc.differs).toBe(true);
    const objects = doc.clusters.find((c) => c.cluster === "laptop")?.objects ?? [];
    expect(objects.map((o) => [o.object.replace(/-[0-9a-f]{10}$/, "-*"), o.change]).sort()).toEqual([
      ["HelmRelease dev/jupyterhub", "changed"],
      ["Job qhub-smoke-*", "added"],
      ["Job qhub-smoke-*", "removed"],
    ]);
  });

  test("secret values never show; a changed Secret says so; deletions warn", () => {
    const secret = (v: string, ns = "dev") =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ${ns}\nstringData:\n  password: ${v}\nsops:\n  mac: ${v}\n`;
    const changes = diffTrees(
      {
        "cluster-overlays/a/platform/s.yaml": secret("canary-old"),
        "cluster-overlays/a/configs/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
      },
      { "cluster-overlays/a/platform/s.yaml": secret("canary-new") },
    );
    const text = JSON.stringify(changes);
    expect(text).not.toContain("canary");
    expect(changes[0]?.objects.map((o) => [o.object, o.change, o.diff, o.warning ?? ""])).toEqual([
      [
        "Namespace dev",
        "removed",
        "",
        "deleting it deletes what it holds (an identity field such as `namespace` or a cluster name changed?)",
      ],
      ["Secret dev/s", "changed", "(only encrypted values changed)", ""],
    ]);
  });
});

// A changed namespace re-encrypts the generated tokens: that takes the recipients' identity.
const IDENTITY = join(ROOT, "test", "fixtures", "secrets", "flux-age.txt");

describe("identity fields", () => {
  beforeEach(() => void vi.stubEnv("SOPS_AGE_KEY_FILE", IDENTITY));
  afterEach(() => void vi.unstubAllEnvs());

  test("a changed namespace, provider or cluster name is flagged loudly, by diff and in --json", async () => {
    const base = readFileSync(LOCAL, "utf8");
    const { config } = await rendered(base);
    expect(base).not.toMatch(/^namespace:/m); // the default, dev
    writeFileSync(config, `${base}namespace: science\n`);
    const r = await runMain(["diff", "--config", config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^WARNING: cluster laptop: namespace changes from dev to science: everything in the old namespace is deleted/m,
    );
    const json = JSON.parse((await runMain(["diff", "--config", config, "--json"])).stdout) as {
      warnings: string[];
    };
    expect(json.warnings).toHaveLength(1);
  });

  test("identityWarnings: cluster renamed, provider changed, nothing for an unchanged tree", () => {
    const tree = (cluster: string, cloud: string) => ({
      [`clusters/${cluster}/qhub.yaml`]: "kind: Kustomization\n",
      [`cluster-overlays/${cluster}/configs/kustomization.yaml`]: `components:\n  - ../../../overlays/${cloud}/configs\n`,
    });
    expect(identityWarnings(tree("a", "aws"), tree("a", "aws"))).toEqual([]);
    expect(identityWarnings(tree("a", "aws"), tree("a", "gcp"))).toEqual([
      "cluster a: provider changes from aws to gcp: storage classes and load balancers are replaced",
    ]);
    expect(identityWarnings(tree("a", "aws"), tree("b", "aws"))[0]).toMatch(
      /^cluster a is no longer rendered/,
    );
  });

  test("identityWarnings: a namespace that comes (monitoring on) is no change; one that goes is", () => {
    const tree = (...namespaces: string[]) => ({
      "cluster-overlays/a/configs/namespace.yaml": namespaces
        .map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`)
        .join("---\n"),
    });
    expect(identityWarnings(tree("dev"), tree("dev", "monitoring"))).toEqual([]);
    expect(identityWarnings(tree("dev", "monitoring"), tree("dev"))).toEqual([
      "cluster a: namespace changes from monitoring to none: everything in the old namespace is deleted, home directory claims included",
    ]);
    expect(identityWarnings(tree("dev", "monitoring"), tree("monitoring", "science"))[0]).toMatch(
      /namespace changes from dev to science:/,
    );
  });
});

describe("qhub diff --base REF", () => {
  beforeEach(() => void vi.stubEnv("SOPS_AGE_KEY_FILE", IDENTITY));
  afterEach(() => void vi.unstubAllEnvs());
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd,
      encoding: "utf8",
    });

  test("compares with the tree committed at REF, not the files on disk", async () => {
    const base = readFileSync(LOCAL, "utf8");
    const { dir, config } = await rendered(base);
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "render");
    // On disk the render is current; against `main` (the older commit) a change shows.
    writeFileSync(config, `${base}namespace: science\n`);
    expect((await runMain(["render", "--config", config])).code).toBe(0);
    expect((await runMain(["diff", "--config", config])).code).toBe(0);
    const r = await runMain(["diff", "--config", config, "--base", "main"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("namespace changes from dev to science");
    const bad = await runMain(["diff", "--config", config, "--base", "no-such-branch"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--base no-such-branch: not a commit");
  });
});

describe("text-only changes", () => {
  test("the same objects in other text show as a changed file (render rewrites it); Secrets stay masked", () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: dev\n";
    const secret =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: dev\ndata:\n  k: ENC[canary]\n";
    const changes = diffTrees(
      { "cluster-overlays/a/platform/c.yaml": cm, "cluster-overlays/a/platform/s.yaml": secret },
      {
        "cluster-overlays/a/platform/c.yaml": `# hand edit\n${cm}`,
        "cluster-overlays/a/platform/s.yaml": `# hand edit\n${secret}`,
      },
    );
    expect(changes).toEqual([
      {
        cluster: "a",
        objects: [],
        files: [
          {
            file: "cluster-overlays/a/platform/c.yaml",
            change: "changed",
            diff: expect.stringContaining("+# hand edit") as unknown,
          },
          {
            file: "cluster-overlays/a/platform/s.yaml",
            change: "changed",
            diff: "(only formatting or comments changed)",
          },
        ],
      },
    ]);
    expect(diffTrees({ "a.yaml": cm }, { "a.yaml": cm })).toEqual([]);
  });
});

describe("qhub diff without secret values", () => {
  afterEach(() => void vi.unstubAllEnvs());

  test("OAuth values unset: Secrets are compared as they are, with a note; the rest is diffed", async () => {
    const example = readFileSync(join(ROOT, "examples", "qhub-config.yaml"), "utf8");
    const { dir, config } = await rendered(example);
    vi.stubEnv("GITHUB_CLIENT_SECRET", "");
    vi.stubEnv("GITHUB_CLIENT_ID", "");
    const same = await runMain(["diff", "--config", config]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain(
      "note: prod: Secret qhub-oauth is compared as it is, without its values: security.authentication.config.client_secret names the environment variable GITHUB_CLIENT_SECRET, which is not set",
    );
    writeFileSync(config, example.replace("mem_limit: 8G,", "mem_limit: 9G,"));
    const changed = await runMain(["diff", "--config", config, "--json"]);
    expect(changed.code, changed.stderr).toBe(3);
    const doc = JSON.parse(changed.stdout) as { clusters: { objects: { object: string }[] }[] };
    const objects = doc.clusters.flatMap((c) => c.objects.map((o) => o.object));
    expect(objects).toContain("HelmRelease dev/jupyterhub");
    expect(objects.filter((o) => o.startsWith("Secret"))).toEqual([]);
    // render still needs the values: it writes what Flux applies.
    const render = await runMain(["render", "--config", config]);
    expect(render.code).toBe(1);
    expect(render.stderr).toContain("GITHUB_CLIENT_SECRET, which is not set");
    expect(readFileSync(join(dir, "qhub-config.yaml"), "utf8")).toContain("mem_limit: 9G,");
  });
});
