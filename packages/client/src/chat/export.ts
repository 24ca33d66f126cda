/**
 * A person's own history, decrypted, to keep outside Parley: every listed conversation with its
 * messages as this device stores them (texts, files by name, type and size — not their keys or
 * bytes — replies, reactions, edits, deletions), as JSON and as one self-contained HTML page.
 * Everything in the page is escaped: names and texts come from other people.
 */
import type { Chat } from './context.js';
import type { ChatMessage } from './types.js';
import { conversationList, history } from './views.js';

export interface ExportedMessage {
  id: string;
  from: string;
  sentAt: number;
  text: string;
  file?: { name: string; mimeType: string; size: number };
  replyTo?: string;
  reactions?: Record<string, string[]>;
  edited?: number;
  deleted?: boolean;
  status: string;
}

export interface HistoryExport {
  format: 'parley-history/1';
  account: string;
  exportedAt: number;
  conversations: Array<{ id: string; name: string | null; members: string[]; messages: ExportedMessage[] }>;
}

function exported(m: ChatMessage): ExportedMessage {
  return {
    id: m.id,
    from: m.from.accountId,
    sentAt: m.sentAt,
    text: m.text,
    ...(m.attachment !== undefined
      ? { file: { name: m.attachment.name, mimeType: m.attachment.mimeType, size: m.attachment.size } }
      : {}),
    ...(m.replyTo !== undefined ? { replyTo: m.replyTo.id } : {}),
    ...(m.reactions !== undefined ? { reactions: m.reactions } : {}),
    ...(m.edited !== undefined ? { edited: m.edited } : {}),
    ...(m.deleted === true ? { deleted: true } : {}),
    status: m.status,
  };
}

/** Every listed conversation's history (its earlier groups included), oldest message first. */
export async function exportHistory(chat: Chat, now = Date.now()): Promise<HistoryExport> {
  const conversations: HistoryExport['conversations'] = [];
  for (const c of conversationList(chat))
    conversations.push({
      id: c.id,
      name: c.name,
      members: c.members,
      messages: (await history(chat, c.id)).map(exported),
    });
  return { format: 'parley-history/1', account: chat.identity.accountId, exportedAt: now, conversations };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML element content and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function messageHtml(m: ExportedMessage): string {
  const when = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 16);
  const body = m.deleted
    ? '<em>message deleted</em>'
    : m.file !== undefined
      ? `📎 ${escapeHtml(m.file.name)} (${m.file.size} bytes)`
      : escapeHtml(m.text).replace(/\n/g, '<br>');
  const reactions =
    m.reactions === undefined
      ? ''
      : ` <span class="r">${Object.entries(m.reactions)
          .map(([emoji, who]) => `${escapeHtml(emoji)} ${who.length}`)
          .join(' ')}</span>`;
  return `<li><time>${when}</time> <b>${escapeHtml(m.from)}</b>: ${body}${m.edited ? ' <i>(edited)</i>' : ''}${reactions}</li>`;
}

/** The export as one HTML page (no scripts, no remote resources). */
export function historyHtml(e: HistoryExport): string {
  const sections = e.conversations.map(
    (c) =>
      `<section><h2>${escapeHtml(c.name ?? c.members.join(', '))}</h2><ul>${c.messages.map(messageHtml).join('\n')}</ul></section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Parley history of ${escapeHtml(e.account)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}ul{list-style:none;padding:0}time{color:#555}.r{color:#555}</style>
</head><body><h1>Parley history of ${escapeHtml(e.account)}</h1>
<p>Exported ${new Date(e.exportedAt).toISOString()}</p>
${sections.join('\n')}
</body></html>
`;
}
