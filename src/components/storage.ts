// Shared storage: one ReadWriteMany claim, `qhub-storage`, that holds the home folders, the group
// folders and the conda environments. Two backends: `nfs` (QHub runs NFS-Ganesha on a block disk
// and installs the NFS CSI driver, on every cloud) and `cloud` (the cloud's file service through
// its CSI driver: EFS, Filestore, Azure Files over NFS). Every claim names a StorageClass (EKS >=
// 1.30 has no default one); `qhub-block` (the per-cloud overlay) is the block class.
import { PersistentVolume, PersistentVolumeClaim } from "kubernetes-models/v1";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1";
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.js";
import { BugError } from "../errors.js";
import { toYaml, toYamlDocuments } from "../render/emit.js";
import type { Component } from "./types.js";
import { checked, kustomization, missing, totalStorage, valuesPatch } from "./kit.js";

export const STORAGE_CLAIM = "qhub-storage";
/** QHub's shared (ReadWriteMany) StorageClass. */
export const SHARED_CLASS = "qhub-shared";
/**
 * The POSIX owner of conda-store's builds and of the notebooks' files (z2jh's jovyan, group users):
 * EFS access points enforce it, conda-store chowns its prefixes to it.
 */
export const PLATFORM_OWNER = { uid: 1000, gid: 100 } as const;
const NFS_SERVICE = "nfs-server";

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
          uid: String(PLATFORM_OWNER.uid),
          gid: String(PLATFORM_OWNER.gid),
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

/**
 * How a team that ran Nebari (or QHub 0.x, whose layout Nebari kept) keeps its cluster and data.
 * Nebari's shared claim `jupyterhub-<namespace>-share` held `home/<user>` and `shared/<group>`,
 * the layout of `qhub-storage`; its conda-store kept environments on `conda-store-<namespace>-share`
 * as `<conda-store namespace>/envs/<name>` (Nebari's 03-profiles.py and conda-store module).
 */
function fromNebari(config: ResolvedConfig): string {
  const namespaces = [...new Set(config.clusters.map((c) => c.namespace))].sort();
  const ns = namespaces.length === 1 ? namespaces[0]! : "NAMESPACE";
  return [
    "`qhub upgrade` turns a `nebari-config.yaml` (Nebari 2022.x to 2026.x) into this config. QHub creates no cluster:",
    "keep the one Nebari built. The config names Nebari's node groups, and QHub places pods on them by the",
    "node-pool label each cloud gives its nodes (EKS node group, GKE node pool, AKS agent pool name), so the",
    "pools stay as they are. Never run `nebari destroy`: it deletes the cluster and its disks.",
    "",
    `1. Stop Nebari's services in namespace \`${ns}\` before Flux applies the platform there: \`helm list -n ${ns}\``,
    "   shows them (JupyterHub, Dask Gateway, conda-store, Keycloak, Traefik, monitoring); `helm uninstall` each.",
    "   Their PersistentVolumeClaims stay: `kubectl get pvc -n " +
      ns +
      "` lists `jupyterhub-" +
      ns +
      "-share`",
    "   (home and shared folders) and `conda-store-" +
      ns +
      "-share` (conda environments). Keep them, and the",
    "   volumes behind them, until the data is copied (a claim's volume with reclaim policy Delete goes with",
    '   the claim: `kubectl patch pv NAME -p \'{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}\'` first).',
    "2. Home folders and group folders: Nebari kept `home/<user>` and `shared/<group>` on its shared claim,",
    "   exactly where QHub keeps them on `qhub-storage`. Once Flux has made `qhub-storage`, copy them with a",
    "   pod that mounts both claims (e.g. at /from and /to) and runs",
    "   `cp -a /from/home /from/shared /to/` (or `rsync -a`), as user 1000 or root. QHub's own volume is a",
    "   new disk (`storage.type: nfs`) or a folder QHub's storage class makes on the cloud's file service",
    "   (`storage.type: cloud`; Nebari's EFS file system can be the one `amazon_web_services.efs_file_system_id`",
    "   names, and the copy then stays on it); it cannot take over Nebari's volume in place.",
    "3. Conda environments: QHub's conda-store builds the config's `environments` (the upgrade kept Nebari's)",
    "   into `conda/envs/<name>` on `qhub-storage`; they need no copy. Environments users built in",
    "   Nebari's conda-store (`conda-store-" + ns + "-share`, as `<namespace>/envs/<name>`) are not",
    "   rebuilt: export each (`conda env export -p PATH`, or conda-store's UI) and add it to `environments`.",
    "4. Users and groups lived in Nebari's Keycloak: `security.users` and `security.groups` (or the",
    "   GitHub organisations / Auth0 tenant) decide who logs in now; a user's files are theirs by name.",
  ].join("\n");
}

