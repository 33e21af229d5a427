// The migration steps: QHub 0.3 -> 0.4 -> this QHub's schema version 1 (Nebari's files join at the
// second, after nebari.ts's own step). Each step edits the document in place through the Editor,
// which records every change for the report. Pure.
import { envNameFor, NEBARI_KEYS, RETIRED_KEYS, schemasAt } from "../config/issues.js";
import { isPlainObject } from "../config/merge.js";
import { DEFAULT_GPU_IMAGE, JUPYTERHUB_CHART_VERSION } from "../config/defaults.js";
import { overrideSecrets } from "../config/rules.js";
import { PROVIDER_BLOCKS, PROVIDERS, schemas } from "../config/schema.js";
import type { Provider } from "../config/schema.js";
import { isScalar, isSeq } from "yaml";
import { DASK_CLIENT_PINS } from "../components/dask-gateway/index.js";
import { NEBARI_IMAGE } from "./detect.js";
import { isSecretKey, isSecretRef } from "./edit.js";
import type { Editor, Path } from "./edit.js";
import type { StepName } from "./report.js";

/** Keys of the current schema at `path` (empty when the schema has no mapping there). */
function schemaKeys(ed: Editor, path: Path): Set<string> {
  const keys = new Set<string>();
  for (const s of schemasAt(schemas().QhubConfig, path, ed.doc.toJS())) {
    for (const k of Object.keys(s._zod.def.shape ?? {})) keys.add(k);
  }
  return keys;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The old format's name in messages: `old` (QHub 0.4, QHub 0.x) for QHub files, or Nebari. */
const era = (ed: Editor, old: string): string => (ed.from === "nebari" ? "Nebari" : old);

// ---------------------------------------------------------------------------------------------
// QHub 0.3 -> 0.4: what QHub 0.4 itself dropped. Users and groups stay: QHub 0.4 moved them into
// Keycloak, but this QHub reads them from the config again, in QHub 0.3's format.

export function upgrade03to04(ed: Editor): void {
  ed.step = "0.3 -> 0.4";
  if (ed.has(["default_images", "dask_gateway"]))
    ed.remove(
      ["default_images", "dask_gateway"],
      "QHub 0.4 dropped it; the Dask Gateway server image comes with its pinned Helm chart",
    );
  if (ed.has(["default_images", "conda_store"]))
    ed.remove(["default_images", "conda_store"], "QHub 0.4 dropped it; QHub pins conda-store's image");
  if (ed.has(["azure", "project"]))
    ed.remove(
      ["azure", "project"],
      "QHub 0.3 wrote a placeholder here that Azure never used; QHub 0.4 dropped it",
    );
  if (ed.has(["google_cloud_platform", "zone"]))
    ed.remove(
      ["google_cloud_platform", "zone"],
      "QHub 0.3 no longer used it; `availability_zones` lists zones",
    );
  if (ed.has(["terraform_modules"]))
    ed.remove(
      ["terraform_modules"],
      "QHub 0.3 no longer used it and 0.4 dropped it; add Kustomize patches to the rendered repository instead",
    );
  dropOAuthLeftovers(ed);
}

/** QHub 0.3's OAuth settings that QHub 0.4 derived instead of reading. */
function dropOAuthLeftovers(ed: Editor): void {
  const config = ["security", "authentication", "config"];
  if (ed.has([...config, "oauth_callback_url"]))
    ed.remove(
      [...config, "oauth_callback_url"],
      "the callback URL is always https://DOMAIN/hub/oauth_callback; register that with the OAuth app",
    );
  if (ed.has([...config, "scope"])) ed.remove([...config, "scope"], "the scopes follow from the login type");
}

// ---------------------------------------------------------------------------------------------
// QHub 0.4 -> schema version 1.

const GENERIC_INFRA =
  "QHub does not create the cluster or its cloud resources any more (Flux deploys into a cluster you create); set it where you create the cluster";

// Provider settings with a reason of their own; any other key the schema does not know gets
// GENERIC_INFRA (QHub 0.x rejected unknown keys in these blocks, so none is a typo).
const PROVIDER_KEY_REASONS: Record<string, string> = {
  storage_account_postfix:
    "it named the storage account of QHub 0.x's Terraform state; there is no Terraform state",
  project: "Azure never used it",
  zone: "`availability_zones` lists zones",
};

const QHUB_IMAGE = /^(docker\.io\/)?quansight\/(qhub-[a-z-]+|conda-store-server):v?0\.[0-4]\./;
const OLD_IMAGE = (image: string) => QHUB_IMAGE.test(image) || NEBARI_IMAGE.test(image);

/** QHub 0.4 -> schema version 1; also the second half of a Nebari file's upgrade (`step`). */
export function upgrade04to1(ed: Editor, step: StepName = "0.4 -> 1"): void {
  ed.step = step;
  hubBlock(ed);
  condaStore(ed);
  retiredKeys(ed);
  monitoring(ed);
  // Before security(): groups that `access: all` profiles named are not wanted any more.
  profileAccess(ed);
  security(ed);
  images(ed);
  theme(ed);
  providerBlocks(ed);
  certificate(ed);
  environments(ed);
}

function retiredKeys(ed: Editor): void {
  const ciCd = ed.get(["ci_cd"]);
  if (isPlainObject(ciCd) && !ed.has(["gitops"])) {
    const branch = str(ciCd.branch);
    ed.note(
      ["gitops"],
      `${era(ed, "QHub 0.x")}'s ci_cd is gone: to have \`qhub pr\` open pull requests, add \`gitops: { repository: OWNER/NAME${
        branch ? `, branch: ${branch}` : ""
      } }\` naming the GitHub repository for the rendered tree`,
    );
    if (ciCd.type === "gitlab-ci")
      ed.note(
        ["ci_cd"],
        "the rendered repository gets a GitHub Actions workflow; GitLab CI is not supported",
      );
  }
  for (const key of ed.keys([])) {
    const reason = RETIRED_KEYS[key] ?? (ed.from === "nebari" ? NEBARI_KEYS[key] : undefined);
    if (reason !== undefined) ed.remove([key], reason);
  }
}

/**
 * `jupyterhub`: QHub 0.4's and Nebari's `overrides` (values for the JupyterHub chart) are kept, as
 * QHub merges them over its own; a credential written there is taken out (overrides reach the
 * repository as they are) and flagged for rotation. Other keys have no place.
 */
function hubBlock(ed: Editor): void {
  const hub = ["jupyterhub"];
  if (!ed.has(hub)) return;
  if (!isPlainObject(ed.get(hub))) {
    ed.remove(hub, "it takes `culling` and `overrides`");
    return;
  }
  for (const key of ed.keys(hub)) {
    if (key === "overrides" || key === "culling") continue;
    ed.remove(
      [...hub, key],
      key === "allow_unauthenticated_prometheus_access"
        ? "with `monitoring.enabled`, QHub lets Prometheus read the hub's metrics without a token (from the monitoring namespace only)"
        : "`jupyterhub` takes `culling` and `overrides`",
    );
  }
  const overrides = [...hub, "overrides"];
  const value = ed.get(overrides);
  if (value !== undefined && (!isPlainObject(value) || Object.keys(value).length === 0)) {
    ed.remove(overrides, "nothing to override");
  } else if (value !== undefined) {
    for (const path of overrideSecrets(value, overrides) as (string | number)[][]) {
      ed.remove(
        path,
        "a credential in the chart's values would be written to the repository in plain text; QHub seals the hub's own secrets",
      );
      ed.note(
        path,
        "held a secret value; it is no longer in the config, but it is still in the backup and in your repository's history: rotate it",
      );
      // Mappings the removal emptied go too: `proxy: {}` would only say nothing.
      for (let up = path.slice(0, -1); up.length > overrides.length; up = up.slice(0, -1)) {
        if (ed.keys(up).length > 0) break;
        ed.remove(up, "", false);
      }
    }
    if (ed.keys(overrides).length === 0) ed.remove(overrides, "", false);
    else
      ed.note(
        overrides,
        `kept: QHub merges these values over its own for the JupyterHub chart (z2jh ${JUPYTERHUB_CHART_VERSION}), and \`qhub validate\` checks them against the chart's values schema; review them, as ${era(ed, "QHub 0.4")} ran another chart version and set other values`,
      );
  }
  if (ed.keys(hub).length === 0) ed.remove(hub, "nothing left", false);
}

// What each of conda-store's settings was, and why it has no place here.
const CONDA_STORE_KEYS: Record<string, string> = {
  extra_settings:
    "QHub configures conda-store itself (builds the config's `environments` onto shared storage)",
  extra_config: "QHub configures conda-store itself; its Python config is not read",
  image: "QHub pins conda-store's image",
  image_tag: "QHub pins conda-store's image",
  default_namespace:
    "QHub's conda-store builds the `environments` of this file; environments users built in other namespaces are not carried over (the rendered README says how to keep them)",
  object_storage:
    "conda-store keeps its builds on the shared storage's conda volume (`storage.conda_store` sizes it)",
  worker: "QHub sizes conda-store's worker",
};

/** `conda_store`: QHub 0.4's and Nebari's settings, each removed with its reason. */
function condaStore(ed: Editor): void {
  const base = ["conda_store"];
  if (!ed.has(base)) return;
  const keys = ed.keys(base);
  const general = RETIRED_KEYS.conda_store ?? "";
  for (const key of keys) ed.remove([...base, key], CONDA_STORE_KEYS[key] ?? general);
  ed.remove(base, general, keys.length === 0);
}

/**
 * QHub 0.4's `monitoring: { enabled }` is kept: it renders the Prometheus stack here. Anything
 * else under it was never read by QHub 0.4 and has no place in the current schema.
 */
function monitoring(ed: Editor): void {
  if (!ed.has(["monitoring"])) return;
  if (typeof ed.get(["monitoring", "enabled"]) !== "boolean" || ed.keys(["monitoring"]).length === 0) {
    ed.remove(["monitoring"], "monitoring takes `enabled: true` or `false`; without it, monitoring is off");
    return;
  }
  for (const key of ed.keys(["monitoring"]))
    if (key !== "enabled")
      ed.remove(["monitoring", key], "monitoring takes enabled, retention and storage_size");
}

function security(ed: Editor): void {
  const sec = ["security"];
  if (ed.has([...sec, "keycloak"]))
    ed.remove([...sec, "keycloak"], `there is no Keycloak: ${RETIRED_KEYS.keycloak ?? ""}`);
  const shared = ed.get([...sec, "shared_users_group"]);
  ed.remove(
    [...sec, "shared_users_group"],
    shared === true
      ? `every group in security.groups has a shared folder; the group \`users\` stands for ${era(ed, "QHub 0.4")}'s shared users group`
      : "every group in security.groups has a shared folder",
  );
  if (shared === true && !ed.has([...sec, "groups", "users"]))
    ed.add(
      [...sec, "groups", "users"],
      ed.flow({}),
      `${era(ed, "QHub 0.4")}'s shared users group, as a group with a shared folder`,
    );

  authentication(ed);
  users(ed);
  referencedGroups(ed);
}

const AUTH_TYPES: Record<string, string> = { password: "password", github: "GitHub", auth0: "Auth0" };

function authentication(ed: Editor): void {
  const auth = ["security", "authentication"];
  const type = ed.get([...auth, "type"]);
  if (type === "custom") {
    const cls = str(ed.get([...auth, "authentication_class"]));
    ed.dropSecretsIn([...auth]);
    ed.replace(
      auth,
      ed.doc.createNode({ type: "password" }),
      `the custom authenticator${cls ? ` ${cls}` : ""} has no equivalent; switched to password login`,
    );
    ed.note(
      auth,
      "decide how users log in: password (give each user in security.users a password from the environment), GitHub or Auth0; no one can log in until then",
    );
    return;
  }
  const fixed = typeof type === "string" ? AUTH_TYPES[type.toLowerCase()] : undefined;
  if (typeof type === "string" && fixed !== undefined && fixed !== type)
    ed.replace([...auth, "type"], fixed, `${JSON.stringify(type)} is spelled ${JSON.stringify(fixed)}`);
  const now = fixed ?? type;
  const config = [...auth, "config"];
  if (now === "password") {
    if (ed.has(config)) ed.remove(config, "password login takes no settings");
    return;
  }
  if (now !== "GitHub" && now !== "Auth0") return;
  dropOAuthLeftovers(ed);
  const who = now === "GitHub" ? "the GitHub OAuth app" : "the Auth0 application";
  const secret = [...config, "client_secret"];
  if (ed.has(secret) && !isSecretRef(ed.get(secret)))
    ed.moveSecretToEnv(
      secret,
      uniqueEnvName(ed, envNameFor(secret, ed.doc.toJS())),
      `the client secret of ${who}`,
    );
  if (ed.get([...config, "client_id"]) === "PLACEHOLDER")
    ed.note([...config, "client_id"], `QHub 0.4 wrote a placeholder here: write the client ID of ${who}`);
  const sub = [...config, "auth0_subdomain"];
  const subdomain = str(ed.get(sub));
  if (now === "Auth0" && subdomain?.endsWith(".auth0.com")) {
    const tenant = subdomain.slice(0, -".auth0.com".length);
    ed.replace(
      sub,
      tenant,
      `the tenant subdomain only: ${JSON.stringify(subdomain)} is now ${JSON.stringify(tenant)}`,
    );
  }
}

/** A variable name no other reference in the file (or of this upgrade) uses. */
function uniqueEnvName(ed: Editor, base: string): string {
  const taken = new Set(ed.environment.map((e) => e.name));
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) {
      if (isSecretRef(v) && typeof v.fromEnv === "string") taken.add(v.fromEnv);
      Object.values(v).forEach(walk);
    }
  };
  walk(ed.doc.toJS());
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

