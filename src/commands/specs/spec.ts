// What a command brings to the CLI (the way Flux keeps each command's flags in
// cmd/flux/<verb>_<noun>.go): main.ts wires every spec into the program. A spec imports commander and
// light modules only; its command's code is imported when the command runs, so `qhub --help` loads
// none of it.
import type { Argument, Command, Option } from "commander";
import type { Io } from "../../io.js";

/** What a command's `run` gets: its parsed arguments and flags, and where its output goes. */
export interface CommandCall<Flags, Args> {
  args: Args;
  flags: Flags;
  io: Io;
  /** The parsed command, for where a flag's value came from (`getOptionValueSource`). */
  command: Command;
}

/** One `qhub` command: what `qhub NAME --help` shows, and how a run calls the command's code. */
export interface CommandSpec<Flags = unknown, Args extends unknown[] = unknown[]> {
  name: string;
  /** The line under the usage, and beside the name in `qhub --help`. */
  description: string;
  /** Made afresh for each program: commander keeps a default value by reference. */
  args?: () => Argument[];
  /** Made afresh for each program, as the arguments are. */
  options?: () => Option[];
  /** After the flags in `qhub NAME --help`: what else to know and the exit statuses. */
  notes: string;
  /** Command lines shown under "Examples:" ("Example:" when there is one). */
  examples: string[];
  /** On a terminal, the command shows its stages in the ink task list. @default false */
  showsStages?: boolean;
  /** Imports the command's module and runs it; returns the exit status, which main.ts sets. */
  run(call: CommandCall<Flags, Args>): Promise<number> | number;
}
