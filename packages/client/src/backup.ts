/**
 * Encrypted backup and restore of an account (issue #18), over core's backup file format
 * (backup.ts) and recovery keys (recoveryKey.ts).
 *
 * A backup holds the account's identity key pair and the client records that outlive a device:
 * contacts' pinned identity keys and verification marks (`identities`), conversation names and
 * metadata (`conversations`), the history (`messages:`, `message-index:`, `unsent:`,
 * `reaction-clocks:` per conversation, `expiring`) and the block list (`blocks`). Not the MLS
 * group states, key packages, outbox or cursors: the restored machine is a NEW device, certified
 * by the restored identity key, which joins the account's conversations by external commit from
 * their published GroupInfo when it first syncs (`joinable`, chat/sync.ts) — no other device of
 * the account need be online. Contacts see a new device of the same identity: no key change.
 */
import {
  type BackupContents,
  type BackupRecord,
  bytesEqual,
  type CiphersuiteImpl,
  canonicalUsername,
  certifyNewDevice,
  type DeviceIdentity,
  type DeviceLabel,
  formatRecoveryKey,
  fromUtf8,
  generateRecoveryKey,
  openBackup,
  ParleyError,
  parseRecoveryKey,
  type StorageKey,
  sealBackup,
  verifyDeviceCertificate,
} from '@parley/core';
import type { ParleyApi } from './api.js';
import type { Chat } from './chat/context.js';
import { labelOwnDevice } from './devices.js';
import { type RecordStore, SealedStore } from './store.js';

/** Namespaces kept whole, and those kept per conversation (`<prefix>:<group id hex>`). */
const WHOLE = ['identities', 'conversations', 'blocks', 'expiring'] as const;
const PER_CONVERSATION = ['messages', 'message-index', 'unsent', 'reaction-clocks'] as const;
const RESTORABLE = new RegExp(`^(${WHOLE.join('|')}|(${PER_CONVERSATION.join('|')}):[0-9a-f]{2,128})$`);

/** A backup just made: the file's bytes and the recovery key that opens it (show it once). */
export interface NewBackup {
  file: Uint8Array;
  recoveryKey: string;
}

/** The records a backup holds (and a history sent to a linked device, historyTransfer.ts). */
export async function backupRecords(chat: Chat): Promise<BackupRecord[]> {
  const records: BackupRecord[] = [];
  const add = async (ns: string) => {
    for (const { key, value } of await chat.store.list(ns)) records.push({ ns, key, value });
  };
  for (const ns of WHOLE) await add(ns);
  for (const id of chat.conversations.ids())
    for (const prefix of PER_CONVERSATION) await add(`${prefix}:${id}`);
  return records;
}

/** Make a backup of this device's account (ParleyClient.exportBackup is the facade over this). */
export async function exportBackup(chat: Chat, recoveryKey = generateRecoveryKey()): Promise<NewBackup> {
  const { identity } = chat;
  if (identity.identityPrivateKey === null)
    throw new ParleyError(
      'usage',
      'only the first device of an account (the one that holds its identity key) can make a backup',
    );
  const records = await backupRecords(chat);
  const contents: BackupContents = {
    accountId: identity.accountId,
    identityKey: identity.identityKey,
    identityPrivateKey: identity.identityPrivateKey,
    createdAt: Date.now(),
    records,
  };
  const key = parseRecoveryKey(recoveryKey);
  return { file: sealBackup(contents, key), recoveryKey: formatRecoveryKey(key) };
}

/**
 * Open a backup file with the recovery key as typed, checking what a restore relies on: each
 * record belongs to a namespace a backup holds and is JSON. Throws `recovery_key_invalid`,
 * `wrong_recovery_key` or `backup_invalid`; touches nothing.
 */
export function readBackup(file: Uint8Array, recoveryKey: string): BackupContents {
  const contents = openBackup(file, parseRecoveryKey(recoveryKey));
  checkRecords(contents.records, 'backup_invalid');
  return contents;
}

/** Each record belongs to a namespace a backup holds and is JSON; else `code`. */
export function checkRecords(
  records: readonly BackupRecord[],
  code: 'backup_invalid' | 'history_invalid',
): void {
  for (const r of records) {
    if (!RESTORABLE.test(r.ns) || r.key.length === 0)
      throw new ParleyError(code, 'it holds a record no backup holds');
    try {
      JSON.parse(fromUtf8(r.value));
    } catch {
      throw new ParleyError(code, 'it holds a record that cannot be read');
    }
  }
}

/**
 * On a fresh machine, with the account's password: log in, check the server still names the
 * backup's identity key for the account, certify a new device with the restored identity key and
 * register it (POST /v1/devices). Returns the new device's identity (it holds the identity key,
 * so it can link and revoke devices). Nothing is stored locally: see writeBackupRecords.
 */
export async function restoreDevice(
  api: ParleyApi,
  backup: BackupContents,
  username: string,
  password: string,
  cs: Pick<CiphersuiteImpl, 'signature' | 'rng'>,
  label?: DeviceLabel,
): Promise<DeviceIdentity> {
  if (canonicalUsername(username) !== backup.accountId)
    throw new ParleyError('usage', `this backup is of the account ${backup.accountId}, not ${username}`);
  const keyPair = { publicKey: backup.identityKey, privateKey: backup.identityPrivateKey };
  const device = await certifyNewDevice(keyPair, backup.accountId, cs);
  // The private key must be the public key's: a certificate it signed verifies under the public key.
  await verifyDeviceCertificate(device.certificate, cs.signature).catch((e: unknown) => {
    throw new ParleyError('backup_invalid', 'the backup’s identity key pair does not match', { cause: e });
  });
  const session = await api.login(backup.accountId, password);
  try {
    const account = await api.account(session.token, backup.accountId);
    if (!bytesEqual(account.identityKey, backup.identityKey))
      throw new ParleyError(
        'usage',
        'the server names another identity key for this account than the backup holds (was the account reset, or is this another server?)',
      );
    await api.addDevice(session.token, device.certificate);
    const identity: DeviceIdentity = { ...device, identityPrivateKey: backup.identityPrivateKey };
    if (label !== undefined) await labelOwnDevice(api, session.token, identity, label);
    return identity;
  } finally {
    // The new device authenticates with its own key from now on: the session is not kept.
    await api.logout(session.token).catch(() => {});
  }
}

/**
 * Write the backup's records into a new device's store (one atomic batch), before its client is
 * first opened. The block list is marked unsent, so the server is told it again.
 */
export async function writeBackupRecords(
  records: RecordStore,
  storageKey: StorageKey,
  backup: Pick<BackupContents, 'records'>,
): Promise<void> {
  const writes = backup.records.map(({ ns, key, value }) =>
    ns === 'blocks'
      ? {
          ns,
          key,
          value: new TextEncoder().encode(JSON.stringify({ ...JSON.parse(fromUtf8(value)), synced: false })),
        }
      : { ns, key, value },
  );
  await new SealedStore(records, storageKey).batch(writes);
}
