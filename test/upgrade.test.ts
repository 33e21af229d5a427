import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, test } from "vitest";
import type { UpgradeOutcome } from "../src/upgrade/report.js";
import { formatReport } from "../src/upgrade/report.js";
import { detectEra } from "../src/upgrade/detect.js";
import { fixNamespace, fixProjectName, indentStyle, upgradeConfigText } from "../src/upgrade/upgrade.js";
import { DASK_PINS } from "../src/upgrade/steps.js";
import { DEFAULT_GPU_IMAGE } from "../src/config/defaults.js";
import { ROOT, runBin, runMain, tempDir } from "./helpers.js";

const FIXTURES = join(ROOT, "test", "fixtures", "upgrade");
const GOLDEN = join(ROOT, "test", "golden", "upgrade");
const NAMES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => f.replace(/\.yaml$/, ""));

// Every secret value in the fixtures contains this word; no output of QHub may.
const CANARY = /canary/i;

const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.yaml`), "utf8");

/** The human report as the command prints it after writing `qhub-config.yaml`. */
function reportText(name: string): { text: string; report: string } {
  const r = upgradeConfigText("qhub-config.yaml", fixture(name));
  const outcome: UpgradeOutcome = {
    ...r.report,
    dryRun: false,
    written: true,
    backup: "qhub-config.yaml.bak",
    problems: r.problems,
  };
  return { text: r.text ?? "", report: `${formatReport(outcome).join("\n")}\n` };
}

/** Copies a fixture into a fresh folder as qhub-config.yaml; returns the folder and the path. */
function inTempDir(text: string, name = "qhub-config.yaml"): { dir: string; config: string } {
  const dir = tempDir();
  const config = join(dir, name);
  writeFileSync(config, text);
  return { dir, config };
}

describe("qhub upgrade: golden upgraded configs", () => {
  test("the fixtures cover every provider, every login type and both QHub 0.3 and 0.4", () => {
    const docs = NAMES.map((n) => parse(fixture(n)) as Record<string, unknown>);
    const providers = new Set(docs.map((d) => d.provider));
    expect([...providers].sort()).toEqual(["aws", "azure", "do", "existing", "gcp", "local"]);
    const auth = new Set(
      docs.map((d) => {
        const type = (d.security as { authentication?: { type?: string } }).authentication?.type;
        return type?.toLowerCase();
      }),
    );
    for (const type of ["password", "github", "auth0", "custom"]) expect(auth).toContain(type);
    const eras = NAMES.map((n) => upgradeConfigText("qhub-config.yaml", fixture(n)).report.detected);
    expect(new Set(eras)).toEqual(new Set(["0.3", "0.4", "nebari"]));
    expect(NAMES.length).toBeGreaterThanOrEqual(8);
  });

  test.each(NAMES)("%s upgrades to exactly the golden text and report", (name) => {
    const { text, report } = reportText(name);
    const goldenText = join(GOLDEN, `${name}.yaml`);
    const goldenReport = join(GOLDEN, `${name}.report.txt`);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(goldenText, text);
      writeFileSync(goldenReport, report);
    }
    expect(text).toBe(readFileSync(goldenText, "utf8"));
    expect(report).toBe(readFileSync(goldenReport, "utf8"));
  });

  test("the golden files are exactly the fixtures' (no stale ones)", () => {
    expect(readdirSync(GOLDEN).sort()).toEqual(NAMES.flatMap((n) => [`${n}.report.txt`, `${n}.yaml`]).sort());
  });
});

// Flux's published test key (test/fixtures/secrets/flux-age.txt).
const TEST_RECIPIENT = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";

describe("qhub upgrade: each fixture end to end", () => {
  test.each(NAMES)(
    "%s: upgrade, then validate and render pass; a second upgrade is a no-op",
    async (name) => {
      const original = fixture(name);
      const { dir, config } = inTempDir(original);
      const up = await runMain(["upgrade", "--config", config]);
      // QHub 0.4 kept GitHub users in Keycloak: an upgraded GitHub login may name no organisation
      // and no user, which admits nobody; the upgrade says so, and the person adds who may log in.
      const golden = readFileSync(join(GOLDEN, `${name}.yaml`), "utf8");
      const namesNobody =
        golden.includes("type: GitHub") &&
        !golden.includes("allowed_organizations:") &&
        !/^ {2}users:/m.test(golden);
      // Every old file leaves decisions (at least its age recipient) or problems: exit 1, file written.
      expect(up.code, up.stderr).toBe(1);
      expect(up.stdout).toBe("");
      expect(up.stderr).toContain(`wrote ${config}; the old file is ${config}.bak`);
      if (namesNobody) {
        expect(up.stderr).toContain("a GitHub login that names no organisation, team or user admits nobody");
        expect(up.stderr).toContain("1 problem left for you to decide");
      } else {
        expect(up.stderr).toContain("next: add your age public key to secrets.sops.age_recipients");
        expect(up.stderr).toMatch(
          /^\d+ decisions? left for you \(listed above\); make (it|them) in .*, then run `qhub validate --config .*`$/m,
        );
      }
      expect(readFileSync(config, "utf8")).toBe(golden);
      // The backup is the old file, byte for byte, readable by its owner only.
      expect(readFileSync(`${config}.bak`, "utf8")).toBe(original);
      expect(statSync(`${config}.bak`).mode & 0o777).toBe(0o600);
      if (namesNobody)
        writeFileSync(
          config,
          golden.replace(
            /^( +)client_secret: .*$/m,
            (line, indent: string) => `${line}\n${indent}allowed_organizations: [small-team]`,
          ),
        );

      // validate refuses what render would: the age recipient the upgrade leaves to the user, only.
      const validate = await runMain(["validate", "--config", config]);
      expect(validate.code, validate.stderr).toBe(1);
      expect(validate.stderr).toMatch(/: secrets: no age recipients: /);
      expect(validate.stderr).toContain(`${config}: 1 problem\n`);
      // Rendering needs what the upgraded file names: its variables set, and an age recipient.
      const upgraded = readFileSync(config, "utf8");
      for (const m of upgraded.matchAll(/fromEnv: ([A-Za-z_][A-Za-z0-9_]*)/g))
        process.env[m[1]!] = `canary-${m[1]!}`;
      writeFileSync(config, `${upgraded}secrets:\n  sops:\n    age_recipients: [${TEST_RECIPIENT}]\n`);
      const valid = await runMain(["validate", "--config", config]);
      expect(valid.code, valid.stderr).toBe(0);
      const render = await runMain(["render", "--config", config, "--output", join(dir, "out")]);
      expect(render.code, render.stderr).toBe(0);
      writeFileSync(config, upgraded);
      expect(readdirSync(join(dir, "out", "clusters")).length).toBe(1);

      const again = await runMain(["upgrade", "--config", config]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain("already schema version 1; nothing to upgrade (no file written)");
      expect(existsSync(`${config}.bak.1`)).toBe(false);
    },
  );

  test.each(NAMES)("%s: no output and no written file holds a secret value", async (name) => {
    const original = fixture(name);
    const { config } = inTempDir(original);
    const dry = await runMain(["upgrade", "--config", config, "--dry-run"]);
    const json = await runMain(["upgrade", "--config", config, "--dry-run", "--json"]);
    expect(readFileSync(config, "utf8")).toBe(original);
    expect(existsSync(`${config}.bak`)).toBe(false);
    const real = await runMain(["upgrade", "--config", config]);
    for (const out of [dry.stdout, dry.stderr, json.stdout, json.stderr, real.stdout, real.stderr])
      expect(out).not.toMatch(CANARY);
    expect(readFileSync(config, "utf8")).not.toMatch(CANARY);
    // The secrets were there to begin with, and are still in the backup (which the report says).
    if (CANARY.test(original)) {
      expect(readFileSync(`${config}.bak`, "utf8")).toMatch(CANARY);
      expect(real.stderr).toContain("which still holds the old secret values");
    }
  });
});

describe("qhub upgrade: the command", () => {
  test("--json prints one JSON document on stdout and nothing on stderr", async () => {
    const { config } = inTempDir(fixture("aws-0.3-github"));
    const r = await runMain(["upgrade", "--config", config, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout) as UpgradeOutcome;
    expect(doc).toMatchObject({
      file: config,
      detected: "0.3",
      version: "0.3.13",
      detectedBy: "qhub_version",
      schemaVersion: 1,
      upToDate: false,
      secretsRemoved: true,
      dryRun: false,
      written: true,
      backup: `${config}.bak`,
      problems: [],
    });
    expect(doc.environment).toEqual([
      {
        name: "GITHUB_CLIENT_SECRET",
        path: "security.authentication.config.client_secret",
        note: "the client secret of the GitHub OAuth app",
      },
    ]);
    expect(doc.changes.map((c) => c.step)).toEqual([...doc.changes.map((c) => c.step)].sort());
    expect(doc.changes).toContainEqual({
      step: "0.4 -> 1",
      action: "removed",
      path: "ci_cd",
      detail: "the rendered repository's GitHub workflow and `qhub pr` replace it",
    });
  });

  test("--dry-run writes nothing and prints the upgraded config on stdout", async () => {
    const { dir, config } = inTempDir(fixture("aws-0.3-github"));
    const r = await runMain(["upgrade", "--config", config, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(readFileSync(join(GOLDEN, "aws-0.3-github.yaml"), "utf8"));
    expect(r.stderr).toContain(`dry run: ${config} was not changed`);
    expect(readdirSync(dir)).toEqual(["qhub-config.yaml"]);
  });

  test("a current config is a no-op that says so: no backup, file untouched", async () => {
    const example = readFileSync(join(ROOT, "examples", "qhub-config.yaml"), "utf8");
    const { dir, config } = inTempDir(example);
    const r = await runMain(["upgrade", "--config", config]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${config}: already schema version 1; nothing to upgrade (no file written)\nnext: \`qhub validate --config ${config}\`\n`,
    );
    expect(readdirSync(dir)).toEqual(["qhub-config.yaml"]);
    expect(readFileSync(config, "utf8")).toBe(example);
    // Without qhub_version, a file in the current format is recognised by its shape.
    const unversioned = inTempDir(example.replace("qhub_version: 1\n", ""));
    const r2 = await runMain(["upgrade", "--config", unversioned.config, "--json"]);
    expect(JSON.parse(r2.stdout)).toMatchObject({ upToDate: true, detectedBy: "shape", written: false });
  });

  test("an existing backup is never overwritten: the next one is numbered", async () => {
    const { config } = inTempDir(fixture("local-0.3-password"));
    writeFileSync(`${config}.bak`, "someone's backup\n");
    writeFileSync(`${config}.bak.1`, "another\n");
    const r = await runMain(["upgrade", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the old file is ${config}.bak.2`);
    expect(readFileSync(`${config}.bak`, "utf8")).toBe("someone's backup\n");
    expect(readFileSync(`${config}.bak.2`, "utf8")).toBe(fixture("local-0.3-password"));
  });

  test("a config reached through a symlink: its target is upgraded, the link stays", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    writeFileSync(join(dir, "real", "qhub-config.yaml"), fixture("local-0.3-password"));
    symlinkSync(join("real", "qhub-config.yaml"), join(dir, "qhub-config.yaml"));
    const r = await runMain(["upgrade", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code, r.stderr).toBe(1);
    expect(readFileSync(join(dir, "real", "qhub-config.yaml"), "utf8")).toContain("qhub_version: 1");
    expect(readFileSync(join(dir, "qhub-config.yaml"), "utf8")).toContain("qhub_version: 1");
  });

  test("what the upgrade cannot decide is written, listed as problems, and exits 1", async () => {
    const { config } = inTempDir(
      "qhub_version: 0.4.2\nproject_name: team\nprovider: local\ndomain: team.localhost\ncertificate:\n  type: lets-encrypt\n",
    );
    const r = await runMain(["upgrade", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "certificate.acme_email: Let's Encrypt needs a contact address: add acme_email",
    );
    expect(r.stderr).toContain(`${config}:5:1: certificate.acme_email: missing required key "acme_email".`);
    expect(r.stderr).toContain(
      `1 problem left for you to decide; fix it, then run \`qhub validate --config ${config}\``,
    );
    expect(readFileSync(config, "utf8")).toContain("qhub_version: 1\n");
    expect(existsSync(`${config}.bak`)).toBe(true);
  });

  test.each([
    ["a missing file", null, "error: config file not found: ", "hint: pass --config PATH"],
    [
      "invalid YAML",
      "project_name: x\nprofiles: [1, 2\n",
      "error: qhub-config.yaml cannot be upgraded: qhub-config.yaml:",
      "hint: fix the YAML first",
    ],
    [
      "a version it does not know",
      "qhub_version: 2022.10.1\nproject_name: x\n",
      'error: qhub_version "2022.10.1" is not a version qhub upgrade can migrate',
      "hint: qhub upgrade migrates QHub 0.3.x and 0.4.x configs",
    ],
    [
      "a Nebari version it does not know",
      "nebari_version: 2021.1.1\nproject_name: x\n",
      'error: nebari_version "2021.1.1" is not a Nebari release qhub upgrade can migrate',
      "hint: qhub upgrade migrates configs of Nebari's releases 2022.x to 2026.x",
    ],
    ["an empty file", "", "error: qhub-config.yaml cannot be upgraded: ", "hint: fix the YAML first"],
  ])("%s is a user error with a hint, exit 1, no stack trace", (_name, text, error, hint) => {
    const dir = tempDir();
    if (text !== null) writeFileSync(join(dir, "qhub-config.yaml"), text);
    const r = runBin(["upgrade"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(error);
    expect(r.stderr).toContain(hint);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual(text === null ? [] : ["qhub-config.yaml"]);
  });

  test("upgrade --help describes the flags, the backup and the exit status", () => {
    const r = runBin(["upgrade", "--help"], ROOT);
    expect(r.code).toBe(0);
    for (const s of ["--config <path>", "--dry-run", "--json", "FILE.bak", "Exit status"])
      expect(r.stdout).toContain(s);
  });
});

describe("qhub upgrade: version detection", () => {
  const era = (text: string) => {
    const data = parse(text) as Record<string, unknown>;
    const source = /^qhub_version: (.*)$/m.exec(text)?.[1];
    const d = detectEra(data, source);
    return [d.era, d.version, d.by, d.evidence.join(" ")];
  };

  test.each([
    ["qhub_version: 0.3.13\n", ["0.3", "0.3.13", "qhub_version", ""]],
    ["qhub_version: v0.4.3\n", ["0.4", "v0.4.3", "qhub_version", ""]],
    ["qhub_version: 0.4.0.dev2\n", ["0.4", "0.4.0.dev2", "qhub_version", ""]],
    // YAML reads this as the number 0.4; the written text decides.
    ["qhub_version: 0.4\n", ["0.4", "0.4", "qhub_version", ""]],
    ["qhub_version: 0.2.1\n", ["0.3", "0.2.1", "qhub_version", ""]],
    ["qhub_version: 1\n", ["current", "1", "qhub_version", ""]],
    ["ci_cd: {type: none}\n", ["0.3", null, "shape", "ci_cd"]],
    ["security:\n  keycloak: {}\nci_cd: {}\n", ["0.4", null, "shape", "security.keycloak"]],
    [
      "security:\n  authentication: {type: custom}\n",
      ["0.3", null, "shape", "security.authentication.type: custom"],
    ],
    ["security:\n  users:\n    ada: {password: x}\n", ["0.3", null, "shape", "security.users.ada.password"]],
    ["project_name: x\nsecurity:\n  users:\n    ada: {uid: 1000}\n", ["current", null, "shape", ""]],
    ["nebari_version: 2024.11.1\n", ["nebari", "2024.11.1", "nebari_version", ""]],
    ["nebari_version: 2026.1.1rc2\nqhub_version: 0.4.3\n", ["nebari", "2026.1.1rc2", "nebari_version", ""]],
    // A Nebari file whose nebari_version was deleted: its own keys, or its images, give it away.
    ["jupyterlab:\n  idle_culler: {}\nsecurity:\n  keycloak: {}\n", ["nebari", null, "shape", "jupyterlab"]],
    [
      "default_images:\n  jupyterlab: quay.io/nebari/nebari-jupyterlab:2025.2.1\n",
      ["nebari", null, "shape", "default_images.jupyterlab"],
    ],
    // The current schema's jupyterhub block is no sign of QHub 0.4; its other keys are.
    ["project_name: x\njupyterhub:\n  overrides: {}\n", ["current", null, "shape", ""]],
    ["jupyterhub:\n  overrides: {}\n  image: x\n", ["0.4", null, "shape", "jupyterhub.image"]],
  ])("%j", (text, expected) => {
    expect(era(text)).toEqual(expected);
  });

  test("versions after 0.4 are refused", () => {
    for (const v of ["0.5.0", "2022.10.1", "2"])
      expect(() => era(`qhub_version: ${v}\n`)).toThrow(/cannot|not a version/);
  });
});

describe("qhub upgrade: edits", () => {
  const base = "project_name: team\nprovider: local\ndomain: team.localhost\n";
  const up = (text: string) => upgradeConfigText("qhub-config.yaml", text);

  test("qhub_version goes first, below the file's header comment", () => {
    expect(up(`# Our hub.\n# Second line.\n${base}ci_cd: {type: none}\n`).text).toBe(
      `# Our hub.\n# Second line.\nqhub_version: 1\n${base}`,
    );
    expect(up(`# Header.\n\n# The name.\n${base}ci_cd: {type: none}\n`).text).toBe(
      `# Header.\nqhub_version: 1\n\n# The name.\n${base}`,
    );
  });

  test("a removed key takes its own comment with it, not the section comment above it", () => {
    const text = `qhub_version: 0.4.3\n${base}\n# --- Deployment ---\n\n# CI settings\nci_cd:\n  type: none # never used\nnamespace: dev\n`;
    expect(up(text).text).toBe(`qhub_version: 1\n${base}\n# --- Deployment ---\nnamespace: dev\n`);
  });

  test("comments, key order and quoting of untouched keys stay as they were", () => {
    const text = `qhub_version: "0.4.3" # managed by hand\n${base}theme:\n  jupyterhub:\n    hub_title: 'Team'   # shown on top\n    welcome: "Hi"\nstorage: {conda_store: 10Gi, shared_filesystem: 20Gi}\n`;
    expect(up(text).text).toBe(
      `qhub_version: 1 # managed by hand\n${base}theme:\n  jupyterhub:\n    hub_title: 'Team' # shown on top\n    welcome: "Hi"\nstorage: { conda_store: 10Gi, shared_filesystem: 20Gi }\n`,
    );
  });

  test("Windows line endings stay Windows line endings", () => {
    const r = up(`qhub_version: 0.4.3\r\n${base.replace(/\n/g, "\r\n")}`);
    expect(r.text).toBe(`qhub_version: 1\r\n${base.replace(/\n/g, "\r\n")}`);
  });

  test("two users whose names make the same variable name get distinct ones", () => {
    const r = up(
      `qhub_version: 0.3.13\n${base}security:\n  users:\n    a.b: {primary_group: admin, password: canary-1}\n    a_b: {primary_group: admin, password: canary-2}\n  groups:\n    admin: {}\n`,
    );
    expect(r.report.environment.map((e) => e.name)).toEqual(["QHUB_PASSWORD_A_B", "QHUB_PASSWORD_A_B_2"]);
    // The hub still reads both users' passwords from QHUB_PASSWORD_A_B: one of them must be renamed.
    expect(r.problems.map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`)).toEqual([
      '8:5: security.users.a_b: user "a_b" cannot be told apart from "a.b": both passwords would be read from QHUB_PASSWORD_A_B',
    ]);
  });

  test("a removed secret's value written elsewhere in the file is pointed at, never shown", () => {
    const secret = "canary-reused-value-77";
    const r = up(
      `qhub_version: 0.3.13\n${base}security:\n  authentication:\n    type: GitHub\n    config:\n      client_id: abc\n      client_secret: ${secret} # ${secret}\ntheme:\n  jupyterhub:\n    welcome: "debug ${secret}"\n`,
    );
    expect(r.report.review).toContainEqual({
      path: "theme.jupyterhub.welcome",
      message: "holds a value that was removed from the file as a secret: remove it here too",
    });
    expect(JSON.stringify(r.report)).not.toMatch(CANARY);
    // Only the user's own text keeps it; the comment beside the secret went.
    expect(r.text?.match(/canary/g)).toHaveLength(1);
  });

  test("YAML aliases are written out so each copy upgrades on its own", () => {
    const r = up(
      `qhub_version: 0.4.3\n${base}default_images:\n  jupyterlab: &lab quansight/qhub-jupyterlab:v0.4.3\nprofiles:\n  jupyterlab:\n    - display_name: A\n      kubespawner_override: &ko\n        image: *lab\n        cpu_limit: 1\n    - display_name: B\n      kubespawner_override: *ko\n`,
    );
    expect(r.text).not.toMatch(/[&*](lab|ko)/);
    expect(r.problems).toEqual([]);
    expect(r.report.changes.filter((c) => c.detail.includes("alias")).map((c) => c.path)).toEqual([
      "profiles.jupyterlab[0].kubespawner_override.image",
      "profiles.jupyterlab[1].kubespawner_override",
    ]);
  });

  test("project names and namespaces get the smallest fix the new rules accept", () => {
    expect(fixProjectName("ml-platform", "azure")).toBe("mlplatform");
    expect(fixProjectName("aws-platform-production", "aws")).toBe("platform-product");
    expect(fixProjectName("my team!", "gcp")).toBe("my-team");
    expect(fixProjectName("1x", "gcp")).toBe("qhub");
    expect(fixNamespace("Data_Science")).toBe("data-science");
    expect(fixNamespace("__")).toBe("dev");
  });

  test("lowercase login types are spelled as the schema spells them", () => {
    const r = up(`qhub_version: 0.4.3\n${base}security:\n  authentication:\n    type: Password\n`);
    expect(r.text).toContain("    type: password\n");
  });
});

describe("qhub upgrade: the file keeps its indentation", () => {
  test("lists written under their key (`key:\\n- a`) and 4-space levels stay so: only the changed lines differ", () => {
    const original = fixture("aws-0.4-password");
    // The same file in the other common style: 4 spaces a level, lists not indented.
    const unindented = stringify(parse(original), { indent: 4, indentSeq: false, lineWidth: 0 });
    expect(indentStyle(unindented)).toEqual({ indent: 4, indentSeq: false });
    expect(indentStyle(original)).toEqual({ indent: 2, indentSeq: true });
    const flat = stringify(parse(original), { indent: 2, indentSeq: false, lineWidth: 0 });
    expect(flat).toMatch(/\n {2}jupyterlab:\n {2}- display_name/);
    for (const [text, style] of [
      [original, { indent: 2, indentSeq: true }],
      [unindented, { indent: 4, indentSeq: false }],
      [flat, { indent: 2, indentSeq: false }],
    ] as const) {
      const out = upgradeConfigText("qhub-config.yaml", text).text ?? "";
      expect(indentStyle(out)).toEqual(style);
      // Lines that survive the upgrade are byte for byte the file's own.
      const kept = new Set(text.split("\n"));
      const same = out.split("\n").filter((l) => kept.has(l)).length;
      expect(same / out.split("\n").length).toBeGreaterThan(0.8);
    }
  });
});

describe("qhub upgrade: QHub 0.4's GPU pools and profiles", () => {
  test("gcp-0.4-gpu keeps its gpu-t4 pool and GPU profile; the render places the profile on the pool with a GPU", async () => {
    const { text } = reportText("gcp-0.4-gpu");
    const upgraded = parse(text) as {
      google_cloud_platform: { node_groups: Record<string, Record<string, unknown>> };
      profiles: { jupyterlab: { display_name: string; kubespawner_override: Record<string, unknown> }[] };
    };
    expect(upgraded.google_cloud_platform.node_groups["gpu-t4"]).toEqual({
      instance: "n1-standard-8",
      min_nodes: 0,
      max_nodes: 2,
      guest_accelerators: [{ name: "nvidia-tesla-t4", count: 1 }],
      gpu: true,
      spot: true,
    });
    const gpu = upgraded.profiles.jupyterlab.find((p) => p.display_name === "GPU Instance")!;
    expect(gpu.kubespawner_override).toMatchObject({
      extra_resource_limits: { "nvidia.com/gpu": 1 },
      node_selector: { "cloud.google.com/gke-nodepool": "gpu-t4" },
      image: DEFAULT_GPU_IMAGE,
    });
    const { dir, config } = inTempDir(`${text}secrets:\n  sops:\n    age_recipients: [${TEST_RECIPIENT}]\n`);
    process.env.QHUB_PASSWORD_ADA = "canary-upgrade-ada";
    const render = await runMain(["render", "--config", config, "--output", join(dir, "out")]);
    expect(render.code, render.stderr).toBe(0);
    const hub = readFileSync(
      join(dir, "out", "cluster-overlays", "gpulab", "platform", "jupyterhub.yaml"),
      "utf8",
    );
    const profile = hub.slice(hub.indexOf("display_name: GPU Instance"));
    expect(profile).toContain(
      "tolerations:\n              - effect: NoSchedule\n                key: nvidia.com/gpu\n                operator: Equal\n                value: present",
    );
    expect(profile).toContain("nvidia.com/gpu: 1");
  });
});

describe("qhub upgrade: the Dask pins it writes", () => {
  test("are the shipped environment-dask.yaml's own (one source of the pinned versions)", () => {
    const shipped = parse(readFileSync(join(ROOT, "environments", "environment-dask.yaml"), "utf8")) as {
      dependencies: unknown[];
    };
    for (const pin of DASK_PINS) expect(shipped.dependencies).toContain(pin);
    const out = upgradeConfigText("qhub-config.yaml", fixture("aws-0.3-github")).text ?? "";
    for (const pin of DASK_PINS) expect(out).toContain(`- ${pin}\n`);
    expect(out).not.toContain("qhub-dask");
  });
});

/** The value at `path` inside parsed YAML or JSON, or undefined. */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const seg of path)
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

