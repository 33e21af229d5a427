/** One thing wrong with a config file, positioned in that file. */
export interface Problem {
  /** The file, as the user named it. */
  file: string;
  /** 1-based line of the offending key or value. */
  line: number;
  /** 1-based column of the offending key or value. */
  col: number;
  /** Dotted config path, e.g. `security.authentication.type`; empty for the whole file. */
  path: string;
  message: string;
  /** What to do about it; empty when the message says it all. */
  hint: string;
}

/** `FILE:LINE:COL: path: message (hint)`, one line per problem. */
export function formatProblem(p: Problem): string {
  return formatLine(p, "");
}

/** A warning, like a problem with `warning: ` after the path: it does not make the config invalid. */
export function formatWarning(p: Problem): string {
  return formatLine(p, "warning: ");
}

function formatLine(p: Problem, label: string): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  const path = `${p.path === "" ? "" : `${p.path}: `}${label}`;
  const hint = p.hint === "" ? "" : ` Hint: ${p.hint}`;
  return `${where}: ${path}${p.message}.${hint}`.replace(/\n/g, " ");
}

/** Problems in file order, each reported once. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique: Problem[] = [];
  for (const p of problems) {
    const key = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  return unique.sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/** A config path as users write it: `profiles.jupyterlab[0].display_name`. */
export function pathToString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(s);
      out += plain ? (out === "" ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}
