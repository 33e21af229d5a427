// Only the process's own descriptors 1 and 2 are written here, never a path.
// eslint-disable-next-line no-restricted-imports
import { fstatSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Tty from "node:tty";
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

/**
 * Writes a line to file descriptor 1 or 2 with fs.writeSync, not process.stdout/stderr: creating
 * those streams loads node:stream and its helpers, a few milliseconds of every run, `--help` too.
 * The same order and the same synchronous writes as Node's own stdio to files, pipes and terminals.
 * A reader that stops early (`qhub --help | head`) closes the pipe: that ends the output, not QHub.
 * A non-blocking descriptor that is full (EAGAIN) is waited on, a millisecond at a time.
 */
function lineWriter(fd: 1 | 2): (text: string) => void {
  let closed = false;
  return (text) => {
    if (closed) return;
    let bytes = Buffer.from(text.endsWith("\n") ? text : `${text}\n`);
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EPIPE") {
          closed = true;
          return;
        }
        if (code !== "EAGAIN") throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  };
}

export const processIo: Io = {
  stdout: lineWriter(1),
  stderr: lineWriter(2),
};

/**
 * A person at a terminal (not CI, not a pipe, not a test's buffers): the ink UI may be used.
 * `--verbose` makes its own Io (plain lines with stage times), so it is never interactive.
 */
export function interactive(io: Io): boolean {
  return io === processIo && isTerminal(2) && !process.env.CI && process.env.TERM !== "dumb";
}

/**
 * The width to wrap help to: the terminal's that `io` writes `fd` to, else 80 (commander's own for
 * a file, a pipe or a test's buffers). Only a terminal gets process.stdout/stderr made (commander's
 * own check made them for every `--help`, with node:stream under them).
 */
export function terminalColumns(io: Io, fd: 1 | 2): number {
  if (io !== processIo || !isTerminal(fd)) return 80;
  return (fd === 1 ? process.stdout : process.stderr).columns;
}

/**
 * Whether a descriptor is a terminal. node:tty decides, but it loads node:net (~1.5 ms): it is
 * asked only about a character device that is not one of Linux's memory devices (/dev/null, which
 * CI and benchmarks give), never about a file, pipe or socket.
 */
function isTerminal(fd: 1 | 2): boolean {
  const stat = fstatSync(fd);
  if (!stat.isCharacterDevice()) return false;
  if (process.platform === "linux" && stat.rdev >> 8 === 1) return false;
  const { isatty } = createRequire(import.meta.url)("node:tty") as typeof Tty;
  return isatty(fd);
}