/** The NFS server's own folder, so that Kustomize's namespace transformer touches only it. */
function nfsServerFolder(c: ResolvedCluster, up: string) {
  return {
    path: "nfs-server/kustomization.yaml",
    content: kustomization({
      namespace: c.namespace,
      resources: [`${up}/../blueprints/nfs-server`],
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
  };
}

function claimObjects(c: ResolvedCluster): (PersistentVolume | PersistentVolumeClaim)[] {
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
  return objects;
}

/** The CSI drivers and cloud services the shared and block classes need. */
function needs(c: ResolvedCluster): string[] {
  const nfs = c.storage.type === "nfs";
  const block = `the \`${c.storage.blockClass}\` class for the hub's database${nfs ? " and the NFS server's disk" : ""}`;
  const items: string[] = [];
  switch (c.provider) {
    case "aws":
      items.push(
        `Amazon EBS CSI driver (EKS add-on \`aws-ebs-csi-driver\`, with an IAM role that has \`AmazonEBSCSIDriverPolicy\`): ${block} (gp3).`,
      );
      if (!nfs)
        items.push(
          `Amazon EFS CSI driver (EKS add-on \`aws-efs-csi-driver\`, IAM role with \`AmazonEFSCSIDriverPolicy\`), and EFS file system \`${c.cloud.efsFileSystemId ?? ""}\` with a mount target in each of the cluster's subnets and a security group that admits NFS (TCP 2049) from the nodes: the \`${SHARED_CLASS}\` class makes one access point per claim, owned by uid ${PLATFORM_OWNER.uid}, gid ${PLATFORM_OWNER.gid} (the user conda-store and the notebooks run as).`,
        );
      break;
    case "gcp":
      items.push(`Compute Engine persistent disk CSI driver (on by default in GKE): ${block} (pd-balanced).`);
      if (!nfs)
        items.push(
          `Filestore CSI driver (\`gcloud container clusters update CLUSTER --update-addons=GcpFilestoreCsiDriver=ENABLED\`) and the Filestore API (\`gcloud services enable file.googleapis.com\`): the \`${SHARED_CLASS}\` class makes a BASIC_HDD instance, at least 1 TiB.`,
        );
      break;
    case "azure":
      items.push(`Azure Disk CSI driver (on by default in AKS): ${block} (StandardSSD_LRS).`);
      if (!nfs)
        items.push(
          `Azure Files CSI driver (on by default in AKS; \`az aks update --enable-file-driver\` if it was turned off): the \`${SHARED_CLASS}\` class makes NFS shares on premium FileStorage (at least 100 GiB) reachable from the cluster's virtual network. NFS, not SMB: SMB shares mount without execute bits and the environments' binaries could not run.`,
        );
      break;
    case "do":
      items.push(`DigitalOcean block storage CSI driver (built into DOKS): ${block}.`);
      break;
    case "local":
    case "existing":
      items.push(
        c.storage.blockClass
          ? `A StorageClass named \`${c.storage.blockClass}\` (\`storage.storage_class\`; \`kubectl get storageclass\` lists the cluster's): ${block}.`
          : `A default StorageClass, for the hub's database${nfs ? " and the NFS server's disk" : ""}: \`storage.storage_class\` names none (claims without a class stay Pending on a cluster without a default).`,
      );
      break;
  }
  if (nfs)
    items.push(
      "Nothing else for shared storage: QHub installs the NFS CSI driver (its node plugin resolves the server's Service name, which the kubelet cannot) and runs NFS-Ganesha, a userspace NFS server (`registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8`: no nfsd kernel module on the node, not privileged).",
    );
  return items;
}

export const storage: Component = {
  id: "storage",
  title: "shared storage",
  layout: {
    controllers: "NFS CSI driver",
    configs: "NFS server, StorageClasses (qhub-shared, qhub-block)",
    platform: "shared storage claim",
  },
  dependsOn: ["namespace"],
  charts: [{ name: "csi-driver-nfs", version: "4.12.1", repository: "csi-driver-nfs" }],
  blueprints: ["csi-driver-nfs", "nfs-server"],
  owns: ["nfs-server", "storageclass.yaml", "storage.yaml"],
  render(c, { up }) {
    const nfs = c.storage.type === "nfs";
    const storageClass = checked(
      c.name,
      `StorageClass ${SHARED_CLASS}`,
      "storage.type",
      sharedStorageClass(c),
    );
    return {
      controllers: nfs
        ? {
            summary: ["NFS CSI driver"],
            resources: [`${up}/blueprints/csi-driver-nfs`],
            patches: [
              valuesPatch("csi-driver-nfs", "kube-system", {
                controller: { nodeSelector: c.nodeGroups.general.nodeSelector },
              }),
            ],
          }
        : undefined,
      configs: {
        summary: [nfs ? "NFS server" : `${c.provider} shared file storage class`],
        files: [
          ...(nfs ? [nfsServerFolder(c, up)] : []),
          { path: "storageclass.yaml", content: toYaml(storageClass) },
        ],
        resources: [...(nfs ? ["nfs-server"] : []), "storageclass.yaml"],
      },
      platform: {
        summary: ["shared storage claim"],
        files: [{ path: "storage.yaml", content: toYamlDocuments(claimObjects(c)) }],
        resources: ["storage.yaml"],
      },
    };
  },
  readme: { needs, sections: (config) => [{ title: "Moving over from Nebari", body: fromNebari(config) }] },
  check(ctx) {
    // The NFS server's Service must be where the shared volume's CSI attributes say.
    for (const { object, file, id } of ctx.objects) {
      if (object.kind !== "PersistentVolume") continue;
      const attrs = (object.spec as { csi?: { driver?: string; volumeAttributes?: { server?: string } } })
        ?.csi;
      const server = attrs?.driver === "nfs.csi.k8s.io" ? attrs.volumeAttributes?.server : undefined;
      const m = server ? /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(server) : null;
      if (server && m && !ctx.exists("Service", m[1]!, m[2]))
        ctx.report({
          file,
          object: id,
          message: `mounts NFS server ${server}, but no Service ${m[2]}/${m[1]} is applied`,
          hint: "apply the NFS server (blueprints/nfs-server) in that namespace, or correct the server's name",
        });
    }
  },
};
