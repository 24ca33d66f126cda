/**
 * Sending: the outbox is written first and sent in order; a message is encrypted as it leaves (the
 * advanced ratchet stored before), and leaves the outbox in the batch that records it as sent.
 */
import {
  type AppBody,
  type AppMessage,
  appMessage,
  decodeAppMessage,
  encodeAppMessage,
  encryptApplication,
  fromHex,
  type ServerFrame,
} from '@parley/core';
import { type Batch, inBatch, type Records } from '../storage/batch.js';
import { clearSending, markOwn, markSending } from '../storage/log.js';
import { storeMessage, storeUnsent } from '../storage/messages.js';
import { type OutboxItem, outboxItems, removeOutboxItem, setOutboxItem } from '../storage/outbox.js';
import { TransportError } from '../transport.js';
import { type ContentBody, contentFields, isContent } from './content.js';
import { type Chat, others } from './context.js';
import { expired, sweepAt, withExpiry } from './disappearing.js';
import { heldBy, pendingIdentityChanges } from './identityChanges.js';
import { deviceFor } from './suites.js';
import { storeSystemLine, systemEntry } from './systemLines.js';
import type { ChatMessage, MessageStatus, SystemEvent } from './types.js';

/** Put an application message in the outbox (in the caller's serial section). */
export async function enqueue<B extends AppBody>(
  chat: Chat,
  r: Records,
  groupIdHex: string,
  body: B,
  options: { announce?: boolean } = {},
): Promise<AppMessage & { body: B }> {
  const now = Date.now();
  const app = { ...appMessage(withExpiry(chat, groupIdHex, body, now), now) } as AppMessage & { body: B };
  await chat.outbox.add(r, groupIdHex, app, options.announce === true);
  return app;
}

/** The system line of a change this device made (a timer, a name), at log position `seq` (0: not sent yet). */
export function pendingLine(chat: Chat, groupIdHex: string, app: AppMessage, seq = 0): ChatMessage {
  const { accountId, deviceId } = chat.identity;
  const at = { seq, id: app.id, sentAt: app.sentAt, from: { accountId, deviceId }, pending: seq === 0 };
  const { body } = app;
  const line: SystemEvent =
    body.type === 'conversation'
      ? { event: 'renamed', name: body.name, by: accountId }
      : { event: 'timer', seconds: body.type === 'timer' ? body.seconds : 0, by: accountId };
  return systemEntry(groupIdHex, at, line);
}

/**
 * Tell newcomers the conversation's name and disappearing-messages timer (they cannot read what
 * was sent before they joined); the members who have them see no change.
 */
export async function restateSettings(chat: Chat, r: Records, groupIdHex: string): Promise<void> {
  const { name, timer } = chat.conversations.meta(groupIdHex);
  if (name !== null) await enqueue(chat, r, groupIdHex, { type: 'conversation', name });
  if (timer !== undefined && timer.seconds > 0)
    await enqueue(chat, r, groupIdHex, { type: 'timer', seconds: timer.seconds });
}

/** An own content message (text or file) as the history shows it. */
export function ownText(
  chat: Chat,
  groupIdHex: string,
  app: AppMessage & { body: ContentBody },
  seq: number,
  status: MessageStatus,
): ChatMessage {
  const { accountId, deviceId } = chat.identity;
  return {
    groupId: groupIdHex,
    seq,
    id: app.id,
    from: { accountId, deviceId },
    sentAt: app.sentAt,
    status,
    ...contentFields(app.body),
  };
}

/**
 * Encrypt (storing the advanced ratchet first) and hand to the server; returns its answer. With
 * `stage`, something stored in the same batch as the ratchet (a mark, see sendOnce).
 */
export async function encryptAndSend(
  chat: Chat,
  groupIdHex: string,
  messageId: string,
  body: Uint8Array,
  options: {
    expiresAt?: number;
    blobIds?: string[];
    stage?: (w: Batch, message: Uint8Array) => Promise<void>;
  } = {},
): Promise<{ answer: ServerFrame; message: Uint8Array }> {
  const { expiresAt, blobIds, stage } = options;
  const state = chat.conversations.state(groupIdHex)!;
  const { newState, message } = await encryptApplication(deviceFor(chat, state), state, body);
  // Stored before the ciphertext leaves: a key is never used twice.
  await inBatch(chat.store, async (w) => {
    await chat.conversations.saveState(w, groupIdHex, newState);
    await stage?.(w, message);
  });
  const answer = await chat.connection.request({
    type: 'send',
    groupId: fromHex(groupIdHex),
    messageId: fromHex(messageId),
    payload: message,
    welcome: null,
    ...(expiresAt !== undefined || blobIds !== undefined
      ? { groupInfo: null, expiresAt: expiresAt ?? null }
      : {}),
    ...(blobIds !== undefined ? { blobIds: blobIds.map(fromHex) } : {}),
  });
  return { answer, message };
}

/**
 * Send a message that is never queued nor sent again (a typing indicator, a gossiped head): marked
 * before it leaves, so that met in the log with its answer lost it is known for ours
 * (storage/log.ts, markSending); the answer's position replaces the mark in one batch.
 */
export async function sendOnce(chat: Chat, groupIdHex: string, app: AppMessage): Promise<ServerFrame> {
  const { answer, message } = await encryptAndSend(chat, groupIdHex, app.id, encodeAppMessage(app), {
    stage: (w, m) => markSending(w, groupIdHex, m),
  });
  await inBatch(chat.store, async (w) => {
    await clearSending(w, groupIdHex, message);
    if (answer.type === 'sent') await markOwn(w, groupIdHex, answer.seq);
  });
  return answer;
}

