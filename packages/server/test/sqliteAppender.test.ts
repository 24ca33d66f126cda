/**
 * SQLite's writer thread (sqliteAppender.ts): batches made only of application messages and acks
 * are written there, in one durable transaction each, with the same checks as one by one; a batch
 * the thread cannot write changes nothing and is written on the main connection instead; a thread
 * that is gone loses nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeAppMessage,
  encodeAppMessage,
  encryptApplication,
  processIncoming,
  randomBytes,
  textMessage,
} from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import { KIND } from '../src/delivery/policy.js';
import { buildServer, DEFAULT_CONFIG, type ParleyServer } from '../src/index.js';
import { AppenderFailed, type AppendOp } from '../src/sqliteAppender.js';
import { sqliteAppenderOf } from '../src/sqliteDriver.js';
import { chattingPair, type Device, device } from './pair.js';

// Built from the sources: the writer thread is looked up by the sources' own driver.
let server: ParleyServer | undefined;
let dataDir: string | undefined;
const devices: Device[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) d.ws.close();
  await server?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  server = undefined;
  dataDir = undefined;
});

async function started() {
  dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  server = await buildServer({ ...DEFAULT_CONFIG, dataDir, logLevel: 'silent' });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const pair = await chattingPair(url);
  devices.push(pair.alice, pair.bob);
  return { ...pair, url, db: server.db, appender: sqliteAppenderOf(server.db as never)! };
}

/** `n` messages from `from`, encrypted in turn and sent all at once (so they share batches). */
async function sendMany(from: Device, groupId: Uint8Array, texts: string[]) {
  const payloads: Uint8Array[] = [];
  for (const text of texts) {
    const e = await encryptApplication(from.mls, from.state!, encodeAppMessage(textMessage(text)));
    from.state = e.newState;
    payloads.push(e.message);
  }
  return Promise.all(
    payloads.map((payload) =>
      from.ws.request({ type: 'send', groupId, messageId: randomBytes(16), payload, welcome: null }),
    ),
  );
}

/** What `to` reads of the group's log from the start, decrypted in order. */
async function readAll(to: Device, groupId: Uint8Array): Promise<{ seqs: number[]; texts: string[] }> {
  const page = await to.ws.request({ type: 'fetch', groupId, afterSeq: 0, limit: 500 });
  if (page.type !== 'messages') throw new Error(`no page: ${page.type}`);
  const seqs: number[] = [];
  const texts: string[] = [];
  for (const item of page.items) {
    seqs.push(item.seq);
    const p = await processIncoming(to.mls, to.state!, item.payload);
    to.state = p.newState;
    if (p.kind === 'application') texts.push((decodeAppMessage(p.plaintext).body as { text: string }).text);
  }
  return { seqs, texts };
}

const texts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `message ${from + i}`);

test('on SQLite, messages and acks are written by the writer thread: each stored once, in order, and read back', async () => {
  const { alice, bob, groupId, db, appender } = await started();
  const before = appender.written();
  const answers = await sendMany(alice, groupId, texts(1, 40));
  const seqs = answers.map((a) => (a.type === 'sent' ? a.seq : -1));
  expect(seqs.every((s) => s > 0)).toBe(true);
  // Sent in one go, answered with consecutive places in the order sent.
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  const after = appender.written();
  expect(after.ops - before.ops).toBe(40);
  // Sent together, they were written together: fewer transactions than messages.
  expect(after.batches - before.batches).toBeLessThan(40);

  const read = await readAll(bob, groupId);
  expect(read.texts.filter((t) => t.startsWith('message'))).toHaveLength(40);
  expect(read.seqs.slice(-40)).toEqual(seqs);
  // An ack goes through the thread too.
  const last = seqs.at(-1)!;
  const ack = await bob.ws.request({ type: 'ack', groupId, seq: last });
  expect(ack.type).toBe('ok');
  expect(appender.written().ops).toBe(after.ops + 1);
  const cursor = await db
    .selectFrom('group_members')
    .select('acked_seq')
    .where('username', '=', bob.identity.accountId)
    .executeTakeFirstOrThrow();
  expect(cursor.acked_seq).toBe(last);
});

test("a message sent twice in one batch is stored once: the second gets the first one's place", async () => {
  const { alice, groupId, appender } = await started();
  const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('once')));
  alice.state = e.newState;
  const messageId = randomBytes(16);
  const frame = { type: 'send', groupId, messageId, payload: e.message, welcome: null } as const;
  const before = appender.written().ops;
  const [a, b] = await Promise.all([alice.ws.request(frame), alice.ws.request(frame)]);
  expect(a).toMatchObject({ type: 'sent' });
  expect(b).toMatchObject({ type: 'sent', seq: a.type === 'sent' ? a.seq : -1 });
  expect(appender.written().ops - before).toBe(2);
});

/** An append op from `from` in `groupId` (written straight to the thread, as its writer would). */
function appendOp(from: Device, groupId: Uint8Array, payload: Uint8Array): AppendOp {
  return {
    op: 'append',
    groupId,
    messageId: randomBytes(16),
    accountId: from.identity.accountId,
    deviceId: from.identity.deviceId,
    kind: KIND.application,
    valid: true,
    epoch: Number(from.state!.groupContext.epoch),
    payload,
    now: Date.now(),
    expiresAt: null,
  };
}

