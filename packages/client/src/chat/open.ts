/**
 * Opening a device's chat engine: the sealed store, the MLS context, the connection and every
 * repository loaded into one Chat, with the connection's pushes and state changes wired to the
 * sync (ParleyClient.open is the facade over this).
 */
import { createMlsDevice } from '@parley/core';
import { Blocks } from '../storage/blocks.js';
import { Conversations } from '../storage/conversations.js';
import { dropLegacyMarkers } from '../storage/log.js';
import { Outbox } from '../storage/outbox.js';
import { SealedStore, StoredIdentities } from '../store.js';
import { loggedOnFirstContact } from '../transparency/firstContact.js';
import { HeadGossip } from '../transparency/gossip.js';
import { MONITOR_INTERVAL_MS, monitorOwnAccount } from '../transparency/monitor.js';
import { LogView } from '../transparency/view.js';
import { Connection } from '../transport.js';
import { Acks } from './acks.js';
import { type Chat, serialQueue } from './context.js';
import { Emitter } from './events.js';
import { Presence } from './presence.js';
import { RESET_DELAY_MS } from './reset.js';
import { suiteDevices } from './suites.js';
import { catchUp, onOnline, onPush, retryLater, syncFailed } from './sync.js';
import type { ParleyClientOptions } from './types.js';
import { Typing } from './typing.js';

export async function openChat(
  options: ParleyClientOptions,
): Promise<{ chat: Chat; queue: ReturnType<typeof serialQueue> }> {
  const store = new SealedStore(options.records, options.storageKey);
  const identities = new StoredIdentities(store);
  // A key met for the first time is pinned only if the server's key log proves it (firstContact.ts);
  // the policy reaches the connection and the log view made below.
  const late: { chat?: Chat } = {};
  const device = await createMlsDevice(options.identity, {
    onUnknownIdentity: loggedOnFirstContact(
      () => late.chat!.connection,
      () => late.chat!.transparency,
    ),
    ...options.mls,
    identities,
  });
  await dropLegacyMarkers(store);
  const connection = new Connection({
    url: options.serverUrl,
    identity: options.identity,
    signature: device.cs.signature,
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const events = new Emitter();
  const gossip = new HeadGossip(options.keyLog?.gossipMs);
  const queue = serialQueue();
  const chat: Chat = {
    identity: options.identity,
    device,
    suites: await suiteDevices(device, options.mls?.provider),
    connection,
    store,
    identities,
    conversations: await Conversations.load(store, device),
    outbox: await Outbox.open(store),
    blocks: await Blocks.load(store),
    events,
    acks: new Acks(connection),
    presence: new Presence(connection, events),
    typing: new Typing(events),
    transparency: new LogView(connection, store, {
      split: (split) => events.emit('log_split_view', split),
      newer: (head) => void gossip.tell(chat, head).catch(() => {}),
    }),
    later: {
      receipts: new Map(),
      commits: new Set(),
      catchUps: new Set(),
      resync: false,
      failures: 0,
      retryTimer: undefined,
    },
    broken: new Set(),
    resets: { delayMs: options.resetDelayMs ?? RESET_DELAY_MS, timers: new Map() },
    expiry: { timer: undefined, next: 0, shortTimers: options.shortTimersForTests === true },
    serial: (work) => queue.run(work),
    catchUp: (id, serverEpoch) => catchUp(chat, id, serverEpoch),
    retryLater: (id) => retryLater(chat, id),
    closed: false,
  };
  late.chat = chat;
  // A failure of either is reported and the sync tried again (never dropped in silence).
  connection.onPush((f) => {
    void chat.serial(() => onPush(chat, f)).catch((e: unknown) => syncFailed(chat, e));
  });
  connection.onUnreadable((e) => syncFailed(chat, e));
  connection.onState((s) => {
    if (s === 'online') void chat.serial(() => onOnline(chat)).catch((e: unknown) => syncFailed(chat, e));
  });
  const monitorMs = options.keyLog?.monitorMs ?? MONITOR_INTERVAL_MS;
  if (monitorMs > 0) monitorOwnAccount(chat, monitorMs);
  return { chat, queue };
}
