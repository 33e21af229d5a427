// The platform layer: JupyterHub and Dask Gateway, one HelmRelease each, wired to each other and to
// the infrastructure layer by names that must agree across charts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { splitImage } from "../src/components/kit.js";
import { ROOT, runMain, tempDir } from "./helpers.js";

const TEAM = `project_name: team
provider: gcp
domain: hub.team.example.com
google_cloud_platform:
  project: team-project
  node_groups:
    worker: { instance: n1-standard-8, min_nodes: 0, max_nodes: 5 }
    gpu: { instance: n1-standard-16, min_nodes: 0, max_nodes: 1, gpu: true }
security:
  authentication:
    type: GitHub
    config:
      client_id: Iv1.0123456789abcdef
      client_secret: { fromEnv: GITHUB_CLIENT_SECRET }
      allowed_organizations: [team-org]
  users:
    lead: { primary_group: admin }
  groups:
    admin: {}
profiles:
  jupyterlab:
    - display_name: Small
      default: true
      kubespawner_override: { cpu_limit: 2, cpu_guarantee: 1, mem_limit: 8G, mem_guarantee: 4G }
    - display_name: Medium
      kubespawner_override: { cpu_limit: 4, cpu_guarantee: 2, mem_limit: 16G, mem_guarantee: 8G }
    - display_name: GPU
      groups: [admin]
      node_group: gpu
      kubespawner_override: { cpu_limit: 8, cpu_guarantee: 4, mem_limit: 32G, mem_guarantee: 16G, extra_resource_limits: { nvidia.com/gpu: "1" } }
  dask_worker:
    Standard: { worker_cores: 1, worker_cores_limit: 2, worker_memory: 4G, worker_memory_limit: 8G }
    Big: { worker_cores: 4, worker_cores_limit: 4, worker_memory: 16G, worker_memory_limit: 16G, image: "ghcr.io/dask/dask-gateway:2026.3.0" }
secrets:
  sops:
    age_recipients: [age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29]
environments:
  environment-ml.yaml:
    name: ml
    channels: [conda-forge]
    dependencies: [python=3.12, scikit-learn, dask-gateway=2026.3.0, "conda-forge::distributed>=2026.6"]
  environment-geo.yaml:
    name: geo
    channels: [conda-forge]
    dependencies: [python=3.12, geopandas, dask-gateway=2026.3.0, { pip: [planetary-computer] }]
`;

type Values = Record<string, never>;
interface Release {
  spec: { values: Record<string, Values>; releaseName: string };
}

