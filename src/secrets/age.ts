// age keys for SOPS: generate an identity (`qhub init`), read identity files (SOPS_AGE_KEY_FILE),
// validate recipients (`secrets.sops.age_recipients`), and wrap / unwrap SOPS data keys.
// Only native X25519 keys (`age1...`, `AGE-SECRET-KEY-1...`): SOPS 3.9 (and Debian's age 1.1)
// know no other kind, and SOPS's age key source wraps the data key as a whole age file
// (sops/age/keysource.go: age.Encrypt into an armor.NewWriter).
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from "age-encryption";
import { UserError } from "../errors.js";

/** An age identity (the secret half) and the recipient (public key) it decrypts for. */
export interface AgeKeyPair {
  identity: string;
  recipient: string;
}

// Bech32's alphabet (BIP 173); age encodes a 32-byte X25519 key in 52 characters plus a
// 6-character checksum. The shapes are checked first so a typo gets a precise hint; the
// checksum is then checked by age-encryption's own decoder.
const RECIPIENT_SHAPE = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY_SHAPE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

const RECIPIENT_HINT =
  "an age recipient is the public key `age-keygen` prints (`age1` and 58 more lowercase letters and digits); " +
  "SOPS 3.9 supports only these X25519 keys";

/** Generates a new X25519 identity and its recipient (for `qhub init`). */
export async function generateIdentity(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * The identity file as `age-keygen` writes it: `# created:` and `# public key:` comments, then the
 * secret key. `created` is written in UTC; `age-keygen` uses local time, both are RFC 3339.
 */
export function identityFileText(pair: AgeKeyPair, created: Date): string {
  const stamp = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `# created: ${stamp}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

/**
 * Checks one recipient and returns it. `where` names its origin for the message (a config path,
 * a file). The value is public, so it may be quoted in the message.
 */
export function validateRecipient(recipient: string, where = "age recipient"): string {
  if (/^age1(pq|tag|tagpq)1/.test(recipient))
    throw new UserError(
      `${where}: ${JSON.stringify(recipient)} is a post-quantum or tag age recipient`,
      RECIPIENT_HINT,
    );
  if (/^(ssh-|ecdsa-)/.test(recipient))
    throw new UserError(
      `${where}: SSH keys are not supported as age recipients`,
      "generate an age key with `age-keygen` (or `qhub init`) and use its public key",
    );
  if (/^AGE-SECRET-KEY-/i.test(recipient))
    // Never echo it: this is someone's private key.
    throw new UserError(
      `${where}: this is an age secret key (AGE-SECRET-KEY-...), not a recipient`,
      "put only the public key (`# public key:` in the identity file, or `age-keygen -y FILE`) in the config, and keep the secret key out of the repository",
    );
  if (!RECIPIENT_SHAPE.test(recipient))
    throw new UserError(`${where}: ${JSON.stringify(recipient)} is not an age recipient`, RECIPIENT_HINT);
  try {
    new Encrypter().addRecipient(recipient);
  } catch {
    throw new UserError(
      `${where}: ${JSON.stringify(recipient)} has a bad checksum (a typo?)`,
      "copy the public key again from the identity file's `# public key:` line or from `age-keygen -y FILE`",
    );
  }
  return recipient;
}

/** Checks a list of recipients: at least one, each valid, no duplicates. */
export function validateRecipients(
  recipients: readonly string[],
  where = "secrets.sops.age_recipients",
): string[] {
  if (recipients.length === 0)
    throw new UserError(
      `${where} is empty, but secrets have to be encrypted for at least one age recipient`,
      "run `qhub init` to create an age key, or add the public key of an existing one (`age-keygen -y KEYFILE`)",
    );
  const seen = new Set<string>();
  return recipients.map((r, i) => {
    validateRecipient(r, `${where}[${i}]`);
    if (seen.has(r)) throw new UserError(`${where}[${i}]: ${r} is listed twice`, "list each recipient once");
    seen.add(r);
    return r;
  });
}

/**
 * Reads identities from the text of an identity file (`age-keygen`'s format: `#` comments, blank
 * lines, one `AGE-SECRET-KEY-1...` per line) or of SOPS_AGE_KEY. `source` names it in messages;
 * no line of the file is ever quoted.
 */
export async function parseIdentities(text: string, source: string): Promise<AgeKeyPair[]> {
  const pairs: AgeKeyPair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const at = `${source}:${i + 1}`;
    if (line.startsWith("AGE-PLUGIN-") || line.startsWith("AGE-SECRET-KEY-PQ-"))
      throw new UserError(
        `${at}: only native X25519 age identities (AGE-SECRET-KEY-1...) are supported`,
        "SOPS 3.9 cannot use plugin or post-quantum identities; create a key with `age-keygen`",
      );
    if (line.startsWith("age1"))
      throw new UserError(
        `${at}: this line is a recipient (public key), not an identity`,
        "SOPS_AGE_KEY_FILE must name the identity file that `age-keygen -o FILE` wrote (it holds AGE-SECRET-KEY-1...)",
      );
    pairs.push(await identityKeyPair(line, at));
  }
  if (pairs.length === 0)
    throw new UserError(
      `${source} holds no age identity`,
      "point SOPS_AGE_KEY_FILE at the identity file `qhub init` or `age-keygen -o FILE` wrote",
    );
  return pairs;
}

/**
 * An identity with the recipient it decrypts for. Throws a UserError that never quotes the key
 * when it is not a native age identity (a wrong character, a bad checksum).
 */
export async function identityKeyPair(identity: string, where = "age identity"): Promise<AgeKeyPair> {
  const recipient = IDENTITY_SHAPE.test(identity)
    ? await identityToRecipient(identity).catch(() => undefined)
    : undefined;
  if (recipient === undefined)
    throw new UserError(
      `${where}: not an age identity`,
      "an identity file has `#` comments and lines of AGE-SECRET-KEY-1... as `age-keygen` writes them",
    );
  return { identity, recipient };
}

/** Wraps a SOPS data key for one recipient: an armored age file, as SOPS stores it in `enc`. */
export async function wrapKey(key: Uint8Array, recipient: string): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(validateRecipient(recipient));
  return armor.encode(await encrypter.encrypt(key));
}

/**
 * Unwraps an armored `enc` with one identity. Rejects when the armor is damaged or the stanza is
 * not for this identity; the caller picks the identity by the entry's recipient and reports.
 */
export async function unwrapKey(enc: string, identity: string): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  return decrypter.decrypt(armor.decode(enc));
}