/**
 * Send the outbox, each conversation's items in order; with `attemptedOnly`, only the items already
 * handed to the server. A conversation whose next item cannot leave yet holds its later items, not
 * the other conversations'.
 */
export async function flushOutbox(chat: Chat, attemptedOnly = false): Promise<void> {
  // Read once per flush: acknowledging a change runs in this same serial queue, not during it.
  const changed = await pendingIdentityChanges(chat.store);
  const stopped = new Set<string>();
  for (const { key, item } of await outboxItems(chat.store)) {
    if (stopped.has(item.groupId)) continue;
    if (!chat.conversations.state(item.groupId) || chat.conversations.meta(item.groupId).ended) {
      await giveUp(chat, key, item);
      continue;
    }
    // Attempted items are a prefix of each conversation's items: it is sent in order and stops at
    // a failure. Messages to anyone whose identity changed are held until the person accepts it,
    // and nothing later in that conversation overtakes them; so are those of a reset still adding
    // people (reset.ts): its continuation must reach them all.
    if (
      (attemptedOnly && item.attempted !== true) ||
      heldBy(chat, item.groupId, changed) ||
      chat.conversations.meta(item.groupId).adding !== undefined
    ) {
      stopped.add(item.groupId);
      continue;
    }
    if (expired(item.expiresAt)) {
      await dropExpired(chat, key, item);
      continue;
    }
    if (item.attempted !== true) await setOutboxItem(chat.store, key, { ...item, attempted: true });
    let answer: ServerFrame;
    try {
      ({ answer } = await encryptAndSend(chat, item.groupId, item.messageId, fromHex(item.body), {
        ...(item.expiresAt !== undefined ? { expiresAt: item.expiresAt } : {}),
        ...(item.blobIds !== undefined ? { blobIds: item.blobIds } : {}),
      }));
    } catch (e) {
      if (e instanceof TransportError) return; // offline: the outbox is flushed again when online
      throw e;
    }
    if (answer.type === 'error' && answer.code === 'rate_limited') {
      chat.retryLater(); // kept, in order: tried again shortly
      return;
    }
    // Refused for good (typically not_a_member: this device was removed before it left).
    if (answer.type === 'error') await giveUp(chat, key, item);
    else await inBatch(chat.store, (w) => sent(chat, w, key, item, answer));
  }
}

/** The server stored an outbox item: it leaves the outbox and, a text, enters the history as sent. */
async function sent(chat: Chat, w: Batch, key: string, item: OutboxItem, answer: ServerFrame): Promise<void> {
  await removeOutboxItem(w, key);
  if (answer.type !== 'sent') return;
  await markOwn(w, item.groupId, answer.seq);
  const app = decodeAppMessage(fromHex(item.body));
  if (item.announce === true)
    await storeSystemLine(chat, w, pendingLine(chat, item.groupId, app, answer.seq));
  if (!isContentMessage(app)) return;
  const message: ChatMessage = {
    ...ownText(chat, item.groupId, app, answer.seq, 'sent'),
    recipients: others(chat, item.groupId),
    deliveredTo: [],
    readBy: [],
  };
  await storeMessage(w, message);
  await chat.conversations.updateMeta(w, item.groupId, { last: message });
  w.after(() => {
    if (message.expiresAt !== undefined) sweepAt(chat, message.expiresAt);
    chat.events.emit('message_status', {
      groupId: item.groupId,
      id: app.id,
      status: 'sent',
      seq: answer.seq,
    });
    chat.events.emit('conversation', item.groupId);
  });
}

/**
 * An outbox item that can never be sent (no longer a member, or refused by the server): a text
 * stays in the history as `failed`, so the person sees it did not go out; receipts and other
 * control messages are dropped.
 */
async function giveUp(chat: Chat, key: string, item: OutboxItem): Promise<void> {
  const app = decodeAppMessage(fromHex(item.body));
  await inBatch(chat.store, async (w) => {
    await removeOutboxItem(w, key);
    // A disappearing message is not kept as failed: nothing would remove it when its time is up.
    if (!isContentMessage(app) || app.body.expiresAt !== undefined) return;
    await storeUnsent(w, ownText(chat, item.groupId, app, 0, 'failed'));
    w.after(() => {
      chat.events.emit('message_status', { groupId: item.groupId, id: app.id, status: 'failed', seq: 0 });
      chat.events.emit('conversation', item.groupId);
    });
  });
}

/** A disappearing message whose time was up before it could leave: it never will. */
async function dropExpired(chat: Chat, key: string, item: OutboxItem): Promise<void> {
  await inBatch(chat.store, async (w) => {
    await removeOutboxItem(w, key);
    w.after(() => chat.events.emit('message_expired', { groupId: item.groupId, id: item.messageId }));
  });
}

function isContentMessage(app: AppMessage): app is AppMessage & { body: ContentBody } {
  return isContent(app.body);
}

/** Texts, files (and system lines of own changes) still in the outbox, as the history shows them (`sending`). */
export async function sendingTexts(chat: Chat, groupIdHex: string): Promise<ChatMessage[]> {
  const texts: ChatMessage[] = [];
  for (const { item } of await outboxItems(chat.store)) {
    if (item.groupId !== groupIdHex) continue;
    const app = decodeAppMessage(fromHex(item.body));
    if (isContentMessage(app)) texts.push(ownText(chat, groupIdHex, app, 0, 'sending'));
    else if (item.announce === true) texts.push(pendingLine(chat, groupIdHex, app));
  }
  return texts;
}
