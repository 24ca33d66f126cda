/**
 * The public header of an MLSMessage carrying a PrivateMessage (RFC 9420 §6 and §6.3), read
 * without building the message: what a Delivery Service needs of an application message (its
 * group, epoch and content type) on the path every message takes. ts-mls's decoder builds the
 * whole message from decoder combinators (a tuple, a closure and a view per field); this reads
 * the same bytes in place and accepts exactly what `decodeMessage` accepts as a PrivateMessage,
 * which privateHeader.test.ts checks on real messages and on mutations of them.
 *
 *   struct {
 *     ProtocolVersion version = mls10;          // uint16, 1
 *     WireFormat wire_format = mls_private_message; // uint16, 2
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     ContentType content_type;                  // uint8: application 1, proposal 2, commit 3
 *     opaque authenticated_data<V>;
 *     opaque encrypted_sender_data<V>;
 *     opaque ciphertext<V>;
 *   } MLSMessage (for a PrivateMessage)
 *
 * `<V>`: a variable-length vector whose length is a QUIC-style varint of 1, 2 or 4 bytes (§2.1.2;
 * the 8-byte form is refused, as ts-mls refuses it).
 */
import type { PrivateMessage } from 'ts-mls';
import { MAX_MLS_MESSAGE_BYTES } from './wire.js';

export type PrivateHeader = Pick<PrivateMessage, 'groupId' | 'epoch' | 'contentType'>;

const MLS10 = 1;
const PRIVATE_MESSAGE = 2;
const CONTENT_TYPES = ['application', 'proposal', 'commit'] as const;

/** Where the bytes of the vector at `at` start and end (after its length varint); undefined if it does not fit. */
function vectorEnd(b: Uint8Array, at: number): { start: number; end: number } | undefined {
  if (at >= b.length) return undefined;
  const first = b[at]!;
  const prefix = first >> 6;
  let length: number;
  let size: number;
  if (prefix === 0) {
    length = first & 0x3f;
    size = 1;
  } else if (prefix === 1) {
    if (at + 2 > b.length) return undefined;
    length = ((first & 0x3f) << 8) | b[at + 1]!;
    size = 2;
  } else if (prefix === 2) {
    if (at + 4 > b.length) return undefined;
    length = (first & 0x3f) * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
    size = 4;
  } else return undefined;
  const end = at + size + length;
  return end > b.length ? undefined : { start: at + size, end };
}

/**
 * The header of `bytes` if they are exactly one well-formed MLSMessage carrying a PrivateMessage;
 * undefined for anything else (another wire format, or bytes `decodeMessage` would refuse). The
 * group id is a view into `bytes`.
 */
export function privateHeader(bytes: Uint8Array): PrivateHeader | undefined {
  if (bytes.length > MAX_MLS_MESSAGE_BYTES || bytes.length < 4) return undefined;
  if (((bytes[0]! << 8) | bytes[1]!) !== MLS10 || ((bytes[2]! << 8) | bytes[3]!) !== PRIVATE_MESSAGE)
    return undefined;
  const group = vectorEnd(bytes, 4);
  if (group === undefined || group.end + 9 > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const epoch = view.getBigUint64(group.end);
  const contentType = CONTENT_TYPES[bytes[group.end + 8]! - 1];
  if (contentType === undefined) return undefined;
  let at = group.end + 9;
  for (let field = 0; field < 3; field++) {
    const v = vectorEnd(bytes, at);
    if (v === undefined) return undefined;
    at = v.end;
  }
  if (at !== bytes.length) return undefined;
  return { groupId: bytes.subarray(group.start, group.end), epoch, contentType };
}
