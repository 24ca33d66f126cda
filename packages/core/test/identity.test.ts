import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { describe, expect, test } from 'vitest';
import {
  canonicalUsername,
  certifyNewDevice,
  createAccount,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  identityKeyPairOf,
  issueDeviceRevocation,
  verifyDeviceCertificate,
  verifyDeviceRevocation,
} from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';
import { codeOfAsync } from './errors.js';

const cs = await getCiphersuiteImpl(
  getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'),
  nativeCryptoProvider,
);

describe('usernames', () => {
  test('are unique after Unicode normalisation and case folding', () => {
    expect(canonicalUsername('Alice')).toBe('alice');
    expect(canonicalUsername('ＡＬＩＣＥ')).toBe('alice'); // full-width compatibility forms
    expect(canonicalUsername('Zoë')).toBe(canonicalUsername('Zoe\u0308')); // composed vs decomposed
    expect(canonicalUsername('ΣΊΣΥΦΟΣ')).toBe(canonicalUsername('σίσυφος')); // final sigma
    expect(canonicalUsername('STRASSE')).toBe(canonicalUsername('Straße')); // sharp s
  });

  test('reject empty, too long, and punctuation-led names', async () => {
    for (const bad of ['', ' ', '.alice', 'a'.repeat(33), 'al ice', 'al/ice', 'a\u0000']) {
      expect(await codeOfAsync(() => canonicalUsername(bad)), JSON.stringify(bad)).toBe('credential_invalid');
    }
  });
});

describe('device certificates', () => {
  test('round-trip through their canonical encoding and verify', async () => {
    const alice = await createAccount('alice', cs);
    const bytes = encodeDeviceCertificate(alice.certificate);
    const decoded = decodeDeviceCertificate(bytes);
    expect(decoded).toEqual(alice.certificate);
    await verifyDeviceCertificate(decoded, cs.signature);
  });

  test('a certificate for a second device is signed by the account identity key', async () => {
    const alice = await createAccount('alice', cs);
    const laptop = await certifyNewDevice(identityKeyPairOf(alice), alice.accountId, cs, {
      deviceId: 'laptop',
    });
    expect(laptop.identityPrivateKey).toBeNull();
    expect(laptop.certificate.identityKey).toEqual(alice.identityKey);
    await verifyDeviceCertificate(laptop.certificate, cs.signature);
    expect(await codeOfAsync(() => identityKeyPairOf(laptop))).toBe('usage');
  });

  test('any changed field breaks the signature', async () => {
    const alice = await createAccount('alice', cs);
    const other = await createAccount('mallory', cs);
    const c = alice.certificate;
    const variants = [
      { ...c, accountId: 'mallory' },
      { ...c, deviceId: 'other' },
      { ...c, deviceKey: other.deviceKey.publicKey },
      { ...c, identityKey: other.identityKey },
      { ...c, issuedAt: c.issuedAt + 1 },
      { ...c, expiresAt: c.issuedAt + 1000 },
    ];
    for (const v of variants) {
      expect(await codeOfAsync(verifyDeviceCertificate(v, cs.signature))).toBe('credential_not_certified');
    }
  });

  test('an expired certificate is refused', async () => {
    const alice = await createAccount('alice', cs, { now: Date.now() - 10_000, validFor: 5_000 });
    expect(await codeOfAsync(verifyDeviceCertificate(alice.certificate, cs.signature))).toBe(
      'credential_expired',
    );
  });

  test('decoding rejects truncation, trailing bytes and oversize input', async () => {
    const alice = await createAccount('alice', cs);
    const bytes = encodeDeviceCertificate(alice.certificate);
    expect(await codeOfAsync(() => decodeDeviceCertificate(bytes.subarray(0, bytes.length - 1)))).toBe(
      'decode_error',
    );
    expect(await codeOfAsync(() => decodeDeviceCertificate(new Uint8Array([...bytes, 0])))).toBe(
      'decode_error',
    );
    expect(await codeOfAsync(() => decodeDeviceCertificate(new Uint8Array(4096)))).toBe('too_large');
  });
});

describe('device revocations', () => {
  test('are signed by the identity key and tamper-evident', async () => {
    const alice = await createAccount('alice', cs);
    const phone = await certifyNewDevice(identityKeyPairOf(alice), alice.accountId, cs);
    const revocation = await issueDeviceRevocation(identityKeyPairOf(alice), phone.certificate, cs.signature);
    const decoded = decodeDeviceRevocation(encodeDeviceRevocation(revocation));
    expect(decoded).toEqual(revocation);
    await verifyDeviceRevocation(decoded, cs.signature);
    expect(await codeOfAsync(verifyDeviceRevocation({ ...decoded, deviceId: 'another' }, cs.signature))).toBe(
      'bad_signature',
    );
  });

  test('cannot be issued by another account', async () => {
    const alice = await createAccount('alice', cs);
    const mallory = await createAccount('mallory', cs);
    expect(
      await codeOfAsync(issueDeviceRevocation(identityKeyPairOf(mallory), alice.certificate, cs.signature)),
    ).toBe('usage');
  });
});
