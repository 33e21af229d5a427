// TLS: a cert-manager ClusterIssuer (Let's Encrypt over HTTP-01 through Traefik, or self-signed)
// and the platform's Certificate, whose Secret the hub's Ingress serves. `existing` names a Secret
// the team made; `disabled` serves plain HTTP.
import { Certificate, ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import type { ResolvedCluster } from "../config/resolve.js";
import { toYamlDocuments } from "../render/emit.js";
import type { Component } from "./types.js";
import { checked } from "./kit.js";

const TLS_SECRET = "qhub-tls";

/** The Secret that holds the platform's certificate, or undefined when TLS is off. */
export function tlsSecretName(c: ResolvedCluster): string | undefined {
  switch (c.certificate.type) {
    case "lets-encrypt":
    case "self-signed":
      return TLS_SECRET;
    case "existing":
      return c.certificate.secret_name;
    case "disabled":
      return undefined;
  }
}

function objects(c: ResolvedCluster): (ClusterIssuer | Certificate)[] {
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

export const tls: Component = {
  id: "tls",
  title: "TLS certificate",
  layout: { configs: "TLS issuer and certificate" },
  dependsOn: ["cert-manager", "namespace"],
  owns: ["tls.yaml"],
  enabled: (c) => c.certificate.type === "lets-encrypt" || c.certificate.type === "self-signed",
  render(c) {
    return {
      configs: {
        summary: [`${c.certificate.type} certificate`],
        files: [{ path: "tls.yaml", content: toYamlDocuments(objects(c)) }],
        resources: ["tls.yaml"],
      },
    };
  },
};
