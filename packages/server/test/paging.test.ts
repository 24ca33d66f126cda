/**
 * Every answer bounded by bytes and paged (issue #15 item 2), seen from a raw socket against the
 * real server program: `messages`, `welcomes` and `sync_state` frames as they arrive, their sizes
 * read off the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addKeyPackages,
  createGroup,
  DEFAULT_CIPHERSUITE,
  decodeServerFrame,
  encodeAppMessage,
  encodeClientFrame,
  encryptApplication,
  exportGroupInfo,
  generateKeyPackages,
  MAX_ANSWER_PAYLOAD_BYTES,
  MAX_FETCH,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_SYNC_GROUPS,
  MAX_WELCOME_BYTES,
  randomBytes,
  type ServerFrame,
  textMessage,
  toHex,
} from '@parley/core';
import {
  inflatePrivateMessage,
  inflateWelcome,
  type ServerProcess,
  startServerProcess,
} from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { freshPostgres } from './helpers.js';
import { chattingPair, type Device, device } from './pair.js';
import { WsClient } from './wsClient.js';

let server: ServerProcess | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The server program on a fresh data directory (and database, when given), without a rate limit in the way. */
async function start(args: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-paging-'));
  server = await startServerProcess(dir, { limits: { messagesPerSecond: 10_000 }, args });
  const running = server;
  cleanups.push(async () => {
    running.child.kill('SIGTERM');
    await running.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return server.url;
}

/** Each answer of `type` the device's socket receives, as decoded, with its size on the wire. */
function frameSizes(d: Device, type: number): Array<{ bytes: number; items: number }> {
  const seen: Array<{ bytes: number; items: number }> = [];
  d.ws.socket.on('message', (data: Buffer) => {
    if (data[0] !== type) return;
    const f = decodeServerFrame(new Uint8Array(data));
    seen.push({ bytes: data.length, items: 'items' in f ? f.items.length : 0 });
  });
  return seen;
}

/** An answer frame's bound: a page over one item stays within the payload bound (plus framing). */
function bounded(frame: { bytes: number; items: number }): boolean {
  const framing = 64 + MAX_FETCH * 16;
  return frame.items <= 1
    ? frame.bytes <= MAX_FRAME_BYTES
    : frame.bytes <= MAX_ANSWER_PAYLOAD_BYTES + framing;
}

/** Send one MLS message; its position in the log. */
async function sendPayload(d: Device, groupId: Uint8Array, payload: Uint8Array): Promise<number> {
  const sent = await d.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload,
    welcome: null,
  });
  if (sent.type !== 'sent') throw new Error(`send refused: ${JSON.stringify(sent)}`);
  return sent.seq;
}

/** alice sends application messages of these sizes (ciphertext grown to the size; 0: as it is). */
async function backlog(alice: Device, groupId: Uint8Array, sizes: number[]): Promise<void> {
  for (const size of sizes) {
    const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('x')));
    alice.state = e.newState;
    const payload = size > e.message.length ? inflatePrivateMessage(e.message, size) : e.message;
    await sendPayload(alice, groupId, payload);
  }
}

/** Every seq after `afterSeq`, fetched page by page. */
async function fetchAll(d: Device, groupId: Uint8Array): Promise<number[]> {
  const seqs: number[] = [];
  for (let after = 0; ; ) {
    const page = await d.ws.request({ type: 'fetch', groupId, afterSeq: after, limit: MAX_FETCH });
    if (page.type !== 'messages') throw new Error(`fetch refused: ${JSON.stringify(page)}`);
    expect(page.items.length).toBeGreaterThan(0);
    seqs.push(...page.items.map((m) => m.seq));
    after = page.items.at(-1)!.seq;
    if (!page.more) return seqs;
  }
}

async function largeBacklogInBoundedPages(url: string): Promise<void> {
  const { alice, bob, groupId } = await chattingPair(url);
  cleanups.push(
    () => alice.ws.close(),
    () => bob.ws.close(),
  );
  const sizes = [...Array.from({ length: 20 }, () => 200_000), MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES, 0, 0];
  await backlog(alice, groupId, sizes);
  const pages = frameSizes(bob, 137);
  const one = await fetchAll(bob, groupId);
  expect(one.length).toBeGreaterThanOrEqual(sizes.length);
  // Eight catch-ups of the whole backlog at once: each page as bounded as one alone.
  const eight = await Promise.all(Array.from({ length: 8 }, () => fetchAll(bob, groupId)));
  for (const seqs of eight) expect(seqs).toEqual(one);
  expect(pages.length).toBeGreaterThanOrEqual(9 * 12);
  // The maximal messages come one to a page, the 200 KB ones two to a page.
  expect(pages.filter((p) => !bounded(p))).toEqual([]);
}

test('fetch answers are bounded by bytes: a backlog of large and maximal messages comes in pages of at most 512 KiB (a maximal message alone), also for eight fetches at once', async () => {
  await largeBacklogInBoundedPages(await start());
}, 120_000);

test('PostgreSQL: fetch answers are bounded by bytes, also for eight fetches at once', async (ctx) => {
  const postgres = await freshPostgres();
  if (postgres === undefined) return ctx.skip();
  cleanups.push(() => postgres.drop());
  await largeBacklogInBoundedPages(await start(['--database', postgres.url]));
}, 120_000);

