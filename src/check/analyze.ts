// The checks of `qhub check` (SPEC §7), pure: what Flux will apply in one cluster in, findings out.
// The render tests run the same checks on every rendered tree.
import type { KubeObject } from "./kustomize.js";
import { knownVersionsOf, validateObject } from "../kube/models.js";
import { COMPONENTS } from "../components/registry.js";
import type { CheckContext, Component } from "../components/types.js";

/** One Flux Kustomization of the cluster (or the bootstrap's own, for the entry folder). */
export interface Unit {
  name: string;
  namespace: string;
  /** Where it is declared (a file of the repository). */
  file: string;
  /** The folder it builds, relative to the repository root. */
  path: string;
  spec: Record<string, unknown>;
  /** What Kustomize built from `path`; undefined when the path is missing or does not build. */
  objects?: KubeObject[];
}

export interface Finding {
  cluster: string;
  /** The file or folder the finding is about. */
  file: string;
  /** Kind/namespace/name of the object, or "" for a whole path. */
  object: string;
  message: string;
  hint: string;
  /** `error` fails the check; `note` reports what could not be checked. */
  severity: "error" | "note";
}

export interface ClusterInput {
  cluster: string;
  units: Unit[];
  /** Objects that exist without this repository: `Kind/namespace/name`. */
  external: ReadonlySet<string>;
  /** Validates a HelmRelease's values, when its chart's schema is known. */
  helmValues?: (chart: string, version: string, values: unknown) => string[] | undefined;
  /** The components whose own checks run too (default: the registry's). */
  components?: readonly Pick<Component, "id" | "check">[];
}

const SYSTEM_NAMESPACES = new Set([
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "flux-system",
]);

/** Kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "PersistentVolume",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "ClusterIssuer",
  "CustomResourceDefinition",
  "IngressClass",
  "PriorityClass",
  "CSIDriver",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "APIService",
  "NodePool",
  "EC2NodeClass",
  "ComputeClass",
  "AKSNodeClass",
]);

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const kindOf = (o: KubeObject) => str(o.kind);
const nameOf = (o: KubeObject) => str(o.metadata?.name);
const nsOf = (o: KubeObject) => str(o.metadata?.namespace);
export const idOf = (o: KubeObject): string => `${kindOf(o)}/${nsOf(o)}/${nameOf(o)}`.replace("//", "/");
const specOf = (o: KubeObject) =>
  typeof o.spec === "object" && o.spec !== null ? (o.spec as Record<string, unknown>) : {};

interface Placed {
  object: KubeObject;
  unit: Unit;
}

export function analyzeCluster(input: ClusterInput): Finding[] {
  const { cluster, units } = input;
  const findings: Finding[] = [];
  const add = (
    unit: Unit,
    object: string,
    message: string,
    hint: string,
    severity: Finding["severity"] = "error",
  ) => findings.push({ cluster, file: unit.path, object, message, hint, severity });

  const placed: Placed[] = units.flatMap((unit) => (unit.objects ?? []).map((object) => ({ object, unit })));
  const index = new Map<string, Placed[]>();
  for (const p of placed) {
    const key = `${kindOf(p.object)}/${nsOf(p.object)}/${nameOf(p.object)}`;
    index.set(key, [...(index.get(key) ?? []), p]);
  }
  // A Kustomization that did not build may hold what others refer to: then a missing target
  // proves nothing, and the build failure is the finding to fix first.
  const unbuilt = units.filter((u) => u.objects === undefined);
  const exists = (kind: string, name: string, namespace = "") =>
    unbuilt.length > 0 ||
    index.has(`${kind}/${namespace}/${name}`) ||
    input.external.has(`${kind}/${namespace}/${name}`.replace("//", "/"));
  if (unbuilt.length > 0)
    findings.push({
      cluster,
      file: unbuilt[0]!.path,
      object: "",
      message: `references and namespaces not checked: ${unbuilt.map((u) => u.name).join(", ")} did not build`,
      hint: "",
      severity: "note",
    });

  /**
   * A reference of `id` (applied by `file`) to `kind namespace/name`: a finding when Flux will not
   * apply the target, with Kustomize's hash-suffixed name as the hint when that is why.
   */
  const refer = (
    file: string,
    id: string,
    what: string,
    kind: string,
    name: string | undefined,
    namespace: string,
    hint = "add it, correct the name, or list it with --external KIND/NAMESPACE/NAME when it is created outside this repository",
  ) => {
    if (!name || exists(kind, name, namespace)) return;
    const hashed = [...index.keys()].find((k) =>
      new RegExp(`^${kind}/${namespace}/${name}-[a-z0-9]{10}$`).test(k),
    );
    findings.push({
      cluster,
      file,
      object: id,
      message: `${what} names ${kind} ${namespace ? `${namespace}/` : ""}${name}, which Flux will not apply`,
      hint: hashed
        ? `Kustomize named the generated object ${hashed.split("/")[2]} (a hash suffix); set generatorOptions.disableNameSuffixHash: true, or refer to it where Kustomize rewrites names`
        : hint,
      severity: "error",
    });
  };

  // Duplicates: Flux would fight itself over the object.
  for (const [key, list] of index) {
    if (list.length > 1)
      add(
        list[1]!.unit,
        key.replace("//", "/"),
        `is applied ${list.length} times (by ${[...new Set(list.map((p) => p.unit.name))].join(", ")})`,
        "keep one definition; Flux Kustomizations must not own the same object",
      );
  }

  // dependsOn: every name exists, and the graph has no cycle.
  const unitKey = (u: { name: string; namespace: string }) => `${u.namespace}/${u.name}`;
  const byKey = new Map(units.map((u) => [unitKey(u), u]));
  const edges = new Map<string, string[]>();
  for (const u of units) {
    const deps = (u.spec.dependsOn as { name?: string; namespace?: string }[] | undefined) ?? [];
    const keys: string[] = [];
    for (const d of deps) {
      const key = `${d.namespace ?? u.namespace}/${d.name ?? ""}`;
      if (!byKey.has(key))
        add(
          u,
          `Kustomization/${u.namespace}/${u.name}`,
          `dependsOn names ${d.name ?? "(no name)"}, which is not a Flux Kustomization of this cluster`,
          "correct the name, or add that Kustomization",
        );
      else keys.push(key);
    }
    edges.set(unitKey(u), keys);
  }
  for (const cycle of findCycles(edges)) {
    const first = byKey.get(cycle[0] ?? "");
    if (first)
      add(
        first,
        `Kustomization/${first.namespace}/${first.name}`,
        `dependsOn forms a cycle: ${[...cycle, cycle[0]].map((k) => (k ?? "").split("/")[1]).join(" -> ")}`,
        "remove one of these dependsOn entries; Flux would wait forever",
      );
  }

  for (const { object, unit } of placed) {
    const id = idOf(object);
    const kind = kindOf(object);
    const spec = specOf(object);

    // Schema.
    const outcome = validateObject(object);
    if (outcome.status === "invalid")
      add(unit, id, `does not match the ${kind} schema: ${outcome.message}`, "fix the field named");
    else if (outcome.status === "unknown") {
      const served = knownVersionsOf(kind);
      if (served.length > 0)
        add(
          unit,
          id,
          `apiVersion ${str(object.apiVersion)} does not serve ${kind}`,
          `use apiVersion ${served.join(" or ")}`,
        );
      else add(unit, id, `not checked: no schema for ${str(object.apiVersion)} ${kind}`, "", "note");
    }

    // Namespaces.
    const ns = nsOf(object);
    if (ns !== "" && CLUSTER_SCOPED.has(kind))
      add(
        unit,
        id,
        `is cluster-scoped but carries namespace ${ns}`,
        "remove it; a Kustomize `namespace:` sets it on custom resources Kustomize does not know, so keep those out of that kustomization",
      );
    if (ns !== "" && !SYSTEM_NAMESPACES.has(ns) && !exists("Namespace", ns))
      add(
        unit,
        id,
        `is in namespace ${ns}, which nothing here creates`,
        `add a Namespace ${ns} to a Kustomization this one depends on`,
      );
    if (ns === "" && !CLUSTER_SCOPED.has(kind) && outcome.status !== "unknown" && !unit.spec.targetNamespace)
      add(
        unit,
        id,
        "has no namespace",
        "set metadata.namespace, a Kustomize `namespace:`, or the Flux Kustomization's targetNamespace",
      );

    // Secrets in plain text.
    if (kind === "Secret" && (object.data || object.stringData) && !object.sops)
      add(
        unit,
        id,
        "carries data in plain text",
        "encrypt it with SOPS (age) and set `decryption: { provider: sops }` on its Flux Kustomization",
      );
    if (object.sops && !(unit.spec.decryption as { provider?: string } | undefined)?.provider)
      add(
        unit,
        id,
        "is SOPS-encrypted, but its Flux Kustomization does not decrypt",
        "set `decryption: { provider: sops, secretRef: { name: sops-age } }`",
      );

    // References.
    const ref = (
      what: string,
      refKind: string,
      name: string | undefined,
      namespace: string,
      optional = false,
    ) => {
      if (!optional) refer(unit.path, id, what, refKind, name, namespace);
    };
    if (kind === "Kustomization" && str(object.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/")) {
      const src = spec.sourceRef as { kind?: string; name?: string; namespace?: string } | undefined;
      ref("sourceRef", src?.kind ?? "GitRepository", src?.name, src?.namespace ?? ns);
      const dec = spec.decryption as { secretRef?: { name?: string } } | undefined;
      ref("decryption.secretRef", "Secret", dec?.secretRef?.name, ns);
    }
    if (kind === "HelmRelease") {
      const chart = (
        spec.chart as
          | {
              spec?: {
                chart?: string;
                version?: string;
                sourceRef?: { kind?: string; name?: string; namespace?: string };
              };
            }
          | undefined
      )?.spec;
      if (chart)
        ref(
          "chart.spec.sourceRef",
          chart.sourceRef?.kind ?? "HelmRepository",
          chart.sourceRef?.name,
          chart.sourceRef?.namespace ?? ns,
        );
      const chartRef = spec.chartRef as { kind?: string; name?: string; namespace?: string } | undefined;
      if (chartRef)
        ref("chartRef", chartRef.kind ?? "OCIRepository", chartRef.name, chartRef.namespace ?? ns);
      for (const v of (spec.valuesFrom as
        { kind?: string; name?: string; optional?: boolean }[] | undefined) ?? [])
        ref("valuesFrom", v.kind ?? "ConfigMap", v.name, ns, v.optional);
      if (chart?.chart && chart.version && input.helmValues) {
        const problems = input.helmValues(chart.chart, chart.version, spec.values ?? {});
        if (problems === undefined)
          add(
            unit,
            id,
            `values not checked: no schema for chart ${chart.chart} ${chart.version}`,
            "the chart publishes no values schema that QHub ships (charts/); pass --chart-schemas DIR with one to check these values",
            "note",
          );
        else
          for (const p of problems)
            add(
              unit,
              id,
              `values do not fit chart ${chart.chart} ${chart.version}: ${p}`,
              "correct the value, or remove it: Helm validates values against the chart's schema",
            );
      }
    }
    if (kind === "PersistentVolumeClaim")
      ref("volumeName", "PersistentVolume", str(spec.volumeName) || undefined, "");
    if (kind === "Certificate") {
      const issuer = spec.issuerRef as { kind?: string; name?: string } | undefined;
      ref("issuerRef", issuer?.kind ?? "Issuer", issuer?.name, issuer?.kind === "ClusterIssuer" ? "" : ns);
    }
    const pod = podSpecOf(object);
    for (const v of (pod?.volumes as
      | Record<string, { claimName?: string; name?: string; secretName?: string; optional?: boolean }>[]
      | undefined) ?? []) {
      ref("volume claimName", "PersistentVolumeClaim", v.persistentVolumeClaim?.claimName, ns);
      ref("volume configMap", "ConfigMap", v.configMap?.name, ns, v.configMap?.optional);
      ref("volume secret", "Secret", v.secret?.secretName, ns, v.secret?.optional);
    }
    // A container whose env names a missing Secret or ConfigMap never starts (CreateContainerConfigError).
    type Ref = { name?: string; optional?: boolean };
    type Container = {
      env?: { valueFrom?: { secretKeyRef?: Ref; configMapKeyRef?: Ref } }[];
      envFrom?: { secretRef?: Ref; configMapRef?: Ref }[];
    };
    const containers = [
      ...((pod?.containers as Container[] | undefined) ?? []),
      ...((pod?.initContainers as Container[] | undefined) ?? []),
    ];
    for (const c of containers) {
      for (const e of c.envFrom ?? []) {
        ref("envFrom secretRef", "Secret", e.secretRef?.name, ns, e.secretRef?.optional);
        ref("envFrom configMapRef", "ConfigMap", e.configMapRef?.name, ns, e.configMapRef?.optional);
      }
      for (const e of c.env ?? []) {
        const from = e.valueFrom;
        ref("env secretKeyRef", "Secret", from?.secretKeyRef?.name, ns, from?.secretKeyRef?.optional);
        ref(
          "env configMapKeyRef",
          "ConfigMap",
          from?.configMapKeyRef?.name,
          ns,
          from?.configMapKeyRef?.optional,
        );
      }
    }
  }

  // ${var} substitutions of Flux's postBuild.
  for (const unit of units) {
    const post = unit.spec.postBuild as
      | {
          substitute?: Record<string, string>;
          substituteFrom?: { kind?: string; name?: string; optional?: boolean }[];
        }
      | undefined;
    if (!post || !unit.objects) continue;
    const defined = new Set(Object.keys(post.substitute ?? {}));
    for (const from of post.substituteFrom ?? []) {
      const source = index.get(`${from.kind ?? "ConfigMap"}/${unit.namespace}/${from.name ?? ""}`)?.[0]
        ?.object;
      for (const k of Object.keys({ ...(source?.data as object), ...(source?.stringData as object) }))
        defined.add(k);
      if (!source && !from.optional)
        add(
          unit,
          `Kustomization/${unit.namespace}/${unit.name}`,
          `postBuild.substituteFrom names ${from.kind ?? "ConfigMap"} ${from.name ?? ""}, which Flux will not apply in ${unit.namespace}`,
          "add it to a Kustomization this one depends on",
        );
    }
    for (const object of unit.objects)
      for (const name of substitutionsIn(object))
        if (!defined.has(name))
          add(
            unit,
            idOf(object),
            `uses \${${name}}, which postBuild of ${unit.name} does not define`,
            `add ${name} to postBuild.substitute, give it a default (\${${name}:=value}), or escape it as $\${${name}}`,
          );
  }

  // Each component's own checks, over everything Flux would apply here.
  const context: CheckContext = {
    cluster,
    objects: placed.map(({ object, unit }) => ({
      object,
      id: idOf(object),
      namespace: nsOf(object),
      file: unit.path,
    })),
    exists: (kind, name, namespace = "") => exists(kind, name, namespace),
    refer: (from, what, kind, name, namespace = from.namespace, hint) =>
      refer(from.file, from.id, what, kind, typeof name === "string" ? name : undefined, namespace, hint),
    report: (f) => findings.push({ ...f, cluster, severity: f.severity ?? "error" }),
  };
  for (const k of input.components ?? COMPONENTS) k.check?.(context);
  return findings;
}

function podSpecOf(o: KubeObject): Record<string, unknown> | undefined {
  const spec = specOf(o);
  if (kindOf(o) === "Pod") return spec;
  const template = (
    kindOf(o) === "CronJob"
      ? (spec.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template
      : spec.template
  ) as { spec?: Record<string, unknown> } | undefined;
  return template?.spec;
}

/** Names of `${var}` Flux would substitute (not `$${var}`, not `${var:=default}` / `${var:-default}`). */
export function substitutionsIn(object: unknown): string[] {
  const names: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === "string") {
      for (const m of v.matchAll(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[=-][^}]*)?\}/g))
        if (m[1] === "" && m[3] === undefined && m[2]) names.push(m[2]);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(object);
  return [...new Set(names)].sort();
}

/** Each cycle once, as the list of its nodes. */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (node: string) => {
    state.set(node, "visiting");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "visiting") {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(",");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
