// The hub's code, executed: every rendered jupyterhub HelmRelease is loaded the way the hub pod
// loads it (z2jh's jupyterhub_config.py: hub.config, then hub.extraConfig in key order), users log
// in (password, GitHub with organisations and teams, Auth0 with a groups claim), and their servers
// start twice. See test/hub-harness.ts for what is checked and test/python/ for the harness.
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { basename, dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { parseConfigText } from "../src/config/document.js";
import { DEFAULT_GPU_IMAGE } from "../src/config/defaults.js";
import { PROVIDERS } from "../src/config/schema.js";
import type { ParsedConfig } from "../src/config/schema.js";
import { validateDocument } from "../src/config/validate.js";
import loginTemplate from "../src/components/jupyterhub/login.html.jinja";
import pageTemplate from "../src/components/jupyterhub/page.html.jinja";
import { hubTest, hubValues, loginsFor, problemsOf, runHarness } from "./hub-harness.js";
import type { Expected } from "./hub-harness.js";
import { renderFixture, ROOT, runMain, tempDir } from "./helpers.js";
import { testNeeding } from "./kustomize.js";

type Json = Record<string, unknown>;

interface RenderedCluster {
  name: string;
  config: ParsedConfig;
  values: Json;
}

/** Renders a config file; each cluster's merged settings and its hub's values. */
async function render(configPath: string): Promise<RenderedCluster[]> {
  const text = readFileSync(configPath, "utf8");
  const { problems, clusters } = validateDocument(parseConfigText(configPath, text));
  expect(problems).toEqual([]);
  const out = tempDir();
  const r = await runMain(["render", "--config", configPath, "--output", out]);
  expect(r.code, r.stderr).toBe(0);
  return clusters!.map((c) => ({
    name: c.name,
    config: c.config,
    values: hubValues(
      readFileSync(join(out, "cluster-overlays", c.name, "platform", "jupyterhub.yaml"), "utf8"),
    ),
  }));
}

async function renderText(text: string): Promise<RenderedCluster[]> {
  const dir = tempDir();
  writeFileSync(join(dir, "qhub-config.yaml"), text);
  return render(join(dir, "qhub-config.yaml"));
}

/** Runs the hub for a cluster with the logins that exercise it; the problems found. */
function check(c: RenderedCluster, values: Json = c.values): { problems: string[]; expected: Expected[] } {
  const { logins, env } = loginsFor(c.config);
  const result = runHarness(
    values,
    logins.map((l) => l.login),
    env,
  );
  return { problems: problemsOf(c.config, logins, result), expected: logins };
}

/** Where each profile a user may start would run, as the hub's code leaves KubeSpawner's traits. */
function placementsOf(c: RenderedCluster, user: string) {
  const { logins, env } = loginsFor(c.config);
  return runHarness(
    c.values,
    logins.map((l) => l.login),
    env,
  ).logins.find((l) => l.name === user);
}

function expectSound(c: RenderedCluster): void {
  const { problems, expected } = check(c);
  expect(problems, `cluster ${c.name}`).toEqual([]);
  // Every config is exercised by someone refused, except Auth0 with no users, where the tenant is
  // the boundary (and a tenant user is admitted); password configs without users admit nobody.
  const auth = c.config.security.authentication;
  if (auth.type === "Auth0" && Object.keys(c.config.security.users ?? {}).length === 0)
    expect(expected.find((e) => e.login.id === "tenant-user")?.admitted).toBe(true);
  else expect(expected.some((e) => !e.admitted)).toBe(true);
  if (auth.type !== "password") expect(expected.some((e) => e.admitted)).toBe(true);
}

const FIXTURES = ["aws-efs", "azure", "do", "existing", "gcp", "local"];

const AGE = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
const base = (security: string, profiles: string) => `project_name: team
provider: local
domain: hub.team.localhost
secrets: { sops: { age_recipients: [${AGE}] } }
security:
${security}
profiles:
  jupyterlab:
${profiles}
`;

// Profiles for everyone, for a config group, for a user, for the provider's groups.
const PROFILES = (providerGroups: string) => `    - display_name: Everyone
    - display_name: Analysts
      groups: [analysts]
    - display_name: Lead only
      users: [lead]
    - display_name: Provider groups
      groups: [${providerGroups}]`;

const GITHUB_TEAMS = base(
  `  authentication:
    type: GitHub
    config:
      client_id: { fromEnv: GITHUB_CLIENT_ID }
      client_secret: { fromEnv: GITHUB_CLIENT_SECRET }
      allowed_organizations: [Acme, partners:data-team]
  users:
    lead: { primary_group: admin, secondary_groups: [analysts] }
    Guest: { primary_group: analysts }
  groups: { admin: {}, analysts: {} }`,
  PROFILES("heavy-users, partners:data-team"),
);

const AUTH0_USERS = base(
  `  authentication:
    type: Auth0
    config:
      client_id: { fromEnv: AUTH0_CLIENT_ID }
      client_secret: { fromEnv: AUTH0_CLIENT_SECRET }
      auth0_subdomain: team
      groups_claim: https://team.example/groups
  users:
    lead: { primary_group: admin, secondary_groups: [analysts] }
    ana@team.example: { primary_group: analysts }
  groups: { admin: {}, analysts: {} }`,
  PROFILES("gpu-users"),
);

const AUTH0_TENANT = base(
  `  authentication:
    type: Auth0
    config:
      client_id: { fromEnv: AUTH0_CLIENT_ID }
      client_secret: { fromEnv: AUTH0_CLIENT_SECRET }
      auth0_subdomain: team
  groups: { admin: {}, analysts: {} }`,
  `    - display_name: Everyone
    - display_name: Analysts
      groups: [analysts]
    - display_name: Provider groups
      groups: [gpu-users]`,
);

const PASSWORD_GROUPS = base(
  `  users:
    lead: { primary_group: admin, secondary_groups: [analysts], password: { fromEnv: QHUB_PASSWORD_ALICE } }
    ana: { primary_group: analysts, password: { fromEnv: QHUB_PASSWORD_ALICE } }
    bob: { password: { fromEnv: QHUB_PASSWORD_ALICE } }
    nopass: { primary_group: analysts }
  groups: { admin: {}, analysts: {} }`,
  `    - display_name: Everyone
    - display_name: Analysts
      groups: [analysts]
    - display_name: Lead only
      users: [lead]`,
);

describe("the hub's code, executed (JupyterHub 3.0 from Debian; fakes of kubespawner 7, oauthenticator 17.4, z2jh 4.4.0)", () => {
  hubTest(
    "the bundled example: every user of every cluster gets exactly their profiles, groups, admin and folders",
    async () => {
      const clusters = await render(join(ROOT, "examples", "qhub-config.yaml"));
      expect(clusters.map((c) => c.name)).toEqual(["prod", "staging"]);
      for (const c of clusters) expectSound(c);
    },
  );

  // Loops rather than test.each: without jupyterhub, hubTest is a plain function (see testNeeding).
  for (const name of FIXTURES)
    hubTest(`render fixture ${name}`, async () => {
      for (const c of await render(join(ROOT, "test", "fixtures", "render", `${name}.yaml`))) expectSound(c);
    });

  hubTest("a GPU profile's server selects its pool, tolerates its taint and requests a GPU", async () => {
    const text = readFileSync(join(ROOT, "test", "fixtures", "render", "gcp-gpu.yaml"), "utf8").replace(
      "profiles:",
      "security:\n  users:\n    ada: { password: { fromEnv: QHUB_PASSWORD_ALICE } }\nprofiles:",
    );
    const [c] = await renderText(text);
    expectSound(c!);
    const ada = placementsOf(c!, "ada");
    expect(ada?.placements?.["gpu-instance"]).toEqual({
      image: DEFAULT_GPU_IMAGE,
      node_selector: { "cloud.google.com/gke-nodepool": "gpu-t4" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
      extra_resource_limits: { "nvidia.com/gpu": 1 },
    });
    // The CPU profile keeps z2jh's user pool (singleuser.nodeSelector) and requests no GPU.
    expect(ada?.placements?.["small-instance"]).toMatchObject({
      node_selector: { "cloud.google.com/gke-nodepool": "user" },
      extra_resource_limits: {},
    });
  });

  hubTest(
    "a group with other label keys than the user pool's: the user pool's labels are dropped, not merged",
    async () => {
      const text = [
        "project_name: team",
        "provider: existing",
        "domain: hub.team.localhost",
        `secrets: { sops: { age_recipients: [${AGE}] } }`,
        "storage: { storage_class: ceph }",
        "security:",
        "  users:",
        "    ada: { password: { fromEnv: QHUB_PASSWORD_ALICE } }",
        "existing:",
        "  node_selectors:",
        "    user: { key: pool, value: users }",
        "  node_groups:",
        "    gpu: { labels: { accelerator: nvidia }, gpu: true, taints: [{ key: accelerator, value: nvidia, effect: NoSchedule }] }",
        "profiles:",
        "  jupyterlab:",
        "    - display_name: CPU",
        "    - display_name: GPU",
        "      node_group: gpu",
        "",
      ].join("\n");
      const [c] = await renderText(text);
      const ada = placementsOf(c!, "ada");
      expect(ada?.placements?.cpu?.node_selector).toEqual({ pool: "users" });
      expect(ada?.placements?.gpu?.node_selector).toEqual({ accelerator: "nvidia" });
      expect(ada?.placements?.gpu?.tolerations).toEqual([
        { key: "accelerator", operator: "Equal", value: "nvidia", effect: "NoSchedule" },
      ]);
    },
  );

  for (const auth of ["password", "github", "auth0"])
    hubTest(`qhub init, every provider, --auth ${auth}`, async () => {
      for (const provider of PROVIDERS) {
        const dir = tempDir();
        const config = join(dir, "qhub-config.yaml");
        const init = await runMain(["init", provider, "--config", config, "--auth", auth]);
        expect(init.code, init.stderr).toBe(0);
        process.env.QHUB_PASSWORD_ADMIN = "canary-admin-password";
        for (const c of await render(config)) expectSound(c);
      }
    });

  for (const [name, text] of [
    ["GitHub with organisations, a team, team slugs and listed users", GITHUB_TEAMS],
    ["Auth0 with users listed and a groups claim", AUTH0_USERS],
    ["Auth0 with no users: the tenant", AUTH0_TENANT],
    ["password with groups", PASSWORD_GROUPS],
  ] as const)
    hubTest(name, async () => {
      for (const c of await renderText(text)) expectSound(c);
    });

  hubTest("the login page shows the theme: title, subtitle, welcome, logo and colours", async () => {
    const [c] = await renderText(
      `${PASSWORD_GROUPS}theme:
  jupyterhub:
    hub_title: Team Hub
    hub_subtitle: Notebooks for the team
    welcome: <b>Welcome</b> to the team's hub.
    logo: https://team.example/logo.png
    primary_color: "#4f4173"
    navbar_color: "#112233"
    h1_color: rebeccapurple
`,
    );
    const result = runHarness(c!.values, [], {}, true);
    const page = result.pages.login!;
    expect(page).toMatch(/<title>\s*Team Hub\s*<\/title>/);
    expect(page).toContain("<h1>Team Hub</h1>");
    expect(page).toContain("Notebooks for the team");
    expect(page).toContain("<b>Welcome</b> to the team's hub.");
    expect(page).toContain('src="https://team.example/logo.png"');
    const style = /<style id="qhub-theme">([\s\S]*?)<\/style>/.exec(page)![1]!;
    for (const colour of ["#4f4173", "#112233", "rebeccapurple"]) expect(style).toContain(colour);
    // The stock login form is still there, under the welcome text.
    expect(page.indexOf("qhub-welcome")).toBeGreaterThan(0);
    expect(page.indexOf("qhub-welcome")).toBeLessThan(page.indexOf("<form"));
  });

  describe("each bug, reintroduced, fails the checks", () => {
    const withHub = (values: Json, edit: (hub: Json) => void): Json => {
      const copy = structuredClone(values);
      edit(copy.hub as Json);
      return copy;
    };

    hubTest("a pre_spawn_hook that treats z2jh's dict volume_mounts as a list", async () => {
      const [c] = await renderText(PASSWORD_GROUPS);
      // The hook QHub shipped before: it iterates the mounts as a list of dicts and appends.
      const listHook = [
        "def _qhub_shared_folders(spawner):",
        '    mounted = {m["mountPath"] for m in spawner.volume_mounts}',
        "    for group in sorted(g.name for g in spawner.user.groups):",
        '        path = f"/home/shared/{group}"',
        "        if path not in mounted:",
        '            spawner.volume_mounts.append({"name": "qhub-shared", "mountPath": path, "subPath": f"shared/{group}"})',
        "",
        "c.KubeSpawner.pre_spawn_hook = _qhub_shared_folders",
        "",
      ].join("\n");
      const broken = withHub(c!.values, (hub) => {
        (hub.extraConfig as Json)["qhub-shared-folders"] = listHook;
      });
      const problems = check(c!, broken).problems;
      expect(
        problems.some((p) => /start 1: TypeError/.test(p)),
        problems.join("\n"),
      ).toBe(true);
    });

    for (const [login, text, section] of [
      ["password", PASSWORD_GROUPS, "Authenticator"],
      ["GitHub", GITHUB_TEAMS, "GitHubOAuthenticator"],
      ["Auth0", AUTH0_USERS, "GenericOAuthenticator"],
    ] as const)
      hubTest(`${login} without manage_groups: groups never reach JupyterHub`, async () => {
        const [c] = await renderText(text);
        const broken = withHub(c!.values, (hub) => {
          delete ((hub.config as Json)[section] as Json).manage_groups;
        });
        const problems = check(c!, broken).problems.join("\n");
        // Password: every login comes without its groups; OAuth: oauthenticator refuses group
        // settings (admin_groups, auth_state_groups_key) without manage_groups, and the hub stops.
        expect(problems).toMatch(
          login === "password"
            ? /groups \[\], expected \["admin","analysts"\]/
            : /requires \w+\.manage_groups/,
        );
      });

    hubTest("load_groups together with manage_groups: JupyterHub 5 refuses to start", async () => {
      const [c] = await renderText(GITHUB_TEAMS);
      const broken = withHub(c!.values, (hub) => {
        (hub.config as Json).JupyterHub = {
          ...((hub.config as Json).JupyterHub as Json),
          load_groups: { analysts: ["guest"] },
        };
      });
      expect(check(c!, broken).problems).toEqual([
        "the hub does not start: ValueError: Group management has been offloaded to the authenticator",
      ]);
    });

    hubTest("Auth0 with no users and no allow_all: nobody may log in", async () => {
      const [c] = await renderText(AUTH0_TENANT);
      const broken = withHub(c!.values, (hub) => {
        delete ((hub.config as Json).GenericOAuthenticator as Json).allow_all;
      });
      expect(check(c!, broken).problems).toEqual([
        "login tenant-user (auth0): refused, but the config admits it",
      ]);
    });

    hubTest(
      "GitHub without populate_teams_in_auth_state: team members lose their teams' profiles and folders",
      async () => {
        const [c] = await renderText(GITHUB_TEAMS);
        const broken = withHub(c!.values, (hub) => {
          delete ((hub.config as Json).GitHubOAuthenticator as Json).populate_teams_in_auth_state;
        });
        const problems = check(c!, broken).problems;
        expect(
          problems.some((p) => /login member-Acme \(github\): groups \[\]/.test(p)),
          problems.join("\n"),
        ).toBe(true);
      },
    );

    hubTest("OAuth without QHub's groups function: the config's memberships are lost", async () => {
      for (const text of [GITHUB_TEAMS, AUTH0_USERS]) {
        const [c] = await renderText(text);
        const broken = withHub(c!.values, (hub) => {
          delete (hub.extraConfig as Json)["qhub-oauth-groups"];
        });
        const problems = check(c!, broken).problems;
        expect(
          problems.some((p) => /^login lead \(\w+\): groups /.test(p)),
          problems.join("\n"),
        ).toBe(true);
      }
    });

    hubTest("profile_list not limited by audience: users see profiles that are not theirs", async () => {
      const [c] = await renderText(GITHUB_TEAMS);
      const broken = withHub(c!.values, (hub) => {
        delete (hub.extraConfig as Json)["qhub-profile-audience"];
      });
      const problems = check(c!, broken).problems;
      expect(
        problems.some((p) => p.includes("offered profiles")),
        problems.join("\n"),
      ).toBe(true);
    });
  });
});

test("the rendered README lists every cluster's callback URL and what to register for it", async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "qhub-config.yaml"),
    `project_name: acme
provider: local
domain: hub.acme.com
secrets: { sops: { age_recipients: [${AGE}] } }
security:
  authentication:
    type: GitHub
    config:
      client_id: { fromEnv: GITHUB_CLIENT_ID }
      client_secret: { fromEnv: GITHUB_CLIENT_SECRET }
      allowed_organizations: [acme]
gitops:
  repository: acme/platform
  clusters:
    prod: {}
    staging: { domain: staging.hub.acme.com }
    zeu:
      domain: hub.acme.eu
      security:
        authentication:
          type: GitHub
          config: { client_id: eu-app, client_secret: { fromEnv: GITHUB_CLIENT_SECRET }, allowed_organizations: [acme] }
    lab:
      domain: lab.acme.org
      certificate: { type: disabled }
      security:
        authentication:
          type: Auth0
          config: { client_id: { fromEnv: AUTH0_CLIENT_ID }, client_secret: { fromEnv: AUTH0_CLIENT_SECRET }, auth0_subdomain: acme }
`,
  );
  const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
  expect(r.code, r.stderr).toBe(0);
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const rows = readme.split("\n").filter((l) => /^\| (lab|prod|staging|zeu) \|/.test(l));
  expect(rows).toEqual([
    "| lab | Auth0 | http://lab.acme.org/hub/oauth_callback | add it to the Allowed Callback URLs of the Auth0 application (client ID from `AUTH0_CLIENT_ID`, tenant `acme`) |",
    "| prod | GitHub | https://hub.acme.com/hub/oauth_callback | the Authorization callback URL of the GitHub OAuth App (client ID from `GITHUB_CLIENT_ID`) |",
    "| staging | GitHub | https://staging.hub.acme.com/hub/oauth_callback | nothing: the OAuth App of cluster `prod` redirects here (a host under its callback's) |",
    "| zeu | GitHub | https://hub.acme.eu/hub/oauth_callback | the Authorization callback URL of the GitHub OAuth App (client ID `eu-app`) |",
  ]);
  expect(readme).toContain(
    "- `lab`: everyone the Auth0 tenant `acme` authenticates (the tenant is the boundary",
  );
});

