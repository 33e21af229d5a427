// cert-manager: issues the platform's TLS certificates (components/tls.ts). Its HelmRelease is a
// blueprint (blueprints/cert-manager); each cluster pins its pods to the general node group.
import type { Component } from "./types.js";
import { valuesPatch } from "./kit.js";

export const certManager: Component = {
  id: "cert-manager",
  title: "cert-manager",
  layout: { controllers: "cert-manager" },
  charts: [{ name: "cert-manager", version: "v1.21.1", repository: "jetstack" }],
  blueprints: ["cert-manager"],
  render(c, { up }) {
    const general = c.nodeGroups.general.nodeSelector;
    return {
      controllers: {
        summary: ["cert-manager"],
        resources: [`${up}/blueprints/cert-manager`],
        patches: [
          valuesPatch("cert-manager", "cert-manager", {
            cainjector: { nodeSelector: general },
            nodeSelector: general,
            startupapicheck: { nodeSelector: general },
            webhook: { nodeSelector: general },
          }),
        ],
      },
    };
  },
};
