/**
 * What the client stores per message stays bounded and consistent: no per-message marker is left
 * behind once messages are processed, and a crash between the steps of processing or sending a
 * message (simulated by a store that dies at a chosen write) neither loses nor repeats it.
 */
import { createAccount, generateStorageKey } from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  type ListOptions,
  MemoryRecordStore,
  ParleyClient,
  type RecordStore,
  type RecordWrite,
  SealedStore,
} from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';
import { cs, hasKeyPackages, openClient, type Person, person, serve } from './fixtures.js';

/**
 * The markers a client holds for a conversation: own-message markers (kept only while ahead of the
 * cursor) and any record in the namespace earlier versions wrote one per message into.
 */
async function markers(p: Person, groupIdHex: string): Promise<string[]> {
  const records = new SqliteRecordStore(p.file);
  const rows = [...(await records.list(`own:${groupIdHex}`)), ...(await records.list('meta'))];
  await records.close();
  return rows.map((r) => r.key);
}

/** A SQLite store that "crashes" at the first batch `crashOn` picks: that batch and every write after it fail. */
class CrashingStore implements RecordStore {
  dead = false;
  constructor(
    private readonly inner: RecordStore,
    private readonly crashOn: (writes: readonly RecordWrite[]) => boolean,
  ) {}
  get(ns: string, key: string) {
    return this.inner.get(ns, key);
  }
  list(ns: string, options?: ListOptions) {
    return this.inner.list(ns, options);
  }
  async put(ns: string, key: string, value: Uint8Array) {
    if (this.dead) throw new Error('the process is gone');
    await this.inner.put(ns, key, value);
  }
  async delete(ns: string, key: string) {
    if (this.dead) throw new Error('the process is gone');
    await this.inner.delete(ns, key);
  }
  async batch(writes: readonly RecordWrite[]) {
    if (!this.dead && this.crashOn(writes)) this.dead = true;
    if (this.dead) throw new Error('the process is gone');
    await this.inner.batch(writes);
  }
  close() {
    return this.inner.close();
  }
}

async function twoPeople() {
  const { url } = await serve();
  const [alice, bob] = await Promise.all([person(url, 'alice'), person(url, 'bob')]);
  return { url, alice, bob };
}

/** Alice and bob online, in a conversation alice started; alice's client may get another store. */
async function chatting(aliceRecords?: (alice: Person) => RecordStore) {
  const { url, alice, bob } = await twoPeople();
  const overrides = aliceRecords ? { records: aliceRecords(alice) } : {};
  const a = await openClient(url, alice, undefined, undefined, overrides);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const chat = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  return { url, alice, bob, a, b, chat };
}

test('no marker is left behind once the messages of both sides are processed', async () => {
  const { alice, bob, a, b, chat } = await chatting();
  for (let i = 0; i < 5; i++) {
    await a.client.sendText(chat, `from alice ${i}`);
    await b.client.sendText(chat, `from bob ${i}`);
  }
  await b.client.markRead(chat);
  await a.client.selfUpdate(chat);
  await until(() => a.inbox.length === 5 && b.inbox.length === 5, 'both receive everything');
  await b.client.sendText(chat, 'last word');
  await until(() => a.inbox.length === 6, 'alice receives the last word');
  await a.client.sync();
  await b.client.sync();
  await a.client.close();
  await b.client.close();
  expect(await markers(alice, chat)).toEqual([]);
  expect(await markers(bob, chat)).toEqual([]);
});

test('a crash while a received message is being stored loses nothing and repeats nothing', async () => {
  const started = await chatting();
  const { url, bob, a, chat } = started;
  let b = started.b;
  await a.client.sendText(chat, 'before');
  await until(() => b.inbox.length === 1, 'bob receives the first message');
  await b.client.close();

  // Bob's device dies in the middle of storing the next message: state, history, cursor together.
  const crashing = new CrashingStore(new SqliteRecordStore(bob.file), (writes) =>
    writes.some((w) => w.ns === `messages:${chat}`),
  );
  b = await openClient(url, bob, undefined, undefined, { records: crashing });
  await a.client.sendText(chat, 'during the crash');
  await until(() => crashing.dead, "bob's store dies");
  expect(b.inbox, 'nothing is shown that was not stored').toEqual([]);
  await b.client.close();

  b = await openClient(url, bob);
  await a.client.sendText(chat, 'after');
  await until(() => b.inbox.length === 2, 'bob catches up');
  expect(b.inbox.map((m) => m.text)).toEqual(['during the crash', 'after']);
  expect((await b.client.history(chat)).map((m) => m.text)).toEqual(['before', 'during the crash', 'after']);
  await b.client.sync(); // its own receipts' echoes processed: no marker ahead of the cursor either
  await a.client.close();
  await b.client.close();
  expect(await markers(bob, chat)).toEqual([]);
});

test('a crash just after the server stored an own message sends it once and shows it once', async () => {
  let crashing: CrashingStore | undefined;
  const started = await chatting((alice) => {
    crashing = new CrashingStore(new SqliteRecordStore(alice.file), (writes) =>
      writes.some((w) => w.ns === 'outbox' && w.value === null),
    );
    return crashing;
  });
  const { url, alice, b, chat } = started;
  let a = started.a;
  // The message leaves, the server stores it, and alice's device dies as it records that.
  await a.client.sendText(chat, 'once');
  await until(() => crashing!.dead, "alice's store dies");
  await until(() => b.inbox.length === 1, 'bob receives it');
  await a.client.close();

  // Restarted, alice's outbox sends it again: the server knows its id and answers with its position.
  a = await openClient(url, alice);
  await until(async () => (await a.client.pending()) === 0, 'the outbox empties');
  await b.client.sendText(chat, 'got it');
  await until(() => a.inbox.length === 1, 'alice receives the answer');
  const history = await a.client.history(chat);
  expect(history.map((m) => m.text)).toEqual(['once', 'got it']);
  expect(['sent', 'delivered']).toContain(history[0]!.status);
  await until(
    async () => b.inbox.length === 1 && (await b.client.history(chat)).length === 2,
    'bob is settled',
  );
  expect(b.inbox.map((m) => m.text)).toEqual(['once']);
  await a.client.sync(); // its own receipts' echoes processed: no marker ahead of the cursor either
  await a.client.close();
  await b.client.close();
  expect(await markers(alice, chat)).toEqual([]);
});

test('the markers earlier versions left are dropped when a client opens; own ones ahead of the cursor stay', async () => {
  const records = new MemoryRecordStore();
  const storageKey = generateStorageKey();
  const sealed = new SealedStore(records, storageKey);
  await sealed.putJson('cursors', 'g1', 5);
  for (const key of ['done:g1:4', 'done:g1:5', 'own:g1:3', 'own:g1:7'])
    await sealed.put('meta', key, new Uint8Array([1]));
  const client = await ParleyClient.open({
    serverUrl: 'ws://127.0.0.1:9',
    identity: await createAccount('alice', cs),
    records,
    storageKey,
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
  expect(await records.list('meta')).toEqual([]);
  expect((await records.list('own:g1')).map((r) => Number(r.key))).toEqual([7]);
  await client.close();
});
