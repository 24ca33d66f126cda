/**
 * Parley's WebSocket frames (docs/protocol.md). Binary, in the same canonical encoding as the rest
 * of Parley (encoding.ts): MLS payloads are binary already, so frames carry them as they are instead
 * of inflating them by a third in base64 and parsing JSON for every delivery. The decoder is the
 * schema: every field has a type and a maximum length, and anything else is a DecodeError.
 *
 *   frame = type u8 | requestId u32 | body
 *
 * The client picks requestIds; the server's answer to a request carries the same id (`ok` or
 * `error`); pushes the client did not ask for carry id 0.
 */

import { MESSAGE_ID_BYTES } from './appMessage.js';
import { concatBytes, decodeWith, type Reader, utf8, Writer } from './encoding.js';
import { DecodeError } from './errors.js';
import { MAX_KEY_PACKAGE_BYTES } from './keyPackages.js';

export const MAX_FRAME_BYTES = 1024 * 1024;
export const CHALLENGE_BYTES = 32;
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
const MAX_ACCOUNT = 128;
const MAX_DEVICE = 64;

/** What a device signs to authenticate a connection: label, then the server's fresh challenge. */
export function wsAuthMessage(challenge: Uint8Array): Uint8Array {
  return concatBytes(utf8('parley/v1/ws-auth\0'), challenge);
}

export interface ClaimedKeyPackage {
  deviceId: string;
  keyPackage: Uint8Array;
  lastResort: boolean;
}

export const MAX_GROUP_ID_BYTES = 32;
export const MAX_FETCH = 500;

export interface LoggedMessage {
  seq: number;
  payload: Uint8Array;
}

export interface GroupCursor {
  groupId: Uint8Array;
  epoch: number;
  /** Highest sequence number this device acknowledged. */
  acked: number;
  /** Highest sequence number in the group's log visible to this device. */
  head: number;
}

export interface PendingWelcome {
  groupId: Uint8Array;
  seq: number;
  welcome: Uint8Array;
}

export interface PresenceEntry {
  accountId: string;
  online: boolean;
  /** Milliseconds since the Unix epoch when the account was last connected; 0 if never. */
  lastSeen: number;
}

export type ClientFrame =
  | { type: 'auth'; requestId: number; accountId: string; deviceId: string; signature: Uint8Array }
  | { type: 'kp_upload'; requestId: number; keyPackages: Uint8Array[]; lastResort: Uint8Array | null }
  | { type: 'kp_claim'; requestId: number; accountId: string; cipherSuite: string }
  | { type: 'kp_count'; requestId: number }
  | { type: 'group_create'; requestId: number; groupId: Uint8Array; cipherSuite: string }
  | {
      type: 'send';
      requestId: number;
      groupId: Uint8Array;
      messageId: Uint8Array;
      payload: Uint8Array;
      welcome: Uint8Array | null;
    }
  | { type: 'fetch'; requestId: number; groupId: Uint8Array; afterSeq: number; limit: number }
  | { type: 'ack'; requestId: number; groupId: Uint8Array; seq: number }
  | { type: 'sync'; requestId: number }
  | { type: 'welcome_ack'; requestId: number; groupId: Uint8Array }
  | { type: 'presence_query'; requestId: number }
  | { type: 'group_info_put'; requestId: number; groupId: Uint8Array; epoch: number; groupInfo: Uint8Array }
  | { type: 'group_info_get'; requestId: number; groupId: Uint8Array };

export type ServerFrame =
  | { type: 'challenge'; requestId: 0; challenge: Uint8Array; serverTime: number }
  | { type: 'ok'; requestId: number }
  | { type: 'error'; requestId: number; code: string; message: string }
  | { type: 'kp_bundle'; requestId: number; accountId: string; keyPackages: ClaimedKeyPackage[] }
  | { type: 'kp_remaining'; requestId: number; oneTime: number; lastResort: boolean }
  | { type: 'deliver'; requestId: 0; groupId: Uint8Array; seq: number; payload: Uint8Array }
  | { type: 'welcome'; requestId: 0; groupId: Uint8Array; seq: number; welcome: Uint8Array }
  | { type: 'stale_epoch'; requestId: number; epoch: number }
  | { type: 'sent'; requestId: number; seq: number; epoch: number }
  | { type: 'messages'; requestId: number; groupId: Uint8Array; items: LoggedMessage[]; more: boolean }
  | {
      type: 'sync_state';
      requestId: number;
      groups: GroupCursor[];
      welcomes: PendingWelcome[];
      /** Groups another device of this account is in and this device never was: join by external commit. */
      joinable: Uint8Array[];
    }
  | { type: 'presence'; requestId: number; entries: PresenceEntry[] }
  | { type: 'group_info'; requestId: number; groupId: Uint8Array; epoch: number; groupInfo: Uint8Array };

