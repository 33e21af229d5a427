import { Option } from "commander";
import type { DiffOptions } from "../diff.js";
import { configOption, jsonOption, outputOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const diffCommand: CommandSpec<DiffOptions, []> = {
  name: "diff",
  description: "show, per cluster and per Kubernetes object, what `qhub render` would change",
  options: () => [
    configOption(),
    outputOption(),
    new Option(
      "--base <rev>",
      "compare with the tree at this git revision (e.g. origin/main), not the files on disk",
    ),
    jsonOption(),
  ],
  notes:
    "Secret values are never shown; a changed Secret is reported as changed.\nExit status: 0 no changes, 1 invalid config or user error, 3 differences.",
  examples: ["qhub diff --config qhub-config.yaml", "qhub diff --base origin/main --json"],
  showsStages: true,
  run: async ({ flags, io }) => (await import("../diff.js")).runDiff(flags, io),
};
