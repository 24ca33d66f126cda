/**
 * Content messages: the application messages the history shows (a text, or a file). What the two
 * share — a reply target, an expiry — and how either becomes the fields of a ChatMessage.
 */
import { type AppBody, type AttachmentBody, toBase64, toHex } from '@parley/core';
import type { AttachmentInfo, ChatMessage } from './types.js';

export type ContentBody = Extract<AppBody, { type: 'text' }> | AttachmentBody;

export function isContent(body: AppBody): body is ContentBody {
  return body.type === 'text' || body.type === 'attachment';
}

/** What an attachment message shows (its key and digest kept for fetching it). */
export function attachmentInfo(body: AttachmentBody): AttachmentInfo {
  return {
    blobId: body.blobId,
    name: body.name,
    mimeType: body.mimeType,
    size: body.size,
    key: toHex(body.key),
    sha256: toHex(body.sha256),
    ...(body.image !== undefined
      ? {
          width: body.image.width,
          height: body.image.height,
          ...(body.image.thumbnail.length > 0 ? { thumbnail: toBase64(body.image.thumbnail) } : {}),
        }
      : {}),
  };
}

/** A content message's own fields of a ChatMessage: its text or file, reply and expiry. */
export function contentFields(
  body: ContentBody,
): Pick<ChatMessage, 'text' | 'replyTo' | 'expiresAt' | 'attachment'> {
  return {
    text: body.type === 'text' ? body.text : '',
    ...(body.type === 'attachment' ? { attachment: attachmentInfo(body) } : {}),
    ...(body.replyTo !== undefined ? { replyTo: { id: body.replyTo } } : {}),
    ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
  };
}
