/**
 * The application message codec: what Parley puts inside an MLS PrivateMessage.
 *
 *   AppMessage = version(u8 = 1) | id(16) | sentAt(u64 ms) | kind(u8) | body | padding
 *
 * Kinds: text, receipt (delivered/read), typing, reaction, edit, delete, attachment, conversation
 * (the group's name, sent by whoever adds people so newcomers learn it), continuation (the first
 * message of a group that continues a broken one, see docs/recovery.md), timer (the conversation's
 * disappearing-messages setting: seconds, 0 = off), key_log (13: the newest key transparency head
 * the sender accepted, gossiped so members detect a server that shows them different logs). A
 * text sent while a timer is on carries its expiry (`expiresAt`, the sender's clock): a flag bit
 * after the text, then a u64. A decoder that meets an unknown kind returns it as `unknown` (newer
 * clients may send kinds older ones don't know) rather than failing. Ids are random and unique per message; they name messages for receipts,
 * reactions and edits, and make retries idempotent.
 *
 * Padding hides exact lengths: the encoded message is followed by 0x80 and zero bytes (ISO/IEC
 * 7816-4) up to the next size bucket — 64 bytes, then powers of two up to 16 KiB, then multiples of
 * 16 KiB. A bucket leaks at most the order of magnitude of the length.
 */

import { type AttachmentBody, readAttachment, writeAttachment } from './attachmentBody.js';
import { fromHex, Reader, randomBytes, toHex, Writer } from './encoding.js';
import { DecodeError } from './errors.js';
import { MAX_ACCOUNT_ID_BYTES, MAX_DEVICE_ID_BYTES } from './identity.js';
import {
  decodeSignedTreeHead,
  encodeSignedTreeHead,
  SIGNED_TREE_HEAD_BYTES,
  type SignedTreeHead,
} from './transparency/head.js';

export const APP_MESSAGE_VERSION = 1;
export const MESSAGE_ID_BYTES = 16;
export const MAX_TEXT_BYTES = 16 * 1024;
export const MAX_APP_MESSAGE_BYTES = 256 * 1024;
const MAX_RECEIPT_IDS = 256;

const KIND = {
  text: 1,
  receipt: 2,
  typing: 3,
  reaction: 4,
  edit: 5,
  delete: 6,
  attachment: 7,
  conversation: 8,
  continuation: 9,
  timer: 10,
  key_log: 13,
} as const;

/** The longest disappearing-messages timer: four weeks, in seconds. */
export const MAX_TIMER_SECONDS = 28 * 24 * 3600;
/** Flags after a text: a reply (an id follows), an expiry (a u64 follows, after the id if any). */
const TEXT_REPLY = 1;
const TEXT_EXPIRES = 2;

export const MAX_CONVERSATION_NAME_BYTES = 256;
/** A continuation names a group id of at most this length (the protocol's MAX_GROUP_ID_BYTES). */
const MAX_PREVIOUS_GROUP_ID_BYTES = 32;

export type MessageId = string; // 32 lowercase hex characters

export type AppBody =
  | { type: 'text'; text: string; replyTo?: MessageId; expiresAt?: number }
  | { type: 'receipt'; receipt: 'delivered' | 'read'; ids: MessageId[] }
  | { type: 'typing'; active: boolean }
  | { type: 'reaction'; target: MessageId; emoji: string; remove: boolean }
  | { type: 'edit'; target: MessageId; text: string }
  | { type: 'delete'; target: MessageId }
  | AttachmentBody
  | { type: 'conversation'; name: string }
  /** The conversation's disappearing-messages timer: 0 (off) up to MAX_TIMER_SECONDS. */
  | { type: 'timer'; seconds: number }
  | {
      /**
       * This group continues `previousGroupId` (hex), which broke at log position `brokenAtSeq`;
       * `offender` is the device that signed the broken commit (null: its signature did not
       * verify), whose whole account was left out.
       */
      type: 'continuation';
      previousGroupId: string;
      brokenAtSeq: number;
      offender: { accountId: string; deviceId: string } | null;
    }
  /** The newest key transparency head the sender's device accepted (issue #21), for members to compare. */
  | { type: 'key_log'; head: SignedTreeHead }
  | { type: 'unknown'; kind: number };

