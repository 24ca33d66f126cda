/**
 * The entries of the key transparency log (issue #21, docs/protocol.md "Key transparency"): one
 * per key event of an account. An entry's leaf in the Merkle tree is merkle.leafHash of this
 * canonical encoding, every variable field length-prefixed so no two entries share an encoding:
 *
 *   entry   = version u8 (= 1) | kind u8 | loggedAt u64 (ms) | account u8-len UTF-8 | body
 *   kind 1  registered        body = identityKey   u8-len bytes  (the account's identity key)
 *   kind 2  device_certified  body = certificate   u16-len bytes (the encoded DeviceCertificate)
 *   kind 3  device_revoked    body = revocation    u16-len bytes (the encoded DeviceRevocation)
 *   kind 4  identity_reset    body = identityKey   u8-len bytes | evidence u16-len bytes
 *   kind 5  account_deleted   body = (none)        (the account and its devices were deleted)
 *
 * Certificates and revocations are logged as their signed encodings, so anyone reading the log
 * checks their signatures (by the identity key they name) without trusting the server. An identity
 * reset's evidence is what the reset itself defines (empty when it has none).
 */
import { Reader, Writer } from '../encoding.js';
import { DecodeError } from '../errors.js';
import { MAX_ACCOUNT_ID_BYTES, MAX_CERTIFICATE_BYTES } from '../identity.js';
import { leafHash } from './merkle.js';

export const LOG_ENTRY_VERSION = 1;
/** An encoded entry is never longer than this. */
export const MAX_LOG_ENTRY_BYTES = 4096;
const MAX_KEY_BYTES = 64;
const MAX_EVIDENCE_BYTES = 2048;

const KIND = {
  registered: 1,
  device_certified: 2,
  device_revoked: 3,
  identity_reset: 4,
  account_deleted: 5,
} as const;

export type LogEvent =
  | { kind: 'registered'; accountId: string; identityKey: Uint8Array }
  | { kind: 'device_certified'; accountId: string; certificate: Uint8Array }
  | { kind: 'device_revoked'; accountId: string; revocation: Uint8Array }
  | { kind: 'identity_reset'; accountId: string; identityKey: Uint8Array; evidence: Uint8Array }
  | { kind: 'account_deleted'; accountId: string };

export type LogEntry = LogEvent & { loggedAt: number };

export function encodeLogEntry(e: LogEntry): Uint8Array {
  const w = new Writer().u8(LOG_ENTRY_VERSION).u8(KIND[e.kind]).u64(e.loggedAt);
  w.string(e.accountId, MAX_ACCOUNT_ID_BYTES);
  switch (e.kind) {
    case 'registered':
      w.bytes(e.identityKey, MAX_KEY_BYTES);
      break;
    case 'device_certified':
      w.bytes(e.certificate, MAX_CERTIFICATE_BYTES * 2);
      break;
    case 'device_revoked':
      w.bytes(e.revocation, MAX_CERTIFICATE_BYTES * 2);
      break;
    case 'identity_reset':
      w.bytes(e.identityKey, MAX_KEY_BYTES).bytes(e.evidence, MAX_EVIDENCE_BYTES);
      break;
    case 'account_deleted':
      break;
  }
  return w.finish();
}

export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  if (bytes.length > MAX_LOG_ENTRY_BYTES) throw new DecodeError('log entry too large', 'too_large');
  try {
    const r = new Reader(bytes);
    if (r.u8() !== LOG_ENTRY_VERSION) throw new DecodeError('unsupported log entry version');
    const kind = r.u8();
    const loggedAt = r.u64();
    const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
    let e: LogEntry;
    if (kind === KIND.registered)
      e = { kind: 'registered', loggedAt, accountId, identityKey: r.bytes(MAX_KEY_BYTES) };
    else if (kind === KIND.device_certified)
      e = { kind: 'device_certified', loggedAt, accountId, certificate: r.bytes(MAX_CERTIFICATE_BYTES * 2) };
    else if (kind === KIND.device_revoked)
      e = { kind: 'device_revoked', loggedAt, accountId, revocation: r.bytes(MAX_CERTIFICATE_BYTES * 2) };
    else if (kind === KIND.identity_reset)
      e = {
        kind: 'identity_reset',
        loggedAt,
        accountId,
        identityKey: r.bytes(MAX_KEY_BYTES),
        evidence: r.bytes(MAX_EVIDENCE_BYTES),
      };
    else if (kind === KIND.account_deleted) e = { kind: 'account_deleted', loggedAt, accountId };
    else throw new DecodeError(`unknown log entry kind ${kind}`);
    r.end();
    return e;
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('malformed log entry');
  }
}

/** The entry's leaf hash in the log's Merkle tree. */
export function logLeaf(e: LogEntry | Uint8Array): Uint8Array {
  return leafHash(e instanceof Uint8Array ? e : encodeLogEntry(e));
}
