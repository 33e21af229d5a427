// load: the only config module that touches the file system.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { BugError, UserError } from "../errors.js";
import { kindNamed, listPackageDir, MAX_CONFIG_FILE, readNamed, readPackageText } from "../fs/safe.js";
import { SHIPPED_ENVIRONMENTS } from "./shipped-environments.js";
import { parseConfigText } from "./document.js";
import type { ConfigDocument } from "./document.js";
import { JUPYTERHUB_CHART_VERSION } from "./defaults.js";
import { writtenOverrides } from "./overrides.js";
import type { ValuesCheck } from "./overrides.js";
import { schemas } from "./schema.js";
import type { CondaEnvironment } from "./schema.js";

export const DEFAULT_CONFIG = "qhub-config.yaml";

/**
 * A config file's bytes; a missing or unreadable file is a UserError. `missing` is the hint when
 * the file does not exist (what the command needs it for).
 */
export function readConfigFile(
  path: string,
  missing = "run `qhub init PROVIDER` to write one, or pass --config PATH",
): Buffer {
  // The path a person named (links followed as named), but only a regular file of bounded size:
  // a FIFO or device would never end.
  if (kindNamed(path) === "dir")
    throw new UserError(`${path} is a directory, not a config file`, "pass --config PATH/qhub-config.yaml");
  const bytes = readNamed(path, "config file", MAX_CONFIG_FILE);
  if (bytes === undefined) throw new UserError(`config file not found: ${path}`, missing);
  return bytes;
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

let installedAt: string | undefined;

/**
 * The folder QHub is installed in (holds package.json, environments/, blueprints/). Found once per
 * process: a render asks three times, each a walk up reading package.json files.
 */
export function packageRoot(): string {
  return (installedAt ??= findPackageRoot());
}

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readPackageText(join(dir, "package.json"))) as { name?: string };
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
  for (const file of listPackageDir(dir)
    .map((e) => e.name)
    .filter((f) => /\.ya?ml$/.test(f))) {
    const text = readPackageText(join(dir, file));
    const shipped = Object.hasOwn(SHIPPED_ENVIRONMENTS, file) ? SHIPPED_ENVIRONMENTS[file] : undefined;
    // The build validated exactly this text: its result stands.
    if (shipped?.text === text) {
      out[file] = JSON.parse(shipped.json) as CondaEnvironment;
      continue;
    }
    const parsed = schemas().CondaEnvironment.safeParse(parse(text));
    if (!parsed.success)
      throw new BugError(`shipped environment ${file} is invalid: ${parsed.error.message}`);
    out[file] = parsed.data;
  }
  return out;
}

/**
 * The JupyterHub chart's values validator for `qhub validate` and `qhub render`, when the file
 * writes `jupyterhub.overrides`; undefined otherwise, without loading the chart's schema or ajv.
 */
export async function hubValuesCheck(
  cd: ConfigDocument,
): Promise<{ check: ValuesCheck; chart: string } | undefined> {
  if (writtenOverrides(cd.value).length === 0) return undefined;
  const { pinnedValuesCheck } = await import("../kube/values-check.js");
  const check = pinnedValuesCheck(packageRoot(), `jupyterhub-${JUPYTERHUB_CHART_VERSION}`);
  if (check === undefined) throw new BugError("QHub's charts/ has no values schema of the jupyterhub chart");
  return { check, chart: `the JupyterHub chart (z2jh ${JUPYTERHUB_CHART_VERSION})` };
}
