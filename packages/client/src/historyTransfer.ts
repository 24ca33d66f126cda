/**
 * History on a newly linked device (issue #18). The device that linked it (devices.ts) sends the
 * account's history: the records a backup holds (backup.ts) without the identity key, messages
 * sent before `since` left out, encoded as a history archive (core historyArchive.ts). The archive
 * travels as an attachment blob: sealed with a fresh file key and uploaded with tus (resumable,
 * with progress) into one of the account's conversations, never attached to a message, so only
 * the account's devices may read or delete it and the server sweeps it after 24 hours. Its id, key,
 * digest and size are sealed under a key derived from the link code and left with the device-links
 * route under a second slot of the same code (labels "history-slot", "history-key"): the server
 * sees an opaque blob of some size and an opaque offer. "No history" is an offer too.
 *
 * The new device picks the offer up after it is linked (waiting up to HISTORY_WAIT_MS for it),
 * fetches the blob over a bare device connection (a transfer ticket; no sync), checks and writes
 * the records into its store before its client first opens, and deletes the blob (delivery).
 */
import {
  type AttachmentPrimitives,
  type BackupRecord,
  type CiphersuiteImpl,
  concatBytes,
  type DeviceIdentity,
  decodeHistoryArchive,
  encodeHistoryArchive,
  fromUtf8,
  is,
  newAttachmentKey,
  open,
  ParleyError,
  type StorageKey,
  seal,
  toHex,
  utf8,
} from '@parley/core';
import type { ParleyApi } from './api.js';
import { downloadBlob } from './attachments/download.js';
import { EncryptedFile } from './attachments/encryptedFile.js';
import type { BlobHttp, TransferOptions } from './attachments/types.js';
import { transferError, uploadBlob } from './attachments/upload.js';
import { backupRecords, checkRecords, writeBackupRecords } from './backup.js';
import type { Chat } from './chat/context.js';
import { DeviceHttp } from './deviceHttp.js';
import { linkSecrets } from './devices.js';
import type { RecordStore } from './store.js';
import { Connection, type SocketFactory } from './transport.js';

/** How long a new device waits for the other device's offer (it may come a little after the link). */
export const HISTORY_WAIT_MS = 120_000;
const POLL_MS = 2000;
const OFFER_CONTEXT = 'parley/v1/history-offer';

/** What the sending device leaves under the code's history slot (JSON, sealed). */
type HistoryOffer =
  | { v: 1; none: true }
  | { v: 1; blobId: string; key: string; sha256: string; size: number; since: number };

export interface SendHistoryOptions extends TransferOptions {
  /** Leave out messages sent before this time (ms since the epoch); all of them when absent. */
  since?: number;
}

/** What was sent: messages and conversations in the archive, and its size before sealing. */
export interface HistorySummary {
  messages: number;
  conversations: number;
  bytes: number;
}

/** What sendHistory needs of the sending client (ParleyClient.sendHistory passes its own). */
export interface HistorySender {
  chat: Chat;
  server: DeviceHttp;
  primitives: AttachmentPrimitives | undefined;
  serial<T>(work: () => Promise<T>): Promise<T>;
}

/** The records kept when messages sent before `since` are left out (with their index entries). */
export function recordsSince(records: BackupRecord[], since: number): BackupRecord[] {
  if (since <= 0) return records;
  const sentAt = (r: BackupRecord) => (JSON.parse(fromUtf8(r.value)) as { sentAt?: unknown }).sentAt;
  const old = (r: BackupRecord) => typeof sentAt(r) !== 'number' || (sentAt(r) as number) < since;
  const droppedSeqs = new Set<string>();
  const droppedIds = new Set<string>();
  for (const r of records) {
    if (!r.ns.startsWith('messages:') || !old(r)) continue;
    const group = r.ns.slice('messages:'.length);
    droppedSeqs.add(`${group}:${r.key}`);
    const id = (JSON.parse(fromUtf8(r.value)) as { id?: unknown }).id;
    if (typeof id === 'string') droppedIds.add(`${group}:${id}`);
  }
  return records.filter((r) => {
    const [prefix, group] = r.ns.split(':');
    if (prefix === 'messages') return !droppedSeqs.has(`${group}:${r.key}`);
    if (prefix === 'message-index') return !droppedIds.has(`${group}:${r.key}`);
    if (prefix === 'unsent') return !old(r);
    if (r.ns === 'expiring') return !droppedSeqs.has(r.key);
    return true;
  });
}

