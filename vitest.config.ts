import { defineConfig } from "vitest/config";

export default defineConfig({
  // Embedded code (src/**/*.py) and templates (src/**/*.jinja) are imported as their text, as the
  // build (esbuild's text loader) does.
  plugins: [
    {
      name: "embedded-text",
      transform(code, id) {
        return id.endsWith(".py") || id.endsWith(".jinja")
          ? { code: `export default ${JSON.stringify(code)};`, map: null }
          : undefined;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    // The secret values the example and fixtures name; fake, and never to appear in any output.
    env: {
      GITHUB_CLIENT_ID: "example-client-id",
      GITHUB_CLIENT_SECRET: "canary-github-client-secret",
      AUTH0_CLIENT_ID: "example-auth0-client-id",
      AUTH0_CLIENT_SECRET: "canary-auth0-client-secret",
      QHUB_PASSWORD_ALICE: "canary-alice-password",
      QHUB_STATUS_TOKEN: "canary-status-token",
    },
  },
});
