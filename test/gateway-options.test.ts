// Executes the Dask Gateway config QHub renders: each config's gateway.extraConfig runs under
// /usr/bin/python3 with traitlets against fakes of dask-gateway-server 2026.3 (test/dask-gateway/,
// each file names the upstream file it mirrors), and its cluster options are driven the way the
// gateway drives them: the default request and each choice of each field.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { runsDask } from "../src/config/rules.js";
import { loadDefaultEnvironments } from "../src/config/load.js";
import { resolveConfig } from "../src/config/resolve.js";
import { validateDocument } from "../src/config/validate.js";
import { parseConfigText } from "../src/config/document.js";
import { ROOT } from "./helpers.js";
import { PYTHON, pythonTest } from "./kustomize.js";
import { parsedFile, platformConfigs, renderConfig } from "./rendered.js";

interface Launch {
  request: Record<string, string>;
  options: { profile: string; environment: string };
  image: string;
  worker_cores: number;
  worker_memory: number;
  worker_memory_limit: number;
  cluster_max_workers: number;
  worker_extra_pod_config: {
    nodeSelector?: Record<string, string>;
    tolerations?: Record<string, string>[];
    volumes?: unknown[];
  };
  worker_extra_container_config: {
    resources?: { limits?: Record<string, number> };
    volumeMounts?: unknown[];
  };
  scheduler: string[];
  worker: string[];
}
interface Run {
  spec: { field: string; default: string; spec: { options: string[] } }[];
  launches: Launch[];
}

/** Runs the gateway's config with its values' extraConfig, in the environment its values' env sets. */
function runOptions(gateway: { extraConfig: unknown; env?: unknown }): Run {
  const r = spawnSync(PYTHON, [join(ROOT, "test", "dask-gateway", "run_options.py")], {
    input: JSON.stringify(gateway),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`the gateway's extraConfig failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** The cluster's Dask worker names and environment names, as the config gives them. */
function expected(config: { file: string; text: string }) {
  const environments = loadDefaultEnvironments();
  const v = validateDocument(parseConfigText(config.file, config.text), {
    shippedEnvironments: environments,
  });
  return resolveConfig(v.clusters!, { environments }).clusters.map((c) => ({
    name: c.name,
    workers: c.daskWorkerProfiles,
    groups: c.nodeGroups,
    daskEnvironments: c.environments.filter((e) => runsDask(e.spec)).map((e) => e.spec),
  }));
}

describe("the rendered Dask Gateway options, executed", () => {
  for (const config of platformConfigs())
    pythonTest(
      `${config.name}: default worker first listed, environments that run Dask, dask CLI commands`,
      () => {
        const files = renderConfig(config);
        for (const cluster of expected(config)) {
          const release = parsedFile(
            files,
            `cluster-overlays/${cluster.name}/platform/dask-gateway.yaml`,
          ) as {
            spec: { values: { gateway: { extraConfig: unknown; env?: unknown } } };
          };
          const run = runOptions(release.spec.values.gateway);
          const [profile, environment] = run.spec;
          // The default worker is the first listed in the config, not the first by name.
          expect(profile?.spec.options).toEqual(cluster.workers.map((w) => w.name));
          expect(profile?.default).toBe(cluster.workers[0]!.name);
          // Only environments with dask-gateway and distributed; the default is one of them.
          expect(environment?.spec.options).toEqual(cluster.daskEnvironments.map((e) => e.name));
          const byDefault = run.launches[0]!;
          expect(byDefault.options).toEqual({
            profile: cluster.workers[0]!.name,
            environment: environment?.default,
          });
          const env = cluster.daskEnvironments.find((e) => e.name === byDefault.options.environment)!;
          expect(runsDask(env)).toBe(true);
          for (const launch of run.launches) {
            const bin = `/home/conda/envs/${launch.options.environment}/bin`;
            // distributed >= 2026.6 has no dask-scheduler/dask-worker scripts: the dask CLI's
            // subcommands (its dask_cli entry points), from the selected environment.
            expect(launch.scheduler.slice(0, 2)).toEqual([`${bin}/dask`, "scheduler"]);
            expect(launch.scheduler).toContain("dask_gateway.scheduler_preload");
            expect(launch.worker.slice(0, 2)).toEqual([`${bin}/dask`, "worker"]);
            const worker = cluster.workers.find((w) => w.name === launch.options.profile)!;
            expect(launch.image).toBe(worker.image);
            expect(launch.worker_cores).toBe(worker.cores);
            expect(launch.worker_memory).toBeGreaterThan(0);
            expect(launch.worker_memory_limit).toBeGreaterThanOrEqual(launch.worker_memory);
            expect(launch.cluster_max_workers).toBeGreaterThan(0);
            // A size on a GPU group (or any group but the worker pool): its pods select the group,
            // tolerate its taints, request GPUs there and keep the conda mount.
            const group = cluster.groups[worker.nodeGroup]!;
            const pod = launch.worker_extra_pod_config;
            const container = launch.worker_extra_container_config;
            if (group.gpu || worker.nodeGroup !== "worker") {
              expect(pod.nodeSelector).toEqual(group.nodeSelector);
              for (const t of group.taints)
                expect(pod.tolerations).toContainEqual(
                  expect.objectContaining({ key: t.key, effect: t.effect }),
                );
              expect(pod.volumes).toHaveLength(1);
              expect(container.volumeMounts).toHaveLength(1);
              expect(container.resources?.limits?.["nvidia.com/gpu"]).toBe(
                group.gpu ? worker.gpus : undefined,
              );
            } else {
              // The chart's worker settings apply (the fake has none: the handler set none).
              expect(pod).toEqual({});
              expect(container).toEqual({});
            }
          }
          // Every choice of every field was launched.
          expect(run.launches).toHaveLength(1 + cluster.workers.length + cluster.daskEnvironments.length);
        }
      },
    );
});
