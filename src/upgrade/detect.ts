// Which format a config is in: QHub 0.3, QHub 0.4, Nebari (2022.x-2026.x) or the current schema.
// `qhub_version` (Nebari's `nebari_version`) says so when it is there; older files had none, and
// then their keys give the format away.
import { UserError } from "../errors.js";
import { isPlainObject } from "../config/merge.js";
import { RETIRED_KEYS } from "../config/issues.js";
import { CURRENT_SCHEMA_VERSION } from "../config/schema.js";
import { isSecretRef } from "./edit.js";
import type { Era } from "./report.js";

export interface Detected {
  era: Era;
  /** `qhub_version` as written (its source text), or null. */
  version: string | null;
  by: "qhub_version" | "nebari_version" | "shape";
  evidence: string[];
}

// Keys only QHub 0.4 wrote (Keycloak arrived in 0.4, and with it these blocks). `jupyterhub` is
// the current schema's too: only its other keys tell (see jupyterhubEvidence).
const ONLY_04 = [
  "security.keycloak",
  "security.shared_users_group",
  "helm_extensions",
  "argo_workflows",
  "kbatch",
  "conda_store",
  "tf_extensions",
  "prevent_deploy",
];

// Keys only Nebari wrote (from its InputSchema classes in src/_nebari/stages/*/__init__.py).
const ONLY_NEBARI = [
  "jupyterlab",
  "jhub_apps",
  "telemetry",
  "dns",
  "rook_ceph",
  "security.keycloak.realm_display_name",
  "security.keycloak.themes",
  "certificate.acme_challenge_type",
  "monitoring.minio_enabled",
  "monitoring.overrides",
  "monitoring.healthchecks",
  "argo_workflows.nebari_workflow_controller",
  "conda_store.default_namespace",
  "conda_store.worker",
];

/** Nebari's own images (quay.io/nebari/nebari-jupyterlab:2024.5.1 and the like). */
export const NEBARI_IMAGE = /^(quay\.io\/)?nebari\/nebari-[a-z-]+:/;

// Nebari's versions are calendar versions: 2023.7.2, 2024.11.1, 2025.2.1rc1.
const NEBARI_VERSION = /^v?(202[2-6])\.([0-9]+)(?:[.\-a-z0-9]*)$/i;

// Keys of QHub 0.3 (most lived on in 0.4, so they mean "0.3 unless a 0.4-only key is there").
const OLD = [
  ...Object.keys(RETIRED_KEYS).filter((k) => !ONLY_04.includes(k) && k !== "keycloak"),
  "terraform_modules",
  "smtp",
  "extensions",
  "default_images.dask_gateway",
  "default_images.conda_store",
  "security.authentication.authentication_class",
  "security.authentication.config.oauth_callback_url",
  "security.authentication.config.scope",
  "azure.storage_account_postfix",
  "azure.project",
  "google_cloud_platform.zone",
];

function getPath(data: unknown, dotted: string): unknown {
  let v = data;
  for (const seg of dotted.split(".")) {
    if (!isPlainObject(v)) return undefined;
    v = v[seg];
  }
  return v;
}

/** `jupyterhub` keys the current schema does not have (QHub 0.4's block held more). */
function jupyterhubEvidence(data: Record<string, unknown>): string[] {
  const hub = data.jupyterhub;
  if (!isPlainObject(hub)) return hub === undefined ? [] : ["jupyterhub"];
  return Object.keys(hub)
    .filter((k) => k !== "culling" && k !== "overrides")
    .map((k) => `jupyterhub.${k}`);
}

/** Nebari's images named in default_images: a Nebari file that lost its nebari_version. */
function nebariImages(data: Record<string, unknown>): string[] {
  const images = data.default_images;
  if (!isPlainObject(images)) return [];
  return Object.entries(images)
    .filter(([, v]) => typeof v === "string" && NEBARI_IMAGE.test(v))
    .map(([k]) => `default_images.${k}`);
}

/** Literal secrets where the current schema takes references: a sign of a 0.x file. */
function literalSecrets(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  const secret = getPath(data, "security.authentication.config.client_secret");
  if (secret !== undefined && !isSecretRef(secret)) out.push("security.authentication.config.client_secret");
  const users = getPath(data, "security.users");
  if (isPlainObject(users))
    for (const [name, user] of Object.entries(users))
      if (isPlainObject(user) && user.password !== undefined && !isSecretRef(user.password))
        out.push(`security.users.${name}.password`);
  return out;
}

// `0.3.13`, `v0.4.3`, `0.4.0.dev1`, `0.4` (a YAML float), `0.3.14rc1`.
const OLD_VERSION = /^v?0\.([0-9]+)(?:[.\-a-z0-9]*)$/i;

/**
 * The format of a parsed config. `versionSource` is `qhub_version`'s text as written (YAML turns
 * `0.40` into 0.4). Versions this QHub cannot migrate are a UserError.
 */
export function detectEra(data: Record<string, unknown>, versionSource: string | undefined): Detected {
  if ("nebari_version" in data) {
    const raw = data.nebari_version;
    const version = typeof raw === "string" || typeof raw === "number" ? String(raw) : JSON.stringify(raw);
    if (!NEBARI_VERSION.test(version.trim()))
      throw new UserError(
        `nebari_version ${JSON.stringify(version)} is not a Nebari release qhub upgrade can migrate`,
        "qhub upgrade migrates configs of Nebari's releases 2022.x to 2026.x (nebari_version: 2024.11.1 and the like); check the value",
      );
    return { era: "nebari", version, by: "nebari_version", evidence: [] };
  }
  const raw = data.qhub_version;
  if (raw !== undefined && raw !== null) {
    const version =
      versionSource ??
      (typeof raw === "string" || typeof raw === "number" ? String(raw) : JSON.stringify(raw));
    if (raw === CURRENT_SCHEMA_VERSION || version === String(CURRENT_SCHEMA_VERSION))
      return { era: "current", version, by: "qhub_version", evidence: [] };
    const m = OLD_VERSION.exec(version.trim());
    const minor = m ? Number(m[1]) : Number.NaN;
    if (minor <= 3) return { era: "0.3", version, by: "qhub_version", evidence: [] };
    if (minor === 4) return { era: "0.4", version, by: "qhub_version", evidence: [] };
    throw new UserError(
      `qhub_version ${JSON.stringify(version)} is not a version qhub upgrade can migrate`,
      `qhub upgrade migrates QHub 0.3.x and 0.4.x configs to schema version ${CURRENT_SCHEMA_VERSION}; for a newer file, check that you run the newest QHub`,
    );
  }
  const present = (keys: string[]) => keys.filter((k) => getPath(data, k) !== undefined);
  const nebari = [...present(ONLY_NEBARI), ...nebariImages(data)];
  if (nebari.length > 0) return { era: "nebari", version: null, by: "shape", evidence: nebari };
  const only04 = [...present(ONLY_04), ...jupyterhubEvidence(data)];
  const authType = getPath(data, "security.authentication.type");
  if (only04.length > 0) return { era: "0.4", version: null, by: "shape", evidence: only04 };
  const old = [
    ...present(OLD),
    ...(authType === "custom" ? ["security.authentication.type: custom"] : []),
    ...literalSecrets(data),
  ];
  if (old.length > 0) return { era: "0.3", version: null, by: "shape", evidence: old };
  return { era: "current", version: null, by: "shape", evidence: [] };
}
