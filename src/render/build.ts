// build: the resolved config in, the rendered repository's files out. Pure: the static
// blueprints and overlays are handed in; every generated Kubernetes object is a typed
// @kubernetes-models object, validated before it is emitted.
import { Certificate, ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { Kustomization as FluxKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1";
import { Namespace, PersistentVolume, PersistentVolumeClaim } from "kubernetes-models/v1";
import { BugError } from "../errors.js";
import { quantityValue } from "../config/rules.js";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import type { Provider } from "../config/schema.js";
import type { OutputFile } from "./emit.js";
import { toYaml, toYamlDocuments } from "./emit.js";
import {
  CONDA_STORE_OWNER,
  condaStoreObjects,
  daskGatewayRelease,
  ENVIRONMENTS_CONFIGMAP,
  jupyterhubRelease,
} from "./platform.js";
import { renderReadme } from "./readme.js";
import { DEFAULT_README } from "./readme-path.js";
import { renderWorkflows } from "./workflow.js";

/** The project's own static trees, copied into the rendered repository. */
export interface StaticFiles {
  blueprints: OutputFile[];
  overlays: OutputFile[];
}

/** A Flux Kustomization layer of a cluster, in dependency order. */
export interface Layer {
  name: "controllers" | "configs" | "platform";
  /** What it holds, for people (README, PR body). */
  summary: string[];
  dependsOn?: Layer["name"];
  /** Holds SOPS-encrypted Secrets: Flux must decrypt them with the `sops-age` Secret. */
  decrypts?: boolean;
}

export const TLS_SECRET = "qhub-tls";
/** The Secret in flux-system that holds the age identity Flux decrypts with (made by hand, once). */
export const SOPS_SECRET = "sops-age";
export const STORAGE_CLAIM = "qhub-storage";
/** QHub's shared (ReadWriteMany) StorageClass: every claim names a class (EKS >= 1.30 has no default). */
export const SHARED_CLASS = "qhub-shared";
const NFS_SERVICE = "nfs-server";

interface Validatable {
  validate(): void;
}

/**
 * Validates a built object; a failure is QHub's bug, named by cluster, object and the config
 * path the object was built from.
 */
function checked<T extends Validatable>(cluster: string, what: string, from: string, object: T): T {
  try {
    object.validate();
  } catch (err) {
    throw new BugError(
      `cluster ${cluster}: ${what}, built from \`${from}\`, is invalid: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return object;
}

/** Relative path from a cluster overlay layer to the repository root. */
const UP = "../../..";

function kustomization(body: Record<string, unknown>): string {
  return toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", ...body });
}

/** A strategic-merge patch of a HelmRelease's values, written inline for reviewers. */
function valuesPatch(name: string, namespace: string, values: Record<string, unknown>) {
  return {
    patch: toYaml({
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name, namespace },
      spec: { values },
    }),
  };
}

function totalStorage(c: ResolvedCluster): string {
  const bytes = quantityValue(c.storage.sharedFilesystem) + quantityValue(c.storage.condaStore);
  return `${Math.ceil(bytes / 2 ** 30)}Gi`;
}

function hasComponent(files: StaticFiles, cloud: string, layer: string): boolean {
  return files.overlays.some((f) => f.path === `overlays/${cloud}/${layer}/kustomization.yaml`);
}

/** The layers every cluster gets, with what each holds. */
export function clusterLayers(c: ResolvedCluster, secrets: readonly string[] = []): Layer[] {
  const nfs = c.storage.type === "nfs";
  const tls = c.certificate.type === "lets-encrypt" || c.certificate.type === "self-signed";
  return [
    {
      name: "controllers",
      summary: ["cert-manager", "Traefik", ...(nfs ? ["NFS CSI driver"] : [])],
    },
    {
      name: "configs",
      dependsOn: "controllers",
      summary: [
        `namespace ${c.namespace}`,
        ...(nfs ? ["NFS server"] : [`${c.provider} shared file storage class`]),
        ...(tls ? [`${c.certificate.type} certificate`] : []),
      ],
    },
    {
      name: "platform",
      dependsOn: "configs",
      summary: [
        "shared storage claim",
        "JupyterHub",
        "Dask Gateway",
        "conda-store",
        ...(secrets.length > 0 ? [`encrypted Secrets (${secrets.join(", ")})`] : []),
      ],
      decrypts: secrets.length > 0,
    },
  ];
}

function fluxKustomizations(c: ResolvedCluster, secrets: readonly string[]): string {
  const docs = clusterLayers(c, secrets).map((layer) =>
    checked(
      c.name,
      `Flux Kustomization qhub-${layer.name}`,
      "gitops",
      new FluxKustomization({
        metadata: { name: `qhub-${layer.name}`, namespace: "flux-system" },
        spec: {
          interval: "10m",
          retryInterval: "1m",
          timeout: "15m",
          path: `./cluster-overlays/${c.name}/${layer.name}`,
          prune: true,
          wait: true,
          sourceRef: { kind: "GitRepository", name: "flux-system" },
          dependsOn: layer.dependsOn ? [{ name: `qhub-${layer.dependsOn}` }] : undefined,
          decryption: layer.decrypts ? { provider: "sops", secretRef: { name: SOPS_SECRET } } : undefined,
        },
      }),
    ),
  );
  return `# Flux entry point of cluster ${c.name}: bootstrap Flux with --path=clusters/${c.name}.\n# Generated by qhub render from qhub-config.yaml; do not edit.\n${toYamlDocuments(docs)}`;
}

function controllers(c: ResolvedCluster, files: StaticFiles): OutputFile {
  const general = c.nodeGroups.general.nodeSelector;
  const tls = c.certificate.type !== "disabled";
  const traefik: Record<string, unknown> = { nodeSelector: general };
  if (tls)
    traefik.ports = {
      web: {
        // Let's Encrypt's HTTP-01 challenge must reach cert-manager over plain HTTP.
        allowACMEByPass: c.certificate.type === "lets-encrypt",
        http: { redirections: { entryPoint: { permanent: true, scheme: "https", to: "websecure" } } },
      },
    };
  const nfs = c.storage.type === "nfs";
  const patches = [
    valuesPatch("cert-manager", "cert-manager", {
      cainjector: { nodeSelector: general },
      nodeSelector: general,
      startupapicheck: { nodeSelector: general },
      webhook: { nodeSelector: general },
    }),
    valuesPatch("traefik", "traefik", traefik),
    ...(nfs ? [valuesPatch("csi-driver-nfs", "kube-system", { controller: { nodeSelector: general } })] : []),
  ];
  return {
    path: `cluster-overlays/${c.name}/controllers/kustomization.yaml`,
    content: kustomization({
      resources: [
        `${UP}/blueprints/cert-manager`,
        `${UP}/blueprints/traefik`,
        ...(nfs ? [`${UP}/blueprints/csi-driver-nfs`] : []),
        // Chart sources of the platform layer; its HelmReleases live in the platform namespace.
        `${UP}/blueprints/jupyterhub`,
        `${UP}/blueprints/dask-gateway`,
      ],
      components: hasComponent(files, c.provider, "controllers")
        ? [`${UP}/overlays/${c.provider}/controllers`]
        : undefined,
      patches,
    }),
  };
}

function missing(c: ResolvedCluster, key: string): never {
  throw new BugError(`cluster ${c.name}: ${key} is missing (validation should have said so)`);
}

/** The in-cluster NFS server's address: the NFS CSI driver's node plugin resolves cluster DNS. */
function nfsServer(c: ResolvedCluster): string {
  return `${NFS_SERVICE}.${c.namespace}.svc.cluster.local`;
}

function sharedStorageClass(c: ResolvedCluster): StorageClass {
  const base = {
    metadata: { name: SHARED_CLASS },
    reclaimPolicy: "Retain" as const,
    allowVolumeExpansion: true,
  };
  if (c.storage.type === "nfs")
    // The shared claim binds to a PersistentVolume QHub writes (platform layer); the class names
    // it, and gives any further claim of this class a folder on the same server.
    return new StorageClass({
      ...base,
      allowVolumeExpansion: false,
      provisioner: "nfs.csi.k8s.io",
      parameters: { server: nfsServer(c), share: "/" },
      mountOptions: ["nfsvers=4.1"],
    });
  switch (c.provider) {
    case "aws":
      return new StorageClass({
        ...base,
        provisioner: "efs.csi.aws.com",
        parameters: {
          provisioningMode: "efs-ap",
          fileSystemId: c.cloud.efsFileSystemId ?? missing(c, "amazon_web_services.efs_file_system_id"),
          directoryPerms: "775",
          // An access point makes every file operation as one POSIX user: the one conda-store and
          // the notebooks run as, so that conda-store's chown of its prefixes is a no-op, not EPERM.
          uid: String(CONDA_STORE_OWNER.uid),
          gid: String(CONDA_STORE_OWNER.gid),
        },
      });
    case "gcp":
      return new StorageClass({
        ...base,
        provisioner: "filestore.csi.storage.gke.io",
        // BASIC_HDD; at least 1 TiB (a rule checks the size).
        parameters: { tier: "standard" },
      });
    case "azure":
      // NFS-protocol Azure Files (premium FileStorage): SMB shares mount without execute bits, so
      // the conda environments' binaries could not run from them.
      return new StorageClass({
        ...base,
        provisioner: "file.csi.azure.com",
        parameters: { protocol: "nfs", skuName: "Premium_LRS" },
        mountOptions: ["nconnect=4", "noresvport", "actimeo=30"],
      });
    default:
      throw new BugError(
        `provider ${c.provider} has no shared file storage class (validation should have said so)`,
      );
  }
}

function tlsObjects(c: ResolvedCluster): (ClusterIssuer | Certificate)[] {
  const cert = c.certificate;
  if (cert.type !== "lets-encrypt" && cert.type !== "self-signed") return [];
  const issuerName = cert.type === "lets-encrypt" ? "qhub-letsencrypt" : "qhub-selfsigned";
  const issuer =
    cert.type === "lets-encrypt"
      ? new ClusterIssuer({
          metadata: { name: issuerName },
          spec: {
            acme: {
              email: cert.acme_email,
              server: cert.acme_server,
              privateKeySecretRef: { name: "qhub-letsencrypt-account" },
              solvers: [{ http01: { ingress: { ingressClassName: "traefik" } } }],
            },
          },
        })
      : new ClusterIssuer({ metadata: { name: issuerName }, spec: { selfSigned: {} } });
  const certificate = new Certificate({
    metadata: { name: TLS_SECRET, namespace: c.namespace },
    spec: {
      secretName: TLS_SECRET,
      dnsNames: [c.domain],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuerName },
    },
  });
  return [
    checked(c.name, `ClusterIssuer ${issuerName}`, "certificate", issuer),
    checked(c.name, `Certificate ${TLS_SECRET}`, "certificate, domain", certificate),
  ];
}

function configs(c: ResolvedCluster, files: StaticFiles): OutputFile[] {
  const dir = `cluster-overlays/${c.name}/configs`;
  const nfs = c.storage.type === "nfs";
  const out: OutputFile[] = [];
  const resources: string[] = ["namespace.yaml"];
  out.push({
    path: `${dir}/namespace.yaml`,
    content: toYaml(
      checked(
        c.name,
        `Namespace ${c.namespace}`,
        "namespace",
        new Namespace({
          metadata: {
            name: c.namespace,
            labels: { "app.kubernetes.io/part-of": "qhub", "qhub.dev/project": c.projectName },
          },
        }),
      ),
    ),
  });
  if (nfs) {
    // Its own folder, so that Kustomize's namespace transformer touches only the NFS server: it
    // would also put cluster-scoped custom resources (the ClusterIssuer) into the namespace.
    resources.push("nfs-server");
    const up = `${UP}/..`;
    out.push({
      path: `${dir}/nfs-server/kustomization.yaml`,
      content: kustomization({
        namespace: c.namespace,
        resources: [`${up}/blueprints/nfs-server`],
        patches: [
          {
            patch: toYaml({
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              metadata: { name: "nfs-server-data" },
              spec: {
                resources: { requests: { storage: totalStorage(c) } },
                storageClassName: c.storage.blockClass,
              },
            }),
          },
          {
            patch: toYaml({
              apiVersion: "apps/v1",
              kind: "Deployment",
              metadata: { name: NFS_SERVICE },
              spec: { template: { spec: { nodeSelector: c.nodeGroups.general.nodeSelector } } },
            }),
          },
        ],
      }),
    });
  }
  resources.push("storageclass.yaml");
  out.push({
    path: `${dir}/storageclass.yaml`,
    content: toYaml(checked(c.name, `StorageClass ${SHARED_CLASS}`, "storage.type", sharedStorageClass(c))),
  });
  const tls = tlsObjects(c);
  if (tls.length > 0) {
    resources.push("tls.yaml");
    out.push({ path: `${dir}/tls.yaml`, content: toYamlDocuments(tls) });
  }
  out.push({
    path: `${dir}/kustomization.yaml`,
    content: kustomization({
      resources,
      // The cloud's block StorageClass `qhub-block` (the NFS server's disk, the hub's database).
      components: hasComponent(files, c.provider, "configs")
        ? [`${UP}/overlays/${c.provider}/configs`]
        : undefined,
    }),
  });
  return out;
}

function platform(c: ResolvedCluster, secrets: readonly OutputFile[], envDir: string): OutputFile[] {
  const dir = `cluster-overlays/${c.name}/platform`;
  const size = totalStorage(c);
  const objects: (PersistentVolume | PersistentVolumeClaim)[] = [];
  if (c.storage.type === "nfs") {
    // Mounted by the NFS CSI driver, whose node plugin resolves cluster DNS (the kubelet does not).
    const server = nfsServer(c);
    objects.push(
      checked(
        c.name,
        "PersistentVolume",
        "storage",
        new PersistentVolume({
          metadata: { name: `qhub-storage-${c.namespace}` },
          spec: {
            accessModes: ["ReadWriteMany"],
            capacity: { storage: size },
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: SHARED_CLASS,
            mountOptions: ["nfsvers=4.1"],
            claimRef: { namespace: c.namespace, name: STORAGE_CLAIM },
            // The server exports /exports as the NFSv4 root (fsid=0), so the share is "/".
            csi: {
              driver: "nfs.csi.k8s.io",
              volumeHandle: `${server}/##`,
              volumeAttributes: { server, share: "/" },
            },
          },
        }),
      ),
    );
  }
  objects.push(
    checked(
      c.name,
      `PersistentVolumeClaim ${STORAGE_CLAIM}`,
      "storage",
      new PersistentVolumeClaim({
        metadata: { name: STORAGE_CLAIM, namespace: c.namespace },
        spec: {
          accessModes: ["ReadWriteMany"],
          resources: { requests: { storage: size } },
          storageClassName: SHARED_CLASS,
          volumeName: c.storage.type === "nfs" ? `qhub-storage-${c.namespace}` : undefined,
        },
      }),
    ),
  );
  const hub = checked(
    c.name,
    "HelmRelease jupyterhub",
    "security, profiles.jupyterlab, theme, domain",
    jupyterhubRelease(c),
  );
  const gateway = checked(
    c.name,
    "HelmRelease dask-gateway",
    "profiles.dask_worker, environments",
    daskGatewayRelease(c),
  );
  return [
    ...secrets,
    { path: `${dir}/storage.yaml`, content: toYamlDocuments(objects) },
    { path: `${dir}/jupyterhub.yaml`, content: toYaml(hub) },
    {
      path: `${dir}/conda-store.yaml`,
      content: toYamlDocuments(
        condaStoreObjects(c).map((o) =>
          checked(c.name, `${o.kind ?? "object"} conda-store`, "environments", o),
        ),
      ),
    },
    { path: `${dir}/dask-gateway.yaml`, content: toYaml(gateway) },
    {
      path: `${dir}/kustomization.yaml`,
      content: kustomization({
        namespace: c.namespace,
        resources: [
          "storage.yaml",
          "jupyterhub.yaml",
          "dask-gateway.yaml",
          "conda-store.yaml",
          `${UP}/${envDir}`,
          ...secrets.map((f) => f.path.slice(dir.length + 1)),
        ],
      }),
    },
  ];
}

/**
 * Conda specs in the repository's environments/ (or environments/<cluster>/ for a cluster whose
 * set differs from the most common one), with a kustomization that makes them one ConfigMap for
 * conda-store. No hash suffix: conda-store watches the mounted files, so the name stays and the pod
 * need not restart. No namespace: each cluster's platform layer sets its own.
 */
function environmentFiles(dir: string, c: ResolvedCluster): OutputFile[] {
  return [
    ...c.environments.map((e) => ({ path: `${dir}/${e.file}`, content: toYaml(e.spec) })),
    {
      path: `${dir}/kustomization.yaml`,
      content: kustomization({
        generatorOptions: { disableNameSuffixHash: true, labels: { "app.kubernetes.io/part-of": "qhub" } },
        configMapGenerator: [{ name: ENVIRONMENTS_CONFIGMAP, files: c.environments.map((e) => e.file) }],
      }),
    },
  ];
}

/** Where each cluster's specs go: the set most clusters share in environments/, others beside it. */
function environmentDirs(clusters: readonly ResolvedCluster[]): Map<string, string> {
  const key = (c: ResolvedCluster) => JSON.stringify(c.environments);
  const counts = new Map<string, number>();
  for (const c of clusters) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
  let shared = "";
  let most = 0;
  for (const c of clusters) {
    const n = counts.get(key(c)) ?? 0;
    if (n > most) [shared, most] = [key(c), n];
  }
  return new Map(
    clusters.map((c) => [c.name, key(c) === shared ? "environments" : `environments/${c.name}`]),
  );
}

function cluster(
  c: ResolvedCluster,
  files: StaticFiles,
  secrets: readonly OutputFile[],
  envDir: string,
): OutputFile[] {
  for (const f of secrets)
    if (!f.path.startsWith(`cluster-overlays/${c.name}/platform/secrets/`))
      throw new BugError(`cluster ${c.name}: encrypted Secret ${f.path} is outside its platform layer`);
  const names = secretNames(secrets);
  return [
    { path: `clusters/${c.name}/qhub.yaml`, content: fluxKustomizations(c, names) },
    controllers(c, files),
    ...configs(c, files),
    ...platform(c, secrets, envDir),
  ];
}

/** Secret names from their files' names (`NAME.sops.yaml`). */
export function secretNames(secrets: readonly OutputFile[]): string[] {
  return secrets.map((f) => f.path.replace(/^.*\//, "").replace(/\.sops\.yaml$/, "")).sort();
}

/** Every file of the rendered repository, sorted by path. */
export function buildRepository(
  config: ResolvedConfig,
  files: StaticFiles,
  secrets: Readonly<Record<string, readonly OutputFile[]>> = {},
  readmePath: string = DEFAULT_README,
): OutputFile[] {
  const envDirs = environmentDirs(config.clusters);
  // Only the clouds the clusters run on: reviewers of an AWS platform need not read DigitalOcean's.
  const clouds = new Set(config.clusters.map((c) => c.provider));
  const out: OutputFile[] = [
    ...files.blueprints,
    ...files.overlays.filter((f) => {
      const cloud = /^overlays\/([^/]+)\//.exec(f.path)?.[1];
      return cloud === undefined || clouds.has(cloud as Provider);
    }),
    ...config.clusters.flatMap((c) =>
      cluster(c, files, secrets[c.name] ?? [], envDirs.get(c.name) ?? "environments"),
    ),
    ...[...new Map(config.clusters.map((c) => [envDirs.get(c.name), c])).entries()].flatMap(([dir, c]) =>
      environmentFiles(dir ?? "environments", c),
    ),
    { path: readmePath, content: renderReadme(config, secrets) },
    ...renderWorkflows(config),
  ];
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