test('sync_state pages through many groups: at most 256 an answer, each group once, in order', async () => {
  const url = await start();
  const carol = await device(url, 'carol');
  cleanups.push(() => carol.ws.close());
  const ids: Uint8Array[] = [];
  for (let i = 0; i < MAX_SYNC_GROUPS + 44; i++) {
    const state = await createGroup(carol.mls);
    const groupId = state.groupContext.groupId;
    const created = await carol.ws.request({
      type: 'group_create',
      groupId,
      cipherSuite: DEFAULT_CIPHERSUITE,
      groupInfo: await exportGroupInfo(carol.mls, state),
    });
    expect(created.type).toBe('ok');
    ids.push(groupId);
  }
  const pages: Array<Extract<ServerFrame, { type: 'sync_state' }>> = [];
  for (let after: Uint8Array = new Uint8Array(); ; ) {
    const page = await carol.ws.request({ type: 'sync', after });
    if (page.type !== 'sync_state') throw new Error(`sync refused: ${JSON.stringify(page)}`);
    pages.push(page);
    if (!page.more) break;
    after = page.cursor;
  }
  expect(pages.map((p) => p.groups.length)).toEqual([MAX_SYNC_GROUPS, 44]);
  const listed = pages.flatMap((p) => p.groups.map((g) => toHex(g.groupId)));
  expect(listed).toEqual(ids.map(toHex).sort());
});

test('Welcomes as large as the server accepts come one to a page, each frame within the limit', async () => {
  const url = await start();
  const alice = await device(url, 'alice');
  const bob = await device(url, 'bob');
  cleanups.push(
    () => alice.ws.close(),
    () => bob.ws.close(),
  );
  const kps = await generateKeyPackages(bob.mls, 3);
  await bob.ws.request({ type: 'kp_upload', keyPackages: kps.map((k) => k.encoded), lastResort: null });
  bob.ws.close(); // offline: the Welcomes wait for him
  const groups: string[] = [];
  for (let i = 0; i < kps.length; i++) {
    const state = await createGroup(alice.mls);
    const groupId = state.groupContext.groupId;
    expect(
      (
        await alice.ws.request({
          type: 'group_create',
          groupId,
          cipherSuite: DEFAULT_CIPHERSUITE,
          groupInfo: await exportGroupInfo(alice.mls, state),
        })
      ).type,
    ).toBe('ok');
    const bundle = await alice.ws.request({
      type: 'kp_claim',
      accountId: 'bob',
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (bundle.type !== 'kp_bundle') throw new Error('no key package for bob');
    const add = await addKeyPackages(alice.mls, state, [bundle.keyPackages[0]!.keyPackage]);
    const welcome = inflateWelcome(
      add.welcome!,
      Math.min(MAX_WELCOME_BYTES, MAX_FRAME_BYTES - add.commit.length - add.groupInfo.length - 128),
    );
    const sent = await alice.ws.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: add.commit,
      welcome,
      groupInfo: add.groupInfo,
    });
    expect(sent.type).toBe('sent');
    groups.push(toHex(groupId));
  }
  const ws = await WsClient.connect(url, bob.identity);
  cleanups.push(() => ws.close());
  const again: Device = { ...bob, ws };
  const sizes = frameSizes(again, 141);
  const received: string[] = [];
  for (let after: Uint8Array = new Uint8Array(); ; ) {
    const page = await ws.request({ type: 'welcome_fetch', after });
    if (page.type !== 'welcomes') throw new Error(`welcome_fetch refused: ${JSON.stringify(page)}`);
    received.push(...page.items.map((w) => toHex(w.groupId)));
    if (!page.more) break;
    after = page.items.at(-1)!.groupId;
  }
  expect(received).toEqual([...groups].sort());
  expect(sizes.map((s) => s.items)).toEqual([1, 1, 1]);
  expect(sizes.filter((s) => s.bytes > MAX_FRAME_BYTES)).toEqual([]);
}, 120_000);

/** A `send` frame as a client that ignores the limit builds it: the payload one byte over. */
function oversizeSend(requestId: number, groupId: Uint8Array, payload: Uint8Array): Uint8Array {
  const at = encodeClientFrame({
    type: 'send',
    requestId,
    groupId,
    messageId: randomBytes(16),
    payload,
    welcome: null,
  });
  const lengthAt = 1 + 4 + 1 + groupId.length + 16;
  const over = new Uint8Array(at.length + 1);
  over.set(at.subarray(0, lengthAt));
  new DataView(over.buffer).setUint32(lengthAt, payload.length + 1);
  over.set(payload, lengthAt + 4);
  over[lengthAt + 4 + payload.length] = 7; // the extra byte
  over[over.length - 1] = 0; // no Welcome
  return over;
}

test('sizes agree: a message at the limit is accepted and handed back whole in one frame; one byte more is refused as too_large', async () => {
  const url = await start();
  const { alice, bob, groupId } = await chattingPair(url);
  cleanups.push(
    () => alice.ws.close(),
    () => bob.ws.close(),
  );
  const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('x')));
  const payload = inflatePrivateMessage(e.message, MAX_MESSAGE_BYTES);
  const refused = new Promise<ServerFrame>((resolve) =>
    alice.ws.socket.on('message', (data: Buffer) => {
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.requestId === 77_777) resolve(f);
    }),
  );
  alice.ws.socket.send(oversizeSend(77_777, groupId, payload));
  expect(await refused).toMatchObject({ type: 'error', code: 'too_large' });
  const seq = await sendPayload(alice, groupId, payload);
  const pages = frameSizes(bob, 137);
  const page = await bob.ws.request({ type: 'fetch', groupId, afterSeq: seq - 1, limit: MAX_FETCH });
  expect(page.type === 'messages' && Buffer.compare(page.items[0]!.payload, payload)).toBe(0);
  expect(pages).toHaveLength(1);
  expect(pages[0]!.bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
}, 120_000);
