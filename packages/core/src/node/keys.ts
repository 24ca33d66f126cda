/**
 * Raw X25519 / X448 / Ed25519 / Ed448 keys to node:crypto KeyObjects, fast.
 *
 * OpenSSL 3's DER decoders make `createPrivateKey` from PKCS#8 cost ~0.5 ms and SPKI import ~0.13 ms
 * here; the JWK paths (RFC 8037 OKP keys) go straight to OpenSSL's raw-key constructors (~0.03 ms and
 * ~0.01 ms). A private JWK must carry `x`, which Node does not use: the key is built from `d` alone
 * and its public half derived from it. We pass a placeholder `x` and, should a Node version ever
 * reject that, fall back to PKCS#8. Tests compare both paths.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export type OkpCurve = 'X25519' | 'Ed25519' | 'X448' | 'Ed448';

/** Raw key sizes: RFC 7748 §5 (X25519 32, X448 56), RFC 8032 §5.1.5 / §5.2.5 (Ed25519 32, Ed448 57). */
export const OKP_KEY_SIZE: Record<OkpCurve, number> = { X25519: 32, Ed25519: 32, X448: 56, Ed448: 57 };

/** RFC 8410 §3 algorithm OIDs 1.3.101.{110,112,111,113}: the last byte of `06 03 2b 65 xx`. */
const OID_LAST_BYTE: Record<OkpCurve, number> = { X25519: 0x6e, Ed25519: 0x70, X448: 0x6f, Ed448: 0x71 };

/**
 * RFC 8410 §7 OneAsymmetricKey header, followed by the raw key:
 * SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING { OCTET STRING key } }.
 * Every length here is below 128, so each is one byte.
 */
function pkcs8Prefix(crv: OkpCurve): Uint8Array {
  const n = OKP_KEY_SIZE[crv];
  return Uint8Array.from([
    0x30,
    n + 14,
    0x02,
    0x01,
    0x00,
    0x30,
    0x05,
    0x06,
    0x03,
    0x2b,
    0x65,
    OID_LAST_BYTE[crv],
    0x04,
    n + 2,
    0x04,
    n,
  ]);
}

const PKCS8_PREFIX_SIZE = 16;
const placeholderX = (crv: OkpCurve): string => Buffer.alloc(OKP_KEY_SIZE[crv]).toString('base64url');
let jwkPrivateImport = true;

function b64url(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
}

function checkSize(crv: OkpCurve, raw: Uint8Array, which: 'private' | 'public'): void {
  const n = OKP_KEY_SIZE[crv];
  if (raw.length !== n) throw new RangeError(`${crv} ${which} key must be ${n} bytes`);
}

/** A private key from its raw bytes (RFC 7748 scalar / RFC 8032 seed). */
export function okpPrivateKey(crv: OkpCurve, raw: Uint8Array): KeyObject {
  checkSize(crv, raw, 'private');
  if (jwkPrivateImport) {
    try {
      return createPrivateKey({
        key: { kty: 'OKP', crv, d: b64url(raw), x: placeholderX(crv) },
        format: 'jwk',
      });
    } catch {
      jwkPrivateImport = false;
    }
  }
  return okpPrivateKeyPkcs8(crv, raw);
}

/** The slow, always-valid path; exported for the test that compares both. */
export function okpPrivateKeyPkcs8(crv: OkpCurve, raw: Uint8Array): KeyObject {
  checkSize(crv, raw, 'private');
  const der = Buffer.alloc(PKCS8_PREFIX_SIZE + raw.length);
  der.set(pkcs8Prefix(crv), 0);
  der.set(raw, PKCS8_PREFIX_SIZE);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return key;
}

export function okpPublicKey(crv: OkpCurve, raw: Uint8Array): KeyObject {
  checkSize(crv, raw, 'public');
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64url(raw) }, format: 'jwk' });
}

/** The raw public key of a private (or public) OKP KeyObject. */
export function okpRawPublic(key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('not an OKP key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}
