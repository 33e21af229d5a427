// Node pools as Kubernetes objects (`node_provisioning: auto`): one per node group, named after it,
// for the cloud's node autoscaler, in their own layer (capacity) before the platform. QHub does not
// install the autoscaler: Karpenter on EKS (NodePool + EC2NodeClass), GKE's node-pool
// auto-creation through custom compute classes (ComputeClass), AKS node auto-provisioning (NodePool
// + AKSNodeClass). Pods select a group by the autoscaler's label (config/resolve.ts, AUTO_NODE_LABEL),
// and JupyterHub packs users and keeps warm room (userScheduling, read by the jupyterhub component).
import { ComputeClass } from "@kubernetes-models/gke/cloud.google.com/v1/ComputeClass";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import type { ResolvedCluster, ResolvedNodeGroup } from "../config/resolve.js";
import { instanceType } from "../config/instances.js";
import { AKSNodeClass } from "../kube/crd-models.js";
import { toYamlDocuments } from "../render/emit.js";
import { at, checked, missing } from "./kit.js";
import { GPU_RESOURCE, tolerationsOf } from "./nvidia-device-plugin.js";
import type { CheckContext, Component } from "./types.js";

/** The file of the capacity layer that holds a cluster's node pools. */
export const NODE_POOLS_FILE = "node-pools.yaml";

/** The kinds this layer applies, for `qhub diff` and the PR body to call capacity. */
export const CAPACITY_KINDS: readonly string[] = ["NodePool", "EC2NodeClass", "ComputeClass", "AKSNodeClass"];

/**
 * The EKS names Karpenter's getting-started guide uses, which the team creates with Karpenter
 * (https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/, read 2026-12-07):
 * the nodes' IAM role, and the tag that marks the cluster's subnets and security groups.
 */
export const karpenterNodeRole = (c: ResolvedCluster) => `KarpenterNodeRole-${c.name}`;
export const DISCOVERY_TAG = "karpenter.sh/discovery";

/** A group's pool, which every group of a cloud cluster has (resolve). */
function poolOf(c: ResolvedCluster, g: ResolvedNodeGroup) {
  return g.pool ?? missing(c, `the pool of node group ${g.name}`);
}

/**
 * What a NodePool may make at most: max_nodes × the instance's vCPUs, memory and GPUs (the
 * instance is in QHub's table: validate refuses `auto` otherwise).
 */
export function poolLimits(c: ResolvedCluster, g: ResolvedNodeGroup): Record<string, string> {
  const p = poolOf(c, g);
  const type = instanceType(c.provider, p.instance) ?? missing(c, `the size of instance ${p.instance}`);
  return {
    cpu: String(p.maxNodes * type.vcpu),
    memory: `${p.maxNodes * type.memoryGiB}Gi`,
    ...(type.gpus > 0 ? { [GPU_RESOURCE]: String(p.maxNodes * type.gpus) } : {}),
  };
}

/** Karpenter's requirement key of a node's GPU count, per provider (their well-known labels). */
const GPU_COUNT_LABEL: Partial<Record<ResolvedCluster["provider"], string>> = {
  aws: "karpenter.k8s.aws/instance-gpu-count",
  azure: "karpenter.azure.com/sku-gpu-count",
};

/** The node class a Karpenter NodePool of the provider names. */
const NODE_CLASS: Partial<Record<ResolvedCluster["provider"], { group: string; kind: string }>> = {
  aws: { group: "karpenter.k8s.aws", kind: "EC2NodeClass" },
  azure: { group: "karpenter.azure.com", kind: "AKSNodeClass" },
};

/**
 * A Karpenter NodePool (karpenter.sh/v1) for one group: its instance type, capacity type, labels,
 * taints and GPUs; limits of max_nodes nodes. Nodes are removed only when empty (never while a
 * server or worker runs on them: the user scheduler packs pods so nodes empty), and never expire.
 */
function nodePool(c: ResolvedCluster, g: ResolvedNodeGroup): NodePool {
  const p = poolOf(c, g);
  const nodeClass = NODE_CLASS[c.provider] ?? missing(c, "a Karpenter node class");
  const gpus = instanceType(c.provider, p.instance)?.gpus ?? 0;
  const gpuLabel = GPU_COUNT_LABEL[c.provider];
  return new NodePool({
    metadata: { name: g.name },
    spec: {
      template: {
        metadata: Object.keys(p.labels).length > 0 ? { labels: { ...p.labels } } : undefined,
        spec: {
          nodeClassRef: { ...nodeClass, name: g.name },
          requirements: [
            { key: "node.kubernetes.io/instance-type", operator: "In", values: [p.instance] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: [p.spot ? "spot" : "on-demand"] },
            ...(g.gpu && gpuLabel
              ? [
                  gpus > 0
                    ? { key: gpuLabel, operator: "In" as const, values: [String(gpus)] }
                    : { key: gpuLabel, operator: "Gt" as const, values: ["0"] },
                ]
              : []),
          ],
          ...(g.taints.length > 0 ? { taints: g.taints.map((t) => ({ ...t })) } : {}),
          expireAfter: "Never",
        },
      },
      limits: poolLimits(c, g),
      disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "5m" },
    },
  });
}

