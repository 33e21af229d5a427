import type { ValidateOptions } from "../validate.js";
import { configOption, jsonOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

export const validateCommand: CommandSpec<ValidateOptions, []> = {
  name: "validate",
  description: "check the config: every problem at once, as FILE:LINE:COL: message",
  options: () => [configOption(), jsonOption()],
  notes: "Exit status: 0 valid, 1 invalid, 2 bad usage.",
  examples: ["qhub validate --config qhub-config.yaml --json"],
  run: async ({ flags, io }) => (await import("../validate.js")).runValidate(flags, io),
};
