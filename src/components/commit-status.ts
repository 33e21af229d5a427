// Commit statuses from each cluster: Flux's notification-controller reports every event of QHub's
// Flux Kustomizations (applied, healthy, or why not) as a GitHub commit status on the commit it
// applied, one per cluster and layer (`qhub/<cluster>/qhub-<layer>`). A `github` Provider with a
// token QHub seals (gitops.commit_status.token), and an Alert on the layers' Kustomizations.
// HelmReleases are not sources: their events carry the chart's version, not a commit (the github
// notifier refuses them, notification-controller internal/notifier/github.go), and each layer
// waits for its releases' health (wait: true), so a failing release fails its layer's status.
import { Alert, Provider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import { toYamlDocuments } from "../render/emit.js";
import { at, checked } from "./kit.js";
import type { CheckContext, Component, LayerName } from "./types.js";
import { layerKustomization } from "./types.js";

/** The Secret of the status token (key `token`, as the github Provider reads it). */
export const STATUS_SECRET = "qhub-commit-status";
const PROVIDER = "qhub-github";
const ALERT = "qhub-commit-status";

/**
 * The commit status's context, per cluster and layer (notification-controller >= 1.5, Flux 2.5:
 * `commitStatusExpr`; `event.metadata` holds the Alert's eventMetadata).
 */
export const COMMIT_STATUS_EXPR = "'qhub/' + event.metadata.cluster + '/' + event.involvedObject.name";

function objects(cluster: string, address: string, layers: readonly LayerName[]): [Provider, Alert] {
  const provider = new Provider({
    metadata: { name: PROVIDER },
    spec: {
      type: "github",
      address,
      secretRef: { name: STATUS_SECRET },
      commitStatusExpr: COMMIT_STATUS_EXPR,
    },
  });
  const alert = new Alert({
    metadata: { name: ALERT },
    spec: {
      providerRef: { name: PROVIDER },
      eventSeverity: "info",
      eventSources: layers.map((l) => ({
        kind: "Kustomization" as const,
        name: layerKustomization(l),
        namespace: "flux-system",
      })),
      eventMetadata: { cluster },
      summary: `QHub on cluster ${cluster}`,
    },
  });
  return [provider, alert];
}

/** The Alert's Provider and sources, and the Provider's token Secret, must be what Flux applies. */
function check(ctx: CheckContext): void {
  for (const entry of ctx.objects) {
    const { object, namespace: ns } = entry;
    const missing = (what: string, kind: string, name: unknown, namespace: string) =>
      ctx.refer(entry, what, kind, name, namespace, "render again, or correct the name");
    if (object.kind === "Alert") {
      missing("providerRef", "Provider", at(object.spec, "providerRef", "name"), ns);
      const sources = at(object.spec, "eventSources");
      for (const s of Array.isArray(sources) ? sources : [])
        if (at(s, "name") !== "*") {
          const kind = at(s, "kind");
          const namespace = at(s, "namespace");
          missing(
            "eventSources",
            typeof kind === "string" ? kind : "?",
            at(s, "name"),
            typeof namespace === "string" ? namespace : ns,
          );
        }
    }
    if (object.kind === "Provider") {
      const name = at(object.spec, "secretRef", "name");
      missing("secretRef", "Secret", name, ns);
      const secret = ctx.objects.find(
        (o) => o.object.kind === "Secret" && o.namespace === ns && o.object.metadata?.name === name,
      );
      if (secret && !secret.object.sops)
        ctx.report({
          file: secret.file,
          object: secret.id,
          message: "holds the commit status token, but is not SOPS-encrypted",
          hint: "let qhub render seal it (gitops.commit_status.token)",
        });
    }
  }
}

/** The README's section: what appears on a commit, the token, how to read a failure. */
function section(
  config: ResolvedConfig,
  layers: (c: ResolvedCluster) => readonly LayerName[],
): { title: string; body: string }[] {
  const on = config.clusters.filter((c) => c.gitops.commitStatus);
  const variables = [
    ...new Set(
      on.map((c) => {
        const t = c.gitops.commitStatus!.token;
        return "fromEnv" in t ? `\`${t.fromEnv}\`` : `the file \`${t.fromFile}\``;
      }),
    ),
  ].join(", ");
  const contexts = on.flatMap((c) => layers(c).map((l) => `\`qhub/${c.name}/${layerKustomization(l)}\``));
  return [
    {
      title: "Commit statuses",
      body: [
        `After a merge, each cluster's Flux reports on the commit it applied, one GitHub commit status per cluster and layer: ${contexts.join(", ")}.`,
        "A layer's status turns green when Flux applied it and everything in it is healthy (its HelmReleases installed or",
        "upgraded, its Deployments ready, and, for `qhub-smoke`, the smoke test passed); red with Flux's reason when it",
        "failed (the description is the event's reason, e.g. `health check failed`, `build failed`, `reconciliation failed`).",
        "A layer waits for the one before it, so the first red layer is where to look:",
        "`flux get kustomizations -n flux-system`, then `flux events -n flux-system --for Kustomization/<layer>` on that cluster.",
        "",
        `The token (${variables}, sealed as the Secret \`${STATUS_SECRET}\` of the platform layer) needs to set commit statuses and nothing`,
        "else: a fine-grained token with **Commit statuses: Read and write** on this repository (classic: `repo:status`).",
        "It is never the token `qhub pr` uses. To rotate it, change the variable and render; to turn statuses off, set",
        "`gitops.commit_status.enabled: false`.",
        "",
        "Needs Flux 2.5 or later (notification-controller's `commitStatusExpr`). The Alert lives in the platform's",
        "namespace and watches Kustomizations in `flux-system`: a Flux installed with `--no-cross-namespace-refs` refuses",
        "that. A cluster reports from the first time its platform layer is applied (the Provider is in that layer).",
      ].join("\n"),
    },
  ];
}

export const commitStatus: Component = {
  id: "commit-status",
  title: "commit statuses",
  layout: { platform: "commit statuses (Flux Provider + Alert)" },
  enabled: (c) => c.gitops.commitStatus !== undefined,
  dependsOn: ["namespace"],
  owns: ["commit-status.yaml"],
  render(c, { layers }) {
    const status = c.gitops.commitStatus;
    if (!status) return {};
    const built = objects(c.name, status.address, layers).map((o) =>
      checked(c.name, `${o.kind} ${o.metadata?.name ?? ""}`, "gitops.commit_status", o),
    );
    return {
      platform: {
        summary: ["commit statuses"],
        files: [{ path: "commit-status.yaml", content: toYamlDocuments(built) }],
        resources: ["commit-status.yaml"],
      },
    };
  },
  secrets(c) {
    const status = c.gitops.commitStatus;
    return status
      ? [{ name: STATUS_SECRET, refs: { token: { ref: status.token, path: "gitops.commit_status.token" } } }]
      : [];
  },
  readme: { sections: section },
  check,
};
