// Traefik: the cluster's ingress controller (IngressClass `traefik`), which terminates TLS for the
// platform. Its HelmRelease is a blueprint (blueprints/traefik); it owns the Traefik CRDs.
import type { Component } from "./types.js";
import { valuesPatch } from "./kit.js";

export const traefik: Component = {
  id: "traefik",
  title: "Traefik",
  layout: { controllers: "Traefik" },
  charts: [{ name: "traefik", version: "41.3.0", repository: "traefik" }],
  blueprints: ["traefik"],
  render(c, { up }) {
    const values: Record<string, unknown> = { nodeSelector: c.nodeGroups.general.nodeSelector };
    if (c.certificate.type !== "disabled")
      values.ports = {
        web: {
          // Let's Encrypt's HTTP-01 challenge must reach cert-manager over plain HTTP.
          allowACMEByPass: c.certificate.type === "lets-encrypt",
          http: { redirections: { entryPoint: { permanent: true, scheme: "https", to: "websecure" } } },
        },
      };
    return {
      controllers: {
        summary: ["Traefik"],
        resources: [`${up}/blueprints/traefik`],
        patches: [valuesPatch("traefik", "traefik", values)],
      },
    };
  },
};