// crypt(3)-style hashes QHub 0.3 stored: bcrypt ($2b$...), sha512-crypt ($6$...) and the like.
const PASSWORD_HASH = /^\$[0-9a-z]{1,2}\$/;

function users(ed: Editor): void {
  const base = ["security", "users"];
  const names = ed.keys(base);
  for (const name of names) {
    const password = [...base, name, "password"];
    const value = ed.get(password);
    if (ed.has(password) && !isSecretRef(value))
      ed.moveSecretToEnv(
        password,
        uniqueEnvName(ed, envNameFor(password, ed.doc.toJS())),
        typeof value === "string" && PASSWORD_HASH.test(value)
          ? `${name}'s password itself: the old file held a hash of it, which cannot be turned back into the password`
          : `${name}'s password`,
      );
    const uid = ed.get([...base, name, "uid"]);
    if (typeof uid === "string" && /^[0-9]+$/.test(uid))
      ed.replace([...base, name, "uid"], Number(uid), "a number, not a string");
  }
  for (const group of ed.keys(["security", "groups"])) {
    const gid = ed.get(["security", "groups", group, "gid"]);
    if (typeof gid === "string" && /^[0-9]+$/.test(gid))
      ed.replace(["security", "groups", group, "gid"], Number(gid), "a number, not a string");
  }
  if (names.length > 0) return;
  const type = ed.get(["security", "authentication", "type"]);
  const keycloak =
    ed.from === "0.4"
      ? "QHub 0.4 kept users in Keycloak; "
      : ed.from === "nebari"
        ? "Nebari kept users, their groups and passwords in Keycloak (export them from Keycloak's admin console, realm nebari, before you retire it); "
        : "";
  if (type === undefined || type === "password")
    ed.note(
      base,
      `password login, but no users: ${keycloak}add them here (with \`password: { fromEnv: NAME }\`) or no one can log in`,
    );
  else if (ed.from === "0.4" || ed.from === "nebari")
    ed.note(
      base,
      `${keycloak}members of the group admin are JupyterHub admins: add your admins here with \`primary_group: admin\``,
    );
}

