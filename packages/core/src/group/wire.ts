/** MLSMessage framing (RFC 9420 §6): decoding with a size limit, and turning ts-mls errors into ParleyErrors. */
import { decodeMlsMessage, encodeMlsMessage, type KeyPackage, type MLSMessage } from 'ts-mls';
import { DecodeError, fromMlsError } from '../errors.js';
import { decodeKeyPackage } from '../keyPackages.js';

/** Largest MLS message Parley accepts (a Welcome to a 1,000-member group carries its whole tree). */
export const MAX_MLS_MESSAGE_BYTES = 8 * 1024 * 1024;

export function framed(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

/** Decode an MLSMessage with a size limit; throws DecodeError. */
export function decodeMessage(bytes: Uint8Array): MLSMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('MLS message: expected bytes');
  if (bytes.length > MAX_MLS_MESSAGE_BYTES) throw new DecodeError('MLS message too large', 'too_large');
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw new DecodeError('not a valid MLS message');
  return decoded[0];
}

/** The epoch a group message (application or handshake) was sent in; undefined for other kinds. */
export function messageEpoch(bytes: Uint8Array): bigint | undefined {
  const m = decodeMessage(bytes);
  if (m.wireformat === 'mls_private_message') return m.privateMessage.epoch;
  if (m.wireformat === 'mls_public_message') return m.publicMessage.content.epoch;
  return undefined;
}

/** Run a ts-mls operation, rethrowing its errors as ParleyErrors (`fallback` when unclassified). */
export async function guard<T>(
  f: () => Promise<T>,
  fallback: Parameters<typeof fromMlsError>[1] = 'invalid_message',
): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw fromMlsError(e, fallback);
  }
}

/** For tests and tools: the KeyPackage inside an MLSMessage. */
export function keyPackageOf(bytes: Uint8Array): KeyPackage {
  return decodeKeyPackage(bytes);
}
