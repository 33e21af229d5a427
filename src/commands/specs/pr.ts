import { Option } from "commander";
import type { PrOptions } from "../pr.js";
import { configOption, jsonOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const prCommand: CommandSpec<PrOptions, []> = {
  name: "pr",
  description: "render onto the base branch, push the bot branch and open or update its pull request",
  options: () => [
    configOption(),
    new Option("--repository <owner/name>", "GitHub repository (default: gitops.repository)"),
    new Option("--base <branch>", "branch the pull request targets (default: gitops.branch)"),
    new Option("--branch <name>", "branch QHub owns and rebuilds (default: qhub/<project_name>)"),
    new Option("--draft", "open the pull request as a draft").default(false),
    // No label unless asked (as `gh pr create`): labelling is a second write, and GitHub asks for a
    // second between writes, so a label costs every first run a second.
    new Option("--label <name...>", "labels for the pull request (default: none)").default([]),
    jsonOption(),
  ],
  notes: `Environment (GitHub Actions' names): GITHUB_TOKEN (required; contents: write, pull-requests: write),
GITHUB_API_URL (default https://api.github.com), GITHUB_SERVER_URL (default https://github.com).
The token is sent only to those two places and never printed or written down.
A second run with nothing new pushes nothing and edits nothing.
Exit status: 0 opened, updated or already up to date; 1 invalid config or user error.`,
  examples: [
    "GITHUB_TOKEN=... qhub pr",
    "qhub pr --repository acme/ds-platform --base main --branch qhub/render --draft",
  ],
  showsStages: true,
  run: async ({ flags, io }) => (await import("../pr.js")).runPr(flags, io),
};
