// SOPS files for Kubernetes Secrets, encrypted for age recipients, in the format SOPS 3.9.0 writes
// with `encrypted_regex: ^(data|stringData)$` (the layout of Flux's own test vector, shared/
// sops-test-vector/age.yaml). Pure apart from randomness, which callers may inject.
//
// Facts from the SOPS sources (getsops/sops, tag v3.9.0) this module relies on:
// - aes/cipher.go: each value is AES-256-GCM with a 32-byte IV and a 16-byte tag, written as
//   `ENC[AES256_GCM,data:B64,iv:B64,tag:B64,type:str]`; the additional data is the value's path
//   joined with ":" plus a trailing ":" (`stringData:password:`); an empty string is not
//   encrypted but written as "".
// - sops.go (Tree.Encrypt/Decrypt, shouldBeEncrypted): a value is encrypted when any component of
//   its path matches `encrypted_regex`; the MAC is SHA-512 over the plaintext bytes of every leaf
//   (encrypted or not, comments and nulls excepted) in document order, as uppercase hex; with
//   `mac_only_encrypted` only encrypted leaves count and the hash starts with a fixed 32 bytes.
//   ToBytes writes booleans as "True"/"False".
// - cmd/sops/common/common.go: the MAC is encrypted like a value, with the data key and
//   `lastmodified` (Go's RFC 3339 format) as additional data.
// - stores/stores.go: the `sops:` block's keys and their order; empty key lists are written as
//   `[]` (3.10 started to omit them); `lastmodified` is RFC 3339 in UTC.
// - age/keysource.go: the 32-byte data key is the whole plaintext of an armored age file, one
//   per recipient (`enc`).
// - stores/yaml/store.go: unknown keys in `sops:` are ignored when reading (yaml.Unmarshal into
//   a struct in 3.9; mapstructure without ErrorUnused since 3.10), which is where QHub keeps its
//   change digest (stable.ts).
// SOPS 3.9 itself indents YAML by 4 spaces; Flux's vector (and this module) use 2, which every
// reader accepts.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { BugError, UserError } from "../errors.js";
import { identityKeyPair, unwrapKey, validateRecipients, wrapKey } from "./age.js";

/** The SOPS version whose format this module writes. */
export const SOPS_VERSION = "3.9.0";
/** What QHub encrypts: the values of a Secret, nothing else (names and labels stay reviewable). */
export const ENCRYPTED_REGEX = "^(data|stringData)$";
/** The key in the `sops:` block that holds QHub's change digest (see stable.ts). */
export const DIGEST_KEY = "qhub_digest";

/** Random bytes; node:crypto's CSPRNG unless a test injects its own. */
export type RandomSource = (size: number) => Uint8Array;
export const cryptoRandom: RandomSource = (size) => randomBytes(size);

export interface SecretMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Kubernetes Secret before encryption. Its `stringData` values are what gets encrypted. */
export interface PlainSecret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: SecretMetadata;
  /** @default "Opaque" (on the cluster; nothing is written when absent) */
  type?: string;
  stringData: Record<string, string>;
}

/** A decrypted Secret; `data` (base64, as written) only when the file had it. */
export interface DecryptedSecret extends Omit<PlainSecret, "apiVersion"> {
  apiVersion: string;
  data?: Record<string, string>;
}

export interface EncryptOptions {
  /** `sops.lastmodified`, `YYYY-MM-DDTHH:MM:SSZ`; also the additional data of the MAC. */
  lastModified: string;
  /** @default node:crypto's randomBytes (data key and IVs; age wrapping uses its own CSPRNG) */
  random?: RandomSource;
  /** Written as `sops.qhub_digest` (stable.ts); SOPS ignores it. */
  digest?: string;
}

