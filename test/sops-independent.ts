// Independent checks of SOPS files, sharing no code with QHub's writer: the `age` CLI (Debian)
// for the data key, node:crypto for the values and the MAC. Used by the library's tests and by
// the render's.
import { spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Decrypter, armor } from "age-encryption";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { ROOT, tempDir } from "./helpers.js";
import { testNeeding } from "./kustomize.js";

// ---------------------------------------------------------------------------------------------
// The age CLI: required on CI, a visible skip elsewhere (as test/kustomize.ts does for kubectl).

export const HAS_AGE = spawnSync("age", ["--version"], { encoding: "utf8" }).status === 0;
export const ageTest = testNeeding(
  HAS_AGE,
  "the age CLI",
  "apt-get install age; npm run check does it as root",
);

// ---------------------------------------------------------------------------------------------
// Independent readers: no import from src/secrets below this line.

export const FIXTURES = join(ROOT, "test", "fixtures", "secrets");
export const VECTOR = readFileSync(join(FIXTURES, "flux-age.yaml"), "utf8");
export const VECTOR_KEYFILE = readFileSync(join(FIXTURES, "flux-age.txt"), "utf8");
export const VECTOR_IDENTITY = VECTOR_KEYFILE.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
export const VECTOR_RECIPIENT = /# public key: (\S+)/.exec(VECTOR_KEYFILE)![1]!;

/** The `enc` of each `sops.age` entry, read with the yaml package. */
export function ageEntries(text: string): { recipient: string; enc: string }[] {
  const doc = parseDocument(text).toJS() as { sops: { age: { recipient: string; enc: string }[] } };
  return doc.sops.age;
}

/** Debian's age CLI unwraps the data key. */
export function ageCliKey(enc: string, identity: string): Buffer {
  const dir = tempDir();
  writeFileSync(join(dir, "key.txt"), `${identity}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "enc.age"), enc);
  const r = spawnSync("age", ["-d", "-i", join(dir, "key.txt"), join(dir, "enc.age")]);
  if (r.status !== 0) throw new Error(`age -d failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** age-encryption (the library, not QHub's wrapper) unwraps the data key, where no CLI is needed. */
export async function libraryKey(text: string, identity: string): Promise<Buffer> {
  const d = new Decrypter();
  d.addIdentity(identity);
  for (const { enc } of ageEntries(text)) {
    const key = await d.decrypt(armor.decode(enc)).catch(() => undefined);
    if (key) return Buffer.from(key);
  }
  throw new Error("no entry opens with this identity");
}

export const ENC = /^ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:str\]$/;

/** node:crypto opens one SOPS value. */
export function aesOpen(value: string, key: Buffer, aad: string): string {
  const m = ENC.exec(value);
  if (!m) throw new Error(`not a SOPS value: ${value}`);
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(m[2]!, "base64"));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3]!, "base64"));
  return Buffer.concat([d.update(Buffer.from(m[1]!, "base64")), d.final()]).toString("utf8");
}

/** node:crypto seals one SOPS value (to forge MACs). */
export function aesSeal(plain: string, key: Buffer, aad: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${c.getAuthTag().toString("base64")},type:str]`;
}

/** Every leaf of the document outside `sops:`, in file order, with its path: the yaml package's AST. */
export function leaves(text: string): { path: string[]; value: string }[] {
  const out: { path: string[]; value: string }[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (isMap(node))
      for (const pair of node.items) {
        const key = String((pair.key as { value: unknown }).value);
        if (path.length === 0 && key === "sops") continue;
        visit(pair.value, [...path, key]);
      }
    else if (isSeq(node)) for (const item of node.items) visit(item, path);
    else if (isScalar(node)) out.push({ path, value: String(node.value) });
  };
  visit(parseDocument(text).contents, []);
  return out;
}

/**
 * SOPS's MAC, recomputed from the SOPS docs/sources' definition: SHA-512 over every leaf's
 * plaintext in order (encrypted ones — a path component matching encrypted_regex — opened with
 * the key, their path + ":" as additional data), uppercase hex. Returns it with the stored one.
 */
export function independentMac(text: string, key: Buffer): { computed: string; stored: string } {
  const doc = parseDocument(text).toJS() as {
    sops: { mac: string; lastmodified: string; encrypted_regex: string };
  };
  const regex = new RegExp(doc.sops.encrypted_regex);
  const hash = createHash("sha512");
  for (const { path, value } of leaves(text)) {
    const encrypted = path.some((p) => regex.test(p));
    hash.update(encrypted && value !== "" ? aesOpen(value, key, `${path.join(":")}:`) : value, "utf8");
  }
  return {
    computed: hash.digest("hex").toUpperCase(),
    stored: aesOpen(doc.sops.mac, key, doc.sops.lastmodified),
  };
}

/** The plaintext `stringData` of a file, opened by node:crypto with a data key. */
export function openStringData(text: string, key: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, value } of leaves(text))
    if (path[0] === "stringData")
      out[path[1]!] = value === "" ? "" : aesOpen(value, key, `${path.join(":")}:`);
  return out;
}
