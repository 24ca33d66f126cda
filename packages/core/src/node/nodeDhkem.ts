/**
 * DHKEM(X25519, HKDF-SHA256) and DHKEM(X448, HKDF-SHA512) (RFC 9180 §4.1, §7.1) with the curve
 * operations on `node:crypto`.
 *
 * The KEM itself — Encap/Decap, ExtractAndExpand with the "eae_prk" and "shared_secret" labels, the
 * KEM suite id "KEM" || I2OSP(kem_id, 2) — is `@hpke/common`'s `Dhkem` class. Parley supplies only
 * the `DhkemPrimitives` it is parameterised with: raw key (de)serialisation, key generation,
 * DeriveKeyPair (§7.1.3, through the library's LabeledExtract/LabeledExpand) and DH (RFC 7748, with
 * §7.1.4's all-zero check), all synchronous OpenSSL calls.
 */
import { diffieHellman, type KeyObject, randomBytes } from 'node:crypto';
import { Dhkem, type KdfInterface, KemId, LABEL_DKP_PRK, LABEL_SK } from '@hpke/common';
import { OKP_KEY_SIZE, okpPrivateKey, okpPublicKey, okpRawPublic } from './keys.js';

export type Bytes = ArrayBufferLike | ArrayBufferView;
type DhCurve = 'X25519' | 'X448';

export function u8(b: Bytes): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
}

export function arrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * A DH key as the HPKE classes pass it around (they treat keys as opaque CryptoKeys). The KeyObject
 * is made only when a Diffie-Hellman needs it: most public keys are only serialised.
 */
class NodeDhKey {
  readonly algorithm: { name: DhCurve };
  readonly extractable = true;
  readonly usages: KeyUsage[];
  private object: KeyObject | undefined;
  constructor(
    readonly curve: DhCurve,
    readonly type: 'public' | 'private',
    readonly raw: Uint8Array,
    key?: KeyObject,
  ) {
    this.algorithm = { name: curve };
    this.usages = type === 'private' ? ['deriveBits'] : [];
    this.object = key;
  }
  get key(): KeyObject {
    this.object ??=
      this.type === 'private' ? okpPrivateKey(this.curve, this.raw) : okpPublicKey(this.curve, this.raw);
    return this.object;
  }
}

/** The DhkemPrimitives contract of @hpke/common, for one curve on node:crypto. */
class NodeDhPrimitives {
  private readonly size: number;
  constructor(
    private readonly curve: DhCurve,
    private readonly hkdf: KdfInterface,
  ) {
    this.size = OKP_KEY_SIZE[curve];
  }

  private own(k: CryptoKey): NodeDhKey {
    if (!(k instanceof NodeDhKey) || k.curve !== this.curve)
      throw new Error(`Not a native ${this.curve} key`);
    return k;
  }
  private publicKey(raw: Uint8Array): CryptoKey {
    if (raw.length !== this.size) throw new Error('Invalid public key for the ciphersuite');
    return new NodeDhKey(this.curve, 'public', raw.slice()) as unknown as CryptoKey;
  }
  private privateKey(raw: Uint8Array): CryptoKey {
    if (raw.length !== this.size) throw new Error('Invalid private key for the ciphersuite');
    const key = okpPrivateKey(this.curve, raw);
    return new NodeDhKey(this.curve, 'private', raw.slice(), key) as unknown as CryptoKey;
  }
  private derivePublic(sk: CryptoKey): CryptoKey {
    return this.publicKey(okpRawPublic(this.own(sk).key));
  }

  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(this.own(key).raw);
  }
  async deserializePublicKey(key: Bytes): Promise<CryptoKey> {
    return this.publicKey(u8(key));
  }
  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(this.own(key).raw);
  }
  async deserializePrivateKey(key: Bytes): Promise<CryptoKey> {
    return this.privateKey(u8(key));
  }
  async importKey(
    format: 'raw' | 'jwk',
    key: ArrayBuffer | JsonWebKey,
    isPublic: boolean,
  ): Promise<CryptoKey> {
    if (format !== 'raw' || !(key instanceof ArrayBuffer))
      throw new Error(`Only raw ${this.curve} keys are supported`);
    return isPublic ? this.publicKey(new Uint8Array(key)) : this.privateKey(new Uint8Array(key));
  }
  async generateKeyPair(): Promise<CryptoKeyPair> {
    const sk = this.privateKey(new Uint8Array(randomBytes(this.size)));
    return { privateKey: sk, publicKey: this.derivePublic(sk) };
  }
  /**
   * RFC 9180 §7.1.3, DeriveKeyPair for X25519 and X448:
   * sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", Nsk), Nsk = 32 or 56.
   */
  async deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair> {
    const dkpPrk = await this.hkdf.labeledExtract(new ArrayBuffer(0), LABEL_DKP_PRK, u8(ikm));
    const sk = new Uint8Array(await this.hkdf.labeledExpand(dkpPrk, LABEL_SK, new Uint8Array(0), this.size));
    const privateKey = this.privateKey(sk);
    sk.fill(0);
    return { privateKey, publicKey: this.derivePublic(privateKey) };
  }
  async derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    return this.derivePublic(key);
  }
  async dh(sk: CryptoKey, pk: CryptoKey): Promise<ArrayBuffer> {
    const shared = diffieHellman({ privateKey: this.own(sk).key, publicKey: this.own(pk).key });
    // RFC 7748 §6 / RFC 9180 §7.1.4: an all-zero output means a small-order public key.
    if (shared.every((b) => b === 0)) throw new Error(`${this.curve}: all-zero shared secret`);
    return arrayBuffer(shared);
  }
}

/**
 * A DHKEM over X25519 or X448 with native primitives; `kdf` is a fresh instance of the KEM's HKDF
 * (the class `init`s it with the KEM suite id). The library's base class leaves the sizes at 0 for
 * its subclasses to set; these are RFC 9180 §7.1's Nsecret, Nenc, Npk and Nsk.
 */
export class NodeDhkem extends Dhkem {
  override readonly secretSize: number;
  override readonly encSize: number;
  override readonly publicKeySize: number;
  override readonly privateKeySize: number;
  constructor(curve: DhCurve, kdf: KdfInterface) {
    const id = curve === 'X25519' ? KemId.DhkemX25519HkdfSha256 : KemId.DhkemX448HkdfSha512;
    super(id, new NodeDhPrimitives(curve, kdf), kdf);
    const size = OKP_KEY_SIZE[curve];
    // Nsecret is the KEM's HKDF output size: 32 (SHA-256) for X25519, 64 (SHA-512) for X448.
    this.secretSize = curve === 'X25519' ? 32 : 64;
    this.encSize = size;
    this.publicKeySize = size;
    this.privateKeySize = size;
  }
}
