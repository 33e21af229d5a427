/** Where a command's output goes; the CLI passes the process's streams, tests pass buffers. */
export interface Io {
  /** Artefacts and --json documents. */
  stdout: (text: string) => void;
  /** Human progress, problems and summaries. */
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};
