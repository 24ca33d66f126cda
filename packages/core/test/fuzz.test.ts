/**
 * Property tests (fast-check) for every decoder of bytes that come from outside: WebSocket frames
 * (both directions), application messages, sealed records and the serialised state inside them,
 * device certificates and revocations, and MLS messages. Whatever the input (random bytes, or a
 * valid encoding truncated, extended, or with bytes overwritten) a decoder either returns a value
 * or throws a ParleyError with a stable code: never a TypeError, RangeError or any untyped error,
 * never a hang. Valid encodings round-trip.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  appMessage,
  type ClientFrame,
  decodeAppMessage,
  decodeClientFrame,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  decodeKeyPackage,
  decodeServerFrame,
  deserializeDeviceIdentity,
  deserializeGroupState,
  deserializeKeyPackage,
  encodeAppMessage,
  encodeClientFrame,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  encodeServerFrame,
  encryptApplication,
  generateKeyPackage,
  generateStorageKey,
  identityKeyPairOf,
  issueDeviceRevocation,
  open,
  openDeviceIdentity,
  openGroupState,
  openKeyPackage,
  ParleyError,
  processIncoming,
  type ServerFrame,
  seal,
  sealDeviceIdentity,
  sealGroupState,
  sealKeyPackage,
  serializeDeviceIdentity,
  serializeGroupState,
  serializeKeyPackage,
  utf8,
} from '../src/index.js';
import { makeAccount, pair } from './helpers.js';
import { mutationOf } from './mutations.js';

const RUNS = 2_000;

/** Run a decoder; an untyped exception fails the property (fast-check shrinks to the input). */
function decodesOrTypedError(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): boolean {
  try {
    decode(bytes);
    return true;
  } catch (e) {
    if (e instanceof ParleyError && typeof e.code === 'string' && e.code.length > 0) return true;
    throw new Error(`untyped error from a decoder: ${String(e)}`, { cause: e });
  }
}

async function decodesOrTypedErrorAsync(
  decode: (b: Uint8Array) => Promise<unknown>,
  bytes: Uint8Array,
): Promise<boolean> {
  try {
    await decode(bytes);
    return true;
  } catch (e) {
    if (e instanceof ParleyError && typeof e.code === 'string' && e.code.length > 0) return true;
    throw new Error(`untyped error from a decoder: ${String(e)}`, { cause: e });
  }
}

/** Random bytes, short and long, with the first byte often a valid type. */
const randomBytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 4096 }),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 256 }))
    .map(([t, rest]) => new Uint8Array([t, ...rest])),
);

const gid = new Uint8Array(16).fill(7);
const mid = new Uint8Array(16).fill(9);
const blob = new Uint8Array(100).fill(3);

