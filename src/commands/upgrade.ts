import { basename, dirname } from "node:path";
import type { Io } from "../io.js";
import { UserError } from "../errors.js";
import { createExclusiveUnder, writeNamed } from "../fs/safe.js";
import { readConfigFile } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { formatReport } from "../upgrade/report.js";
import type { UpgradeOutcome } from "../upgrade/report.js";
import { upgradeConfigText } from "../upgrade/upgrade.js";
import { parse } from "yaml";

export interface UpgradeOptions {
  /** Path of the config file. @default "qhub-config.yaml" */
  config: string;
  /** Print one JSON document on stdout instead of lines on stderr. */
  json: boolean;
  /** Write nothing; print the upgraded config on stdout (without --json). */
  dryRun?: boolean;
}

/** Whether the upgraded config names at least one age recipient (QHub 0.3/0.4 and Nebari files never do). */
function hasAgeRecipient(text: string): boolean {
  const value: unknown = parse(text);
  const recipients = (value as { secrets?: { sops?: { age_recipients?: unknown } } } | null)?.secrets?.sops
    ?.age_recipients;
  return Array.isArray(recipients) && recipients.length > 0;
}

function readConfig(path: string): Buffer {
  return readConfigFile(path, "pass --config PATH to the qhub-config.yaml to upgrade");
}

/**
 * Copies the old file next to it before anything is replaced: NAME.bak, or NAME.bak.1, .2, ... when
 * that exists. Readable by the owner only: it still holds any secrets the upgrade took out.
 */
function writeBackup(path: string, bytes: Buffer): string {
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? `${path}.bak` : `${path}.bak.${i}`;
    // Created exclusively (O_EXCL): never over an existing file, never through a link.
    if (createExclusiveUnder(dirname(candidate), basename(candidate), bytes, 0o600)) return candidate;
  }
  throw new UserError(`${path}.bak and 999 numbered backups exist`, "remove old backups, then run again");
}

/**
 * Replaces the file by rename, so it is whole at any moment. The person named this file: where it
 * is a symlink, the link's target is replaced and the link kept.
 */
function writeAtomic(path: string, text: string): void {
  writeNamed(path, text, { keepMode: true });
}

/** `qhub upgrade`: migrates a QHub 0.3/0.4 or Nebari config in place; 0 done, 1 problems or decisions left. */
export function runUpgrade(opts: UpgradeOptions, io: Io): number {
  const dryRun = opts.dryRun ?? false;
  const bytes = readConfig(opts.config);
  const result = upgradeConfigText(opts.config, bytes.toString("utf8"));
  let backup: string | null = null;
  if (result.text !== undefined && !dryRun) {
    backup = writeBackup(opts.config, bytes);
    writeAtomic(opts.config, result.text);
  }
  const outcome: UpgradeOutcome = {
    ...result.report,
    dryRun,
    written: backup !== null,
    backup,
    problems: result.problems,
  };
  if (opts.json) {
    io.stdout(JSON.stringify(outcome, null, 2));
  } else {
    for (const line of formatReport(outcome)) io.stderr(line);
    if (result.problems.length > 0) {
      for (const p of result.problems) io.stderr(formatProblem(p));
      const n = result.problems.length;
      io.stderr(
        `${n} problem${n === 1 ? "" : "s"} left for you to decide; fix ${n === 1 ? "it" : "them"}, then run \`qhub validate --config ${opts.config}\``,
      );
    } else if (result.text !== undefined) {
      if (!hasAgeRecipient(result.text))
        io.stderr(
          "next: add your age public key to secrets.sops.age_recipients: `qhub render` encrypts every Secret for it (`age-keygen -y ~/.config/sops/age/keys.txt` prints it; `age-keygen -o FILE` makes one, kept outside the repository)",
        );
      const n = result.report.review.length;
      io.stderr(
        n > 0
          ? `${n} decision${n === 1 ? "" : "s"} left for you (listed above); make ${n === 1 ? "it" : "them"} in ${opts.config}, then run \`qhub validate --config ${opts.config}\``
          : `next: \`qhub validate --config ${opts.config}\`, then \`qhub render\``,
      );
    }
    if (dryRun && result.text !== undefined) io.stdout(result.text);
  }
  // Decisions left to the user are unfinished work too: a script must not take the file as done.
  return result.problems.length > 0 || result.report.review.length > 0 ? 1 : 0;
}
