// GPUs: what each cloud needs before pods see `nvidia.com/gpu`, and NVIDIA's device plugin as a
// HelmRelease (blueprints/nvidia-device-plugin) where the cloud does not run one. Enabled only in
// clusters with a GPU node group; on clouds that run the plugin themselves it adds nothing but
// the README's line.
import type { ResolvedCluster, ResolvedNodeGroup } from "../config/resolve.js";
import type { Provider, Taint } from "../config/schema.js";
import type { Component } from "./types.js";
import { valuesPatch } from "./kit.js";

/** The extended resource NVIDIA's device plugin advertises, which GPU pods request. */
export const GPU_RESOURCE = "nvidia.com/gpu";

export const NVIDIA_DEVICE_PLUGIN_CHART = {
  name: "nvidia-device-plugin",
  version: "0.20.0",
  repository: "nvidia",
} as const;

/**
 * What each cloud does for GPU nodes (read 2026-12-07): whether it runs NVIDIA's device plugin
 * itself, and what the team must do when creating the pool.
 * - GKE installs the device plugin and, with `gpu-driver-version`, the drivers, and taints GPU
 *   pools `nvidia.com/gpu=present:NoSchedule`:
 *   https://cloud.google.com/kubernetes-engine/docs/how-to/gpus
 * - EKS: the AL2023 NVIDIA AMI has the drivers, but the device plugin must be installed
 *   (Bottlerocket's NVIDIA AMI runs its own): https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html
 * - AKS installs the drivers on GPU sizes; the device plugin must be installed:
 *   https://learn.microsoft.com/en-us/azure/aks/gpu-cluster
 * - DOKS installs the drivers and the device plugin on GPU pools and taints them `nvidia.com/gpu`:
 *   https://docs.digitalocean.com/products/kubernetes/details/supported-gpus/
 * - Local and existing clusters: QHub cannot know; NVIDIA's GPU Operator installs both.
 */
export const GPU_SUPPORT: Record<Provider, { qhubInstallsPlugin: boolean; team: string }> = {
  gcp: {
    qhubInstallsPlugin: false,
    team: "GKE runs the NVIDIA device plugin and taints GPU pools `nvidia.com/gpu=present:NoSchedule`; create the pool with `--accelerator type=TYPE,count=N,gpu-driver-version=default` so that GKE installs the drivers",
  },
  aws: {
    qhubInstallsPlugin: true,
    team: "create the node group with the EKS-optimized AL2023 NVIDIA AMI (it has the drivers) and these taints; QHub installs NVIDIA's device plugin (blueprints/nvidia-device-plugin; with Bottlerocket's NVIDIA AMI, which runs its own, remove it)",
  },
  azure: {
    qhubInstallsPlugin: true,
    team: "AKS installs the NVIDIA drivers on GPU sizes; create the pool with these taints (`--node-taints`); QHub installs NVIDIA's device plugin (blueprints/nvidia-device-plugin)",
  },
  do: {
    qhubInstallsPlugin: false,
    team: "DOKS installs the NVIDIA drivers and device plugin on GPU node pools and taints them `nvidia.com/gpu`; list that taint in the group's `taints`",
  },
  local: {
    qhubInstallsPlugin: false,
    team: "the GPU nodes need NVIDIA's drivers, container toolkit and device plugin (NVIDIA's GPU Operator installs all three) and these taints",
  },
  existing: {
    qhubInstallsPlugin: false,
    team: "the GPU nodes need NVIDIA's drivers, container toolkit and device plugin (NVIDIA's GPU Operator installs all three) and these taints",
  },
};

/**
 * GPU groups whose nodes the cloud's autoscaler makes (`node_provisioning: auto`): the capacity
 * layer's pools carry the taints; what the cloud still needs for the GPUs.
 */
const AUTO_GPU: Partial<Record<Provider, string>> = {
  aws: "the group's NodePool (capacity/) carries these taints and asks for the instance's GPUs; Karpenter's `al2023` alias picks the EKS-optimized NVIDIA AMI (it has the drivers) for GPU instances; QHub installs NVIDIA's device plugin (blueprints/nvidia-device-plugin)",
  gcp: "GKE runs the NVIDIA device plugin, installs the drivers on auto-created GPU nodes and taints them `nvidia.com/gpu=present:NoSchedule`; the group's ComputeClass (capacity/) names its accelerators",
  azure:
    "the group's NodePool (capacity/) carries these taints and asks for the size's GPUs; AKS installs the drivers (AKSNodeClass `gpu.mode: Driver`); QHub installs NVIDIA's device plugin (blueprints/nvidia-device-plugin)",
};

/** Tolerations of exactly these taints. */
export function tolerationsOf(taints: readonly Taint[]): Record<string, string>[] {
  return taints.map((t): Record<string, string> =>
    t.value === undefined
      ? { key: t.key, operator: "Exists", effect: t.effect }
      : { key: t.key, operator: "Equal", value: t.value, effect: t.effect },
  );
}

/** A taint as `kubectl taint` and the clouds' CLIs write it. */
export const taintText = (t: Taint) => `${t.key}${t.value === undefined ? "" : `=${t.value}`}:${t.effect}`;

export function gpuGroups(c: ResolvedCluster): ResolvedNodeGroup[] {
  return Object.values(c.nodeGroups).filter((g) => g.gpu);
}

/**
 * The plugin's values: on the GPU groups' nodes only (the chart's default affinity needs Node
 * Feature Discovery's labels, which QHub does not install), tolerating their taints.
 */
function pluginValues(c: ResolvedCluster): Record<string, unknown> {
  const groups = gpuGroups(c);
  const keys = [...new Set(groups.flatMap((g) => g.taints.map((t) => `${t.key}\n${t.effect}`)))].sort();
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: groups.map((g) => ({
            matchExpressions: Object.entries(g.nodeSelector).map(([key, value]) => ({
              key,
              operator: "In",
              values: [value],
            })),
          })),
        },
      },
    },
    // The chart's own (CriticalAddonsOnly, nvidia.com/gpu), and the GPU groups' taints.
    tolerations: [
      { key: "CriticalAddonsOnly", operator: "Exists" },
      ...[`${GPU_RESOURCE}\nNoSchedule`, ...keys]
        .filter((k, i, all) => all.indexOf(k) === i)
        .map((k) => {
          const [key, effect] = k.split("\n") as [string, string];
          return { key, operator: "Exists", effect };
        }),
    ],
  };
}

export const nvidiaDevicePlugin: Component = {
  id: "nvidia-device-plugin",
  title: "NVIDIA device plugin",
  layout: { controllers: "NVIDIA device plugin (GPU groups on EKS, AKS)" },
  enabled: (c) => gpuGroups(c).length > 0,
  charts: [NVIDIA_DEVICE_PLUGIN_CHART],
  blueprints: ["nvidia-device-plugin"],
  render(c, { up }) {
    if (!GPU_SUPPORT[c.provider].qhubInstallsPlugin) return {};
    return {
      controllers: {
        summary: ["NVIDIA device plugin"],
        resources: [`${up}/blueprints/nvidia-device-plugin`],
        patches: [valuesPatch("nvidia-device-plugin", "kube-system", pluginValues(c))],
      },
    };
  },
  readme: {
    needs: (c) => [
      `GPUs (${gpuGroups(c)
        .map(
          (g) => `\`${g.name}\`: taints ${g.taints.map((t) => `\`${taintText(t)}\``).join(", ") || "none"}`,
        )
        .join("; ")}): ${c.autoscaling ? AUTO_GPU[c.provider] : GPU_SUPPORT[c.provider].team}.`,
    ],
  },
};
