/**
 * Annotations of a message already sent: emoji reactions, edits and deletes, each an encrypted
 * application message naming its target by id (the server learns nothing new). Anyone in the
 * conversation may react; only the target's author (the account MLS authenticated as its sender)
 * may edit or delete it: an edit or delete from anyone else is ignored and counted
 * (`forged_annotation`, ConversationSummary.forged).
 *
 * Order: a device annotates only a message it has stored, which it either read from the group's log
 * or sent itself (the outbox goes out in order, and its text is stored once the server placed it);
 * the server numbers each group's log in the order it stores messages; so in the log a target
 * always comes before every annotation of it, and each device processes the log in order. A device
 * that lacks the target (it joined later, or skipped it when rejoining) will never receive it: the
 * annotation is dropped rather than kept waiting. Own annotations are applied when queued (the
 * sender cannot read its own messages back from the log), and concurrent ones from several devices
 * of one account converge: the latest edit wins by the sender's clock, the latest change of each
 * account's reaction with an emoji wins (storage/reactionClocks.ts), and a delete is final.
 */
import { type AppBody, type AppMessage, MAX_TEXT_BYTES, ParleyError, utf8 } from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import { storeMessage } from '../storage/messages.js';
import { dropReactionClocks, newerReaction } from '../storage/reactionClocks.js';
import type { Chat } from './context.js';
import { enqueue, ownText } from './outbox.js';
import { findMessage, quoteOf, withQuotes } from './quotes.js';
import type { ChatMessage } from './types.js';

export type Annotation = Extract<AppBody, { type: 'reaction' | 'edit' | 'delete' }>;
type Sender = { accountId: string; deviceId: string };

/** An emoji of a reaction is at most this many bytes (UTF-8), as the codec allows. */
export const MAX_EMOJI_BYTES = 64;

export function isAnnotation(body: AppBody): body is Annotation {
  return body.type === 'reaction' || body.type === 'edit' || body.type === 'delete';
}

/** Apply an annotation (received, or queued by this device) to its stored target. */
export async function applyAnnotation(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  sender: Sender,
  app: AppMessage,
  body: Annotation,
): Promise<void> {
  const target = await findMessage(chat, w, groupIdHex, body.target);
  if (target === undefined || target.deleted === true) return;
  let updated: ChatMessage | undefined;
  if (body.type === 'reaction') updated = await reacted(w, target, sender.accountId, app, body);
  else if (sender.accountId !== target.from.accountId) {
    await forged(chat, w, groupIdHex, target, sender, body.type);
    return;
  } else if (body.type === 'edit') {
    if (target.edited === undefined || app.sentAt > target.edited)
      updated = { ...target, text: body.text, edited: app.sentAt };
  } else updated = await deleted(chat, w, target);
  if (updated === undefined) return;
  await storeMessage(w, updated);
  if (chat.conversations.meta(updated.groupId).last?.id === updated.id)
    await chat.conversations.updateMeta(w, updated.groupId, { last: updated });
  const [shown] = await withQuotes(chat, w, [updated]);
  w.after(() => chat.events.emit('message_updated', shown!));
}

async function reacted(
  w: Batch,
  target: ChatMessage,
  accountId: string,
  app: AppMessage,
  body: Extract<Annotation, { type: 'reaction' }>,
): Promise<ChatMessage | undefined> {
  if (body.emoji.trim() === '') return undefined;
  const clock: [number, string] = [app.sentAt, app.id];
  if (!(await newerReaction(w, target.groupId, target.id, body.emoji, accountId, clock))) return undefined;
  const reactions = { ...target.reactions };
  const who = new Set(reactions[body.emoji] ?? []);
  if (body.remove) who.delete(accountId);
  else who.add(accountId);
  if (who.size === 0) delete reactions[body.emoji];
  else reactions[body.emoji] = [...who].sort();
  const { reactions: _, ...rest } = target;
  return Object.keys(reactions).length === 0 ? rest : { ...rest, reactions };
}

