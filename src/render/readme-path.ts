// Where QHub writes the rendered repository's guide. Pure: the caller hands in what the tree it
// renders onto already holds (a folder for `qhub render`, the base branch for `qhub pr`, the
// compared tree for `qhub diff`), so that all three decide alike.

/** Where the guide goes when nothing is in the way. */
export const DEFAULT_README = "README.md";
/** Where the guide goes when the repository keeps a README.md of its own (e.g. GitHub's "Add a README"). */
export const OWN_README = "QHUB.md";

export interface ReadmeChoice {
  path: string;
  /** Set when the guide moved aside: the README.md that is not QHub's. */
  besideForeign?: string;
}

/**
 * `gitops.readme` when the config sets it; else README.md, unless a README.md is there that QHub
 * did not write: then QHUB.md. Once QHub has written QHUB.md it keeps that name (the team may
 * delete its README.md later; the guide does not move back and forth).
 */
export function chooseReadme(
  explicit: string | undefined,
  tree: { owned: ReadonlySet<string>; readmeExists: boolean },
): ReadmeChoice {
  if (explicit !== undefined) return { path: explicit };
  if (tree.owned.has(DEFAULT_README)) return { path: DEFAULT_README };
  const foreign = tree.readmeExists ? { besideForeign: DEFAULT_README } : {};
  if (tree.owned.has(OWN_README) || tree.readmeExists) return { path: OWN_README, ...foreign };
  return { path: DEFAULT_README };
}
