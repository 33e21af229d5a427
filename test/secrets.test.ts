// SOPS + age: QHub's files are checked by implementations that share no code with the writer —
// the `age` CLI (Debian) for the data key, node:crypto in this file for the values and the MAC,
// and the npm `sops-age` decoder for whole files — and QHub's reader is checked against Flux's
// published test vector.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Decrypter, Encrypter, armor } from "age-encryption";
import { decryptSops } from "sops-age";
import { describe, expect, test } from "vitest";
import { BugError, UserError } from "../src/errors.js";
import {
  armorText,
  generateIdentity,
  identityFileText,
  parseIdentities,
  validateRecipient,
  validateRecipients,
  wrapKey,
} from "../src/secrets/age.js";
import type { PlainSecret, RandomSource } from "../src/secrets/sops.js";
import { decryptFile, decryptSecret, encryptSecret, readSopsFile, SopsError } from "../src/secrets/sops.js";
import type { ScryptCost, SealOptions } from "../src/secrets/stable.js";
import { DEFAULT_DIGEST_COST, generateValue, KEYED_DIGEST, sealSecret } from "../src/secrets/stable.js";
import { tempDir } from "./helpers.js";
import { kustomizeBuild, kustomizeTest } from "./kustomize.js";
import {
  VECTOR,
  VECTOR_IDENTITY,
  VECTOR_KEYFILE,
  VECTOR_RECIPIENT,
  ageCliKey,
  ageEntries,
  ageTest,
  ENC,
  leaves,
  aesSeal,
  independentMac,
  libraryKey,
  openStringData,
} from "./sops-independent.js";

/** Replaces a `sops.mac` line (for forgeries). */
const withMac = (text: string, mac: string) => text.replace(/^ {2}mac: .*$/m, `  mac: ${mac}`);

/** A deterministic random source (a counter through SHA-256), for reproducible ciphertexts. */
function seededRandom(seed: string): RandomSource {
  let counter = 0;
  return (size) => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i += 32)
      createHash("sha256")
        .update(`${seed}:${counter++}`)
        .digest()
        .copy(out, i, 0, Math.min(32, size - i));
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

const LAST_MODIFIED = "2024-11-12T13:33:42Z";
// Low enough to keep the suite fast; the default cost has its own test.
const FAST: ScryptCost = { log2N: 10, r: 8, p: 1 };
const CANARY = `qhub-canary-${randomBytes(12).toString("hex")}`;

interface Key {
  identity: string;
  recipient: string;
}
const alice: Key = await generateIdentity();
const bob: Key = await generateIdentity();
const carol: Key = await generateIdentity();

function secret(stringData: Record<string, string>, extra: Partial<PlainSecret> = {}): PlainSecret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "jupyterhub-auth", namespace: "dev", labels: { "app.kubernetes.io/part-of": "qhub" } },
    type: "Opaque",
    stringData,
    ...extra,
  };
}

const VALUES = {
  "client-secret": "s3cr3t: with a colon, # and a hash",
  multiline: "line one\nline two\n",
  unicode: "päss wörd ✓ 🔑",
  empty: "",
  canary: CANARY,
};

const seal = (s: PlainSecret, options: Partial<SealOptions>) =>
  sealSecret(s, { recipients: [alice.recipient], lastModified: LAST_MODIFIED, digestCost: FAST, ...options });

// ---------------------------------------------------------------------------------------------

