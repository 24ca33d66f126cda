/** HKDF (RFC 5869) on node:crypto's HMAC, shared by the MLS KDF and the HPKE KDF. */
import { createHmac } from 'node:crypto';

export type NodeHash = 'sha256' | 'sha384' | 'sha512';

const ONE = Uint8Array.of(1);

/** §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes. */
export function hkdfExtract(hash: NodeHash, hashSize: number, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  const d = createHmac(hash, salt.length === 0 ? new Uint8Array(hashSize) : salt)
    .update(ikm)
    .digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i); OKM = the first L octets of T(1) | T(2) | ... */
export function hkdfExpand(
  hash: NodeHash,
  hashSize: number,
  prk: Uint8Array,
  info: Uint8Array,
  len: number,
): Uint8Array {
  if (len > 255 * hashSize) throw new RangeError('HKDF-Expand: requested length too large');
  if (len <= hashSize) {
    // One block, the common case: T(1) = HMAC(PRK, info | 0x01).
    const t1 = createHmac(hash, prk).update(info).update(ONE).digest();
    return new Uint8Array(t1.buffer, t1.byteOffset, len);
  }
  const okm = new Uint8Array(len);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < len; i++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(i)).digest();
    okm.set(previous.subarray(0, Math.min(hashSize, len - offset)), offset);
    offset += hashSize;
  }
  return okm;
}
