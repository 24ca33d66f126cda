/**
 * EdDSA signatures (RFC 8032) for ts-mls on node:crypto: Ed25519 and Ed448, both the pure variants
 * with an empty context that RFC 9420 §5.1.2 uses (node's `sign(null, ...)` / `verify(null, ...)`).
 *
 * A private key is the RFC 8032 secret (a 32-byte or 57-byte seed); ts-mls's default provider makes
 * Ed25519 private keys as PKCS#8 (a 16-byte RFC 8410 header, then the seed), so that form is
 * accepted too.
 */
import { type KeyObject, sign as nodeSign, verify as nodeVerify, randomBytes } from 'node:crypto';
import type { Signature } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { OKP_KEY_SIZE, okpPrivateKey, okpPublicKey, okpRawPublic } from './keys.js';

type EdCurve = 'Ed25519' | 'Ed448';

/** RFC 8032 §5.1.6 / §5.2.6: a signature is 2 × the key size (64 and 114 bytes). */
const SIGNATURE_SIZE: Record<EdCurve, number> = { Ed25519: 64, Ed448: 114 };
const PKCS8_HEADER_SIZE = 16;

/**
 * A small bounded cache of parsed keys: a group member verifies the same few dozen sender keys over
 * and over, and parsing costs more than a verification. Keys are cached per curve.
 */
class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(private readonly limit: number) {}
  get(bytes: Uint8Array, make: () => KeyObject): KeyObject {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const hit = this.map.get(id);
    if (hit !== undefined) return hit;
    const key = make();
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(id, key);
    return key;
  }
}

// The key sizes differ per curve (32 vs 57 bytes), so one cache per curve cannot mix them up.
const privateKeys: Record<EdCurve, KeyCache> = { Ed25519: new KeyCache(256), Ed448: new KeyCache(256) };
const publicKeys: Record<EdCurve, KeyCache> = { Ed25519: new KeyCache(4096), Ed448: new KeyCache(4096) };

function edPrivateKey(crv: EdCurve, signKey: Uint8Array): KeyObject {
  const n = OKP_KEY_SIZE[crv];
  const seed =
    signKey.length === n
      ? signKey
      : signKey.length === n + PKCS8_HEADER_SIZE
        ? signKey.subarray(PKCS8_HEADER_SIZE)
        : undefined;
  if (seed === undefined) throw new CryptoError(`${crv}: private key must be a ${n}-byte seed or PKCS#8`);
  return privateKeys[crv].get(seed, () => okpPrivateKey(crv, seed));
}

function edPublicKey(crv: EdCurve, publicKey: Uint8Array): KeyObject | undefined {
  if (publicKey.length !== OKP_KEY_SIZE[crv]) return undefined;
  try {
    return publicKeys[crv].get(publicKey, () => okpPublicKey(crv, publicKey));
  } catch {
    return undefined;
  }
}

function eddsa(crv: EdCurve): Signature {
  return {
    async sign(signKey, message) {
      return new Uint8Array(nodeSign(null, message, edPrivateKey(crv, signKey)));
    },
    async verify(publicKey, message, signature) {
      const key = edPublicKey(crv, publicKey);
      if (key === undefined || signature.length !== SIGNATURE_SIZE[crv]) return false;
      // With a callback, node:crypto verifies on libuv's thread pool: verifications that are
      // started together (a joined tree's leaves) run on every core.
      return new Promise((resolve, reject) =>
        nodeVerify(null, message, key, signature, (error, valid) =>
          error === null ? resolve(valid) : reject(error),
        ),
      );
    },
    async keygen() {
      const signKey = new Uint8Array(randomBytes(OKP_KEY_SIZE[crv]));
      return { signKey, publicKey: okpRawPublic(edPrivateKey(crv, signKey)) };
    },
  };
}

export const nativeEd25519: Signature = eddsa('Ed25519');
export const nativeEd448: Signature = eddsa('Ed448');

/** The 32-byte Ed25519 public key for a 32-byte seed (or a PKCS#8 private key). */
export function ed25519PublicKeyFromSeed(signKey: Uint8Array): Uint8Array {
  return okpRawPublic(edPrivateKey('Ed25519', signKey));
}