const CLIENT_TYPES = {
  auth: 1,
  kp_upload: 2,
  kp_claim: 3,
  kp_count: 4,
  group_create: 5,
  send: 6,
  fetch: 7,
  ack: 8,
  sync: 9,
  welcome_ack: 10,
  presence_query: 11,
  group_info_put: 12,
  group_info_get: 13,
} as const;
const SERVER_TYPES = {
  challenge: 128,
  ok: 129,
  error: 130,
  kp_bundle: 131,
  kp_remaining: 132,
  deliver: 133,
  welcome: 134,
  stale_epoch: 135,
  sent: 136,
  messages: 137,
  sync_state: 138,
  presence: 139,
  group_info: 140,
} as const;

function header(type: number, requestId: number): Writer {
  return new Writer().u8(type).u32(requestId);
}

export function encodeClientFrame(f: ClientFrame): Uint8Array {
  const w = header(CLIENT_TYPES[f.type], f.requestId);
  switch (f.type) {
    case 'auth':
      w.string(f.accountId, MAX_ACCOUNT).string(f.deviceId, MAX_DEVICE).fixed(f.signature, 64);
      break;
    case 'kp_upload':
      if (f.keyPackages.length > MAX_KEY_PACKAGES_PER_UPLOAD) throw new RangeError('too many key packages');
      w.u16(f.keyPackages.length);
      for (const kp of f.keyPackages) w.bytes(kp, MAX_KEY_PACKAGE_BYTES);
      w.u8(f.lastResort === null ? 0 : 1);
      if (f.lastResort !== null) w.bytes(f.lastResort, MAX_KEY_PACKAGE_BYTES);
      break;
    case 'kp_claim':
      w.string(f.accountId, MAX_ACCOUNT).string(f.cipherSuite, 64);
      break;
    case 'kp_count':
    case 'sync':
    case 'presence_query':
      break;
    case 'group_create':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).string(f.cipherSuite, 64);
      break;
    case 'send':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES)
        .fixed(f.messageId, MESSAGE_ID_BYTES)
        .bytes(f.payload, MAX_FRAME_BYTES);
      w.u8(f.welcome === null ? 0 : 1);
      if (f.welcome !== null) w.bytes(f.welcome, MAX_FRAME_BYTES);
      break;
    case 'fetch':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.afterSeq).u16(f.limit);
      break;
    case 'ack':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.seq);
      break;
    case 'welcome_ack':
    case 'group_info_get':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES);
      break;
    case 'group_info_put':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.epoch).bytes(f.groupInfo, MAX_FRAME_BYTES);
      break;
    default:
      unreachable(f);
  }
  return w.finish();
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  return decodeWith(bytes, MAX_FRAME_BYTES, 'frame', (r: Reader): ClientFrame => {
    const type = r.u8();
    const requestId = r.u32();
    switch (type) {
      case CLIENT_TYPES.auth:
        return {
          type: 'auth',
          requestId,
          accountId: r.string(MAX_ACCOUNT),
          deviceId: r.string(MAX_DEVICE),
          signature: r.fixed(64),
        };
      case CLIENT_TYPES.kp_upload: {
        const count = r.u16();
        if (count > MAX_KEY_PACKAGES_PER_UPLOAD) throw new DecodeError('too many key packages', 'too_large');
        const keyPackages: Uint8Array[] = [];
        for (let i = 0; i < count; i++) keyPackages.push(r.bytes(MAX_KEY_PACKAGE_BYTES));
        const hasLastResort = r.u8();
        if (hasLastResort > 1) throw new DecodeError('bad flag');
        return {
          type: 'kp_upload',
          requestId,
          keyPackages,
          lastResort: hasLastResort ? r.bytes(MAX_KEY_PACKAGE_BYTES) : null,
        };
      }
      case CLIENT_TYPES.kp_claim:
        return { type: 'kp_claim', requestId, accountId: r.string(MAX_ACCOUNT), cipherSuite: r.string(64) };
      case CLIENT_TYPES.kp_count:
        return { type: 'kp_count', requestId };
      case CLIENT_TYPES.group_create:
        return { type: 'group_create', requestId, groupId: groupIdOf(r), cipherSuite: r.string(64) };
      case CLIENT_TYPES.send: {
        const groupId = groupIdOf(r);
        const messageId = r.fixed(MESSAGE_ID_BYTES);
        const payload = r.bytes(MAX_FRAME_BYTES);
        const hasWelcome = r.u8();
        if (hasWelcome > 1) throw new DecodeError('bad flag');
        return {
          type: 'send',
          requestId,
          groupId,
          messageId,
          payload,
          welcome: hasWelcome ? r.bytes(MAX_FRAME_BYTES) : null,
        };
      }
      case CLIENT_TYPES.fetch: {
        const groupId = groupIdOf(r);
        const afterSeq = r.u64();
        const limit = r.u16();
        if (limit < 1 || limit > MAX_FETCH) throw new DecodeError(`fetch limit must be 1 to ${MAX_FETCH}`);
        return { type: 'fetch', requestId, groupId, afterSeq, limit };
      }
      case CLIENT_TYPES.ack:
        return { type: 'ack', requestId, groupId: groupIdOf(r), seq: r.u64() };
      case CLIENT_TYPES.sync:
        return { type: 'sync', requestId };
      case CLIENT_TYPES.welcome_ack:
        return { type: 'welcome_ack', requestId, groupId: groupIdOf(r) };
      case CLIENT_TYPES.presence_query:
        return { type: 'presence_query', requestId };
      case CLIENT_TYPES.group_info_put:
        return {
          type: 'group_info_put',
          requestId,
          groupId: groupIdOf(r),
          epoch: r.u64(),
          groupInfo: r.bytes(MAX_FRAME_BYTES),
        };
      case CLIENT_TYPES.group_info_get:
        return { type: 'group_info_get', requestId, groupId: groupIdOf(r) };
      default:
        throw new DecodeError(`unknown frame type ${type}`);
    }
  });
}

