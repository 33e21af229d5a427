// Comment-keeping edits of a parsed config, each recorded for the report. Pure: a YAML document in
// memory, no file system. Edits go through the yaml library's Document API so that the comments,
// key order and scalar styles of everything the upgrade does not touch stay as they were.
import { isMap, isNode, isPair, isScalar, isSeq, Scalar, visit } from "yaml";
import type { Document, Node, Pair, YAMLMap } from "yaml";
import { pathToString } from "../config/problems.js";
import { isSecretKey } from "../config/names.js";
import type { Change, Era, EnvVar, Review, StepName } from "./report.js";

export { isSecretKey };

export type Path = readonly (string | number)[];

/** A `{ fromEnv: NAME }` or `{ fromFile: PATH }` reference, as data. */
export function isSecretRef(value: unknown): boolean {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "fromEnv" || keys[0] === "fromFile");
}

export class Editor {
  readonly changes: Change[] = [];
  readonly environment: EnvVar[] = [];
  readonly review: Review[] = [];
  /** Literal secret values the upgrade took out of the file; used only to check the output. */
  readonly secretValues: string[] = [];
  /** The step whose edits are being recorded. */
  step: StepName = "0.3 -> 0.4";

  /** `from`: the format the file was in; some advice depends on it. */
  constructor(
    readonly doc: Document.Parsed,
    readonly from: Era,
  ) {}

  /** The node at `path` (scalars as Scalar nodes), or undefined. */
  node(path: Path): Node | undefined {
    const n: unknown = this.doc.getIn(path, true);
    return isNode(n) ? n : undefined;
  }

  /** The plain value at `path`, or undefined. */
  get(path: Path): unknown {
    const n = this.node(path);
    return n === undefined ? undefined : n.toJS(this.doc);
  }

  has(path: Path): boolean {
    return this.doc.hasIn(path);
  }

  /** The keys of the mapping at `path`, in file order; [] for anything else. */
  keys(path: Path): string[] {
    const n = this.node(path);
    if (!isMap(n)) return [];
    return n.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  }

  /** The number of items of the list at `path`; 0 for anything else. */
  length(path: Path): number {
    const n = this.node(path);
    return isSeq(n) ? n.items.length : 0;
  }

  record(action: Change["action"], path: Path, detail: string): void {
    this.changes.push({ step: this.step, action, path: pathToString(path), detail });
  }

  note(path: Path, message: string): void {
    const p = pathToString(path);
    if (!this.review.some((r) => r.path === p && r.message === message))
      this.review.push({ path: p, message });
  }

  private pairAt(path: Path): { map: YAMLMap; index: number; pair: Pair } | undefined {
    const parent = path.length === 1 ? this.doc.contents : this.node(path.slice(0, -1));
    if (!isMap(parent)) return undefined;
    const want = String(path.at(-1));
    const index = parent.items.findIndex((p) => String(isScalar(p.key) ? p.key.value : p.key) === want);
    const pair = parent.items[index];
    return pair && isPair(pair) ? { map: parent, index, pair } : undefined;
  }

  /**
   * Removes the key at `path` and records why. Secrets inside it are noted (by path) so the user
   * knows to rotate them; a comment above the key that a blank line separates from it is kept,
   * as it introduces a section rather than the key.
   */
  remove(path: Path, detail: string, record = true): void {
    const at = this.pairAt(path);
    if (!at) return;
    this.dropSecretsIn(path);
    const { map, index, pair } = at;
    const key = isNode(pair.key) ? pair.key : undefined;
    const next = map.items[index + 1];
    const nextKey = next && isNode(next.key) ? next.key : undefined;
    const before = key?.commentBefore;
    const cut = before ? before.lastIndexOf("\n\n") : -1;
    if (before && cut >= 0) {
      const kept = before.slice(0, cut);
      if (nextKey)
        nextKey.commentBefore = nextKey.commentBefore ? `${kept}\n\n${nextKey.commentBefore}` : kept;
      else if (map === this.doc.contents)
        this.doc.comment = this.doc.comment ? `${kept}\n${this.doc.comment}` : kept;
      else map.comment = map.comment ? `${kept}\n${map.comment}` : kept;
    }
    if (key?.spaceBefore && nextKey) nextKey.spaceBefore = true;
    map.items.splice(index, 1);
    if (record) this.record("removed", path, detail);
  }

