/**
 * X448 and Ed448 in the native provider (MLS suites 4 and 6). The official MLS vectors (test/vectors)
 * prove the suites end to end; these pin the curve primitives to their RFCs' own test vectors and
 * cross the HPKE KEM with an independent implementation, @hpke/core's WebCrypto DhkemX448HkdfSha512
 * (RFC 9180's appendix has no X448 vectors; the CFRG's JSON file does, but is not vendored here), and
 * the curve operations with @noble/curves, which ts-mls's default provider uses for Ed448.
 */
import { diffieHellman, randomBytes } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX448HkdfSha512, HkdfSha512 } from '@hpke/core';
import { x448 } from '@noble/curves/ed448.js';
import { type CiphersuiteName, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { makeNobleSignatureImpl } from 'ts-mls/crypto/implementation/default/makeNobleSignatureImpl.js';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../src/index.js';
import { okpPrivateKey, okpPrivateKeyPkcs8, okpPublicKey, okpRawPublic } from '../src/node/keys.js';
import { nativeCryptoProvider, nativeEd448 } from '../src/node/nativeProvider.js';

const X448_SUITES: readonly CiphersuiteName[] = [
  'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448',
  'MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448',
];

const native = (suite: CiphersuiteName) =>
  getCiphersuiteImpl(getCiphersuiteFromName(suite), nativeCryptoProvider);

test('X448 Diffie-Hellman gives RFC 7748 §6.2 keys and shared secret, on both key import paths', () => {
  const alice = {
    sk: '9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
    pk: '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0',
  };
  const bob = {
    sk: '1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
    pk: '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609',
  };
  const shared =
    '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
  for (const importPrivate of [okpPrivateKey, okpPrivateKeyPkcs8]) {
    const a = importPrivate('X448', fromHex(alice.sk));
    const b = importPrivate('X448', fromHex(bob.sk));
    expect(toHex(okpRawPublic(a))).toBe(alice.pk);
    expect(toHex(okpRawPublic(b))).toBe(bob.pk);
    const ab = diffieHellman({ privateKey: a, publicKey: okpPublicKey('X448', fromHex(bob.pk)) });
    const ba = diffieHellman({ privateKey: b, publicKey: okpPublicKey('X448', fromHex(alice.pk)) });
    expect(toHex(ab)).toBe(shared);
    expect(toHex(ba)).toBe(shared);
  }
  expect(() => okpPublicKey('X448', new Uint8Array(32))).toThrow(RangeError);
});

test('Ed448 signs as RFC 8032 §7.4 says and verifies only the right message, key and signature', async () => {
  const cases = [
    {
      sk: '6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b',
      pk: '5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180',
      msg: '',
      sig:
        '533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd39' +
        '80ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600',
    },
    {
      sk: 'c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e',
      pk: '43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480',
      msg: '03',
      sig:
        '26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779' +
        '805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00',
    },
  ];
  for (const c of cases) {
    const [sk, pk, msg, sig] = [fromHex(c.sk), fromHex(c.pk), fromHex(c.msg), fromHex(c.sig)];
    expect(toHex(okpRawPublic(okpPrivateKey('Ed448', sk)))).toBe(c.pk);
    expect(toHex(await nativeEd448.sign(sk, msg))).toBe(c.sig);
    expect(await nativeEd448.verify(pk, msg, sig)).toBe(true);
    expect(await nativeEd448.verify(pk, utf8('other'), sig)).toBe(false);
    const flipped = sig.slice();
    flipped[0]! ^= 1;
    expect(await nativeEd448.verify(pk, msg, flipped)).toBe(false);
    expect(await nativeEd448.verify(pk, msg, sig.subarray(0, 64))).toBe(false);
    expect(await nativeEd448.verify(pk.subarray(0, 32), msg, sig)).toBe(false);
  }
  const other = fromHex(cases[1]!.pk);
  expect(await nativeEd448.verify(other, new Uint8Array(), fromHex(cases[0]!.sig))).toBe(false);
  const fresh = await nativeEd448.keygen();
  expect([fresh.signKey.length, fresh.publicKey.length]).toEqual([57, 57]);
  expect(
    await nativeEd448.verify(fresh.publicKey, utf8('m'), await nativeEd448.sign(fresh.signKey, utf8('m'))),
  ).toBe(true);
});

describe.each(X448_SUITES)('native DHKEM(X448, HKDF-SHA512): %s', (suite) => {
  test('is built without the optional @hpke/dhkem-x448, and seals and opens with 56-byte keys', async () => {
    const impl = await native(suite);
    const receiver = await impl.hpke.generateKeyPair();
    const pub = await impl.hpke.exportPublicKey(receiver.publicKey);
    expect(pub.length).toBe(56);
    expect((await impl.hpke.exportPrivateKey(receiver.privateKey)).length).toBe(56);
    const { ct, enc } = await impl.hpke.seal(
      await impl.hpke.importPublicKey(pub),
      utf8('secret'),
      utf8('info'),
    );
    expect(enc.length).toBe(56);
    expect(new TextDecoder().decode(await impl.hpke.open(receiver.privateKey, enc, ct, utf8('info')))).toBe(
      'secret',
    );
    await expect(impl.hpke.open(receiver.privateKey, enc, ct, utf8('other info'))).rejects.toThrow();
    const badEnc = enc.slice();
    badEnc[0]! ^= 1;
    await expect(impl.hpke.open(receiver.privateKey, badEnc, ct, utf8('info'))).rejects.toThrow();
    // RFC 9180 §7.1.4: a small-order point (here 0) gives an all-zero DH output, which is refused.
    await expect(
      impl.hpke.seal(await impl.hpke.importPublicKey(new Uint8Array(56)), utf8('x'), utf8('i')),
    ).rejects.toThrow();
    await expect(impl.hpke.importPublicKey(new Uint8Array(32))).rejects.toThrow();
  });
});

test('native DHKEM(X448) derives the same keys as @hpke/core and each opens what the other seals', async () => {
  const impl = await native('MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448');
  const reference = new CipherSuite({
    kem: new DhkemX448HkdfSha512(),
    kdf: new HkdfSha512(),
    aead: new Aes256Gcm(),
  });
  const ikm = impl.rng.randomBytes(56);
  const mine = await impl.hpke.deriveKeyPair(ikm);
  const theirs = await reference.kem.deriveKeyPair(ikm);
  expect(toHex(await impl.hpke.exportPublicKey(mine.publicKey))).toBe(
    toHex(new Uint8Array(await reference.kem.serializePublicKey(theirs.publicKey))),
  );
  expect(toHex(await impl.hpke.exportPrivateKey(mine.privateKey))).toBe(
    toHex(new Uint8Array(await reference.kem.serializePrivateKey(theirs.privateKey))),
  );
  const [info, aad] = [utf8('parley x448'), utf8('aad')];
  const sealed = await reference.seal({ recipientPublicKey: theirs.publicKey, info }, utf8('to native'), aad);
  const opened = await impl.hpke.open(
    mine.privateKey,
    new Uint8Array(sealed.enc),
    new Uint8Array(sealed.ct),
    info,
    aad,
  );
  expect(new TextDecoder().decode(opened)).toBe('to native');
  const { ct, enc } = await impl.hpke.seal(mine.publicKey, utf8('to reference'), info, aad);
  const back = await reference.open({ recipientKey: theirs, enc, info }, ct, aad);
  expect(new TextDecoder().decode(back)).toBe('to reference');
});

test("native Ed448 signs byte for byte as ts-mls's default Ed448 (noble), and each verifies the other's", async () => {
  // The default provider cannot build suites 4 and 6 (its X448 HPKE needs @hpke/dhkem-x448), but its
  // Ed448 is @noble/curves, installed here: the two must agree exactly (RFC 8032 signing is deterministic).
  const reference = await makeNobleSignatureImpl('Ed448');
  for (let i = 0; i < 8; i++) {
    const { signKey, publicKey } = await reference.keygen();
    expect(toHex(okpRawPublic(okpPrivateKey('Ed448', signKey)))).toBe(toHex(publicKey));
    const message = new Uint8Array(randomBytes(i * 37));
    const mine = await nativeEd448.sign(signKey, message);
    expect(toHex(mine)).toBe(toHex(await reference.sign(signKey, message)));
    expect(await reference.verify(publicKey, message, mine)).toBe(true);
    const other = await nativeEd448.keygen();
    const theirs = await reference.sign(other.signKey, message);
    expect(await nativeEd448.verify(other.publicKey, message, theirs)).toBe(true);
    expect(await nativeEd448.verify(publicKey, message, theirs)).toBe(false);
  }
});

test('native X448 agrees with @noble/curves x448 on public keys and shared secrets', () => {
  for (let i = 0; i < 8; i++) {
    const [a, b] = [x448.utils.randomSecretKey(), x448.utils.randomSecretKey()];
    const [ka, kb] = [okpPrivateKey('X448', a), okpPrivateKey('X448', b)];
    expect(toHex(okpRawPublic(ka))).toBe(toHex(x448.getPublicKey(a)));
    const shared = diffieHellman({ privateKey: ka, publicKey: okpPublicKey('X448', x448.getPublicKey(b)) });
    expect(toHex(shared)).toBe(toHex(x448.getSharedSecret(b, x448.getPublicKey(a))));
    expect(toHex(diffieHellman({ privateKey: kb, publicKey: okpPublicKey('X448', okpRawPublic(ka)) }))).toBe(
      toHex(shared),
    );
  }
});
