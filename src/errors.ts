// One error model (Shopify CLI's error.ts is the model): what the user can fix, what is ours,
// and bad command-line usage. Only `reportError` prints them; only the CLI entry sets the exit.
import { redact } from "./publish/redact.js";

/** Something the user can fix; printed as one or a few lines with a hint, exit 1. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint = "",
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Bad command-line usage; exit 2. */
export class UsageError extends UserError {
  constructor(message: string, hint = "run `qhub --help` for the commands and their flags") {
    super(message, hint, 2);
    this.name = "UsageError";
  }
}

/** A broken invariant inside QHub; exit 70 (EX_SOFTWARE). */
export class BugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BugError";
  }
}

export const EXIT_INTERNAL = 70;

/** Prints an error for people and returns the exit status it calls for. */
export function reportError(err: unknown, write: (line: string) => void, verbose = false): number {
  if (err instanceof UserError) {
    write(redact(`error: ${err.message}`, process.env.GITHUB_TOKEN));
    if (err.hint) write(`hint: ${err.hint}`);
    return err.exitCode;
  }
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  write(`internal error: ${redactPaths(what)}`);
  if (verbose && err instanceof Error && err.stack) write(redactPaths(err.stack));
  write("This is a bug in QHub, not in your config. Please report it with the command you ran.");
  return EXIT_INTERNAL;
}

/** Home directories do not belong in reports people paste into issues. */
function redactPaths(text: string): string {
  const home = process.env.HOME;
  const out = home && home.length > 1 ? text.split(home).join("~") : text;
  return redact(out, process.env.GITHUB_TOKEN);
}
