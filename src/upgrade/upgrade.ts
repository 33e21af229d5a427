// `qhub upgrade`'s pure middle: an old config's text in, the upgraded text and a report out.
// Detect the format, migrate 0.3 -> 0.4 -> schema version 1 (Nebari -> 1) in steps, fix what the new rules
// reject where a safe fix exists, and check that what comes out says what the edits meant.
import { isDeepStrictEqual } from "node:util";
import { isAlias, isMap, isNode, isScalar, isSeq, Pair, parse, Scalar, stringify, visit } from "yaml";
import type { Alias, Node, YAMLMap } from "yaml";
import { parseConfigText } from "../config/document.js";
import { isPlainObject } from "../config/merge.js";
import type { Problem } from "../config/problems.js";
import { formatProblem } from "../config/problems.js";
import { CURRENT_SCHEMA_VERSION } from "../config/schema.js";
import { validateDocument } from "../config/validate.js";
import { BugError, UserError } from "../errors.js";
import { detectEra } from "./detect.js";
import { Editor } from "./edit.js";
import type { Path } from "./edit.js";
import type { UpgradeReport } from "./report.js";
import { upgradeNebari } from "./nebari.js";
import { finalChecks, upgrade03to04, upgrade04to1 } from "./steps.js";

export interface UpgradeResult {
  report: UpgradeReport;
  /** The upgraded file, or undefined when it was already current. */
  text?: string;
  /** What `qhub validate` still finds in the upgraded file. */
  problems: Problem[];
}

/** Upgrades a config's text. `file` names the file in messages only. */
export function upgradeConfigText(file: string, input: string): UpgradeResult {
  const text = input.replace(/^\uFEFF/, "");
  const cd = parseConfigText(file, text);
  const first = cd.problems[0];
  if (first !== undefined || !isPlainObject(cd.value))
    throw new UserError(
      `${file} cannot be upgraded: ${first ? formatProblem(first) : "it holds no settings"}`,
      "fix the YAML first (`qhub validate` lists every problem), then run `qhub upgrade` again",
    );
  const versionNode = cd.doc.get("qhub_version", true);
  const versionSource =
    isScalar(versionNode) && typeof versionNode.source === "string" ? versionNode.source : undefined;
  const detected = detectEra(cd.value, versionSource);
  const report: UpgradeReport = {
    file,
    detected: detected.era,
    version: detected.version,
    detectedBy: detected.by,
    evidence: detected.evidence,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    upToDate: detected.era === "current",
    secretsRemoved: false,
    changes: [],
    environment: [],
    review: [],
  };
  if (report.upToDate) return { report, problems: [] };

  const ed = new Editor(cd.doc, detected.era);
  ed.step = detected.era === "0.3" ? "0.3 -> 0.4" : detected.era === "nebari" ? "Nebari -> 1" : "0.4 -> 1";
  expandAliases(ed);
  if (detected.era === "0.3") upgrade03to04(ed);
  if (detected.era === "nebari") {
    upgradeNebari(ed);
    upgrade04to1(ed, "Nebari -> 1");
  } else upgrade04to1(ed);
  identityFixes(ed);
  if (detected.era === "nebari" && ed.has(["qhub_version"]))
    ed.remove(
      ["qhub_version"],
      "the file is Nebari's (nebari_version says so); qhub_version takes its place",
    );
  setSchemaVersion(ed, detected.era === "nebari" ? null : detected.version);
  finalChecks(ed);
  ed.scrubComments();

  let out = serialize(ed, indentStyle(text));
  for (const path of pathsHolding(ed, ed.secretValues))
    ed.note(path, "holds a value that was removed from the file as a secret: remove it here too");
  if (text.includes("\r\n")) out = out.replace(/\n/g, "\r\n");

  report.changes = ed.changes;
  report.environment = ed.environment;
  report.review = ed.review;
  report.secretsRemoved = ed.secretValues.length > 0;
  return { report, text: out, problems: validateDocument(parseConfigText(file, out)).problems };
}