/** Groups that users and profiles name must be defined; QHub 0.4 kept them in Keycloak. */
function referencedGroups(ed: Editor): void {
  const wanted: string[] = [];
  const users = ed.get(["security", "users"]);
  if (isPlainObject(users))
    for (const user of Object.values(users)) {
      if (!isPlainObject(user)) continue;
      if (typeof user.primary_group === "string") wanted.push(user.primary_group);
      if (Array.isArray(user.secondary_groups))
        wanted.push(...user.secondary_groups.filter((g): g is string => typeof g === "string"));
    }
  const profiles = ed.get(["profiles", "jupyterlab"]);
  if (Array.isArray(profiles))
    for (const p of profiles)
      if (isPlainObject(p) && Array.isArray(p.groups))
        wanted.push(...p.groups.filter((g): g is string => typeof g === "string"));
  const defined = new Set(ed.keys(["security", "groups"]));
  for (const g of [...new Set(wanted)]) {
    if (defined.has(g)) continue;
    ed.add(["security", "groups", g], ed.flow({}), "named by a user or profile; groups must be defined here");
    defined.add(g);
  }
}

/**
 * QHub 0.4.x / Nebari's `access` of a profile: `all` (the default: everyone), `yaml` (the profile's
 * `users` and `groups`), `keycloak` (Keycloak groups whose `jupyterlab_profiles` attribute lists
 * it). Here a profile with `users` or `groups` is limited to them, and one without is everyone's.
 */