/** A SOPS file that cannot be read, decrypted or trusted. Never quotes a secret value. */
export class SopsError extends UserError {
  constructor(
    /** `format`: not a SOPS file we can read; `no-identity`: no identity opens it;
     *  `value`: an encrypted value does not decrypt; `mac`: the MAC does not verify. */
    readonly code: "format" | "no-identity" | "value" | "mac",
    message: string,
    hint: string,
  ) {
    super(message, hint);
    this.name = "SopsError";
  }
}

// ---------------------------------------------------------------------------------------------
// The document as SOPS sees it: ordered mappings (order decides the MAC), sequences, scalars.

type Scalar = string | number | boolean | null;
interface MapNode {
  kind: "map";
  entries: [string, TreeNode][];
}
interface SeqNode {
  kind: "seq";
  items: TreeNode[];
}
type TreeNode = Scalar | MapNode | SeqNode;

function isNodeMap(n: TreeNode): n is MapNode {
  return typeof n === "object" && n !== null && n.kind === "map";
}

/** Which leaves are encrypted: SOPS's crypt rules, at most one of them per file. */
interface CryptRules {
  encryptedRegex?: RegExp;
  unencryptedRegex?: RegExp;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  macOnlyEncrypted: boolean;
}

// sops.go shouldBeEncrypted, in its order; Go's regexp.Match searches, as RegExp.test does.
function shouldEncrypt(path: readonly string[], rules: CryptRules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix !== undefined && path.some((p) => p.endsWith(rules.unencryptedSuffix!)))
    encrypted = false;
  if (rules.encryptedSuffix !== undefined) encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix!));
  if (rules.unencryptedRegex && path.some((p) => rules.unencryptedRegex!.test(p))) encrypted = false;
  if (rules.encryptedRegex) encrypted = path.some((p) => rules.encryptedRegex!.test(p));
  return encrypted;
}

// sops.go MACOnlyEncryptedInitialization: keeps a MAC over encrypted values only from ever
// equalling one over all values.
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

/** Visits leaves in document order with their path (sequence items share their parent's path). */
function walk(node: TreeNode, path: string[], visit: (leaf: Scalar, path: string[]) => Scalar): TreeNode {
  if (node === null || typeof node !== "object") return node === null ? null : visit(node, path);
  if (node.kind === "seq") return { kind: "seq", items: node.items.map((n) => walk(n, path, visit)) };
  return { kind: "map", entries: node.entries.map(([k, v]) => [k, walk(v, [...path, k], visit)]) };
}

/** sops.go ToBytes: what a plaintext leaf contributes to the MAC. */
function macBytes(value: Exclude<Scalar, null>): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False");
  // Go's strconv.Itoa / FormatFloat(v, 'f', -1, 64); QHub itself only writes strings.
  return Buffer.from(Number.isInteger(value) ? BigInt(value).toString() : String(value));
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

function randomExactly(random: RandomSource, size: number): Buffer {
  const bytes = Buffer.from(random(size));
  if (bytes.length !== size)
    throw new BugError(`the random source returned ${bytes.length} bytes, not ${size}`);
  return bytes;
}

