// The edge of the render where secrets enter: values are read from the environment or files the
// config names, sealed with SOPS for the config's age recipients, and handed to the pure build as
// finished files. Nothing here prints or returns a value in plain text.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { BugError, UserError } from "../errors.js";
import { isCredentialVariable, isKernelPath } from "../config/secret-sources.js";
import { MAX_SECRET_FILE, MAX_TREE_FILE, readNamed, readUnder } from "../fs/safe.js";
import type { ResolvedCluster } from "../config/resolve.js";
import type { SecretRef } from "../config/schema.js";
import type { OutputFile } from "../render/emit.js";
import { toYaml } from "../render/emit.js";
import { clusterOverlayPath, PART_OF_QHUB } from "../config/names.js";
import { COMPONENTS, componentsOf } from "../components/registry.js";
import type { Component } from "../components/types.js";
import { SECRETS_LAYER } from "../components/types.js";
import { parseIdentities } from "./age.js";
import type { PlainSecret } from "./sops.js";
import { KEYED_DIGEST, sealSecret } from "./stable.js";
import type { DigestCost, GeneratedValue, ScryptCost } from "./stable.js";

/**
 * The digest that tells an unchanged Secret without a key is a salted hash of its values, kept in
 * the file. Its cost matters only against guessing low-entropy values: passwords people choose get
 * scrypt at its interactive-login cost (N=2^14, 16 MiB); OAuth client secrets, provider tokens and
 * QHub's 256-bit tokens cannot be guessed, so theirs is a keyed hash (src/secrets/stable.ts says
 * why), which keeps a render of many clusters fast.
 */
export const PASSWORD_DIGEST_COST: ScryptCost = { log2N: 14, r: 8, p: 1 };
export const RANDOM_DIGEST_COST: DigestCost = KEYED_DIGEST;

/** helm-controller reconciles a HelmRelease when a Secret of its `valuesFrom` with this label changes. */
export const WATCHED_LABEL = { "reconcile.fluxcd.io/watch": "Enabled" } as const;

interface Needed {
  secret: PlainSecret;
  /** Where each value comes from, by stringData key, with its config path for messages. */
  refs: Record<string, { ref: SecretRef; path: string }>;
  /** Keys QHub makes once from a CSPRNG and keeps (never regenerated on a render). */
  generate?: Record<string, GeneratedValue>;
  /** Values people choose: hashed for change detection at scrypt's interactive-login cost. */
  chosenByPeople?: boolean;
}

/** The Secrets a cluster's components need, merged by name, with where their values come from (no values yet). */
export function neededSecrets(c: ResolvedCluster, registry: readonly Component[] = COMPONENTS): Needed[] {
  const byName = new Map<string, Needed>();
  for (const k of componentsOf(c, registry))
    for (const need of k.secrets?.(c) ?? []) {
      const known = byName.get(need.name) ?? {
        secret: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: need.name, namespace: c.namespace, labels: { ...PART_OF_QHUB } },
          type: "Opaque",
          stringData: {},
        },
        refs: {},
      };
      for (const key of [...Object.keys(need.refs ?? {}), ...Object.keys(need.generate ?? {})])
        if (key in known.refs || key in (known.generate ?? {}))
          throw new BugError(`Secret ${need.name}: key ${key} is needed twice (component ${k.id})`);
      Object.assign(known.refs, need.refs);
      if (need.generate) known.generate = { ...known.generate, ...need.generate };
      if (need.chosenByPeople) known.chosenByPeople = true;
      if (need.watched) Object.assign(known.secret.metadata.labels ?? {}, WATCHED_LABEL);
      byName.set(need.name, known);
    }
  return [...byName.values()];
}

/** The path of a cluster's encrypted Secret in the rendered repository. */
export function secretPath(cluster: string, name: string): string {
  return `${clusterOverlayPath(cluster, SECRETS_LAYER)}/secrets/${name}.sops.yaml`;
}

/** Age identities to open earlier files with: SOPS's own places (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the default file). */
export async function loadIdentities(env: NodeJS.ProcessEnv): Promise<string[]> {
  const texts: [string, string][] = [];
  if (env.SOPS_AGE_KEY) texts.push([env.SOPS_AGE_KEY, "SOPS_AGE_KEY"]);
  const file = env.SOPS_AGE_KEY_FILE ?? defaultKeyFile(env);
  // A regular file of bounded size only: a FIFO or device there would never end.
  const bytes = readNamed(
    file,
    env.SOPS_AGE_KEY_FILE ? "SOPS_AGE_KEY_FILE" : "the age identity file",
    MAX_SECRET_FILE,
  );
  if (bytes !== undefined)
    texts.push([bytes.toString("utf8"), env.SOPS_AGE_KEY_FILE ? "SOPS_AGE_KEY_FILE" : file]);
  const ids: string[] = [];
  for (const [text, source] of texts)
    ids.push(...(await parseIdentities(text, source)).map((p) => p.identity));
  return ids;
}

/** Where SOPS looks for age identities by default (Linux): $XDG_CONFIG_HOME/sops/age/keys.txt. */
export function defaultKeyFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), ".config"), "sops", "age", "keys.txt");
}