function profileAccess(ed: Editor): void {
  for (let i = 0; i < ed.length(["profiles", "jupyterlab"]); i++) {
    const base = ["profiles", "jupyterlab", i];
    if (!ed.has([...base, "access"])) continue;
    const access = ed.get([...base, "access"]);
    if (access === "all") {
      for (const key of ["users", "groups"])
        ed.remove(
          [...base, key],
          "access: all gave the profile to everyone; a list here would limit it",
          true,
        );
      ed.remove([...base, "access"], "everyone sees a profile that names no users or groups");
    } else if (access === "yaml") {
      ed.remove([...base, "access"], "a profile that names users or groups is limited to them");
    } else {
      ed.remove([...base, "access"], "limits come from the profile's users and groups");
      ed.note(
        [...base, "groups"],
        access === "keycloak"
          ? `${era(ed, "QHub 0.4")} gave this profile to the Keycloak groups whose jupyterlab_profiles attribute named it: list those groups here (or the users), or everyone sees it`
          : `access: ${String(access)} is not one ${era(ed, "QHub 0.4")} knew: list the profile's users or groups here, or everyone sees it`,
      );
    }
  }
}

function images(ed: Editor): void {
  const di = ["default_images"];
  const allowed = schemaKeys(ed, di);
  for (const key of ed.keys(di)) {
    if (!allowed.has(key))
      ed.remove(
        [...di, key],
        `only the ${[...allowed].join(", ")} images can be chosen; QHub pins the others with their charts`,
      );
    else if (OLD_IMAGE(str(ed.get([...di, key])) ?? ""))
      ed.remove(
        [...di, key],
        `${era(ed, "QHub 0.x")}'s own image does not fit the pinned charts; the matching default is used`,
      );
  }
  if (ed.has(di) && ed.keys(di).length === 0) ed.remove(di, "nothing left to choose", false);

  // A profile's own QHub 0.x image goes too; a GPU one becomes QHub's GPU image.
  const dropImage = (path: (string | number)[], reason: string) => {
    const image = str(ed.get(path));
    if (!image || !OLD_IMAGE(image)) return;
    if (image.includes("-gpu") && path[1] === "jupyterlab")
      ed.replace(
        path,
        DEFAULT_GPU_IMAGE,
        `${era(ed, "QHub 0.x")}'s GPU image does not fit the pinned charts; QHub's GPU image (PyTorch, CUDA 12) replaces it`,
      );
    else ed.remove(path, reason);
  };
  for (let i = 0; i < ed.length(["profiles", "jupyterlab"]); i++)
    dropImage(
      ["profiles", "jupyterlab", i, "kubespawner_override", "image"],
      `${era(ed, "QHub 0.x")}'s own image does not fit the pinned charts; the default image is used`,
    );
  for (const name of ed.keys(["profiles", "dask_worker"]))
    dropImage(
      ["profiles", "dask_worker", name, "image"],
      `${era(ed, "QHub 0.x")}'s own image does not fit the pinned Dask Gateway; the default image is used`,
    );
}