describe("Flux's SOPS test vector", () => {
  test("QHub's reader decrypts it and verifies its MAC", async () => {
    const s = await decryptSecret(VECTOR, [VECTOR_IDENTITY]);
    expect(s).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "age" },
      stringData: { key: "value" },
    });
    expect(readSopsFile(VECTOR)).toMatchObject({
      recipients: [VECTOR_RECIPIENT],
      lastModified: LAST_MODIFIED,
      version: "3.9.0",
      encryptedRegex: "^(data|stringData)$",
      stringDataKeys: ["key"],
      otherKeys: false,
    });
  });

  test("the independent readers of this file agree with it (they check QHub's files below)", async () => {
    const key = await libraryKey(VECTOR, VECTOR_IDENTITY);
    expect(openStringData(VECTOR, key)).toEqual({ key: "value" });
    const { computed, stored } = independentMac(VECTOR, key);
    expect(computed).toBe(stored);
  });

  ageTest("the age CLI unwraps its data key", () => {
    const key = ageCliKey(ageEntries(VECTOR)[0]!.enc, VECTOR_IDENTITY);
    expect(key).toHaveLength(32);
    expect(openStringData(VECTOR, key)).toEqual({ key: "value" });
  });

  // wrapKey writes age files itself (node:crypto): the age CLI and the age-encryption package
  // open them, whatever the size (empty, one chunk, a full chunk, several with a short last one).
  ageTest(
    "the age CLI and age-encryption open what wrapKey writes, at every STREAM chunk boundary",
    async () => {
      const pair = await generateIdentity();
      for (const size of [0, 1, 32, 65535, 65536, 65537, 3 * 65536 + 7]) {
        const data = randomBytes(size);
        const enc = wrapKey(data, pair.recipient);
        expect(enc).toMatch(
          /^-----BEGIN AGE ENCRYPTED FILE-----\n(?:[A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/=]{4,64}\n-----END AGE ENCRYPTED FILE-----\n$/,
        );
        expect(ageCliKey(enc, pair.identity).equals(data), `age CLI, ${size} bytes`).toBe(true);
        const d = new Decrypter();
        d.addIdentity(pair.identity);
        expect(
          Buffer.from(await d.decrypt(armor.decode(enc))).equals(data),
          `age-encryption, ${size} bytes`,
        ).toBe(true);
      }
      // Each file has its own file key and ephemeral share.
      expect(wrapKey(Buffer.alloc(32), pair.recipient)).not.toBe(wrapKey(Buffer.alloc(32), pair.recipient));
      // Another identity cannot open it.
      const other = await generateIdentity();
      expect(() => ageCliKey(wrapKey(Buffer.alloc(32), pair.recipient), other.identity)).toThrow(
        /age -d failed/,
      );
    },
  );

  // wrapKey writes the armor itself (a render then never loads age-encryption): the same text as
  // age-encryption's encoder, on both sides of every line's 48 bytes.
  test("armorText writes what age-encryption's armor.encode writes", () => {
    for (let size = 1; size <= 4 * 48 + 1; size++) {
      const file = randomBytes(size);
      expect(armorText(file), `${size} bytes`).toBe(armor.encode(file));
      expect(armorText(file.subarray(1)), `${size - 1} bytes at an offset`).toBe(
        armor.encode(file.subarray(1)),
      );
    }
  });

  test("QHub writes the same layout for the same Secret, byte for byte outside the random parts", async () => {
    const text = await encryptSecret(
      { apiVersion: "v1", kind: "Secret", metadata: { name: "age" }, stringData: { key: "value" } },
      [VECTOR_RECIPIENT],
      { lastModified: LAST_MODIFIED },
    );
    const shape = (t: string) =>
      t
        .replace(/ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]/g, "ENC[...]")
        .replace(/^( {8})[A-Za-z0-9+/=]+$/gm, "$1<armor>");
    expect(shape(text)).toBe(shape(VECTOR));
    // As in the vector: 5 bytes of value, a 32-byte IV, a 16-byte tag; a MAC of 128 hex digits.
    expect(text).toMatch(
      /key: ENC\[AES256_GCM,data:[A-Za-z0-9+/]{7}=,iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,/,
    );
    expect(text).toMatch(/mac: ENC\[AES256_GCM,data:[A-Za-z0-9+/]{171}=,iv:/);
    expect(VECTOR).toMatch(/mac: ENC\[AES256_GCM,data:[A-Za-z0-9+/]{171}=,iv:/);
    expect(await decryptSecret(text, [VECTOR_IDENTITY])).toMatchObject({ stringData: { key: "value" } });
  });
});

describe("encryptSecret for two recipients", () => {
  const plain = secret(VALUES);
  const encrypted = encryptSecret(plain, [alice.recipient, bob.recipient], { lastModified: LAST_MODIFIED });

  test("QHub's reader decrypts it with either identity", async () => {
    const text = await encrypted;
    for (const who of [alice, bob]) {
      const s = await decryptSecret(text, [who.identity]);
      expect(s).toEqual(plain);
    }
    await expect(decryptSecret(text, [carol.identity])).rejects.toMatchObject({ code: "no-identity" });
  });

  test("names, labels and type stay readable; only stringData is encrypted; empty stays empty", async () => {
    const text = await encrypted;
    expect(text).toContain("  name: jupyterhub-auth\n  namespace: dev\n");
    expect(text).toContain("    app.kubernetes.io/part-of: qhub\n");
    expect(text).toContain("\ntype: Opaque\n");
    expect(text).toContain('  empty: ""\n');
    for (const { path, value } of leaves(text))
      if (path[0] === "stringData" && value !== "") expect(value).toMatch(ENC);
    expect(readSopsFile(text).recipients).toEqual([alice.recipient, bob.recipient]);
  });

  ageTest(
    "the age CLI unwraps the same data key for each recipient; node:crypto opens the values",
    async () => {
      const text = await encrypted;
      const [a, b] = ageEntries(text);
      const keyA = ageCliKey(a!.enc, alice.identity);
      const keyB = ageCliKey(b!.enc, bob.identity);
      expect(keyA).toHaveLength(32);
      expect(keyB.equals(keyA)).toBe(true);
      expect(openStringData(text, keyA)).toEqual(VALUES);
    },
  );

  ageTest("the MAC, recomputed here, matches the stored one", async () => {
    const text = await encrypted;
    const { computed, stored } = independentMac(text, ageCliKey(ageEntries(text)[0]!.enc, alice.identity));
    expect(computed).toMatch(/^[0-9A-F]{128}$/);
    expect(stored).toBe(computed);
  });

  test("sops-age decrypts the whole file with each identity", async () => {
    const text = await encrypted;
    for (const who of [alice, bob]) {
      const doc = (await decryptSops(text, { secretKey: who.identity, fileType: "yaml" })) as PlainSecret;
      expect(doc).toEqual(plain);
    }
  });

  test("a canary value appears nowhere in the text, in any encoding", async () => {
    const text = await encrypted;
    for (const form of [
      CANARY,
      Buffer.from(CANARY).toString("base64"),
      Buffer.from(CANARY).toString("base64url"),
      Buffer.from(CANARY).toString("hex"),
    ])
      expect(text).not.toContain(form);
    expect(text).not.toContain("päss");
  });

  test("strings that YAML would read as other types are quoted, so the MAC sees the same strings", async () => {
    const tricky = secret(
      { key: "v" },
      {
        metadata: {
          name: "tricky",
          labels: {
            a: "true",
            b: "1_000",
            c: "0x1F",
            d: "2024-01-01",
            e: "yes",
            f: "null",
            g: "-x",
            h: "x: y",
          },
          annotations: { "note.qhub.dev/x": "a\tb\u0001", data: "not a value, but matches the regex" },
        },
      },
    );
    const text = await encryptSecret(tricky, [alice.recipient], { lastModified: LAST_MODIFIED });
    for (const quoted of ['"true"', '"1_000"', '"0x1F"', '"2024-01-01"', '"yes"', '"null"', '"-x"', '"x: y"'])
      expect(text).toContain(`: ${quoted}\n`);
    expect(text).toContain('"a\\tb\\u0001"');
    // SOPS encrypts any leaf with a path component matching the regex, annotations included.
    expect(text).toMatch(/^ {4}data: ENC\[/m);
    expect(await decryptSecret(text, [alice.identity])).toEqual(tricky);
    const { computed, stored } = independentMac(text, await libraryKey(text, alice.identity));
    expect(stored).toBe(computed);
  });

  test("QHub's own contract is checked: a broken string, a bad key or lastmodified is a bug", async () => {
    const opts = { lastModified: LAST_MODIFIED };
    await expect(encryptSecret(secret({ a: "\uD800" }), [alice.recipient], opts)).rejects.toBeInstanceOf(
      BugError,
    );
    await expect(encryptSecret(secret({ "a b": "x" }), [alice.recipient], opts)).rejects.toBeInstanceOf(
      BugError,
    );
    for (const lastModified of ["2024-11-12 13:33:42Z", "2024-02-30T00:00:00Z", "2024-11-12T13:33:42+01:00"])
      await expect(
        encryptSecret(secret({ a: "b" }), [alice.recipient], { lastModified }),
      ).rejects.toBeInstanceOf(BugError);
  });

  test("with an injected random source the values and MAC are reproducible (age wrapping is not)", async () => {
    const one = await encryptSecret(plain, [alice.recipient], {
      lastModified: LAST_MODIFIED,
      random: seededRandom("s"),
    });
    const two = await encryptSecret(plain, [alice.recipient], {
      lastModified: LAST_MODIFIED,
      random: seededRandom("s"),
    });
    const withoutArmor = (t: string) => t.replace(/^ {8}.*\n/gm, "");
    expect(withoutArmor(one)).toBe(withoutArmor(two));
    expect(one).not.toBe(two);
  });
});

describe("tampering is detected", () => {
  const encrypted = encryptSecret(secret({ password: "hunter2", token: CANARY }), [alice.recipient], {
    lastModified: LAST_MODIFIED,
  });

  test("a wrong MAC (well-formed, encrypted with the right key) is rejected", async () => {
    const text = await encrypted;
    const key = await libraryKey(text, alice.identity);
    const forged = withMac(text, aesSeal("0".repeat(128), key, LAST_MODIFIED));
    const err = await decryptSecret(forged, [alice.identity]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SopsError);
    expect(err).toMatchObject({ code: "mac" });
    expect((err as Error).message).toMatch(/MAC does not match/);
    expect(String((err as UserError).hint)).toMatch(/restore the file from git/);
  });

  test("a MAC from another lastmodified, or none, is rejected", async () => {
    const text = await encrypted;
    const moved = text.replace(`lastmodified: "${LAST_MODIFIED}"`, 'lastmodified: "2025-01-01T00:00:00Z"');
    await expect(decryptSecret(moved, [alice.identity])).rejects.toMatchObject({ code: "mac" });
    await expect(decryptSecret(withMac(text, '""'), [alice.identity])).rejects.toMatchObject({ code: "mac" });
  });

  test("a changed plain-text leaf (the name) breaks the MAC", async () => {
    const text = (await encrypted).replace("name: jupyterhub-auth", "name: someone-else");
    await expect(decryptSecret(text, [alice.identity])).rejects.toMatchObject({ code: "mac" });
  });

  test("a tampered or moved encrypted value does not decrypt", async () => {
    const text = await encrypted;
    const flipped = text.replace(
      /(password: ENC\[AES256_GCM,data:)(.)/,
      (_, p: string, c: string) => p + (c === "A" ? "B" : "A"),
    );
    await expect(decryptSecret(flipped, [alice.identity])).rejects.toMatchObject({ code: "value" });
    // The key path is the additional data: a value moved to another key fails too.
    const password = /password: (ENC\[[^\]]+\])/.exec(text)![1]!;
    const token = /token: (ENC\[[^\]]+\])/.exec(text)![1]!;
    const swapped = text.replace(password, "@P").replace(token, password).replace("@P", token);
    const err = await decryptSecret(swapped, [alice.identity]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "value" });
    expect((err as Error).message).toBe(
      "stringData.password does not decrypt: it was changed or moved after encryption",
    );
  });

  test("a damaged age entry is named", async () => {
    const text = await encrypted;
    const damaged = text.replace(
      /^( {8})([A-Za-z0-9+/]{10})/m,
      (_, pad: string, b: string) => pad + [...b].reverse().join(""),
    );
    const err = await decryptSecret(damaged, [alice.identity]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "format" });
    expect((err as Error).message).toContain(`wrapped for ${alice.recipient} does not decrypt`);
  });

  test("a plain value in an encrypted place is refused, and no error quotes a value", async () => {
    const text = (await encrypted).replace(/token: ENC\[[^\]]+\]/, `token: ${CANARY}`);
    const err = await decryptSecret(text, [alice.identity]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "format" });
    expect(`${(err as Error).message} ${(err as UserError).hint}`).not.toContain(CANARY);
  });
});

