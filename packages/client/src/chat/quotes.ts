/**
 * Replies: a text naming the message it answers (`replyTo`). Only the id is stored; what the reply
 * shows of its target (author, the start of its latest text, or that it was deleted) is read when
 * the history is, so an edit shows in the quotes and a delete leaves no copy of the text behind.
 */
import type { Records } from '../storage/batch.js';
import { messageById } from '../storage/messages.js';
import type { Chat } from './context.js';
import type { ChatMessage, ReplyQuote } from './types.js';
import { earlierGroups } from './views.js';

/** A quote shows at most this many characters of its target's text. */
export const QUOTE_CHARS = 100;

/** A stored message of a conversation (its earlier groups included) by its id. */
export async function findMessage(
  chat: Chat,
  r: Records,
  groupIdHex: string,
  id: string,
): Promise<ChatMessage | undefined> {
  for (const group of [groupIdHex, ...earlierGroups(chat, groupIdHex)]) {
    const found = await messageById(r, group, id);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** What a reply shows of `target`. */
export function quoteOf(target: ChatMessage): ReplyQuote {
  // A file has no text: its quote names it.
  const shown =
    target.attachment !== undefined && target.text === '' ? `📎 ${target.attachment.name}` : target.text;
  const chars = [...shown];
  const text = chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS - 1).join('')}…` : shown;
  return {
    id: target.id,
    from: target.from.accountId,
    text,
    ...(target.deleted === true ? { deleted: true } : {}),
  };
}

/** The messages with the quotes of those that reply filled in (targets looked up in `messages` first). */
export async function withQuotes(chat: Chat, r: Records, messages: ChatMessage[]): Promise<ChatMessage[]> {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const shown: ChatMessage[] = [];
  for (const m of messages) {
    if (m.replyTo === undefined) {
      shown.push(m);
      continue;
    }
    const target = byId.get(m.replyTo.id) ?? (await findMessage(chat, r, m.groupId, m.replyTo.id));
    shown.push({ ...m, replyTo: target === undefined ? { id: m.replyTo.id } : quoteOf(target) });
  }
  return shown;
}
