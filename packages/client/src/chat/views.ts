/** Read-only views the front ends show: conversation summaries, the list, contacts, history. */
import { groupEpoch, ParleyError } from '@parley/core';
import { failedMessages, storedHistory, storedPage } from '../storage/messages.js';
import { onlyBlocked } from './blocking.js';
import type { Chat } from './context.js';
import { sendingTexts } from './outbox.js';
import { withQuotes } from './quotes.js';
import { suiteInfo } from './suites.js';
import type { ChatMessage, ConversationSummary, HistoryPage, HistoryPageOptions } from './types.js';

/** A conversation as a list shows it. */
export function summary(chat: Chat, groupIdHex: string): ConversationSummary | undefined {
  if (!chat.conversations.known(groupIdHex)) return undefined;
  const state = chat.conversations.state(groupIdHex);
  const meta = chat.conversations.meta(groupIdHex);
  const members = chat.conversations.members(groupIdHex);
  return {
    id: groupIdHex,
    name: meta.name,
    members,
    direct: meta.name === null && members.length === 2,
    unread: meta.unread.length,
    last: meta.last,
    epoch: state === undefined ? 0n : groupEpoch(state),
    leaving: meta.leaving,
    ended: meta.ended,
    removedBy: meta.removedBy,
    forged: meta.forged ?? 0,
    continues: earlierGroups(chat, groupIdHex),
    timer: meta.timer?.seconds ?? 0,
    suite: state === undefined ? undefined : suiteInfo(state.groupContext.cipherSuite),
  };
}

/** The groups a conversation was in before `groupIdHex` (conversation resets), newest first. */
export function earlierGroups(chat: Chat, groupIdHex: string): string[] {
  const chain: string[] = [];
  for (let id = chat.conversations.meta(groupIdHex).continues; id !== undefined; ) {
    if (id === groupIdHex || chain.includes(id)) break; // a loop in stored records: stop
    chain.push(id);
    id = chat.conversations.meta(id).continues;
  }
  return chain;
}

/** Every conversation, the most recently active first. */
export function conversationList(chat: Chat): ConversationSummary[] {
  return chat.conversations
    .ids()
    .filter((id) => chat.conversations.meta(id).continuedBy === undefined) // moved on: shown as its newest group
    .filter((id) => !onlyBlocked(chat, id)) // with blocked accounts alone: their invitations are dropped
    .map((id) => summary(chat, id)!)
    .filter((c) => !(c.ended && c.members.length === 0 && c.last === undefined)) // never started
    .sort((a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0) || a.id.localeCompare(b.id));
}

/** The one-to-one conversation with an account, if there is one. */
export function conversationWith(chat: Chat, accountId: string): string | undefined {
  const wanted = [...new Set([chat.identity.accountId, accountId])].sort().join('\0');
  return chat.conversations.ids().find((id) => {
    const c = summary(chat, id)!;
    return c.name === null && !c.ended && c.members.join('\0') === wanted;
  });
}

/** Contacts: everyone this device shares a conversation with. */
export function contacts(chat: Chat): string[] {
  const all = new Set<string>();
  for (const id of chat.conversations.withState()) for (const m of chat.conversations.members(id)) all.add(m);
  all.delete(chat.identity.accountId);
  return [...all].sort();
}

/** A conversation's history, oldest first, with messages still waiting to be sent at the end. */
export async function history(chat: Chat, groupIdHex: string): Promise<ChatMessage[]> {
  const stored: ChatMessage[] = [];
  for (const id of [...earlierGroups(chat, groupIdHex)].reverse())
    stored.push(...(await storedHistory(chat.store, id)));
  return withQuotes(chat, chat.store, [
    ...stored,
    ...(await storedHistory(chat.store, groupIdHex)),
    ...(await sendingTexts(chat, groupIdHex)),
  ]);
}

/** How many stored messages a page of history holds unless asked otherwise. */
export const HISTORY_PAGE_SIZE = 50;

/**
 * A page of a conversation's history: the latest `limit` stored messages before the `before`
 * cursor, oldest first. Only the latest page (no `before`) ends with the own messages waiting to
 * be sent and those that failed, as the whole history does. Messages arriving later are newer than
 * every page read, so the pages read so far keep their bounds.
 */
export async function historyPage(
  chat: Chat,
  groupIdHex: string,
  options: HistoryPageOptions,
): Promise<HistoryPage> {
  const limit = options.limit ?? HISTORY_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ParleyError('usage', 'a page of history holds at least one message');
  const page = await chainedPage(chat, groupIdHex, options.before, limit);
  const unsent =
    options.before !== undefined
      ? []
      : [...(await failedMessages(chat.store, groupIdHex)), ...(await sendingTexts(chat, groupIdHex))];
  return { ...page, messages: await withQuotes(chat, chat.store, [...page.messages, ...unsent]) };
}

/**
 * A page of stored history across the groups a conversation was in (see earlierGroups). A cursor
 * into an earlier group is `<group id>:<key>` (an empty key: from that group's end); a cursor into
 * the conversation's own group is the plain key, as for a conversation never reset.
 */
async function chainedPage(
  chat: Chat,
  groupIdHex: string,
  before: string | undefined,
  limit: number,
): Promise<HistoryPage> {
  const groups = [groupIdHex, ...earlierGroups(chat, groupIdHex)];
  const at = before?.indexOf(':') ?? -1;
  let index = at < 0 ? 0 : groups.indexOf(before!.slice(0, at));
  if (index < 0) throw new ParleyError('usage', 'that page of history is not part of this conversation');
  let key = at < 0 ? before : before!.slice(at + 1) || undefined;
  const messages: ChatMessage[] = [];
  for (;;) {
    const group = groups[index]!;
    const page = await storedPage(chat.store, group, key, limit - messages.length);
    messages.unshift(...page.messages);
    const cursor = (k: string) => (index === 0 ? k : `${group}:${k}`);
    if (page.earlier !== undefined) return { messages, earlier: cursor(page.earlier) };
    index++;
    key = undefined;
    if (index >= groups.length) return { messages, earlier: undefined };
    if (messages.length >= limit) return { messages, earlier: `${groups[index]}:` };
  }
}
