import { Option } from "commander";
import type { UpgradeOptions } from "../upgrade.js";
import { configOption, jsonOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const upgradeCommand: CommandSpec<UpgradeOptions, []> = {
  name: "upgrade",
  description:
    "migrate a QHub 0.3/0.4 or Nebari (2022.x-2026.x) config to the current schema, in place, keeping comments",
  options: () => [
    configOption(),
    new Option("--dry-run", "write nothing; print the upgraded config on stdout").default(false),
    jsonOption(),
  ],
  notes:
    "The old file is kept as FILE.bak (or FILE.bak.N). Secrets written in it become { fromEnv: NAME }\nreferences; the report names each variable to set and never shows a value.\n\nExit status: 0 upgraded (or already current), 1 problems left to decide or user error.",
  examples: [
    "qhub upgrade",
    "qhub upgrade --config old/qhub-config.yaml --dry-run > upgraded.yaml",
    "cp nebari-config.yaml qhub-config.yaml && qhub upgrade",
  ],
  run: async ({ flags, io }) => (await import("../upgrade.js")).runUpgrade(flags, io),
};
