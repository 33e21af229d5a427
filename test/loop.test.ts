// The closed loop (issue #20): every provider renders commit statuses (a github Provider with a
// sealed token and an Alert on QHub's layers), the smoke-test layer after the platform, drift
// detection and remediation on every HelmRelease; qhub check fails on a broken reference among
// them; the smoke Job's name moves exactly when the platform's configuration does.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { COMMIT_STATUS_EXPR, STATUS_SECRET } from "../src/components/commit-status.js";
import { SMOKE_JOB_PREFIX, SMOKE_SCOPES, SMOKE_SERVICE, SMOKE_TOKEN } from "../src/components/smoke/index.js";
import { COMPONENTS } from "../src/components/registry.js";
import type { Component } from "../src/components/types.js";
import { PROVIDERS } from "../src/config/schema.js";
import { buildRepository } from "../src/render/build.js";
import { loadStaticFiles } from "../src/render/static.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { resolveConfig } from "../src/config/resolve.js";
import { neededSecrets } from "../src/secrets/render.js";
import { validateDocument } from "../src/config/validate.js";
import { parseConfigText } from "../src/config/document.js";
import { formatProblem } from "../src/config/problems.js";
import { defaultDomain, renderInitConfig } from "../src/init/template.js";
import { listFiles, problemLines, readTree, ROOT, runMain, tempDir } from "./helpers.js";
import { kustomizeTest } from "./kustomize.js";
import type { NamedConfig } from "./rendered.js";
import { platformConfigs, renderConfig, renderedObjects } from "./rendered.js";

const EXAMPLE = join(ROOT, "examples", "qhub-config.yaml");
const KEY = join(ROOT, "test", "fixtures", "secrets", "flux-age.txt");
const OTHER_RECIPIENT = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";

/** What `qhub init PROVIDER --repository acme/platform` writes, for each provider. */
function initWithRepository(): NamedConfig[] {
  return PROVIDERS.map((provider) => ({
    name: `qhub init ${provider} --repository acme/platform`,
    file: "qhub-config.yaml",
    text: renderInitConfig({
      provider,
      projectName: "team",
      domain: defaultDomain("team", provider),
      auth: "github",
      repository: "acme/platform",
    }),
  }));
}

type Obj = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

