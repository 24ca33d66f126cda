/**
 * HPKE (RFC 9180) for the X25519 suites with the primitives on `node:crypto`.
 *
 * The protocol — DHKEM's encap/decap, LabeledExtract/LabeledExpand with their suite ids, the key
 * schedule and the context nonces — remains `@hpke/core`'s and `@hpke/common`'s. Parley supplies only
 * the primitives those classes are parameterised with:
 *   - X25519 key handling and Diffie-Hellman (RFC 7748) for `Dhkem`,
 *   - HKDF-Extract and HKDF-Expand (RFC 5869) for the library's `Hkdf` classes,
 *   - the AEAD (AES-GCM, ChaCha20-Poly1305) for `CipherSuite`,
 * and wires the result into ts-mls with ts-mls's own `makeGenericHpke`. WebCrypto's X25519 costs a
 * thread-pool round trip per call (a path secret's key derivation: ~3 ms here); these are synchronous
 * OpenSSL calls.
 */
import { diffieHellman, type KeyObject, randomBytes } from 'node:crypto';
import {
  AeadId,
  Dhkem,
  HkdfSha256Native,
  HkdfSha384Native,
  HkdfSha512Native,
  type KdfInterface,
  KemId,
  LABEL_DKP_PRK,
  LABEL_SK,
} from '@hpke/common';
import { CipherSuite } from '@hpke/core';
import type { AeadAlgorithm, Hpke, HpkeAlgorithm, KdfAlgorithm } from 'ts-mls';
import { makeGenericHpke } from 'ts-mls/crypto/implementation/hpke.js';
import { nativeAead } from './aead.js';
import { hkdfExpand, hkdfExtract, type NodeHash } from './hkdf.js';
import { okpPrivateKey, okpPublicKey, okpRawPublic } from './keys.js';

type Bytes = ArrayBufferLike | ArrayBufferView;

function u8(b: Bytes): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
}

function arrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** HKDF-Extract as the library's Hkdf requires it: a salt is empty or exactly HashLen bytes. */
function hkdfExtractChecked(hash: NodeHash, hashSize: number, salt: Bytes, ikm: Bytes): ArrayBuffer {
  const s = u8(salt);
  if (s.byteLength !== 0 && s.byteLength !== hashSize) {
    throw new Error('The salt length must be the same as the hashSize');
  }
  return arrayBuffer(hkdfExtract(hash, hashSize, s, u8(ikm)));
}

// biome-ignore lint/suspicious/noExplicitAny: a TypeScript mixin's constructor must take any[].
type KdfClass = new (...args: any[]) => KdfInterface;

/**
 * The library's HKDF class with its two HKDF steps on node:crypto; LabeledExtract, LabeledExpand and
 * the suite ids stay the library's.
 */
function withNodeHkdf<T extends KdfClass>(Base: T, hash: NodeHash) {
  return class extends Base {
    override async extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
      return hkdfExtractChecked(hash, this.hashSize, salt, ikm);
    }
    override async expand(prk: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
      return arrayBuffer(hkdfExpand(hash, this.hashSize, u8(prk), u8(info), len));
    }
    override async extractAndExpand(salt: Bytes, ikm: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
      return this.expand(await this.extract(salt, ikm), info, len);
    }
  };
}

const NodeHkdfSha256 = withNodeHkdf(HkdfSha256Native, 'sha256');
const NodeHkdfSha384 = withNodeHkdf(HkdfSha384Native, 'sha384');
const NodeHkdfSha512 = withNodeHkdf(HkdfSha512Native, 'sha512');
type NodeHkdf = InstanceType<typeof NodeHkdfSha256>;

function makeHkdf(alg: KdfAlgorithm) {
  switch (alg) {
    case 'HKDF-SHA256':
      return new NodeHkdfSha256();
    case 'HKDF-SHA384':
      return new NodeHkdfSha384();
    case 'HKDF-SHA512':
      return new NodeHkdfSha512();
  }
}

/**
 * An X25519 key as the HPKE classes pass it around (they treat keys as opaque CryptoKeys). The
 * KeyObject is made only when a Diffie-Hellman needs it: most public keys are only serialised.
 */
class NodeX25519Key {
  readonly algorithm = { name: 'X25519' };
  readonly extractable = true;
  readonly usages: KeyUsage[];
  private object: KeyObject | undefined;
  constructor(
    readonly type: 'public' | 'private',
    readonly raw: Uint8Array,
    key?: KeyObject,
  ) {
    this.usages = type === 'private' ? ['deriveBits'] : [];
    this.object = key;
  }
  get key(): KeyObject {
    this.object ??=
      this.type === 'private' ? okpPrivateKey('X25519', this.raw) : okpPublicKey('X25519', this.raw);
    return this.object;
  }
}

function asNodeKey(k: CryptoKey): NodeX25519Key {
  if (!(k instanceof NodeX25519Key)) throw new Error('Not a native X25519 key');
  return k;
}

function publicKey(raw: Uint8Array): CryptoKey {
  if (raw.length !== 32) throw new Error('Invalid public key for the ciphersuite');
  return new NodeX25519Key('public', raw.slice()) as unknown as CryptoKey;
}