export interface AppMessage {
  id: MessageId;
  /** Sender's clock, milliseconds since the Unix epoch. */
  sentAt: number;
  body: AppBody;
}

export function newMessageId(): MessageId {
  return toHex(randomBytes(MESSAGE_ID_BYTES));
}

function writeId(w: Writer, id: MessageId): void {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new RangeError('message id must be 32 lowercase hex characters');
  for (let i = 0; i < 32; i += 2) w.u8(Number.parseInt(id.slice(i, i + 2), 16));
}

function readId(r: Reader): MessageId {
  return toHex(r.fixed(MESSAGE_ID_BYTES));
}

export function paddedLength(length: number): number {
  if (length <= 64) return 64;
  if (length <= 16 * 1024) return 2 ** Math.ceil(Math.log2(length));
  return Math.ceil(length / (16 * 1024)) * 16 * 1024;
}

export function encodeAppMessage(m: AppMessage): Uint8Array {
  const w = new Writer().u8(APP_MESSAGE_VERSION);
  writeId(w, m.id);
  w.u64(m.sentAt);
  const b = m.body;
  switch (b.type) {
    case 'text':
      w.u8(KIND.text)
        .string(b.text, MAX_TEXT_BYTES)
        .u8((b.replyTo === undefined ? 0 : TEXT_REPLY) | (b.expiresAt === undefined ? 0 : TEXT_EXPIRES));
      if (b.replyTo !== undefined) writeId(w, b.replyTo);
      if (b.expiresAt !== undefined) w.u64(b.expiresAt);
      break;
    case 'receipt':
      if (b.ids.length === 0 || b.ids.length > MAX_RECEIPT_IDS)
        throw new RangeError('receipt needs 1 to 256 ids');
      w.u8(KIND.receipt)
        .u8(b.receipt === 'read' ? 1 : 0)
        .u16(b.ids.length);
      for (const id of b.ids) writeId(w, id);
      break;
    case 'typing':
      w.u8(KIND.typing).u8(b.active ? 1 : 0);
      break;
    case 'reaction':
      w.u8(KIND.reaction);
      writeId(w, b.target);
      w.string(b.emoji, 64).u8(b.remove ? 1 : 0);
      break;
    case 'edit':
      w.u8(KIND.edit);
      writeId(w, b.target);
      w.string(b.text, MAX_TEXT_BYTES);
      break;
    case 'delete':
      w.u8(KIND.delete);
      writeId(w, b.target);
      break;
    case 'attachment':
      writeAttachment(w.u8(KIND.attachment), b, writeId);
      break;
    case 'conversation':
      w.u8(KIND.conversation).string(b.name, MAX_CONVERSATION_NAME_BYTES);
      break;
    case 'timer':
      if (!Number.isSafeInteger(b.seconds) || b.seconds < 0 || b.seconds > MAX_TIMER_SECONDS)
        throw new RangeError('a timer is 0 to four weeks, in whole seconds');
      w.u8(KIND.timer).u32(b.seconds);
      break;
    case 'continuation':
      w.u8(KIND.continuation)
        .bytes(fromHex(b.previousGroupId), MAX_PREVIOUS_GROUP_ID_BYTES)
        .u64(b.brokenAtSeq)
        .string(b.offender?.accountId ?? '', MAX_ACCOUNT_ID_BYTES)
        .string(b.offender?.deviceId ?? '', MAX_DEVICE_ID_BYTES);
      break;
    case 'key_log':
      w.u8(KIND.key_log).fixed(encodeSignedTreeHead(b.head), SIGNED_TREE_HEAD_BYTES);
      break;
    case 'unknown':
      throw new RangeError('cannot encode a message of unknown kind');
  }
  const body = w.finish();
  const out = new Uint8Array(paddedLength(body.length + 1));
  out.set(body, 0);
  out[body.length] = 0x80;
  return out;
}

function unpad(bytes: Uint8Array): Uint8Array {
  let end = bytes.length - 1;
  while (end >= 0 && bytes[end] === 0) end--;
  if (end < 0 || bytes[end] !== 0x80) throw new DecodeError('application message: bad padding');
  return bytes.subarray(0, end);
}

