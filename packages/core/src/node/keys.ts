/**
 * Raw X25519 / Ed25519 keys to node:crypto KeyObjects, fast.
 *
 * OpenSSL 3's DER decoders make `createPrivateKey` from PKCS#8 cost ~0.5 ms and SPKI import ~0.13 ms
 * here; the JWK paths go straight to OpenSSL's raw-key constructors (~0.03 ms and ~0.01 ms). A private
 * JWK must carry `x`, which Node does not use: the key is built from `d` alone and its public half
 * derived from it. We pass a placeholder `x` and, should a Node version ever reject that, fall back
 * to PKCS#8. Tests compare both paths.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export type OkpCurve = 'X25519' | 'Ed25519';

const PKCS8_PREFIX: Record<OkpCurve, Uint8Array> = {
  // RFC 8410 §7: SEQUENCE { version 0, AlgorithmIdentifier { OID }, OCTET STRING { OCTET STRING key } }
  X25519: Uint8Array.from([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
  ]),
  Ed25519: Uint8Array.from([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
  ]),
};

const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');
let jwkPrivateImport = true;

function b64url(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
}

/** A private key from its raw 32 bytes (RFC 7748 scalar / RFC 8032 seed). */
export function okpPrivateKey(crv: OkpCurve, raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`${crv} private key must be 32 bytes`);
  if (jwkPrivateImport) {
    try {
      return createPrivateKey({ key: { kty: 'OKP', crv, d: b64url(raw), x: PLACEHOLDER_X }, format: 'jwk' });
    } catch {
      jwkPrivateImport = false;
    }
  }
  return okpPrivateKeyPkcs8(crv, raw);
}

/** The slow, always-valid path; exported for the test that compares both. */
export function okpPrivateKeyPkcs8(crv: OkpCurve, raw: Uint8Array): KeyObject {
  const der = Buffer.alloc(48);
  der.set(PKCS8_PREFIX[crv], 0);
  der.set(raw, 16);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return key;
}

export function okpPublicKey(crv: OkpCurve, raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`${crv} public key must be 32 bytes`);
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64url(raw) }, format: 'jwk' });
}

/** The raw 32-byte public key of a private (or public) OKP KeyObject. */
export function okpRawPublic(key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('not an OKP key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}
