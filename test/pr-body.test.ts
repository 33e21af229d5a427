import { describe, expect, test } from "vitest";
import { diffTrees } from "../src/diff/objects.js";
import type { ClusterChanges } from "../src/diff/objects.js";
import { groupOf } from "../src/components/registry.js";
import { BODY_LIMIT, bodyHash, pullRequestBody } from "../src/publish/body.js";
import { assertGitVersion } from "../src/publish/git.js";

const input = (changes: ClusterChanges[], warnings: string[] = []) => ({
  project: "ds-team",
  repository: "acme/platform",
  base: "main",
  config: { file: "qhub-config.yaml", diff: "@@ -1 +1 @@\n-a: 1\n+a: 2" },
  changes,
  warnings,
  version: "0.1.0",
});

const cm = (name: string, lines: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: dev\ndata:\n${Array.from({ length: lines }, (_, i) => `  k${i}: "${name}-${i}"`).join("\n")}\n`;

/** `n` ConfigMaps in cluster `a`, each with `lines` keys, all changed between two renders. */
function bigChange(n: number, lines: number): ClusterChanges[] {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const path = `cluster-overlays/a/platform/cm-${i}.yaml`;
    before[path] = cm(`cm${i}`, lines);
    after[path] = cm(`cm${i}`, lines).replace(/"cm\d+-(\d+)"/g, '"new-$1"');
  }
  return diffTrees(before, after);
}

describe("pull request body", () => {
  test("a summary table per cluster, one <details> per component with diff blocks, a hash marker", () => {
    const changes = diffTrees(
      {
        "cluster-overlays/prod/platform/jupyterhub.yaml": cm("hub", 2),
        "cluster-overlays/prod/configs/namespace.yaml":
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n",
      },
      {
        "cluster-overlays/prod/platform/jupyterhub.yaml": cm("hub", 3),
        "cluster-overlays/prod/platform/dask-gateway.yaml": cm("gw", 1),
      },
    );
    const body = pullRequestBody(input(changes, ["cluster prod: namespace changes from old to new"]));
    expect(body).toContain(
      "| cluster | added | changed | removed |\n|---|---:|---:|---:|\n| prod | 1 | 1 | ⚠️ 1 |",
    );
    expect(body).toContain("> [!CAUTION]\n> - cluster prod: namespace changes from old to new");
    expect(body).toContain("> [!WARNING]\n> This change deletes 1 object;");
    expect(body).toContain("<details><summary><b>jupyterhub</b>: 1 changed</summary>");
    expect(body).toContain("<details><summary><b>dask-gateway</b>: 1 added</summary>");
    expect(body).toContain("<details><summary><b>namespace</b>: 1 removed</summary>");
    expect(body).toContain("```diff\n@@ -6,3 +6,4 @@\n data:\n   k0: hub-0\n   k1: hub-1\n+  k2: hub-2\n```");
    expect(body).toContain("<details><summary><b>qhub-config.yaml</b>: changed</summary>");
    expect(bodyHash(body)).toMatch(/^[0-9a-f]{64}$/);
    expect(pullRequestBody(input(changes, ["cluster prod: namespace changes from old to new"]))).toBe(body);
    expect(bodyHash(pullRequestBody(input(changes)))).not.toBe(bodyHash(body));
  });

  test("components: layers, blueprints, overlays, Flux, environments", () => {
    expect(groupOf("cluster-overlays/a/platform/jupyterhub.yaml")).toBe("jupyterhub");
    expect(groupOf("cluster-overlays/a/platform/secrets/qhub-oauth.sops.yaml")).toBe("secrets");
    expect(groupOf("cluster-overlays/a/configs/nfs-server/kustomization.yaml")).toBe("storage");
    expect(groupOf("cluster-overlays/a/configs/storageclass.yaml")).toBe("storage");
    expect(groupOf("cluster-overlays/a/controllers/kustomization.yaml")).toBe("controllers layer");
    expect(groupOf("clusters/a/qhub.yaml")).toBe("flux");
    expect(groupOf("blueprints/traefik/release.yaml")).toBe("traefik");
    expect(groupOf("blueprints/unknown/release.yaml")).toBe("blueprints/unknown");
    expect(groupOf("overlays/aws/configs/storageclass.yaml")).toBe("overlays/aws");
    expect(groupOf("environments/environment-ml.yaml")).toBe("conda-store");
    expect(groupOf("README.md")).toBe("repository");
  });

  test("secret values never reach the body", () => {
    const secret = (v: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: dev\ndata:\n  token: ${v}\nsops:\n  mac: ${v}\n`;
    const body = pullRequestBody(
      input(
        diffTrees(
          { "cluster-overlays/a/platform/secrets/s.sops.yaml": secret("CANARY-OLD") },
          { "cluster-overlays/a/platform/secrets/s.sops.yaml": secret("CANARY-NEW") },
        ),
      ),
    );
    expect(body).toContain("Secret dev/s");
    expect(body).not.toMatch(/CANARY/);
  });

  test("a diff that contains a code fence cannot close the body's fence", () => {
    const body = pullRequestBody(
      input(diffTrees({ "README.md": "a\n" }, { "README.md": "a\n```\nescaped\n" })),
    );
    expect(body).toContain("````diff\n");
  });

  test("too large: folds long diffs first, then lists objects, then files, always under the limit", () => {
    const small = pullRequestBody(input(bigChange(3, 10)));
    expect(small).not.toContain("more lines");

    const folded = pullRequestBody(input(bigChange(12, 300)));
    expect(folded.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(folded).toMatch(/… \d+ more lines: run `qhub diff` to see them all\./);
    expect(folded).toContain("```diff");

    const listed = pullRequestBody(input(bigChange(120, 300)));
    expect(listed.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(listed).toContain("The full diff is too long for a pull request body");
    expect(listed).not.toContain("```diff");
    expect(listed).toContain("`ConfigMap dev/cm119` in `cluster-overlays/a/platform/cm-119.yaml`");

    const cut = pullRequestBody(input(bigChange(3000, 1)));
    expect(cut.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(cut).toContain("the change is too large to list");
    expect(bodyHash(cut)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("git for qhub pr", () => {
  test("git older than 2.31 (no GIT_CONFIG_COUNT) is refused with what to do", () => {
    expect(() => assertGitVersion("git version 2.30.9")).toThrow(
      /needs git 2\.31 or newer; found git version 2\.30\.9/,
    );
    expect(() => assertGitVersion("git version 2.39.5")).not.toThrow();
    expect(() => assertGitVersion("git version 3.0.0")).not.toThrow();
  });
});

describe("names in the body", () => {
  test("a Kustomize file is named by its path once (no 'X in X'); an object names its file", () => {
    const k = "cluster-overlays/a/platform/kustomization.yaml";
    const body = pullRequestBody(
      input(
        diffTrees(
          { [k]: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n" },
          {
            [k]: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml, b.yaml]\n",
            "cluster-overlays/a/platform/b.yaml": cm("b", 1),
          },
        ),
      ),
    );
    expect(body).toContain(`- changed: \`Kustomization ${k}\``);
    expect(body).not.toContain(`in \`${k}\``);
    expect(body).toContain("- added: `ConfigMap dev/b` in `cluster-overlays/a/platform/b.yaml`");
  });
});
