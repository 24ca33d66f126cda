/**
 * The native provider must be indistinguishable from ts-mls's default one. The official vectors
 * (test/vectors) prove it against fixed inputs; these tests cross the two implementations with
 * fresh random inputs: what one side produces, the other must accept, and vice versa.
 */
import { defaultCryptoProvider, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { describe, expect, test } from 'vitest';
import { SUPPORTED_CIPHERSUITES, toHex, utf8 } from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';

describe.each(SUPPORTED_CIPHERSUITES)('native and default providers interoperate: %s', (suite) => {
  const load = async () => {
    const cs = getCiphersuiteFromName(suite);
    return {
      native: await getCiphersuiteImpl(cs, nativeCryptoProvider),
      fallback: await getCiphersuiteImpl(cs, defaultCryptoProvider),
    };
  };

  test('HPKE: a key pair derived from the same seed is the same key pair', async () => {
    const { native, fallback } = await load();
    const ikm = native.rng.randomBytes(32);
    const a = await native.hpke.deriveKeyPair(ikm);
    const b = await fallback.hpke.deriveKeyPair(ikm);
    expect(toHex(await native.hpke.exportPublicKey(a.publicKey))).toBe(
      toHex(await fallback.hpke.exportPublicKey(b.publicKey)),
    );
    expect(toHex(await native.hpke.exportPrivateKey(a.privateKey))).toBe(
      toHex(await fallback.hpke.exportPrivateKey(b.privateKey)),
    );
  });

  test('HPKE: sealed by one opens with the other, both ways; tampering fails', async () => {
    const { native, fallback } = await load();
    for (const [from, to] of [
      [native, fallback],
      [fallback, native],
    ] as const) {
      const receiver = await to.hpke.generateKeyPair();
      const pub = await from.hpke.importPublicKey(await to.hpke.exportPublicKey(receiver.publicKey));
      const info = utf8('parley test');
      const aad = utf8('aad');
      const { ct, enc } = await from.hpke.seal(pub, utf8('path secret'), info, aad);
      expect(new TextDecoder().decode(await to.hpke.open(receiver.privateKey, enc, ct, info, aad))).toBe(
        'path secret',
      );
      const bad = ct.slice();
      bad[0]! ^= 1;
      await expect(to.hpke.open(receiver.privateKey, enc, bad, info, aad)).rejects.toThrow();
      await expect(to.hpke.open(receiver.privateKey, enc, ct, utf8('other info'), aad)).rejects.toThrow();
    }
  });

  test('AEAD, HKDF, hash, MAC and signatures agree', async () => {
    const { native, fallback } = await load();
    const key = native.rng.randomBytes(native.hpke.keyLength);
    const nonce = native.rng.randomBytes(native.hpke.nonceLength);
    const pt = native.rng.randomBytes(100);
    const aad = utf8('aad');
    const ct = await native.hpke.encryptAead(key, nonce, aad, pt);
    expect(toHex(await fallback.hpke.encryptAead(key, nonce, aad, pt))).toBe(toHex(ct));
    expect(toHex(await fallback.hpke.decryptAead(key, nonce, aad, ct))).toBe(toHex(pt));
    const salt = native.rng.randomBytes(native.kdf.size);
    const prk = await native.kdf.extract(salt, utf8('ikm'));
    expect(toHex(prk)).toBe(toHex(await fallback.kdf.extract(salt, utf8('ikm'))));
    expect(toHex(await native.kdf.extract(new Uint8Array(), utf8('ikm')))).toBe(
      toHex(await fallback.kdf.extract(new Uint8Array(), utf8('ikm'))),
    );
    for (const len of [16, 32, 64, 100]) {
      expect(toHex(await native.kdf.expand(prk, utf8('info'), len))).toBe(
        toHex(await fallback.kdf.expand(prk, utf8('info'), len)),
      );
    }
    expect(toHex(await native.hash.digest(pt))).toBe(toHex(await fallback.hash.digest(pt)));
    const mac = await native.hash.mac(key, pt);
    expect(await fallback.hash.verifyMac(key, mac, pt)).toBe(true);
    expect(await native.hash.verifyMac(key, mac, pt.subarray(1))).toBe(false);
    const { signKey, publicKey } = await native.signature.keygen();
    const sig = await native.signature.sign(signKey, pt);
    expect(await fallback.signature.verify(publicKey, pt, sig)).toBe(true);
    const other = await fallback.signature.keygen();
    expect(
      await native.signature.verify(other.publicKey, pt, await fallback.signature.sign(other.signKey, pt)),
    ).toBe(true);
    expect(await native.signature.verify(publicKey, pt.subarray(1), sig)).toBe(false);
  });
});

test('X25519 refuses a small-order public key (all-zero shared secret)', async () => {
  const native = await getCiphersuiteImpl(
    getCiphersuiteFromName(SUPPORTED_CIPHERSUITES[0]!),
    nativeCryptoProvider,
  );
  const zeroPoint = await native.hpke.importPublicKey(new Uint8Array(32));
  await expect(native.hpke.seal(zeroPoint, utf8('x'), utf8('info'))).rejects.toThrow();
});

test('fast JWK key import gives the same keys as the PKCS#8 path, for all four curves', async () => {
  const { OKP_KEY_SIZE, okpPrivateKey, okpPrivateKeyPkcs8, okpRawPublic, okpPublicKey } = await import(
    '../src/node/keys.js'
  );
  const { diffieHellman, sign, verify } = await import('node:crypto');
  for (let i = 0; i < 20; i++) {
    for (const crv of ['X25519', 'Ed25519', 'X448', 'Ed448'] as const) {
      const raw = crypto.getRandomValues(new Uint8Array(OKP_KEY_SIZE[crv]));
      const fast = okpPrivateKey(crv, raw);
      const slow = okpPrivateKeyPkcs8(crv, raw);
      expect(toHex(okpRawPublic(fast))).toBe(toHex(okpRawPublic(slow)));
      const pub = okpPublicKey(crv, okpRawPublic(slow));
      if (crv === 'Ed25519' || crv === 'Ed448') {
        expect(verify(null, raw, pub, sign(null, raw, fast))).toBe(true);
      } else {
        const peer = okpPrivateKeyPkcs8(crv, crypto.getRandomValues(new Uint8Array(OKP_KEY_SIZE[crv])));
        const peerPub = okpPublicKey(crv, okpRawPublic(peer));
        expect(toHex(diffieHellman({ privateKey: fast, publicKey: peerPub }))).toBe(
          toHex(diffieHellman({ privateKey: peer, publicKey: pub })),
        );
      }
    }
  }
});
