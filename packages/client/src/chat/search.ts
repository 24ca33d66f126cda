/**
 * Searching this device's own history: a scan of the sealed store, each conversation's messages
 * decrypted newest first, nothing kept beside it (so nothing new to seal, and nothing left of a
 * deleted or expired message). Matching ignores case and diacritics (NFKD, marks dropped): every
 * word must occur in the text.
 */
import { ParleyError } from '@parley/core';
import { storedPage } from '../storage/messages.js';
import type { Chat } from './context.js';
import { expired } from './disappearing.js';
import type { ChatMessage, SearchResult } from './types.js';

/** At most this many results unless asked otherwise. */
export const SEARCH_LIMIT = 50;
const PAGE = 200;
const SNIPPET_CHARS = 80;

/** Lower case, without diacritics: what search compares. */
export function folded(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The conversation a group's messages show in (the newest group of a conversation that was reset). */
function conversationOf(chat: Chat, groupIdHex: string): string {
  let id = groupIdHex;
  for (let n = 0; n < 64; n++) {
    const next = chat.conversations.meta(id).continuedBy;
    if (next === undefined) break;
    id = next;
  }
  return id;
}

function snippet(text: string, word: string): string {
  const plain = folded(text);
  // Folding keeps the text's order: the same offset in the folded text is near enough in the text.
  const at = Math.max(plain.indexOf(word) - SNIPPET_CHARS / 4, 0);
  const start = Math.min(at, Math.max(text.length - SNIPPET_CHARS, 0));
  const cut = text.slice(start, start + SNIPPET_CHARS).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${cut}${start + SNIPPET_CHARS < text.length ? '…' : ''}`;
}

function matches(m: ChatMessage, words: string[], now: number): boolean {
  if (m.deleted === true || expired(m.expiresAt, now) || m.text === '') return false;
  const plain = folded(m.text);
  return words.every((w) => plain.includes(w));
}

/** Messages of every conversation whose text holds all the words, newest first. */
export async function search(chat: Chat, query: string, limit = SEARCH_LIMIT): Promise<SearchResult[]> {
  const words = folded(query)
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) throw new ParleyError('usage', 'search for at least one word');
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ParleyError('usage', 'a search returns at least one result');
  const now = Date.now();
  const found: ChatMessage[] = [];
  for (const groupId of chat.conversations.ids()) {
    let kept = 0;
    for (let before: string | undefined; kept < limit; ) {
      const page = await storedPage(chat.store, groupId, before, PAGE);
      for (const m of page.messages.reverse())
        if (kept < limit && matches(m, words, now)) {
          found.push(m);
          kept++;
        }
      if (page.earlier === undefined) break;
      before = page.earlier;
    }
  }
  found.sort((a, b) => b.sentAt - a.sentAt || b.seq - a.seq);
  return found.slice(0, limit).map((m) => ({
    conversation: conversationOf(chat, m.groupId),
    groupId: m.groupId,
    id: m.id,
    from: m.from.accountId,
    sentAt: m.sentAt,
    snippet: snippet(m.text, words[0]!),
  }));
}