function theme(ed: Editor): void {
  const logo = ["theme", "jupyterhub", "logo"];
  const value = ed.get(logo);
  if (value !== undefined && !(typeof value === "string" && /^https?:\/\/[^/\s]+/.test(value)))
    ed.remove(
      logo,
      "it must be a URL; QHub 0.x's logo path pointed into its own hub image; the default logo is used",
    );
}

function providerBlocks(ed: Editor): void {
  const provider = ed.get(["provider"]);
  const mine = (PROVIDERS as readonly unknown[]).includes(provider)
    ? PROVIDER_BLOCKS[provider as Provider]
    : undefined;
  for (const p of PROVIDERS) {
    const block = PROVIDER_BLOCKS[p];
    if (!ed.has([block])) continue;
    if (mine !== undefined && block !== mine && !ed.has(["gitops", "clusters"])) {
      ed.remove([block], `provider is ${String(provider)}; ${era(ed, "QHub 0.x")} ignored this block`);
      continue;
    }
    providerBlock(ed, block);
  }
}

function providerBlock(ed: Editor, block: string): void {
  const allowed = schemaKeys(ed, [block]);
  for (const key of ed.keys([block]))
    if (!allowed.has(key))
      ed.remove(
        [block, key],
        (PROVIDER_KEY_REASONS[key] ?? GENERIC_INFRA).replace("QHub 0.x", era(ed, "QHub 0.x")),
      );

  const version = [block, "kubernetes_version"];
  const node = ed.node(version);
  if (node !== undefined) {
    // The source text: YAML reads 1.20 as the number 1.2.
    const written =
      "source" in node && typeof node.source === "string" ? node.source : String(ed.get(version));
    // Clouds add a platform suffix to their versions: 1.21.5-do.0, 1.18.16-gke.502.
    const fixed = /^(1\.[0-9]{1,2}(?:\.[0-9]+)?)-[a-z]+\.[0-9]+$/.exec(written)?.[1] ?? written;
    if (typeof ed.get(version) !== "string" || fixed !== written)
      ed.replace(version, ed.scalar(fixed), `written as the string ${JSON.stringify(fixed)}`);
  }

  // Every node group stays (QHub 0.4's GPU pools included): profiles choose one with node_group,
  // or by QHub 0.4's kubespawner_override.node_selector, which is still honoured.
  const groups = [block, "node_groups"];
  for (const name of ed.keys(groups)) {
    const path = [...groups, name];
    const accel = ed.get([...path, "guest_accelerators"]);
    if (Array.isArray(accel) && accel.length > 0 && !ed.has([...path, "gpu"]))
      ed.add([...path, "gpu"], true, "the pool has guest accelerators (GPUs)");
    const preemptible = ed.get([...path, "preemptible"]);
    if (typeof preemptible === "boolean" && !ed.has([...path, "spot"])) {
      ed.add([...path, "spot"], preemptible, `${era(ed, "QHub 0.4")}'s \`preemptible\`, by its name here`);
    }
    taintStrings(ed, [...path, "taints"]);
    const known = schemaKeys(ed, path);
    for (const key of ed.keys(path))
      if (!known.has(key))
        ed.remove(
          [...path, key],
          key === "preemptible"
            ? "now `spot`"
            : "create the pool with it yourself; QHub needs instance, min_nodes, max_nodes, gpu, guest_accelerators, spot, labels and taints",
        );
  }
}

