// Instance types QHub knows, and what a node of each leaves to pods after its cloud's system
// reservations: data, with sources and the date it was recorded. A type not listed here gets a
// warning from `qhub validate` (nothing can be checked against it), never an error.
import type { Provider } from "./schema.js";

export interface InstanceType {
  vcpu: number;
  /** Memory, GiB. */
  memoryGiB: number;
  gpus: number;
  /** The GPU model, where there is one. */
  gpu?: string;
  /** Pods per node (EKS: its ENI formula, the AMI's eni-max-pods.txt; it sets the memory reservation). */
  maxPods?: number;
}

/**
 * vCPUs, memory and GPUs per instance type, from each cloud's published instance tables (AWS
 * EC2 instance types, Google Compute Engine machine families, Azure VM sizes, DigitalOcean
 * Droplet plans), recorded 2026-12-07. EKS pods per node from amazon-eks-ami's eni-max-pods.txt.
 */
export const INSTANCE_TYPES: Partial<Record<Provider, Record<string, InstanceType>>> = {
  aws: {
    "m5.large": { vcpu: 2, memoryGiB: 8, gpus: 0, maxPods: 29 },
    "m5.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 0, maxPods: 58 },
    "m5.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 0, maxPods: 58 },
    "m5.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 0, maxPods: 234 },
    "r5.xlarge": { vcpu: 4, memoryGiB: 32, gpus: 0, maxPods: 58 },
    "r5.2xlarge": { vcpu: 8, memoryGiB: 64, gpus: 0, maxPods: 58 },
    "g4dn.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1, gpu: "NVIDIA T4", maxPods: 29 },
    "g4dn.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1, gpu: "NVIDIA T4", maxPods: 29 },
    "g5.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1, gpu: "NVIDIA A10G", maxPods: 58 },
    "g5.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1, gpu: "NVIDIA A10G", maxPods: 58 },
    "p3.2xlarge": { vcpu: 8, memoryGiB: 61, gpus: 1, gpu: "NVIDIA V100", maxPods: 58 },
  },
  gcp: {
    "n1-standard-4": { vcpu: 4, memoryGiB: 15, gpus: 0 },
    "n1-standard-8": { vcpu: 8, memoryGiB: 30, gpus: 0 },
    "n1-standard-16": { vcpu: 16, memoryGiB: 60, gpus: 0 },
    "n2-standard-4": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "n2-standard-8": { vcpu: 8, memoryGiB: 32, gpus: 0 },
    "e2-standard-4": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "e2-standard-8": { vcpu: 8, memoryGiB: 32, gpus: 0 },
    "g2-standard-4": { vcpu: 4, memoryGiB: 16, gpus: 1, gpu: "NVIDIA L4" },
    "g2-standard-8": { vcpu: 8, memoryGiB: 32, gpus: 1, gpu: "NVIDIA L4" },
  },
  azure: {
    Standard_D4_v3: { vcpu: 4, memoryGiB: 16, gpus: 0 },
    Standard_D8_v3: { vcpu: 8, memoryGiB: 32, gpus: 0 },
    Standard_D4s_v3: { vcpu: 4, memoryGiB: 16, gpus: 0 },
    Standard_D8s_v3: { vcpu: 8, memoryGiB: 32, gpus: 0 },
    Standard_NC4as_T4_v3: { vcpu: 4, memoryGiB: 28, gpus: 1, gpu: "NVIDIA T4" },
    Standard_NC8as_T4_v3: { vcpu: 8, memoryGiB: 56, gpus: 1, gpu: "NVIDIA T4" },
  },
  do: {
    "s-4vcpu-8gb": { vcpu: 4, memoryGiB: 8, gpus: 0 },
    "g-4vcpu-16gb": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "g-8vcpu-32gb": { vcpu: 8, memoryGiB: 32, gpus: 0 },
    "gpu-h100x1-80gb": { vcpu: 20, memoryGiB: 240, gpus: 1, gpu: "NVIDIA H100" },
  },
};

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Sums `rate` over the parts of `total` that fall in each band ([size, rate], the last unbounded). */
function tiered(total: number, bands: readonly [number, number][]): number {
  let left = total;
  let sum = 0;
  for (const [size, rate] of bands) {
    const part = Math.min(left, size);
    sum += part * rate;
    left -= part;
    if (left <= 0) break;
  }
  return sum;
}

// The CPU reservation GKE and EKS share: 6% of the first core, 1% of the second, 0.5% of the next
// two, 0.25% of every core above four.
const CPU_BANDS: [number, number][] = [
  [1, 0.06],
  [1, 0.01],
  [2, 0.005],
  [Infinity, 0.0025],
];

/** The eviction threshold every formula below adds (kubelet's memory.available<100Mi). */
const EVICTION = 100 * MiB;

export interface Allocatable {
  /** Cores. */
  cpu: number;
  /** Bytes. */
  memory: number;
  /** How it was worked out, for messages. */
  basis: string;
}

/**
 * What pods may request on one node, per cloud's published formula (read 2026-12-07):
 * - GKE: https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations
 *   memory: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2%
 *   above 128 GiB; CPU as CPU_BANDS; plus the eviction threshold.
 * - EKS (amazon-eks-ami bootstrap): memory 11 MiB per pod the node may run plus 255 MiB; CPU as
 *   CPU_BANDS; plus the eviction threshold.
 * - AKS (Kubernetes 1.29+): https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations
 *   memory: 20 MiB per pod (250, Azure CNI Overlay's default) plus 50 MiB, at most 25% of the
 *   node; CPU by core count (60m for 1 core ... 740m for 64); plus the eviction threshold.
 * - DOKS publishes no formula QHub has: the node's whole capacity, a bound no guarantee may pass.
 */
export function allocatable(provider: Provider, type: InstanceType): Allocatable {
  const memory = type.memoryGiB * GiB;
  switch (provider) {
    case "gcp": {
      const reserved = tiered(memory, [
        [4 * GiB, 0.25],
        [4 * GiB, 0.2],
        [8 * GiB, 0.1],
        [112 * GiB, 0.06],
        [Infinity, 0.02],
      ]);
      return {
        cpu: type.vcpu - tiered(type.vcpu, CPU_BANDS),
        memory: memory - reserved - EVICTION,
        basis: "after GKE's reservations",
      };
    }
    case "aws":
      return {
        cpu: type.vcpu - tiered(type.vcpu, CPU_BANDS),
        memory: memory - (11 * (type.maxPods ?? 110) + 255) * MiB - EVICTION,
        basis: "after EKS's reservations",
      };
    case "azure": {
      const cpuReserved: Record<number, number> = {
        1: 0.06,
        2: 0.1,
        4: 0.14,
        8: 0.18,
        16: 0.26,
        32: 0.42,
        64: 0.74,
      };
      return {
        cpu: type.vcpu - (cpuReserved[type.vcpu] ?? 0.74),
        memory: memory - Math.min(20 * 250 * MiB + 50 * MiB, 0.25 * memory) - EVICTION,
        basis: "after AKS's reservations",
      };
    }
    default:
      return { cpu: type.vcpu, memory, basis: "its whole capacity (no published reservations QHub knows)" };
  }
}

/** The instance type's data, or undefined when QHub does not know it. */
export function instanceType(provider: Provider, name: string): InstanceType | undefined {
  const table = INSTANCE_TYPES[provider];
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}
