/**
 * Reporting a message to the server's operator: the person chooses to reveal one message they
 * received — its text, or a file's name, type and size (never its key) — with its sender, place and
 * time, and a reason (server http/reports.ts). Nothing else leaves the device.
 */
import { ParleyError } from '@parley/core';
import { refusalError } from '../attachments/upload.js';
import type { DeviceHttp } from '../deviceHttp.js';
import type { Chat } from './context.js';
import { findMessage } from './quotes.js';

export const MAX_REPORT_REASON_CHARS = 1000;

/** Report message `messageId` of a conversation; resolves with the report's id. */
export async function reportMessage(
  chat: Chat,
  server: DeviceHttp,
  groupIdHex: string,
  messageId: string,
  reason: string,
): Promise<string> {
  const why = reason.trim();
  if (why === '' || [...why].length > MAX_REPORT_REASON_CHARS)
    throw new ParleyError(
      'usage',
      `a report needs a reason of at most ${MAX_REPORT_REASON_CHARS} characters`,
    );
  const m = await findMessage(chat, chat.store, groupIdHex, messageId);
  if (m === undefined) throw new ParleyError('usage', 'there is no such message in this conversation');
  if (m.from.accountId === chat.identity.accountId)
    throw new ParleyError('usage', 'you cannot report your own message');
  if (m.deleted === true) throw new ParleyError('usage', 'that message was deleted');
  const answer = await server.request('POST', '/v1/reports', {
    json: {
      account: m.from.accountId,
      groupId: m.groupId,
      messageId: m.id,
      sentAt: m.sentAt,
      text: m.text,
      ...(m.attachment !== undefined
        ? { file: { name: m.attachment.name, mimeType: m.attachment.mimeType, size: m.attachment.size } }
        : {}),
      reason: why,
    },
  });
  const text = await answer.text();
  if (answer.status !== 201) throw refusalError(answer.status, text);
  return (JSON.parse(text) as { id: string }).id;
}
