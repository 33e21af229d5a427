import { Argument, Option } from "commander";
import { basename, dirname, resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { interactive } from "../../io.js";
import type { InitCommandOptions } from "../init.js";
import { loadTerminalUi } from "../../ui/load.js";
import { configOption } from "./options.js";
import type { CommandSpec } from "./spec.js";

type InitFlags = Omit<InitCommandOptions, "provider" | "answeredBy">;

export const initCommand: CommandSpec<InitFlags, [provider: string | undefined]> = {
  name: "init",
  description: "write a commented qhub-config.yaml for a provider",
  args: () => [
    new Argument("[provider]", "local, existing, aws, gcp, azure or do (on a terminal, omit it to be asked)"),
  ],
  options: () => [
    configOption("config file to write"),
    new Option("--project-name <name>", "name of the platform (default: the folder's name)"),
    new Option("--domain <host>", "host name users open (default: NAME.localhost or NAME.example.com)"),
    new Option("--auth <type>", "how users log in")
      .choices(["password", "github", "auth0"])
      .default("password"),
    new Option("--repository <owner/name>", "GitHub repository of the rendered tree"),
    new Option("--force", "overwrite an existing config").default(false),
  ],
  notes:
    "Without PROVIDER on a terminal, it asks; elsewhere PROVIDER is required.\nExit status: 0 written, 1 user error (the config exists: --force), 2 bad usage.",
  examples: ["qhub init", "qhub init gcp --project-name ds-team --domain hub.example.com --auth github"],
  async run({ args: [provider], flags, io, command }) {
    let opts: InitCommandOptions = { ...flags, provider: provider ?? "" };
    if (provider === undefined) {
      // Answers come from flags or from questions, never both: with flags it never asks.
      const flagged = ["projectName", "domain", "auth", "repository"].some(
        (o) => command.getOptionValueSource(o) === "cli",
      );
      if (flagged || !interactive(io))
        throw new UsageError(
          "missing PROVIDER: local, existing, aws, gcp, azure or do",
          "e.g. `qhub init aws --project-name ds-team --domain hub.example.com`; on a terminal, `qhub init` alone asks",
        );
      const { runWizard } = await loadTerminalUi();
      const answers = await runWizard(basename(dirname(resolve(opts.config))));
      opts = { ...opts, ...answers, answeredBy: "wizard" };
    }
    const { runInit } = await import("../init.js");
    return runInit(opts, io);
  },
};
