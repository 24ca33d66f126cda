/**
 * The encrypted backup file a person keeps (issue #18): their account's identity key and the
 * records a client restores (pinned contacts, conversation names, history, blocks), sealed under
 * a key derived from their recovery key (recoveryKey.ts), never from the login password.
 *
 * File (integers big-endian):
 *   "PRLYBKUP" | version u8 = 1 | keyId (16) | atRest envelope (raw key: "PRLY" | 1 | 0 | nonce | ciphertext)
 *   keyId    = HKDF-SHA-256(ikm = recovery key, salt = "parley/v1/backup", info = "key-id", 16)
 *   seal key = HKDF-SHA-256(ikm = recovery key, salt = "parley/v1/backup", info = "seal", 32)
 * The envelope is atRest.ts's XChaCha20-Poly1305 seal with the context
 * "parley/v1/backup\0" + hex(magic | version | keyId), so the outer header is authenticated too.
 * The keyId tells a wrong recovery key (`wrong_recovery_key`) from a damaged or altered file
 * (`backup_invalid`); it is a one-way function of a 256-bit secret and reveals nothing of it.
 *
 * Plaintext (format 1):
 *   u8 1 | accountId opaque<u8> | identityKey [32] | identityPrivateKey opaque<u8> | createdAt u64
 *   | count u32 | count × (ns opaque<u8> | key opaque<u16> | value opaque<u32>)
 * Everything is bounded (MAX_BACKUP_BYTES, per-field limits) and decoding a hostile file throws
 * a typed error, never anything else.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { open, seal, storageKeyFromBytes } from './atRest.js';
import { bytesEqual, concatBytes, Reader, toHex, utf8, Writer } from './encoding.js';
import { DecodeError, ParleyError } from './errors.js';
import { canonicalUsername, ED25519_PUBLIC_KEY_LENGTH, MAX_ACCOUNT_ID_BYTES } from './identity.js';
import { RECOVERY_KEY_BYTES } from './recoveryKey.js';

const MAGIC = utf8('PRLYBKUP');
const VERSION = 1;
const PAYLOAD_FORMAT = 1;
const KEY_ID_BYTES = 16;
/** A backup file is at most this large (history included); larger files are refused unread. */
export const MAX_BACKUP_BYTES = 256 * 1024 * 1024;
/** A record's namespace, key and value are at most this long. */
export const MAX_BACKUP_NS_BYTES = 255;
export const MAX_BACKUP_KEY_BYTES = 0xffff;
export const MAX_BACKUP_VALUE_BYTES = 16 * 1024 * 1024;

/** One record of the client's store, in clear inside the sealed file. */
export interface BackupRecord {
  ns: string;
  key: string;
  value: Uint8Array;
}

/** What a backup holds. */
export interface BackupContents {
  accountId: string;
  identityKey: Uint8Array;
  identityPrivateKey: Uint8Array;
  /** When it was made (ms since the epoch). */
  createdAt: number;
  records: BackupRecord[];
}

const invalid = (message: string) => new ParleyError('backup_invalid', message);

function keys(recoveryKey: Uint8Array) {
  if (recoveryKey.length !== RECOVERY_KEY_BYTES) throw new ParleyError('usage', 'a recovery key is 32 bytes');
  const salt = utf8('parley/v1/backup');
  return {
    keyId: hkdf(sha256, recoveryKey, salt, utf8('key-id'), KEY_ID_BYTES),
    seal: storageKeyFromBytes(hkdf(sha256, recoveryKey, salt, utf8('seal'), 32)),
  };
}

const context = (header: Uint8Array) => `parley/v1/backup\0${toHex(header)}`;

function encodeContents(c: BackupContents): Uint8Array {
  const w = new Writer()
    .u8(PAYLOAD_FORMAT)
    .string(c.accountId, MAX_ACCOUNT_ID_BYTES)
    .fixed(c.identityKey, ED25519_PUBLIC_KEY_LENGTH)
    .bytes(c.identityPrivateKey, 255)
    .u64(c.createdAt);
  return writeRecords(w, c.records).finish();
}

