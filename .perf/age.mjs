const t0 = performance.now();
const { Encrypter } = await import("age-encryption");
const t1 = performance.now();
const e = new Encrypter(); e.addRecipient("age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29");
const c = await e.encrypt(new Uint8Array(32));
const t2 = performance.now();
for (let i = 0; i < 5; i++) { const e2 = new Encrypter(); e2.addRecipient("age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29"); await e2.encrypt(new Uint8Array(32)); }
const t3 = performance.now();
const { generateKeyPairSync, diffieHellman, createCipheriv, hkdfSync, createHmac } = await import("node:crypto");
const t4 = performance.now();
const k = generateKeyPairSync("x25519"); const k2 = generateKeyPairSync("x25519"); diffieHellman({ privateKey: k.privateKey, publicKey: k2.publicKey });
hkdfSync("sha256", Buffer.alloc(32), Buffer.alloc(16), "x", 32);
const ci = createCipheriv("chacha20-poly1305", Buffer.alloc(32), Buffer.alloc(12), { authTagLength: 16 }); ci.update(Buffer.alloc(32)); ci.final();
const t5 = performance.now();
console.log(JSON.stringify({ import: t1 - t0, first: t2 - t1, next5: t3 - t2, nodeCryptoAll: t5 - t4 }));
