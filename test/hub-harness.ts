// Executes the rendered JupyterHub configuration (test/python/hub_harness.py) and says, from the
// written config alone, what it must do: who is admitted, their groups, admin flags, profiles and
// shared folders. The harness runs on Debian's jupyterhub 3.0 (/usr/bin/python3, not a pyenv one)
// with fakes of kubespawner 7, oauthenticator 17.4 and z2jh 4.4.0's loader (test/python/fakes/).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { ParsedConfig } from "../src/config/schema.js";
import { ROOT } from "./helpers.js";
import { testNeeding } from "./kustomize.js";

/** Debian's Python, which has Debian's jupyterhub; the one on PATH may be another. */
const PYTHON = "/usr/bin/python3";
export const HAS_HUB_PYTHON =
  spawnSync(PYTHON, ["-c", "import jupyterhub, traitlets, jinja2"], { stdio: "ignore" }).status === 0;

export const hubTest = testNeeding(
  HAS_HUB_PYTHON,
  "Debian's jupyterhub (/usr/bin/python3 -c 'import jupyterhub')",
  "apt-get install jupyterhub; scripts/ensure-tools.mjs installs it",
);

type Json = Record<string, unknown>;

/** Helm's merge of values over a chart's defaults: maps merge, anything else replaces. */
export function helmMerge(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? helmMerge(base[k], v) : v;
    return out;
  }
  return over;
}