describe("sealSecret: stable files", () => {
  test("same values and recipients give the previous text, with and without an identity", async () => {
    const s = secret({ password: "hunter2" });
    const first = await seal(s, { recipients: [alice.recipient, bob.recipient] });
    expect(first.status).toBe("created");
    expect(readSopsFile(first.text).digest).toMatch(/^scrypt:ln=10,r=8,p=1:/);
    for (const identities of [undefined, [alice.identity], [carol.identity]]) {
      const again = await seal(s, {
        previous: first.text,
        recipients: [alice.recipient, bob.recipient],
        identities,
      });
      expect(again).toEqual({ text: first.text, status: "unchanged", reason: "unchanged" });
    }
    // Recipient order is not a change.
    const reordered = await seal(s, { previous: first.text, recipients: [bob.recipient, alice.recipient] });
    expect(reordered.text).toBe(first.text);
  });

  test("a changed value gives a new encryption, with and without an identity", async () => {
    const first = await seal(secret({ password: "hunter2", other: "x" }), {});
    for (const identities of [undefined, [alice.identity]]) {
      const next = await seal(secret({ password: "hunter3", other: "x" }), {
        previous: first.text,
        identities,
      });
      expect(next.status).toBe("reencrypted");
      expect(next.reason).toBe(identities ? "stringData password changed" : "values or metadata changed");
      expect(next.text).not.toBe(first.text);
      expect((await decryptSecret(next.text, [alice.identity])).stringData).toEqual({
        password: "hunter3",
        other: "x",
      });
    }
  });

  test("changed metadata is a change too", async () => {
    const first = await seal(secret({ password: "p" }), {});
    const renamed = secret({ password: "p" }, { metadata: { name: "other" } });
    expect((await seal(renamed, { previous: first.text })).status).toBe("reencrypted");
  });

  test("an added recipient gives a new encryption that the new identity opens", async () => {
    const s = secret({ password: "hunter2" });
    const first = await seal(s, {});
    for (const identities of [undefined, [alice.identity]]) {
      const next = await seal(s, {
        previous: first.text,
        recipients: [alice.recipient, carol.recipient],
        identities,
      });
      expect(next).toMatchObject({ status: "reencrypted", reason: "recipients changed" });
      expect((await decryptSecret(next.text, [carol.identity])).stringData).toEqual({ password: "hunter2" });
    }
  });

  test("a file rewritten without QHub's digest is encrypted again (and then stays)", async () => {
    const s = secret({ password: "hunter2" });
    const first = await seal(s, {});
    const stripped = first.text.replace(/^ {2}qhub_digest: .*\n/m, "");
    expect(readSopsFile(stripped).digest).toBeUndefined();
    // Still a valid SOPS file without it.
    expect((await decryptSecret(stripped, [alice.identity])).stringData).toEqual({ password: "hunter2" });
    const next = await seal(s, { previous: stripped });
    expect(next).toMatchObject({ status: "reencrypted", reason: "the previous file has no QHub digest" });
    expect((await seal(s, { previous: next.text })).text).toBe(next.text);
  });

  test("a digest weaker than asked for is not trusted", async () => {
    const s = secret({ password: "hunter2" });
    const weak = await seal(s, { digestCost: { log2N: 10, r: 1, p: 1 } });
    expect((await seal(s, { previous: weak.text })).status).toBe("reencrypted");
  });

  describe("the keyed digest of values nobody chose", () => {
    const s = secret({ "client-secret": CANARY, "client-id": "public" });
    const keyed = { digestCost: KEYED_DIGEST } as const;

    test("is HMAC-SHA256 keyed by a 16-byte salt, and an unchanged Secret keeps its file", async () => {
      const first = await seal(s, keyed);
      const digest = readSopsFile(first.text).digest!;
      const [, salt, mac] = /^hmac-sha256:([A-Za-z0-9+/]{22}):([A-Za-z0-9+/]{43})$/.exec(digest)!;
      // Recomputed independently: the same canonical input the scrypt digest covers.
      let saltGiven = false;
      const again = await seal(s, {
        ...keyed,
        // The salt is the first 16 random bytes a seal asks for.
        random: (n) =>
          n === 16 && !saltGiven ? ((saltGiven = true), Buffer.from(salt!, "base64")) : randomBytes(n),
      });
      const ours = readSopsFile(again.text);
      expect(ours.digest).toBe(digest);
      expect(Buffer.from(mac!, "base64")).toHaveLength(32);
      expect(digest).not.toContain(CANARY);
      expect(await seal(s, { ...keyed, previous: first.text })).toEqual({
        text: first.text,
        status: "unchanged",
        reason: "unchanged",
      });
      const changed = await seal(secret({ "client-secret": `${CANARY}2`, "client-id": "public" }), {
        ...keyed,
        previous: first.text,
      });
      expect(changed).toMatchObject({ status: "reencrypted", reason: "values or metadata changed" });
    });

    test("a file from before it (scrypt N=2^10, r=8) stays as it is while unchanged", async () => {
      const legacy = await seal(s, { digestCost: { log2N: 10, r: 8, p: 1 } });
      expect((await seal(s, { ...keyed, previous: legacy.text })).text).toBe(legacy.text);
      const other = await seal(s, { digestCost: { log2N: 11, r: 8, p: 1 } });
      expect((await seal(s, { ...keyed, previous: other.text })).status).toBe("reencrypted");
    });

    test("is not trusted where a password's scrypt cost is expected, nor with other lengths", async () => {
      const first = await seal(s, keyed);
      const passwordCost = { log2N: 14, r: 8, p: 1 };
      expect((await seal(s, { digestCost: passwordCost, previous: first.text })).status).toBe("reencrypted");
      const digest = readSopsFile(first.text).digest!;
      for (const forged of [
        digest.replace(/:([^:]+):/, ":AAAA:"),
        `${digest}AAAA`,
        digest.replace("hmac-sha256", "hmac-sha1"),
      ]) {
        const previous = first.text.replace(digest, forged);
        expect((await seal(s, { ...keyed, previous })).status).toBe("reencrypted");
      }
    });
  });

  test("the default cost (scrypt N=2^17, r=8) round-trips", async () => {
    const s = secret({ password: "hunter2" });
    const first = await seal(s, { digestCost: undefined });
    expect(readSopsFile(first.text).digest).toMatch(
      /^scrypt:ln=17,r=8,p=1:[A-Za-z0-9+/]{22}:[A-Za-z0-9+/]{43}$/,
    );
    expect(DEFAULT_DIGEST_COST).toEqual({ log2N: 17, r: 8, p: 1 });
    expect((await seal(s, { previous: first.text, digestCost: undefined })).text).toBe(first.text);
  });

  test("a tampered previous file is refused when an identity can check it", async () => {
    const first = await seal(secret({ password: CANARY }), {});
    const tampered = first.text.replace("namespace: dev", "namespace: prod");
    const err = await seal(secret({ password: CANARY }), {
      previous: tampered,
      identities: [alice.identity],
      file: "cluster-overlays/prod/platform/secret.sops.yaml",
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "mac" });
    expect((err as Error).message).toMatch(/^cluster-overlays\/prod\/platform\/secret\.sops\.yaml: /);
    expect(String(err)).not.toContain(CANARY);
  });

  test("bad recipients are user errors before anything is encrypted", async () => {
    await expect(seal(secret({ a: "b" }), { recipients: [] })).rejects.toThrow(/empty/);
    await expect(seal(secret({ a: "b" }), { recipients: ["age1nope"] })).rejects.toBeInstanceOf(UserError);
  });
});

