// What a cluster's nodes and the cloud resources QHub provisions cost: on-demand list prices in US
// dollars, as data, with region and date. A team can override any of them in its provider block
// (`prices`). Pure: the resolved cluster in, numbers out.
import type { ResolvedCluster } from "./resolve.js";
import { quantityValue } from "./rules.js";
import type { Provider } from "./schema.js";

/** Hours in a month, as the clouds' price pages count them (AWS, Google Cloud, Azure). */
export const HOURS_PER_MONTH = 730;

export interface PriceTable {
  /** The region the prices are for, and when they were recorded. */
  region: string;
  date: string;
  source: string;
  /** US dollars per node per month, by instance type. */
  instances: Record<string, number>;
  /** US dollars per accelerator per month, by GKE accelerator name (attached GPUs are billed apart). */
  accelerators?: Record<string, number>;
  /** The ingress's load balancer (Traefik's Service), US dollars per month. */
  loadBalancer: number;
  /** Block storage (QHub's `qhub-block` class), and the shared file service, US dollars per GiB-month. */
  blockStorage: number;
  sharedStorage?: number;
}

const hourly = (prices: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(prices).map(([k, v]) => [k, Math.round(v * HOURS_PER_MONTH * 100) / 100]),
  );

/**
 * On-demand list prices for the region named, as published on AWS's EC2 / EBS / ELB / EFS pricing
 * pages, Google Cloud's Compute Engine / GPU / Persistent Disk / Cloud Load Balancing / Filestore
 * pricing, Azure's Linux VM / Managed Disks / Load Balancer / Files pricing and DigitalOcean's
 * Droplet / Load Balancer / Volumes pricing, entered 2026-12-07 without a live check of those pages
 * (this project cannot reach them): verify before relying on them. Prices change over time;
 * override them in the config's provider block (`prices`).
 */
export const PRICES: Partial<Record<Provider, PriceTable>> = {
  aws: {
    region: "us-east-1",
    date: "2026-12-07",
    source: "AWS EC2 On-Demand, EBS gp3, Classic Load Balancer and EFS Standard prices",
    instances: hourly({
      "m5.large": 0.096,
      "m5.xlarge": 0.192,
      "m5.2xlarge": 0.384,
      "m5.4xlarge": 0.768,
      "r5.xlarge": 0.252,
      "r5.2xlarge": 0.504,
      "g4dn.xlarge": 0.526,
      "g4dn.2xlarge": 0.752,
      "g5.xlarge": 1.006,
      "g5.2xlarge": 1.212,
      "p3.2xlarge": 3.06,
    }),
    // The in-tree service controller makes a Classic Load Balancer: $0.025 an hour.
    loadBalancer: 18.25,
    blockStorage: 0.08,
    sharedStorage: 0.3,
  },
  gcp: {
    region: "us-central1",
    date: "2026-12-07",
    source:
      "Google Compute Engine on-demand, GPU, pd-balanced, forwarding rule and Filestore Basic HDD prices",
    instances: hourly({
      "n1-standard-4": 0.189999,
      "n1-standard-8": 0.379998,
      "n1-standard-16": 0.759996,
      "n2-standard-4": 0.194236,
      "n2-standard-8": 0.388472,
      "e2-standard-4": 0.134012,
      "e2-standard-8": 0.268024,
      "g2-standard-4": 0.706832,
      "g2-standard-8": 0.853624,
    }),
    accelerators: hourly({ "nvidia-tesla-t4": 0.35, "nvidia-tesla-p100": 1.46, "nvidia-tesla-v100": 2.48 }),
    loadBalancer: 18.25,
    blockStorage: 0.1,
    sharedStorage: 0.2,
  },
  azure: {
    region: "eastus",
    date: "2026-12-07",
    source: "Azure Linux pay-as-you-go VM, Standard SSD, Standard Load Balancer and Premium Files prices",
    instances: hourly({
      Standard_D4_v3: 0.192,
      Standard_D8_v3: 0.384,
      Standard_D4s_v3: 0.192,
      Standard_D8s_v3: 0.384,
      Standard_NC4as_T4_v3: 0.526,
      Standard_NC8as_T4_v3: 0.752,
    }),
    loadBalancer: 18.25,
    blockStorage: 0.075,
    sharedStorage: 0.16,
  },
  do: {
    region: "all regions",
    date: "2026-12-07",
    source: "DigitalOcean Droplet, GPU Droplet, Load Balancer and Volumes prices",
    // Monthly plans as DigitalOcean lists them; the GPU Droplet at $3.39 an hour.
    instances: {
      "s-4vcpu-8gb": 48,
      "g-4vcpu-16gb": 126,
      "g-8vcpu-32gb": 252,
      "gpu-h100x1-80gb": Math.round(3.39 * HOURS_PER_MONTH * 100) / 100,
    },
    loadBalancer: 12,
    blockStorage: 0.1,
  },
};

