/**
 * A ts-mls CryptoProvider backed by `node:crypto` (OpenSSL).
 *
 * ts-mls's default provider reaches OpenSSL too, but through WebCrypto: every HMAC, HKDF step and
 * AES-GCM call imports a CryptoKey and awaits a promise, which dominates the cost of an application
 * message. Here the same primitives run synchronously on cached KeyObjects:
 *   - SHA-256/384/512 and HMAC (RFC 2104) via createHash/createHmac,
 *   - HKDF-Extract / HKDF-Expand (RFC 5869 §2.2, §2.3) on top of that HMAC,
 *   - AES-128/256-GCM and ChaCha20-Poly1305 (RFC 8439) via createCipheriv,
 *   - Ed25519 and Ed448 (RFC 8032) via crypto.sign/verify (eddsa.ts),
 *   - randomBytes for the RNG.
 * HPKE (RFC 9180) for the X25519 and X448 suites stays `@hpke/core`'s protocol code with these
 * primitives plugged in (nativeHpke.ts, nodeDhkem.ts); for the other suites (X-Wing, P-256/384/521)
 * it is ts-mls's default wiring with only the AEAD entry points (which MLS uses for PrivateMessages
 * and Welcome GroupInfos) swapped for the native AEAD. Suites whose signature scheme is not EdDSA
 * (the P-256/384/521 suites) keep the default signature implementation. Suites 4 and 6 (X448/Ed448)
 * are therefore entirely native, and need none of ts-mls's optional X448 dependency.
 *
 * Equality with the default provider is proven by running the official MLS test vectors through both.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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
  type SignatureAlgorithm,
} from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { nativeAead } from './aead.js';
import { nativeEd448, nativeEd25519 } from './eddsa.js';
import { hkdfExpand, hkdfExtract, type NodeHash } from './hkdf.js';
import { nativeHpke } from './nativeHpke.js';

export { ed25519PublicKeyFromSeed, nativeEd448, nativeEd25519 } from './eddsa.js';

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

function nativeSignature(alg: SignatureAlgorithm): Signature | undefined {
  if (alg === 'Ed25519') return nativeEd25519;
  if (alg === 'Ed448') return nativeEd448;
  return undefined;
}

export const nativeCryptoProvider: CryptoProvider = {
  async getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
    // The default implementation is built only for what is not native here: for the X448 suites it
    // would fail (its X448 needs the optional '@hpke/dhkem-x448'), and nothing of it is needed.
    let fallback: Promise<CiphersuiteImpl> | undefined;
    const defaults = () => {
      fallback ??= defaultCryptoProvider.getCiphersuiteImpl(cs);
      return fallback;
    };
    return {
      name: cs.name,
      hash: nativeHash(cs.hash),
      kdf: nativeKdf(cs.hpke.kdf),
      signature: nativeSignature(cs.signature) ?? (await defaults()).signature,
      hpke: (await nativeHpke(cs.hpke)) ?? withNativeAead((await defaults()).hpke, cs.hpke.aead),
      rng: nativeRng,
    };
  },
};
