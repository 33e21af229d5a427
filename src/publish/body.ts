// The pull request's body: what reviewers read. Pure: the object-level changes in, Markdown out.
// A summary table per cluster first (deletions called out), then one collapsible section per
// component with its diffs. GitHub refuses bodies over 65,536 characters, so the body stays under
// BODY_LIMIT by degrading: long diffs are folded, then only the changed objects are listed, then
// only files. A hidden marker carries a hash of the content so an unchanged body is not re-sent.
import { createHash } from "node:crypto";
import type { ClusterChanges, FileChange, ObjectChange } from "../diff/objects.js";
import { code, text } from "../render/markdown.js";
import { groupOf } from "../components/registry.js";
import { dollars } from "../config/prices.js";
import type { ClusterCost } from "../config/prices.js";

export const BODY_LIMIT = 60_000;
const MARKER = /<!-- qhub:body sha256=([0-9a-f]{64}) -->/;
/** Lines of one diff kept when folding. */
const FOLD_LINES = 40;

export interface BodyInput {
  project: string;
  repository: string;
  base: string;
  /** The config file's name in the repository and its unified diff ("" when unchanged). */
  config: { file: string; diff: string; added?: boolean };
  changes: ClusterChanges[];
  /** Identity changes (cluster names, namespace, provider) reviewers must not miss. */
  warnings: string[];
  version: string;
  /** Where QHub's guide to the repository is, and the team's own README it stays clear of. */
  readme?: { path: string; besideForeign?: string };
  /** An update: what changed since the pull request's previous commit (the rest compares with the base). */
  since?: { commit: string; changes: ClusterChanges[] };
  /** Each cloud cluster's costs with this config, and with the base's config where it had one. */
  costs?: { cluster: string; before?: ClusterCost; after: ClusterCost }[];
}

const money = (n: number | undefined) => (n === undefined ? "?" : dollars(n));
/** `a`, or `a → b` when the two differ. */
const change = (before: string | undefined, after: string) =>
  before === undefined || before === after ? after : `${before} → ${after}`;

/** Per cluster: each group's monthly price at its min and max size, and the always-on baseline. */
function costSection(costs: NonNullable<BodyInput["costs"]>): string[] {
  return costs.flatMap(({ cluster, before, after }) => {
    const was = (name: string) => before?.groups.find((g) => g.name === name);
    const rows = after.groups.map((g) => {
      const w = was(g.name);
      const at = (x: { perNode?: number } | undefined, n: number | undefined) =>
        x === undefined || n === undefined
          ? undefined
          : money(x.perNode === undefined ? undefined : x.perNode * n);
      return `| ${g.name} | ${change(w?.instance, g.instance)} | ${change(at(w, w?.minNodes), money(g.perNode === undefined ? undefined : g.perNode * g.minNodes))} | ${change(at(w, w?.maxNodes), money(g.perNode === undefined ? undefined : g.perNode * g.maxNodes))} |`;
    });
    const gone = (before?.groups ?? []).filter((g) => !after.groups.some((a) => a.name === g.name));
    const baseline = change(
      before === undefined ? undefined : dollars(before.baseline.total),
      dollars(after.baseline.total),
    );
    return [
      `**Costs of ${code(cluster)}** (on-demand, US dollars a month, ${text(after.region)}, QHub's price table of ${after.date}):`,
      "",
      "| group | instance | at min | at max |",
      "|---|---|---:|---:|",
      ...rows,
      ...gone.map(
        (g) =>
          `| ${g.name} | ${g.instance} → removed | ${money(g.perNode === undefined ? undefined : g.perNode * g.minNodes)} → $0.00 | ${money(g.perNode === undefined ? undefined : g.perNode * g.maxNodes)} → $0.00 |`,
      ),
      "",
      `Always on (nodes at min, load balancer, storage): ${baseline}.`,
      "",
    ];
  });
}

type Detail = "full" | "folded" | "objects" | "files";

