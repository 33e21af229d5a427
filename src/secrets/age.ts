// age keys for SOPS: generate an identity (`qhub init`), read identity files (SOPS_AGE_KEY_FILE),
// validate recipients (`secrets.sops.age_recipients`), and wrap / unwrap SOPS data keys.
// Only native X25519 keys (`age1...`, `AGE-SECRET-KEY-1...`): SOPS 3.9 (and Debian's age 1.1)
// know no other kind, and SOPS's age key source wraps the data key as a whole age file
// (sops/age/keysource.go: age.Encrypt into an armor.NewWriter).
import { bech32 } from "@scure/base";
import {
  createCipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
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

/**
 * age-encryption, loaded on first use: QHub encrypts with node:crypto (wrapKey) and needs the
 * package only to decrypt and to make identities. Loading it builds noble's curves, ~2 ms of every
 * render that used none of it; esbuild turns this import into a lazy one inside the bundle.
 */
const ageEncryption = () => import("age-encryption");

const RECIPIENT_HINT =
  "an age recipient is the public key `age-keygen` prints (`age1` and 58 more lowercase letters and digits); " +
  "SOPS 3.9 supports only these X25519 keys";

/** Generates a new X25519 identity and its recipient (for `qhub init`). */
export async function generateIdentity(): Promise<AgeKeyPair> {
  const { generateX25519Identity, identityToRecipient } = await ageEncryption();
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
  checkedRecipient(recipient, where);
  return recipient;
}

/**
 * Recipients that passed recipientKeyOf's checks, with their raw X25519 keys and, once a data key
 * has been wrapped for them, their node:crypto key objects. A render checks and wraps for the same
 * few recipients in every file it seals: decoding bech32 was ~0.2 ms a file, and parsing the key
 * a tenth of each wrap. A recipient's key is a function of its text.
 */
const checkedRecipients = new Map<string, { raw: Buffer; key?: KeyObject }>();

/** validateRecipient's checks, each recipient once; its raw public key, and its key object if made. */
function checkedRecipient(recipient: string, where: string): { raw: Buffer; key?: KeyObject } {
  let known = checkedRecipients.get(recipient);
  if (known === undefined) {
    known = { raw: Buffer.from(recipientKeyOf(recipient, where)) };
    checkedRecipients.set(recipient, known);
  }
  return known;
}

/** The checks, and the recipient's 32-byte X25519 public key. */
function recipientKeyOf(recipient: string, where: string): Uint8Array {
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
    return recipientKey(recipient);
  } catch {
    throw new UserError(
      `${where}: ${JSON.stringify(recipient)} has a bad checksum (a typo?)`,
      "copy the public key again from the identity file's `# public key:` line or from `age-keygen -y FILE`",
    );
  }
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
  const { identityToRecipient } = await ageEncryption();
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

/** The 32-byte X25519 public key of an `age1...` recipient; throws on a bad checksum or length. */
function recipientKey(recipient: string): Uint8Array {
  const { prefix, words } = bech32.decode(recipient as `${string}1${string}`, 90);
  const key = bech32.fromWords(words);
  if (prefix !== "age" || key.length !== 32) throw new Error("not an X25519 age recipient");
  return key;
}

// DER prefixes of an X25519 public key (SubjectPublicKeyInfo, RFC 8410): node:crypto takes raw
// keys in these wrappers.
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");
const rawPublicKey = (der: Buffer) => der.subarray(SPKI_X25519.length);

/** A checked recipient's raw key and node:crypto key object. */
function recipientPublicKey(recipient: string): { raw: Buffer; key: KeyObject } {
  const known = checkedRecipient(recipient, "age recipient");
  const key = (known.key ??= createPublicKey({
    key: Buffer.concat([SPKI_X25519, known.raw]),
    format: "der",
    type: "spki",
  }));
  return { raw: known.raw, key };
}

/**
 * HKDF-SHA256 (RFC 5869) for 32 bytes: one HMAC to extract, one to expand. What hkdfSync computes,
 * without its key-object set-up, which cost ~0.1 ms a call (three calls a file).
 */
function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  const prk = createHmac("sha256", salt.length === 0 ? Buffer.alloc(32) : salt)
    .update(ikm)
    .digest();
  return createHmac("sha256", prk)
    .update(info)
    .update(Buffer.from([1]))
    .digest();
}