/** Nebari's taints written as `key=value:Effect` strings (its Taint.from_string), as mappings. */
function taintStrings(ed: Editor, path: Path): void {
  const seq = ed.node(path);
  if (!isSeq(seq)) return;
  seq.items.forEach((item, i) => {
    const text = isScalar(item) && typeof item.value === "string" ? item.value.trim() : undefined;
    const m = text && /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
    if (!m) return;
    seq.items[i] = ed.flow({ key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] });
    ed.record("changed", [...path, i], "Nebari's `key=value:Effect` form, as key, value and effect");
  });
}

const CERTIFICATE_KEYS: Record<string, string[]> = {
  "self-signed": [],
  "lets-encrypt": ["acme_email", "acme_server"],
  existing: ["secret_name"],
  disabled: [],
};

function certificate(ed: Editor): void {
  const type = str(ed.get(["certificate", "type"]));
  const keep = type === undefined ? undefined : CERTIFICATE_KEYS[type];
  if (!keep) return;
  for (const key of ed.keys(["certificate"])) {
    if (key === "type" || keep.includes(key)) continue;
    const owner = Object.keys(CERTIFICATE_KEYS).find((t) => CERTIFICATE_KEYS[t]?.includes(key));
    ed.remove(
      ["certificate", key],
      key === "acme_challenge_type"
        ? "cert-manager answers Let's Encrypt's HTTP-01 challenge through Traefik"
        : owner
          ? `only used with \`type: ${owner}\`, and this certificate is ${type}`
          : `not used with ${type}`,
    );
  }
  if (type === "lets-encrypt" && !ed.has(["certificate", "acme_email"]))
    ed.note(["certificate", "acme_email"], "Let's Encrypt needs a contact address: add acme_email");
}

