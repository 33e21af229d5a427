// The smoke test: a layer after the platform (Flux Kustomization qhub-smoke) that runs a Job
// proving the platform works as a user sees it (smoke.py beside this file: the hub's API, a test
// user's server, a Dask cluster through the gateway that computes). It runs in the image of the
// gateway's Dask clusters, whose dask-gateway client and distributed match the gateway's and the
// scheduler's versions. The Job's name carries a digest of the platform layer and of itself, so
// every change of the platform runs it once, and a re-seal of the same secret values does not;
// Flux waits for it (wait: true), so its result is the layer's health and reaches the commit's
// status. Flux prunes the previous run's Job when the name moves.
import { createHash } from "node:crypto";
import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap } from "kubernetes-models/v1";
import { REPLACED_EACH_CHANGE } from "../../config/names.js";
import type { ResolvedConfig } from "../../config/resolve.js";
import { toYamlDocuments } from "../../render/emit.js";
import { GATEWAY_PREFIX, GATEWAY_PROXY_SERVICE, gatewayProxyAddress } from "../dask-gateway/index.js";
import { at, checked, PLATFORM_TOKENS_SECRET } from "../kit.js";
import type { CheckContext, Component } from "../types.js";
import smokePy from "./smoke.py";

/** The hub service the smoke test calls the hub's API as (z2jh hub.services). */
export const SMOKE_SERVICE = "qhub-smoke";
/** Its token in qhub-platform-tokens. */
export const SMOKE_TOKEN = "smoke-token";
/** The user whose server the smoke test starts and stops (made and removed by each run). */
export const SMOKE_USER = "qhub-smoke";
/**
 * The narrowest JupyterHub 5 scopes that do it: create and delete only the test user, start and
 * stop only its server, and reach the Dask Gateway service (the gateway checks
 * `access:services!service=dask-gateway` on the token).
 */
export const SMOKE_SCOPES = [
  `admin:users!user=${SMOKE_USER}`,
  `admin:servers!user=${SMOKE_USER}`,
  "access:services!service=dask-gateway",
] as const;
const SCRIPT_CONFIGMAP = "qhub-smoke-script";
/** The Job's prefix; its name is this and the digest. */
export const SMOKE_JOB_PREFIX = "qhub-smoke-";
/** Seconds the whole run may take (each wait inside is bounded too): within the layer's 15m timeout. */
const DEADLINE = 840;

/** The values the hub needs for the smoke test: its service (token from qhub-platform-tokens) and role. */
export function smokeHubValues() {
  return {
    services: { [SMOKE_SERVICE]: { display: false } },
    loadRoles: {
      [SMOKE_SERVICE]: {
        description: "QHub's smoke test: start and stop the test user's server, start a Dask cluster",
        scopes: [...SMOKE_SCOPES],
        services: [SMOKE_SERVICE],
      },
    },
  };
}

function script(): ConfigMap {
  return new ConfigMap({ metadata: { name: SCRIPT_CONFIGMAP }, data: { "smoke.py": smokePy } });
}

function job(name: string, image: string, nodeSelector: Record<string, string>, namespace: string): Job {
  return new Job({
    // Renamed by every change of the platform: its removal is a replacement, not a warning.
    metadata: { name, annotations: { ...REPLACED_EACH_CHANGE } },
    spec: {
      // One attempt: a failure is the layer's health until the next change (README: how to rerun).
      backoffLimit: 0,
      activeDeadlineSeconds: DEADLINE,
      template: {
        metadata: { labels: { "hub.jupyter.org/network-access-hub": "true" } },
        spec: {
          restartPolicy: "Never",
          nodeSelector,
          automountServiceAccountToken: false,
          containers: [
            {
              name: "smoke",
              image,
              command: ["python3", "/opt/qhub-smoke/smoke.py"],
              env: [
                { name: "QHUB_SMOKE_HUB_API", value: "http://hub:8081/hub/api" },
                {
                  name: "QHUB_SMOKE_GATEWAY",
                  value: `http://${GATEWAY_PROXY_SERVICE}.${namespace}${GATEWAY_PREFIX}`,
                },
                // The schedulers' traffic, through the same proxy as notebooks' clients.
                { name: "QHUB_SMOKE_GATEWAY_PROXY", value: gatewayProxyAddress(namespace) },
                { name: "QHUB_SMOKE_USER", value: SMOKE_USER },
                { name: "QHUB_SMOKE_TIMEOUT", value: "300" },
                {
                  name: "QHUB_SMOKE_TOKEN",
                  valueFrom: { secretKeyRef: { name: PLATFORM_TOKENS_SECRET, key: SMOKE_TOKEN } },
                },
              ],
              volumeMounts: [{ name: "script", mountPath: "/opt/qhub-smoke", readOnly: true }],
              // A Dask client (distributed, the scheduler's comms and a task's result) needs more than
              // the standard library did.
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
              // The image's own user (ghcr.io/dask/dask-gateway: `dask`, 1000), whose home holds the
              // Python packages it installed; a named USER cannot satisfy runAsNonRoot without it.
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
              },
            },
          ],
          volumes: [{ name: "script", configMap: { name: SCRIPT_CONFIGMAP } }],
        },
      },
    },
  });
}

/** The Job's name: its prefix and a digest of the platform layer and of the smoke layer itself. */
export function smokeJobName(platformDigest: string, self: string): string {
  const hash = createHash("sha256").update(`${platformDigest}\n${self}`).digest("hex");
  return `${SMOKE_JOB_PREFIX}${hash.slice(0, 10)}`;
}