/**
 * The EC2NodeClass of a group: Amazon Linux 2023 (Karpenter picks its NVIDIA variant for GPU
 * instances), the node role and the discovery tag of Karpenter's getting-started guide.
 */
function ec2NodeClass(c: ResolvedCluster, g: ResolvedNodeGroup): EC2NodeClass {
  const discovery = [{ tags: { [DISCOVERY_TAG]: c.name } }];
  return new EC2NodeClass({
    metadata: { name: g.name },
    spec: {
      role: karpenterNodeRole(c),
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      subnetSelectorTerms: discovery,
      securityGroupSelectorTerms: discovery,
      tags: { "qhub.dev/cluster": c.name, "qhub.dev/node-group": g.name },
    },
  });
}

/** The AKSNodeClass of a group (AKS installs the NVIDIA drivers on GPU sizes: `gpu.mode: Driver`). */
function aksNodeClass(c: ResolvedCluster, g: ResolvedNodeGroup) {
  return new AKSNodeClass({
    metadata: { name: g.name },
    spec: {
      imageFamily: "Ubuntu",
      ...(g.gpu ? { gpu: { mode: "Driver" } } : {}),
      tags: { "qhub.dev/cluster": c.name, "qhub.dev/node-group": g.name },
    },
  });
}

/**
 * A GKE custom compute class for one group: its machine type (spot or not, its accelerators), with
 * node-pool auto-creation, and no other machine when that one cannot be had (DoNotScaleUp).
 */
function computeClass(c: ResolvedCluster, g: ResolvedNodeGroup): ComputeClass {
  const p = poolOf(c, g);
  const accelerator = p.accelerators[0];
  return new ComputeClass({
    metadata: { name: g.name },
    spec: {
      priorities: [
        {
          machineType: p.instance,
          ...(p.spot ? { spot: true } : {}),
          ...(accelerator ? { gpu: { type: accelerator.name, count: accelerator.count } } : {}),
        },
      ],
      nodePoolAutoCreation: { enabled: true },
      whenUnsatisfiable: "DoNotScaleUp",
    },
  });
}

/** The validated objects of a cluster's node groups, in group order. */
export function capacityObjects(c: ResolvedCluster): { validate(): void }[] {
  return Object.values(c.nodeGroups).flatMap((g) => {
    const from = `${c.provider === "gcp" ? "google_cloud_platform" : c.provider === "aws" ? "amazon_web_services" : "azure"}.node_groups.${g.name}`;
    const objects =
      c.provider === "aws"
        ? [nodePool(c, g), ec2NodeClass(c, g)]
        : c.provider === "azure"
          ? [nodePool(c, g), aksNodeClass(c, g)]
          : [computeClass(c, g)];
    return objects.map((o) => {
      const kind = (o as { kind?: string }).kind ?? "object";
      return checked(c.name, `${kind} ${g.name}`, from, o);
    });
  });
}

/** The room one user's server asks for: the default profile on the user group (or the first there). */
function placeholderRequests(c: ResolvedCluster): Record<string, unknown> | undefined {
  const onUser = c.jupyterlabProfiles.filter((p) => p.nodeGroup === "user");
  const p = onUser.find((x) => x.default) ?? onUser[0];
  if (!p) return undefined;
  const cpu = p.cpuGuarantee ?? p.cpuLimit;
  const memory = p.memGuarantee ?? p.memLimit;
  const requests = {
    ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
    ...(memory !== undefined ? { memory } : {}),
  };
  return Object.keys(requests).length > 0 ? { requests } : undefined;
}

/**
 * z2jh's scheduling values: with the autoscaler's nodes, the user scheduler (on the general group)
 * packs users onto the fewest nodes so that nodes empty and go; placeholders, each one user's room
 * on the user group, keep a node warm for the next spawn; pod priorities let a real server evict a
 * placeholder (placeholders -10, users 0). Without it, the default scheduler and no placeholders.
 * (z2jh 4.4.0 `scheduling`, https://z2jh.jupyter.org/en/stable/administrator/optimization.html.)
 */
export function userScheduling(c: ResolvedCluster): Record<string, unknown> {
  const auto = c.autoscaling;
  if (!auto) return { userScheduler: { enabled: false } };
  const resources = placeholderRequests(c);
  return {
    userScheduler: { enabled: true, nodeSelector: c.nodeGroups.general.nodeSelector },
    podPriority: { enabled: true },
    userPlaceholder: {
      enabled: auto.placeholders > 0,
      replicas: auto.placeholders,
      ...(resources ? { resources } : {}),
    },
  };
}

