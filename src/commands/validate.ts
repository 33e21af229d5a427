import type { Io } from "../io.js";
import { loadConfigDocument, loadDefaultEnvironments } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { validateDocument } from "../config/validate.js";

export interface ValidateOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Print one JSON document on stdout instead of lines on stderr. */
  json: boolean;
}

/** `qhub validate`: every problem at once; 0 valid, 1 invalid. */
export function runValidate(opts: ValidateOptions, io: Io): number {
  const result = validateDocument(loadConfigDocument(opts.config), {
    environments: loadDefaultEnvironments(),
  });
  const valid = result.problems.length === 0;
  const clusters = (result.clusters ?? []).map((c) => c.name);
  if (opts.json) {
    io.stdout(
      JSON.stringify(
        { file: opts.config, valid, clusters, problems: result.problems, warnings: result.warnings },
        null,
        2,
      ),
    );
    return valid ? 0 : 1;
  }
  for (const w of result.warnings) io.stderr(`warning: ${formatProblem(w)}`);
  if (valid) {
    io.stderr(
      `${opts.config}: valid (${clusters.length} cluster${clusters.length === 1 ? "" : "s"}: ${clusters.join(", ")})`,
    );
  } else {
    for (const p of result.problems) io.stderr(formatProblem(p));
    const n = result.problems.length;
    io.stderr(`${opts.config}: ${n} problem${n === 1 ? "" : "s"}`);
  }
  return valid ? 0 : 1;
}
