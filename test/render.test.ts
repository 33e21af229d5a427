import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { assertSafePath, MANIFEST_PATH } from "../src/render/write.js";
import { analyzeCluster } from "../src/check/analyze.js";
import type { Finding } from "../src/check/analyze.js";
import { clustersOf, collectCluster } from "../src/check/collect.js";
import { listFiles, problemLines, readTree, ROOT, runBin, runMain, tempDir } from "./helpers.js";
import { kustomizeTest } from "./kustomize.js";

const FIXTURES = join(ROOT, "test", "fixtures", "render");
const GOLDEN = join(ROOT, "test", "golden");
const CASES: [string, string][] = [
  ["aws", join(ROOT, "examples", "qhub-config.yaml")],
  ...[
    "aws-efs",
    "aws-gpu",
    "aws-auto",
    "gcp",
    "gcp-gpu",
    "gcp-auto",
    "azure",
    "azure-auto",
    "do",
    "local",
    "existing",
  ].map((p): [string, string] => [p, join(FIXTURES, `${p}.yaml`)]),
];

/** Renders a config into a fresh folder (the config is copied there, as users keep it). */
async function renderInto(config: string, dir = tempDir()): Promise<string> {
  const r = await runMain(["render", "--config", config, "--output", dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

// blueprints/ and overlays/ are byte copies of the project's folders, checked on their own.
const copied = (p: string) => p.startsWith("blueprints/") || p.startsWith("overlays/");
// Encrypted Secrets hold fresh random data keys: stable across re-renders of one repository (see
// test/secrets-render.test.ts), never across new folders. Compared here without them.
const sealed = (p: string) => p.endsWith(".sops.yaml");

/** The tree without encrypted files, and the manifest without their hashes. */
function comparable(tree: Record<string, string>): Record<string, string> {
  const out = Object.fromEntries(Object.entries(tree).filter(([p]) => !sealed(p)));
  if (out[MANIFEST_PATH]) {
    const m = JSON.parse(out[MANIFEST_PATH]) as { files: Record<string, string> };
    m.files = Object.fromEntries(Object.entries(m.files).filter(([p]) => !sealed(p)));
    out[MANIFEST_PATH] = `${JSON.stringify(m, null, 2)}\n`;
  }
  return out;
}

describe("qhub render: golden trees", () => {
  test.each(CASES)("%s renders exactly the golden tree", async (name, config) => {
    const out = await renderInto(config);
    const tree = comparable(readTree(out, copied));
    const golden = join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN) {
      rmSync(golden, { recursive: true, force: true });
      for (const [p, content] of Object.entries(tree)) {
        mkdirSync(dirname(join(golden, p)), { recursive: true });
        writeFileSync(join(golden, p), content);
      }
    }
    expect(Object.keys(tree)).toEqual(listFiles(golden));
    for (const [p, content] of Object.entries(tree))
      expect(content, p).toBe(readFileSync(join(golden, p), "utf8"));
  });

  // The bundle (dist/qhub.js and its chunks) is built with plugins that change what is loaded and
  // when (scripts/build.mjs): it must render exactly what the sources render.
  test.each(CASES)("the built binary renders the same golden tree for %s", (name, config) => {
    const out = tempDir();
    const r = runBin(["render", "--config", config, "--output", out], ROOT, { ...process.env });
    expect(r.code, r.stderr).toBe(0);
    const tree = comparable(readTree(out, copied));
    expect(Object.keys(tree)).toEqual(listFiles(join(GOLDEN, name)));
    for (const [p, content] of Object.entries(tree))
      expect(content, p).toBe(readFileSync(join(GOLDEN, name, p), "utf8"));
  });

  test("blueprints and the clusters' clouds' overlays are copied byte for byte; no other cloud's", async () => {
    const out = await renderInto(CASES[0]![1]);
    expect(readTree(join(out, "blueprints"))).toEqual(readTree(join(ROOT, "blueprints")));
    // The first case is an AWS platform: overlays/README.md and overlays/aws/ only.
    const overlays = readTree(join(ROOT, "overlays"));
    const aws = Object.fromEntries(
      Object.entries(overlays).filter(([p]) => p === "README.md" || p.startsWith("aws/")),
    );
    expect(Object.keys(aws).length).toBeGreaterThan(1);
    expect(Object.keys(overlays).length).toBeGreaterThan(Object.keys(aws).length);
    expect(readTree(join(out, "overlays"))).toEqual(aws);
  });

  test("the same config renders byte-identical trees in two different folders", async () => {
    for (const [, config] of CASES) {
      const a = comparable(readTree(await renderInto(config)));
      const b = comparable(readTree(await renderInto(config)));
      expect(b).toEqual(a);
    }
  });

  test("no absolute paths, timestamps or folded lines in the output", async () => {
    const out = await renderInto(CASES[0]![1]);
    for (const [p, content] of Object.entries(readTree(out, sealed))) {
      expect(content, p).not.toContain(out);
      expect(content, p).not.toMatch(/20\d\d-\d\d-\d\dT\d\d:\d\d/);
      expect(content.endsWith("\n"), p).toBe(true);
    }
  });
});

/** What Flux will apply in each cluster, checked by the same code as `qhub check`. */
async function checkTree(root: string): Promise<{ layers: string[][]; errors: Finding[] }> {
  const layers: string[][] = [];
  const errors: Finding[] = [];
  for (const cluster of clustersOf(root)) {
    const collected = await collectCluster(root, cluster);
    layers.push(collected.units.map((u) => u.name));
    const findings = [
      ...collected.findings,
      ...analyzeCluster({ cluster, units: collected.units, external: EXTERNAL }),
    ];
    errors.push(...findings.filter((f) => f.severity === "error"));
  }
  return { layers, errors };
}

// Made by `flux bootstrap` and, once, by hand as the rendered README says.
const EXTERNAL = new Set(["GitRepository/flux-system/flux-system", "Secret/flux-system/sops-age"]);

describe("qhub render: what Flux will apply", () => {
  for (const [name, config] of CASES) {
    kustomizeTest(
      `${name}: every Flux Kustomization path builds, every object validates, every reference resolves`,
      async () => {
        const out = await renderInto(config);
        const { layers, errors } = await checkTree(out);
        expect(layers.length).toBeGreaterThan(0);
        for (const l of layers)
          expect(l).toEqual([
            "flux-system",
            // The node pools' layer only where the autoscaler makes the nodes, first.
            ...(name.endsWith("-auto") ? ["qhub-capacity"] : []),
            "qhub-controllers",
            "qhub-configs",
            "qhub-platform",
            "qhub-smoke",
          ]);
        expect(errors).toEqual([]);
      },
    );
  }

  kustomizeTest("a broken reference is caught (the check can fail)", async () => {
    const out = await renderInto(join(FIXTURES, "local.yaml"));
    const storage = join(out, "cluster-overlays", "laptop", "platform", "storage.yaml");
    writeFileSync(
      storage,
      readFileSync(storage, "utf8").replace("volumeName: qhub-storage-dev", "volumeName: nope"),
    );
    const { errors } = await checkTree(out);
    expect(errors.map((f) => `${f.object}: ${f.message}`)).toEqual([
      "PersistentVolumeClaim/dev/qhub-storage: volumeName names PersistentVolume nope, which Flux will not apply",
    ]);
  });
});

describe("qhub render: the writer", () => {
  test("a second render with no change writes nothing and leaves mtimes alone", async () => {
    const out = await renderInto(CASES[0]![1]);
    const before = listFiles(out).map((p) => [p, statSync(join(out, p)).mtimeMs]);
    await new Promise((r) => setTimeout(r, 20));
    const r = await runMain(["render", "--config", CASES[0]![1], "--output", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^0 added, 0 changed, 0 removed, \d+ unchanged\n$/);
    expect(listFiles(out).map((p) => [p, statSync(join(out, p)).mtimeMs])).toEqual(before);
  });

  test("files a person added are never touched; files QHub no longer generates are removed", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    cpSync(CASES[0]![1], config);
    await renderInto(config, dir);
    writeFileSync(join(dir, "cluster-overlays", "prod", "my-notes.md"), "mine\n");
    writeFileSync(join(dir, "clusters", "staging", "extra.yaml"), "kind: Mine\n");
    // Drop the staging cluster.
    writeFileSync(config, readFileSync(config, "utf8").replace(/\n {4}staging:[\s\S]*$/, "\n"));
    const r = await runMain(["render", "--config", config, "--output", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("removed  clusters/staging/qhub.yaml");
    expect(existsSync(join(dir, "cluster-overlays", "staging"))).toBe(false);
    expect(readFileSync(join(dir, "clusters", "staging", "extra.yaml"), "utf8")).toBe("kind: Mine\n");
    expect(readFileSync(join(dir, "cluster-overlays", "prod", "my-notes.md"), "utf8")).toBe("mine\n");
    expect(readFileSync(config, "utf8")).not.toContain("staging:");
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_PATH), "utf8")) as {
      files: Record<string, string>;
    };
    expect(Object.keys(manifest.files).some((p) => p.includes("staging"))).toBe(false);
  });

  test("a file a person created where QHub would write stops the render, and nothing is written", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "clusters", "laptop"), { recursive: true });
    writeFileSync(join(dir, "clusters", "laptop", "qhub.yaml"), "mine\n");
    const r = await runMain(["render", "--config", join(FIXTURES, "local.yaml"), "--output", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("QHub would overwrite 1 file it did not create: clusters/laptop/qhub.yaml");
    expect(listFiles(dir)).toEqual(["clusters/laptop/qhub.yaml"]);
  });

  test("a README.md of the team's own: QHub's guide goes to QHUB.md, and keeps that name; gitops.readme chooses another", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "README.md"), "# Ours\n");
    const local = readFileSync(join(FIXTURES, "local.yaml"), "utf8");
    writeFileSync(join(dir, "qhub-config.yaml"), local);
    const first = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      "note: README.md is not QHub's; QHub's guide to the repository is QHUB.md",
    );
    expect(first.stderr).toContain("added    QHUB.md");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("# Ours\n");
    expect(readFileSync(join(dir, "QHUB.md"), "utf8")).toMatch(/^# /);
    // The team deletes its README later: the guide stays where it is.
    rmSync(join(dir, "README.md"));
    const again = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^0 added, 0 changed, 0 removed, \d+ unchanged$/m);
    expect(existsSync(join(dir, "README.md"))).toBe(false);
    // gitops.readme moves it; QHub removes the QHUB.md it wrote before.
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      `${local}gitops:\n  repository: acme/platform\n  readme: docs/QHUB.md\n`,
    );
    const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("removed  QHUB.md");
    expect(readFileSync(join(dir, "docs", "QHUB.md"), "utf8")).toMatch(/^# /);
    // A file of the team's own where the config puts the guide is still never overwritten.
    writeFileSync(join(dir, "NOTES.md"), "# Ours\n");
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      `${local}gitops:\n  repository: acme/platform\n  readme: NOTES.md\n`,
    );
    const refused = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("QHub would overwrite 1 file it did not create: NOTES.md");
    expect(refused.stderr).toContain("set gitops.readme to another path");
    expect(readFileSync(join(dir, "NOTES.md"), "utf8")).toBe("# Ours\n");
    expect(problemLines(`${local}gitops:\n  repository: acme/platform\n  readme: ../escape.md\n`)).toEqual([
      expect.stringContaining(
        "gitops.readme: must be a Markdown file's path inside the repository",
      ) as unknown,
    ]);
    expect(
      problemLines(`${local}gitops:\n  repository: acme/platform\n  readme: clusters/x.md\n`),
    ).toHaveLength(1);
  });

  test("a README.md that is a link (as a base branch can hold): the guide goes to QHUB.md, the link is left alone", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "qhub-config.yaml"), readFileSync(join(FIXTURES, "local.yaml"), "utf8"));
    symlinkSync("docs/index.md", join(dir, "README.md"));
    const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: README.md is not QHub's; QHub's guide to the repository is QHUB.md");
    expect(readFileSync(join(dir, "QHUB.md"), "utf8")).toMatch(/^# /);
    expect(lstatSync(join(dir, "README.md")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "README.md"))).toBe("docs/index.md");
  });

  test("render --check exits 3 and lists what differs, writing nothing", async () => {
    const checkLocal = (out: string) =>
      runMain(["render", "--check", "--config", join(FIXTURES, "local.yaml"), "--output", out]);
    const out = await renderInto(join(FIXTURES, "local.yaml"));
    const check = await checkLocal(out);
    expect(check.code).toBe(0);
    expect(check.stderr).toBe("up to date\n");
    writeFileSync(join(out, "README.md"), "edited\n");
    rmSync(join(out, "cluster-overlays", "laptop", "platform", "storage.yaml"));
    const after = readTree(out);
    const differs = await checkLocal(out);
    expect(differs.code).toBe(3);
    expect(differs.stderr).toContain("would be added    cluster-overlays/laptop/platform/storage.yaml");
    expect(differs.stderr).toContain("would be changed  README.md");
    expect(readTree(out)).toEqual(after);
  });

  test("paths that escape the output root are refused", () => {
    for (const bad of ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", ""])
      expect(() => assertSafePath(bad), bad).toThrow(/outside the output root/);
    expect(() => assertSafePath("clusters/a/qhub.yaml")).not.toThrow();
  });

  test("an invalid config renders nothing and exits 1", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "qhub-config.yaml"), "project_name: x1\nprovider: aws\n");
    const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing required key "domain"');
    expect(listFiles(dir)).toEqual(["qhub-config.yaml"]);
  });
});