function bool(r: Reader): boolean {
  const v = r.u8();
  if (v > 1) throw new DecodeError('boolean out of range');
  return v === 1;
}

export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('application message: expected bytes');
  if (bytes.length > MAX_APP_MESSAGE_BYTES)
    throw new DecodeError('application message too large', 'too_large');
  const r = new Reader(unpad(bytes));
  try {
    const version = r.u8();
    if (version !== APP_MESSAGE_VERSION) throw new DecodeError(`unsupported version ${version}`);
    const id = readId(r);
    const sentAt = r.u64();
    const kind = r.u8();
    let body: AppBody;
    switch (kind) {
      case KIND.text:
        body = readText(r);
        break;
      case KIND.receipt: {
        const receipt = bool(r) ? 'read' : 'delivered';
        const count = r.u16();
        if (count === 0 || count > MAX_RECEIPT_IDS) throw new DecodeError('receipt id count out of range');
        const ids: MessageId[] = [];
        for (let i = 0; i < count; i++) ids.push(readId(r));
        body = { type: 'receipt', receipt, ids };
        break;
      }
      case KIND.typing:
        body = { type: 'typing', active: bool(r) };
        break;
      case KIND.reaction:
        body = { type: 'reaction', target: readId(r), emoji: r.string(64), remove: bool(r) };
        break;
      case KIND.edit:
        body = { type: 'edit', target: readId(r), text: r.string(MAX_TEXT_BYTES) };
        break;
      case KIND.delete:
        body = { type: 'delete', target: readId(r) };
        break;
      case KIND.attachment:
        body = readAttachment(r, readId);
        break;
      case KIND.conversation:
        body = { type: 'conversation', name: r.string(MAX_CONVERSATION_NAME_BYTES) };
        break;
      case KIND.continuation:
        body = readContinuation(r);
        break;
      case KIND.timer: {
        const seconds = r.u32();
        if (seconds > MAX_TIMER_SECONDS) throw new DecodeError('timer out of range');
        body = { type: 'timer', seconds };
        break;
      }
      case KIND.key_log:
        body = { type: 'key_log', head: decodeSignedTreeHead(r.fixed(SIGNED_TREE_HEAD_BYTES)) };
        break;
      default:
        r.rest();
        body = { type: 'unknown', kind };
    }
    r.end();
    return { id, sentAt, body };
  } catch (e) {
    if (e instanceof DecodeError)
      throw new DecodeError(`application message: ${e.message}`, e.code as 'decode_error');
    throw new DecodeError('application message: malformed');
  }
}

function readText(r: Reader): Extract<AppBody, { type: 'text' }> {
  const text = r.string(MAX_TEXT_BYTES);
  const flags = r.u8();
  if (flags > (TEXT_REPLY | TEXT_EXPIRES)) throw new DecodeError('text flags out of range');
  const body: Extract<AppBody, { type: 'text' }> = { type: 'text', text };
  if (flags & TEXT_REPLY) body.replyTo = readId(r);
  if (flags & TEXT_EXPIRES) body.expiresAt = r.u64();
  return body;
}

function readContinuation(r: Reader): Extract<AppBody, { type: 'continuation' }> {
  const previous = r.bytes(MAX_PREVIOUS_GROUP_ID_BYTES);
  if (previous.length === 0) throw new DecodeError('continuation: empty group id');
  const brokenAtSeq = r.u64();
  const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
  const deviceId = r.string(MAX_DEVICE_ID_BYTES);
  if ((accountId === '') !== (deviceId === '')) throw new DecodeError('continuation: half an offender');
  return {
    type: 'continuation',
    previousGroupId: toHex(previous),
    brokenAtSeq,
    offender: accountId === '' ? null : { accountId, deviceId },
  };
}

/** A message with a fresh id, stamped now. */
export function appMessage(body: AppBody, now: number = Date.now()): AppMessage {
  return { id: newMessageId(), sentAt: now, body };
}

/** A text message with a fresh id, stamped now. */
export function textMessage(text: string, now: number = Date.now()): AppMessage {
  return appMessage({ type: 'text', text }, now);
}
