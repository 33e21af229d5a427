// A large config for the render benchmark: N clusters (default 20), 100 JupyterLab profiles (or
// `profiles`) and 50 conda environments, every provider represented. Deterministic: same N, same text.
import { stringify } from "yaml";

const PROVIDERS = ["aws", "gcp", "azure", "do", "local", "existing"];

export function largeConfig(clusters = 20, { profiles: profileCount = 100 } = {}) {
  const profiles = Array.from({ length: profileCount }, (_, i) => ({
    display_name: `Profile ${String(i).padStart(4, "0")}`,
    description: `${(i % 4) + 1} CPU / ${((i % 4) + 1) * 2} GB`,
    ...(i === 0 ? { default: true } : {}),
    // Sizes that fit one node of every cloud's default user pool (qhub validate checks it).
    kubespawner_override: {
      cpu_limit: ((i % 4) + 1) * 0.75,
      cpu_guarantee: ((i % 4) + 1) / 2,
      mem_limit: `${((i % 4) + 1) * 2}G`,
      mem_guarantee: `${(i % 4) + 1}G`,
    },
  }));
  const environments = Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [
      `environment-team${String(i).padStart(2, "0")}.yaml`,
      {
        name: `team${String(i).padStart(2, "0")}`,
        channels: ["conda-forge"],
        dependencies: [
          "python=3.12",
          "ipykernel",
          "dask-gateway=2026.3.0",
          `numpy=1.${i % 10}`,
          { pip: [`pkg${i}`] },
        ],
      },
    ]),
  );
  const clusterMap = Object.fromEntries(
    Array.from({ length: clusters }, (_, i) => {
      const provider = PROVIDERS[i % PROVIDERS.length];
      const name = `c${String(i).padStart(2, "0")}`;
      return [
        name,
        {
          provider,
          domain: `${name}.hub.example.com`,
          ...(provider === "gcp" ? { google_cloud_platform: { project: "bench-project" } } : {}),
        },
      ];
    }),
  );
  return stringify(
    {
      qhub_version: 1,
      project_name: "bench",
      security: { authentication: { type: "password" } },
      // Flux's published test key: the render seals each cluster's generated tokens for it.
      secrets: {
        sops: { age_recipients: ["age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29"] },
      },
      profiles: { jupyterlab: profiles },
      environments,
      gitops: { repository: "acme/bench", clusters: clusterMap },
    },
    { lineWidth: 0 },
  );
}
