// Strings from the config, the environment or the base branch, put into Markdown that people
// review (the rendered README, the pull request's body): they must read as the text they are,
// never as links, images, HTML, table columns or the end of a code span. Pure.

/** `s` as inline code: a fence longer than any run of backticks in it, one line, `|` escaped for tables. */
export function code(s: string): string {
  const flat = s.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * `s` as plain text on one line: what would start a link, an image, emphasis, HTML or a table
 * column is escaped; other punctuation stays as it is (`m5.large`, `Standard_D4s_v3` read the same).
 */
export function text(s: string): string {
  return s
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]|!~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}