describe("every provider closes the loop", () => {
  const configs = [...initWithRepository(), ...platformConfigs()];

  test("every provider's init config renders the Provider, the Alert, its sealed token and the smoke layer", () => {
    const seen = new Set<string>();
    for (const config of initWithRepository()) {
      const files = renderConfig(config);
      const objects = renderedObjects(files).map((o) => o.object as Obj);
      const provider = objects.find((o) => o.kind === "Provider");
      const alert = objects.find((o) => o.kind === "Alert");
      expect(provider?.spec, config.name).toEqual({
        type: "github",
        address: "https://github.com/acme/platform",
        secretRef: { name: STATUS_SECRET },
        commitStatusExpr: COMMIT_STATUS_EXPR,
      });
      expect(alert?.spec?.eventSources, config.name).toEqual(
        ["controllers", "configs", "platform", "smoke"].map((l) => ({
          kind: "Kustomization",
          name: `qhub-${l}`,
          namespace: "flux-system",
        })),
      );
      expect(alert?.spec?.eventMetadata, config.name).toEqual({ cluster: "team" });
      const jobs = objects.filter((o) => o.kind === "Job");
      expect(
        jobs.map((j) => j.metadata?.name?.slice(0, SMOKE_JOB_PREFIX.length)),
        config.name,
      ).toEqual([SMOKE_JOB_PREFIX]);
      const entry = files.find((f) => f.path === "clusters/team/qhub.yaml")!.content;
      expect(entry, config.name).toContain("name: qhub-smoke");
      // The status token is one of the Secrets the secrets stage seals (never written in the clear).
      expect(
        neededSecrets(resolved(config.text).clusters[0]!).map((n) => n.secret.metadata.name),
        config.name,
      ).toContain(STATUS_SECRET);
      seen.add(config.name);
    }
    expect(seen.size).toBe(PROVIDERS.length);
  });

  test("every HelmRelease, rendered or in a blueprint, detects drift and remediates failed installs and upgrades", () => {
    let releases = 0;
    for (const config of configs) {
      for (const { object, file } of renderedObjects(renderConfig(config))) {
        if (object.kind !== "HelmRelease") continue;
        releases++;
        const spec = object.spec as {
          driftDetection?: { mode?: string };
          install?: { remediation?: { retries?: number } };
          upgrade?: { remediation?: { retries?: number; remediateLastFailure?: boolean } };
        };
        expect(spec.driftDetection?.mode, `${config.name}: ${file}`).toBe("enabled");
        expect(spec.install?.remediation?.retries, file).toBe(3);
        expect(spec.upgrade?.remediation, file).toEqual({ retries: 3, remediateLastFailure: true });
      }
    }
    // jupyterhub, dask-gateway, cert-manager, traefik and (nfs) csi-driver-nfs in each config.
    expect(releases).toBeGreaterThan(configs.length * 4);
  });

  test("the hub registers the smoke test's service with the narrowest role, its token from the watched Secret", () => {
    const files = renderConfig({ name: "example", file: EXAMPLE, text: readFileSync(EXAMPLE, "utf8") });
    const hub = parseAllDocuments(
      files.find((f) => f.path === "cluster-overlays/prod/platform/jupyterhub.yaml")!.content,
    )[0]!.toJS() as {
      spec: {
        values: { hub: { loadRoles: Record<string, unknown>; services: Record<string, unknown> } };
        valuesFrom: { name: string; valuesKey: string; targetPath: string }[];
      };
    };
    expect(hub.spec.values.hub.loadRoles[SMOKE_SERVICE]).toEqual({
      description: expect.any(String) as unknown,
      scopes: [...SMOKE_SCOPES],
      services: [SMOKE_SERVICE],
    });
    expect(SMOKE_SCOPES.every((s) => s.includes("!"))).toBe(true);
    expect(hub.spec.valuesFrom).toContainEqual({
      kind: "Secret",
      name: "qhub-platform-tokens",
      valuesKey: SMOKE_TOKEN,
      targetPath: `hub.services.${SMOKE_SERVICE}.apiToken`,
    });
    const tokens = neededSecrets(resolved(readFileSync(EXAMPLE, "utf8")).clusters[0]!).find(
      (n) => n.secret.metadata.name === "qhub-platform-tokens",
    );
    expect(tokens?.secret.metadata.labels).toMatchObject({ "reconcile.fluxcd.io/watch": "Enabled" });
    expect(Object.keys(tokens?.generate ?? {})).toContain(SMOKE_TOKEN);
  });

  test("the smoke Job runs the gateway's Dask image and reaches the schedulers through the notebooks' proxy", () => {
    for (const config of platformConfigs()) {
      const files = renderConfig(config);
      const documents = (path: string) => {
        const file = files.find((f) => f.path === path);
        expect(file, `${config.name}: ${path}`).toBeDefined();
        return parseAllDocuments(file!.content).map((d) => d.toJS() as Record<string, never>);
      };
      for (const smoke of files.filter((f) => /^cluster-overlays\/[^/]+\/smoke\/smoke\.yaml$/.test(f.path))) {
        const dir = smoke.path.replace(/smoke\/smoke\.yaml$/, "platform/");
        const job = documents(smoke.path).find((o) => o.kind === "Job") as unknown as {
          spec: {
            template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } };
          };
        };
        const container = job.spec.template.spec.containers[0]!;
        const gateway = documents(`${dir}dask-gateway.yaml`)[0] as unknown as {
          spec: {
            chart: { spec: { version: string } };
            values: { gateway: { backend: { image: { name: string; tag: string } } } };
          };
        };
        const { name, tag } = gateway.spec.values.gateway.backend.image;
        expect(container.image, smoke.path).toBe(`${name}:${tag}`);
        const hub = documents(`${dir}jupyterhub.yaml`)[0] as unknown as {
          spec: { values: { singleuser: { extraEnv: Record<string, string> } } };
        };
        const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
        expect(env.QHUB_SMOKE_GATEWAY_PROXY, smoke.path).toBe(
          hub.spec.values.singleuser.extraEnv.DASK_GATEWAY__PROXY_ADDRESS,
        );
      }
    }
  });
});

function resolved(text: string) {
  const environments = loadDefaultEnvironments();
  const v = validateDocument(parseConfigText("qhub-config.yaml", text), {
    shippedEnvironments: environments,
  });
  if (!v.clusters) throw new Error(JSON.stringify(v.problems));
  return resolveConfig(v.clusters, { environments });
}

