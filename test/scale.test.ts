// Render time grows linearly with users: the two quadratic steps were the yaml package's duplicate
// key check (every key compared with every earlier one of its mapping), in the config and in the
// previous encrypted passwords Secret. Both now find duplicates with a set, and still refuse them.
import { describe, expect, test } from "vitest";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { parseConfigText } from "../src/config/document.js";
import { formatProblem } from "../src/config/problems.js";
import { validateDocument } from "../src/config/validate.js";
import { decryptSecret, encryptSecret, SopsError } from "../src/secrets/sops.js";

const usersConfig = (n: number) =>
  [
    "project_name: users",
    "provider: local",
    "domain: hub.localhost",
    "security:",
    "  authentication: { type: password }",
    "  users:",
    ...Array.from({ length: n }, (_, i) => `    user${i}: { password: { fromEnv: P${i} } }`),
    "",
  ].join("\n");

const timed = (f: () => void) => {
  const start = performance.now();
  f();
  return performance.now() - start;
};

describe("linear in users", () => {
  test("validating 20,000 users takes about four times 5,000, not sixteen", () => {
    const small = usersConfig(5000);
    const large = usersConfig(20000);
    const run = (text: string) => () => {
      expect(validateDocument(parseConfigText("qhub-config.yaml", text)).problems).toEqual([]);
    };
    run(small)(); // warm-up
    const a = Math.min(timed(run(small)), timed(run(small)));
    const b = Math.min(timed(run(large)), timed(run(large)));
    // Quadratic was 16x (12 s at 20,000); linear is 4x. Bounded loosely for loaded machines.
    expect(b / a).toBeLessThan(8);
  });

  test("duplicate keys are still refused, at any depth, at the second key", () => {
    const text = `${usersConfig(3)}    user1: {}\nproject_name: again\n`;
    expect(validateDocument(parseConfigText("qhub-config.yaml", text)).problems.map(formatProblem)).toEqual([
      'qhub-config.yaml:10:5: YAML error: duplicate key "user1". Hint: keep one of the two keys; YAML mappings cannot repeat a key',
      'qhub-config.yaml:11:1: YAML error: duplicate key "project_name". Hint: keep one of the two keys; YAML mappings cannot repeat a key',
    ]);
  });

  test("a SOPS file with 20,000 keys reads in linear time; a duplicate key is refused", async () => {
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    const stringData = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`user${i}`, `pw-${i}`]));
    const text = await encryptSecret(
      { apiVersion: "v1", kind: "Secret", metadata: { name: "qhub-passwords" }, type: "Opaque", stringData },
      [recipient],
      { lastModified: "2026-12-07T00:00:00Z" },
    );
    const start = performance.now();
    const back = await decryptSecret(text, [identity]);
    expect(performance.now() - start).toBeLessThan(8000); // quadratic: about 13 s
    expect(Object.keys(back.stringData)).toHaveLength(20000);
    const duplicated = text.replace(/^( +user1: .*)$/m, "$1\n$1");
    expect(duplicated).not.toBe(text);
    await expect(decryptSecret(duplicated, [identity])).rejects.toThrow(SopsError);
    await expect(decryptSecret(duplicated, [identity])).rejects.toThrow(
      /stringData\.user1 is a duplicate key/,
    );
  });
});
