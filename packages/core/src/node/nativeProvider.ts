/**
 * A ts-mls CryptoProvider backed by `node:crypto` (OpenSSL).
 *
 * ts-mls's default provider reaches OpenSSL too, but through WebCrypto: every HMAC, HKDF step and
 * AES-GCM call imports a CryptoKey and awaits a promise, which dominates the cost of an application
 * message. Here the same primitives run synchronously on cached KeyObjects:
 *   - SHA-256/384/512 and HMAC (RFC 2104) via createHash/createHmac,
 *   - HKDF-Extract / HKDF-Expand (RFC 5869 §2.2, §2.3) on top of that HMAC,
 *   - AES-128/256-GCM and ChaCha20-Poly1305 (RFC 8439) via createCipheriv,
 *   - Ed25519 (RFC 8032) via crypto.sign/verify,
 *   - randomBytes for the RNG.
 * HPKE (RFC 9180) for the X25519 suites stays `@hpke/core`'s protocol code with these primitives
 * plugged in (nativeHpke.ts); for the X-Wing suites it is ts-mls's default wiring with only the AEAD
 * entry points (which MLS uses for PrivateMessages and Welcome GroupInfos) swapped for the native
 * AEAD. Suites whose signature scheme is not Ed25519 keep the default signature implementation.
 *
 * Equality with the default provider is proven by running the official MLS test vectors through both.
 */
import {
  createHash,
  createHmac,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import {
  type AeadAlgorithm,
  type Ciphersuite,
  type CiphersuiteImpl,
  type CryptoProvider,
  defaultCryptoProvider,
  type Hash,
  type HashAlgorithm,
  type Hpke,
  type Kdf,
  type KdfAlgorithm,
  type Rng,
  type Signature,
} from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { nativeAead } from './aead.js';
import { hkdfExpand, hkdfExtract, type NodeHash } from './hkdf.js';
import { okpPrivateKey, okpPublicKey, okpRawPublic } from './keys.js';
import { nativeHpke } from './nativeHpke.js';

const nodeHashName: Record<HashAlgorithm, NodeHash> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const kdfHash: Record<KdfAlgorithm, HashAlgorithm> = {
  'HKDF-SHA256': 'SHA-256',
  'HKDF-SHA384': 'SHA-384',
  'HKDF-SHA512': 'SHA-512',
};

const hashSize: Record<HashAlgorithm, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export function nativeHash(alg: HashAlgorithm): Hash {
  const name = nodeHashName[alg];
  const mac = (key: Uint8Array, data: Uint8Array): Uint8Array =>
    new Uint8Array(createHmac(name, key).update(data).digest());
  return {
    async digest(data) {
      return new Uint8Array(createHash(name).update(data).digest());
    },
    async mac(key, data) {
      return mac(key, data);
    },
    async verifyMac(key, tag, data) {
      const expected = mac(key, data);
      return expected.length === tag.length && timingSafeEqual(expected, tag);
    },
  };
}

export function nativeKdf(alg: KdfAlgorithm): Kdf {
  const hash = nodeHashName[kdfHash[alg]];
  const size = hashSize[kdfHash[alg]];
  return {
    size,
    async extract(salt, ikm) {
      return hkdfExtract(hash, size, salt, ikm);
    },
    async expand(prk, info, len) {
      if (len > 255 * size) throw new CryptoError('HKDF-Expand: requested length too large');
      return hkdfExpand(hash, size, prk, info, len);
    },
  };
}

/**
 * A small bounded cache of parsed keys: a group member verifies the same few dozen sender keys over
 * and over, and parsing costs more than a verification.
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

const privateKeys = new KeyCache(256);
const publicKeys = new KeyCache(4096);

// ts-mls's default provider produces PKCS#8 private keys (48 bytes: a 16-byte header, then the seed);
// RFC 8032 seeds are 32 bytes. Accept both.
function ed25519PrivateKey(signKey: Uint8Array): KeyObject {
  const seed = signKey.length === 32 ? signKey : signKey.length === 48 ? signKey.subarray(16) : undefined;
  if (seed === undefined) throw new CryptoError('Ed25519: private key must be a 32-byte seed or PKCS#8');
  return privateKeys.get(seed, () => okpPrivateKey('Ed25519', seed));
}

function ed25519PublicKey(publicKey: Uint8Array): KeyObject | undefined {
  if (publicKey.length !== 32) return undefined;
  try {
    return publicKeys.get(publicKey, () => okpPublicKey('Ed25519', publicKey));
  } catch {
    return undefined;
  }
}

export const nativeEd25519: Signature = {
  async sign(signKey, message) {
    return new Uint8Array(nodeSign(null, message, ed25519PrivateKey(signKey)));
  },
  async verify(publicKey, message, signature) {
    const key = ed25519PublicKey(publicKey);
    if (key === undefined || signature.length !== 64) return false;
    return nodeVerify(null, message, key, signature);
  },
  async keygen() {
    const signKey = new Uint8Array(randomBytes(32));
    const publicKey = ed25519PublicKeyFromSeed(signKey);
    return { signKey, publicKey };
  },
};

/** The 32-byte Ed25519 public key for a 32-byte seed (or a PKCS#8 private key). */
export function ed25519PublicKeyFromSeed(signKey: Uint8Array): Uint8Array {
  return okpRawPublic(ed25519PrivateKey(signKey));
}

/**
 * Small requests (nonces, reuse guards: a few bytes per message) are served from a pool refilled
 * 4 KiB at a time from the CSPRNG, instead of one system call each; served bytes are wiped from the
 * pool. Large requests go straight to randomBytes.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = new Uint8Array(0);
let randomPoolOffset = 0;

export const nativeRng: Rng = {
  randomBytes(n) {
    if (n > 256) return new Uint8Array(randomBytes(n));
    if (randomPoolOffset + n > randomPool.length) {
      randomPool = new Uint8Array(randomBytes(RANDOM_POOL_BYTES));
      randomPoolOffset = 0;
    }
    const region = randomPool.subarray(randomPoolOffset, randomPoolOffset + n);
    const out = region.slice();
    region.fill(0);
    randomPoolOffset += n;
    return out;
  },
};

function withNativeAead(hpke: Hpke, alg: AeadAlgorithm): Hpke {
  const aead = nativeAead(alg);
  return {
    ...hpke,
    async encryptAead(key, nonce, aad, plaintext) {
      return aead.encrypt(key, nonce, aad, plaintext);
    },
    async decryptAead(key, nonce, aad, ciphertext) {
      return aead.decrypt(key, nonce, aad, ciphertext);
    },
  };
}

export const nativeCryptoProvider: CryptoProvider = {
  async getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
    const fallback = await defaultCryptoProvider.getCiphersuiteImpl(cs);
    return {
      name: cs.name,
      hash: nativeHash(cs.hash),
      kdf: nativeKdf(cs.hpke.kdf),
      signature: cs.signature === 'Ed25519' ? nativeEd25519 : fallback.signature,
      hpke: (await nativeHpke(cs.hpke)) ?? withNativeAead(fallback.hpke, cs.hpke.aead),
      rng: nativeRng,
    };
  },
};
