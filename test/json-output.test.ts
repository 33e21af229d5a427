// The `--json` documents of validate, render, diff, check and pr against their contracts in
// schema/json-output/: the built binary on real inputs, as scripts run it. stdout must be exactly
// one JSON document that its schema accepts; stderr must be plain text (no terminal escape codes).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTree, ROOT, runBin, runBinAsync, tempDir } from "./helpers.js";
import type { RunResult } from "./helpers.js";
import { kustomizeTest } from "./kustomize.js";
import { startGitServer } from "./support/git-server.js";
import type { GitServer } from "./support/git-server.js";
import { startGitHubDouble } from "./support/github-double.js";
import type { GitHubDouble } from "./support/github-double.js";

const COMMANDS = ["validate", "render", "diff", "check", "pr", "error"] as const;
type Command = (typeof COMMANDS)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

const LOCAL = readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8");
/** Decrypts the fixtures' Secrets (Flux's published test identity): needed to re-encrypt them. */
const IDENTITY = join(ROOT, "test", "fixtures", "secrets", "flux-age.txt");
const ESC = "\x1b";

const schemaPath = (command: Command) => join(ROOT, "schema", "json-output", `${command}.schema.json`);
const schemas = Object.fromEntries(
  COMMANDS.map((c) => [c, JSON.parse(readFileSync(schemaPath(c), "utf8")) as Record<string, unknown>]),
) as Record<Command, Record<string, unknown>>;

// Strict: a typo in a schema keyword is an error, not a keyword silently ignored. `required` in
// conditions (if/then/else) names keys the enclosing object declares, which strictRequired cannot see.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
const validators = Object.fromEntries(COMMANDS.map((c) => [c, ajv.compile(schemas[c])])) as Record<
  Command,
  ValidateFunction
>;

/** Where and why the schema rejects `doc`; [] when it accepts it. */
function schemaErrors(command: Command, doc: unknown): string[] {
  const validate = validators[command];
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || "/"}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every object in `doc` (itself included), as paths of keys and indexes from the root. */
function objectPaths(doc: Json, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(doc)) return doc.flatMap((v, i) => objectPaths(v, [...path, i]));
  if (!isObject(doc)) return [];
  return [path, ...Object.entries(doc).flatMap(([k, v]) => objectPaths(v, [...path, k]))];
}

/** A copy of `doc` with an unknown key added to the object at `path`. */
function withExtraKey(doc: Doc, path: (string | number)[]): Doc {
  const copy = structuredClone(doc);
  let target: Json = copy;
  for (const step of path) target = (target as Record<string | number, Json>)[step]!;
  (target as Doc).qhubUnknownKey = true;
  return copy;
}

/**
 * The command's stdout as its one JSON document, after checking the run's contract: plain stderr,
 * one document on stdout, accepted by the command's schema, and no object in it open to keys the
 * schema does not name (so the schema would notice a key the code adds).
 */
