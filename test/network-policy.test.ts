// Where NetworkPolicies are enforced (DOKS/Cilium, GKE Dataplane V2, k3s), may a notebook reach its
// Dask scheduler, and nothing more? The policies are those the rendered repository makes: z2jh
// 4.4.0's singleuser policy built from the rendered values (as jupyterhub/templates/singleuser/
// netpol.yaml and _helpers-netpol.tpl render it) and the NetworkPolicies QHub writes itself. A
// small evaluator applies Kubernetes' NetworkPolicy semantics to pods labelled as the charts label
// them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { helmMerge } from "../src/kube/chart-values.js";
import { ROOT } from "./helpers.js";
import { parsedFile, platformConfigs, renderConfig, renderedObjects } from "./rendered.js";

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PortRule {
  port?: number | string;
  protocol?: string;
}
interface Rule {
  to?: Peer[];
  from?: Peer[];
  ports?: PortRule[];
}
interface Policy {
  namespace: string;
  podSelector: Selector;
  policyTypes: string[];
  ingress?: Rule[];
  egress?: Rule[];
}
interface Pod {
  name: string;
  namespace: string;
  labels: Labels;
  ip: string;
  /** Named container ports. */
  ports?: Record<string, number>;
}

const matches = (sel: Selector | undefined, labels: Labels) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const block = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / block) === Math.floor(ipToInt(base!) / block);
}

/** Kubernetes' peer semantics: podSelector alone is the policy's namespace; ipBlock by address. */
function peerMatches(
  peer: Peer,
  policyNs: string,
  pod: Pod,
  namespaceLabels: (ns: string) => Labels,
): boolean {
  if (peer.ipBlock)
    return inCidr(pod.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(pod.ip, c));
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, namespaceLabels(pod.namespace))
    : pod.namespace === policyNs;
  return nsOk && (peer.podSelector ? matches(peer.podSelector, pod.labels) : true);
}

function portMatches(rules: PortRule[] | undefined, pod: Pod, port: number, protocol: string): boolean {
  if (!rules || rules.length === 0) return true;
  return rules.some((r) => {
    if ((r.protocol ?? "TCP") !== protocol) return false;
    if (r.port === undefined) return true;
    return typeof r.port === "number" ? r.port === port : pod.ports?.[r.port] === port;
  });
}

function direction(
  policies: Policy[],
  subject: Pod,
  peer: Pod,
  port: number,
  protocol: string,
  kind: "Egress" | "Ingress",
  namespaceLabels: (ns: string) => Labels,
): boolean {
  const selecting = policies.filter(
    (p) =>
      p.namespace === subject.namespace &&
      p.policyTypes.includes(kind) &&
      matches(p.podSelector, subject.labels),
  );
  if (selecting.length === 0) return true;
  // The port is the destination's: for egress the peer's, for ingress the subject's own.
  const target = kind === "Egress" ? peer : subject;
  return selecting.some((p) =>
    (kind === "Egress" ? p.egress : p.ingress)?.some(
      (r) =>
        (r[kind === "Egress" ? "to" : "from"] ?? [{}]).some((x) =>
          Object.keys(x).length === 0 ? true : peerMatches(x, p.namespace, peer, namespaceLabels),
        ) && portMatches(r.ports, target, port, protocol),
    ),
  );
}

/** Whether `from` may open a connection to `to` on `port`, under every policy. */
function allowed(policies: Policy[], from: Pod, to: Pod, port: number, protocol = "TCP"): boolean {
  const nsLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });
  return (
    direction(policies, from, to, port, protocol, "Egress", nsLabels) &&
    direction(policies, to, from, port, protocol, "Ingress", nsLabels)
  );
}

const Z2JH_DEFAULTS = parse(
  readFileSync(join(ROOT, "charts", "jupyterhub-4.4.0.values.yaml"), "utf8"),
) as unknown;

/** z2jh 4.4.0's legacy match labels (jupyterhub.matchLabels) for a component, release `jupyterhub`. */
const z2jh = (component: string): Labels => ({ app: "jupyterhub", release: "jupyterhub", component });

