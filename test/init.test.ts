import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

  test("logins admit someone, and the comments say whom: GitHub names an organisation, Auth0 admits its tenant", async () => {
    const dir = tempDir();
    const github = join(dir, "github.yaml");
    expect(
      (await runMain(["init", "aws", "--config", github, "--auth", "github", "--project-name", "ds-team"]))
        .code,
    ).toBe(0);
    const gh = readFileSync(github, "utf8");
    expect(gh).toContain("      allowed_organizations:\n        - ds-team\n");
    expect(gh).toContain(
      "# allowed_organizations is the project's name until you make it your organisation.",
    );
    const auth0 = join(dir, "auth0.yaml");
    expect((await runMain(["init", "aws", "--config", auth0, "--auth", "auth0"])).code).toBe(0);
    const a0 = readFileSync(auth0, "utf8");
    expect(a0).toContain(
      "# With no security.users listed, every user your Auth0 tenant authenticates may log in (the\n  # tenant is the boundary)",
    );
    expect(a0).not.toMatch(/^ {2}users:/m);
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
    // The hint names the flags the user gave, and says where the others' values came from.
    expect(name.stderr).toContain(
      "hint: pass --project-name, --domain (the domain came from the folder's name), --repository with other values",
    );
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

describe("qhub init sets SOPS up", () => {
  test("makes an age identity outside the repository (0600), puts its public key in the config, and render encrypts for it", async () => {
    const { decryptSecret } = await import("../src/secrets/sops.js");
    const dir = tempDir();
    const keyFile = join(tempDir(), "keys.txt");
    const config = join(dir, "qhub-config.yaml");
    const r = await runInitWith(["init", "local", "--config", config, "--project-name", "team"], {
      SOPS_AGE_KEY_FILE: keyFile,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote a new age identity to ${keyFile} (mode 0600`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const identity = readFileSync(keyFile, "utf8");
    const recipient = /# public key: (age1\S+)/.exec(identity)![1]!;
    expect(readFileSync(config, "utf8")).toContain(`age_recipients:\n      - ${recipient}`);
    expect(r.stderr).not.toContain("AGE-SECRET-KEY");
    // The password user init writes gets an encrypted Secret that the new identity opens.
    process.env.QHUB_PASSWORD_ADMIN = "canary-admin-password";
    expect((await runMain(["render", "--config", config])).code).toBe(0);
    const sealed = readFileSync(
      join(dir, "cluster-overlays", "team", "platform", "secrets", "qhub-passwords.sops.yaml"),
      "utf8",
    );
    const key = identity.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
    expect((await decryptSecret(sealed, [key])).stringData).toEqual({ admin: "canary-admin-password" });
    // A second init reuses the identity instead of replacing it.
    const again = await runInitWith(["init", "aws", "--config", join(tempDir(), "qhub-config.yaml")], {
      SOPS_AGE_KEY_FILE: keyFile,
    });
    expect(again.stderr).toContain(`using the age identity in ${keyFile} (public key ${recipient})`);
    expect(readFileSync(keyFile, "utf8")).toBe(identity);
  });

  test("refuses to put the private key inside the repository", async () => {
    const dir = tempDir();
    const r = await runInitWith(["init", "local", "--config", join(dir, "qhub-config.yaml")], {
      SOPS_AGE_KEY_FILE: join(dir, "keys.txt"),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("would be inside the repository folder");
    expect(existsSync(join(dir, "keys.txt"))).toBe(false);
    expect(existsSync(join(dir, "qhub-config.yaml"))).toBe(false);
  });
});

/** Runs the CLI with extra environment variables, restored afterwards. */
async function runInitWith(args: string[], env: Record<string, string>) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runMain(args);
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}
