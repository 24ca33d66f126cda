/**
 * HPKE (RFC 9180) for the X25519 and X448 suites with the primitives on `node:crypto`.
 *
 * The protocol — DHKEM's encap/decap, LabeledExtract/LabeledExpand with their suite ids, the key
 * schedule and the context nonces — remains `@hpke/core`'s and `@hpke/common`'s. Parley supplies only
 * the primitives those classes are parameterised with:
 *   - X25519 / X448 key handling and Diffie-Hellman (RFC 7748) for `Dhkem` (nodeDhkem.ts),
 *   - HKDF-Extract and HKDF-Expand (RFC 5869) for the library's `Hkdf` classes,
 *   - the AEAD (AES-GCM, ChaCha20-Poly1305) for `CipherSuite`,
 * and wires the result into ts-mls with ts-mls's own `makeGenericHpke`. WebCrypto's X25519 costs a
 * thread-pool round trip per call (a path secret's key derivation: ~3 ms here); these are synchronous
 * OpenSSL calls. ts-mls's default provider has no X448 at all without the optional `@hpke/dhkem-x448`.
 */
import {
  AeadId,
  HkdfSha256Native,
  HkdfSha384Native,
  HkdfSha512Native,
  type KdfInterface,
} from '@hpke/common';
import { CipherSuite } from '@hpke/core';
import type { AeadAlgorithm, Hpke, HpkeAlgorithm, KdfAlgorithm, KemAlgorithm } from 'ts-mls';
import { makeGenericHpke } from 'ts-mls/crypto/implementation/hpke.js';
import { nativeAead } from './aead.js';
import { hkdfExpand, hkdfExtract, type NodeHash } from './hkdf.js';
import { LARGE_INPUT, labeledExtractLarge } from './largeInfo.js';
import { arrayBuffer, type Bytes, NodeDhkem, u8 } from './nodeDhkem.js';
import { withSealPool } from './sealPool.js';

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
 * the suite ids stay the library's, except that a large LabeledExtract input (a Welcome's info) is
 * hashed without a copy and once per buffer (largeInfo.ts).
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
    override async labeledExtract(salt: Bytes, label: Uint8Array, ikm: Uint8Array): Promise<ArrayBuffer> {
      const input = u8(ikm);
      if (input.byteLength < LARGE_INPUT) return super.labeledExtract(salt, label, ikm);
      // The suite id the KEM or the cipher suite set with init() (a protected field of the library's
      // Hkdf, which this mixin's base type does not show).
      const suiteId = (this as unknown as { _suiteId: Uint8Array })._suiteId;
      if (suiteId.byteLength === 0) throw new Error('Not initialized. Call init()');
      return arrayBuffer(labeledExtractLarge(hash, this.hashSize, suiteId, u8(salt), label, input));
    }
  };
}

const NodeHkdfSha256 = withNodeHkdf(HkdfSha256Native, 'sha256');
const NodeHkdfSha384 = withNodeHkdf(HkdfSha384Native, 'sha384');
const NodeHkdfSha512 = withNodeHkdf(HkdfSha512Native, 'sha512');

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

/** The KEM on node:crypto for a DHKEM over X25519 or X448, or undefined for any other KEM. */
function makeKem(kem: KemAlgorithm): NodeDhkem | undefined {
  switch (kem) {
    case 'DHKEM-X25519-HKDF-SHA256':
      return new NodeDhkem('X25519', new NodeHkdfSha256());
    case 'DHKEM-X448-HKDF-SHA512':
      return new NodeDhkem('X448', new NodeHkdfSha512());
    default:
      return undefined;
  }
}

/**
 * Native HPKE for a DHKEM(X25519, HKDF-SHA256) or DHKEM(X448, HKDF-SHA512) suite, or undefined for
 * any other KEM; many seals asked for together are shared with a worker thread (sealPool.ts).
 */
export async function nativeHpke(alg: HpkeAlgorithm): Promise<Hpke | undefined> {
  const hpke = await plainNativeHpke(alg);
  return hpke === undefined ? undefined : withSealPool(hpke, alg);
}

/** The same, each seal made on the calling thread (what the seal worker runs). */
export async function plainNativeHpke(alg: HpkeAlgorithm): Promise<Hpke | undefined> {
  const kem = makeKem(alg.kem);
  if (kem === undefined) return undefined;
  const suite = new CipherSuite({
    kem,
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
