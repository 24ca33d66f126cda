/**
 * RFC 9180's LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)
 * for large inputs, without the copy the library makes of them, and once per input buffer.
 *
 * In MLS the only large HPKE input is the info of a Welcome's EncryptWithLabel: the EncryptContext
 * holding the encrypted GroupInfo, and with it the ratchet tree (~0.4 MB for 1,000 members). The
 * key schedule hashes it (info_hash, RFC 9180 §5.1) for every new member, though it is the same for
 * all of them: adding 999 members hashed and copied it 999 times. ts-mls (as patched,
 * scripts/ts-mls-patches/welcomeContext.mjs) builds that info once per Welcome and passes the same
 * buffer to every seal, so the result is remembered per buffer, held weakly by it.
 *
 * That memo assumes the buffer is not written to after it is first hashed, which holds for these
 * infos: ts-mls encodes each into a fresh buffer and only reads it. It is used only for inputs of at
 * least LARGE_INPUT bytes; smaller ones (every other label of MLS and HPKE) take the library's path.
 */
import { createHmac } from 'node:crypto';
import type { NodeHash } from './hkdf.js';

export const LARGE_INPUT = 4096;
const HPKE_VERSION = new TextEncoder().encode('HPKE-v1');

const memo = new WeakMap<ArrayBufferLike, Map<string, Uint8Array>>();

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** HKDF-Extract (RFC 5869 §2.2) of "HPKE-v1" || suiteId || label || ikm, salt empty or HashLen bytes. */
export function labeledExtractLarge(
  hash: NodeHash,
  hashSize: number,
  suiteId: Uint8Array,
  salt: Uint8Array,
  label: Uint8Array,
  ikm: Uint8Array,
): Uint8Array {
  if (salt.byteLength !== 0 && salt.byteLength !== hashSize) {
    throw new Error('The salt length must be the same as the hashSize');
  }
  const key = `${hash}:${ikm.byteOffset}:${ikm.byteLength}:${hex(suiteId)}:${hex(label)}:${hex(salt)}`;
  let known = memo.get(ikm.buffer);
  const hit = known?.get(key);
  if (hit !== undefined) return hit.slice();
  const prk = createHmac(hash, salt.byteLength === 0 ? new Uint8Array(hashSize) : salt)
    .update(HPKE_VERSION)
    .update(suiteId)
    .update(label)
    .update(ikm)
    .digest();
  const out = new Uint8Array(prk.buffer, prk.byteOffset, prk.byteLength);
  if (known === undefined) {
    known = new Map();
    memo.set(ikm.buffer, known);
  }
  known.set(key, out.slice());
  return out;
}
