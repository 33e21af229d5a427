import { Option } from "commander";
import type { RenderOptions } from "../render.js";
import { configOption, jsonOption, outputOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const renderCommand: CommandSpec<RenderOptions, []> = {
  name: "render",
  description: "compile the config into the GitOps repository and write it (or --check it)",
  options: () => [
    configOption(),
    outputOption(),
    new Option("--check", "write nothing; exit 3 when the tree on disk differs").default(false),
    jsonOption(),
  ],
  notes: "Exit status: 0 written or up to date, 1 invalid config or user error, 3 --check found differences.",
  examples: [
    "qhub render",
    "qhub render --config examples/qhub-config.yaml --output /tmp/platform",
    "qhub render --check",
  ],
  showsStages: true,
  // Up to date by the last render's record, or render (src/commands/up-to-date.ts).
  run: async ({ flags, io }) => {
    const answer = await (await import("../up-to-date.js")).answerFromRecord(flags, io);
    return "code" in answer ? answer.code : (await import("../render.js")).runRender(flags, io, answer.store);
  },
};