/**
 * How the file indents: the width of one level, and whether a block list sits under its key
 * (`key:\n- a`) or one level in (`key:\n  - a`). The upgraded file keeps it, so its diff shows
 * only what changed. Defaults to yaml's (2, indented) where the file has no example.
 */
export function indentStyle(text: string): { indent: number; indentSeq: boolean } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  let indent: number | undefined;
  let seqStep: number | undefined;
  for (let i = 0; i + 1 < lines.length && (indent === undefined || seqStep === undefined); i++) {
    const key = /^( *)[^\s-][^:]*:\s*$/.exec(lines[i]!);
    if (!key) continue;
    const next = /^( *)(- )?/.exec(lines[i + 1]!)!;
    const step = next[1]!.length - key[1]!.length;
    if (next[2] !== undefined) seqStep ??= step;
    else if (step > 0) indent ??= step;
  }
  indent ??= 2;
  // yaml writes an unindented list's "- " inside the level's indent: 0 more with 2, 2 more with 4.
  return { indent, indentSeq: seqStep === undefined || seqStep >= indent };
}

function serialize(ed: Editor, style: { indent: number; indentSeq: boolean }): string {
  const expected: unknown = ed.doc.toJS();
  const out = ed.doc.toString({ lineWidth: 0, ...style });
  // The edits went through the Document API; what is written must read back as what was meant.
  if (!isDeepStrictEqual(parse(out), expected))
    throw new BugError("the upgraded config does not read back as the upgrade meant it to");
  return out;
}

/** Where in the upgraded file a removed secret's value still appears (never the value itself). */
function pathsHolding(ed: Editor, secrets: readonly string[]): string[][] {
  const long = secrets.filter((s) => s.length >= 6);
  if (long.length === 0) return [];
  const found: string[][] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, String(i)]));
    else if (isPlainObject(v)) for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    else if ((typeof v === "string" || typeof v === "number") && long.some((s) => String(v).includes(s)))
      found.push(path);
  };
  walk(ed.doc.toJS(), []);
  return found;
}

/**
 * Writes each YAML alias (`*name`) out as a copy of its anchor's value, so that the steps can
 * change or remove one copy without breaking the others.
 */
