// The `qhub` entry point: builds the program from the commands' specs (src/commands/specs/: each
// command's arguments, flags, help and examples), parses, calls one command, and is the only place
// that sets the exit status. Commands load lazily so `qhub --help` stays fast.
import { Command, CommanderError } from "commander";
import { checkCommand } from "./commands/specs/check.js";
import { diffCommand } from "./commands/specs/diff.js";
import { initCommand } from "./commands/specs/init.js";
import { prCommand } from "./commands/specs/pr.js";
import { renderCommand } from "./commands/specs/render.js";
import { schemaCommand } from "./commands/specs/schema.js";
import type { CommandSpec } from "./commands/specs/spec.js";
import { upgradeCommand } from "./commands/specs/upgrade.js";
import { validateCommand } from "./commands/specs/validate.js";
import { reportError, UsageError } from "./errors.js";
import { interactive, processIo, terminalColumns } from "./io.js";
import { loadTerminalUi } from "./ui/load.js";
import type { Io } from "./io.js";
import { VERSION } from "./version.js";

/** The commands, in the order `qhub --help` lists them. */
const COMMANDS: readonly CommandSpec[] = [
  initCommand,
  validateCommand,
  renderCommand,
  diffCommand,
  prCommand,
  checkCommand,
  upgradeCommand,
  schemaCommand,
];

function program(io: Io, setExit: (code: number) => void, commands = COMMANDS): Command {
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
    .configureOutput({
      writeErr: (s) => io.stderr(s),
      writeOut: (s) => io.stdout(s),
      // QHub's help has no colours to keep or strip; the width is the terminal's, when there is one.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      getOutHelpWidth: () => terminalColumns(io, 1),
      getErrHelpWidth: () => terminalColumns(io, 2),
    })
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
  for (const spec of commands) {
    // `cli.command()`, not `addCommand()`: the subcommand inherits the output, exit and help settings above.
    const command = cli.command(spec.name).description(spec.description);
    for (const argument of spec.args?.() ?? []) command.addArgument(argument);
    for (const option of spec.options?.() ?? []) command.addOption(option);
    const examples = spec.examples.map((e) => `  ${e}`).join("\n");
    command.addHelpText(
      "after",
      `\n${spec.notes}\n\n${spec.examples.length === 1 ? "Example" : "Examples"}:\n${examples}`,
    );
    // commander calls the action with the arguments, then the flags, then the command.
    command.action(async (...parsed: unknown[]) => {
      const args = parsed.slice(0, -2);
      setExit(await spec.run({ args, flags: parsed.at(-2), io, command }));
    });
  }
  return cli;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[], processIoOrTest: Io = processIo): Promise<number> {
  let io = argv.includes("--verbose") ? { ...processIoOrTest, verbose: true } : processIoOrTest;
  let session: { close(): Promise<void> } | undefined;
  const named = COMMANDS.find((c) => c.name === argv[0]);
  const help = argv.includes("--help") || argv.includes("-h");
  if (named?.showsStages === true && !help && interactive(io)) {
    const { startInkUi } = await loadTerminalUi();
    const ink = startInkUi(io.stdout, process.stderr);
    io = ink.io;
    session = ink;
  }
  const json = argv.includes("--json") ? jsonFailure(io) : undefined;
  if (json) io = json.io;
  let code = 0;
  // A command line that runs a command needs only that command's definition (its options, its
  // help); anything else (help, a mistyped name, global flags first) gets all of them.
  const cli = program(io, (c) => (code = c), named && !help ? [named] : COMMANDS);
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
