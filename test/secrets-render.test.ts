// Secrets through `qhub render`: every file QHub writes decrypts, with implementations that share
// no code with it, to the values the environment gave; a canary value appears nowhere else; the
// same values render byte-identical files; problems stop the render before anything is written.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decryptSops } from "sops-age";
import { describe, expect, test } from "vitest";
import { decryptSecret } from "../src/secrets/sops.js";
import { listFiles, ROOT, runBin, tempDir } from "./helpers.js";
import {
  VECTOR_IDENTITY,
  VECTOR_KEYFILE,
  ageCliKey,
  ageEntries,
  ageTest,
  independentMac,
  openStringData,
} from "./sops-independent.js";

const EXAMPLE = join(ROOT, "examples", "qhub-config.yaml");
const CANARY = `canary-${process.pid}-${Date.now()}-secret`;
const ENV = {
  GITHUB_CLIENT_ID: "canary-client-id-is-not-secret",
  GITHUB_CLIENT_SECRET: CANARY,
  // The clusters' commit status token: a canary too (it holds CANARY).
  QHUB_STATUS_TOKEN: `${CANARY}-status`,
};

/** A repository folder with the example config in it, rendered once with the binary. */
function renderedExample(env: NodeJS.ProcessEnv = ENV): { dir: string; stdout: string; stderr: string } {
  const dir = tempDir();
  cpSync(EXAMPLE, join(dir, "qhub-config.yaml"));
  const r = runBin(["render"], dir, env);
  expect(r.code, r.stderr).toBe(0);
  return { dir, stdout: r.stdout, stderr: r.stderr };
}

const sealedFiles = (dir: string) => listFiles(dir).filter((f) => f.endsWith(".sops.yaml"));

