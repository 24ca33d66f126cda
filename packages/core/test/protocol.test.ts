import { describe, expect, test } from 'vitest';
import {
  type ClientFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeServerFrame,
  type ServerFrame,
} from '../src/index.js';
import { codeOf } from './errors.js';

const id = new Uint8Array(16).fill(7);
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

// One sample of every frame type: the mapped types make a missing one a compile error.
const client: { [K in ClientFrame['type']]: Extract<ClientFrame, { type: K }> } = {
  auth: { type: 'auth', requestId: 1, accountId: 'alice', deviceId: 'dev1', signature: bytes(64) },
  kp_upload: {
    type: 'kp_upload',
    requestId: 2,
    keyPackages: [bytes(300), bytes(301)],
    lastResort: bytes(302),
  },
  kp_claim: {
    type: 'kp_claim',
    requestId: 3,
    accountId: 'bob',
    cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  },
  kp_count: { type: 'kp_count', requestId: 4 },
  group_create: { type: 'group_create', requestId: 5, groupId: id, cipherSuite: 'x', groupInfo: bytes(9) },
  send: {
    type: 'send',
    requestId: 6,
    groupId: id,
    messageId: bytes(16, 9),
    payload: bytes(1000),
    welcome: bytes(5),
    groupInfo: bytes(7),
  },
  fetch: { type: 'fetch', requestId: 7, groupId: id, afterSeq: 12, limit: 100 },
  ack: { type: 'ack', requestId: 8, groupId: id, seq: 2 ** 40 },
  sync: { type: 'sync', requestId: 9 },
  welcome_ack: { type: 'welcome_ack', requestId: 10, groupId: id },
  presence_query: { type: 'presence_query', requestId: 11 },
  group_info_put: { type: 'group_info_put', requestId: 12, groupId: id, epoch: 7, groupInfo: bytes(500) },
  group_info_get: { type: 'group_info_get', requestId: 13, groupId: id },
};

const server: { [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> } = {
  challenge: { type: 'challenge', requestId: 0, challenge: bytes(32), serverTime: 1_790_000_000_000 },
  ok: { type: 'ok', requestId: 3 },
  error: { type: 'error', requestId: 4, code: 'not_a_member', message: 'not a member' },
  kp_bundle: {
    type: 'kp_bundle',
    requestId: 5,
    accountId: 'bob',
    keyPackages: [{ deviceId: 'd', keyPackage: bytes(200), lastResort: true }],
  },
  kp_remaining: { type: 'kp_remaining', requestId: 6, oneTime: 3, lastResort: false },
  deliver: { type: 'deliver', requestId: 0, groupId: id, seq: 9, payload: bytes(77) },
  welcome: { type: 'welcome', requestId: 0, groupId: id, seq: 10, welcome: bytes(99) },
  stale_epoch: { type: 'stale_epoch', requestId: 7, epoch: 12 },
  sent: { type: 'sent', requestId: 8, seq: 13, epoch: 4 },
  messages: {
    type: 'messages',
    requestId: 9,
    groupId: id,
    items: [{ seq: 1, payload: bytes(3) }],
    more: true,
  },
  sync_state: {
    type: 'sync_state',
    requestId: 10,
    groups: [{ groupId: id, epoch: 3, acked: 4, head: 9 }],
    welcomes: [{ groupId: id, seq: 2, welcome: bytes(8) }],
    joinable: [id],
  },
  presence: {
    type: 'presence',
    requestId: 0,
    entries: [{ accountId: 'alice', online: false, lastSeen: 123 }],
  },
  group_info: { type: 'group_info', requestId: 14, groupId: id, epoch: 7, groupInfo: bytes(500) },
};

/** The sync_state frame as servers encoded it before `joinable` (its trailing count) was added. */
function olderSyncState(frame: Extract<ServerFrame, { type: 'sync_state' }>): Uint8Array {
  const full = encodeServerFrame({ ...frame, joinable: [] });
  return full.subarray(0, full.length - 4);
}

/** A client frame as a client that predates `groupInfo` encodes it: without the field's flag byte. */
function olderFrame(frame: ClientFrame): Uint8Array {
  const full = encodeClientFrame({ ...frame, groupInfo: null } as ClientFrame);
  return full.subarray(0, full.length - 1);
}

describe('WebSocket frames', () => {
  test.each(Object.values(client).map((f) => [f.type, f] as const))(
    'client frame %s round-trips',
    (_t, frame) => {
      expect(decodeClientFrame(encodeClientFrame(frame))).toEqual(frame);
    },
  );

  test.each(Object.values(server).map((f) => [f.type, f] as const))(
    'server frame %s round-trips',
    (_t, frame) => {
      expect(decodeServerFrame(encodeServerFrame(frame))).toEqual(frame);
    },
  );

  test('every truncation of every frame is a typed decode error, never a crash', () => {
    for (const frame of Object.values(client)) {
      const b = encodeClientFrame(frame);
      // A send or group_create cut just before `groupInfo` is the older frame, valid (see below).
      const older = frame.type === 'send' || frame.type === 'group_create' ? olderFrame(frame).length : -1;
      for (let n = 0; n < b.length; n++) {
        if (n === older) continue;
        expect(['decode_error', 'too_large']).toContain(codeOf(() => decodeClientFrame(b.subarray(0, n))));
      }
      expect(codeOf(() => decodeClientFrame(new Uint8Array([...b, 0])))).toBe('decode_error');
    }
    for (const frame of Object.values(server)) {
      const b = encodeServerFrame(frame);
      // A sync_state cut just before `joinable` is the older frame, which stays valid (see below).
      const older = frame.type === 'sync_state' ? olderSyncState(frame).length : -1;
      for (let n = 0; n < b.length; n++) {
        if (n === older) continue;
        expect(['decode_error', 'too_large']).toContain(codeOf(() => decodeServerFrame(b.subarray(0, n))));
      }
    }
  });

  test('a send or group_create from a client that predates `groupInfo` decodes with none', () => {
    for (const frame of [client.send, client.group_create]) {
      expect(decodeClientFrame(olderFrame(frame))).toEqual({ ...frame, groupInfo: null });
    }
  });

  test('a sync_state from a server that predates `joinable` decodes with none joinable', () => {
    const { joinable: _none, ...rest } = server.sync_state;
    expect(decodeServerFrame(olderSyncState(server.sync_state))).toEqual({ ...rest, joinable: [] });
  });

  test('limits: fetch limit, oversize fields and unknown types are refused', () => {
    const f = encodeClientFrame(client.fetch);
    f[f.length - 1] = 0; // limit 0
    f[f.length - 2] = 0;
    expect(codeOf(() => decodeClientFrame(f))).toBe('decode_error');
    expect(codeOf(() => decodeClientFrame(Uint8Array.from([77, 0, 0, 0, 1])))).toBe('decode_error');
    expect(codeOf(() => decodeClientFrame(new Uint8Array(2 * 1024 * 1024)))).toBe('too_large');
  });
});