/**
 * The Dask pins that talk to this QHub's gateway (the chart's version, and the distributed it was
 * released with), as the shipped environment-dask.yaml has them.
 */
export const DASK_PINS = DASK_CLIENT_PINS;

function environments(ed: Editor): void {
  for (const file of ed.keys(["environments"])) {
    const path = ["environments", file, "dependencies"];
    const seq = ed.node(path);
    if (!isSeq(seq)) continue;
    // QHub 0.x's qhub-dask metapackage pinned its own dask-gateway client: swap in the pins that
    // match this QHub's gateway, in its place (the rest of the list keeps its order and style).
    const names = (seq.toJS(ed.doc) as unknown[]).map((d) => (typeof d === "string" ? d.trim() : ""));
    // Nebari's nebari-dask metapackage did the same for Nebari's gateway.
    const at = names.findIndex((d) => /^(qhub|nebari)-dask\b/.test(d));
    if (at !== -1) {
      const pinned = (pkg: string) => names.some((d) => new RegExp(`^${pkg}(?![\\w-])`).test(d));
      const add = DASK_PINS.filter((pin) => !pinned(pin.split("=")[0]!));
      seq.items.splice(at, 1, ...add.map((pin) => ed.scalar(pin)));
      ed.record(
        "changed",
        [...path, at],
        `${names[at]} belongs to ${era(ed, "QHub 0.x")} and cannot talk to this QHub's Dask Gateway: replaced by ${add.length > 0 ? add.join(" and ") : "the dask-gateway and distributed pins already listed"}`,
      );
    }
    const old = names.filter((d) => /^cdsdashboards/.test(d));
    if (old.length > 0)
      ed.note(
        path,
        `${old.join(", ")} belong${old.length === 1 ? "s" : ""} to QHub 0.x (CDSDashboards is not part of this QHub): remove ${old.length === 1 ? "it" : "them"}${
          /^environment-(dask|dashboard)\.yaml$/.test(file)
            ? `, or remove ${file} to use the one QHub ships`
            : ""
        }`,
      );
  }
}

/** Literal values left under secret-looking keys, and QHub 0.4's placeholders: for the user. */
export function finalChecks(ed: Editor): void {
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (isPlainObject(v)) {
      if (isSecretRef(v)) return;
      for (const [k, child] of Object.entries(v)) {
        if (isSecretKey(k) && (typeof child === "string" || typeof child === "number")) {
          ed.note([...path, k], "looks like a secret written in the config: move it to the environment");
        } else walk(child, [...path, k]);
      }
    } else if (v === "PLACEHOLDER") ed.note(path, "QHub 0.4 wrote a placeholder here: fill it in");
  };
  walk(ed.doc.toJS(), []);
  if (!ed.has(["secrets", "sops", "age_recipients"]))
    ed.note(
      ["secrets", "sops", "age_recipients"],
      "QHub writes the platform's Secrets only SOPS-encrypted for age public keys: add yours (`age-keygen -y KEYFILE` prints it; `qhub init` makes a key) before `qhub render`",
    );
}