/** aes/cipher.go Encrypt, for strings (the only values QHub encrypts). */
function encryptValue(value: string, key: Buffer, aad: string, random: RandomSource): string {
  if (value === "") return "";
  const iv = randomExactly(random, 32);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(cipher.getAuthTag())},type:str]`;
}

const B64 = "[A-Za-z0-9+/]+={0,2}";
const ENC_VALUE = new RegExp(
  `^ENC\\[AES256_GCM,data:(${B64}),iv:(${B64}),tag:(${B64}),type:(str|int|int64|float|bool|bytes|comment)\\]$`,
);

/** aes/cipher.go Decrypt: the plaintext leaf and the bytes it adds to the MAC. */
function decryptValue(text: string, key: Buffer, aad: string): { value: Scalar; mac: Buffer } {
  if (text === "") return { value: "", mac: Buffer.alloc(0) };
  const where = aad.slice(0, -1).split(":").join(".");
  const m = ENC_VALUE.exec(text);
  if (!m)
    throw new SopsError(
      "format",
      `${where} should be encrypted (ENC[AES256_GCM,...]) but is not`,
      "a value was written in plain text into an encrypted file; restore the file from git or render it again",
    );
  const [, data, iv, tag, type] = m as unknown as [string, string, string, string, string];
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    plain = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]);
  } catch {
    throw new SopsError(
      "value",
      `${where} does not decrypt: it was changed or moved after encryption`,
      "restore the file from git, or delete it and render again to encrypt the current values",
    );
  }
  const s = plain.toString("utf8");
  switch (type) {
    case "str":
    case "bytes":
      return { value: s, mac: plain };
    case "int":
    case "int64":
      if (!/^[+-]?\d+$/.test(s)) break;
      return { value: Number(s), mac: Buffer.from(BigInt(s).toString()) };
    case "float":
      if (Number.isNaN(Number(s))) break;
      return { value: Number(s), mac: macBytes(Number(s)) };
    case "bool": {
      // Go's strconv.ParseBool.
      const truth = ["1", "t", "T", "TRUE", "true", "True"].includes(s);
      if (!truth && !["0", "f", "F", "FALSE", "false", "False"].includes(s)) break;
      return { value: truth, mac: macBytes(truth) };
    }
    case "comment":
      return { value: s, mac: Buffer.alloc(0) };
  }
  throw new SopsError(
    "format",
    `${where}: an encrypted ${type} that is not one`,
    "restore the file from git",
  );
}

// ---------------------------------------------------------------------------------------------
// Writing. Strings are plain only when every YAML reader (yaml.v3 in SOPS, Kustomize, the yaml
// package) reads them back as the same string; otherwise double-quoted. SOPS hashes the typed
// value it parsed, so a string that read back as a number or boolean would break the MAC.

const PLAIN_SAFE = /^[A-Za-z][A-Za-z0-9._/+=,:[\]-]*$/;
const RESOLVES_TO_NON_STRING = /^(y|yes|n|no|true|false|on|off|null)$/i;

function scalar(s: string): string {
  if (PLAIN_SAFE.test(s) && !s.endsWith(":") && !RESOLVES_TO_NON_STRING.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0xfeff || cp === 0x2028 || cp === 0x2029)
      out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function writeMap(node: MapNode, indent: string, lines: string[]): void {
  for (const [key, value] of node.entries) {
    if (typeof value === "string") lines.push(`${indent}${scalar(key)}: ${scalar(value)}`);
    else if (isNodeMap(value)) {
      if (value.entries.length === 0) lines.push(`${indent}${scalar(key)}: {}`);
      else {
        lines.push(`${indent}${scalar(key)}:`);
        writeMap(value, `${indent}  `, lines);
      }
    } else throw new BugError(`only strings and mappings are written into a Secret (${key})`);
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function stringMap(record: Readonly<Record<string, string>>): MapNode {
  return {
    kind: "map",
    entries: Object.keys(record)
      .sort(byCodeUnit)
      .map((k) => [k, record[k]!]),
  };
}

/** The Secret in the canonical order of render/emit.ts: apiVersion, kind, metadata, then sorted. */
function secretTree(secret: PlainSecret): MapNode {
  const { name, namespace, labels, annotations } = secret.metadata;
  const metadata: [string, TreeNode][] = [];
  if (annotations) metadata.push(["annotations", stringMap(annotations)]);
  if (labels) metadata.push(["labels", stringMap(labels)]);
  metadata.push(["name", name]);
  if (namespace !== undefined) metadata.push(["namespace", namespace]);
  const entries: [string, TreeNode][] = [
    ["apiVersion", secret.apiVersion],
    ["kind", secret.kind],
    ["metadata", { kind: "map", entries: metadata }],
    ["stringData", stringMap(secret.stringData)],
  ];
  if (secret.type !== undefined) entries.push(["type", secret.type]);
  return { kind: "map", entries };
}

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
// A lone surrogate would be silently replaced when encoded as UTF-8, and the value would then
// never compare equal to itself on the next render.
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkSecret(secret: PlainSecret): void {
  if (secret.kind !== "Secret" || secret.apiVersion !== "v1")
    throw new BugError(`encryptSecret takes a v1 Secret, not ${secret.apiVersion} ${secret.kind}`);
  if (!secret.metadata.name) throw new BugError("a Secret to encrypt has no name");
  for (const key of Object.keys(secret.stringData))
    if (!DATA_KEY.test(key))
      throw new BugError(`Secret ${secret.metadata.name}: invalid data key ${JSON.stringify(key)}`);
  walk(secretTree(secret), [], (leaf, path) => {
    if (typeof leaf !== "string" || LONE_SURROGATE.test(leaf))
      throw new BugError(`Secret ${secret.metadata.name}: ${path.join(".")} is not a well-formed string`);
    return leaf;
  });
}

const LAST_MODIFIED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function checkLastModified(value: string): void {
  const date = new Date(value);
  if (
    !LAST_MODIFIED.test(value) ||
    Number.isNaN(date.getTime()) ||
    date.toISOString() !== value.replace("Z", ".000Z")
  )
    throw new BugError(`lastmodified must be YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(value)}`);
}

/**
 * Encrypts a Secret for every recipient: the exact SOPS 3.9.0 YAML text, with a fresh data key.
 * Recipients are checked first (UserError); the Secret's shape is QHub's own contract (BugError).
 * Asynchronous although nothing in it waits now, so that its errors stay rejections for callers.
 */
// eslint-disable-next-line @typescript-eslint/require-await
export async function encryptSecret(
  secret: PlainSecret,
  recipients: readonly string[],
  options: EncryptOptions,
): Promise<string> {
  const checked = validateRecipients(recipients);
  checkSecret(secret);
  checkLastModified(options.lastModified);
  if (options.digest !== undefined && !PLAIN_SAFE.test(options.digest))
    throw new BugError("a digest must be a plain YAML string");
  const random = options.random ?? cryptoRandom;
  const rules: CryptRules = { encryptedRegex: new RegExp(ENCRYPTED_REGEX), macOnlyEncrypted: false };
  const key = randomExactly(random, 32);
  try {
    const hash = createHash("sha512");
    const tree = walk(secretTree(secret), [], (leaf, path) => {
      const value = leaf as string;
      hash.update(macBytes(value));
      return shouldEncrypt(path, rules) ? encryptValue(value, key, `${path.join(":")}:`, random) : value;
    }) as MapNode;
    const mac = encryptValue(hash.digest("hex").toUpperCase(), key, options.lastModified, random);
    const wrapped = checked.map((r) => wrapKey(key, r));

    const lines: string[] = [];
    writeMap(tree, "", lines);
    lines.push("sops:", "  kms: []", "  gcp_kms: []", "  azure_kv: []", "  hc_vault: []", "  age:");
    for (const [i, recipient] of checked.entries()) {
      lines.push(`    - recipient: ${recipient}`, "      enc: |");
      for (const line of wrapped[i]!.trimEnd().split("\n")) lines.push(`        ${line}`);
    }
    lines.push(
      `  lastmodified: "${options.lastModified}"`,
      `  mac: ${mac}`,
      "  pgp: []",
      `  encrypted_regex: ${ENCRYPTED_REGEX}`,
      `  version: ${SOPS_VERSION}`,
    );
    if (options.digest !== undefined) lines.push(`  ${DIGEST_KEY}: ${options.digest}`);
    return `${lines.join("\n")}\n`;
  } finally {
    key.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading.

/** What a SOPS file says about itself, read without any key. */
export interface SopsFileInfo {
  /** `sops.age[].recipient`, in file order. */
  recipients: string[];
  lastModified: string;
  version: string;
  encryptedRegex?: string;
  /** QHub's change digest (`sops.qhub_digest`), when present. */
  digest?: string;
  /** True when the file also names PGP, KMS, Vault or Azure keys, or key groups. */
  otherKeys: boolean;
  /** Keys of `stringData` and `data` (names are never encrypted). */
  stringDataKeys: string[];
  dataKeys: string[];
}

interface ParsedFile {
  tree: MapNode;
  info: SopsFileInfo;
  age: { recipient: string; enc: string }[];
  mac: string;
  rules: CryptRules;
}

const formatError = (message: string) =>
  new SopsError("format", message, "restore the file from git, or delete it and render again");

function toTree(node: unknown, where: string): TreeNode {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) throw formatError(`${where}: YAML aliases are not supported in SOPS files`);
  if (isMap(node)) {
    const entries: [string, TreeNode][] = [];
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== "string") throw formatError(`${where}: only string keys are supported`);
      if (seen.has(key))
        throw formatError(`not valid YAML: ${where ? `${where}.` : ""}${key} is a duplicate key`);
      seen.add(key);
      entries.push([key, toTree(pair.value, where ? `${where}.${key}` : key)]);
    }
    return { kind: "map", entries };
  }
  if (isSeq(node)) return { kind: "seq", items: node.items.map((n) => toTree(n, where)) };
  if (isScalar(node)) {
    const v: unknown = node.value;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  }
  throw formatError(`${where}: unsupported YAML value`);
}

function get(node: MapNode, key: string): TreeNode | undefined {
  return node.entries.find(([k]) => k === key)?.[1];
}

function optionalString(sops: MapNode, key: string): string | undefined {
  const v = get(sops, key);
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw formatError(`sops.${key} must be a string`);
  return v;
}

function regex(source: string, key: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw formatError(`sops.${key} is not a regular expression`);
  }
}

function mapKeys(node: TreeNode | undefined): string[] {
  return node !== undefined && isNodeMap(node) ? node.entries.map(([k]) => k) : [];
}

function parseFile(text: string): ParsedFile {
  // Duplicate keys are refused by toTree, with a set: the yaml package's own check compares each
  // key with every earlier one (26 s for the passwords of 20,000 users).
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs) || docs.length !== 1)
    throw formatError("a SOPS Secret file holds exactly one YAML document");
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw formatError(`not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  const root = toTree(doc.contents, "");
  if (!isNodeMap(root)) throw formatError("a SOPS file is a YAML mapping");
  const sops = get(root, "sops");
  if (sops === undefined || !isNodeMap(sops))
    throw new SopsError(
      "format",
      "not a SOPS file: there is no `sops:` block",
      "encrypt it with QHub or `sops -e`",
    );
  const tree: MapNode = { kind: "map", entries: root.entries.filter(([k]) => k !== "sops") };

  const ageNode = get(sops, "age");
  const age: { recipient: string; enc: string }[] = [];
  if (ageNode !== undefined && ageNode !== null) {
    if (typeof ageNode !== "object" || ageNode.kind !== "seq") throw formatError("sops.age must be a list");
    for (const item of ageNode.items) {
      const recipient = isNodeMap(item) ? get(item, "recipient") : undefined;
      const enc = isNodeMap(item) ? get(item, "enc") : undefined;
      if (typeof recipient !== "string" || typeof enc !== "string")
        throw formatError("each sops.age entry has a `recipient` and an `enc`");
      age.push({ recipient, enc });
    }
  }
  const otherKeys = ["kms", "gcp_kms", "azure_kv", "hc_vault", "pgp", "key_groups"].some((k) => {
    const v = get(sops, k);
    return (
      typeof v === "object" && v !== null && (v.kind === "seq" ? v.items.length > 0 : v.entries.length > 0)
    );
  });
  const lastModified = optionalString(sops, "lastmodified");
  if (lastModified === undefined) throw formatError("sops.lastmodified is missing");
  const versionNode = get(sops, "version");
  const version =
    typeof versionNode === "string" || typeof versionNode === "number" ? String(versionNode) : "";
  const mac = optionalString(sops, "mac") ?? "";

  // stores/stores.go ToInternal: at most one crypt rule; none means `unencrypted_suffix: _unencrypted`.
  const found = {
    encryptedRegex: optionalString(sops, "encrypted_regex"),
    unencryptedRegex: optionalString(sops, "unencrypted_regex"),
    encryptedSuffix: optionalString(sops, "encrypted_suffix"),
    unencryptedSuffix: optionalString(sops, "unencrypted_suffix"),
  };
  if (optionalString(sops, "encrypted_comment_regex") || optionalString(sops, "unencrypted_comment_regex"))
    throw formatError("comment-based crypt rules (encrypted_comment_regex) are not supported");
  const count = Object.values(found).filter((v) => v !== undefined).length;
  if (count > 1)
    throw formatError("a SOPS file may use only one of the encrypted/unencrypted suffix/regex rules");
  const rules: CryptRules = {
    encryptedRegex:
      found.encryptedRegex === undefined ? undefined : regex(found.encryptedRegex, "encrypted_regex"),
    unencryptedRegex:
      found.unencryptedRegex === undefined ? undefined : regex(found.unencryptedRegex, "unencrypted_regex"),
    encryptedSuffix: found.encryptedSuffix,
    unencryptedSuffix: count === 0 ? "_unencrypted" : found.unencryptedSuffix,
    macOnlyEncrypted: get(sops, "mac_only_encrypted") === true,
  };
  const digest = optionalString(sops, DIGEST_KEY);
  return {
    tree,
    age,
    mac,
    rules,
    info: {
      recipients: age.map((a) => a.recipient),
      lastModified,
      version,
      ...(found.encryptedRegex !== undefined && { encryptedRegex: found.encryptedRegex }),
      ...(digest !== undefined && { digest }),
      otherKeys,
      stringDataKeys: mapKeys(get(tree, "stringData")),
      dataKeys: mapKeys(get(tree, "data")),
    },
  };
}