/** The group's next place, and how many messages are stored. */
async function logOf(db: ParleyServer['db'], groupId: Uint8Array) {
  const group = await db
    .selectFrom('groups')
    .select('next_seq')
    .where('group_id', '=', groupId)
    .executeTakeFirstOrThrow();
  const stored = await db.selectFrom('messages').select('seq').execute();
  return { next: group.next_seq, stored: stored.length };
}

test("a stranger's messages in the same batches as a member's are refused one by one: not stored, not delivered, and the member's all stand", async () => {
  const { alice, bob, groupId, url, db, appender } = await started();
  const mallory = await device(url, 'mallory');
  devices.push(mallory);
  // Mallory replays alice's ciphertexts under fresh ids into her group, alongside alice's own sends.
  const payloads: Uint8Array[] = [];
  for (const text of texts(1, 10)) {
    const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage(text)));
    alice.state = e.newState;
    payloads.push(e.message);
  }
  const send = (from: Device, payload: Uint8Array) =>
    from.ws.request({ type: 'send', groupId, messageId: randomBytes(16), payload, welcome: null });
  const before = appender.written();
  const answers = await Promise.all(payloads.flatMap((p) => [send(alice, p), send(mallory, p)]));
  const mine = answers.filter((_, i) => i % 2 === 0);
  const theirs = answers.filter((_, i) => i % 2 === 1);
  expect(mine.every((a) => a.type === 'sent')).toBe(true);
  expect(theirs.map((a) => (a.type === 'error' ? a.code : a.type))).toEqual(theirs.map(() => 'not_a_member'));
  // They went through the thread (20 ops), in fewer transactions than messages.
  const after = appender.written();
  expect(after.ops - before.ops).toBe(20);
  expect(after.batches - before.batches).toBeLessThan(20);
  const stored = await db
    .selectFrom('messages')
    .select('sender_username')
    .where('group_id', '=', groupId)
    .execute();
  expect(stored.some((r) => r.sender_username === mallory.identity.accountId)).toBe(false);
  const read = await readAll(bob, groupId);
  expect(read.texts.filter((t) => t.startsWith('message'))).toEqual(texts(1, 10));
});

test('a batch the writer thread cannot write changes nothing: refused whole, the writes before the bad one rolled back', async () => {
  const { alice, groupId, db, appender } = await started();
  const before = await logOf(db, groupId);
  const good = appendOp(alice, groupId, new Uint8Array([1, 2, 3]));
  // The second breaks a constraint (a message's time is required): the first was already inserted.
  const bad = { ...good, messageId: randomBytes(16), now: null as never };
  await expect(appender.run([good, bad])).rejects.toBeInstanceOf(AppenderFailed);
  expect(await logOf(db, groupId)).toEqual(before);
  // The thread goes on: the good one alone is written.
  const [r] = await appender.run([good]);
  expect(r).toEqual({ seq: before.next, epoch: good.epoch });
});

test('a batch of large messages goes over in parts, in one transaction: all stored in order, or, when its last part fails, none', async () => {
  const { alice, groupId, db, appender } = await started();
  const op = () => appendOp(alice, groupId, new Uint8Array(1024 * 1024).fill(7));
  // Six messages of 1 MiB: two parts of about 4 MiB. The last one breaks a constraint.
  const before = await logOf(db, groupId);
  const failing = [op(), op(), op(), op(), op(), { ...op(), now: null as never }];
  await expect(appender.run(failing)).rejects.toBeInstanceOf(AppenderFailed);
  expect(await logOf(db, groupId)).toEqual(before);
  const ops = [op(), op(), op(), op(), op(), op()];
  const results = await appender.run(ops);
  expect(results.map((r) => r?.seq)).toEqual(ops.map((_, i) => before.next + i));
  const rows = await db
    .selectFrom('messages')
    .select(['seq', 'message_id', 'data'])
    .where('seq', '>=', before.next)
    .orderBy('seq')
    .execute();
  expect(rows.map((r) => Buffer.from(r.message_id).equals(ops[r.seq - before.next]!.messageId))).toEqual(
    ops.map(() => true),
  );
  expect(rows.every((r) => r.data.length === 1024 * 1024 && r.data[0] === 7)).toBe(true);
});

test('with the writer thread gone, batches are written on the main connection: nothing lost, nothing out of order', async () => {
  const { alice, bob, groupId, appender } = await started();
  const first = await sendMany(alice, groupId, texts(1, 10));
  await appender.stop();
  const written = appender.written();
  const second = await sendMany(alice, groupId, texts(11, 10));
  const seqs = [...first, ...second].map((a) => (a.type === 'sent' ? a.seq : -1));
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  expect(appender.written()).toEqual(written);
  await expect(appender.run([])).rejects.toBeInstanceOf(AppenderFailed);
  const read = await readAll(bob, groupId);
  expect(read.texts.filter((t) => t.startsWith('message'))).toEqual(texts(1, 20));
});