describe("encrypted Secrets from qhub render", () => {
  ageTest(
    "every encrypted file decrypts to the environment's values: age CLI + node:crypto, sops-age, QHub; the MAC recomputes",
    async () => {
      const { dir } = renderedExample();
      const sealed = sealedFiles(dir);
      expect(sealed).toEqual([
        "cluster-overlays/prod/platform/secrets/qhub-commit-status.sops.yaml",
        "cluster-overlays/prod/platform/secrets/qhub-oauth.sops.yaml",
        "cluster-overlays/prod/platform/secrets/qhub-platform-tokens.sops.yaml",
        "cluster-overlays/staging/platform/secrets/qhub-commit-status.sops.yaml",
        "cluster-overlays/staging/platform/secrets/qhub-oauth.sops.yaml",
        "cluster-overlays/staging/platform/secrets/qhub-platform-tokens.sops.yaml",
      ]);
      const tokens: string[] = [];
      for (const f of sealed) {
        const text = readFileSync(join(dir, f), "utf8");
        // 1. Debian's age unwraps the data key; node:crypto opens the values and recomputes the MAC.
        const [entry] = ageEntries(text);
        const key = ageCliKey(entry!.enc, VECTOR_IDENTITY);
        const opened = openStringData(text, key);
        if (f.endsWith("qhub-oauth.sops.yaml"))
          expect(opened).toEqual({ "client-id": ENV.GITHUB_CLIENT_ID, "client-secret": CANARY });
        else if (f.endsWith("qhub-commit-status.sops.yaml"))
          expect(opened).toEqual({ token: ENV.QHUB_STATUS_TOKEN });
        else {
          // The generated tokens: 32 random bytes each, in hex, different in every cluster; watched
          // by helm-controller, so a rotation rolls out.
          expect(text).toContain("reconcile.fluxcd.io/watch: Enabled");
          expect(Object.keys(opened).sort()).toEqual([
            "cookie-secret",
            "dask-gateway-token",
            "proxy-token",
            "smoke-token",
          ]);
          for (const v of Object.values(opened)) expect(v).toMatch(/^[0-9a-f]{64}$/);
          tokens.push(...Object.values(opened));
        }
        const mac = independentMac(text, key);
        expect(mac.computed).toBe(mac.stored);
        // 2. The npm sops-age decoder, on the whole file.
        const whole = (await decryptSops(text, { secretKey: VECTOR_IDENTITY, fileType: "yaml" })) as {
          stringData: unknown;
        };
        expect(whole.stringData).toEqual(opened);
        // 3. QHub's own reader, which checks the MAC too.
        expect((await decryptSecret(text, [VECTOR_IDENTITY])).stringData).toEqual(opened);
      }
      expect(new Set(tokens).size).toBe(tokens.length);
    },
  );

  test("the canary appears nowhere in plain text: tree, output, --json, check, errors, git history", () => {
    const { dir, stdout, stderr } = renderedExample();
    const leaks: string[] = [];
    const look = (where: string, text: string) => {
      for (const form of [
        CANARY,
        Buffer.from(CANARY).toString("base64"),
        Buffer.from(CANARY).toString("hex"),
      ])
        if (text.includes(form)) leaks.push(where);
    };
    look("render output", stdout + stderr);
    for (const f of listFiles(dir)) if (f !== "qhub-config.yaml") look(f, readFileSync(join(dir, f), "utf8"));
    const json = runBin(["render", "--json"], dir, ENV);
    look("render --json", json.stdout + json.stderr);
    const check = runBin(["render", "--check"], dir, ENV);
    look("render --check", check.stdout + check.stderr);
    look(
      "check",
      (() => {
        const r = runBin(["check", dir], ROOT, ENV);
        return r.stdout + r.stderr;
      })(),
    );
    // An error path: the recipients gone, so the render stops, naming what is missing.
    const broken = tempDir();
    writeFileSync(
      join(broken, "qhub-config.yaml"),
      readFileSync(EXAMPLE, "utf8").replace(/secrets:\n {2}sops:\n {4}age_recipients:\n {6}- \S+\n/, ""),
    );
    const error = runBin(["render", "--json"], broken, ENV);
    expect(error.code).toBe(1);
    look("render error", error.stdout + error.stderr);
    // Committed to git, the history holds only ciphertext.
    const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    git("init", "-q");
    git("-c", "user.email=qhub@example.com", "-c", "user.name=qhub", "add", "-A");
    expect(
      git("-c", "user.email=qhub@example.com", "-c", "user.name=qhub", "commit", "-qm", "render").status,
    ).toBe(0);
    look("git history", git("log", "-p", "--all").stdout);
    expect(leaks).toEqual([]);
  });

  test("rendering again with the same values leaves every encrypted file byte-identical, with or without an identity", () => {
    const { dir } = renderedExample();
    const before = sealedFiles(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    const keyFile = join(tempDir(), "keys.txt");
    writeFileSync(keyFile, VECTOR_KEYFILE, { mode: 0o600 });
    for (const env of [ENV, { ...ENV, SOPS_AGE_KEY_FILE: keyFile }]) {
      const again = runBin(["render"], dir, env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/^0 added, 0 changed, 0 removed, \d+ unchanged\n$/);
      expect(sealedFiles(dir).map((f) => readFileSync(join(dir, f), "utf8"))).toEqual(before);
    }
  });

  test("a changed value re-encrypts only the Secrets that hold it", () => {
    const { dir } = renderedExample();
    const r = runBin(["render"], dir, { ...ENV, GITHUB_CLIENT_SECRET: `${CANARY}-rotated` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split("\n").slice(0, -1).sort()).toEqual([
      "changed  .qhub/manifest.json",
      "changed  cluster-overlays/prod/platform/secrets/qhub-oauth.sops.yaml",
      "changed  cluster-overlays/staging/platform/secrets/qhub-oauth.sops.yaml",
    ]);
  });

  test("an unset variable and missing recipients are clear errors, and nothing is written", () => {
    const dir = tempDir();
    cpSync(EXAMPLE, join(dir, "qhub-config.yaml"));
    const r = runBin(["render"], dir, { GITHUB_CLIENT_ID: "x" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: cannot render the encrypted Secrets: security.authentication.config.client_secret names the environment variable GITHUB_CLIENT_SECRET, which is not set",
    );
    expect(r.stderr).toContain("nothing was written");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(listFiles(dir)).toEqual(["qhub-config.yaml"]);
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      readFileSync(EXAMPLE, "utf8").replace(/secrets:\n {2}sops:\n {4}age_recipients:\n {6}- \S+\n/, ""),
    );
    const none = runBin(["render"], dir, ENV);
    expect(none.code).toBe(1);
    // Refused by validation, as `qhub validate` refuses it, before any Secret is sealed.
    expect(none.stderr).toContain(
      "qhub-config.yaml:4:1: secrets: no age recipients: QHub writes every Secret (the hub's tokens, passwords, OAuth secrets) encrypted for the age public keys listed in secrets.sops.age_recipients.",
    );
    expect(existsSync(join(dir, "clusters"))).toBe(false);
  });

  test("a Secret of passwords is digested with scrypt (N=2^14), one nobody chose with the keyed hash", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "password.txt"), "correct horse battery\n");
    const recipient = /age1[02-9ac-hj-np-z]{58}/.exec(readFileSync(EXAMPLE, "utf8"))![0];
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      [
        "project_name: pw",
        "provider: local",
        "domain: hub.localhost",
        "security:",
        "  authentication: { type: password }",
        "  users:",
        "    alice: { password: { fromFile: password.txt } }",
        `secrets: { sops: { age_recipients: [${recipient}] } }`,
        "",
      ].join("\n"),
    );
    const r = runBin(["render"], dir, {});
    expect(r.code, r.stderr).toBe(0);
    const digests = new Map(
      sealedFiles(dir).map((f) => [
        f.replace(/^.*\//, ""),
        /qhub_digest: (\S+)/.exec(readFileSync(join(dir, f), "utf8"))?.[1],
      ]),
    );
    expect(digests.get("qhub-passwords.sops.yaml")).toMatch(/^scrypt:ln=14,r=8,p=1:[A-Za-z0-9+/]{22}:/);
    expect(digests.get("qhub-platform-tokens.sops.yaml")).toMatch(/^hmac-sha256:[A-Za-z0-9+/]{22}:/);
  });

  test("secrets may come from files next to the config", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "client-secret.txt"), `${CANARY}\n`);
    writeFileSync(
      join(dir, "qhub-config.yaml"),
      readFileSync(EXAMPLE, "utf8").replace(
        "client_secret: { fromEnv: GITHUB_CLIENT_SECRET }",
        "client_secret: { fromFile: client-secret.txt }",
      ),
    );
    const r = runBin(["render"], dir, { GITHUB_CLIENT_ID: "x", QHUB_STATUS_TOKEN: "y" });
    expect(r.code, r.stderr).toBe(0);
    expect(sealedFiles(dir)).toHaveLength(6);
  });
});