function jsonDocument(command: Command, r: RunResult): Doc {
  expect(r.stderr, "stderr holds a terminal escape code").not.toContain(ESC);
  expect(r.stdout, "stdout holds a terminal escape code").not.toContain(ESC);
  // JSON.parse refuses anything after the first document, so this is exactly one.
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`stdout is not one JSON document (${String(err)}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  expect(r.stdout.endsWith("}\n"), "stdout ends with the document and one newline").toBe(true);
  expect(schemaErrors(command, doc), `${command} --json disagrees with ${schemaPath(command)}`).toEqual([]);
  if (!isObject(doc)) throw new Error("unreachable: the schema accepts only objects");
  for (const path of objectPaths(doc))
    expect(
      schemaErrors(command, withExtraKey(doc, path)),
      `an unknown key at /${path.join("/")}`,
    ).not.toEqual([]);
  return doc;
}

/** A folder holding `qhub-config.yaml` with `config`; returns the folder. */
function configDir(config = LOCAL): string {
  const dir = tempDir();
  writeFileSync(join(dir, "qhub-config.yaml"), config);
  return dir;
}

/** A folder with the config and, in `out/`, the repository it renders to. */
function rendered(config = LOCAL): { dir: string; out: string } {
  const dir = configDir(config);
  const r = runBin(["render", "--output", "out"], dir);
  expect(r.stderr).not.toMatch(/^error:/m);
  expect(r.code).toBe(0);
  return { dir, out: join(dir, "out") };
}

describe("the schemas in schema/json-output/", () => {
  test.each(COMMANDS)(
    "%s: draft 2020-12, every object closed, required keys declared, every property described",
    (command) => {
      const schema = schemas[command];
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      const faults: string[] = [];
      const visit = (node: unknown, where: string) => {
        if (!isObject(node)) return;
        if (node.type === "object") {
          if (node.additionalProperties !== false) faults.push(`${where}: additionalProperties is not false`);
          const properties = isObject(node.properties) ? node.properties : {};
          const required: unknown[] = Array.isArray(node.required) ? node.required : [];
          if (required.length === 0) faults.push(`${where}: no required keys`);
          for (const key of required)
            if (typeof key !== "string" || !(key in properties))
              faults.push(`${where}: required ${JSON.stringify(key)} is not a property`);
          for (const [key, property] of Object.entries(properties))
            if (
              !isObject(property) ||
              typeof property.description !== "string" ||
              property.description === ""
            )
              faults.push(`${where}/properties/${key}: no description`);
        }
        // The shapes documents take; conditions (if/then/else, allOf) only narrow them.
        for (const key of ["properties", "$defs"])
          if (isObject(node[key]))
            for (const [name, sub] of Object.entries(node[key])) visit(sub, `${where}/${key}/${name}`);
        visit(node.items, `${where}/items`);
      };
      visit(schema, "#");
      expect(faults).toEqual([]);
    },
  );

  test("a document with a key the schema does not name is rejected, at the top and deep inside", () => {
    const problem = {
      file: "qhub-config.yaml",
      line: 3,
      col: 1,
      path: "domian",
      message: 'unknown key "domian"',
      hint: 'did you mean "domain"?',
    };
    const doc = { file: "qhub-config.yaml", valid: false, clusters: [], problems: [problem] };
    expect(schemaErrors("validate", doc)).toEqual([]);
    expect(schemaErrors("validate", { ...doc, extra: 1 })).toEqual([
      '/: must NOT have additional properties {"additionalProperty":"extra"}',
    ]);
    expect(schemaErrors("validate", { ...doc, problems: [{ ...problem, severity: "error" }] })).toEqual([
      '/problems/0: must NOT have additional properties {"additionalProperty":"severity"}',
    ]);
    // And a missing key, or one that contradicts another.
    const noHint: Partial<typeof problem> = { ...problem };
    delete noHint.hint;
    expect(schemaErrors("validate", { ...doc, problems: [noHint] })).not.toEqual([]);
    expect(schemaErrors("validate", { ...doc, valid: true })).not.toEqual([]);
  });
});

describe("qhub validate --json", () => {
  test("a valid config: valid, its clusters, no problems; exit 0", () => {
    const r = runBin(["validate", "--json"], configDir());
    const doc = jsonDocument("validate", r);
    expect(doc).toEqual({
      file: "qhub-config.yaml",
      valid: true,
      clusters: ["laptop"],
      problems: [],
      warnings: [],
    });
    expect(r.code).toBe(0);
  });

  test("an invalid config: every problem with its position and hint; exit 1", () => {
    const dir = configDir(`${LOCAL.replace(/^domain:.*\n/m, "")}domian: laptop.localhost\n`);
    const r = runBin(["validate", "--json", "--config", "qhub-config.yaml"], dir);
    const doc = jsonDocument("validate", r);
    expect(doc).toMatchObject({ file: "qhub-config.yaml", valid: false, clusters: [] });
    expect(doc.problems).toContainEqual(
      expect.objectContaining({
        path: "domian",
        message: 'unknown key "domian"',
        hint: 'did you mean "domain"?',
      }),
    );
    // The typo's "did you mean" says it: `domain` is not also reported missing.
    expect(doc.problems).not.toContainEqual(expect.objectContaining({ path: "domain" }));
    expect(r.code).toBe(1);
  });

  test("a YAML syntax error: one problem for the whole file (empty path); exit 1", () => {
    const r = runBin(["validate", "--json"], configDir("project_name: [laptop\n"));
    const doc = jsonDocument("validate", r);
    expect(doc.valid).toBe(false);
    expect(doc.problems).toContainEqual(expect.objectContaining({ path: "", file: "qhub-config.yaml" }));
    expect(r.code).toBe(1);
  });
});

describe("qhub render --json", () => {
  test("a first render lists every file as added; --check then finds nothing; a changed config shows", () => {
    const dir = configDir();
    const first = runBin(["render", "--json", "--output", "out"], dir);
    const written = jsonDocument("render", first);
    expect(first.code).toBe(0);
    expect(written).toMatchObject({
      output: "out",
      check: false,
      clusters: ["laptop"],
      changed: [],
      removed: [],
    });
    expect(written.added).toContain(".qhub/manifest.json");
    expect(written.added).toContain("clusters/laptop/qhub.yaml");

    const check = runBin(["render", "--check", "--json", "--output", "out"], dir);
    const same = jsonDocument("render", check);
    expect(check.code).toBe(0);
    expect(same).toMatchObject({ output: "out", check: true, added: [], changed: [], removed: [] });
    expect(same.unchanged).toBe((written.added as string[]).length); // the manifest included

    writeFileSync(join(dir, "qhub-config.yaml"), LOCAL.replace("laptop.localhost", "hub.localhost"));
    const stale = runBin(["render", "--check", "--json", "--output", "out"], dir);
    const differs = jsonDocument("render", stale);
    expect(stale.code).toBe(3);
    expect(differs.check).toBe(true);
    expect(differs.changed).toContain("cluster-overlays/laptop/platform/jupyterhub.yaml");
  });
});

describe("qhub diff --json", () => {
  test("no change: differs false, no clusters; exit 0", () => {
    const { dir } = rendered();
    const r = runBin(["diff", "--json", "--output", "out"], dir);
    const doc = jsonDocument("diff", r);
    expect(doc).toEqual({ config: "qhub-config.yaml", differs: false, warnings: [], clusters: [] });
    expect(r.code).toBe(0);
  });

  test("a changed domain: the changed objects with their diffs, the shared README as a file; exit 3", () => {
    const { dir } = rendered();
    writeFileSync(join(dir, "qhub-config.yaml"), LOCAL.replace("laptop.localhost", "hub.localhost"));
    const r = runBin(["diff", "--json", "--output", "out"], dir);
    const doc = jsonDocument("diff", r);
    expect(r.code).toBe(3);
    expect(doc).toMatchObject({ differs: true, warnings: [] });
    const [laptop, shared] = doc.clusters as Doc[];
    expect(laptop?.cluster).toBe("laptop");
    expect(laptop?.objects).toContainEqual(
      expect.objectContaining({
        object: "HelmRelease dev/jupyterhub",
        file: "cluster-overlays/laptop/platform/jupyterhub.yaml",
        change: "changed",
        diff: expect.stringContaining("+        - hub.localhost") as unknown,
      }),
    );
    expect(shared?.cluster).toBe("(shared)");
    expect(shared?.files).toContainEqual(expect.objectContaining({ file: "README.md", change: "changed" }));
  });

  test("a changed namespace: an identity warning, removed objects with warnings, no secret value", () => {
    const { dir } = rendered();
    writeFileSync(join(dir, "qhub-config.yaml"), `${LOCAL}namespace: science\n`);
    const r = runBin(["diff", "--json", "--output", "out"], dir, { SOPS_AGE_KEY_FILE: IDENTITY });
    const doc = jsonDocument("diff", r);
    expect(r.code).toBe(3);
    expect(doc.warnings).toEqual([
      expect.stringMatching(/^cluster laptop: namespace changes from dev to science/),
    ]);
    const objects = (doc.clusters as Doc[]).flatMap((c) => c.objects as Doc[]);
    expect(objects).toContainEqual(
      expect.objectContaining({
        object: "Namespace dev",
        change: "removed",
        diff: "",
        warning: expect.any(String) as unknown,
      }),
    );
    expect(objects).toContainEqual(
      expect.objectContaining({ object: "Secret science/qhub-platform-tokens", change: "added" }),
    );
    expect(r.stdout).not.toContain("ENC[");
    expect(r.stdout).not.toContain("AGE-SECRET-KEY");
  });
});

describe("qhub check --json", () => {
  kustomizeTest("a rendered tree: ok, its clusters, objects and builds; exit 0", () => {
    const { dir } = rendered();
    const r = runBin(["check", "out", "--json"], dir);
    const doc = jsonDocument("check", r);
    // Every chart's values are checked against its shipped schema but those of the charts that
    // publish none (csi-driver-nfs; with monitoring, kube-prometheus-stack and grafana): a note each.
    expect(doc).toMatchObject({ dir: "out", ok: true, clusters: ["laptop"] });
    const unchecked = (object: string, chart: string): unknown =>
      expect.objectContaining({
        severity: "note",
        object,
        message: `values not checked: no schema for chart ${chart}`,
      });
    expect(doc.findings).toEqual([
      unchecked("HelmRelease/kube-system/csi-driver-nfs", "csi-driver-nfs 4.12.1"),
      unchecked("HelmRelease/monitoring/kube-prometheus-stack", "kube-prometheus-stack 88.5.3"),
      unchecked("HelmRelease/dev/grafana", "grafana 12.11.1"),
    ]);
    expect(doc.objects).toBeGreaterThan(0);
    expect(doc.builds).toContainEqual(
      expect.objectContaining({ cluster: "laptop", path: "cluster-overlays/laptop/platform" }),
    );
    expect(r.code).toBe(0);
  });

  kustomizeTest("a tree with a missing Kustomization path: an error finding and a note; exit 1", () => {
    const { dir, out } = rendered();
    rmSync(join(out, "cluster-overlays", "laptop", "platform"), { recursive: true });
    const r = runBin(["check", "out", "--json"], dir);
    const doc = jsonDocument("check", r);
    expect(doc.ok).toBe(false);
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        cluster: "laptop",
        file: "clusters/laptop",
        object: "Kustomization/flux-system/qhub-platform",
        severity: "error",
      }),
    );
    expect(doc.findings).toContainEqual(expect.objectContaining({ severity: "note", object: "" }));
    expect(r.code).toBe(1);
  });
});

describe("the error document: a run that fails before it has its own", () => {
  // validate reports problems in its own document; the others print the error document.
  test.each(["render", "diff", "pr"])(
    "%s --json with an invalid config: the problems on stderr and in the error document; exit 1",
    (cmd) => {
      const r = runBin([cmd, "--json"], configDir(`${LOCAL}domian: x\n`), { GITHUB_TOKEN: "unused" });
      const doc = jsonDocument("error", r);
      expect(r.stderr).toMatch(/^qhub-config\.yaml:\d+:1: domian: unknown key "domian"\./m);
      expect(r.code).toBe(1);
      expect(doc.error).toMatchObject({ exitCode: 1 });
      expect(((doc.error as Doc).lines as string[]).join("\n")).toContain('domian: unknown key "domian"');
    },
  );

  test("a user error (no clusters/ to check) and bad usage (an unknown flag)", () => {
    const user = runBin(["check", tempDir(), "--json"], ROOT);
    expect(jsonDocument("error", user).error).toMatchObject({
      exitCode: 1,
      message: expect.stringContaining("has no clusters/<cluster>/ folders") as unknown,
      hint: expect.any(String) as unknown,
    });
    const usage = runBin(["render", "--json", "--nope"], ROOT);
    expect(usage.code).toBe(2);
    expect(jsonDocument("error", usage).error).toMatchObject({
      exitCode: 2,
      message: "unknown option '--nope'",
    });
  });
});

describe("qhub pr --json against a local remote and a GitHub API double", () => {
  const TOKEN = "ghp_JSONOUTPUTtoken0123456789abcdefABCDEF";
  const REPO = "acme/json-output";
  const CURRENT = "acme/json-output-current";
  const configFor = (repository: string) => `${LOCAL}gitops:\n  repository: ${repository}\n  branch: main\n`;
  let git: GitServer;
  let github: GitHubDouble;
  // Kept across the tests of this block (tempDir's folders are removed after each test).
  const folders: string[] = [];
  const folder = (config: string) => {
    const dir = mkdtempSync(join(tmpdir(), "qhub-json-pr-"));
    folders.push(dir);
    writeFileSync(join(dir, "qhub-config.yaml"), config);
    return dir;
  };
  let user: string;

  beforeAll(async () => {
    git = await startGitServer({ token: TOKEN });
    github = await startGitHubDouble({ token: TOKEN, git });
    await git.createRepo(REPO, { "NOTES.md": "# Our platform\n" });
    user = folder(configFor(REPO));
  });
  afterAll(async () => {
    await github?.close();
    await git?.close();
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });

  const pr = async (dir: string, ...args: string[]) => {
    const r = await runBinAsync(["pr", "--json", ...args], dir, {
      GITHUB_TOKEN: TOKEN,
      GITHUB_SERVER_URL: git.url,
      GITHUB_API_URL: github.url,
      QHUB_GITHUB_RETRY_BASE_MS: "5",
    });
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stderr).not.toContain(TOKEN);
    return r;
  };

  test("the first run: pushed, a commit, an opened pull request", async () => {
    const r = await pr(user);
    const doc = jsonDocument("pr", r);
    expect(r.code).toBe(0);
    expect(doc).toMatchObject({
      repository: REPO,
      base: "main",
      branch: "qhub/laptop",
      clusters: ["laptop"],
      warnings: [],
      pushed: true,
      pullRequest: { number: 1, action: "opened" },
    });
    expect(doc.commit).toBe(git.git(REPO, "rev-parse", "refs/heads/qhub/laptop"));
    expect((doc.files as Doc).added).toContain(".qhub/manifest.json");
    expect((doc.restCalls as Doc).writes).toBeGreaterThan(0);
    expect(github.violations).toEqual([]);
  });

  test("a second run with nothing new: not pushed, the same commit, the pull request unchanged", async () => {
    const head = git.git(REPO, "rev-parse", "refs/heads/qhub/laptop");
    const r = await pr(user);
    const doc = jsonDocument("pr", r);
    expect(r.code).toBe(0);
    expect(doc).toMatchObject({
      pushed: false,
      commit: head,
      pullRequest: { number: 1, action: "unchanged" },
      restCalls: { writes: 0 },
    });
  });

  test("a changed config: pushed again, the pull request updated", async () => {
    writeFileSync(
      join(user, "qhub-config.yaml"),
      configFor(REPO).replace("laptop.localhost", "hub.localhost"),
    );
    const r = await pr(user);
    const doc = jsonDocument("pr", r);
    expect(r.code).toBe(0);
    expect(doc).toMatchObject({ pushed: true, pullRequest: { number: 1, action: "updated" } });
    expect(github.violations).toEqual([]);
  });

  test("a base that already is the render: nothing to propose, no commit, no pull request", async () => {
    const config = configFor(CURRENT);
    // The base holds the config and its render beside it, as after merging QHub's pull request.
    const merged = configDir(config);
    expect(runBin(["render"], merged).code).toBe(0);
    await git.createRepo(CURRENT, readTree(merged));
    const r = await pr(folder(config));
    const doc = jsonDocument("pr", r);
    expect(r.stderr).toContain("nothing to propose");
    expect(r.code).toBe(0);
    expect(doc).toEqual({
      repository: CURRENT,
      base: "main",
      branch: "qhub/laptop",
      clusters: ["laptop"],
      files: { added: [], changed: [], removed: [] },
      warnings: [],
      pushed: false,
      restCalls: { total: 0, writes: 0 },
    });
  });
});
