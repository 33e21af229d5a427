import { basename, dirname, join, resolve, sep } from "node:path";
import type { Io } from "../io.js";
import { UserError, UsageError } from "../errors.js";
import { configJsonSchemaText, SCHEMA_ID } from "../config/json-schema.js";
import { PROVIDERS } from "../config/schema.js";
import type { Provider } from "../config/schema.js";
import { parseConfigText } from "../config/document.js";
import { loadDefaultEnvironments } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { validateDocument } from "../config/validate.js";
import { BugError } from "../errors.js";
import { kindNamed, MAX_SECRET_FILE, readNamed, readUnder, writeNamed, writeUnder } from "../fs/safe.js";
import { generateIdentity, identityFileText, parseIdentities } from "../secrets/age.js";
import { defaultKeyFile } from "../secrets/render.js";
import {
  AUTH_TYPES,
  defaultDomain,
  projectNameFrom,
  renderInitConfig,
  SCHEMA_FILE,
} from "../init/template.js";
import type { AuthType } from "../init/template.js";

export interface InitCommandOptions {
  provider: string;
  /** Path of the config to write. @default "qhub-config.yaml" */
  config: string;
  /** @default the config folder's name, made valid */
  projectName?: string;
  /** @default NAME.localhost (local, existing) or NAME.example.com */
  domain?: string;
  /** @default "password" */
  auth?: string;
  repository?: string;
  force: boolean;
  /** Where the answers came from, for what an error tells the user to change. @default "flags" */
  answeredBy?: "flags" | "wizard";
}

/**
 * The age identity SOPS will use: reused when SOPS's key file exists, else made, written with
 * mode 0600 outside the repository, and announced. Returns its public key.
 */
async function ageRecipient(configDir: string, env: NodeJS.ProcessEnv, io: Io): Promise<string> {
  const keyFile = resolve(env.SOPS_AGE_KEY_FILE ?? defaultKeyFile(env));
  const repo = resolve(configDir);
  if (keyFile === repo || keyFile.startsWith(repo + sep))
    throw new UserError(
      `the age identity file ${keyFile} would be inside the repository folder ${repo}`,
      "set SOPS_AGE_KEY_FILE to a path outside the repository; a private key must never be committed",
    );
  const existing = readNamed(keyFile, "the age identity file", MAX_SECRET_FILE);
  if (existing !== undefined) {
    const [pair] = await parseIdentities(existing.toString("utf8"), keyFile);
    io.stderr(`using the age identity in ${keyFile} (public key ${pair!.recipient})`);
    return pair!.recipient;
  }
  const pair = await generateIdentity();
  if (
    !writeNamed(keyFile, identityFileText(pair, new Date()), { mode: 0o600, exclusive: true, dirMode: 0o700 })
  )
    throw new UserError(`${keyFile} appeared while QHub made a new identity`, "run `qhub init` again");
  io.stderr(
    `wrote a new age identity to ${keyFile} (mode 0600; keep it secret, back it up: Flux needs it as the sops-age Secret)`,
  );
  return pair.recipient;
}

/** `qhub init PROVIDER`: writes a commented config that validates as written. */
export async function runInit(
  opts: InitCommandOptions,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!(PROVIDERS as readonly string[]).includes(opts.provider))
    throw new UsageError(`unknown provider "${opts.provider}"`, `use one of: ${PROVIDERS.join(", ")}`);
  const provider = opts.provider as Provider;
  const auth = (opts.auth ?? "password").toLowerCase();
  if (!(AUTH_TYPES as readonly string[]).includes(auth))
    throw new UsageError(`unknown --auth "${opts.auth ?? ""}"`, `use one of: ${AUTH_TYPES.join(", ")}`);
  if (kindNamed(opts.config) !== "missing" && !opts.force)
    throw new UserError(
      `${opts.config} already exists; not overwriting it`,
      "pass --force to replace it, or --config PATH to write elsewhere",
    );

  const folder = basename(dirname(resolve(opts.config)));
  const projectName = opts.projectName ?? projectNameFrom(folder, provider);
  const options = {
    provider,
    projectName,
    domain: opts.domain ?? defaultDomain(projectName, provider),
    auth: auth as AuthType,
    repository: opts.repository,
  };
  // Flag values are the user's: check what they make before writing anything (the key included).
  const result = validateDocument(parseConfigText(opts.config, renderInitConfig(options)), {
    shippedEnvironments: loadDefaultEnvironments(),
  });
  if (result.problems.length > 0) {
    const flagged = result.problems.filter((p) => /^(project_name|domain|gitops)/.test(p.path));
    if (flagged.length === 0)
      throw new BugError(
        `qhub init wrote an invalid config: ${result.problems.map(formatProblem).join("; ")}`,
      );
    const lines = flagged.map((p) => `${p.path}: ${p.message}. ${p.hint}`);
    // Name what the user actually gave: an answer, a flag, or a default taken from the folder.
    const given = (flag: string, key: keyof InitCommandOptions, what: string) =>
      opts[key] === undefined ? `${flag} (the ${what} came from the folder's name)` : flag;
    throw new UserError(
      `${opts.answeredBy === "wizard" ? "the answers make" : "the config would be"} invalid: ${lines.join("; ")}`,
      opts.answeredBy === "wizard"
        ? "run `qhub init` again with other answers"
        : `pass ${[given("--project-name", "projectName", "project name"), given("--domain", "domain", "domain"), "--repository"].join(", ")} with other values`,
    );
  }

  const text = renderInitConfig({
    ...options,
    ageRecipient: await ageRecipient(dirname(resolve(opts.config)), env, io),
  });
  writeNamed(opts.config, text);
  // The schema goes beside the config, in the repository's folder: through no link (src/fs/safe.ts).
  const schemaPath = join(dirname(opts.config), SCHEMA_FILE);
  const schemaDir = dirname(resolve(opts.config));
  const schema = readUnder(schemaDir, SCHEMA_FILE);
  if (schema.kind === "missing" || (schema.kind === "file" && ownsSchema(schema.text)))
    writeUnder(schemaDir, SCHEMA_FILE, configJsonSchemaText());
  else
    io.stderr(`note: ${schemaPath} exists and is not QHub's; left it alone (editors may not autocomplete)`);

  io.stderr(`wrote ${opts.config} (provider ${provider}, project ${projectName}, ${auth} login)`);
  io.stderr(`next: edit it, then run \`qhub validate --config ${opts.config}\``);
  return 0;
}

function ownsSchema(text: string): boolean {
  try {
    return (JSON.parse(text) as { $id?: unknown }).$id === SCHEMA_ID;
  } catch {
    return false;
  }
}
