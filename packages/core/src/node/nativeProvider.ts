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
 * HPKE (RFC 9180: the X25519/X-Wing KEMs) stays with ts-mls's own `@hpke/core` wiring, whose X25519
 * runs on Node's WebCrypto; only its AEAD entry points (used by MLS to protect PrivateMessages and
 * Welcome GroupInfos) are swapped for the native AEAD. Suites whose signature scheme is not Ed25519
 * keep the default signature implementation.
 *
 * Equality with the default provider is proven by running the official MLS test vectors through both.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
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

const nodeHashName: Record<HashAlgorithm, string> = {
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
  const hash = kdfHash[alg];
  const name = nodeHashName[hash];
  const size = hashSize[hash];
  return {
    size,
    // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes.
    async extract(salt, ikm) {
      const key = salt.length === 0 ? new Uint8Array(size) : salt;
      return new Uint8Array(createHmac(name, key).update(ikm).digest());
    },
    // RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L octets of T(1)|T(2)|...
    async expand(prk, info, len) {
      if (len > 255 * size) throw new CryptoError('HKDF-Expand: requested length too large');
      const out = new Uint8Array(len);
      let previous: Uint8Array = new Uint8Array(0);
      let offset = 0;
      for (let i = 1; offset < len; i++) {
        const h = createHmac(name, prk);
        h.update(previous);
        h.update(info);
        h.update(Uint8Array.of(i));
        previous = new Uint8Array(h.digest());
        out.set(previous.subarray(0, Math.min(size, len - offset)), offset);
        offset += size;
      }
      return out;
    },
  };
}

const aeadCipher: Record<AeadAlgorithm, { name: string; keyLength: number }> = {
  AES128GCM: { name: 'aes-128-gcm', keyLength: 16 },
  AES256GCM: { name: 'aes-256-gcm', keyLength: 32 },
  CHACHA20POLY1305: { name: 'chacha20-poly1305', keyLength: 32 },
};

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

export interface NativeAead {
  encrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array;
  decrypt(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array | undefined,
    ciphertext: Uint8Array,
  ): Uint8Array;
}

export function nativeAead(alg: AeadAlgorithm): NativeAead {
  const { name, keyLength } = aeadCipher[alg];
  const check = (key: Uint8Array, nonce: Uint8Array) => {
    if (key.length !== keyLength) throw new CryptoError(`${alg}: key must be ${keyLength} bytes`);
    if (nonce.length !== NONCE_LENGTH) throw new CryptoError(`${alg}: nonce must be ${NONCE_LENGTH} bytes`);
  };
  return {
    encrypt(key, nonce, aad, plaintext) {
      check(key, nonce);
      // The cast picks the AEAD overload; the cipher name above is always an AEAD mode.
      const c = createCipheriv(name as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: plaintext.length });
      const head = c.update(plaintext);
      const tail = c.final();
      const out = new Uint8Array(head.length + tail.length + TAG_LENGTH);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(c.getAuthTag(), head.length + tail.length);
      return out;
    },
    decrypt(key, nonce, aad, ciphertext) {
      check(key, nonce);
      if (ciphertext.length < TAG_LENGTH) throw new CryptoError(`${alg}: ciphertext shorter than the tag`);
      const body = ciphertext.subarray(0, ciphertext.length - TAG_LENGTH);
      const d = createDecipheriv(name as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
      if (aad !== undefined && aad.length > 0) d.setAAD(aad, { plaintextLength: body.length });
      try {
        const head = d.update(body);
        const tail = d.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        return out;
      } catch {
        throw new CryptoError(`${alg}: authentication failed`);
      }
    },
  };
}

// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410 §7 and §4).
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * A small bounded cache of parsed keys. Parsing a DER key costs more than an Ed25519 verification,
 * and a group member verifies the same few dozen sender keys over and over.
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

function ed25519PrivateKey(signKey: Uint8Array): KeyObject {
  // ts-mls's default provider produces PKCS#8 (48 bytes); RFC 8032 seeds are 32 bytes. Accept both.
  const der =
    signKey.length === 32
      ? concat(ED25519_PKCS8_PREFIX, signKey)
      : signKey.length === 48
        ? signKey
        : undefined;
  if (der === undefined) throw new CryptoError('Ed25519: private key must be a 32-byte seed or PKCS#8');
  return privateKeys.get(der, () =>
    createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }),
  );
}

function ed25519PublicKey(publicKey: Uint8Array): KeyObject | undefined {
  if (publicKey.length !== 32) return undefined;
  try {
    return publicKeys.get(publicKey, () =>
      createPublicKey({
        key: Buffer.from(concat(ED25519_SPKI_PREFIX, publicKey)),
        format: 'der',
        type: 'spki',
      }),
    );
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
  const spki = createPublicKey(ed25519PrivateKey(signKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

export const nativeRng: Rng = {
  randomBytes(n) {
    return new Uint8Array(randomBytes(n));
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
      hpke: withNativeAead(fallback.hpke, cs.hpke.aead),
      rng: nativeRng,
    };
  },
};