interface NetpolValues {
  enabled: boolean;
  egress: Rule[];
  egressAllowRules: Record<string, boolean>;
}

/**
 * The singleuser NetworkPolicy z2jh 4.4.0 renders from these values (templates/singleuser/netpol.yaml
 * with _helpers-netpol.tpl's jupyterhub.networkPolicy.renderEgressRules); egress only.
 */
function singleuserPolicy(values: unknown, namespace: string): Policy | undefined {
  const merged = helmMerge(Z2JH_DEFAULTS, values) as {
    singleuser: { networkPolicy: NetpolValues; cloudMetadata: { ip: string } };
  };
  const np = merged.singleuser.networkPolicy;
  if (!np.enabled) return undefined;
  const allow = np.egressAllowRules;
  const metadata = `${merged.singleuser.cloudMetadata.ip}/32`;
  const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
  const egress: Rule[] = [
    { to: [{ podSelector: { matchLabels: z2jh("hub") } }], ports: [{ port: 8081 }] },
    { to: [{ podSelector: { matchLabels: z2jh("proxy") } }], ports: [{ port: 8000 }] },
    { to: [{ podSelector: { matchLabels: z2jh("autohttps") } }], ports: [{ port: 8080 }, { port: 8443 }] },
  ];
  if (allow.dnsPortsCloudMetadataServer || allow.dnsPortsKubeSystemNamespace || allow.dnsPortsPrivateIPs)
    egress.push({
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
      to: [
        ...(allow.dnsPortsCloudMetadataServer ? [{ ipBlock: { cidr: metadata } }] : []),
        ...(allow.dnsPortsKubeSystemNamespace
          ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }]
          : []),
        ...(allow.dnsPortsPrivateIPs ? privateRanges.map((cidr) => ({ ipBlock: { cidr } })) : []),
      ],
    });
  if (allow.nonPrivateIPs)
    egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...privateRanges, metadata] } }] });
  if (allow.privateIPs) egress.push({ to: privateRanges.map((cidr) => ({ ipBlock: { cidr } })) });
  if (allow.cloudMetadataServer) egress.push({ to: [{ ipBlock: { cidr: metadata } }] });
  egress.push(...np.egress);
  return {
    namespace,
    podSelector: { matchLabels: z2jh("singleuser-server") },
    policyTypes: ["Ingress", "Egress"],
    // Ingress to notebooks is not under test here: allow it, so only egress decides.
    ingress: [{}],
    egress,
  };
}

/** The NetworkPolicies QHub writes as objects, in the platform namespace. */
function qhubPolicies(files: ReturnType<typeof renderConfig>, cluster: string, namespace: string): Policy[] {
  return renderedObjects(files)
    .filter((o) => o.file.startsWith(`cluster-overlays/${cluster}/`) && o.object.kind === "NetworkPolicy")
    .map((o) => ({ namespace, ...(o.object.spec as Omit<Policy, "namespace">) }));
}