function isMap(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const CHART_DEFAULTS = parse(
  readFileSync(join(ROOT, "charts", "jupyterhub-4.4.0.values.yaml"), "utf8"),
) as Json;

/** The values z2jh's get_config sees: the HelmRelease's values over the chart's defaults. */
export function hubValues(releaseText: string): Json {
  const release = parse(releaseText) as { spec: { values: Json } };
  return helmMerge(CHART_DEFAULTS, release.spec.values) as Json;
}

export type Login =
  | { id: string; kind: "password"; username: string; password: string }
  | { id: string; kind: "github"; login: string; orgs: string[]; teams: [string, string][] }
  | { id: string; kind: "auth0"; user: Record<string, unknown> };

export interface LoginResult {
  id: string;
  admitted: boolean | null;
  name?: string;
  admin?: boolean;
  groups?: string[];
  profiles?: string[];
  default?: string | null;
  startable?: string[];
  /** Where each startable profile's server runs: KubeSpawner's traits after load_user_options. */
  placements?: Record<
    string,
    {
      image: string;
      node_selector: Record<string, string>;
      tolerations: Record<string, string>[];
      extra_resource_limits: Record<string, unknown>;
    }
  >;
  starts?: { mounts: string[]; error: string | null }[];
  error?: string;
  trace?: string;
}

/** An OAuth client the hub registered for a service (JupyterHub's init_services). */
export interface ServiceClient {
  client_id: string;
  redirect_uri: string;
  secret_is_api_token: boolean;
  allowed_scopes: string[];
  no_confirm: boolean;
}

export interface HarnessResult {
  startup_error: string | null;
  authenticate_prometheus?: boolean;
  /** With `services`: each hub service's OAuth client, or null when the hub registers none. */
  services?: Record<string, ServiceClient | null>;
  logins: LoginResult[];
  pages: Record<string, string>;
}

export function runHarness(
  values: Json,
  logins: Login[],
  env: Record<string, string>,
  pages = false,
  services = false,
): HarnessResult {
  const r = spawnSync(PYTHON, [join(ROOT, "test", "python", "hub_harness.py")], {
    input: JSON.stringify({ values, env, logins, pages, services }),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // Debian's Python, without a pyenv or virtualenv's variables leaking in.
    env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (r.status !== 0) throw new Error(`hub harness failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as HarnessResult;
}

/** What a login must come to, said from the written config. */
export interface Expected {
  login: Login;
  admitted: boolean;
  groups?: string[];
}

const lower = (s: string) => s.toLowerCase();

function configGroups(config: ParsedConfig, user: string): string[] {
  const u = Object.entries(config.security.users ?? {}).find(([n]) => lower(n) === lower(user))?.[1];
  return [...new Set([u?.primary_group, ...(u?.secondary_groups ?? [])].filter((g) => g !== undefined))];
}

function allowedOrgs(config: ParsedConfig): string[] {
  const auth = config.security.authentication;
  return auth.type === "GitHub"
    ? [...new Set((auth.config.allowed_organizations ?? []).map((o) => lower(o.split(":")[0]!)))]
    : [];
}

/** The logins that exercise a config: its users, outsiders, and members of the provider's groups. */
export function loginsFor(config: ParsedConfig): { logins: Expected[]; env: Record<string, string> } {
  const auth = config.security.authentication;
  const users = Object.entries(config.security.users ?? {});
  const profileGroups = [
    ...new Set((config.profiles?.jupyterlab ?? []).flatMap((p) => p.groups ?? [])),
  ].sort();
  const declared = new Set(Object.keys(config.security.groups ?? {}));
  const env: Record<string, string> = {};
  const logins: Expected[] = [];
  if (auth.type === "password") {
    for (const [name, u] of users) {
      if (!u?.password) continue;
      const password = `pw-${name}`;
      env[`QHUB_PASSWORD_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] = password;
      logins.push({
        login: { id: `${name}`, kind: "password", username: name, password },
        admitted: true,
        groups: configGroups(config, name),
      });
      logins.push({
        login: { id: `${name}-wrong`, kind: "password", username: name, password: `${password}-not` },
        admitted: false,
      });
    }
    for (const [name, u] of users)
      if (!u?.password)
        logins.push({
          login: { id: `${name}-nopw`, kind: "password", username: name, password: "" },
          admitted: false,
        });
    logins.push({
      login: { id: "intruder", kind: "password", username: "intruder", password: "x" },
      admitted: false,
    });
    return { logins, env };
  }
  if (auth.type === "GitHub") {
    const allowed = auth.config.allowed_organizations ?? [];
    const orgs = allowedOrgs(config);
    const teamsOf = (teams: [string, string][]) =>
      teams.filter(([o]) => orgs.length === 0 || orgs.includes(lower(o))).map(([o, t]) => `${lower(o)}:${t}`);
    // Listed users, outside any organisation; one with a team of an unrelated organisation.
    for (const [name] of users) {
      const teams: [string, string][] = [["elsewhere", "club"]];
      logins.push({
        login: { id: name, kind: "github", login: name, orgs: ["elsewhere"], teams },
        admitted: true,
        groups: [...configGroups(config, name), ...teamsOf(teams)],
      });
    }
    for (const entry of allowed) {
      const [org, team] = entry.split(":") as [string, string | undefined];
      const teams: [string, string][] = team ? [[org, team]] : [];
      // A member of each team profiles name by slug, to see that profile.
      for (const g of profileGroups)
        if (!g.includes(":") && !team) teams.push([org, g]);
        else if (g.startsWith(`${lower(org)}:`)) teams.push([org, g.split(":")[1]!]);
      logins.push({
        login: {
          id: `member-${entry}`,
          kind: "github",
          login: `member-${org}${team ? `-${team}` : ""}`,
          orgs: [org],
          teams,
        },
        admitted: true,
        groups: teamsOf(teams),
      });
      if (team)
        logins.push({
          login: {
            id: `outsider-${entry}`,
            kind: "github",
            login: `notinteam-${org}-${team}`,
            orgs: [org],
            teams: [],
          },
          admitted: allowed.some((a) => lower(a) === lower(org)),
          groups: [],
        });
    }
    logins.push({
      login: {
        id: "stranger",
        kind: "github",
        login: "stranger",
        orgs: ["elsewhere"],
        teams: [["elsewhere", "club"]],
      },
      admitted: false,
    });
    return { logins, env };
  }
  const claim = auth.config.groups_claim;
  const tenantWide = users.length === 0;
  for (const [name] of users) {
    const provided = ["tenant-staff"];
    logins.push({
      login: { id: name, kind: "auth0", user: { email: name, [claim]: provided } },
      admitted: true,
      groups: [...configGroups(config, name), ...provided],
    });
  }
  // A tenant user in every provider group profiles name (and the provider's "admin", which must
  // not make an admin: only the config grants that; and groups that are no folder name).
  const provided = [
    ...profileGroups.filter((g) => !declared.has(g)),
    "admin",
    "tenant-staff",
    "../escape",
    "Data Science",
  ];
  logins.push({
    login: { id: "tenant-user", kind: "auth0", user: { email: "someone@tenant.example", [claim]: provided } },
    admitted: tenantWide,
    groups: provided.filter((g) => g !== "admin"),
  });
  return { logins, env };
}

/** Whether a profile is meant for a user with these groups. */
function profileFor(
  config: ParsedConfig,
  profile: { users?: string[]; groups?: string[] },
  user: string,
  groups: string[],
): boolean {
  const users = profile.users ?? [];
  const wanted = profile.groups ?? [];
  if (users.length === 0 && wanted.length === 0) return true;
  if (users.some((u) => lower(u) === lower(user))) return true;
  const github = config.security.authentication.type === "GitHub";
  const orgs = allowedOrgs(config);
  return wanted.some((g) =>
    groups.some(
      (h) =>
        h === g ||
        (github && g.includes(":") && lower(g) === h) ||
        (github && !g.includes(":") && orgs.some((o) => h === `${o}:${lower(g)}`)),
    ),
  );
}

/** Problems with what the hub did, against what the config says; [] when all is right. */
export function problemsOf(config: ParsedConfig, expected: Expected[], result: HarnessResult): string[] {
  if (result.startup_error) return [`the hub does not start: ${result.startup_error}`];
  const out: string[] = [];
  const profiles = (config.profiles?.jupyterlab ?? [
    { display_name: "Small Instance" },
    { display_name: "Medium Instance" },
  ]) as { display_name: string; users?: string[]; groups?: string[]; default?: boolean }[];
  const slug = (n: string) =>
    n
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
  for (const e of expected) {
    const r = result.logins.find((l) => l.id === e.login.id);
    const who = `login ${e.login.id} (${e.login.kind})`;
    if (!r) {
      out.push(`${who}: no result`);
      continue;
    }
    if (r.error) {
      out.push(`${who}: ${r.error}`);
      continue;
    }
    if (r.admitted !== e.admitted) {
      out.push(
        `${who}: ${e.admitted ? "refused, but the config admits it" : "admitted, but the config does not admit it"}`,
      );
      continue;
    }
    if (!r.admitted) continue;
    const groups = [...new Set(e.groups ?? [])].sort();
    if (JSON.stringify(r.groups) !== JSON.stringify(groups))
      out.push(`${who}: groups ${JSON.stringify(r.groups)}, expected ${JSON.stringify(groups)}`);
    const admin = groups.includes("admin");
    if (r.admin !== admin)
      out.push(`${who}: admin is ${r.admin}, expected ${admin} (members of admin are admins)`);
    const visible = profiles
      .filter((p) => profileFor(config, p, r.name!, groups))
      .map((p) => slug(p.display_name));
    if (JSON.stringify(r.profiles) !== JSON.stringify(visible))
      out.push(`${who}: offered profiles ${JSON.stringify(r.profiles)}, expected ${JSON.stringify(visible)}`);
    if (JSON.stringify(r.startable) !== JSON.stringify(visible))
      out.push(
        `${who}: may start profiles ${JSON.stringify(r.startable)}, expected ${JSON.stringify(visible)}`,
      );
    // A folder per group that is a plain path segment; a team's `org:team` is the folder org@team.
    const shared = groups
      .filter((g) => /^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(g))
      .map((g) => `/home/shared/${g.replace(":", "@")}`)
      .sort();
    (r.starts ?? []).forEach((s, i) => {
      const start = `${who}: start ${i + 1}`;
      if (s.error) {
        out.push(`${start}: ${s.error}`);
        return;
      }
      const dupes = s.mounts.filter((m, j) => s.mounts.indexOf(m) !== j);
      if (dupes.length > 0) out.push(`${start}: mounted twice: ${dupes.join(", ")}`);
      const got = s.mounts.filter((m) => m.startsWith("/home/shared/")).sort();
      if (JSON.stringify(got) !== JSON.stringify(shared))
        out.push(`${start}: shared folders ${JSON.stringify(got)}, expected ${JSON.stringify(shared)}`);
      if (!s.mounts.includes("/home/jovyan")) out.push(`${start}: no home folder`);
    });
    if ((r.starts ?? []).length !== 2)
      out.push(`${who}: started ${(r.starts ?? []).length} times, not twice`);
  }
  return out;
}
