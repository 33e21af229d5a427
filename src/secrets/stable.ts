// Stable encrypted files: re-rendering with unchanged values and recipients returns the file
// written before, byte for byte; anything else encrypts that one file anew. Generated values
// (cookie secrets, API tokens) are made once and then carried over from the previous file.
//
// How "unchanged" is known without storing a value in plain text:
// - With an age identity (SOPS_AGE_KEY_FILE) that opens the previous file, by decrypting it
//   (MAC verified) and comparing.
// - Always, by a change digest kept in the file as `sops.qhub_digest`: scrypt over the Secret as
//   QHub would write it (metadata, type, the caller's values, the names of generated keys) and
//   the sorted recipients, with a random 16-byte salt per file. CI and reviewers' machines have
//   no identity, and `qhub render --check` must still find the file up to date.
//   It lives in the `sops:` block because SOPS ignores unknown keys there when reading (3.9:
//   yaml.Unmarshal into a struct; 3.10+: mapstructure without ErrorUnused) and Flux decrypts with
//   the same code, so it never reaches the cluster; `sops` drops it when it rewrites a file, and
//   then the next render simply encrypts again.
//   Why this is safe: the digest is a verifier anyone with the repository can test guesses
//   against, exactly like a password hash. The salt defeats precomputed tables and comparing
//   files; scrypt (N=2^17, r=8, p=1: the OWASP password-storage minimum, ~128 MiB and a few
//   hundred milliseconds per guess) makes each guess expensive; and one guess must cover every
//   value of the Secret at once. A human-chosen password is as safe as in a well-configured
//   password database.
//   Each scrypt holds ~128 MiB while it runs: seal files one (or a few) at a time.
// - Values nobody chose (QHub's generated tokens, which a digest does not even cover, and the
//   OAuth client secrets and tokens a provider issued) get a keyed hash instead (KEYED_DIGEST):
//   HMAC-SHA256 keyed by the file's random salt. A work factor only slows guessing, and these
//   values (128 bits and more from a CSPRNG) cannot be guessed at any speed: API tokens are
//   stored this way for that reason. scrypt at N=2^10 took ~2 ms a file on this machine kind, a
//   third of a cold render's sealing; the files it wrote are still read (LEGACY_KEYED_COST).
import { createHmac, scrypt, timingSafeEqual } from "node:crypto";
import { BugError, UserError } from "../errors.js";
import { validateRecipients } from "./age.js";
import type { DecryptedSecret, PlainSecret, RandomSource, SopsFileInfo } from "./sops.js";
import { cryptoRandom, decryptSecret, encryptSecret, readSopsFile, SopsError } from "./sops.js";

/** scrypt's cost: N = 2^log2N, block size r, parallelism p. */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** OWASP's password-storage minimum for scrypt. */
export const DEFAULT_DIGEST_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };

/** The digest of a Secret whose values nobody chose: HMAC-SHA256, keyed by the salt (see above). */
export const KEYED_DIGEST = "hmac-sha256";

/** How a Secret's digest is made: scrypt at a cost, or the keyed hash. */
export type DigestCost = ScryptCost | typeof KEYED_DIGEST;

/**
 * What QHub wrote for those Secrets before KEYED_DIGEST (scrypt, N=2^10): such a file is still
 * unchanged when its digest matches, so that a repository rendered then does not change.
 */
const LEGACY_KEYED_COST: ScryptCost = { log2N: 10, r: 8, p: 1 };

/** How a generated value is made from a CSPRNG. */
export type GeneratedValue =
  | { kind: "hex"; bytes: number }
  | { kind: "base64url"; bytes: number }
  | { kind: "alphanumeric"; length: number };

/** 32 random bytes as 64 hex digits: `openssl rand -hex 32`, what JupyterHub asks for. */
export const HEX_32: GeneratedValue = { kind: "hex", bytes: 32 };

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new secret value from the CSPRNG (or an injected source, in tests). */
export function generateValue(spec: GeneratedValue = HEX_32, random: RandomSource = cryptoRandom): string {
  const size = spec.kind === "alphanumeric" ? spec.length : spec.bytes;
  if (!Number.isInteger(size) || size < 16 || size > 1024)
    throw new BugError(`a generated value needs 16 to 1024 bytes or characters, not ${size}`);
  if (spec.kind === "hex") return Buffer.from(random(spec.bytes)).toString("hex");
  if (spec.kind === "base64url") return Buffer.from(random(spec.bytes)).toString("base64url");
  // Rejection sampling: 248 = 4 * 62 keeps every character equally likely.
  let out = "";
  while (out.length < spec.length)
    for (const byte of random(spec.length - out.length))
      if (byte < 248) out += ALPHANUMERIC.charAt(byte % 62);
  return out;
}

