import type { TaskUi } from "./ui/tasks.js";

/** Where a command's output goes; the CLI passes the process's streams, tests pass buffers. */
export interface Io {
  /** Artefacts and --json documents. */
  stdout: (text: string) => void;
  /** Human progress, problems and summaries. */
  stderr: (text: string) => void;
  /** Stages and the final summary on a terminal; absent elsewhere (plain lines only). */
  tasks?: TaskUi;
  /** `--verbose`: stage times, and for `qhub pr` each git command and REST call. */
  verbose?: boolean;
}

// A reader that stops early (`qhub --help | head`) closes the pipe: that ends the output, not QHub.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

/**
 * A person at a terminal (not CI, not a pipe, not a test's buffers): the ink UI may be used.
 * `--verbose` makes its own Io (plain lines with stage times), so it is never interactive.
 */
export function interactive(io: Io): boolean {
  return io === processIo && process.stderr.isTTY === true && !process.env.CI && process.env.TERM !== "dumb";
}