/** Reads a SOPS file's metadata and key names without decrypting anything. */
export function readSopsFile(text: string): SopsFileInfo {
  return parseFile(text).info;
}

/** Go's time.Parse(RFC3339) then Format(RFC3339): whole seconds, `Z` for a zero offset. */
function goRfc3339(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) throw formatError(`sops.lastmodified is not an RFC 3339 time`);
  const offset = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3]!;
  return `${m[1]!}${offset}`;
}

async function dataKey(parsed: ParsedFile, identities: readonly string[]): Promise<Buffer> {
  const pairs = await Promise.all(identities.map((id, i) => identityKeyPair(id, `age identity ${i + 1}`)));
  // Try the entries whose recipient matches an identity first; SOPS tries every pair, since the
  // `recipient` label is not authenticated, and so do we after that.
  const attempts: { enc: string; identity: string; recipient: string; matching: boolean }[] = [];
  for (const matching of [true, false])
    for (const entry of parsed.age)
      for (const pair of pairs)
        if ((entry.recipient === pair.recipient) === matching)
          attempts.push({ enc: entry.enc, identity: pair.identity, recipient: entry.recipient, matching });
  let damaged: string | undefined;
  for (const attempt of attempts) {
    const key = await unwrapKey(attempt.enc, attempt.identity).catch(() => undefined);
    if (key === undefined) {
      damaged ??= attempt.matching ? attempt.recipient : undefined;
      continue;
    }
    if (key.length !== 32) throw formatError("the age-wrapped data key is not 32 bytes");
    return Buffer.from(key);
  }
  if (damaged !== undefined)
    throw formatError(`the data key wrapped for ${damaged} does not decrypt with that recipient's identity`);
  const offered = pairs.map((p) => p.recipient).join(", ") || "none";
  throw new SopsError(
    "no-identity",
    `none of the age identities (for ${offered}) decrypts this file, which is encrypted for ${parsed.info.recipients.join(", ") || "no age recipient"}`,
    "set SOPS_AGE_KEY_FILE to the identity file of one of the file's recipients",
  );
}