async function render(text: string): Promise<string> {
  const dir = tempDir();
  writeFileSync(join(dir, "qhub-config.yaml"), text);
  const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const read = (dir: string, file: string) =>
  readFileSync(join(dir, "cluster-overlays", "team", "platform", file), "utf8");

describe("platform: JupyterHub and Dask Gateway", () => {
  test("a reviewer finds exactly the config's profiles, worker options and environments, one HelmRelease each", async () => {
    const dir = await render(TEAM);
    const hub = parse(read(dir, "jupyterhub.yaml")) as Release;
    const profiles = hub.spec.values.singleuser!.profileList as unknown as {
      display_name: string;
      default?: boolean;
    }[];
    expect(profiles.map((p) => [p.display_name, p.default ?? false])).toEqual([
      ["Small", true],
      ["Medium", false],
      ["GPU", false],
    ]);
    const gateway = read(dir, "dask-gateway.yaml");
    const values = (parse(gateway) as Release).spec.values.gateway as unknown as {
      extraConfig: Record<string, string>;
      env: { name: string; value: string }[];
    };
    // The options' code is the same for every config; their data is in the gateway's environment.
    expect(values.extraConfig["qhub-cluster-options"]).toContain('os.environ["QHUB_DASK_OPTIONS"]');
    const data = JSON.parse(values.env.find((e) => e.name === "QHUB_DASK_OPTIONS")!.value) as {
      workers: { name: string }[];
      environments: string[];
    };
    // As written (the first is the default); only environments with dask-gateway and distributed.
    expect(data.workers.map((w) => w.name)).toEqual(["Standard", "Big"]);
    expect(data.environments).toEqual(["dask", "ml"]);
    // Profiles and worker sizes are in those files and nowhere else in the platform layer.
    expect(read(dir, "storage.yaml")).not.toContain("Medium");
    expect(read(dir, "jupyterhub.yaml")).not.toContain("Standard");
  });

  test("changing one profile's memory limit changes exactly one file (besides the manifest and the smoke Job's name)", async () => {
    const dir = await render(TEAM);
    writeFileSync(join(dir, "qhub-config.yaml"), TEAM.replace("mem_limit: 16G", "mem_limit: 20G"));
    const r = await runMain(["render", "--config", join(dir, "qhub-config.yaml")]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([
      "changed  cluster-overlays/team/platform/jupyterhub.yaml",
      // The platform changed: the smoke test runs again (a Job of a new name).
      "changed  cluster-overlays/team/smoke/smoke.yaml",
      "changed  .qhub/manifest.json",
      expect.stringMatching(/^0 added, 3 changed, 0 removed, \d+ unchanged$/) as string,
    ]);
  });

  test("names agree across charts: the gateway's token, proxy and prefix, the storage claim, the TLS secret", async () => {
    const dir = await render(TEAM);
    const hub = (parse(read(dir, "jupyterhub.yaml")) as Release).spec.values;
    const gw = parse(read(dir, "dask-gateway.yaml")) as Release;
    const gateway = gw.spec.values;
    const defaults = parse(
      readFileSync(join(ROOT, "charts", "dask-gateway-2026.3.0.values.yaml"), "utf8"),
    ) as {
      gateway: { auth: { jupyterhub: { apiTokenFromSecretName: string; apiTokenFromSecretKey: string } } };
    };
    // The gateway reads the token the hub chart generates for its registered service.
    const services = hub.hub!.services as unknown as Record<string, { url: string }>;
    expect(Object.keys(services)).toEqual(["dask-gateway", "qhub-smoke"]);
    expect(defaults.gateway.auth.jupyterhub.apiTokenFromSecretName).toBe("hub");
    expect(defaults.gateway.auth.jupyterhub.apiTokenFromSecretKey).toBe("hub.services.dask-gateway.apiToken");
    expect((gateway.gateway!.auth as unknown as { type: string }).type).toBe("jupyterhub");
    // The chart names its proxy traefik-<release>-dask-gateway, shortened when the release is the chart's name.
    expect(gw.spec.releaseName).toBe("dask-gateway");
    expect(services["dask-gateway"]!.url).toBe("http://traefik-dask-gateway");
    const env = hub.singleuser!.extraEnv as unknown as Record<string, string>;
    expect(env.DASK_GATEWAY__PROXY_ADDRESS).toBe("gateway://traefik-dask-gateway.dev:80");
    expect(env.DASK_GATEWAY__ADDRESS).toBe(
      `http://proxy-public${gateway.gateway!.prefix as unknown as string}`,
    );
    // Home folders, shared folders, conda environments: the claim the platform layer creates.
    const claims = parseAllDocuments(read(dir, "storage.yaml"))
      .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
      .filter((o) => o.kind === "PersistentVolumeClaim")
      .map((o) => o.metadata.name);
    const storage = hub.singleuser!.storage as unknown as {
      static: { pvcName: string };
      extraVolumes: { persistentVolumeClaim: { claimName: string } }[];
    };
    expect(claims).toEqual([storage.static.pvcName]);
    expect(storage.extraVolumes.map((v) => v.persistentVolumeClaim.claimName)).toEqual(claims);
    const pod = (
      gateway.gateway!.backend as unknown as {
        worker: { extraPodConfig: { volumes: { persistentVolumeClaim: { claimName: string } }[] } };
      }
    ).worker;
    expect(pod.extraPodConfig.volumes.map((v) => v.persistentVolumeClaim.claimName)).toEqual(claims);
    // The ingress serves the certificate the configs layer issues.
    const certificate = parseAllDocuments(
      readFileSync(join(dir, "cluster-overlays", "team", "configs", "tls.yaml"), "utf8"),
    )
      .map((d) => d.toJS() as { kind: string; spec: { secretName: string; dnsNames: string[] } })
      .find((o) => o.kind === "Certificate");
    const ingress = hub.ingress as unknown as {
      hosts: string[];
      tls: { secretName: string; hosts: string[] }[];
    };
    expect(ingress.tls[0]!.secretName).toBe(certificate!.spec.secretName);
    expect(ingress.hosts).toEqual(certificate!.spec.dnsNames);
    // GitHub's callback is the hub's, on the configured domain.
    const github = (hub.hub!.config as unknown as { GitHubOAuthenticator: Record<string, unknown> })
      .GitHubOAuthenticator;
    expect(github.oauth_callback_url).toBe("https://hub.team.example.com/hub/oauth_callback");
    expect(github.client_id).toBe("Iv1.0123456789abcdef");
    expect(github.admin_users).toEqual(["lead"]);
    expect(github.allowed_organizations).toEqual(["team-org"]);
  });

  test("each auth type configures its authenticator; secrets come from Secrets, never values", async () => {
    const auth0 = await render(
      TEAM.replace(
        / {4}type: GitHub\n[\s\S]*?allowed_organizations: \[team-org\]\n/,
        "    type: Auth0\n    config:\n      client_id: { fromEnv: AUTH0_CLIENT_ID }\n      client_secret: { fromEnv: AUTH0_CLIENT_SECRET }\n      auth0_subdomain: team\n",
      ),
    );
    const a = (parse(read(auth0, "jupyterhub.yaml")) as Release).spec.values.hub!;
    expect(
      (a.config as unknown as { JupyterHub: { authenticator_class: string } }).JupyterHub.authenticator_class,
    ).toBe("generic-oauth");
    expect(
      (a.config as unknown as { GenericOAuthenticator: { token_url: string } }).GenericOAuthenticator
        .token_url,
    ).toBe("https://team.auth0.com/oauth/token");
    expect((a.extraEnv as unknown as { name: string }[]).map((e) => e.name)).toEqual([
      "OAUTH_CLIENT_SECRET",
      "OAUTH_CLIENT_ID",
    ]);
    process.env.LEAD_PASSWORD = "canary-lead-password";
    const password = await render(
      TEAM.replace(
        / {4}type: GitHub\n[\s\S]*?allowed_organizations: \[team-org\]\n/,
        "    type: password\n",
      ).replace(
        "lead: { primary_group: admin }",
        "lead: { primary_group: admin, password: { fromEnv: LEAD_PASSWORD } }",
      ),
    );
    const p = (parse(read(password, "jupyterhub.yaml")) as Release).spec.values.hub!;
    expect(p.extraEnv).toEqual([
      { name: "QHUB_PASSWORD_LEAD", valueFrom: { secretKeyRef: { key: "lead", name: "qhub-passwords" } } },
    ]);
    expect(Object.keys(p.extraConfig as unknown as object)).toContain("qhub-password-authenticator");
  });

  test("image references split into the charts' name and tag", () => {
    expect(splitImage("quay.io/jupyterhub/k8s-hub:4.4.0")).toEqual({
      name: "quay.io/jupyterhub/k8s-hub",
      tag: "4.4.0",
    });
    expect(splitImage("localhost:5000/lab")).toEqual({ name: "localhost:5000/lab", tag: "latest" });
    expect(splitImage("ghcr.io/x/y@sha256:abc")).toEqual({ name: "ghcr.io/x/y", tag: "sha256:abc" });
  });
});

describe("platform: conda-store and the environments", () => {
  test("the specs are in environments/, one ConfigMap for conda-store, which builds onto the shared claim", async () => {
    const dir = await render(TEAM);
    const envDir = join(dir, "environments");
    const kustomization = parse(readFileSync(join(envDir, "kustomization.yaml"), "utf8")) as {
      configMapGenerator: { name: string; files: string[] }[];
    };
    expect(kustomization.configMapGenerator).toEqual([
      {
        name: "conda-environments",
        files: [
          "environment-dashboard.yaml",
          "environment-dask.yaml",
          "environment-geo.yaml",
          "environment-ml.yaml",
        ],
      },
    ]);
    expect(parse(readFileSync(join(envDir, "environment-geo.yaml"), "utf8"))).toEqual({
      name: "geo",
      channels: ["conda-forge"],
      dependencies: ["python=3.12", "geopandas", "dask-gateway=2026.3.0", { pip: ["planetary-computer"] }],
    });
    const docs = parseAllDocuments(read(dir, "conda-store.yaml")).map(
      (d) =>
        d.toJS() as {
          kind: string;
          spec?: { template: { spec: { volumes: Record<string, { name?: string; claimName?: string }>[] } } };
        },
    );
    const pod = docs.find((d) => d.kind === "Deployment")!.spec!.template.spec;
    expect(pod.volumes.map((v) => v.configMap?.name ?? v.persistentVolumeClaim?.claimName)).toEqual([
      "conda-store-config",
      "conda-environments",
      "qhub-storage",
    ]);
    // JupyterLab gets one kernel per environment, running that environment's Python.
    const hub = (parse(read(dir, "jupyterhub.yaml")) as Release).spec.values;
    const kernels = hub.singleuser!.extraFiles as unknown as Record<
      string,
      { mountPath: string; data: { argv: string[] } }
    >;
    expect(Object.values(kernels).map((k) => [k.mountPath, k.data.argv[0]])).toEqual(
      ["dashboard", "dask", "geo", "ml"].map((n) => [
        `/usr/local/share/jupyter/kernels/conda-${n}/kernel.json`,
        `/home/conda/envs/${n}/bin/python`,
      ]),
    );
    // The gateway offers exactly these environments, built where the workers look for them.
    expect(read(dir, "dask-gateway.yaml")).toContain("/home/conda/envs");
  });
});
