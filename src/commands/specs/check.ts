import { Argument, Option } from "commander";
import type { CheckOptions } from "../check.js";
import { jsonOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const checkCommand: CommandSpec<Omit<CheckOptions, "dir">, [dir: string]> = {
  name: "check",
  description: "offline preflight: prove Flux will build and apply the rendered repository",
  args: () => [new Argument("[dir]", "the rendered repository").default(".")],
  options: () => [
    new Option(
      "--chart-schemas <dir>",
      "more <chart>-<version>.schema.json (+ .values.yaml) files, for charts QHub does not pin",
    ),
    // Repeatable rather than variadic, so `qhub check --external X DIR` keeps DIR as the folder.
    new Option(
      "--external <ref>",
      "an object made outside the repository, as KIND/NAMESPACE/NAME (repeatable)",
    )
      .default([] as string[])
      .argParser((value: string, previous: string[]) => [...previous, value]),
    jsonOption(),
  ],
  notes: "Needs kubectl (Kustomize v5). Exit status: 0 pass, 1 problems found.",
  examples: ["qhub check", "qhub check platform/ --external ConfigMap/dev/made-by-hand --json"],
  showsStages: true,
  run: async ({ args: [dir], flags, io }) => (await import("../check.js")).runCheck({ dir, ...flags }, io),
};