function summary(records: BackupRecord[], bytes: number): HistorySummary {
  const messages = records.filter((r) => r.ns.startsWith('messages:')).length;
  const conversations = new Set(records.filter((r) => r.ns.startsWith('messages:')).map((r) => r.ns)).size;
  return { messages, conversations, bytes };
}

async function leaveOffer(api: ParleyApi, token: string, code: string, offer: HistoryOffer): Promise<void> {
  const { slot, key } = linkSecrets(code, 'history-');
  await api.offerDeviceLink(token, slot, seal(key, utf8(JSON.stringify(offer)), OFFER_CONTEXT));
}

/** Tell the device linked with `code` that no history comes (it stops waiting). */
export function declineHistory(api: ParleyApi, token: string, code: string): Promise<void> {
  return leaveOffer(api, token, code, { v: 1, none: true });
}

/**
 * On the device that linked a new one with `code` (connected: the upload needs a transfer
 * ticket): send it the history, messages from `since` on. Resumes a dropped upload; reports the
 * archive's upload progress. With no conversation to send, the offer says "no history".
 */
export async function sendHistory(
  from: HistorySender,
  api: ParleyApi,
  token: string,
  code: string,
  options: SendHistoryOptions = {},
): Promise<HistorySummary> {
  const { identity } = from.chat;
  const since = options.since ?? 0;
  const records = recordsSince(await from.serial(() => backupRecords(from.chat)), since);
  // The upload is counted under one of the account's conversations (the server's rule for every
  // blob); it is never attached to a message there, so no other account may read it.
  const group = from.chat.conversations.ids().find((id) => from.chat.conversations.active(id));
  if (group === undefined) {
    await declineHistory(api, token, code);
    return { messages: 0, conversations: 0, bytes: 0 };
  }
  const archive = encodeHistoryArchive({
    accountId: identity.accountId,
    createdAt: Date.now(),
    since,
    records,
  });
  const fileKey = newAttachmentKey();
  const file = new EncryptedFile(
    { size: archive.length, read: async (at, n) => archive.subarray(at, at + n) },
    fileKey,
    from.primitives,
  );
  const server = from.server;
  const target = {
    endpoint: `${server.base}/v1/uploads`,
    authorization: () => server.authorization(),
    refused: () => server.refused(),
    http: server.http,
  };
  const blobId = await uploadBlob(target, group, file, options).catch((e: unknown) => {
    throw transferError(e);
  });
  const sha256 = toHex(await file.digest());
  await leaveOffer(api, token, code, {
    v: 1,
    blobId,
    key: toHex(fileKey),
    sha256,
    size: archive.length,
    since,
  });
  return summary(records, archive.length);
}

/** The offer, checked field by field (it was sealed by a device of the account, but is input). */
function parseOffer(bytes: Uint8Array): HistoryOffer {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
  } catch {
    throw new ParleyError('history_invalid', 'the history offer cannot be read');
  }
  if (o.v === 1 && o.none === true) return { v: 1, none: true };
  const hex = (v: unknown, n: number) => typeof v === 'string' && new RegExp(`^[0-9a-f]{${n}}$`).test(v);
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (
    o.v !== 1 ||
    !hex(o.blobId, 32) ||
    !hex(o.key, 64) ||
    !hex(o.sha256, 64) ||
    !count(o.size) ||
    !count(o.since)
  )
    throw new ParleyError('history_invalid', 'the history offer is malformed');
  return o as HistoryOffer;
}