export interface SealInput {
  clusters: readonly ResolvedCluster[];
  configPath: string;
  outputRoot: string;
  env: NodeJS.ProcessEnv;
  now: Date;
  /** Where the earlier encrypted file comes from (default: the output root); `qhub pr` reads the PR branch. */
  previous?: (path: string) => string | undefined;
  /**
   * `qhub diff`: a Secret whose values are not available is not sealed but compared as it was
   * (its earlier file, or its keys alone when new), and `note` says so; nothing is written.
   */
  unsealedNote?: (line: string) => void;
}

/**
 * Every cluster's encrypted Secrets, by cluster. All problems (unset variables, unreadable files,
 * no recipients) are reported together, before anything is written.
 */
export async function sealClusterSecrets(input: SealInput): Promise<Record<string, OutputFile[]>> {
  const problems: string[] = [];
  const work: { cluster: ResolvedCluster; needed: Needed }[] = [];
  for (const c of input.clusters) {
    const needed = neededSecrets(c);
    if (needed.length > 0 && c.sops.ageRecipients.length === 0)
      problems.push(
        `cluster ${c.name} needs Secrets (${needed.map((n) => n.secret.metadata.name).join(", ")}) but secrets.sops.age_recipients is empty`,
      );
    for (const n of needed) work.push({ cluster: c, needed: n });
  }
  const values = new Map<Needed, Record<string, string>>();
  const unsealed = new Set<Needed>();
  for (const { cluster, needed } of work) {
    const stringData: Record<string, string> = {};
    const missing: string[] = [];
    for (const [key, { ref, path }] of Object.entries(needed.refs)) {
      const value = readRef(ref, path, input, input.unsealedNote ? missing : problems);
      if (value !== undefined) stringData[key] = value;
    }
    values.set(needed, stringData);
    if (missing.length > 0) {
      unsealed.add(needed);
      input.unsealedNote?.(
        `note: ${cluster.name}: Secret ${needed.secret.metadata.name} is compared as it is, without its values: ${missing.join("; ")}`,
      );
    }
  }
  if (problems.length > 0)
    throw new UserError(
      `cannot render the encrypted Secrets: ${[...new Set(problems)].join("; ")}`,
      "export the variables (or create the files) the config names, and list your age public key in secrets.sops.age_recipients (`qhub init` makes one); nothing was written",
    );

  const identities = await loadIdentities(input.env);
  const lastModified = input.now.toISOString().replace(/\.\d{3}Z$/, "Z");
  // Sealed several at a time: scrypt runs on libuv's thread pool.
  const sealed = await Promise.all(
    work.map(async ({ cluster, needed }) => {
      const path = secretPath(cluster.name, needed.secret.metadata.name);
      // Only a regular file reached through no link is the earlier file (src/fs/safe.ts).
      const earlier = readUnder(input.outputRoot, path, MAX_TREE_FILE);
      const previous = input.previous?.(path) ?? (earlier.kind === "file" ? earlier.text : undefined);
      if (unsealed.has(needed))
        return {
          cluster: cluster.name,
          file: { path, content: previous ?? unsealedPlaceholder(needed) },
        };
      const result = await sealSecret(
        { ...needed.secret, stringData: values.get(needed) ?? {} },
        {
          previous,
          recipients: cluster.sops.ageRecipients,
          identities,
          lastModified,
          file: path,
          generate: needed.generate,
          digestCost: needed.chosenByPeople ? PASSWORD_DIGEST_COST : RANDOM_DIGEST_COST,
        },
      );
      return { cluster: cluster.name, file: { path, content: result.text } };
    }),
  );
  const out: Record<string, OutputFile[]> = {};
  for (const { cluster, file } of sealed) (out[cluster] ??= []).push(file);
  return out;
}

/** A Secret `qhub diff` cannot seal and has no earlier file of: its keys, no values. */
function unsealedPlaceholder(needed: Needed): string {
  const keys = [...Object.keys(needed.refs), ...Object.keys(needed.generate ?? {})].sort();
  return toYaml({ ...needed.secret, stringData: Object.fromEntries(keys.map((k) => [k, ""])) });
}

function readRef(ref: SecretRef, path: string, input: SealInput, problems: string[]): string | undefined {
  if ("fromEnv" in ref) {
    if (isCredentialVariable(ref.fromEnv)) {
      problems.push(`${path} names ${ref.fromEnv}, a credential QHub or CI runs with; it is never sealed`);
      return undefined;
    }
    const value = input.env[ref.fromEnv];
    if (value === undefined || value === "")
      problems.push(`${path} names the environment variable ${ref.fromEnv}, which is not set`);
    return value || undefined;
  }
  const file = resolve(dirname(input.configPath), ref.fromFile);
  if (isKernelPath(file)) {
    problems.push(
      `${path} names ${ref.fromFile}, a process or kernel file; QHub reads secrets only from regular files`,
    );
    return undefined;
  }
  try {
    // Regular files of bounded size only, never /proc or a FIFO (src/fs/safe.ts).
    const bytes = readNamed(file, `${path}: fromFile`, MAX_SECRET_FILE);
    if (bytes === undefined) {
      problems.push(`${path} names ${ref.fromFile}, which does not exist`);
      return undefined;
    }
    const value = bytes.toString("utf8").replace(/\r?\n+$/, "");
    if (value === "") problems.push(`${path} names ${ref.fromFile}, which is empty`);
    return value || undefined;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(err.message);
    return undefined;
  }
}