describe("gitops.commit_status in qhub validate", () => {
  const base = readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8");

  const warningLines = (text: string) =>
    validateDocument(parseConfigText("qhub-config.yaml", text)).warnings.map(formatProblem);

  test("without a token: valid, with a warning that says how to turn statuses on or off", () => {
    // No repository yet: nothing to report to, nothing said.
    expect([...problemLines(base), ...warningLines(base)]).toEqual([]);
    const repository = `${base}gitops:\n  repository: acme/platform\n`;
    expect(problemLines(repository)).toEqual([]);
    expect(warningLines(repository)).toEqual([
      expect.stringMatching(
        /^qhub-config\.yaml:\d+:1: gitops: the clusters will not report to the repository's commits .* Hint: add `commit_status: \{ token: \{ fromEnv: QHUB_STATUS_TOKEN \} \}` under `gitops`/,
      ),
    ]);
    const off = `${base}gitops:\n  repository: acme/platform\n  commit_status: { enabled: false }\n`;
    expect([...problemLines(off), ...warningLines(off)]).toEqual([]);
    const files = renderConfig({ name: "local", file: "qhub-config.yaml", text: repository });
    expect(
      renderedObjects(files).some((o) => o.object.kind === "Provider" || o.object.kind === "Alert"),
    ).toBe(false);
  });

  test("refuses qhub pr's token and CI's, at the value", () => {
    expect(
      problemLines(
        `${base}gitops:\n  repository: acme/platform\n  commit_status:\n    token: { fromEnv: QHUB_PR_TOKEN }\n`,
      ),
    ).toEqual([
      expect.stringMatching(
        /^qhub-config\.yaml:\d+:23: gitops\.commit_status\.token\.fromEnv: QHUB_PR_TOKEN is the token `qhub pr` opens pull requests with; it is never sealed for the clusters\. Hint: /,
      ),
    ]);
    expect(
      problemLines(
        `${base}gitops:\n  repository: acme/platform\n  commit_status:\n    token: { fromEnv: GITHUB_TOKEN }\n`,
      ),
    ).toEqual([
      expect.stringMatching(
        /gitops\.commit_status\.token\.fromEnv: GITHUB_TOKEN holds a credential QHub or CI runs with/,
      ),
    ]);
  });
});

/** The smoke Jobs' names in a rendered folder, by cluster. */
function smokeJobs(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir)
      .filter((p) => /^cluster-overlays\/[^/]+\/smoke\/smoke\.yaml$/.test(p))
      .map((p) => {
        const job = parseAllDocuments(readFileSync(join(dir, p), "utf8"))
          .map((d) => d.toJS() as Obj)
          .find((o) => o.kind === "Job");
        return [p.split("/")[1]!, job?.metadata?.name ?? ""];
      }),
  );
}

const sealedBytes = (dir: string) => Object.entries(readTree(dir)).filter(([p]) => p.endsWith(".sops.yaml"));

async function render(dir: string, text: string) {
  writeFileSync(join(dir, "qhub-config.yaml"), text);
  const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
  expect(r.code, r.stderr).toBe(0);
}

describe("the smoke Job's name moves exactly when the platform's configuration does", () => {
  const text = readFileSync(EXAMPLE, "utf8").replace("../schema/", "");

  test("fresh folders: new encrypted bytes (new data keys, new tokens), the same names", async () => {
    const a = tempDir();
    const b = tempDir();
    await render(a, text);
    await render(b, text);
    expect(Object.keys(smokeJobs(a))).toEqual(["prod", "staging"]);
    expect(smokeJobs(b)).toEqual(smokeJobs(a));
    // The clusters differ, so their platforms (and names) do.
    expect(smokeJobs(a).prod).not.toBe(smokeJobs(a).staging);
    // Not vacuous: every sealed file differs between the two folders.
    const sa = sealedBytes(a);
    const sb = new Map(sealedBytes(b));
    expect(sa.length).toBeGreaterThan(0);
    for (const [p, content] of sa) expect(sb.get(p), p).not.toBe(content);
  });

  test("in place: a re-seal keeps the names; a change of the platform moves only that cluster's", async () => {
    process.env.SOPS_AGE_KEY_FILE = KEY;
    try {
      const dir = tempDir();
      await render(dir, text);
      const first = smokeJobs(dir);
      const sealedFirst = new Map(sealedBytes(dir));

      // Another recipient: every Secret is encrypted again, nothing else changes.
      await render(
        dir,
        text.replace(
          "      - age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29\n",
          `      - age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29\n      - ${OTHER_RECIPIENT}\n`,
        ),
      );
      for (const [p, content] of sealedBytes(dir)) expect(sealedFirst.get(p), p).not.toBe(content);
      expect(smokeJobs(dir)).toEqual(first);

      // Something only the README and the workflows show: the platform is the same.
      await render(dir, text.replace("  branch: main\n", "  branch: main\n  pr_workflow: true\n"));
      expect(smokeJobs(dir)).toEqual(first);

      // The staging cluster's worker pool: staging's platform changes, prod's does not.
      await render(
        dir,
        text.replace(
          "worker: { instance: m5.xlarge, min_nodes: 0, max_nodes: 4 }",
          "worker: { instance: m5.xlarge, min_nodes: 0, max_nodes: 6 }",
        ),
      );
      const moved = smokeJobs(dir);
      expect(moved.prod).toBe(first.prod);
      expect(moved.staging).not.toBe(first.staging);

      // A conda environment (a shared folder the platform layer names): both clusters run it again.
      await render(dir, text.replace("      - xgboost\n", "      - xgboost\n      - lightgbm\n"));
      const again = smokeJobs(dir);
      expect(again.prod).not.toBe(first.prod);
      expect(again.staging).not.toBe(moved.staging);
    } finally {
      delete process.env.SOPS_AGE_KEY_FILE;
    }
  });
});