function privateKey(raw: Uint8Array): CryptoKey {
  if (raw.length !== 32) throw new Error('Invalid private key for the ciphersuite');
  return new NodeX25519Key('private', raw.slice(), okpPrivateKey('X25519', raw)) as unknown as CryptoKey;
}

function derivePublic(sk: CryptoKey): CryptoKey {
  return publicKey(okpRawPublic(asNodeKey(sk).key));
}

/** The DhkemPrimitives contract of @hpke/common, for X25519 on node:crypto. */
class NodeX25519Primitives {
  constructor(private readonly hkdf: NodeHkdf) {}

  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(asNodeKey(key).raw);
  }
  async deserializePublicKey(key: Bytes): Promise<CryptoKey> {
    return publicKey(u8(key));
  }
  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(asNodeKey(key).raw);
  }
  async deserializePrivateKey(key: Bytes): Promise<CryptoKey> {
    return privateKey(u8(key));
  }
  async importKey(
    format: 'raw' | 'jwk',
    key: ArrayBuffer | JsonWebKey,
    isPublic: boolean,
  ): Promise<CryptoKey> {
    if (format !== 'raw' || !(key instanceof ArrayBuffer))
      throw new Error('Only raw X25519 keys are supported');
    return isPublic ? publicKey(new Uint8Array(key)) : privateKey(new Uint8Array(key));
  }
  async generateKeyPair(): Promise<CryptoKeyPair> {
    const sk = privateKey(new Uint8Array(randomBytes(32)));
    return { privateKey: sk, publicKey: derivePublic(sk) };
  }
  /** RFC 9180 §7.1.3, DeriveKeyPair for X25519: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32). */
  async deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair> {
    const dkpPrk = await this.hkdf.labeledExtract(new ArrayBuffer(0), LABEL_DKP_PRK, u8(ikm));
    const sk = new Uint8Array(await this.hkdf.labeledExpand(dkpPrk, LABEL_SK, new Uint8Array(0), 32));
    const privateKeyObj = privateKey(sk);
    sk.fill(0);
    return { privateKey: privateKeyObj, publicKey: derivePublic(privateKeyObj) };
  }
  async derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    return derivePublic(key);
  }
  async dh(sk: CryptoKey, pk: CryptoKey): Promise<ArrayBuffer> {
    const shared = diffieHellman({ privateKey: asNodeKey(sk).key, publicKey: asNodeKey(pk).key });
    // RFC 7748 §6.1 / RFC 9180 §7.1.4: an all-zero output means a small-order public key.
    if (shared.every((b) => b === 0)) throw new Error('X25519: all-zero shared secret');
    return arrayBuffer(shared);
  }
}

const aeadIds: Record<AeadAlgorithm, { id: AeadId; keySize: number }> = {
  AES128GCM: { id: AeadId.Aes128Gcm, keySize: 16 },
  AES256GCM: { id: AeadId.Aes256Gcm, keySize: 32 },
  CHACHA20POLY1305: { id: AeadId.Chacha20Poly1305, keySize: 32 },
};

function aeadInterface(alg: AeadAlgorithm) {
  const aead = nativeAead(alg);
  const { id, keySize } = aeadIds[alg];
  return {
    id,
    keySize,
    nonceSize: 12,
    tagSize: 16,
    createEncryptionContext(key: Bytes) {
      const k = u8(key).slice();
      return {
        async seal(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
          return arrayBuffer(aead.encrypt(k, u8(iv), u8(aad), u8(data)));
        },
        async open(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
          return arrayBuffer(aead.decrypt(k, u8(iv), u8(aad), u8(data)));
        },
      };
    },
  };
}

/**
 * DHKEM(X25519, HKDF-SHA256) with native primitives. The library's base class leaves the sizes at 0
 * for its subclasses to set; these are RFC 9180 §7.1's Nsecret, Nenc, Npk and Nsk.
 */
class NodeDhkemX25519 extends Dhkem {
  override readonly secretSize = 32;
  override readonly encSize = 32;
  override readonly publicKeySize = 32;
  override readonly privateKeySize = 32;
  constructor() {
    const kdf = new NodeHkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new NodeX25519Primitives(kdf), kdf);
  }
}

/** Native HPKE for a DHKEM(X25519, HKDF-SHA256) suite, or undefined for any other KEM. */
export async function nativeHpke(alg: HpkeAlgorithm): Promise<Hpke | undefined> {
  if (alg.kem !== 'DHKEM-X25519-HKDF-SHA256') return undefined;
  const suite = new CipherSuite({
    kem: new NodeDhkemX25519(),
    kdf: makeHkdf(alg.kdf),
    aead: aeadInterface(alg.aead),
  });
  const aead = nativeAead(alg.aead);
  return makeGenericHpke(
    alg,
    {
      async encrypt(key, nonce, aad, plaintext) {
        return aead.encrypt(key, nonce, aad, plaintext);
      },
      async decrypt(key, nonce, aad, ciphertext) {
        return aead.decrypt(key, nonce, aad, ciphertext);
      },
    },
    suite,
  );
}