/** The smoke Job must name the script and token the smoke layer and the platform apply. */
function check(ctx: CheckContext): void {
  for (const { object, file, id, namespace: ns } of ctx.objects) {
    const name = at(object, "metadata", "name");
    if (object.kind !== "Job" || typeof name !== "string" || !name.startsWith(SMOKE_JOB_PREFIX)) continue;
    const containers = at(object.spec, "template", "spec", "containers");
    const first: unknown = Array.isArray(containers) ? (containers[0] as unknown) : undefined;
    const vars = at(first, "env");
    const token: unknown = (Array.isArray(vars) ? (vars as unknown[]) : []).find(
      (v) => at(v, "name") === "QHUB_SMOKE_TOKEN",
    );
    const ref = at(token, "valueFrom", "secretKeyRef", "name");
    if (typeof ref !== "string")
      ctx.report({
        file,
        object: id,
        message: "the smoke test has no hub token (env QHUB_SMOKE_TOKEN from a Secret)",
        hint: `render again: the token is ${SMOKE_TOKEN} of Secret ${PLATFORM_TOKENS_SECRET}`,
      });
    const hub = ctx.objects.find(
      (o) =>
        o.object.kind === "HelmRelease" &&
        o.namespace === ns &&
        at(o.object.spec, "values", "hub", "loadRoles", SMOKE_SERVICE),
    );
    if (!hub)
      ctx.report({
        file,
        object: id,
        message: `no JupyterHub release in ${ns} registers the smoke test's service ${SMOKE_SERVICE} (hub.loadRoles)`,
        hint: "render again: the hub's release registers the service and its role",
      });
  }
}

/** The README's section: what the smoke test proves, how to read and rerun a failure; drift. */
function section(config: ResolvedConfig): { title: string; body: string }[] {
  const statuses = config.clusters.some((c) => c.gitops.commitStatus);
  return [
    {
      title: "Smoke test and drift",
      body: [
        `After the platform, Flux applies \`qhub-smoke\`: a Job \`${SMOKE_JOB_PREFIX}<digest>\` that uses the platform as a user would.`,
        `The hub's API answers; a test user \`${SMOKE_USER}\` is created, its server starts and stops; with the Dask Gateway`,
        "client a notebook uses, in the Dask clusters' image, a cluster starts through the gateway, gets a worker, computes",
        "`sum(range(10))` (it must be 45) and shuts down. Whatever happens, even at the Job's deadline, it removes the",
        "cluster, the server and the user before it ends. It calls the hub as the service `qhub-smoke`, whose role allows only that",
        `(${SMOKE_SCOPES.map((s) => `\`${s}\``).join(", ")}); its token is in \`${PLATFORM_TOKENS_SECRET}\`.`,
        "",
        "The digest in the Job's name is of the platform layer as Flux applies it (sealed Secrets without their encrypted",
        "bytes) and of the Job itself: every change of the platform runs the test once, re-encrypting Secrets does not.",
        `Flux waits for the Job, so its result is \`qhub-smoke\`'s health${statuses ? " and its commit status" : ""}. When it fails:`,
        "`kubectl logs -n <namespace> job/<name>` prints each step and, last, the one that failed and its error",
        "(`qhub-smoke: FAILED: <step>: <error>`). `waiting for a worker to join Dask cluster <cluster>` or a cluster that",
        "does not run: see the cluster's pods and events (`kubectl get daskclusters,pods -n <namespace>`) and the",
        "gateway's logs; `computing sum(range(10))`: the worker could not run the task (its image or environment).",
        "To run it again without a change: `kubectl delete job -n <namespace> <name>` and",
        "`flux reconcile kustomization qhub-smoke -n flux-system`.",
        "",
        "Every HelmRelease detects drift (`driftDetection.mode: enabled`): helm-controller puts back what someone",
        "changed by hand, and retries a failed install or upgrade 3 times before it rolls back. The Secret",
        `\`${PLATFORM_TOKENS_SECRET}\`, which the charts read through \`valuesFrom\`, is labelled`,
        "`reconcile.fluxcd.io/watch: Enabled`, so a rotated token rolls out without waiting for the next interval.",
      ].join("\n"),
    },
  ];
}

export const smoke: Component = {
  id: "smoke",
  title: "smoke test",
  layout: { smoke: "smoke test Job" },
  dependsOn: ["jupyterhub", "dask-gateway"],
  owns: ["smoke.yaml"],
  render(c, ctx) {
    // The Dask clusters' image: dask-gateway's client of the gateway's version, and distributed.
    const image = c.images.daskWorker;
    const config = checked(c.name, `ConfigMap ${SCRIPT_CONFIGMAP}`, "smoke test", script());
    // The Job as it would be without its name: a change of the script or the Job also runs it.
    const self = toYamlDocuments([config, job("", image, c.nodeGroups.general.nodeSelector, c.namespace)]);
    const name = smokeJobName(ctx.layerDigest("platform"), self);
    const run = checked(
      c.name,
      `Job ${name}`,
      "smoke test",
      job(name, image, c.nodeGroups.general.nodeSelector, c.namespace),
    );
    return {
      smoke: {
        summary: ["smoke test Job"],
        files: [{ path: "smoke.yaml", content: toYamlDocuments([config, run]) }],
        resources: ["smoke.yaml"],
      },
    };
  },
  readme: { sections: section },
  check,
};
