/**
 * The history one device of an account sends a device just linked to it (issue #18): the records
 * of a backup (backup.ts) without the identity key, which a linked device does not get (it has its
 * own certificate). The archive travels as an attachment blob, sealed with a fresh file key and
 * checked against its SHA-256 (attachmentCipher.ts), the key and digest sealed under the link code
 * (client historyTransfer.ts): this format is not sealed again.
 *
 * Archive (integers big-endian):
 *   "PRLYHIST" | version u8 = 1 | accountId opaque<u8> | createdAt u64 | since u64
 *   | count u32 | count × (ns opaque<u8> | key opaque<u16> | value opaque<u32>)
 * `since` is the oldest send time kept (ms; 0 for everything). Bounded like a backup
 * (MAX_BACKUP_BYTES); decoding hostile bytes throws `history_invalid`, never anything else.
 */
import { type BackupRecord, MAX_BACKUP_BYTES, readRecords, writeRecords } from './backup.js';
import { bytesEqual, Reader, utf8, Writer } from './encoding.js';
import { DecodeError, ParleyError } from './errors.js';
import { canonicalUsername, MAX_ACCOUNT_ID_BYTES } from './identity.js';

const MAGIC = utf8('PRLYHIST');
const VERSION = 1;

/** What a history archive holds. */
export interface HistoryArchive {
  accountId: string;
  /** When it was made (ms since the epoch). */
  createdAt: number;
  /** The oldest message send time kept (ms); 0: all of them. */
  since: number;
  records: BackupRecord[];
}

export function encodeHistoryArchive(a: HistoryArchive): Uint8Array {
  const w = new Writer()
    .fixed(MAGIC, MAGIC.length)
    .u8(VERSION)
    .string(a.accountId, MAX_ACCOUNT_ID_BYTES)
    .u64(a.createdAt)
    .u64(a.since);
  const bytes = writeRecords(w, a.records).finish();
  if (bytes.length > MAX_BACKUP_BYTES) throw new DecodeError('the history would be too large', 'too_large');
  return bytes;
}

/** The archive in `bytes`, or `history_invalid`. */
export function decodeHistoryArchive(bytes: Uint8Array): HistoryArchive {
  const invalid = (why: string) => new ParleyError('history_invalid', `the history cannot be read: ${why}`);
  if (bytes.length > MAX_BACKUP_BYTES) throw invalid('it is too large');
  if (bytes.length < MAGIC.length + 1 || !bytesEqual(bytes.subarray(0, MAGIC.length), MAGIC))
    throw invalid('it is not a Parley history');
  if (bytes[MAGIC.length] !== VERSION) throw invalid(`format ${bytes[MAGIC.length]} is not known here`);
  try {
    const r = new Reader(bytes.subarray(MAGIC.length + 1));
    const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
    if (canonicalUsername(accountId) !== accountId) throw new DecodeError('not a canonical account id');
    const createdAt = r.u64();
    const since = r.u64();
    const records = readRecords(r);
    r.end();
    return { accountId, createdAt, since, records };
  } catch {
    throw invalid('its contents are malformed');
  }
}
