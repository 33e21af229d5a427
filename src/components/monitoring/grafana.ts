// Grafana at /monitoring on the platform's domain, logged in through JupyterHub: the hub is its
// OAuth provider (a hub service with an OAuth client), so there is no Grafana password. Grafana is
// its own release (the grafana chart kube-prometheus-stack 88.5.3 depends on, at the same version)
// in the platform namespace and layer, beside the hub, because it shares the hub's TLS Secret and
// the OAuth client's secret, a platform token the secrets stage seals into that layer; the stack's
// own Grafana is off.
import type { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import type { ResolvedCluster } from "../../config/resolve.js";
import { ADMIN_GROUP } from "../../config/names.js";
import { tlsSecretName } from "../tls.js";
import { helmRelease, platformToken, scheme } from "../kit.js";

export const GRAFANA_CHART = {
  name: "grafana",
  version: "12.11.1",
  repository: "grafana-community",
} as const;

/** Where Grafana is served on the platform's domain. */
export const GRAFANA_PATH = "/monitoring";
/** The hub service Grafana is the OAuth client of; JupyterHub requires `service-` client ids. */
export const GRAFANA_SERVICE = "grafana";
export const GRAFANA_CLIENT_ID = `service-${GRAFANA_SERVICE}`;
/** The platform token that is the service's API token, which JupyterHub makes its OAuth client secret. */
export const GRAFANA_OAUTH_TOKEN = "grafana-oauth-token";

/** Grafana's public root, with the trailing slash Grafana's root_url takes. */
export function grafanaRoot(c: ResolvedCluster): string {
  return `${scheme(c)}://${c.domain}${GRAFANA_PATH}/`;
}

/** Where the hub sends users back to Grafana (Grafana's generic OAuth callback under its root). */
export function grafanaRedirect(c: ResolvedCluster): string {
  return `${grafanaRoot(c)}login/generic_oauth`;
}

/** The hub's service for Grafana (z2jh hub.services; its apiToken comes through valuesFrom). */
export function grafanaHubService(c: ResolvedCluster) {
  return {
    oauth_client_id: GRAFANA_CLIENT_ID,
    oauth_redirect_uri: grafanaRedirect(c),
    // Users go straight on to Grafana: the hub only identifies them (name and groups).
    oauth_no_confirm: true,
    display: false,
  };
}

/** The hub's token of Grafana's service, shared by both releases through valuesFrom. */
export const GRAFANA_TOKEN_FOR_HUB = platformToken(
  GRAFANA_OAUTH_TOKEN,
  `hub.services.${GRAFANA_SERVICE}.apiToken`,
);

/** Prometheus's Service, made by kube-prometheus-stack (release kube-prometheus-stack). */
function prometheusUrl(namespace: string): string {
  return `http://kube-prometheus-stack-prometheus.${namespace}:9090`;
}

export function grafanaRelease(c: ResolvedCluster, monitoringNamespace: string): HelmRelease {
  const hub = `${scheme(c)}://${c.domain}/hub`;
  const tls = tlsSecretName(c);
  return helmRelease(
    c,
    GRAFANA_CHART,
    {
      nodeSelector: c.nodeGroups.general.nodeSelector,
      ingress: {
        enabled: true,
        ingressClassName: "traefik",
        hosts: [c.domain],
        path: GRAFANA_PATH,
        ...(tls ? { tls: [{ hosts: [c.domain], secretName: tls }] } : {}),
      },
      "grafana.ini": {
        server: { domain: c.domain, root_url: grafanaRoot(c), serve_from_sub_path: true },
        // No Grafana password: JupyterHub logs users in.
        auth: { disable_login_form: true },
        "auth.basic": { enabled: false },
        "auth.generic_oauth": {
          enabled: true,
          name: "JupyterHub",
          auto_login: true,
          allow_sign_up: true,
          client_id: GRAFANA_CLIENT_ID,
          // client_secret: the service's token (valuesFrom below).
          // No scopes asked for: the hub grants what identifies the user (name, groups).
          scopes: "",
          auth_url: `${hub}/api/oauth2/authorize`,
          token_url: `${hub}/api/oauth2/token`,
          api_url: `${hub}/api/user`,
          login_attribute_path: "name",
          name_attribute_path: "name",
          // The hub's admins are the members of its group `admin`; they administer Grafana.
          role_attribute_path: `contains(groups[*], '${ADMIN_GROUP}') && 'GrafanaAdmin' || 'Viewer'`,
          allow_assign_grafana_admin: true,
        },
      },
      datasources: {
        "datasources.yaml": {
          apiVersion: 1,
          datasources: [
            {
              name: "Prometheus",
              type: "prometheus",
              uid: "prometheus",
              access: "proxy",
              url: prometheusUrl(monitoringNamespace),
              isDefault: true,
            },
          ],
        },
      },
      sidecar: {
        dashboards: {
          enabled: true,
          label: "grafana_dashboard",
          labelValue: "1",
          searchNamespace: c.namespace,
        },
      },
    },
    [platformToken(GRAFANA_OAUTH_TOKEN, "grafana\\.ini.auth\\.generic_oauth.client_secret")],
  );
}