/**
 * z2jh's placeholders take singleuser.nodeSelector and, as tolerations, only scheduling.userPods'
 * and singleuser.extraTolerations (z2jh 4.4.0 templates/scheduling/user-placeholder/statefulset.yaml):
 * on a tainted user group they tolerate its taints there, or they would never find room.
 */
export function placeholderTolerations(c: ResolvedCluster): { extraTolerations?: Record<string, string>[] } {
  const taints = c.nodeGroups.user.taints;
  return c.autoscaling && c.autoscaling.placeholders > 0 && taints.length > 0
    ? { extraTolerations: tolerationsOf(taints) }
    : {};
}

/** The per-cloud prerequisites of the capacity layer, for the rendered README. */
function needs(c: ResolvedCluster): string[] {
  const groups = Object.values(c.nodeGroups);
  if (c.provider === "aws")
    return [
      `Node pools (\`node_provisioning: auto\`): Karpenter (API \`karpenter.sh/v1\`) running in the cluster, installed by the team with its IAM (https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/): the controller's role (Pod Identity or IRSA) and interruption queue; the node role \`${karpenterNodeRole(c)}\` (Karpenter makes its instance profile) with an EKS access entry; the cluster's subnets and security groups tagged \`${DISCOVERY_TAG}: ${c.name}\`; and a small managed node group or Fargate profile for Karpenter and Flux themselves (they run before any pool exists). QHub's NodePools and EC2NodeClasses (\`capacity/\`) name them. With EKS Auto Mode instead, AWS runs Karpenter: replace each EC2NodeClass by an \`eks.amazonaws.com/v1\` NodeClass (or use Auto Mode's \`default\`) and point the NodePools' \`nodeClassRef\` at it (group \`eks.amazonaws.com\`, kind \`NodeClass\`); Auto Mode runs the NVIDIA device plugin itself.`,
    ];
  if (c.provider === "gcp") {
    const total = (size: "vcpu" | "memoryGiB") =>
      groups.reduce((n, g) => {
        const type = g.pool ? instanceType("gcp", g.pool.instance) : undefined;
        return n + (g.pool?.maxNodes ?? 0) * (type?.[size] ?? 0);
      }, 0);
    const [cpu, mem] = [total("vcpu"), total("memoryGiB")];
    return [
      `Node pools (\`node_provisioning: auto\`): GKE 1.30.3-gke.1451000 or later (custom compute classes, \`cloud.google.com/v1\` ComputeClass); before 1.33.3-gke.1136000 the compute classes' node-pool auto-creation also needs node auto-provisioning enabled on the cluster, with limits that cover the groups at max_nodes (\`gcloud container clusters update CLUSTER --enable-autoprovisioning --max-cpu ${cpu} --max-memory ${mem}\`${groups.some((g) => (g.pool?.accelerators.length ?? 0) > 0) ? " plus `--max-accelerator type=TYPE,count=N` for the GPU groups" : ""}; instance types QHub's table lacks are not counted). GKE keeps no per-class maximum: max_nodes is not enforced per group there.`,
    ];
  }
  return [
    "Node pools (`node_provisioning: auto`): AKS node auto-provisioning (`az aks create|update ... --node-provisioning-mode Auto`, which needs Azure CNI Overlay with Cilium), through which AKS runs Karpenter and serves `karpenter.sh/v1` NodePool and `karpenter.azure.com/v1beta1` AKSNodeClass; the cluster's managed identity creates the VMs.",
  ];
}

/** Each NodePool's node class must be applied with it. */
function check(ctx: CheckContext): void {
  for (const entry of ctx.objects) {
    if (entry.object.kind !== "NodePool") continue;
    const ref = at(entry.object.spec, "template", "spec", "nodeClassRef");
    const kind = at(ref, "kind");
    if (typeof kind === "string")
      ctx.refer(
        entry,
        "spec.template.spec.nodeClassRef",
        kind,
        at(ref, "name"),
        "",
        "render again, or correct the name",
      );
  }
}

export const capacity: Component = {
  id: "capacity",
  title: "Node pools",
  layout: {
    capacity:
      "node pools the cloud's autoscaler makes (`node_provisioning: auto`): Karpenter NodePools and EC2NodeClasses (aws), GKE ComputeClasses (gcp), NodePools and AKSNodeClasses (azure)",
  },
  enabled: (c) => c.autoscaling !== undefined,
  owns: [NODE_POOLS_FILE],
  render(c) {
    const objects = capacityObjects(c);
    const kinds =
      c.provider === "gcp"
        ? "ComputeClasses"
        : c.provider === "aws"
          ? "NodePools, EC2NodeClasses"
          : "NodePools, AKSNodeClasses";
    return {
      capacity: {
        summary: [`node pools (${kinds})`],
        files: [{ path: NODE_POOLS_FILE, content: toYamlDocuments(objects) }],
        resources: [NODE_POOLS_FILE],
      },
    };
  },
  readme: { needs },
  check,
};
