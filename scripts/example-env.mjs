// The environment the bundled example names for its OAuth app: fake values, so that the example
// renders anywhere. A real deployment exports the GitHub OAuth app's client ID and secret.
export const EXAMPLE_ENV = {
  GITHUB_CLIENT_ID: "example-client-id",
  GITHUB_CLIENT_SECRET: "example-client-secret-not-real",
  QHUB_STATUS_TOKEN: "example-status-token-not-real",
};