const clientFrames: ClientFrame[] = [
  { type: 'auth', requestId: 1, accountId: 'alice', deviceId: 'dev1', signature: new Uint8Array(64) },
  { type: 'kp_upload', requestId: 2, keyPackages: [blob, blob], lastResort: blob },
  { type: 'kp_upload', requestId: 2, keyPackages: [], lastResort: null },
  { type: 'kp_claim', requestId: 3, accountId: 'bob', cipherSuite: 'MLS_128' },
  { type: 'kp_count', requestId: 4, cipherSuite: null },
  { type: 'kp_count', requestId: 4, cipherSuite: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' },
  { type: 'group_create', requestId: 5, groupId: gid, cipherSuite: 'MLS_128', groupInfo: blob },
  {
    type: 'send',
    requestId: 6,
    groupId: gid,
    messageId: mid,
    payload: blob,
    welcome: blob,
    groupInfo: blob,
    expiresAt: 1,
    blobIds: [new Uint8Array(16).fill(9), new Uint8Array(16).fill(8)],
  },
  {
    type: 'send',
    requestId: 6,
    groupId: gid,
    messageId: mid,
    payload: blob,
    welcome: null,
    groupInfo: null,
    expiresAt: null,
    blobIds: [],
  },
  { type: 'fetch', requestId: 7, groupId: gid, afterSeq: 12, limit: 100 },
  { type: 'ack', requestId: 8, groupId: gid, seq: 12 },
  { type: 'sync', requestId: 9, after: new Uint8Array() },
  { type: 'sync', requestId: 9, after: gid },
  { type: 'welcome_ack', requestId: 10, groupId: gid, accepted: true },
  { type: 'welcome_ack', requestId: 10, groupId: gid, accepted: false },
  { type: 'presence_query', requestId: 11 },
  { type: 'presence_share', requestId: 14, share: null },
  { type: 'presence_share', requestId: 14, share: true },
  { type: 'group_info_put', requestId: 12, groupId: gid, epoch: 3, groupInfo: blob },
  { type: 'group_info_get', requestId: 13, groupId: gid },
  { type: 'welcome_fetch', requestId: 14, after: gid },
  { type: 'ticket_get', requestId: 15 },
  { type: 'block_list', requestId: 16, accountIds: ['mallory'] },
];

const serverFrames: ServerFrame[] = [
  { type: 'challenge', requestId: 0, challenge: new Uint8Array(32).fill(1), serverTime: 1_700_000_000_000 },
  { type: 'ok', requestId: 1 },
  { type: 'error', requestId: 2, code: 'not_a_member', message: 'no' },
  {
    type: 'kp_bundle',
    requestId: 3,
    accountId: 'bob',
    keyPackages: [{ deviceId: 'd', keyPackage: blob, lastResort: true }],
    transparency: null,
  },
  { type: 'kp_remaining', requestId: 4, oneTime: 5, lastResort: true, cipherSuite: null },
  { type: 'deliver', requestId: 0, groupId: gid, seq: 5, payload: blob },
  { type: 'welcome', requestId: 0, groupId: gid, seq: 5, welcome: blob },
  { type: 'stale_epoch', requestId: 5, epoch: 9 },
  { type: 'sent', requestId: 6, seq: 10, epoch: 9 },
  { type: 'messages', requestId: 7, groupId: gid, items: [{ seq: 1, payload: blob }], more: true },
  {
    type: 'sync_state',
    requestId: 8,
    groups: [{ groupId: gid, epoch: 1, acked: 2, head: 3 }],
    joinable: [gid],
    more: false,
    cursor: new Uint8Array(),
  },
  { type: 'presence', requestId: 9, entries: [{ accountId: 'bob', online: true, lastSeen: 5 }] },
  { type: 'group_info', requestId: 10, groupId: gid, epoch: 2, groupInfo: blob },
  { type: 'welcomes', requestId: 11, items: [{ groupId: gid, seq: 4, welcome: blob }], more: true },
  { type: 'presence_sharing', requestId: 11, share: false },
  { type: 'ticket', requestId: 12, token: 'x'.repeat(43), expiresAt: 5 },
];

describe('WebSocket frame decoders', () => {
  test('every client frame type round-trips', () => {
    for (const f of clientFrames) expect(decodeClientFrame(encodeClientFrame(f))).toEqual(f);
  });

  test('every server frame type round-trips', () => {
    for (const f of serverFrames) expect(decodeServerFrame(encodeServerFrame(f))).toEqual(f);
  });

  test('decodeClientFrame: random and mutated bytes decode or fail with a typed error', () => {
    const seeds = clientFrames.map(encodeClientFrame);
    fc.assert(
      fc.property(fc.oneof(randomBytesArb, mutationOf(seeds)), (b) =>
        decodesOrTypedError(decodeClientFrame, b),
      ),
      { numRuns: RUNS },
    );
  });

  test('decodeServerFrame: random and mutated bytes decode or fail with a typed error', () => {
    const seeds = serverFrames.map(encodeServerFrame);
    fc.assert(
      fc.property(fc.oneof(randomBytesArb, mutationOf(seeds)), (b) =>
        decodesOrTypedError(decodeServerFrame, b),
      ),
      { numRuns: RUNS },
    );
  });

  test('a frame over the size limit is refused as too_large before it is parsed', () => {
    const huge = new Uint8Array(1024 * 1024 + 1);
    huge[0] = 6;
    expect(() => decodeClientFrame(huge)).toThrow(expect.objectContaining({ code: 'too_large' }));
    expect(() => decodeServerFrame(huge)).toThrow(expect.objectContaining({ code: 'too_large' }));
  });

  test('any requestId and well-formed fields round-trip (generated frames)', () => {
    const frame = fc.oneof(
      fc.record({
        type: fc.constant('fetch' as const),
        requestId: fc.nat({ max: 0xffffffff }),
        groupId: fc.uint8Array({ minLength: 1, maxLength: 32 }),
        afterSeq: fc.nat(),
        limit: fc.integer({ min: 1, max: 500 }),
      }),
      fc.record({
        type: fc.constant('send' as const),
        requestId: fc.nat({ max: 0xffffffff }),
        groupId: fc.uint8Array({ minLength: 1, maxLength: 32 }),
        messageId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
        payload: fc.uint8Array({ maxLength: 512 }),
        welcome: fc.option(fc.uint8Array({ maxLength: 512 }), { nil: null }),
        groupInfo: fc.option(fc.uint8Array({ maxLength: 512 }), { nil: null }),
        expiresAt: fc.option(fc.nat(), { nil: null }),
        blobIds: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 8 }),
      }),
      fc.record({
        type: fc.constant('kp_claim' as const),
        requestId: fc.nat({ max: 0xffffffff }),
        accountId: fc.string({ maxLength: 40 }),
        cipherSuite: fc.string({ maxLength: 20 }),
      }),
    );
    fc.assert(
      fc.property(frame, (f) => {
        expect(decodeClientFrame(encodeClientFrame(f))).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });
});

describe('application message decoder', () => {
  const id = 'ab'.repeat(16);
  const bodies = [
    appMessage({ type: 'text', text: 'hello', replyTo: id }),
    appMessage({ type: 'receipt', receipt: 'read', ids: [id, id] }),
    appMessage({ type: 'typing', active: true }),
    appMessage({ type: 'reaction', target: id, emoji: '👍', remove: false }),
    appMessage({ type: 'edit', target: id, text: 'fixed' }),
    appMessage({ type: 'delete', target: id }),
    appMessage({
      type: 'attachment',
      blobId: 'ab'.repeat(16),
      key: new Uint8Array(32),
      sha256: new Uint8Array(32),
      size: 10,
      mimeType: 'text/plain',
      name: 'a.txt',
    }),
    appMessage({ type: 'conversation', name: 'team' }),
  ];

  test('text of any content round-trips', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: 'grapheme' }), fc.nat(), (text, sentAt) => {
        const m = appMessage({ type: 'text', text }, sentAt);
        expect(decodeAppMessage(encodeAppMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  test('random and mutated bytes decode or fail with a typed error', () => {
    const seeds = bodies.map(encodeAppMessage);
    fc.assert(
      fc.property(fc.oneof(randomBytesArb, mutationOf(seeds)), (b) =>
        decodesOrTypedError(decodeAppMessage, b),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('identity decoders', async () => {
  const [a1] = await makeAccount('alice', 2);
  const identity = a1!.device.identity;
  const revocation = await issueDeviceRevocation(
    identityKeyPairOf(identity),
    identity.certificate,
    a1!.device.cs.signature,
  );

  test('device certificates: random and mutated bytes decode or fail with a typed error', () => {
    const seeds = [encodeDeviceCertificate(identity.certificate)];
    fc.assert(
      fc.property(fc.oneof(randomBytesArb, mutationOf(seeds)), (b) =>
        decodesOrTypedError(decodeDeviceCertificate, b),
      ),
      { numRuns: RUNS },
    );
  });

  test('device revocations: random and mutated bytes decode or fail with a typed error', () => {
    const seeds = [encodeDeviceRevocation(revocation)];
    fc.assert(
      fc.property(fc.oneof(randomBytesArb, mutationOf(seeds)), (b) =>
        decodesOrTypedError(decodeDeviceRevocation, b),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('stored records', async () => {
  const { a, b } = await pair();
  const kp = await generateKeyPackage(a.device);
  const key = generateStorageKey();

  const serialised = {
    group: serializeGroupState(a.state!),
    identity: serializeDeviceIdentity(a.device.identity),
    keyPackage: serializeKeyPackage(kp),
  };
  const sealed = {
    group: sealGroupState(key, a.state!),
    identity: sealDeviceIdentity(key, a.device.identity),
    keyPackage: sealKeyPackage(key, kp),
    raw: seal(key, utf8('history'), 'ctx'),
  };

  test('sealed records: any change to a record is refused with a typed error, never opened', () => {
    const openers: Array<(b: Uint8Array) => unknown> = [
      (b) => openGroupState(key, a.device, b),
      (b) => openDeviceIdentity(key, b),
      (b) => openKeyPackage(key, b),
      (b) => open(key, b, 'ctx'),
    ];
    const records = [sealed.group, sealed.identity, sealed.keyPackage, sealed.raw];
    fc.assert(
      fc.property(fc.nat(3), fc.oneof(randomBytesArb, mutationOf(records)), (i, bytes) => {
        const record = records[i]!;
        const same = bytes.length === record.length && bytes.every((v, j) => v === record[j]);
        try {
          openers[i]!(bytes);
        } catch (e) {
          if (e instanceof ParleyError) return true;
          throw new Error(`untyped error opening a record: ${String(e)}`, { cause: e });
        }
        // Only the untouched record opens (AEAD): anything else must have thrown.
        return same;
      }),
      { numRuns: RUNS },
    );
  });

  test('serialised group state, identity and key package: mutated bytes decode or fail with a typed error', () => {
    const decoders: Array<[Uint8Array, (b: Uint8Array) => unknown]> = [
      [serialised.group, (b) => deserializeGroupState(a.device, b)],
      [serialised.identity, deserializeDeviceIdentity],
      [serialised.keyPackage, deserializeKeyPackage],
      [kp.encoded, decodeKeyPackage],
    ];
    for (const [seed, decode] of decoders) {
      fc.assert(
        fc.property(fc.oneof(randomBytesArb, mutationOf([seed])), (bytes) =>
          decodesOrTypedError(decode, bytes),
        ),
        { numRuns: 300 },
      );
    }
  });

  test('MLS messages: mutated ciphertext is refused with a typed error and the state is unchanged', async () => {
    const { message } = await encryptApplication(a.device, a.state!, utf8('hello bob'));
    const before = serializeGroupState(b.state!);
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomBytesArb, mutationOf([message])), async (bytes) => {
        const ok = await decodesOrTypedErrorAsync(async (m) => {
          await processIncoming(b.device, b.state!, m);
        }, bytes);
        // processIncoming returns a new state; the one it was given is untouched.
        expect(serializeGroupState(b.state!)).toEqual(before);
        return ok;
      }),
      { numRuns: 300 },
    );
  });
});