export interface SealOptions {
  /** The file as written before, if there is one. */
  previous?: string;
  /** age recipients, in the order they are written. */
  recipients: readonly string[];
  /** Identities (`AGE-SECRET-KEY-1...`, e.g. from SOPS_AGE_KEY_FILE) to open `previous` with. */
  identities?: readonly string[];
  /** `lastmodified` of a new encryption, `YYYY-MM-DDTHH:MM:SSZ`. */
  lastModified: string;
  /** `stringData` keys QHub generates when the previous file has none (never regenerated). */
  generate?: Readonly<Record<string, GeneratedValue>>;
  /** The file's path, for messages. @default "the encrypted Secret" */
  file?: string;
  /** @default node:crypto's randomBytes */
  random?: RandomSource;
  /** @default DEFAULT_DIGEST_COST */
  digestCost?: DigestCost;
}

export interface SealResult {
  /** The file to write (the previous text itself when `unchanged`). */
  text: string;
  status: "created" | "unchanged" | "reencrypted";
  /** Why, for people; names keys, never values. */
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// The digest.

const DIGEST = /^scrypt:ln=(\d+),r=(\d+),p=(\d+):([A-Za-z0-9+/]+):([A-Za-z0-9+/]+)$/;
const KEYED = /^hmac-sha256:([A-Za-z0-9+/]+):([A-Za-z0-9+/]+)$/;
// The digest comes from a file in the repository, which anyone who can push may have written: its
// cost parameters are accepted only when they are exactly the ones QHub writes for this Secret
// (any other cost, a salt or hash of another length, is "no valid digest" and the file is simply
// encrypted again). A file naming N=2^20, r=16, p=4 would otherwise cost seconds and gigabytes.
const SALT_BYTES = 16;
const HASH_BYTES = 32;

const sortedEntries = (record: Readonly<Record<string, string>> | undefined) =>
  record === undefined ? null : Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** What the digest covers, as unambiguous JSON: everything QHub decides about the file. */
function digestInput(
  secret: PlainSecret,
  generated: readonly string[],
  recipients: readonly string[],
): Buffer {
  const { name, namespace, labels, annotations } = secret.metadata;
  return Buffer.from(
    JSON.stringify([
      "qhub-sops-digest",
      1,
      [...recipients].sort(),
      secret.apiVersion,
      secret.kind,
      [name, namespace ?? null, sortedEntries(labels), sortedEntries(annotations)],
      secret.type ?? null,
      sortedEntries(secret.stringData),
      [...generated].sort(),
    ]),
  );
}

function scryptHash(input: Buffer, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return new Promise((resolve, reject) =>
    scrypt(input, salt, HASH_BYTES, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const unpadded = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

const keyedHash = (input: Buffer, salt: Buffer) => createHmac("sha256", salt).update(input).digest();

async function makeDigest(input: Buffer, cost: DigestCost, random: RandomSource): Promise<string> {
  const salt = Buffer.from(random(SALT_BYTES));
  if (salt.length !== SALT_BYTES) throw new BugError("the random source returned a short salt");
  if (cost === KEYED_DIGEST) return `${KEYED_DIGEST}:${unpadded(salt)}:${unpadded(keyedHash(input, salt))}`;
  const hash = await scryptHash(input, salt, cost);
  return `scrypt:ln=${cost.log2N},r=${cost.r},p=${cost.p}:${unpadded(salt)}:${unpadded(hash)}`;
}

/** The salt and hash of a stored digest, when they have QHub's lengths. */
function saltAndHash(salt: string, hash: string): { salt: Buffer; hash: Buffer } | undefined {
  const out = { salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
  return out.salt.length === SALT_BYTES && out.hash.length === HASH_BYTES ? out : undefined;
}

async function digestMatches(
  stored: string | undefined,
  input: Buffer,
  expectedCost: DigestCost,
): Promise<boolean> {
  if (stored === undefined) return false;
  const keyed = KEYED.exec(stored);
  if (keyed) {
    const parts = expectedCost === KEYED_DIGEST ? saltAndHash(keyed[1]!, keyed[2]!) : undefined;
    return parts !== undefined && timingSafeEqual(parts.hash, keyedHash(input, parts.salt));
  }
  const m = DIGEST.exec(stored);
  if (!m) return false;
  const cost: ScryptCost = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const wanted = expectedCost === KEYED_DIGEST ? LEGACY_KEYED_COST : expectedCost;
  if (cost.log2N !== wanted.log2N || cost.r !== wanted.r || cost.p !== wanted.p) return false;
  const parts = saltAndHash(m[4]!, m[5]!);
  if (parts === undefined) return false;
  const actual = await scryptHash(input, parts.salt, cost);
  return timingSafeEqual(parts.hash, actual);
}

// ---------------------------------------------------------------------------------------------

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function canonicalSecret(s: DecryptedSecret | PlainSecret): string {
  const { name, namespace, labels, annotations } = s.metadata;
  return JSON.stringify([
    s.apiVersion,
    s.kind,
    [name, namespace ?? null, sortedEntries(labels), sortedEntries(annotations)],
    s.type ?? null,
    sortedEntries(s.stringData),
    "data" in s ? sortedEntries(s.data) : null,
  ]);
}

/** Which keys differ, by name only. */
function describeChange(before: DecryptedSecret, after: PlainSecret): string {
  const keys = new Set([...Object.keys(before.stringData), ...Object.keys(after.stringData)]);
  const changed = [...keys].filter((k) => before.stringData[k] !== after.stringData[k]).sort();
  if (changed.length > 0) return `stringData ${changed.join(", ")} changed`;
  return "metadata or type changed";
}

/**
 * Encrypts a Secret for the recipients unless the previous file already holds exactly it, in
 * which case that text is returned unchanged. `secret.stringData` holds the values the caller
 * knows; `options.generate` names keys whose values are taken from the previous file or, when it
 * has none, generated. Errors before anything is written: bad recipients, a previous file that
 * fails its MAC, or generated values that must be re-encrypted but cannot be read.
 */
export async function sealSecret(secret: PlainSecret, options: SealOptions): Promise<SealResult> {
  const recipients = validateRecipients(options.recipients);
  const generate = options.generate ?? {};
  const generatedKeys = Object.keys(generate).sort();
  for (const k of generatedKeys)
    if (k in secret.stringData) throw new BugError(`stringData ${k} is both given and generated`);
  const random = options.random ?? cryptoRandom;
  const cost = options.digestCost ?? DEFAULT_DIGEST_COST;
  const file = options.file ?? "the encrypted Secret";
  const input = digestInput(secret, generatedKeys, recipients);

  const seal = async (values: Record<string, string>, status: SealResult["status"], reason: string) => {
    const digest = await makeDigest(input, cost, random);
    const full: PlainSecret = { ...secret, stringData: { ...secret.stringData, ...values } };
    const text = await encryptSecret(full, recipients, {
      lastModified: options.lastModified,
      random,
      digest,
    });
    return { text, status, reason };
  };
  const fresh = (present: Readonly<Record<string, string>>) =>
    Object.fromEntries(generatedKeys.map((k) => [k, present[k] ?? generateValue(generate[k], random)]));

  if (options.previous === undefined) return seal(fresh({}), "created", "new file");

  let info: SopsFileInfo;
  try {
    info = readSopsFile(options.previous);
  } catch (err) {
    if (!(err instanceof SopsError) || generatedKeys.length > 0) throw inFile(err, file);
    return seal({}, "reencrypted", "the previous file is not a SOPS file QHub can read");
  }
  const sameRecipients = sameSet(info.recipients, recipients) && !info.otherKeys;
  const unchangedByDigest = sameRecipients && (await digestMatches(info.digest, input, cost));

  // With an identity that opens the previous file: compare the values themselves.
  if (options.identities !== undefined && options.identities.length > 0) {
    let before: DecryptedSecret | undefined;
    try {
      before = await decryptSecret(options.previous, options.identities);
    } catch (err) {
      if (!(err instanceof SopsError && err.code === "no-identity")) throw inFile(err, file);
    }
    if (before !== undefined) {
      const after: PlainSecret = {
        ...secret,
        stringData: { ...secret.stringData, ...fresh(before.stringData) },
      };
      const same = canonicalSecret(before) === canonicalSecret(after);
      if (same && unchangedByDigest)
        return { text: options.previous, status: "unchanged", reason: "unchanged" };
      const reason = !sameRecipients
        ? "recipients changed"
        : !same
          ? describeChange(before, after)
          : "the previous file has no valid QHub digest";
      return seal(fresh(before.stringData), "reencrypted", reason);
    }
  }

  // Without one: the digest decides, and generated values cannot be carried over.
  if (unchangedByDigest) return { text: options.previous, status: "unchanged", reason: "unchanged" };
  const kept = generatedKeys.filter((k) => info.stringDataKeys.includes(k));
  if (kept.length > 0)
    throw new UserError(
      `${file} must be encrypted again (${sameRecipients ? "its values or metadata changed" : "its recipients changed"}), ` +
        `but it holds generated values (${kept.join(", ")}) that only an age identity can read`,
      `set SOPS_AGE_KEY_FILE to the identity file of one of ${info.recipients.join(", ") || "its recipients"}; ` +
        `or delete ${file} to generate new values (the services that use them will restart)`,
    );
  const reason = !sameRecipients
    ? "recipients changed"
    : info.digest === undefined
      ? "the previous file has no QHub digest"
      : "values or metadata changed";
  return seal(fresh({}), "reencrypted", reason);
}

/** Names the file in an error about it. */
function inFile(err: unknown, file: string): unknown {
  if (err instanceof SopsError) return new SopsError(err.code, `${file}: ${err.message}`, err.hint);
  return err;
}