export function encodeServerFrame(f: ServerFrame): Uint8Array {
  const w = header(SERVER_TYPES[f.type], f.requestId);
  switch (f.type) {
    case 'challenge':
      w.fixed(f.challenge, CHALLENGE_BYTES).u64(f.serverTime);
      break;
    case 'ok':
      break;
    case 'error':
      w.string(f.code, 64).string(f.message, 1024);
      break;
    case 'kp_bundle':
      w.string(f.accountId, MAX_ACCOUNT).u16(f.keyPackages.length);
      for (const kp of f.keyPackages) {
        w.string(kp.deviceId, MAX_DEVICE)
          .u8(kp.lastResort ? 1 : 0)
          .bytes(kp.keyPackage, MAX_KEY_PACKAGE_BYTES);
      }
      break;
    case 'kp_remaining':
      w.u32(f.oneTime).u8(f.lastResort ? 1 : 0);
      break;
    case 'deliver':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.seq).bytes(f.payload, MAX_FRAME_BYTES);
      break;
    case 'welcome':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.seq).bytes(f.welcome, MAX_FRAME_BYTES);
      break;
    case 'stale_epoch':
      w.u64(f.epoch);
      break;
    case 'sent':
      w.u64(f.seq).u64(f.epoch);
      break;
    case 'messages':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES)
        .u16(f.items.length)
        .u8(f.more ? 1 : 0);
      for (const m of f.items) w.u64(m.seq).bytes(m.payload, MAX_FRAME_BYTES);
      break;
    case 'sync_state':
      w.u32(f.groups.length);
      for (const g of f.groups) w.bytes(g.groupId, MAX_GROUP_ID_BYTES).u64(g.epoch).u64(g.acked).u64(g.head);
      w.u32(f.welcomes.length);
      for (const x of f.welcomes)
        w.bytes(x.groupId, MAX_GROUP_ID_BYTES).u64(x.seq).bytes(x.welcome, MAX_FRAME_BYTES);
      w.u32(f.joinable.length);
      for (const g of f.joinable) w.bytes(g, MAX_GROUP_ID_BYTES);
      break;
    case 'presence':
      w.u32(f.entries.length);
      for (const e of f.entries)
        w.string(e.accountId, MAX_ACCOUNT)
          .u8(e.online ? 1 : 0)
          .u64(e.lastSeen);
      break;
    case 'group_info':
      w.bytes(f.groupId, MAX_GROUP_ID_BYTES).u64(f.epoch).bytes(f.groupInfo, MAX_FRAME_BYTES);
      break;
    default:
      unreachable(f);
  }
  return w.finish();
}

