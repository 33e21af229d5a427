import type { Io } from "../io.js";
import { hubValuesCheck, loadConfigDocument, loadDefaultEnvironments } from "../config/load.js";
import { formatProblem, formatWarning, sortProblems } from "../config/problems.js";
import { unsetVariables, validateDocument } from "../config/validate.js";

export interface ValidateOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Print one JSON document on stdout instead of lines on stderr. */
  json: boolean;
}

/** `qhub validate`: every problem at once; 0 valid, 1 invalid. Warnings do not change the status. */
export async function runValidate(opts: ValidateOptions, io: Io): Promise<number> {
  const cd = loadConfigDocument(opts.config);
  const result = validateDocument(cd, {
    shippedEnvironments: loadDefaultEnvironments(),
    requireAgeRecipients: true,
    hubValues: await hubValuesCheck(cd),
  });
  // The rules' warnings, and the variables the config names that are not set.
  const warnings = sortProblems([...result.warnings, ...unsetVariables(cd, process.env)]);
  const valid = result.problems.length === 0;
  const clusters = (result.clusters ?? []).map((c) => c.name);
  if (opts.json) {
    io.stdout(
      JSON.stringify({ file: opts.config, valid, clusters, problems: result.problems, warnings }, null, 2),
    );
    return valid ? 0 : 1;
  }
  for (const p of result.problems) io.stderr(formatProblem(p));
  for (const w of warnings) io.stderr(formatWarning(w));
  if (valid) {
    io.stderr(
      `${opts.config}: valid (${clusters.length} cluster${clusters.length === 1 ? "" : "s"}: ${clusters.join(", ")})`,
    );
  } else {
    const n = result.problems.length;
    io.stderr(`${opts.config}: ${n} problem${n === 1 ? "" : "s"}`);
  }
  return valid ? 0 : 1;
}