export interface ReceiveHistoryOptions {
  api: ParleyApi;
  /** A session of the account (the one the link was claimed with). */
  token: string;
  code: string;
  /** The new device's identity (claimNewDevice). */
  identity: DeviceIdentity;
  serverUrl: string;
  /** The new device's store, not yet opened by a client, and its key. */
  records: RecordStore;
  storageKey: StorageKey;
  signature: CiphersuiteImpl['signature'];
  socketFactory?: SocketFactory;
  blobHttp?: BlobHttp;
  primitives?: AttachmentPrimitives;
  /** Bytes of the history received so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** How long to wait for the other device's offer (HISTORY_WAIT_MS). */
  waitMs?: number;
  signal?: AbortSignal;
}

/** The offer under the code's history slot: waits for it; null when none came in time. */
async function pickUpOffer(o: ReceiveHistoryOptions): Promise<HistoryOffer | null> {
  const { slot, key } = linkSecrets(o.code, 'history-');
  const until = Date.now() + (o.waitMs ?? HISTORY_WAIT_MS);
  for (;;) {
    try {
      const sealed = await o.api.claimDeviceLink(o.token, slot);
      let plain: Uint8Array;
      try {
        plain = open(key, sealed, OFFER_CONTEXT);
      } catch {
        throw new ParleyError('history_invalid', 'the history offer does not open with this code');
      }
      return parseOffer(plain);
    } catch (e) {
      if (!is(e, 'not_found')) throw e;
    }
    if (Date.now() >= until || o.signal?.aborted === true) return null;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(until - Date.now(), 0))));
  }
}

/** Fetch and open the archive over `server`; any failure but a transfer's is `history_invalid`. */
async function fetchArchive(
  server: DeviceHttp,
  offer: Exclude<HistoryOffer, { none: true }>,
  o: ReceiveHistoryOptions,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const info = {
    blobId: offer.blobId,
    name: 'history',
    mimeType: '',
    size: offer.size,
    key: offer.key,
    sha256: offer.sha256,
  };
  const source = {
    url: `${server.base}/v1/blobs/${offer.blobId}`,
    authorization: () => server.authorization(),
    refused: () => server.refused(),
    http: server.http,
    ...(o.primitives !== undefined ? { primitives: o.primitives } : {}),
  };
  const options = {
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  try {
    await downloadBlob(source, info, { write: (c) => void parts.push(c) }, options);
  } catch (e) {
    if (e instanceof ParleyError && !['decrypt_failed', 'decode_error', 'invalid_message'].includes(e.code))
      throw e;
    throw new ParleyError('history_invalid', 'the history was altered or damaged on its way', { cause: e });
  }
  return concatBytes(...parts);
}

/**
 * On a device just linked with `code`, before its client first opens: wait for the history the
 * other device sends, fetch it (resuming a dropped download), check it and write its records into
 * the store; the blob is then deleted from the server. Resolves with what arrived, or null when
 * the other device sent none (declined, or nothing within `waitMs`). A damaged or altered history
 * throws `history_invalid` and writes nothing.
 */
export async function receiveHistory(o: ReceiveHistoryOptions): Promise<HistorySummary | null> {
  const offer = await pickUpOffer(o);
  if (offer === null || 'none' in offer) return null;
  const connection = new Connection({
    url: o.serverUrl,
    identity: o.identity,
    signature: o.signature,
    ...(o.socketFactory ? { socketFactory: o.socketFactory } : {}),
  });
  connection.start();
  const server = new DeviceHttp(connection, o.serverUrl, o.blobHttp);
  try {
    const archive = decodeHistoryArchive(await fetchArchive(server, offer, o));
    if (archive.accountId !== o.identity.accountId)
      throw new ParleyError('history_invalid', 'the history is of another account');
    checkRecords(archive.records, 'history_invalid');
    await writeBackupRecords(o.records, o.storageKey, archive);
    return summary(archive.records, offer.size);
  } finally {
    // Delivered (or refused): the server's copy goes either way; the offer was picked up once.
    await server
      .request('DELETE', `/v1/uploads/${offer.blobId}`, { headers: { 'tus-resumable': '1.0.0' } })
      .catch(() => {});
    connection.close();
  }
}
