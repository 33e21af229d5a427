// The GitHub Actions workflow of the rendered repository: pull requests must match what the
// config compiles to, and must pass the offline preflight.
import type { ResolvedConfig } from "../config/resolve.js";
import { VERSION } from "../version.js";
import { toYaml } from "./emit.js";

export function renderWorkflow(config: ResolvedConfig): string {
  const qhub = `npx --yes qhub@${VERSION}`;
  const branches = [...new Set(config.clusters.map((c) => c.gitops.branch))].sort();
  return toYaml({
    name: "qhub",
    on: { pull_request: {}, push: { branches } },
    permissions: { contents: "read" },
    jobs: {
      check: {
        "runs-on": "ubuntu-latest",
        steps: [
          { uses: "actions/checkout@v4" },
          { uses: "actions/setup-node@v4", with: { "node-version": "20" } },
          { name: "The tree is what qhub-config.yaml compiles to", run: `${qhub} render --check` },
          { name: "Flux can build and apply it", run: `${qhub} check` },
        ],
      },
    },
  });
}