/** Compile-time proof that a switch covers every frame type. */
function unreachable(f: never): never {
  throw new RangeError(`unknown frame ${String((f as { type?: unknown }).type)}`);
}

function groupIdOf(r: Reader): Uint8Array {
  const id = r.bytes(MAX_GROUP_ID_BYTES);
  if (id.length === 0) throw new DecodeError('empty group id');
  return id;
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeWith(bytes, MAX_FRAME_BYTES, 'frame', (r: Reader): ServerFrame => {
    const type = r.u8();
    const requestId = r.u32();
    switch (type) {
      case SERVER_TYPES.challenge:
        return { type: 'challenge', requestId: 0, challenge: r.fixed(CHALLENGE_BYTES), serverTime: r.u64() };
      case SERVER_TYPES.ok:
        return { type: 'ok', requestId };
      case SERVER_TYPES.error:
        return { type: 'error', requestId, code: r.string(64), message: r.string(1024) };
      case SERVER_TYPES.kp_bundle: {
        const accountId = r.string(MAX_ACCOUNT);
        const count = r.u16();
        const keyPackages: ClaimedKeyPackage[] = [];
        for (let i = 0; i < count; i++) {
          keyPackages.push({
            deviceId: r.string(MAX_DEVICE),
            lastResort: r.u8() === 1,
            keyPackage: r.bytes(MAX_KEY_PACKAGE_BYTES),
          });
        }
        return { type: 'kp_bundle', requestId, accountId, keyPackages };
      }
      case SERVER_TYPES.kp_remaining:
        return { type: 'kp_remaining', requestId, oneTime: r.u32(), lastResort: r.u8() === 1 };
      case SERVER_TYPES.deliver:
        return {
          type: 'deliver',
          requestId: 0,
          groupId: groupIdOf(r),
          seq: r.u64(),
          payload: r.bytes(MAX_FRAME_BYTES),
        };
      case SERVER_TYPES.welcome:
        return {
          type: 'welcome',
          requestId: 0,
          groupId: groupIdOf(r),
          seq: r.u64(),
          welcome: r.bytes(MAX_FRAME_BYTES),
        };
      case SERVER_TYPES.stale_epoch:
        return { type: 'stale_epoch', requestId, epoch: r.u64() };
      case SERVER_TYPES.sent:
        return { type: 'sent', requestId, seq: r.u64(), epoch: r.u64() };
      case SERVER_TYPES.messages: {
        const groupId = groupIdOf(r);
        const count = r.u16();
        const more = r.u8() === 1;
        const items: LoggedMessage[] = [];
        for (let i = 0; i < count; i++) items.push({ seq: r.u64(), payload: r.bytes(MAX_FRAME_BYTES) });
        return { type: 'messages', requestId, groupId, items, more };
      }
      case SERVER_TYPES.sync_state: {
        const groups: GroupCursor[] = [];
        const n = r.u32();
        for (let i = 0; i < n; i++)
          groups.push({ groupId: groupIdOf(r), epoch: r.u64(), acked: r.u64(), head: r.u64() });
        const welcomes: PendingWelcome[] = [];
        const m = r.u32();
        for (let i = 0; i < m; i++)
          welcomes.push({ groupId: groupIdOf(r), seq: r.u64(), welcome: r.bytes(MAX_FRAME_BYTES) });
        // `joinable` came later: a server that predates it ends the frame here.
        const joinable: Uint8Array[] = [];
        const k = r.remaining > 0 ? r.u32() : 0;
        for (let i = 0; i < k; i++) joinable.push(groupIdOf(r));
        return { type: 'sync_state', requestId, groups, welcomes, joinable };
      }
      case SERVER_TYPES.presence: {
        const entries: PresenceEntry[] = [];
        const n = r.u32();
        for (let i = 0; i < n; i++)
          entries.push({ accountId: r.string(MAX_ACCOUNT), online: r.u8() === 1, lastSeen: r.u64() });
        return { type: 'presence', requestId, entries };
      }
      case SERVER_TYPES.group_info:
        return {
          type: 'group_info',
          requestId,
          groupId: groupIdOf(r),
          epoch: r.u64(),
          groupInfo: r.bytes(MAX_FRAME_BYTES),
        };
      default:
        throw new DecodeError(`unknown frame type ${type}`);
    }
  });
}