  /** Replaces the value at `path` (which must exist) with `value`, keeping its line comment. */
  replace(path: Path, value: unknown, detail?: string, action: Change["action"] = "changed"): void {
    const at = this.pairAt(path);
    if (!at) return;
    const old = at.pair.value;
    const node = isNode(value) ? value : this.doc.createNode(value);
    if (isNode(old) && old.comment && !this.secretValues.some((s) => old.comment?.includes(s)))
      node.comment = old.comment;
    at.pair.value = node;
    if (detail !== undefined) this.record(action, path, detail);
  }

  /** Sets `path` (creating parent mappings) to `value`, appended after the existing keys. */
  add(path: Path, value: unknown, detail?: string): void {
    this.doc.setIn(path, isNode(value) ? value : this.doc.createNode(value));
    if (detail !== undefined) this.record("added", path, detail);
  }

  /** A flow-style node: `{ fromEnv: X }`, `[a, b]`. */
  flow(value: unknown): Node {
    return this.doc.createNode(value, { flow: true });
  }

  /**
   * Replaces the literal secret at `path` with `{ fromEnv: name }`. The value is remembered only to
   * check that it appears nowhere in the output.
   */
  moveSecretToEnv(path: Path, name: string, note: string): void {
    this.rememberSecret(this.get(path));
    this.replace(
      path,
      this.flow({ fromEnv: name }),
      `now read from the environment variable ${name}`,
      "secret",
    );
    this.environment.push({ name, path: pathToString(path), note });
  }

  rememberSecret(value: unknown): void {
    if ((typeof value === "string" || typeof value === "number") && String(value).length > 0)
      this.secretValues.push(String(value));
  }

  /** Literal secrets inside a subtree that is being dropped: noted so they get rotated. */
  dropSecretsIn(base: Path): void {
    const node = this.node(base);
    const walk = (n: unknown, path: Path, secretContext: boolean): void => {
      if (isMap(n)) {
        for (const p of n.items) {
          const k = String(isScalar(p.key) ? p.key.value : p.key);
          walk(p.value, [...path, k], secretContext || isSecretKey(k));
        }
      } else if (isSeq(n)) {
        n.items.forEach((item, i) => walk(item, [...path, i], secretContext));
      } else if (
        isScalar(n) &&
        secretContext &&
        (typeof n.value === "string" || typeof n.value === "number")
      ) {
        if (String(n.value) === "") return;
        this.rememberSecret(n.value);
        this.note(
          path,
          "held a secret value; it is no longer in the config, but it is still in the backup and in your repository's history: rotate it",
        );
      }
    };
    const last = base.at(-1);
    walk(node, base, typeof last === "string" && isSecretKey(last));
  }

  /** Drops comments that contain a secret value (someone noted the old value next to it). */
  scrubComments(): void {
    if (this.secretValues.length === 0) return;
    const leaks = (c: string | null | undefined) => !!c && this.secretValues.some((s) => c.includes(s));
    if (leaks(this.doc.commentBefore)) this.doc.commentBefore = null;
    if (leaks(this.doc.comment)) this.doc.comment = null;
    visit(this.doc, {
      Node: (_key, n) => {
        if (leaks(n.commentBefore)) n.commentBefore = undefined;
        if (leaks(n.comment)) n.comment = undefined;
      },
      Pair: (_key, p) => {
        if (isNode(p.key)) {
          if (leaks(p.key.commentBefore)) p.key.commentBefore = undefined;
          if (leaks(p.key.comment)) p.key.comment = undefined;
        }
      },
    });
  }

  /** A new scalar node (for values whose style must be fresh, not inherited). */
  scalar(value: unknown): Scalar {
    return new Scalar(value);
  }
}