// Re-encrypting the generated tokens (the namespace changes) needs an identity that opens them.
const KEY = { SOPS_AGE_KEY_FILE: join(ROOT, "test", "fixtures", "secrets", "flux-age.txt") };

describe("qhub render: killed at any point", () => {
  test("every kill point leaves whole files only, and the next render converges", () => {
    const a = join(FIXTURES, "local.yaml");
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    // Old tree: config A; new tree: A with another namespace and TLS disabled (many files change).
    const textA = readFileSync(a, "utf8");
    const textB = `${textA.replace("project_name: laptop", "project_name: laptop\nnamespace: other")}certificate:\n  type: disabled\n`;
    const expected = (text: string) => {
      const d = tempDir();
      writeFileSync(join(d, "qhub-config.yaml"), text);
      expect(runBin(["render"], d, KEY).code).toBe(0);
      return readTree(d);
    };
    const treeA = expected(textA);
    const treeB = expected(textB);
    let point = 1;
    for (; point < 400; point++) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(config, textA);
      expect(runBin(["render"], dir, KEY).code).toBe(0);
      writeFileSync(config, textB);
      const killed = runBin(["render"], dir, { QHUB_FAULT_AFTER_OPS: String(point), ...KEY });
      const now = readTree(dir);
      for (const [p, content] of Object.entries(now)) {
        if (p === "qhub-config.yaml") continue;
        if (p.endsWith(".qhub-tmp")) continue; // a temp file of the killed render; QHub cleans it up
        if (p === ".qhub/lock") continue; // the killed render's lock: the next render takes it over
        if (sealed(p)) {
          // Fresh ciphertext on every render: whole YAML with its SOPS block, either way.
          expect(content, `kill point ${point}: ${p}`).toMatch(/\nsops:\n[\s\S]*\n {2}mac: ENC\[/);
          continue;
        }
        if (p === MANIFEST_PATH) {
          // Widened to old ∪ new mid-render: whole JSON either way.
          expect(() => JSON.parse(content) as unknown, `kill point ${point}: manifest`).not.toThrow();
          continue;
        }
        expect([treeA[p], treeB[p]], `kill point ${point}: ${p} is neither old nor new`).toContain(content);
      }
      expect(runBin(["render"], dir, KEY).code, `render after kill point ${point}`).toBe(0);
      const now2 = readTree(dir);
      expect(comparable(now2), `converged after kill point ${point}`).toEqual(comparable(treeB));
      expect(Object.keys(now2).filter(sealed), `sealed files after kill point ${point}`).toEqual(
        Object.keys(treeB).filter(sealed),
      );
      if (killed.code === 0) break; // the render finished before the fault point: all points covered
    }
    expect(point).toBeGreaterThan(10);
  });
});

describe("qhub render: built objects are validated", () => {
  test("an invalid built object is a bug report naming the cluster, the object and the config path", async () => {
    const { buildRepository } = await import("../src/render/build.js");
    const { resolveConfig } = await import("../src/config/resolve.js");
    const { parseConfigText } = await import("../src/config/document.js");
    const { validateDocument } = await import("../src/config/validate.js");
    const { clusters } = validateDocument(
      parseConfigText("x.yaml", readFileSync(join(FIXTURES, "local.yaml"), "utf8")),
    );
    const resolved = resolveConfig(clusters ?? [], { environments: {} });
    // An e-mail address that is not a string: only a bug could produce it, and it must not be emitted.
    resolved.clusters[0]!.certificate = {
      type: "lets-encrypt",
      acme_email: 42 as unknown as string,
      acme_server: "https://acme.example.com/directory",
    };
    expect(() => buildRepository(resolved, { blueprints: [], overlays: [] })).toThrow(
      /cluster laptop: ClusterIssuer qhub-letsencrypt, built from `certificate`, is invalid: .*email must be string/,
    );
  });
});
