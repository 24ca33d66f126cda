/**
 * Owners monitor their own account (issue #21): every `intervalMs` a device reads the key log's
 * entries it has not read yet, up to the newest head it accepted, and checks that they are exactly
 * the entries that head commits to (a Frontier, the tree's right edge, kept in the store: the
 * server cannot skip or alter one). Among them, an entry for this account that this account's
 * devices did not make raises `key_alert`: a registration, reset or device certificate under an
 * identity key other than the account's, a certificate whose signature does not verify, or a
 * deletion of the account (which, read by a device of it, the server made up: goneMembers.ts). A
 * device certificate signed by the account's identity key was made by one of its devices (only
 * they hold that key), so the server adding a device is exactly what this catches.
 */
import {
  bytesEqual,
  decodeDeviceCertificate,
  decodeLogEntry,
  Frontier,
  fromHex,
  type LogEntry,
  LogInvalidError,
  logLeaf,
  MAX_LOG_PAGE,
  toHex,
  verifyDeviceCertificate,
} from '@parley/core';
import type { Chat } from '../chat/context.js';

const NS = 'transparency';
const KEY = 'monitor';
/** By default a device checks its account in the log every ten minutes. */
export const MONITOR_INTERVAL_MS = 10 * 60 * 1000;

/** An entry of this account's log that none of its devices made. */
export interface KeyAlert {
  /** Its index in the log. */
  index: number;
  kind: LogEntry['kind'];
  /** The identity key it names (the certificate's, for a device). */
  identityKey: Uint8Array;
  /** The device it certifies, for a device certificate. */
  deviceId: string | null;
}

/** Whether this account's devices made `entry`; an alert when they did not. */
async function alertFor(chat: Chat, index: number, entry: LogEntry): Promise<KeyAlert | null> {
  const mine = chat.identity.identityKey;
  if (entry.kind === 'registered' || entry.kind === 'identity_reset')
    return bytesEqual(entry.identityKey, mine)
      ? null
      : { index, kind: entry.kind, identityKey: entry.identityKey, deviceId: null };
  // This account is alive (a device of it reads this): a deletion of it is none of its doing.
  if (entry.kind === 'account_deleted')
    return { index, kind: entry.kind, identityKey: new Uint8Array(0), deviceId: null };
  if (entry.kind !== 'device_certified') return null;
  try {
    const cert = decodeDeviceCertificate(entry.certificate);
    const alert = { index, kind: entry.kind, identityKey: cert.identityKey, deviceId: cert.deviceId };
    if (!bytesEqual(cert.identityKey, mine) || cert.accountId !== chat.identity.accountId) return alert;
    await verifyDeviceCertificate(cert, chat.device.cs.signature);
    return null;
  } catch {
    return { index, kind: entry.kind, identityKey: new Uint8Array(0), deviceId: null };
  }
}

/** Read the log up to the newest accepted head; the alerts for this account's entries in it. */
export async function checkOwnAccount(chat: Chat): Promise<KeyAlert[]> {
  const head = await chat.transparency.refresh();
  const stored = await chat.store.getJson<{ frontier: string }>(NS, KEY);
  const frontier = stored === undefined ? Frontier.empty() : Frontier.decode(fromHex(stored.frontier));
  if (frontier.size > head.size)
    throw new LogInvalidError('the key log is shorter than this device already read');
  const alerts: KeyAlert[] = [];
  while (frontier.size < head.size) {
    const limit = Math.min(MAX_LOG_PAGE, head.size - frontier.size);
    const page = await chat.connection.request({ type: 'log_entries_get', start: frontier.size, limit });
    if (page.type !== 'log_entries' || page.entries.length === 0)
      throw new LogInvalidError('the server withheld entries of its key log');
    for (const bytes of page.entries.slice(0, limit)) {
      const index = frontier.size;
      frontier.append(logLeaf(bytes));
      const entry = decodeLogEntry(bytes);
      if (entry.accountId !== chat.identity.accountId) continue;
      const alert = await alertFor(chat, index, entry);
      if (alert !== null) alerts.push(alert);
    }
  }
  // Only entries that are exactly the head's count as read.
  if (!bytesEqual(frontier.root(), head.root))
    throw new LogInvalidError('the key log’s entries are not those its head commits to');
  await chat.store.putJson(NS, KEY, { frontier: toHex(frontier.encode()) });
  for (const a of alerts) chat.events.emit('key_alert', a);
  return alerts;
}

/** Check every `intervalMs` while online (the first check at once); stops when the connection closes. */
export function monitorOwnAccount(chat: Chat, intervalMs: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  const run = async () => {
    if (running || chat.closed) return;
    running = true;
    try {
      await checkOwnAccount(chat);
    } catch (e) {
      // A log that does not check out is reported (a split view also by its own event); a
      // connection that dropped is simply tried again at the next interval.
      const code = (e as { code?: string }).code;
      if (!chat.closed && (code === 'log_invalid' || code === 'log_split_view'))
        chat.events.emit('sync_error', { code, groupId: null });
    } finally {
      running = false;
      if (!chat.closed && chat.connection.state === 'online') timer = setTimeout(run, intervalMs);
    }
  };
  chat.connection.onState((s) => {
    clearTimeout(timer);
    if (s === 'online') timer = setTimeout(run, 0);
  });
}
