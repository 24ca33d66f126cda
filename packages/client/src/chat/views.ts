/** Read-only views the front ends show: conversation summaries, the list, contacts, history. */
import { groupEpoch } from '@parley/core';
import { storedHistory } from '../storage/messages.js';
import type { Chat } from './context.js';
import { sendingTexts } from './outbox.js';
import type { ChatMessage, ConversationSummary } from './types.js';

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
  };
}

/** Every conversation, the most recently active first. */
export function conversationList(chat: Chat): ConversationSummary[] {
  return chat.conversations
    .ids()
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
  return [...(await storedHistory(chat.store, groupIdHex)), ...(await sendingTexts(chat, groupIdHex))];
}