function toJs(node: TreeNode): unknown {
  if (node === null || typeof node !== "object") return node;
  if (node.kind === "seq") return node.items.map(toJs);
  return Object.fromEntries(node.entries.map(([k, v]) => [k, toJs(v)]));
}

/**
 * Decrypts a whole SOPS file with age identities and verifies its MAC (as `sops -d` does). Returns
 * the document without its `sops:` block. Throws SopsError (code `mac` for a wrong MAC).
 */
export async function decryptFile(
  text: string,
  identities: readonly string[],
): Promise<Record<string, unknown>> {
  const parsed = parseFile(text);
  const key = await dataKey(parsed, identities);
  try {
    const hash = createHash("sha512");
    if (parsed.rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
    const tree = walk(parsed.tree, [], (leaf, path) => {
      const encrypted = shouldEncrypt(path, parsed.rules);
      if (!encrypted) {
        if (!parsed.rules.macOnlyEncrypted && leaf !== null) hash.update(macBytes(leaf));
        return leaf;
      }
      if (typeof leaf !== "string")
        throw formatError(`${path.join(".")} should be encrypted but is not a string`);
      const { value, mac } = decryptValue(leaf, key, `${path.join(":")}:`);
      hash.update(mac);
      return value;
    });
    const computed = Buffer.from(hash.digest("hex").toUpperCase());
    let stored: Scalar;
    try {
      stored =
        parsed.mac === "" ? "" : decryptValue(parsed.mac, key, goRfc3339(parsed.info.lastModified)).value;
    } catch (err) {
      if (!(err instanceof SopsError)) throw err;
      stored = null;
    }
    const storedBytes = Buffer.from(typeof stored === "string" ? stored : "");
    if (storedBytes.length !== computed.length || !timingSafeEqual(storedBytes, computed))
      throw new SopsError(
        "mac",
        "the file's MAC does not match its contents: it was changed after encryption",
        "`sops -d` and Flux with MAC checks refuse it; restore the file from git, or delete it and render again",
      );
    return toJs(tree) as Record<string, unknown>;
  } finally {
    key.fill(0);
  }
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw formatError(`${what} is not a mapping`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw formatError(`${what}.${k} is not a string`);
    out[k] = v;
  }
  return out;
}

/** Decrypts a SOPS-encrypted Secret and verifies its MAC; returns the plaintext Secret. */
export async function decryptSecret(text: string, identities: readonly string[]): Promise<DecryptedSecret> {
  const doc = await decryptFile(text, identities);
  const metadata = doc.metadata as Record<string, unknown> | undefined;
  if (doc.kind !== "Secret" || typeof doc.apiVersion !== "string" || typeof metadata?.name !== "string")
    throw formatError("not a Kubernetes Secret (apiVersion, kind: Secret, metadata.name)");
  const secret: DecryptedSecret = {
    apiVersion: doc.apiVersion,
    kind: "Secret",
    metadata: {
      name: metadata.name,
      ...(typeof metadata.namespace === "string" && { namespace: metadata.namespace }),
      ...(metadata.labels !== undefined && { labels: stringRecord(metadata.labels, "metadata.labels") }),
      ...(metadata.annotations !== undefined && {
        annotations: stringRecord(metadata.annotations, "metadata.annotations"),
      }),
    },
    stringData: stringRecord(doc.stringData, "stringData"),
  };
  if (typeof doc.type === "string") secret.type = doc.type;
  if (doc.data !== undefined) secret.data = stringRecord(doc.data, "data");
  return secret;
}