/** `count u32 | count × (ns opaque<u8> | key opaque<u16> | value opaque<u32>)` (also historyArchive.ts). */
export function writeRecords(w: Writer, records: readonly BackupRecord[]): Writer {
  w.u32(records.length);
  for (const r of records)
    w.string(r.ns, MAX_BACKUP_NS_BYTES)
      .string(r.key, MAX_BACKUP_KEY_BYTES)
      .bytes(r.value, MAX_BACKUP_VALUE_BYTES);
  return w;
}

/** The records writeRecords wrote; a count beyond what is left is refused before looping. */
export function readRecords(r: Reader): BackupRecord[] {
  const count = r.u32();
  // Each record takes at least 7 bytes: a count beyond what is left is a lie.
  if (count > r.remaining / 7) throw new DecodeError('record count beyond the contents');
  const records: BackupRecord[] = [];
  for (let i = 0; i < count; i++) {
    const ns = r.string(MAX_BACKUP_NS_BYTES);
    const key = r.string(MAX_BACKUP_KEY_BYTES);
    records.push({ ns, key, value: r.bytes(MAX_BACKUP_VALUE_BYTES) });
  }
  return records;
}

function decodeContents(bytes: Uint8Array): BackupContents {
  const r = new Reader(bytes);
  if (r.u8() !== PAYLOAD_FORMAT) throw new DecodeError('unsupported backup contents');
  const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
  if (canonicalUsername(accountId) !== accountId) throw new DecodeError('not a canonical account id');
  const identityKey = r.fixed(ED25519_PUBLIC_KEY_LENGTH);
  const identityPrivateKey = r.bytes(255);
  if (identityPrivateKey.length === 0) throw new DecodeError('no identity private key');
  const createdAt = r.u64();
  const records = readRecords(r);
  r.end();
  return { accountId, identityKey, identityPrivateKey, createdAt, records };
}

/** The backup file of these contents, sealed under the recovery key (its 32 bytes). */
export function sealBackup(contents: BackupContents, recoveryKey: Uint8Array): Uint8Array {
  const k = keys(recoveryKey);
  const header = new Writer().fixed(MAGIC, MAGIC.length).u8(VERSION).fixed(k.keyId, KEY_ID_BYTES).finish();
  const file = concatBytes(header, seal(k.seal, encodeContents(contents), context(header)));
  if (file.length > MAX_BACKUP_BYTES) throw new DecodeError('the backup would be too large', 'too_large');
  return file;
}

/**
 * Open a backup file with the recovery key: its contents, or a typed error — `backup_invalid`
 * (not a backup, damaged, truncated or altered), `wrong_recovery_key`, `too_large`.
 */
export function openBackup(file: Uint8Array, recoveryKey: Uint8Array): BackupContents {
  if (!(file instanceof Uint8Array)) throw invalid('not a Parley backup file');
  if (file.length > MAX_BACKUP_BYTES)
    throw new DecodeError(`a backup file is at most ${MAX_BACKUP_BYTES} bytes`, 'too_large');
  const headerLength = MAGIC.length + 1 + KEY_ID_BYTES;
  if (file.length < MAGIC.length || !bytesEqual(file.subarray(0, MAGIC.length), MAGIC))
    throw invalid('this is not a Parley backup file');
  if (file.length < headerLength) throw invalid('the backup file is cut short (truncated)');
  const version = file[MAGIC.length]!;
  if (version !== VERSION)
    throw invalid(`this backup is of format ${version}, which this version cannot read`);
  const header = file.subarray(0, headerLength);
  const k = keys(recoveryKey);
  if (!bytesEqual(header.subarray(MAGIC.length + 1), k.keyId))
    throw new ParleyError('wrong_recovery_key', 'this recovery key does not open this backup');
  let plaintext: Uint8Array;
  try {
    plaintext = open(k.seal, file.subarray(headerLength), context(header));
  } catch {
    throw invalid('the backup file is damaged or was altered (it does not decrypt)');
  }
  try {
    return decodeContents(plaintext);
  } catch {
    throw invalid('the backup file’s contents cannot be read');
  }
}