// The blocks of JupyterHub 5.5.0's share/jupyterhub/templates/page.html and login.html (read at that
// tag): the chart's JupyterHub. The harness renders on Debian's 3.0 templates, so this pins that
// QHub's templates override only blocks 5.5 has.
const JUPYTERHUB_55_BLOCKS = {
  page: "announcement favicon footer header login_widget logo main meta nav_bar nav_bar_left_items nav_bar_right_items script scripts service stylesheet theme_toggle title",
  login:
    "login login_container login_terms login_terms_text login_widget main otp_input otp_input_attrs password_input password_input_attrs script username_input username_input_attrs",
};

test("QHub's templates extend JupyterHub's own and override only blocks JupyterHub 5.5 has", () => {
  for (const [name, template] of [
    ["page", pageTemplate],
    ["login", loginTemplate],
  ] as const) {
    expect(template).toContain(`{% extends "templates/${name}.html" %}`);
    const blocks = [...template.matchAll(/\{%-? *block (\w+)/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks)
      expect(JUPYTERHUB_55_BLOCKS[name].split(" "), `${name}.html`).toContain(block);
  }
});

describe("monitoring: Grafana logs in through the hub, and the hub serves its metrics", () => {
  type Release = {
    spec: { values: Json; valuesFrom?: { name: string; valuesKey: string; targetPath: string }[] };
  };
  /** The local fixture's hub values (with what Flux's valuesFrom puts in), and Grafana's release. */
  async function rendered(mutate: (hub: Json) => void = () => {}) {
    const platform = join(await renderFixture("local", "laptop"), "platform");
    const hubRelease = parseYaml(readFileSync(join(platform, "jupyterhub.yaml"), "utf8")) as Release;
    const grafana = parseYaml(readFileSync(join(platform, "grafana.yaml"), "utf8")) as Release;
    const values = hubValues(readFileSync(join(platform, "jupyterhub.yaml"), "utf8"));
    // Both releases take the OAuth client secret from one key of one Secret (valuesFrom).
    const hubToken = hubRelease.spec.valuesFrom!.find(
      (v) => v.targetPath === "hub.services.grafana.apiToken",
    )!;
    const grafanaToken = grafana.spec.valuesFrom!.find((v) => v.targetPath.endsWith("client_secret"))!;
    expect([grafanaToken.name, grafanaToken.valuesKey]).toEqual([hubToken.name, hubToken.valuesKey]);
    const services = (values.hub as { services: Record<string, Json> }).services;
    services.grafana!.apiToken = "0123456789abcdef".repeat(4);
    mutate(values);
    const result = runHarness(values, [], {}, false, true);
    expect(result.startup_error).toBeNull();
    const ini = (grafana.spec.values["grafana.ini"] as Record<string, Record<string, unknown>>)[
      "auth.generic_oauth"
    ]!;
    const root = (grafana.spec.values["grafana.ini"] as Record<string, Record<string, unknown>>).server!
      .root_url;
    return { result, ini, root: root as string };
  }

  hubTest("the hub registers Grafana's OAuth client: its client ID, redirect URI and secret", async () => {
    const { result, ini, root } = await rendered();
    expect(result.authenticate_prometheus).toBe(false);
    const client = result.services!.grafana!;
    expect(client.client_id).toBe(ini.client_id);
    // Grafana's generic OAuth callback is login/generic_oauth under its root_url.
    expect(client.redirect_uri).toBe(`${root}login/generic_oauth`);
    expect(root).toBe("https://laptop.localhost/monitoring/");
    expect(client.secret_is_api_token).toBe(true);
    expect(client.no_confirm).toBe(true);
    // Grafana asks for no scopes: the hub grants identification (name, groups) and access to it.
    expect(ini.scopes).toBe("");
    expect(client.allowed_scopes).toEqual(["access:services!service=grafana"]);
    expect([ini.auth_url, ini.token_url, ini.api_url]).toEqual([
      "https://laptop.localhost/hub/api/oauth2/authorize",
      "https://laptop.localhost/hub/api/oauth2/token",
      "https://laptop.localhost/hub/api/user",
    ]);
    expect(ini.role_attribute_path).toContain("'admin'");
  });

  hubTest("without a redirect URI the hub registers no client for Grafana (the check can fail)", async () => {
    const { result } = await rendered((values) => {
      delete (values.hub as { services: Record<string, Json> }).services.grafana!.oauth_redirect_uri;
    });
    expect(result.services!.grafana).toBeNull();
  });
});

describe("kernel and terminal culling in the user server", () => {
  const HAS_NOTEBOOK =
    spawnSync("/usr/bin/python3", ["-c", "import notebook.terminal, traitlets"], { stdio: "ignore" })
      .status === 0;
  const serverTest = testNeeding(
    HAS_NOTEBOOK,
    "Debian's notebook 6 (/usr/bin/python3 -c 'import notebook'), whose kernel and terminal managers jupyter-server copied",
    "apt-get install python3-notebook",
  );

  serverTest("jupyterhub.culling's settings are what the user server's managers load", async () => {
    const [c] = await renderText(
      "project_name: team\nprovider: local\ndomain: team.localhost\nsecrets:\n  sops:\n    age_recipients: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29]\njupyterhub:\n  culling:\n    server_idle_timeout: 1800\n    kernel_idle_timeout: 900\n    kernel_check_interval: 120\n    kernel_cull_connected: true\n    terminal_idle_timeout: 600\n    terminal_check_interval: 60\n",
    );
    const values = c!.values as {
      cull: Json;
      singleuser: { extraFiles: Record<string, { mountPath: string; data: Json }> };
    };
    expect(values.cull).toMatchObject({ enabled: true, timeout: 1800, every: 600 });
    const file = values.singleuser.extraFiles["qhub-culling"]!;
    const dir = tempDir();
    // z2jh writes `data` as JSON for a .json mountPath.
    writeFileSync(join(dir, basename(file.mountPath)), JSON.stringify(file.data));
    const r = spawnSync("/usr/bin/python3", [join(ROOT, "test", "python", "server_culling.py"), dir], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const loaded = JSON.parse(r.stdout) as { config_path: string[]; kernels: Json; terminals: Json };
    // The file's folder is one the server searches (jupyter_core's SYSTEM_CONFIG_PATH).
    expect(loaded.config_path).toContain(dirname(file.mountPath));
    expect(basename(file.mountPath)).toBe("jupyter_server_config.json");
    expect(loaded.kernels).toEqual({
      cull_idle_timeout: 900,
      cull_interval: 120,
      cull_connected: true,
      cull_busy: false,
    });
    expect(loaded.terminals).toEqual({ cull_inactive_timeout: 600, cull_interval: 60 });
  });

  test("no kernel or terminal setting: no server config file; a timeout of 0 turns the hub's culler off", async () => {
    const [c] = await renderText(
      "project_name: team\nprovider: local\ndomain: team.localhost\nsecrets:\n  sops:\n    age_recipients: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29]\njupyterhub:\n  culling:\n    server_idle_timeout: 0\n",
    );
    const values = c!.values as { cull: Json; singleuser: { extraFiles: Json } };
    expect(values.cull.enabled).toBe(false);
    expect(values.singleuser.extraFiles["qhub-culling"]).toBeUndefined();
  });
});
