import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROVIDERS } from "../src/config/schema.js";
import { projectNameFrom } from "../src/init/template.js";
import { runMain, tempDir } from "./helpers.js";

describe("qhub init", () => {
  test.each(PROVIDERS)(
    "init %s with no flags writes a config that validates as written",
    async (provider) => {
      const dir = tempDir();
      const config = join(dir, "qhub-config.yaml");
      const init = await runMain(["init", provider, "--config", config]);
      expect(init.code, init.stderr).toBe(0);
      const text = readFileSync(config, "utf8");
      expect(text.startsWith("# yaml-language-server: $schema=qhub-config.schema.json\n")).toBe(true);
      expect(text).toContain(`provider: ${provider}`);
      expect(existsSync(join(dir, "qhub-config.schema.json"))).toBe(true);
      const validate = await runMain(["validate", "--config", config]);
      expect(validate.stderr).toMatch(/: valid \(1 cluster: /);
      expect(validate.code).toBe(0);
    },
  );

  test.each([
    ["github", "GITHUB_CLIENT_SECRET"],
    ["auth0", "AUTH0_CLIENT_SECRET"],
    ["password", "QHUB_PASSWORD_ADMIN"],
  ])("--auth %s writes secrets as environment references only", async (auth, env) => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    const r = await runMain([
      "init",
      "gcp",
      "--config",
      config,
      "--project-name",
      "ds-team",
      "--domain",
      "hub.example.com",
      "--auth",
      auth,
      "--repository",
      "acme/ds-platform",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(config, "utf8");
    expect(text).toContain(`{ fromEnv: ${env} }`);
    expect(text).toContain("repository: acme/ds-platform");
    // Every secret-bearing key holds a reference, never something that looks like a value.
    for (const line of text
      .split("\n")
      .filter((l) => /(secret|password):/.test(l) && !l.trim().startsWith("#")))
      expect(line).toMatch(/\{ fromEnv: [A-Z0-9_]+ \}$/);
    expect((await runMain(["validate", "--config", config])).code).toBe(0);
  });

  test("every section is explained by a comment", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    await runMain(["init", "aws", "--config", config]);
    const lines = readFileSync(config, "utf8").split("\n");
    const sections = lines.flatMap((l, i) => (/^[a-z_]+:/.test(l) ? [i] : []));
    for (const i of sections) expect(lines[i - 1], lines[i]).toMatch(/^#/);
  });

  test("refuses to overwrite without --force, and --force overwrites", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    writeFileSync(config, "mine: true\n");
    const refused = await runMain(["init", "local", "--config", config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already exists; not overwriting it");
    expect(refused.stderr).toContain("hint: pass --force");
    expect(readFileSync(config, "utf8")).toBe("mine: true\n");
    const forced = await runMain(["init", "local", "--config", config, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(config, "utf8")).toContain("provider: local");
  });

  test("a schema file that is not QHub's is left alone", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "qhub-config.schema.json"), "{}\n");
    const r = await runMain(["init", "local", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "qhub-config.schema.json"), "utf8")).toBe("{}\n");
    expect(r.stderr).toContain("is not QHub's; left it alone");
  });

  test("bad flags are clear errors and write nothing", async () => {
    const dir = tempDir();
    const config = join(dir, "qhub-config.yaml");
    const provider = await runMain(["init", "openstack", "--config", config]);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toContain('unknown provider "openstack"');
    const name = await runMain(["init", "azure", "--config", config, "--project-name", "my-team"]);
    expect(name.code).toBe(1);
    expect(name.stderr).toContain("must not contain '-' with provider azure");
    const domain = await runMain(["init", "aws", "--config", config, "--domain", "https://x.example.com"]);
    expect(domain.code).toBe(1);
    expect(domain.stderr).toContain("must be a host name");
    expect(existsSync(config)).toBe(false);
  });

  test("default project names are made valid for each cloud", () => {
    expect(projectNameFrom("My Team_Platform 2026", "aws")).toBe("my-team-platform");
    expect(projectNameFrom("my-team", "azure")).toBe("myteam");
    expect(projectNameFrom("aws-stuff", "aws")).toBe("qhub-stuff");
    expect(projectNameFrom("123", "gcp")).toBe("qhub");
  });
});
