// qhub check on real rendered trees, with real Kustomize: a clean render passes; each broken
// repository (one fault each) fails with a finding that names the fault.
import { kustomizeError } from "../src/check/collect.js";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runBin, runMain, tempDir } from "./helpers.js";
import { kustomizeTest } from "./kustomize.js";

const SCHEMAS = join(ROOT, "charts");
const LOCAL = join(ROOT, "test", "fixtures", "render", "local.yaml");
const C = "cluster-overlays/laptop";

let base = "";
beforeAll(async () => {
  // Not tempDir(): that one is removed after each test, and this tree serves them all.
  base = mkdtempSync(join(tmpdir(), "qhub-check-base-"));
  const r = await runMain(["render", "--config", LOCAL, "--output", base]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A copy of the clean tree with one fault put in. */
function broken(fault: (root: string) => void): string {
  const root = tempDir();
  cpSync(base, root, { recursive: true });
  fault(root);
  return root;
}

function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`test setup: ${String(from)} not found in ${file}`);
  writeFileSync(path, next);
}

/** Adds `text` as extra.yaml to the platform layer's Kustomization. */
function addToPlatform(root: string, text: string): void {
  writeFileSync(join(root, C, "platform", "extra.yaml"), text);
  edit(root, C + "/platform/kustomization.yaml", "  - storage.yaml", "  - storage.yaml\n  - extra.yaml");
}

async function check(root: string, ...flags: string[]) {
  return runMain(["check", root, ...flags]);
}

const deployment = (extra: string, apiVersion = "apps/v1") => `---
apiVersion: ${apiVersion}
kind: Deployment
metadata:
  name: extra
  namespace: dev
spec:
  selector:
    matchLabels: { app: extra }
  template:
    metadata:
      labels: { app: extra }
    spec:
      containers:
        - name: extra
          image: busybox:1.36
${extra}`;

describe("qhub check", () => {
  kustomizeTest("a clean render passes, on the CLI too", async () => {
    const r = await check(base);
    expect(r.stderr).toMatch(/ok: 1 cluster, 4 Kustomize builds, \d+ objects\n$/);
    expect(r.code).toBe(0);
    const bin = runBin(["check", base, "--json"], ROOT);
    expect(bin.code).toBe(0);
    const doc = JSON.parse(bin.stdout) as { ok: boolean; clusters: string[]; builds: unknown[] };
    expect(doc.ok).toBe(true);
    expect(doc.clusters).toEqual(["laptop"]);
    expect(doc.builds).toHaveLength(4);
  });

  const cases: [string, (root: string) => void, RegExp][] = [
    [
      "missing path",
      (r) =>
        edit(
          r,
          "clusters/laptop/qhub.yaml",
          "path: ./cluster-overlays/laptop/platform",
          "path: ./cluster-overlays/laptop/nope",
        ),
      /clusters\/laptop: Kustomization\/flux-system\/qhub-platform: spec.path .\/cluster-overlays\/laptop\/nope does not exist in the repository/,
    ],
    [
      "dependsOn cycle",
      (r) =>
        edit(
          r,
          "clusters/laptop/qhub.yaml",
          /name: qhub-controllers\n {2}namespace: flux-system\nspec:\n/,
          "name: qhub-controllers\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: qhub-platform\n",
        ),
      /dependsOn forms a cycle: qhub-(controllers|configs|platform) -> .* -> qhub-\1/,
    ],
    [
      "dangling valuesFrom after a name-hash suffix",
      (r) => {
        writeFileSync(
          join(r, C, "controllers", "traefik-values.yaml"),
          "logs:\n  general:\n    level: DEBUG\n",
        );
        appendFileSync(
          join(r, C, "controllers", "kustomization.yaml"),
          "configMapGenerator:\n  - name: traefik-values\n    namespace: traefik\n    files:\n      - values.yaml=traefik-values.yaml\n",
        );
        edit(
          r,
          C + "/controllers/kustomization.yaml",
          "        name: traefik\n        namespace: traefik\n      spec:\n",
          "        name: traefik\n        namespace: traefik\n      spec:\n        valuesFrom:\n          - kind: ConfigMap\n            name: traefik-values\n",
        );
      },
      /HelmRelease\/traefik\/traefik: valuesFrom names ConfigMap traefik\/traefik-values, which Flux will not apply. Hint: Kustomize named the generated object traefik-values-[a-z0-9]{10} \(a hash suffix\)/,
    ],
    [
      "wrong field type",
      (r) => edit(r, "blueprints/nfs-server/deployment.yaml", "replicas: 1", 'replicas: "one"'),
      /Deployment\/dev\/nfs-server: does not match the Deployment schema: .*replicas must be integer/,
    ],
    [
      "unknown Helm value",
      (r) =>
        edit(
          r,
          "blueprints/traefik/release.yaml",
          "isDefaultClass: true",
          "isDefaultClass: true\n      isDefault: true",
        ),
      /HelmRelease\/traefik\/traefik: values do not fit chart traefik 41.3.0: \/ingressClass: must NOT have additional properties \(isDefault\)/,
    ],
    [
      "plaintext Secret",
      (r) => {
        writeFileSync(
          join(r, C, "platform", "secret.yaml"),
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
        );
        edit(r, C + "/platform/kustomization.yaml", "  - storage.yaml", "  - storage.yaml\n  - secret.yaml");
      },
      /Secret\/dev\/db: carries data in plain text/,
    ],
    [
      "undefined substitution",
      (r) => {
        edit(
          r,
          "clusters/laptop/qhub.yaml",
          "  path: ./cluster-overlays/laptop/platform\n",
          "  path: ./cluster-overlays/laptop/platform\n  postBuild:\n    substitute:\n      domain: laptop.localhost\n",
        );
        writeFileSync(
          join(r, C, "platform", "greeting.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  url: https://${domain}/\n  owner: ${team_owner}\n  literal: $${not_a_var}\n  defaulted: ${region:=eu}\n",
        );
        edit(
          r,
          C + "/platform/kustomization.yaml",
          "  - storage.yaml",
          "  - storage.yaml\n  - greeting.yaml",
        );
      },
      /ConfigMap\/dev\/greeting: uses \$\{team_owner\}, which postBuild of qhub-platform does not define/,
    ],
    [
      "duplicate object",
      (r) => {
        cpSync(join(r, C, "configs", "namespace.yaml"), join(r, C, "platform", "namespace.yaml"));
        edit(
          r,
          C + "/platform/kustomization.yaml",
          "  - storage.yaml",
          "  - storage.yaml\n  - namespace.yaml",
        );
      },
      /Namespace\/dev: is applied 2 times \(by qhub-configs, qhub-platform\)/,
    ],
    [
      "bad apiVersion",
      (r) => {
        writeFileSync(join(r, C, "platform", "extra.yaml"), deployment("", "apps/v1beta1"));
        edit(r, C + "/platform/kustomization.yaml", "  - storage.yaml", "  - storage.yaml\n  - extra.yaml");
      },
      /Deployment\/dev\/extra: apiVersion apps\/v1beta1 does not serve Deployment. Hint: use apiVersion apps\/v1/,
    ],
    [
      "missing namespace",
      (r) => {
        writeFileSync(
          join(r, C, "controllers", "extra.yaml"),
          deployment("").replace("namespace: dev", "namespace: ghost"),
        );
        appendFileSync(join(r, C, "controllers", "kustomization.yaml"), "");
        edit(r, C + "/controllers/kustomization.yaml", "resources:\n", "resources:\n  - extra.yaml\n");
      },
      /Deployment\/ghost\/extra: is in namespace ghost, which nothing here creates/,
    ],
    [
      "broken patch target",
      (r) =>
        edit(
          r,
          C + "/configs/nfs-server/kustomization.yaml",
          "    name: nfs-server\n",
          "    name: nfs-servr\n",
        ),
      /cluster-overlays\/laptop\/configs: Kustomization\/flux-system\/qhub-configs: Kustomize cannot build cluster-overlays\/laptop\/configs: .*nfs-servr/,
    ],
    [
      "PVC claim with no PVC",
      (r) =>
        addToPlatform(
          r,
          deployment(
            "      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: nope\n",
          ),
        ),
      /Deployment\/dev\/extra: volume claimName names PersistentVolumeClaim dev\/nope, which Flux will not apply/,
    ],
    [
      "env from a Secret that nothing creates",
      (r) =>
        addToPlatform(
          r,
          deployment(
            "          env:\n            - name: TOKEN\n              valueFrom:\n                secretKeyRef: { name: ghost, key: token }\n",
          ),
        ),
      /Deployment\/dev\/extra: env secretKeyRef names Secret dev\/ghost, which Flux will not apply/,
    ],
    [
      "cluster-scoped object put in a namespace",
      (r) =>
        edit(
          r,
          C + "/configs/tls.yaml",
          "  name: qhub-selfsigned\nspec",
          "  name: qhub-selfsigned\n  namespace: dev\nspec",
        ),
      /ClusterIssuer\/dev\/qhub-selfsigned: is cluster-scoped but carries namespace dev/,
    ],
  ];

  for (const [name, fault, finding] of cases) {
    kustomizeTest(`fails on: ${name}`, async () => {
      const r = await check(broken(fault));
      expect(r.code).toBe(1);
      const errors = r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("note:"));
      expect(
        errors.some((l) => finding.test(l)),
        r.stderr,
      ).toBe(true);
      // One fault, one finding, or two where the first hides something else (a layer that does not
      // build creates nothing its dependents need); plus the summary line.
      expect(errors.length, r.stderr).toBeLessThanOrEqual(3);
    });
  }

  kustomizeTest("objects created outside the repository can be declared with --external", async () => {
    const root = broken((r) => {
      writeFileSync(
        join(r, C, "platform", "extra.yaml"),
        deployment(
          "      volumes:\n        - name: c\n          configMap:\n            name: made-by-hand\n",
        ),
      );
      edit(r, C + "/platform/kustomization.yaml", "  - storage.yaml", "  - storage.yaml\n  - extra.yaml");
    });
    expect((await check(root)).code).toBe(1);
    expect((await check(root, "--external", "ConfigMap/dev/made-by-hand")).code).toBe(0);
    // The folder may follow the option: the option takes one value, not the folder too.
    expect((await runMain(["check", "--external", "ConfigMap/dev/made-by-hand", root])).code).toBe(0);
  });

  kustomizeTest("--chart-schemas adds a folder that is looked up before the pinned charts", async () => {
    // A stricter traefik schema in another folder: the same tree now fails on a value it forbids.
    const other = tempDir();
    const schema = JSON.parse(readFileSync(join(SCHEMAS, "traefik-41.3.0.schema.json"), "utf8")) as {
      properties: Record<string, unknown>;
    };
    schema.properties.service = { type: "string" };
    writeFileSync(join(other, "traefik-41.3.0.schema.json"), JSON.stringify(schema));
    writeFileSync(
      join(other, "traefik-41.3.0.values.yaml"),
      readFileSync(join(SCHEMAS, "traefik-41.3.0.values.yaml")),
    );
    expect((await check(base)).code).toBe(0);
    const r = await check(base, "--chart-schemas", other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /HelmRelease\/traefik\/traefik: values do not fit chart traefik 41.3.0: \/service: must be string/,
    );
    const missing = await check(base, "--chart-schemas", join(other, "nope"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
  });

  kustomizeTest("a missing kubectl is a clear error naming how to install it", () => {
    const r = runBin(["check", base], ROOT, { PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: kubectl (with Kustomize v5) was not found on PATH");
    expect(r.stderr).toContain("hint: install kubectl");
  });

  kustomizeTest("a folder with no clusters is a user error", async () => {
    const r = await runMain(["check", tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("has no clusters/<cluster>/ folders");
  });
});

describe("Kustomize errors in findings", () => {
  it("no kubectl log header (time, pid) and no absolute paths: the same report on every machine", () => {
    const root = "/home/ada/platform";
    const raw = `E1127 16:16:02.686970   16884 run.go:72] "command failed" err="accumulating resources from 'nope.yaml': lstat ${root}/cluster-overlays/a/nope.yaml: no such file or directory"`;
    expect(kustomizeError(raw, root)).toBe(
      `"command failed" err="accumulating resources from 'nope.yaml': lstat cluster-overlays/a/nope.yaml: no such file or directory"`,
    );
  });
});