/** A tombstone: the text, reactions and edit mark gone from the stored record. */
async function deleted(chat: Chat, w: Batch, target: ChatMessage): Promise<ChatMessage> {
  await dropReactionClocks(w, target.groupId, target.id);
  const { unread } = chat.conversations.meta(target.groupId);
  if (unread.includes(target.id))
    await chat.conversations.updateMeta(w, target.groupId, { unread: unread.filter((i) => i !== target.id) });
  const { reactions: _r, edited: _e, attachment: _a, ...rest } = target;
  return { ...rest, text: '', deleted: true };
}

async function forged(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  target: ChatMessage,
  by: Sender,
  kind: 'edit' | 'delete',
): Promise<void> {
  const count = (chat.conversations.meta(groupIdHex).forged ?? 0) + 1;
  await chat.conversations.updateMeta(w, groupIdHex, { forged: count });
  w.after(() => {
    chat.events.emit('forged_annotation', { groupId: groupIdHex, target: target.id, kind, by });
    chat.events.emit('conversation', groupIdHex);
  });
}

/** A message's text as an edit or a reply carries it: not empty, within the codec's limit. */
function checkedText(text: string): string {
  if (text.trim() === '') throw new ParleyError('usage', 'the text is empty');
  if (utf8(text).length > MAX_TEXT_BYTES) throw new ParleyError('too_large', 'the text is too long');
  return text;
}

/** The stored message `id` of a conversation, for annotating it. */
async function target(chat: Chat, w: Batch, groupIdHex: string, id: string): Promise<ChatMessage> {
  const found = await findMessage(chat, w, groupIdHex, id);
  if (found === undefined) throw new ParleyError('usage', 'there is no such message in this conversation');
  return found;
}

/** Queue an annotation and apply it here at once (in the caller's serial section). */
async function annotate(
  chat: Chat,
  groupIdHex: string,
  id: string,
  make: (m: ChatMessage) => Annotation | undefined,
): Promise<void> {
  await inBatch(chat.store, async (w) => {
    const body = make(await target(chat, w, groupIdHex, id));
    if (body === undefined) return;
    const app = await enqueue(chat, w, groupIdHex, body);
    await applyAnnotation(chat, w, groupIdHex, chat.identity, app, body);
  });
}

/** Queue a reply to message `id`; returns it as the history shows it (sending). */
export async function reply(chat: Chat, groupIdHex: string, id: string, text: string): Promise<ChatMessage> {
  checkedText(text);
  return inBatch(chat.store, async (w) => {
    const quoted = await target(chat, w, groupIdHex, id);
    const app = await enqueue(chat, w, groupIdHex, { type: 'text', text, replyTo: id });
    return { ...ownText(chat, groupIdHex, app, 0, 'sending'), replyTo: quoteOf(quoted) };
  });
}

/** React with `emoji`, or take the reaction back when this account already reacted with it. */
export function react(chat: Chat, groupIdHex: string, id: string, emoji: string): Promise<void> {
  if (emoji.trim() === '' || utf8(emoji).length > MAX_EMOJI_BYTES)
    throw new ParleyError('usage', `a reaction is one emoji of at most ${MAX_EMOJI_BYTES} bytes`);
  return annotate(chat, groupIdHex, id, (m) => {
    if (m.deleted === true) throw new ParleyError('usage', 'that message was deleted');
    const remove = m.reactions?.[emoji]?.includes(chat.identity.accountId) ?? false;
    return { type: 'reaction', target: id, emoji, remove };
  });
}

function ownTarget(chat: Chat, m: ChatMessage): void {
  if (m.from.accountId !== chat.identity.accountId)
    throw new ParleyError('usage', 'only its author can change a message');
}

/** Replace the text of an own message (everyone sees the latest text, marked edited). */
export function edit(chat: Chat, groupIdHex: string, id: string, text: string): Promise<void> {
  checkedText(text);
  return annotate(chat, groupIdHex, id, (m) => {
    ownTarget(chat, m);
    if (m.deleted === true) throw new ParleyError('usage', 'that message was deleted');
    if (m.attachment !== undefined) throw new ParleyError('usage', 'a file cannot be edited');
    return { type: 'edit', target: id, text };
  });
}

/** Delete an own message for everyone: its text leaves every device's store. */
export function deleteMessage(chat: Chat, groupIdHex: string, id: string): Promise<void> {
  return annotate(chat, groupIdHex, id, (m) => {
    ownTarget(chat, m);
    return m.deleted === true ? undefined : { type: 'delete', target: id };
  });
}