export interface GroupCost {
  name: string;
  instance: string;
  minNodes: number;
  maxNodes: number;
  /** US dollars a month per node (accelerators included); undefined when QHub has no price. */
  perNode?: number;
}

export interface ClusterCost {
  region: string;
  /** Where the table's region differs from the cluster's. */
  otherRegion?: string;
  date: string;
  groups: GroupCost[];
  /** What runs always: the groups at their minimum, the load balancer, the storage QHub provisions. */
  baseline: { nodes: number; loadBalancer: number; storage: number; storageGiB: number; total: number };
  /** Groups without a price (left out of the baseline). */
  unpriced: string[];
}

const GiB = 2 ** 30;

/** The cluster's costs; undefined on local and existing clusters (QHub does not know their nodes). */
export function clusterCost(c: ResolvedCluster): ClusterCost | undefined {
  const table = PRICES[c.provider];
  if (!table) return undefined;
  const own = c.cloud.prices ?? {};
  const instances = { ...table.instances, ...own.instances };
  const accelerators = { ...table.accelerators };
  const groups = Object.values(c.nodeGroups).flatMap((g): GroupCost[] => {
    if (!g.pool) return [];
    const base = instances[g.pool.instance];
    const gpus = g.pool.accelerators.map((a) =>
      accelerators[a.name] === undefined ? undefined : accelerators[a.name]! * a.count,
    );
    const perNode =
      base === undefined || gpus.includes(undefined)
        ? undefined
        : base + gpus.reduce<number>((s, p) => s + (p ?? 0), 0);
    return [
      {
        name: g.name,
        instance: g.pool.instance,
        minNodes: g.pool.minNodes,
        maxNodes: g.pool.maxNodes,
        perNode,
      },
    ];
  });
  const nodes = groups.reduce((s, g) => s + (g.perNode ?? 0) * g.minNodes, 0);
  // The storage QHub claims: the NFS server's disk (or the shared file service's share) holds
  // shared_filesystem + conda_store; the hub's database is a 1Gi block claim (z2jh's default).
  const sharedGiB = (quantityValue(c.storage.sharedFilesystem) + quantityValue(c.storage.condaStore)) / GiB;
  const block = own.block_storage ?? table.blockStorage;
  const shared = own.shared_storage ?? table.sharedStorage ?? block;
  const storage = c.storage.type === "cloud" ? sharedGiB * shared + block : (sharedGiB + 1) * block;
  const loadBalancer = own.load_balancer ?? table.loadBalancer;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    region: table.region,
    ...(c.cloud.region !== undefined && c.cloud.region !== table.region && table.region !== "all regions"
      ? { otherRegion: c.cloud.region }
      : {}),
    date: table.date,
    groups,
    baseline: {
      nodes: round(nodes),
      loadBalancer: round(loadBalancer),
      storage: round(storage),
      storageGiB: round(sharedGiB + 1),
      total: round(nodes + loadBalancer + storage),
    },
    unpriced: groups.filter((g) => g.perNode === undefined).map((g) => g.name),
  };
}

/**
 * Dollars as the README and PR body show them: $1,234.56, as `Intl.NumberFormat("en-US")` with two
 * fraction digits writes them (a test compares the two): half away from zero, on the shortest
 * decimal that names the number (1.005 is $1.01). Not Intl itself: building a formatter loads
 * ICU's locale data, which cost every render ~25 ms at start-up.
 */
export function dollars(n: number): string {
  const text = String(n);
  let cents: bigint;
  if (text.includes("e")) cents = n < 1 ? 0n : BigInt(n) * 100n;
  else {
    const [whole, fraction = ""] = text.split(".");
    const digits = `${fraction}000`;
    cents = BigInt(`${whole}${digits.slice(0, 2)}`) + (digits.charAt(2) >= "5" ? 1n : 0n);
  }
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+$)/g, ",");
  return `$${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}