function chacha20poly1305(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

const unpadded64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");

/** Bytes of plaintext per STREAM chunk (age-encryption.org/v1). */
const CHUNK = 64 * 1024;

/**
 * Wraps a SOPS data key for one recipient: an armored age file, as SOPS stores it in `enc`.
 *
 * Written with node:crypto to the age v1 format (https://age-encryption.org/v1): a random file
 * key; one X25519 stanza (an ephemeral key pair, HKDF-SHA256 of the shared secret salted with both
 * public keys, ChaCha20-Poly1305 over the file key); the header's HMAC-SHA256; the payload in
 * STREAM chunks under a key derived from a random nonce; the ASCII armor (armorText). The
 * age-encryption package did the same in JavaScript (noble's curves and ciphers, web streams),
 * which took ~5 ms per file in a process that runs each of them once. Tests open every file this
 * writes with Debian's age CLI and with age-encryption's decrypter.
 */
export function wrapKey(key: Uint8Array, recipient: string): string {
  const { raw: theirs, key: theirKey } = recipientPublicKey(recipient);
  const fileKey = randomBytes(16);

  const ephemeral = generateKeyPairSync("x25519");
  const share = rawPublicKey(ephemeral.publicKey.export({ format: "der", type: "spki" }));
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: theirKey });
  // A low-order public key makes the shared secret zero; age refuses such recipients.
  if (shared.every((b) => b === 0))
    throw new UserError(`age recipient ${recipient} is not a usable X25519 key`);
  const wrapping = hkdf(shared, Buffer.concat([share, theirs]), "age-encryption.org/v1/X25519");
  const body = chacha20poly1305(wrapping, Buffer.alloc(12), fileKey);
  const header = `age-encryption.org/v1\n-> X25519 ${unpadded64(share)}\n${unpadded64(body)}\n---`;
  const mac = createHmac("sha256", hkdf(fileKey, Buffer.alloc(0), "header"))
    .update(header)
    .digest();

  const nonce = randomBytes(16);
  const payloadKey = hkdf(fileKey, nonce, "payload");
  const chunks: Buffer[] = [];
  for (let at = 0, counter = 0; ; at += CHUNK, counter++) {
    const last = at + CHUNK >= key.length;
    const chunkNonce = Buffer.alloc(12);
    chunkNonce.writeUIntBE(counter, 5, 6);
    chunkNonce[11] = last ? 1 : 0;
    chunks.push(chacha20poly1305(payloadKey, chunkNonce, key.subarray(at, Math.min(at + CHUNK, key.length))));
    if (last) break;
  }
  const file = Buffer.concat([Buffer.from(`${header} ${unpadded64(mac)}\n`), nonce, ...chunks]);
  return armorText(file);
}

/**
 * age's ASCII armor (https://age-encryption.org/v1, "ASCII armor"): the file in base64, 64 columns,
 * between BEGIN and END lines, as age-encryption's armor.encode writes it (a test compares the two
 * at every length up to a few lines). Written here so that a render, which only encrypts, does not
 * load age-encryption for it.
 */
export function armorText(file: Uint8Array): string {
  const base64 = Buffer.from(file.buffer, file.byteOffset, file.byteLength).toString("base64");
  const lines = ["-----BEGIN AGE ENCRYPTED FILE-----"];
  for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
  lines.push("-----END AGE ENCRYPTED FILE-----", "");
  return lines.join("\n");
}

/**
 * Unwraps an armored `enc` with one identity. Rejects when the armor is damaged or the stanza is
 * not for this identity; the caller picks the identity by the entry's recipient and reports.
 */
export async function unwrapKey(enc: string, identity: string): Promise<Uint8Array> {
  const { Decrypter, armor } = await ageEncryption();
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  return decrypter.decrypt(armor.decode(enc));
}