describe("generated values", () => {
  const generate = { "cookie-secret": { kind: "hex", bytes: 32 } } as const;

  test("are generated once and kept, with or without an identity", async () => {
    const s = secret({ "client-secret": "abc" });
    const first = await seal(s, { generate });
    const cookie = (await decryptSecret(first.text, [alice.identity])).stringData["cookie-secret"]!;
    expect(cookie).toMatch(/^[0-9a-f]{64}$/);
    expect(first.text).not.toContain(cookie);
    for (const identities of [undefined, [alice.identity]])
      expect((await seal(s, { previous: first.text, generate, identities })).text).toBe(first.text);
  });

  test("survive a changed value or recipient when an identity can read them", async () => {
    const first = await seal(secret({ "client-secret": "abc" }), { generate });
    const cookie = (await decryptSecret(first.text, [alice.identity])).stringData["cookie-secret"];
    const next = await seal(secret({ "client-secret": "xyz" }), {
      previous: first.text,
      generate,
      identities: [alice.identity],
      recipients: [alice.recipient, bob.recipient],
    });
    expect(next.status).toBe("reencrypted");
    expect((await decryptSecret(next.text, [bob.identity])).stringData).toEqual({
      "client-secret": "xyz",
      "cookie-secret": cookie,
    });
  });

  test("without an identity, a change that needs them is a clear error (never a new value)", async () => {
    const first = await seal(secret({ "client-secret": CANARY }), { generate });
    const err = await seal(secret({ "client-secret": "new" }), {
      previous: first.text,
      generate,
      file: "x.sops.yaml",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^x\.sops\.yaml must be encrypted again .* generated values \(cookie-secret\)/,
    );
    expect((err as UserError).hint).toMatch(/SOPS_AGE_KEY_FILE/);
    expect((err as UserError).hint).toContain(alice.recipient);
    expect(`${(err as Error).message}${(err as UserError).hint}`).not.toContain(CANARY);
  });

  test("a newly added generated key is generated without an identity when none existed before", async () => {
    const first = await seal(secret({ "client-secret": "abc" }), {});
    const next = await seal(secret({ "client-secret": "abc" }), { previous: first.text, generate });
    expect(next.status).toBe("reencrypted");
    expect((await decryptSecret(next.text, [alice.identity])).stringData["cookie-secret"]).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  test("generateValue draws from the CSPRNG (or the injected source)", () => {
    expect(generateValue()).toMatch(/^[0-9a-f]{64}$/);
    expect(generateValue()).not.toBe(generateValue());
    expect(generateValue({ kind: "base64url", bytes: 32 })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateValue({ kind: "alphanumeric", length: 40 })).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(generateValue(undefined, seededRandom("x"))).toBe(generateValue(undefined, seededRandom("x")));
    expect(() => generateValue({ kind: "hex", bytes: 8 })).toThrow(/16 to 1024/);
  });
});

describe("age keys", () => {
  test("a generated identity round-trips through an age-keygen style file", async () => {
    const pair = await generateIdentity();
    expect(pair.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(validateRecipient(pair.recipient)).toBe(pair.recipient);
    const text = identityFileText(pair, new Date("2026-01-02T03:04:05.678Z"));
    expect(text).toBe(`# created: 2026-01-02T03:04:05Z\n# public key: ${pair.recipient}\n${pair.identity}\n`);
    expect(await parseIdentities(text, "key.txt")).toEqual([pair]);
  });

  ageTest("age-keygen derives the same recipient from QHub's file, and age encrypts to it", async () => {
    const pair = await generateIdentity();
    const dir = tempDir();
    writeFileSync(join(dir, "key.txt"), identityFileText(pair, new Date()), { mode: 0o600 });
    const y = spawnSync("age-keygen", ["-y", join(dir, "key.txt")], { encoding: "utf8" });
    expect(y.stdout.trim()).toBe(pair.recipient);
    const e = spawnSync("age", ["-r", pair.recipient, "-a"], { input: "hi" });
    expect(e.status).toBe(0);
    expect(ageCliKey(e.stdout.toString(), pair.identity).toString()).toBe("hi");
  });

  test("the vector's identity file (age-keygen's format) parses to its public key", async () => {
    expect(await parseIdentities(VECTOR_KEYFILE, "age.txt")).toEqual([
      { identity: VECTOR_IDENTITY, recipient: VECTOR_RECIPIENT },
    ]);
  });

  test("identity files: a public key, garbage or nothing are user errors that never quote the line", async () => {
    await expect(parseIdentities(`# c\n${alice.recipient}\n`, "k.txt")).rejects.toThrow(
      /k\.txt:2: .*recipient/,
    );
    const typo = `${alice.identity.slice(0, -1)}${alice.identity.endsWith("Q") ? "P" : "Q"}`;
    const err = await parseIdentities(typo, "k.txt").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).not.toContain(typo);
    await expect(parseIdentities("# only comments\n\n", "k.txt")).rejects.toThrow(/holds no age identity/);
  });

  test("recipients: typos, secret keys, other key types and duplicates are user errors with hints", () => {
    const typo = `${alice.recipient.slice(0, -1)}${alice.recipient.endsWith("q") ? "p" : "q"}`;
    expect(() => validateRecipient(typo)).toThrow(/bad checksum/);
    expect(() => validateRecipient("age1short")).toThrow(/is not an age recipient/);
    expect(() => validateRecipient(`age1pq1${"q".repeat(60)}`)).toThrow(/post-quantum/);
    expect(() => validateRecipient("ssh-ed25519 AAAA")).toThrow(/SSH keys/);
    let err: unknown;
    try {
      validateRecipient(alice.identity, "secrets.sops.age_recipients[0]");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^secrets\.sops\.age_recipients\[0\]: this is an age secret key/);
    expect((err as Error).message).not.toContain(alice.identity);
    expect(() => validateRecipients([alice.recipient, alice.recipient])).toThrow(/listed twice/);
    expect(() => validateRecipients([])).toThrow(/qhub init|empty/);
  });
});

// A file written here by hand, as SOPS writes one without `encrypted_regex` (everything encrypted
// but keys ending in `_unencrypted`), with and without `mac_only_encrypted`.
test.each([false, true])(
  "QHub's reader follows SOPS's default rules (mac_only_encrypted: %s)",
  async (macOnly) => {
    const key = randomBytes(32);
    const encrypter = new Encrypter();
    encrypter.addRecipient(alice.recipient);
    const enc = armor.encode(await encrypter.encrypt(key));
    const lastModified = "2025-01-02T03:04:05Z";
    const hash = createHash("sha512");
    // sops.go MACOnlyEncryptedInitialization
    if (macOnly)
      hash.update(Buffer.from("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69", "hex"));
    for (const [value, encrypted] of [
      ["v1", true],
      ["Secret", true],
      ["plain", false],
      ["value", true],
    ] as const)
      if (encrypted || !macOnly) hash.update(value);
    const text = [
      `apiVersion: ${aesSeal("v1", key, "apiVersion:")}`,
      `kind: ${aesSeal("Secret", key, "kind:")}`,
      "metadata:",
      "    name_unencrypted: plain",
      "stringData:",
      `    key: ${aesSeal("value", key, "stringData:key:")}`,
      "sops:",
      "    age:",
      `        - recipient: ${alice.recipient}`,
      "          enc: |",
      ...enc
        .trimEnd()
        .split("\n")
        .map((l) => `            ${l}`),
      `    lastmodified: "${lastModified}"`,
      `    mac: ${aesSeal(hash.digest("hex").toUpperCase(), key, lastModified)}`,
      ...(macOnly ? ["    mac_only_encrypted: true"] : []),
      "    version: 3.9.0",
      "",
    ].join("\n");
    expect(await decryptFile(text, [alice.identity])).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name_unencrypted: "plain" },
      stringData: { key: "value" },
    });
    const other = macOnly
      ? text.replace("    mac_only_encrypted: true\n", "")
      : text.replace("version:", "mac_only_encrypted: true\n    version:");
    await expect(decryptFile(other, [alice.identity])).rejects.toMatchObject({ code: "mac" });
  },
);

// Flux builds a Kustomization's path with Kustomize, then decrypts each Secret; Kustomize sorts
// keys, and QHub already writes them sorted, so even the MAC survives a build whose namespace
// transformer sets the namespace the Secret already has.
kustomizeTest("a file survives Kustomize with a namespace transformer, MAC included", async () => {
  const plain = secret({ b: "two", a: "", z: CANARY });
  const dir = tempDir();
  writeFileSync(
    join(dir, "secret.sops.yaml"),
    await encryptSecret(plain, [alice.recipient], { lastModified: LAST_MODIFIED }),
  );
  writeFileSync(
    join(dir, "kustomization.yaml"),
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: dev\nresources:\n  - secret.sops.yaml\n",
  );
  const [built] = kustomizeBuild(dir);
  const text = JSON.stringify(built);
  expect(text).not.toContain(CANARY);
  expect(await decryptSecret(text, [alice.identity])).toEqual(plain);
});

test("decryptFile returns the document without its sops block", async () => {
  expect(await decryptFile(VECTOR, [VECTOR_IDENTITY])).toEqual({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "age" },
    stringData: { key: "value" },
  });
  await expect(decryptFile("a: b\n", [VECTOR_IDENTITY])).rejects.toThrow(/no `sops:` block/);
});
