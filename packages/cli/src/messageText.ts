/** A message as the terminal shows it (parley read, parley chat): its text or file, edited mark, reactions, and the quote of a reply. */
import type { ChatMessage } from '@parley/client';
import { fileLine } from './files.js';

/** A message's text as shown: a tombstone once deleted, marked when edited, with its reactions and who reacted. */
export function shownText(m: ChatMessage): string {
  if (m.deleted === true) return '(message deleted)';
  const parts: string[] = [m.attachment !== undefined ? fileLine(m.attachment) : m.text];
  if (m.edited !== undefined) parts.push('(edited)');
  for (const [emoji, who] of Object.entries(m.reactions ?? {})) parts.push(`[${emoji} ${who.join(', ')}]`);
  return parts.join(' ');
}

/** The quote line of a reply, if the message is one. */
export function quoteLine(m: ChatMessage): string | undefined {
  const q = m.replyTo;
  if (q === undefined) return undefined;
  if (q.from === undefined) return '↪ (a message not on this device)';
  return q.deleted === true ? `↪ ${q.from}: (message deleted)` : `↪ ${q.from}: ${q.text}`;
}