describe("qhub check guards the loop's references", () => {
  const cases: [string, string, string | RegExp, string, RegExp][] = [
    [
      "the Alert's Provider",
      "cluster-overlays/prod/platform/commit-status.yaml",
      "  providerRef:\n    name: qhub-github",
      "  providerRef:\n    name: qhub-gitlab",
      /Alert\/dev\/qhub-commit-status: providerRef names Provider dev\/qhub-gitlab, which Flux will not apply/,
    ],
    [
      "an Alert's source",
      "cluster-overlays/prod/platform/commit-status.yaml",
      "name: qhub-smoke\n",
      "name: qhub-smoky\n",
      /Alert\/dev\/qhub-commit-status: eventSources names Kustomization flux-system\/qhub-smoky, which Flux will not apply/,
    ],
    [
      "the Provider's token Secret",
      "cluster-overlays/prod/platform/commit-status.yaml",
      "    name: qhub-commit-status\n  type: github",
      "    name: qhub-status\n  type: github",
      /Provider\/dev\/qhub-github: secretRef names Secret dev\/qhub-status, which Flux will not apply/,
    ],
    [
      "the token Secret under a Kustomization that does not decrypt",
      "clusters/prod/qhub.yaml",
      / {2}decryption:\n {4}provider: sops\n {4}secretRef:\n {6}name: sops-age\n/,
      "",
      /Secret\/dev\/qhub-commit-status: .*is SOPS-encrypted, but its Flux Kustomization does not decrypt/,
    ],
    [
      "the smoke Job's script",
      "cluster-overlays/prod/smoke/smoke.yaml",
      "            name: qhub-smoke-script\n",
      "            name: qhub-smoke-scripts\n",
      /Job\/dev\/qhub-smoke-[0-9a-f]{10}: .*ConfigMap dev\/qhub-smoke-scripts/,
    ],
    [
      "the smoke Job's token",
      "cluster-overlays/prod/smoke/smoke.yaml",
      "                  name: qhub-platform-tokens\n",
      "                  name: qhub-platform-token\n",
      /Job\/dev\/qhub-smoke-[0-9a-f]{10}: .*Secret dev\/qhub-platform-token\b/,
    ],
    [
      "the hub's smoke service",
      "cluster-overlays/prod/platform/jupyterhub.yaml",
      "      loadRoles:\n        qhub-smoke:",
      "      loadRoles:\n        qhub-smoked:",
      /Job\/dev\/qhub-smoke-[0-9a-f]{10}: no JupyterHub release in dev registers the smoke test's service qhub-smoke/,
    ],
  ];

  kustomizeTest(
    "a clean render passes; each broken reference fails with a finding that names it",
    async () => {
      const clean = tempDir();
      await render(clean, readFileSync(EXAMPLE, "utf8").replace("../schema/", ""));
      const ok = await runMain(["check", clean]);
      expect(ok.stderr).toMatch(/ok: 2 clusters, 8 Kustomize builds/);
      expect(ok.code).toBe(0);
      for (const [what, file, from, to, finding] of cases) {
        const dir = tempDir();
        cpSync(clean, dir, { recursive: true });
        const path = join(dir, file);
        const before = readFileSync(path, "utf8");
        const after = before.replace(from, to);
        expect(after, `${what}: test setup`).not.toBe(before);
        writeFileSync(path, after);
        const r = await runMain(["check", dir]);
        expect(r.code, what).toBe(1);
        expect(r.stderr, what).toMatch(finding);
      }
    },
  );
});

describe("a component reads an earlier layer's digest only", () => {
  const peek = (layer: "platform" | "smoke"): Component => ({
    id: "peek",
    title: "Peek",
    layout: { [layer]: "peek" },
    render(_c, ctx) {
      return { [layer]: { files: [{ path: "peek.txt", content: ctx.layerDigest("platform") }] } };
    },
  });
  const config = resolved(readFileSync(join(ROOT, "test", "fixtures", "render", "local.yaml"), "utf8"));

  test("a later layer gets the finished platform layer's digest; its own layer is refused as QHub's bug", () => {
    const later = buildRepository(config, loadStaticFiles(), {}, undefined, [...COMPONENTS, peek("smoke")]);
    const digest = later.find((f) => f.path === "cluster-overlays/laptop/smoke/peek.txt")?.content;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(() =>
      buildRepository(config, loadStaticFiles(), {}, undefined, [...COMPONENTS, peek("platform")]),
    ).toThrow("component peek reads the digest of layer platform, which it or a later component adds to");
  });
});
