/**
 * Parley's WebSocket frames (docs/protocol.md). Binary, in the same canonical encoding as the rest
 * of Parley (encoding.ts): MLS payloads are binary already, so frames carry them as they are instead
 * of inflating them by a third in base64 and parsing JSON for every delivery. The frame table
 * (protocol/frames.ts) is the schema: every field has a type and a maximum length, and anything
 * else is a DecodeError.
 *
 *   frame = type u8 | requestId u32 | body
 *
 * The client picks requestIds; the server's answer to a request carries the same id (`ok` or
 * `error`); pushes the client did not ask for carry id 0.
 */

import { concatBytes, decodeWith, utf8, Writer } from './encoding.js';
import { DecodeError } from './errors.js';
import { readFields, writeFields } from './protocol/codec.js';
import {
  type ClientFrame,
  FRAMES,
  type Frame,
  type FrameSpec,
  MAX_FRAME_BYTES,
  type ServerFrame,
} from './protocol/frames.js';

export { CLOSE, type CloseKind } from './protocol/close.js';
export {
  CHALLENGE_BYTES,
  type ClaimedKeyPackage,
  type ClientFrame,
  FRAME_OVERHEAD_BYTES,
  type GroupCursor,
  type LoggedMessage,
  MAX_ANSWER_PAYLOAD_BYTES,
  MAX_BLOBS_PER_MESSAGE,
  MAX_BLOCKED_ACCOUNTS,
  MAX_FETCH,
  MAX_FRAME_BYTES,
  MAX_GROUP_ID_BYTES,
  MAX_GROUP_INFO_BYTES,
  MAX_KEY_PACKAGES_PER_UPLOAD,
  MAX_MESSAGE_BYTES,
  MAX_SYNC_GROUPS,
  MAX_WELCOME_BYTES,
  MAX_WELCOMES_PAGE,
  type PendingWelcome,
  type PresenceEntry,
  type ServerFrame,
} from './protocol/frames.js';
export { type GoneMember, MAX_GONE_ITEMS } from './protocol/goneFrames.js';
export {
  type LoggedIdentity,
  type LoggedKey,
  MAX_IDENTITY_ENTRIES,
  MAX_LOG_PAGE,
  type WireTreeHead,
} from './protocol/logFrames.js';

/** What a device signs to authenticate a connection: label, then the server's fresh challenge. */
export function wsAuthMessage(challenge: Uint8Array): Uint8Array {
  return concatBytes(utf8('parley/v1/ws-auth\0'), challenge);
}

type Sender = FrameSpec['from'];
type Entry = { name: Frame['type'] } & FrameSpec;

/** The frames each side sends, by type number. */
const byNumber: Record<Sender, Map<number, Entry>> = { client: new Map(), server: new Map() };
for (const [name, spec] of Object.entries(FRAMES) as [Frame['type'], FrameSpec][]) {
  byNumber[spec.from].set(spec.type, { name, ...spec });
}

function encodeFrame(from: Sender, f: Frame): Uint8Array {
  const spec: FrameSpec | undefined = FRAMES[f.type];
  if (spec?.from !== from) throw new RangeError(`unknown frame ${String(f.type)}`);
  return Writer.pooled((w) => {
    w.u8(spec.type).u32(f.requestId);
    writeFields(w, spec.fields, f as unknown as Record<string, unknown>);
  });
}

function decodeFrame(from: Sender, bytes: Uint8Array): Frame {
  return decodeWith(bytes, MAX_FRAME_BYTES, 'frame', (r) => {
    const type = r.u8();
    const requestId = r.u32();
    const entry = byNumber[from].get(type);
    if (entry === undefined) throw new DecodeError(`unknown frame type ${type}`);
    return {
      type: entry.name,
      requestId: entry.push ? 0 : requestId,
      ...readFields(r, entry.fields),
    } as Frame;
  });
}

export function encodeClientFrame(f: ClientFrame): Uint8Array {
  return encodeFrame('client', f);
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  return decodeFrame('client', bytes) as ClientFrame;
}

export function encodeServerFrame(f: ServerFrame): Uint8Array {
  return encodeFrame('server', f);
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeFrame('server', bytes) as ServerFrame;
}
