// What `qhub upgrade` did to a config, as data (for --json) and as lines (for people). No value of a
// secret ever reaches a report: entries are built from paths, names and fixed wording only.
import type { Problem } from "../config/problems.js";

/** The config formats `qhub upgrade` tells apart: QHub's, and Nebari's (QHub's successor, 2022-2026). */
export type Era = "0.3" | "0.4" | "nebari" | "current";

/** A migration step, named by the formats it goes between. */
export type StepName = "0.3 -> 0.4" | "0.4 -> 1" | "Nebari -> 1";

export interface Change {
  step: StepName;
  /** `secret`: a literal secret replaced by a `{ fromEnv: NAME }` reference. */
  action: "removed" | "changed" | "added" | "secret";
  /** Dotted config path, as `qhub validate` prints it. */
  path: string;
  /** What happened and why, or what replaces a removed key. */
  detail: string;
}

/** An environment variable the upgraded config reads a secret from. */
export interface EnvVar {
  name: string;
  /** Where the reference is. */
  path: string;
  /** What value to give it. */
  note: string;
}

/** Something the user must decide or check; the upgrade could not settle it alone. */
export interface Review {
  path: string;
  message: string;
}

export interface UpgradeReport {
  /** The config file, as the user named it. */
  file: string;
  /** The format the file was in. */
  detected: Era;
  /** `qhub_version` (or Nebari's `nebari_version`) as written, or null when the file had none. */
  version: string | null;
  /** What the format was recognised by. */
  detectedBy: "qhub_version" | "nebari_version" | "shape";
  /** The keys that gave the format away (for `shape`). */
  evidence: string[];
  /** The schema version the upgraded file is in. */
  schemaVersion: number;
  /** True when the file was already in the current format: nothing changed. */
  upToDate: boolean;
  /** True when literal secrets were taken out of the file (the backup still holds them). */
  secretsRemoved: boolean;
  changes: Change[];
  environment: EnvVar[];
  review: Review[];
}

/** The command's full report: the migration plus what happened on disk and what is left. */
export interface UpgradeOutcome extends UpgradeReport {
  dryRun: boolean;
  /** True when the upgraded file was written. */
  written: boolean;
  /** Where the old file was copied to, or null when nothing was written. */
  backup: string | null;
  /** Problems `qhub validate` still finds in the upgraded file. */
  problems: Problem[];
}

function from(report: UpgradeReport): string {
  const era =
    report.detected === "current"
      ? "the current format"
      : report.detected === "nebari"
        ? "a Nebari config"
        : `QHub ${report.detected}`;
  if (report.detectedBy === "qhub_version") return `QHub ${report.version ?? report.detected}`;
  if (report.detectedBy === "nebari_version") return `Nebari ${report.version ?? ""}`.trimEnd();
  const key = report.detected === "nebari" ? "nebari_version" : "qhub_version";
  return `${era} (no ${key}; recognised by ${report.evidence.join(", ")})`;
}

/** The report as lines for people (stderr), without the problems (the command prints those). */
export function formatReport(o: UpgradeOutcome): string[] {
  if (o.upToDate)
    return [
      `${o.file}: already schema version ${o.schemaVersion}; nothing to upgrade (no file written)`,
      `next: \`qhub validate --config ${o.file}\``,
    ];
  const lines = [`${o.file}: ${from(o)} -> schema version ${o.schemaVersion}`];
  const steps = Math.max(...o.changes.map((c) => c.step.length));
  const actions = Math.max(...o.changes.map((c) => c.action.length));
  for (const c of o.changes)
    lines.push(`  ${c.step.padEnd(steps)}  ${c.action.padEnd(actions)}  ${c.path}: ${c.detail}`);
  if (o.environment.length > 0) {
    lines.push("Set these environment variables when you run qhub (the values are no longer in the file):");
    const w = Math.max(...o.environment.map((e) => e.name.length));
    for (const e of o.environment) lines.push(`  ${e.name.padEnd(w)}  ${e.path}: ${e.note}`);
  }
  if (o.review.length > 0) {
    lines.push("Decide or check:");
    for (const r of o.review) lines.push(`  ${r.path}: ${r.message}`);
  }
  if (o.written)
    lines.push(
      `wrote ${o.file}; the old file is ${o.backup ?? "(no backup)"}${
        o.secretsRemoved
          ? ", which still holds the old secret values: keep it out of git and delete it once you have them elsewhere"
          : ""
      }`,
    );
  else if (o.dryRun) lines.push(`dry run: ${o.file} was not changed`);
  return lines;
}
