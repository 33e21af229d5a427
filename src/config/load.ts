// load: the only config module that touches the file system.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { BugError, UserError } from "../errors.js";
import { parseConfigText } from "./document.js";
import type { ConfigDocument } from "./document.js";
import { CondaEnvironment } from "./schema.js";

export const DEFAULT_CONFIG = "qhub-config.yaml";

/**
 * A config file's bytes; a missing or unreadable file is a UserError. `missing` is the hint when
 * the file does not exist (what the command needs it for).
 */
export function readConfigFile(
  path: string,
  missing = "run `qhub init PROVIDER` to write one, or pass --config PATH",
): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`config file not found: ${path}`, missing);
    if (code === "EISDIR")
      throw new UserError(`${path} is a directory, not a config file`, "pass --config PATH/qhub-config.yaml");
    throw new UserError(`cannot read ${path} (${code ?? "unknown error"})`, "check the file's permissions");
  }
}

/** Reads and parses a config file; a missing or unreadable file is a UserError. */
export function loadConfigDocument(path: string): ConfigDocument {
  return parseConfigText(
    path,
    readConfigFile(path)
      .toString("utf8")
      .replace(/^\uFEFF/, ""),
  );
}

/** The folder QHub is installed in (holds package.json, environments/, blueprints/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "qhub") return dir;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  throw new BugError("cannot find QHub's own package.json");
}

/** The default conda environments shipped in `environments/`, by file name. */
export function loadDefaultEnvironments(root = packageRoot()): Record<string, CondaEnvironment> {
  const dir = join(root, "environments");
  const out: Record<string, CondaEnvironment> = {};
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const parsed = CondaEnvironment.safeParse(parse(readFileSync(join(dir, file), "utf8")));
    if (!parsed.success)
      throw new BugError(`shipped environment ${file} is invalid: ${parsed.error.message}`);
    out[file] = parsed.data;
  }
  return out;
}
