// The `qhub` entry point: parses flags, calls one command, and is the only place that sets the
// exit status. Commands load lazily so `qhub --help` stays fast.
import { Command, CommanderError, Option } from "commander";
import { reportError, UsageError } from "./errors.js";
import { processIo } from "./io.js";
import type { PrOptions } from "./commands/pr.js";
import type { Io } from "./io.js";
import { VERSION } from "./version.js";
import { basename, dirname, resolve } from "node:path";

const configOption = () =>
  new Option("-c, --config <path>", "config file to read").default("qhub-config.yaml");
const outputOption = () =>
  new Option("-o, --output <dir>", "root of the rendered repository (default: the config's folder)");
const jsonOption = () => new Option("--json", "print one JSON document on stdout").default(false);

function program(io: Io, setExit: (code: number) => void): Command {
  const cli = new Command("qhub")
    .description("Compile qhub-config.yaml into a GitOps repository for JupyterHub + Dask on Kubernetes.")
    .version(VERSION, "-V, --version")
    .option(
      "--verbose",
      "stage times, each git command and GitHub call (pr), stack traces of internal errors",
      false,
    )
    .showHelpAfterError("(run `qhub --help` for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => io.stderr(s), writeOut: (s) => io.stdout(s) })
    .addHelpText(
      "after",
      `
Examples:
  qhub init                      (on a terminal: asks provider, name, domain, login, repository)
  qhub init aws --project-name ds-team --domain hub.example.com --auth github --repository acme/ds-platform
  qhub validate --config qhub-config.yaml
  qhub render && qhub check
  qhub diff --base origin/main
  GITHUB_TOKEN=... qhub pr
  qhub schema > qhub-config.schema.json

On a terminal, render, diff, check and pr show their stages and a summary; in CI (CI set), in a
pipe or with TERM=dumb they print plain lines only. NO_COLOR turns colours off. --json prints one
JSON document on stdout (shapes: docs/json-output.md).

Exit status: 0 ok, 1 problems in the config or user error, 2 bad usage, 3 differences
(render --check, diff), 70 internal error.`,
    );

  cli
    .command("init")
    .description("write a commented qhub-config.yaml for a provider")
    .argument("[provider]", "local, existing, aws, gcp, azure or do (on a terminal, omit it to be asked)")
    .addOption(new Option("-c, --config <path>", "config file to write").default("qhub-config.yaml"))
    .option("--project-name <name>", "name of the platform (default: the folder's name)")
    .option("--domain <host>", "host name users open (default: NAME.localhost or NAME.example.com)")
    .addOption(
      new Option("--auth <type>", "how users log in")
        .choices(["password", "github", "auth0"])
        .default("password"),
    )
    .option("--repository <owner/name>", "GitHub repository of the rendered tree")
    .option("--force", "overwrite an existing config", false)
    .addHelpText(
      "after",
      "\nWithout PROVIDER on a terminal, it asks; elsewhere PROVIDER is required.\nExit status: 0 written, 1 user error (the config exists: --force), 2 bad usage.\n\nExamples:\n  qhub init\n  qhub init gcp --project-name ds-team --domain hub.example.com --auth github",
    )
    .action(
      async (
        provider: string | undefined,
        opts: {
          config: string;
          projectName?: string;
          domain?: string;
          auth: string;
          repository?: string;
          force: boolean;
        },
        command: Command,
      ) => {
        let flags: typeof opts & { provider: string; answeredBy?: "wizard" } = {
          ...opts,
          provider: provider ?? "",
        };
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
          const { runWizard } = await import("./ui/ink.js");
          const answers = await runWizard(basename(dirname(resolve(opts.config))));
          flags = { ...flags, ...answers, answeredBy: "wizard" };
        }
        const { runInit } = await import("./commands/init.js");
        setExit(await runInit(flags, io));
      },
    );

  cli
    .command("validate")
    .description("check the config: every problem at once, as FILE:LINE:COL: message")
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit status: 0 valid, 1 invalid, 2 bad usage.\n\nExample:\n  qhub validate --config qhub-config.yaml --json",
    )
    .action(async (opts: { config: string; json: boolean }) => {
      const { runValidate } = await import("./commands/validate.js");
      setExit(runValidate(opts, io));
    });

  cli
    .command("render")
    .description("compile the config into the GitOps repository and write it (or --check it)")
    .addOption(configOption())
    .addOption(outputOption())
    .option("--check", "write nothing; exit 3 when the tree on disk differs", false)
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit status: 0 written or up to date, 1 invalid config or user error, 3 --check found differences.\n\nExamples:\n  qhub render\n  qhub render --config examples/qhub-config.yaml --output /tmp/platform\n  qhub render --check",
    )
    .action(async (opts: { config: string; output?: string; check: boolean; json: boolean }) => {
      const { runRender } = await import("./commands/render.js");
      setExit(await runRender(opts, io));
    });

  cli
    .command("diff")
    .description("show, per cluster and per Kubernetes object, what `qhub render` would change")
    .addOption(configOption())
    .addOption(outputOption())
    .option(
      "--base <rev>",
      "compare with the tree at this git revision (e.g. origin/main), not the files on disk",
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nSecret values are never shown; a changed Secret is reported as changed.\nExit status: 0 no changes, 1 invalid config or user error, 3 differences.\n\nExamples:\n  qhub diff --config qhub-config.yaml\n  qhub diff --base origin/main --json",
    )
    .action(async (opts: { config: string; output?: string; base?: string; json: boolean }) => {
      const { runDiff } = await import("./commands/diff.js");
      setExit(await runDiff(opts, io));
    });

  cli
    .command("pr")
    .description("render onto the base branch, push the bot branch and open or update its pull request")
    .addOption(configOption())
    .option("--repository <owner/name>", "GitHub repository (default: gitops.repository)")
    .option("--base <branch>", "branch the pull request targets (default: gitops.branch)")
    .option("--branch <name>", "branch QHub owns and rebuilds (default: qhub/<project_name>)")
    .option("--draft", "open the pull request as a draft", false)
    .addOption(new Option("--label <name...>", "labels for the pull request").default(["qhub"], "qhub"))
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Environment (GitHub Actions' names): GITHUB_TOKEN (required; contents: write, pull-requests: write),
GITHUB_API_URL (default https://api.github.com), GITHUB_SERVER_URL (default https://github.com).
The token is sent only to those two places and never printed or written down.
A second run with nothing new pushes nothing and edits nothing.
Exit status: 0 opened, updated or already up to date; 1 invalid config or user error.

Examples:
  GITHUB_TOKEN=... qhub pr
  qhub pr --repository acme/ds-platform --base main --branch qhub/render --draft`,
    )
    .action(async (opts: PrOptions) => {
      const { runPr } = await import("./commands/pr.js");
      setExit(await runPr(opts, io));
    });

  cli
    .command("check")
    .description("offline preflight: prove Flux will build and apply the rendered repository")
    .argument("[dir]", "the rendered repository", ".")
    .option(
      "--chart-schemas <dir>",
      "more <chart>-<version>.schema.json (+ .values.yaml) files, for charts QHub does not pin",
    )
    // Repeatable rather than variadic, so `qhub check --external X DIR` keeps DIR as the folder.
    .option(
      "--external <ref>",
      "an object made outside the repository, as KIND/NAMESPACE/NAME (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nNeeds kubectl (Kustomize v5). Exit status: 0 pass, 1 problems found.\n\nExamples:\n  qhub check\n  qhub check platform/ --external ConfigMap/dev/made-by-hand --json",
    )
    .action(async (dir: string, opts: { chartSchemas?: string; external: string[]; json: boolean }) => {
      const { runCheck } = await import("./commands/check.js");
      setExit(await runCheck({ dir, ...opts }, io));
    });

  cli
    .command("upgrade")
    .description("migrate a QHub 0.3/0.4 config to the current schema, in place, keeping comments")
    .addOption(configOption())
    .option("--dry-run", "write nothing; print the upgraded config on stdout", false)
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nThe old file is kept as FILE.bak (or FILE.bak.N). Secrets written in it become { fromEnv: NAME }\nreferences; the report names each variable to set and never shows a value.\n\nExit status: 0 upgraded (or already current), 1 problems left to decide or user error.\n\nExamples:\n  qhub upgrade\n  qhub upgrade --config old/qhub-config.yaml --dry-run > upgraded.yaml",
    )
    .action(async (opts: { config: string; dryRun: boolean; json: boolean }) => {
      const { runUpgrade } = await import("./commands/upgrade.js");
      setExit(runUpgrade(opts, io));
    });

  cli
    .command("schema")
    .description("print the config's JSON Schema (for editors and CI)")
    .addHelpText("after", "\nExit status: 0.\n\nExample:\n  qhub schema > qhub-config.schema.json")
    .action(async () => {
      const { runSchema } = await import("./commands/schema.js");
      setExit(runSchema(io));
    });

  return cli;
}

/**
 * A person at a terminal (not CI, not a pipe, not a test's buffers): the ink UI may be used.
 * `--verbose` makes its own Io (plain lines with stage times), so it is never interactive.
 */
function interactive(io: Io): boolean {
  return io === processIo && process.stderr.isTTY === true && !process.env.CI && process.env.TERM !== "dumb";
}

/** Commands that show their stages on a terminal. */
const WITH_TASKS = new Set(["render", "diff", "check", "pr"]);

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[], processIoOrTest: Io = processIo): Promise<number> {
  let io = argv.includes("--verbose") ? { ...processIoOrTest, verbose: true } : processIoOrTest;
  let session: { close(): Promise<void> } | undefined;
  if (WITH_TASKS.has(argv[0] ?? "") && !argv.includes("--help") && !argv.includes("-h") && interactive(io)) {
    const { startInkUi } = await import("./ui/ink.js");
    const ink = startInkUi(io.stdout, process.stderr);
    io = ink.io;
    session = ink;
  }
  const json = argv.includes("--json") ? jsonFailure(io) : undefined;
  if (json) io = json.io;
  let code = 0;
  const cli = program(io, (c) => (code = c));
  try {
    await cli.parseAsync([...argv], { from: "user" });
  } catch (err) {
    // Help and version are not errors; anything else commander rejects is bad usage.
    if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 2;
    else code = reportError(err, io.stderr, err instanceof UsageError ? false : argv.includes("--verbose"));
  } finally {
    json?.finish(code);
    await session?.close();
  }
  return code;
}

/**
 * With --json, a run that fails before it has its document (a missing or invalid config, a user
 * error, bad usage) still prints one JSON document on stdout: the error, with the lines that
 * went to stderr, so scripts never parse an empty stdout.
 */
function jsonFailure(io: Io): { io: Io; finish(code: number): void } {
  let printed = false;
  const lines: string[] = [];
  return {
    io: {
      ...io,
      stdout: (text) => {
        printed = true;
        io.stdout(text);
      },
      stderr: (text) => {
        lines.push(...text.replace(/\n$/, "").split("\n"));
        io.stderr(text);
      },
    },
    finish(code) {
      if (code === 0 || printed) return;
      const error = lines.find((l) => l.startsWith("error: "))?.slice(7);
      const hint = lines.find((l) => l.startsWith("hint: "))?.slice(6);
      const message =
        error ?? lines.find((l) => l.startsWith("internal error: ")) ?? lines.at(-1) ?? "failed";
      io.stdout(
        JSON.stringify({ error: { exitCode: code, message, ...(hint ? { hint } : {}), lines } }, null, 2),
      );
    },
  };
}
