// Schema validation of any Kubernetes object QHub renders, by apiVersion and kind, with the
// typed models of @kubernetes-models (Kubernetes, Flux, cert-manager, prometheus-operator,
// Karpenter and GKE CRDs), and CRD schemas kept as data (crds/) for kinds no package models.
import { ComputeClass } from "@kubernetes-models/gke/cloud.google.com/v1/ComputeClass";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { AKSNodeClass } from "./crd-models.js";
import { Certificate, ClusterIssuer, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { Alert, Provider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3";
import {
  GitRepository,
  HelmRepository,
  OCIRepository,
} from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { DaemonSet, Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress, IngressClass, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1";
import {
  ConfigMap,
  Namespace,
  PersistentVolume,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: never): { validate(): void };
}

const MODELS = [
  Namespace,
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  PersistentVolume,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
  DaemonSet,
  Job,
  Ingress,
  IngressClass,
  NetworkPolicy,
  Role,
  RoleBinding,
  ClusterRole,
  ClusterRoleBinding,
  StorageClass,
  Kustomization,
  HelmRelease,
  HelmRepository,
  GitRepository,
  OCIRepository,
  Provider,
  Alert,
  Certificate,
  ClusterIssuer,
  Issuer,
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
  NodePool,
  EC2NodeClass,
  ComputeClass,
  AKSNodeClass,
] as unknown as readonly ModelClass[];

const BY_TYPE = new Map(MODELS.map((m) => [`${m.apiVersion}/${m.kind}`, m]));

export type ValidationOutcome =
  { status: "valid" } | { status: "invalid"; message: string } | { status: "unknown" };

/** Validates one object against its schema; kinds QHub has no schema for are "unknown", not valid. */
export function validateObject(object: { apiVersion?: unknown; kind?: unknown }): ValidationOutcome {
  const model = BY_TYPE.get(`${String(object.apiVersion)}/${String(object.kind)}`);
  if (!model) return { status: "unknown" };
  try {
    new model(object as never).validate();
    return { status: "valid" };
  } catch (err) {
    return { status: "invalid", message: err instanceof Error ? err.message : String(err) };
  }
}

/** The apiVersions QHub has a schema of `kind` at, e.g. ["apps/v1"] for Deployment. */
export function knownVersionsOf(kind: string): string[] {
  return MODELS.filter((m) => m.kind === kind)
    .map((m) => m.apiVersion)
    .sort();
}
