/**
 * Playing a sender who makes what others must download as large as the server accepts: a Welcome
 * or an application message whose last field (opaque ciphertext the server cannot check) is
 * replaced by random bytes. Receivers cannot decrypt it, but must still get past it.
 */
import { randomBytes } from 'node:crypto';
import { concatBytes, decodeMessage } from '@parley/core';

/** Bytes of an MLS variable-length integer prefix for a length (RFC 9420 §2.1.2). */
function varintBytes(n: number): number {
  return n < 64 ? 1 : n < 16_384 ? 2 : 4;
}

/** `message` with its last field (`last`, a length-prefixed opaque) refilled, `size` bytes in all. */
function refillLast(message: Uint8Array, last: Uint8Array, size: number): Uint8Array {
  const head = message.subarray(0, message.length - last.length - varintBytes(last.length));
  const n = size - head.length - 4;
  if (n < 16_384 || n >= 2 ** 30) throw new RangeError(`size ${size} out of range (${n})`);
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, (0b10 << 30) | n);
  return concatBytes(head, prefix, randomBytes(n));
}

/** A Welcome (MLSMessage) grown to `size` bytes: its encrypted GroupInfo replaced. */
export function inflateWelcome(welcome: Uint8Array, size: number): Uint8Array {
  const m = decodeMessage(welcome);
  if (m.wireformat !== 'mls_welcome') throw new TypeError('not a Welcome');
  return refillLast(welcome, m.welcome.encryptedGroupInfo, size);
}

/** A PrivateMessage (MLSMessage) grown to `size` bytes: its ciphertext replaced. */
export function inflatePrivateMessage(message: Uint8Array, size: number): Uint8Array {
  const m = decodeMessage(message);
  if (m.wireformat !== 'mls_private_message') throw new TypeError('not a PrivateMessage');
  return refillLast(message, m.privateMessage.ciphertext, size);
}