interface Profile {
  display_name: string;
  kubespawner_override: Record<string, unknown>;
}

/** The parts of the JupyterHub HelmRelease's values these tests read. */
interface HubValues {
  cull: Record<string, unknown>;
  hub: Record<string, unknown>;
  proxy: Record<string, unknown>;
  custom: { qhub: Record<string, unknown> };
  singleuser: {
    profileList: Profile[];
    extraFiles: Record<string, { mountPath: string; data: unknown }>;
    extraEnv: Record<string, unknown>;
    startTimeout?: unknown;
  };
}

describe("qhub upgrade: Nebari configs", () => {
  const NEBARI = NAMES.filter((n) => n.includes("-nebari-"));

  test("the fixtures cover Nebari 2023.x, 2024.x and 2025.x on three clouds with three login types", () => {
    const docs = NEBARI.map((n) => parse(fixture(n)) as Record<string, unknown>);
    expect(docs.map((d) => String(d.nebari_version).slice(0, 4)).sort()).toEqual(["2023", "2024", "2025"]);
    expect(new Set(docs.map((d) => d.provider))).toEqual(new Set(["aws", "gcp", "azure"]));
    const logins = docs.map((d) => (d.security as { authentication: { type: string } }).authentication.type);
    expect(new Set(logins)).toEqual(new Set(["GitHub", "password", "Auth0"]));
  });

  /** Upgrades, names the age recipient (and a GitHub organisation), renders; the outputs. */
  async function upgradeAndRender(name: string) {
    const { dir, config } = inTempDir(fixture(name));
    const up = await runMain(["upgrade", "--config", config]);
    const json = await runMain(["upgrade", "--config", config, "--dry-run", "--json"]);
    let text = readFileSync(config, "utf8");
    if (/type: GitHub/.test(text) && !text.includes("allowed_organizations"))
      text = text.replace(
        /^( +)client_secret: .*$/m,
        (line, indent: string) => `${line}\n${indent}allowed_organizations: [dsteam]`,
      );
    writeFileSync(config, `${text}secrets:\n  sops:\n    age_recipients: [${TEST_RECIPIENT}]\n`);
    for (const m of text.matchAll(/fromEnv: ([A-Za-z_][A-Za-z0-9_]*)/g))
      process.env[m[1]!] = `canary-${m[1]!}`;
    const validate = await runMain(["validate", "--config", config]);
    const out = join(dir, "out");
    const render = await runMain(["render", "--config", config, "--output", out]);
    const check = await runMain(["check", out]);
    const cluster = readdirSync(join(out, "clusters"))[0]!;
    const platform = join(out, "cluster-overlays", cluster, "platform");
    const hub = (
      parse(readFileSync(join(platform, "jupyterhub.yaml"), "utf8")) as {
        spec: { values: HubValues };
      }
    ).spec.values;
    return { dir, config, out, up, json, validate, render, check, platform, hub };
  }

  test.each(NEBARI)(
    "%s: upgrades, then validates, renders and passes qhub check; no secret value in any output",
    async (name) => {
      const r = await upgradeAndRender(name);
      expect(r.up.stderr).toMatch(/: Nebari 20[0-9.]+ -> schema version 1\n/);
      expect(r.validate.code, r.validate.stderr).toBe(0);
      expect(r.render.code, r.render.stderr).toBe(0);
      expect(r.check.code, r.check.stdout + r.check.stderr).toBe(0);
      // The upgraded file and every output; the backup is the user's own original file.
      const outputs = [
        r.up.stdout,
        r.up.stderr,
        r.json.stdout,
        r.json.stderr,
        r.validate.stderr,
        r.check.stderr,
      ];
      for (const out of outputs) expect(out).not.toMatch(/canary-[a-z]+-nebari/);
      expect(readFileSync(r.config, "utf8")).not.toMatch(/canary/);
      for (const file of readdirSync(r.out, { recursive: true }) as string[])
        if (statSync(join(r.out, file)).isFile())
          expect(readFileSync(join(r.out, file), "utf8"), file).not.toMatch(/canary-[a-z]+-nebari/);
      expect(readFileSync(`${r.config}.bak`, "utf8")).toBe(fixture(name));
      const doc = JSON.parse(r.json.stdout) as UpgradeOutcome;
      expect(doc).toMatchObject({ detected: "current", upToDate: true });
    },
  );

  test("aws 2023.x: profiles, GPU pool, Dask workers, environments, theme, culling, monitoring and overrides reach the rendered values", async () => {
    const r = await upgradeAndRender("aws-nebari-2023-github");
    const hub = r.hub;
    const profiles = hub.singleuser.profileList;
    expect(profiles.map((p) => p.display_name)).toEqual([
      "Small Instance",
      "Medium Instance",
      "G4 GPU Instance 1x",
    ]);
    const gpu = profiles[2]!.kubespawner_override;
    expect(gpu.node_selector).toEqual({ "eks.amazonaws.com/nodegroup": "gpu-tesla-g4" });
    expect(gpu.extra_resource_limits).toEqual({ "nvidia.com/gpu": 1 });
    expect(gpu.tolerations).toContainEqual({
      key: "nvidia.com/gpu",
      operator: "Equal",
      value: "present",
      effect: "NoSchedule",
    });
    expect(gpu.image).toBe(DEFAULT_GPU_IMAGE);
    expect(dig(hub, "custom", "qhub", "profileAudience", "medium-instance", "groups")).toContain(
      "dsteam:developer",
    );
    // Nebari's idle_culler counted minutes: servers stop after 60, kernels and terminals after 30.
    expect(hub.cull).toEqual({ enabled: true, timeout: 3600, every: 600 });
    expect(hub.singleuser.extraFiles["qhub-culling"]).toEqual({
      mountPath: "/usr/local/etc/jupyter/jupyter_server_config.json",
      data: {
        MappingKernelManager: {
          cull_idle_timeout: 1800,
          cull_interval: 300,
          cull_connected: true,
          cull_busy: false,
        },
        TerminalManager: { cull_inactive_timeout: 1800, cull_interval: 300 },
      },
    });
    // jupyterhub.overrides, merged over QHub's values; the proxy token written there is gone.
    expect(hub.hub.concurrentSpawnLimit).toBe(20);
    expect(hub.singleuser.startTimeout).toBe(600);
    expect(hub.proxy.secretToken).toBeUndefined();
    expect(dig(hub, "hub", "templateVars")).toMatchObject({
      hub_title: "Nebari - dsteam",
      primary_color: "#4f4173",
    });
    const gateway = readFileSync(join(r.platform, "dask-gateway.yaml"), "utf8");
    expect(gateway).toContain('"name": "GPU Worker"');
    expect(gateway).toContain('"eks.amazonaws.com/nodegroup": "gpu-tesla-g4"');
    const env = readFileSync(join(r.out, "environments", "environment-dask.yaml"), "utf8");
    for (const pin of DASK_PINS) expect(env).toContain(pin);
    expect(env).not.toContain("nebari-dask");
    expect(readdirSync(r.platform)).toContain("monitoring.yaml");
    expect(readFileSync(join(r.out, "README.md"), "utf8")).toContain("## Moving over from Nebari");
  });

  test("gcp 2024.x: a tainted GPU pool with guest accelerators, profile_options and partial idle_culler", async () => {
    const r = await upgradeAndRender("gcp-nebari-2024-password");
    const profiles = r.hub.singleuser.profileList;
    expect(
      dig(profiles[1], "profile_options", "image", "choices", "r", "kubespawner_override", "image"),
    ).toBe("quay.io/jupyter/r-notebook:2024-05-27");
    const gpu = profiles[2]!.kubespawner_override;
    expect(gpu.node_selector).toMatchObject({ "cloud.google.com/gke-nodepool": "gpu-t4" });
    expect(gpu.tolerations).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
    ]);
    // Given: servers 30 minutes, kernels and terminals 20; the rest are Nebari's defaults.
    expect(r.hub.cull).toMatchObject({ timeout: 1800 });
    expect(r.hub.singleuser.extraFiles["qhub-culling"]?.data).toEqual({
      MappingKernelManager: {
        cull_idle_timeout: 1200,
        cull_interval: 300,
        cull_connected: true,
        cull_busy: false,
      },
      TerminalManager: { cull_inactive_timeout: 1200, cull_interval: 300 },
    });
    expect(r.hub.singleuser.extraEnv.TZ).toBe("Europe/Berlin");
    // Nebari ran monitoring by default: the upgrade keeps it on.
    expect(readdirSync(r.platform)).toContain("monitoring.yaml");
    expect(readFileSync(join(r.out, "environments", "environment-ml.yaml"), "utf8")).toContain(
      "scikit-learn==1.4.2",
    );
  });

  test("azure 2025.x: `key=value:Effect` taints, a GPU instance type and the Auth0 tenant", async () => {
    const r = await upgradeAndRender("azure-nebari-2025-auth0");
    const upgraded: unknown = parse(readFileSync(r.config, "utf8"));
    expect(dig(upgraded, "azure", "node_groups", "worker", "taints")).toEqual([
      { key: "dedicated", value: "worker", effect: "NoSchedule" },
    ]);
    expect(dig(upgraded, "azure", "node_groups", "gpu", "gpu")).toBe(true);
    expect(dig(upgraded, "security", "authentication", "config", "auth0_subdomain")).toBe(
      "analytics-corp.us",
    );
    const gpu = r.hub.singleuser.profileList[1]!.kubespawner_override;
    expect(gpu.node_selector).toMatchObject({ "kubernetes.azure.com/agentpool": "gpu" });
    expect(gpu.extra_resource_limits).toEqual({ "nvidia.com/gpu": 1 });
    expect(r.hub.cull).toEqual({ enabled: true, timeout: 900, every: 600 });
    const gateway = readFileSync(join(r.platform, "dask-gateway.yaml"), "utf8");
    expect(gateway).toContain('"key": "dedicated"');
  });

  test("a Nebari file's report: Keycloak's users and the secrets it held are decisions, never values", () => {
    const r = upgradeConfigText("qhub-config.yaml", fixture("azure-nebari-2025-auth0"));
    const paths = r.report.review.map((x) => x.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "security.users",
        "security.keycloak.initial_root_password",
        "monitoring.overrides.minio.rootPassword",
        "jupyterlab.gallery_settings.exhibits[0].token",
      ]),
    );
    expect(r.report.environment.map((e) => e.name)).toEqual(["AUTH0_CLIENT_SECRET"]);
    expect(JSON.stringify(r.report)).not.toMatch(/canary/);
    for (const key of [
      "keycloak",
      "ci_cd",
      "terraform_state",
      "argo_workflows",
      "jhub_apps",
      "helm_extensions",
      "tf_extensions",
      "jupyterlab",
      "conda_store",
    ])
      expect(
        r.report.changes.some(
          (c) => c.path === key || c.path.startsWith(`${key}.`) || c.path === `security.${key}`,
        ),
        key,
      ).toBe(true);
  });

  test("a GitHub or Auth0 login without credentials in the file reads them where Nebari did", () => {
    const r = upgradeConfigText(
      "qhub-config.yaml",
      "nebari_version: 2024.7.1\nproject_name: team\nprovider: local\ndomain: team.localhost\nsecurity:\n  authentication:\n    type: GitHub\n",
    );
    expect(r.text).toContain("client_id: { fromEnv: GITHUB_CLIENT_ID }");
    expect(r.text).toContain("client_secret: { fromEnv: GITHUB_CLIENT_SECRET }");
    expect(r.report.environment.map((e) => e.name)).toEqual(["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"]);
  });

  const small = "project_name: team\nprovider: local\ndomain: team.localhost\n";

  test("without jupyterlab.idle_culler, Nebari's default culling is written; nebari_version becomes qhub_version once", () => {
    const r = upgradeConfigText(
      "qhub-config.yaml",
      `nebari_version: 2023.1.1 # pinned\nqhub_version: 0.4.3\n${small}`,
    );
    expect(r.text).toMatch(/^qhub_version: 1 # pinned\n/);
    expect(r.text?.match(/qhub_version/g)).toHaveLength(1);
    expect(r.text).not.toContain("nebari_version");
    const culling = dig(parse(r.text ?? ""), "jupyterhub", "culling");
    expect(culling).toEqual({
      server_idle_timeout: 900,
      kernel_idle_timeout: 900,
      kernel_check_interval: 300,
      kernel_cull_connected: true,
      kernel_cull_busy: false,
      terminal_idle_timeout: 900,
      terminal_check_interval: 300,
    });
    expect(dig(parse(r.text ?? ""), "monitoring")).toEqual({ enabled: true });
    expect(r.problems).toEqual([]);
  });

  test("Nebari's storage types: efs is QHub's cloud storage (naming the file system is a decision), cephfs an NFS server", () => {
    const efs = upgradeConfigText(
      "qhub-config.yaml",
      "nebari_version: 2024.9.1\nproject_name: team\nprovider: aws\ndomain: hub.example.com\nstorage:\n  type: efs\n",
    );
    expect(efs.text).toContain("  type: cloud\n");
    expect(efs.report.review.map((x) => x.path)).toContain("amazon_web_services.efs_file_system_id");
    const ceph = upgradeConfigText(
      "qhub-config.yaml",
      `nebari_version: 2024.9.1\n${small}storage:\n  type: cephfs\n`,
    );
    expect(ceph.text).toContain("  type: nfs\n");
    expect(ceph.report.review.map((x) => x.path)).toContain("storage.type");
  });

  test("a Nebari file without nebari_version is recognised by its keys and upgrades the same", () => {
    const original = fixture("gcp-nebari-2024-password");
    const r = upgradeConfigText("qhub-config.yaml", original.replace("nebari_version: 2024.5.1\n", ""));
    expect(r.report).toMatchObject({ detected: "nebari", detectedBy: "shape", version: null });
    expect(r.report.evidence).toEqual(expect.arrayContaining(["jupyterlab", "jhub_apps", "telemetry"]));
    const outcome: UpgradeOutcome = { ...r.report, dryRun: true, written: false, backup: null, problems: [] };
    expect(formatReport(outcome)[0]).toMatch(
      /^qhub-config\.yaml: a Nebari config \(no nebari_version; recognised by jupyterlab, jhub_apps, telemetry, .*\) -> schema version 1$/,
    );
    // The same file as with nebari_version, but for where qhub_version goes (first, as in 0.x files).
    const versioned = upgradeConfigText("qhub-config.yaml", original).text ?? "";
    expect((r.text ?? "").replace("qhub_version: 1\n", "")).toBe(versioned.replace("qhub_version: 1\n", ""));
  });
});
