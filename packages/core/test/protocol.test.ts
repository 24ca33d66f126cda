import { describe, expect, test } from 'vitest';
import {
  type ClientFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeServerFrame,
  MAX_ANSWER_PAYLOAD_BYTES,
  MAX_FETCH,
  MAX_FRAME_BYTES,
  MAX_GROUP_ID_BYTES,
  MAX_GROUP_INFO_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_SYNC_GROUPS,
  MAX_WELCOME_BYTES,
  MAX_WELCOMES_PAGE,
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
  kp_count: { type: 'kp_count', requestId: 4, cipherSuite: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' },
  group_create: { type: 'group_create', requestId: 5, groupId: id, cipherSuite: 'x', groupInfo: bytes(9) },
  send: {
    type: 'send',
    requestId: 6,
    groupId: id,
    messageId: bytes(16, 9),
    payload: bytes(1000),
    welcome: bytes(5),
    groupInfo: bytes(7),
    expiresAt: 2 ** 41 + 3,
    blobIds: [bytes(16, 3), bytes(16, 4)],
  },
  fetch: { type: 'fetch', requestId: 7, groupId: id, afterSeq: 12, limit: 100 },
  ack: { type: 'ack', requestId: 8, groupId: id, seq: 2 ** 40 },
  sync: { type: 'sync', requestId: 9, after: id },
  welcome_ack: { type: 'welcome_ack', requestId: 10, groupId: id, accepted: true },
  presence_query: { type: 'presence_query', requestId: 11 },
  presence_share: { type: 'presence_share', requestId: 15, share: false },
  ticket_get: { type: 'ticket_get', requestId: 16 },
  block_list: { type: 'block_list', requestId: 17, accountIds: ['mallory', 'eve'] },
  group_info_put: { type: 'group_info_put', requestId: 12, groupId: id, epoch: 7, groupInfo: bytes(500) },
  group_info_get: { type: 'group_info_get', requestId: 13, groupId: id },
  welcome_fetch: { type: 'welcome_fetch', requestId: 14, after: new Uint8Array() },
  log_head_get: { type: 'log_head_get', requestId: 20 },
  log_inclusion_get: { type: 'log_inclusion_get', requestId: 21, index: 5, size: 2 ** 33 },
  log_consistency_get: { type: 'log_consistency_get', requestId: 22, first: 3, second: 9 },
  log_entries_get: { type: 'log_entries_get', requestId: 23, start: 400, limit: 200 },
  log_identity_get: { type: 'log_identity_get', requestId: 26, accountId: 'alice' },
  gone_get: { type: 'gone_get', requestId: 24 },
};

const head = { size: 9, root: bytes(32, 4), timestamp: 1_790_000_000_000, signature: bytes(64, 5) };

const server: { [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> } = {
  challenge: { type: 'challenge', requestId: 0, challenge: bytes(32), serverTime: 1_790_000_000_000 },
  ok: { type: 'ok', requestId: 3 },
  error: { type: 'error', requestId: 4, code: 'not_a_member', message: 'not a member' },
  kp_bundle: {
    type: 'kp_bundle',
    requestId: 5,
    accountId: 'bob',
    keyPackages: [{ deviceId: 'd', keyPackage: bytes(200), lastResort: true }],
    transparency: {
      head,
      keys: [{ deviceId: 'd', index: 7, loggedAt: 12, path: [bytes(32, 6), bytes(32, 7)] }],
    },
  },
  kp_remaining: { type: 'kp_remaining', requestId: 6, oneTime: 3, lastResort: false, cipherSuite: 'x' },
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
    joinable: [id],
    more: true,
    cursor: id,
  },
  presence: {
    type: 'presence',
    requestId: 0,
    entries: [{ accountId: 'alice', online: false, lastSeen: 123 }],
  },
  group_info: { type: 'group_info', requestId: 14, groupId: id, epoch: 7, groupInfo: bytes(500) },
  welcomes: {
    type: 'welcomes',
    requestId: 15,
    items: [{ groupId: id, seq: 2, welcome: bytes(8) }],
    more: false,
  },
  presence_sharing: { type: 'presence_sharing', requestId: 15, share: true },
  ticket: { type: 'ticket', requestId: 16, token: 'A'.repeat(43), expiresAt: 1_900_000_000_000 },
  log_head: { type: 'log_head', requestId: 147, publicKey: bytes(32, 8), head },
  log_inclusion: { type: 'log_inclusion', requestId: 148, index: 3, size: 9, path: [bytes(32, 1)] },
  log_consistency: { type: 'log_consistency', requestId: 149, first: 3, second: 9, path: [] },
  log_entries: { type: 'log_entries', requestId: 150, start: 0, entries: [bytes(90), bytes(4096)] },
  log_identity: {
    type: 'log_identity',
    requestId: 156,
    head,
    entries: [{ index: 2, entry: bytes(60), path: [bytes(32, 6), bytes(32, 7)] }],
  },
  gone: {
    type: 'gone',
    requestId: 151,
    items: [
      { groupId: bytes(32, 3), accountId: 'bob', logIndex: 7, loggedAt: 1_700_000_000_000, removedSeq: 0 },
    ],
    more: false,
  },
  account_gone: { type: 'account_gone', requestId: 0, accountId: 'bob' },
};

/**
 * A client frame as a client that predates `groupInfo` encodes it: without the flag bytes of it and
 * of `expiresAt`, which came after it in `send`.
 */
function olderFrame(frame: ClientFrame): Uint8Array {
  const send = frame.type === 'send';
  const full = encodeClientFrame({
    ...frame,
    groupInfo: null,
    ...(send ? { expiresAt: null, blobIds: [] } : {}),
  } as ClientFrame);
  // A send: groupInfo's and expiresAt's flag bytes and blobIds' u16 count.
  return full.subarray(0, full.length - (send ? 4 : 1));
}

/** A kp_count or kp_remaining as sent before `cipherSuite`: without that field's flag byte. */
function withoutSuite(frame: ClientFrame | ServerFrame): Uint8Array {
  const full =
    frame.type === 'kp_count'
      ? encodeClientFrame({ ...frame, cipherSuite: null })
      : encodeServerFrame({ ...(frame as ServerFrame & { type: 'kp_remaining' }), cipherSuite: null });
  return full.subarray(0, full.length - 1);
}

/** A send as a client that predates `expiresAt` encodes it: without that field's flag byte. */
function sendBeforeExpiry(): Uint8Array {
  const full = encodeClientFrame({ ...client.send, expiresAt: null, blobIds: [] } as ClientFrame);
  return full.subarray(0, full.length - 3);
}

/** A send as a client that predates `blobIds` encodes it: without their count. */
function sendBeforeBlobs(): Uint8Array {
  const full = encodeClientFrame({ ...client.send, blobIds: [] } as ClientFrame);
  return full.subarray(0, full.length - 2);
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
      // A frame cut just before a field added later (`accepted`, `groupInfo`) is the older frame,
      // which stays valid (see below).
      const older =
        frame.type === 'welcome_ack'
          ? b.length - 1
          : frame.type === 'send' || frame.type === 'group_create'
            ? olderFrame(frame).length
            : frame.type === 'kp_count'
              ? withoutSuite(frame).length
              : -1;
      const beforeExpiry = frame.type === 'send' ? sendBeforeExpiry().length : -1;
      const beforeBlobs = frame.type === 'send' ? sendBeforeBlobs().length : -1;
      for (let n = 0; n < b.length; n++) {
        if (n === older || n === beforeExpiry || n === beforeBlobs) continue;
        expect(['decode_error', 'too_large']).toContain(codeOf(() => decodeClientFrame(b.subarray(0, n))));
      }
      expect(codeOf(() => decodeClientFrame(new Uint8Array([...b, 0])))).toBe('decode_error');
    }
    for (const frame of Object.values(server)) {
      const b = encodeServerFrame(frame);
      const older =
        frame.type === 'kp_remaining'
          ? withoutSuite(frame).length
          : frame.type === 'kp_bundle'
            ? encodeServerFrame({ ...frame, transparency: null }).length - 1
            : -1;
      for (let n = 0; n < b.length; n++) {
        if (n === older) continue;
        expect(['decode_error', 'too_large']).toContain(codeOf(() => decodeServerFrame(b.subarray(0, n))));
      }
    }
  });

  test('a kp_count or kp_remaining that predates `cipherSuite` decodes as naming none (the default suite)', () => {
    const count = withoutSuite(client.kp_count);
    expect(decodeClientFrame(count)).toEqual({ ...client.kp_count, cipherSuite: null });
    const left = withoutSuite(server.kp_remaining);
    expect(decodeServerFrame(left)).toEqual({ ...server.kp_remaining, cipherSuite: null });
  });

  test('a kp_bundle from a server that predates key transparency decodes with none (clients refuse its keys)', () => {
    const b = encodeServerFrame({ ...server.kp_bundle, transparency: null });
    expect(decodeServerFrame(b.subarray(0, b.length - 1))).toEqual({
      ...server.kp_bundle,
      transparency: null,
    });
  });

  test('a welcome_ack from a client that predates `accepted` decodes as not accepted', () => {
    const b = encodeClientFrame(client.welcome_ack);
    expect(decodeClientFrame(b.subarray(0, b.length - 1))).toEqual({
      ...client.welcome_ack,
      accepted: false,
    });
  });

  test('presence_share reads the setting when `share` is absent', () => {
    const read = { type: 'presence_share', requestId: 3, share: null } as const;
    expect(decodeClientFrame(encodeClientFrame(read))).toEqual(read);
  });

  test('a send or group_create from a client that predates `groupInfo` decodes with none', () => {
    expect(decodeClientFrame(olderFrame(client.send))).toEqual({
      ...client.send,
      groupInfo: null,
      expiresAt: null,
      blobIds: [],
    });
    expect(decodeClientFrame(olderFrame(client.group_create))).toEqual({
      ...client.group_create,
      groupInfo: null,
    });
  });

  test('a send from a client that predates `expiresAt` decodes with none', () => {
    expect(decodeClientFrame(sendBeforeExpiry())).toEqual({ ...client.send, expiresAt: null, blobIds: [] });
  });

  test('a send from a client that predates `blobIds` decodes with none; more than 8 do not decode', () => {
    expect(decodeClientFrame(sendBeforeBlobs())).toEqual({ ...client.send, blobIds: [] });
    const nine = { ...client.send, blobIds: Array.from({ length: 9 }, (_, i) => bytes(16, i)) };
    expect(() => encodeClientFrame(nine as ClientFrame)).toThrow(RangeError);
    const eight = encodeClientFrame({ ...nine, blobIds: nine.blobIds.slice(0, 8) } as ClientFrame);
    // The same frame, its count raised to 9 and a ninth id appended.
    const raised = new Uint8Array([...eight, ...bytes(16, 8)]);
    raised[eight.length - 8 * 16 - 1] = 9;
    expect(codeOf(() => decodeClientFrame(raised))).toBe('too_large');
  });

  test('limits: fetch limit, oversize fields and unknown types are refused', () => {
    const f = encodeClientFrame(client.fetch);
    f[f.length - 1] = 0; // limit 0
    f[f.length - 2] = 0;
    expect(codeOf(() => decodeClientFrame(f))).toBe('decode_error');
    expect(codeOf(() => decodeClientFrame(Uint8Array.from([77, 0, 0, 0, 1])))).toBe('decode_error');
    expect(codeOf(() => decodeClientFrame(new Uint8Array(2 * 1024 * 1024)))).toBe('too_large');
  });

  test('sizes agree: every frame that carries a maximal message, Welcome or GroupInfo fits the frame limit and decodes', () => {
    const gid = bytes(MAX_GROUP_ID_BYTES, 2);
    const big = (n: number) => bytes(n, 5);
    const seq = Number.MAX_SAFE_INTEGER;
    const carrying: (ClientFrame | ServerFrame)[] = [
      {
        type: 'send',
        requestId: 2 ** 32 - 1,
        groupId: gid,
        messageId: bytes(16),
        payload: big(MAX_MESSAGE_BYTES),
        welcome: null,
        groupInfo: null,
        expiresAt: seq,
        blobIds: Array.from({ length: 8 }, (_, i) => bytes(16, i)),
      },
      {
        type: 'group_info_put',
        requestId: 1,
        groupId: gid,
        epoch: seq,
        groupInfo: big(MAX_GROUP_INFO_BYTES),
      },
      { type: 'deliver', requestId: 0, groupId: gid, seq, payload: big(MAX_MESSAGE_BYTES) },
      { type: 'welcome', requestId: 0, groupId: gid, seq, welcome: big(MAX_WELCOME_BYTES) },
      {
        type: 'messages',
        requestId: 1,
        groupId: gid,
        items: [{ seq, payload: big(MAX_MESSAGE_BYTES) }],
        more: true,
      },
      {
        type: 'welcomes',
        requestId: 1,
        items: [{ groupId: gid, seq, welcome: big(MAX_WELCOME_BYTES) }],
        more: true,
      },
      { type: 'group_info', requestId: 1, groupId: gid, epoch: seq, groupInfo: big(MAX_GROUP_INFO_BYTES) },
    ];
    for (const f of carrying) {
      const client = f.type === 'send' || f.type === 'group_info_put';
      const encoded = client ? encodeClientFrame(f as ClientFrame) : encodeServerFrame(f as ServerFrame);
      expect(encoded.length, f.type).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      // Compared as bytes (a deep comparison of megabytes is slow): decoding loses nothing.
      const again = client
        ? encodeClientFrame(decodeClientFrame(encoded))
        : encodeServerFrame(decodeServerFrame(encoded));
      expect(Buffer.compare(again, encoded), f.type).toBe(0);
    }
    // A full page: as many items as allowed, MAX_ANSWER_PAYLOAD_BYTES of payload in all.
    const share = (n: number) => big(Math.floor(MAX_ANSWER_PAYLOAD_BYTES / n));
    const fullPage: ServerFrame[] = [
      {
        type: 'messages',
        requestId: 1,
        groupId: gid,
        items: Array.from({ length: MAX_FETCH }, () => ({ seq, payload: share(MAX_FETCH) })),
        more: true,
      },
      {
        type: 'welcomes',
        requestId: 1,
        items: Array.from({ length: MAX_WELCOMES_PAGE }, () => ({
          groupId: gid,
          seq,
          welcome: share(MAX_WELCOMES_PAGE),
        })),
        more: true,
      },
      {
        type: 'sync_state',
        requestId: 1,
        groups: Array.from({ length: MAX_SYNC_GROUPS }, () => ({
          groupId: gid,
          epoch: seq,
          acked: seq,
          head: seq,
        })),
        joinable: Array.from({ length: MAX_SYNC_GROUPS }, () => gid),
        more: true,
        cursor: gid,
      },
    ];
    for (const f of fullPage) {
      const encoded = encodeServerFrame(f);
      expect(encoded.length, f.type).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      expect(Buffer.compare(encodeServerFrame(decodeServerFrame(encoded)), encoded), f.type).toBe(0);
    }
  });

  test('a message, Welcome or GroupInfo one byte over its limit is refused as too_large, by the encoder and the decoder', () => {
    const over = bytes(MAX_MESSAGE_BYTES + 1);
    const send = { ...client.send, payload: over, welcome: null };
    expect(() => encodeClientFrame(send)).toThrow(RangeError);
    expect(() =>
      encodeClientFrame({ ...client.send, payload: bytes(1), welcome: bytes(MAX_WELCOME_BYTES + 1) }),
    ).toThrow(RangeError);
    // Built by hand, as a client that ignores the limit would: the server's decoder refuses it.
    const ok = encodeClientFrame({ ...send, payload: bytes(MAX_MESSAGE_BYTES) });
    const lengthAt = 1 + 4 + 1 + id.length + 16;
    const forged = new Uint8Array(ok.length + 1);
    forged.set(ok.subarray(0, lengthAt));
    new DataView(forged.buffer).setUint32(lengthAt, MAX_MESSAGE_BYTES + 1);
    forged.set(over, lengthAt + 4);
    forged[forged.length - 1] = 0; // no Welcome
    expect(codeOf(() => decodeClientFrame(forged))).toBe('too_large');
  });
});