// Pods as the charts label them. dask-gateway 2026.3: the Traefik proxy and API pods carry
// dask-gateway.labels plus their component (resources/helm/dask-gateway/templates/traefik/
// deployment.yaml, gateway/deployment.yaml); schedulers carry the backend's get_labels
// (dask-gateway-server/.../kubernetes/controller.py).
function pods(namespace: string) {
  const gatewayCommon = {
    "app.kubernetes.io/name": "dask-gateway",
    "app.kubernetes.io/instance": "dask-gateway",
    "gateway.dask.org/instance": "dask-gateway",
  };
  return {
    notebook: {
      name: "jupyter-ada",
      namespace,
      ip: "10.4.0.10",
      labels: { ...z2jh("singleuser-server"), "hub.jupyter.org/network-access-hub": "true" },
    },
    hub: { name: "hub", namespace, ip: "10.4.0.2", labels: z2jh("hub") },
    gatewayProxy: {
      name: "traefik-dask-gateway",
      namespace,
      ip: "10.4.0.20",
      labels: { ...gatewayCommon, "app.kubernetes.io/component": "traefik" },
      ports: { web: 8000, traefik: 9000 },
    },
    gatewayApi: {
      name: "api-dask-gateway",
      namespace,
      ip: "10.4.0.21",
      labels: {
        ...gatewayCommon,
        "app.kubernetes.io/component": "gateway",
        "hub.jupyter.org/network-access-hub": "true",
      },
    },
    scheduler: {
      name: "dask-scheduler-abc",
      namespace,
      ip: "10.4.0.30",
      labels: {
        "app.kubernetes.io/name": "dask-gateway",
        "gateway.dask.org/instance": "dask-gateway",
        "gateway.dask.org/cluster": "abc",
        "app.kubernetes.io/component": "dask-scheduler",
      },
    },
    condaStore: {
      name: "conda-store",
      namespace,
      ip: "10.4.0.40",
      labels: { "app.kubernetes.io/name": "conda-store", "app.kubernetes.io/part-of": "qhub" },
      ports: { http: 8080 },
    },
  } satisfies Record<string, Pod>;
}

describe("NetworkPolicies: a notebook reaches its Dask scheduler through the gateway's proxy, and no more", () => {
  for (const config of platformConfigs())
    test(config.name, () => {
      const files = renderConfig(config);
      const clusters = files
        .filter((f) => /^cluster-overlays\/[^/]+\/platform\/jupyterhub\.yaml$/.test(f.path))
        .map((f) => f.path.split("/")[1]!);
      expect(clusters.length).toBeGreaterThan(0);
      for (const cluster of clusters) {
        const hub = parsedFile(files, `cluster-overlays/${cluster}/platform/jupyterhub.yaml`) as {
          metadata: { namespace: string };
          spec: { values: Record<string, unknown> };
        };
        const ns = hub.metadata.namespace;
        const p = pods(ns);
        const singleuser = singleuserPolicy(hub.spec.values, ns);
        expect(singleuser, "z2jh's singleuser NetworkPolicy stays enabled").toBeDefined();
        const policies = [singleuser!, ...qhubPolicies(files, cluster, ns)];
        // The client's gateway:// address is the proxy's Service, port 80 -> the pod's 8000.
        const env = (hub.spec.values.singleuser as { extraEnv: Record<string, string> }).extraEnv;
        expect(env.DASK_GATEWAY__PROXY_ADDRESS).toBe(`gateway://traefik-dask-gateway.${ns}:80`);
        expect(allowed(policies, p.notebook, p.gatewayProxy, 8000)).toBe(true);
        // Exactly that: not the schedulers directly, not the proxy's dashboard, not the API pod,
        // not conda-store.
        expect(allowed(policies, p.notebook, p.scheduler, 8786)).toBe(false);
        expect(allowed(policies, p.notebook, p.gatewayProxy, 9000)).toBe(false);
        expect(allowed(policies, p.notebook, p.gatewayApi, 8000)).toBe(false);
        expect(allowed(policies, p.notebook, p.condaStore, 8080)).toBe(false);
        // conda-store's API is closed to every pod, also to those no policy restricts (Dask workers).
        const daskWorker: Pod = { ...p.scheduler, name: "dask-worker-abc", ip: "10.4.0.31" };
        expect(allowed(policies, daskWorker, p.condaStore, 8080)).toBe(false);
        expect(allowed(policies, p.hub, p.condaStore, 8080)).toBe(false);
        // What z2jh allows anyway still works.
        expect(allowed(policies, p.notebook, p.hub, 8081)).toBe(true);
        // And without QHub's rule, z2jh's default policy would block the scheduler connection.
        const stock = singleuserPolicy(
          helmMerge(hub.spec.values, { singleuser: { networkPolicy: { egress: [] } } }),
          ns,
        )!;
        expect(allowed([stock], p.notebook, p.gatewayProxy, 8000)).toBe(false);
      }
    });
});