const fence = (diff: string) => {
  // A diff that contains a fence itself must not close ours.
  const ticks = "`".repeat(Math.max(3, ...[...diff.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
  return `${ticks}diff\n${diff}\n${ticks}`;
};

function foldDiff(diff: string, detail: Detail): string {
  const lines = diff.split("\n");
  if (detail !== "folded" || lines.length <= FOLD_LINES) return fence(diff);
  const rest = lines.length - FOLD_LINES;
  return `${fence(lines.slice(0, FOLD_LINES).join("\n"))}\n\n… ${rest} more line${rest === 1 ? "" : "s"}: run \`qhub diff\` to see them all.`;
}

const count = (c: ClusterChanges, k: ObjectChange["change"]) =>
  c.objects.filter((o) => o.change === k).length + c.files.filter((f) => f.change === k).length;

const SIGN = { added: "added", changed: "changed", removed: "**removed**" } as const;

/** A Markdown list of at most 20 items, each line starting with `prefix`, and how many more. */
function listAtMost(items: readonly string[], prefix: string): string[] {
  const shown = items.slice(0, 20);
  return [
    ...shown.map((i) => `${prefix}${i}`),
    ...(items.length > shown.length ? [`${prefix}… and ${items.length - shown.length} more`] : []),
  ];
}

function objectLines(o: ObjectChange | FileChange, detail: Detail): string {
  // Object and file names come from the base branch too, which anyone with push access shapes.
  // Kustomize's own files are named by their path already: no "X in X".
  const name =
    "object" in o && !o.object.endsWith(o.file)
      ? `${code(o.object)} in ${code(o.file)}`
      : code("object" in o ? o.object : o.file);
  const warn = "warning" in o && o.warning ? ` — ⚠️ ${o.warning}` : "";
  const capacity = "capacity" in o && o.capacity ? ` — ${o.capacity}` : "";
  const head = `- ${SIGN[o.change]}: ${name}${warn}${capacity}`;
  if (detail === "objects" || detail === "files" || !o.diff) return head;
  return `${head}\n\n${foldDiff(o.diff, detail)}\n`;
}

function clusterSection(c: ClusterChanges, detail: Detail): string {
  const items = [...c.objects, ...c.files];
  if (detail === "files") {
    const files = [...new Set(items.map((o) => `- ${SIGN[o.change]}: ${code(o.file)}`))];
    return `### ${c.cluster}\n\n${files.join("\n")}\n`;
  }
  const byComponent = new Map<string, (ObjectChange | FileChange)[]>();
  for (const o of items) {
    const k = groupOf(o.file);
    byComponent.set(k, [...(byComponent.get(k) ?? []), o]);
  }
  const parts = [...byComponent.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([component, list]) => {
      const n = (k: ObjectChange["change"]) => list.filter((o) => o.change === k).length;
      const summary = [`${n("added")} added`, `${n("changed")} changed`, `${n("removed")} removed`]
        .filter((s) => !s.startsWith("0 "))
        .join(", ");
      return `<details><summary><b>${text(component)}</b>: ${summary}</summary>\n\n${list.map((o) => objectLines(o, detail)).join("\n")}\n</details>`;
    });
  return `### ${c.cluster}\n\n${parts.join("\n\n")}\n`;
}

function compose(input: BodyInput, detail: Detail): string {
  const rows = input.changes.map((c) => {
    const removed = count(c, "removed");
    return `| ${c.cluster} | ${count(c, "added")} | ${count(c, "changed")} | ${removed > 0 ? `⚠️ ${removed}` : "0"} |`;
  });
  const removals = input.changes.flatMap((c) =>
    c.objects.filter((o) => o.change === "removed").map((o) => `${c.cluster}: ${code(o.object)}`),
  );
  const out = [
    `QHub ${input.version} rendered ${code(input.config.file)} of **${text(input.project)}** onto ${code(input.base)}. After merge, Flux applies it to each cluster.`,
    "",
    "| cluster | added | changed | removed |",
    "|---|---:|---:|---:|",
    ...rows,
    "",
  ];
  if (input.costs && input.costs.length > 0) out.push(...costSection(input.costs));
  if (input.since) {
    const items = input.since.changes.flatMap((c) =>
      [
        ...c.objects.map((o) => ({ change: o.change, name: o.object })),
        ...c.files.map((f) => ({ change: f.change, name: f.file })),
      ].map((o) => `${c.cluster}: ${SIGN[o.change]} ${code(o.name)}`),
    );
    out.push(
      `**Since the previous version of this pull request** (\`${input.since.commit.slice(0, 7)}\`): ${items.length === 0 ? "no object changed" : `${items.length} change${items.length === 1 ? "" : "s"}`}.`,
      ...(items.length > 0 ? ["", ...listAtMost(items, "- ")] : []),
      "",
      "Everything below compares with the base.",
      "",
    );
  }
  if (input.readme?.besideForeign)
    out.push(
      `> [!NOTE]`,
      `> ${code(input.readme.besideForeign)} on ${code(input.base)} is the repository's own: QHub leaves it alone and writes its guide to the platform as ${code(input.readme.path)}.`,
      "",
    );
  if (input.warnings.length > 0) out.push("> [!CAUTION]", ...input.warnings.map((w) => `> - ${w}`), "");
  if (removals.length > 0) {
    out.push(
      "> [!WARNING]",
      `> This change deletes ${removals.length} object${removals.length === 1 ? "" : "s"}; Flux removes ${removals.length === 1 ? "it" : "them"} from the cluster (prune), with what ${removals.length === 1 ? "it holds" : "they hold"}:`,
      ...listAtMost(removals, "> - "),
      "",
    );
  }
  if (input.config.diff) {
    const d = detail === "full" || detail === "folded" ? `\n\n${foldDiff(input.config.diff, detail)}\n` : "";
    const what = input.config.added ? "added" : "changed";
    out.push(`<details><summary><b>${text(input.config.file)}</b>: ${what}</summary>${d}\n</details>`, "");
  }
  if (detail === "objects" || detail === "files")
    out.push(
      `_The full diff is too long for a pull request body: run \`qhub diff\` or read the files tab._`,
      "",
    );
  out.push(...input.changes.map((c) => clusterSection(c, detail)));
  out.push("Secret values never appear here: a changed Secret shows as changed, with its values masked.");
  return out.join("\n");
}

/** The body, as detailed as fits under BODY_LIMIT, ending with its hash marker. */
export function pullRequestBody(input: BodyInput): string {
  let text = "";
  for (const detail of ["full", "folded", "objects", "files"] as const) {
    text = compose(input, detail);
    if (text.length <= BODY_LIMIT - 100) break;
  }
  if (text.length > BODY_LIMIT - 100) {
    // Even the list of files is too long: cut it, saying so.
    const cut = text.lastIndexOf("\n", BODY_LIMIT - 300);
    text = `${text.slice(0, cut)}\n\n… cut here: the change is too large to list. Run \`qhub diff\`.`;
  }
  return `${text}\n\n<!-- qhub:body sha256=${hashOf(text)} -->\n`;
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The content hash in a body QHub wrote, if any. */
export function bodyHash(body: string | null | undefined): string | undefined {
  return body ? MARKER.exec(body)?.[1] : undefined;
}