function expandAliases(ed: Editor): void {
  const anchored = new Map<string, Node>();
  let aliases = 0;
  visit(ed.doc, {
    Node: (_key, node) => {
      if (isAlias(node)) aliases++;
      else if (node.anchor) anchored.set(node.anchor, node);
    },
  });
  if (aliases === 0) return;
  const copy = (alias: Alias, path: Path): Node => {
    const target = anchored.get(alias.source);
    if (!target) throw new BugError(`the YAML anchor ${alias.source} was not found`);
    ed.record(
      "changed",
      path,
      `the alias *${alias.source} is written out, so that each copy is upgraded on its own`,
    );
    const clone: unknown = target.clone();
    if (!isNode(clone)) throw new BugError("a copy of a YAML node is not a node");
    return clone;
  };
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node))
      for (const pair of node.items) {
        const key = [...path, String(isScalar(pair.key) ? pair.key.value : pair.key)];
        if (isAlias(pair.value)) pair.value = copy(pair.value, key);
        walk(pair.value, key);
      }
    else if (isSeq(node))
      node.items.forEach((item, i) => {
        if (isAlias(item)) node.items[i] = copy(item, [...path, i]);
        walk(node.items[i], [...path, i]);
      });
  };
  walk(ed.doc.contents, []);
  visit(ed.doc, {
    Node: (_key, node) => {
      if (!isAlias(node)) node.anchor = undefined;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// project_name and namespace: identity fields whose QHub 0.3 values the new rules may reject.

/** Problems `qhub validate` finds at `key` when only the identity fields are set. */
function identityInvalid(key: "project_name" | "namespace", settings: Record<string, unknown>): boolean {
  const probe = stringify({ ...settings, domain: "qhub.example.com" });
  return validateDocument(parseConfigText("probe.yaml", probe)).problems.some((p) => p.path === key);
}

/** The smallest change that makes a project name valid under QHub 0.4's rules. */
export function fixProjectName(name: string, provider: unknown): string {
  let n = name.replace(/[^A-Za-z0-9_-]+/g, "-");
  if (provider === "azure") n = n.replace(/-/g, "");
  if (provider === "aws") n = n.replace(/^aws[-_]*/i, "");
  n = n.replace(/^[^A-Za-z]+/, "");
  n = n.slice(0, 16).replace(/[-_]+$/, "");
  return n.length >= 2 ? n : "qhub";
}

/** A namespace as a DNS label. */
export function fixNamespace(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
  return n.length > 0 ? n : "dev";
}

function identityFixes(ed: Editor): void {
  const provider = ed.get(["provider"]);
  const name = ed.get(["project_name"]);
  if (typeof name === "string" && identityInvalid("project_name", { project_name: name, provider })) {
    const fixed = fixProjectName(name, provider);
    if (fixed !== name && !identityInvalid("project_name", { project_name: fixed, provider })) {
      ed.replace(
        ["project_name"],
        fixed,
        `${JSON.stringify(name)} is now ${JSON.stringify(fixed)}: project names are letters, digits, - and _, at most 16 characters${
          provider === "azure"
            ? ", without - on Azure"
            : provider === "aws"
              ? ', not starting with "aws" on AWS'
              : ""
        }`,
      );
      ed.note(
        ["project_name"],
        "identity field: the default cluster and its folders are named after it; check the new name",
      );
    }
  }
  const namespace = ed.get(["namespace"]);
  if (
    typeof namespace === "string" &&
    identityInvalid("namespace", { project_name: "qhub", provider: "local", namespace })
  ) {
    const fixed = fixNamespace(namespace);
    ed.replace(
      ["namespace"],
      fixed,
      `${JSON.stringify(namespace)} is now ${JSON.stringify(fixed)}: namespaces are DNS labels (lowercase letters, digits and -)`,
    );
    ed.note(["namespace"], "identity field: everything moves to the new namespace; check the new name");
  }
}

// ---------------------------------------------------------------------------------------------

function setSchemaVersion(ed: Editor, written: string | null): void {
  const node = new Scalar(CURRENT_SCHEMA_VERSION);
  if (written !== null) {
    ed.replace(
      ["qhub_version"],
      node,
      `was ${written}; ${CURRENT_SCHEMA_VERSION} is this QHub's schema version`,
    );
    return;
  }
  const root = ed.doc.contents;
  if (!isMap(root)) throw new BugError("the config is not a mapping");
  // New nodes have no source range, which the parsed document's types insist on.
  const map: YAMLMap<unknown, unknown> = root;
  const key = new Scalar("qhub_version");
  // Nebari's `nebari_version` becomes `qhub_version` in its place, with its comments.
  const nebari = map.items.find((p) => isScalar(p.key) && p.key.value === "nebari_version");
  if (nebari && isScalar(nebari.key)) {
    const was = isScalar(nebari.value) ? String(nebari.value.source ?? nebari.value.value) : "?";
    key.commentBefore = nebari.key.commentBefore;
    key.spaceBefore = nebari.key.spaceBefore;
    if (isNode(nebari.value) && nebari.value.comment) node.comment = nebari.value.comment;
    nebari.key = key;
    nebari.value = node;
    ed.record(
      "changed",
      ["nebari_version"],
      `now qhub_version: ${CURRENT_SCHEMA_VERSION}, this QHub's schema version (the file was Nebari ${was}'s)`,
    );
    return;
  }
  const pair = new Pair(key, node);
  // The file's header comment stays at the top. Where a blank line parts it from a comment on the
  // first key, that comment stays with the key.
  const firstKey = map.items[0]?.key;
  const comment = isNode(firstKey) ? firstKey.commentBefore : undefined;
  if (isNode(firstKey) && comment) {
    const cut = comment.lastIndexOf("\n\n");
    key.commentBefore = cut >= 0 ? comment.slice(0, cut) : comment;
    firstKey.commentBefore = cut >= 0 ? comment.slice(cut + 2) : undefined;
    if (cut >= 0) firstKey.spaceBefore = true;
  }
  map.items.unshift(pair);
  ed.record("added", ["qhub_version"], `${CURRENT_SCHEMA_VERSION}, this QHub's schema version`);
}
