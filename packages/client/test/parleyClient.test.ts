import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CIPHERSUITE, type DeviceIdentity, generateStorageKey, type StorageKey } from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { buildServer, DEFAULT_CONFIG } from '@parley/server';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { afterEach, expect, test } from 'vitest';
import { type ChatMessage, ParleyApi, ParleyClient } from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';

const cs = await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE), nativeCryptoProvider);
const cleanups: Array<() => Promise<void> | void> = [];
/** Every message any client could not process: must stay empty. */
const undecryptable: unknown[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(undecryptable.splice(0)).toEqual([]);
});

async function serve(dataDir = mkdtempSync(join(tmpdir(), 'parley-pc-')), port = 0) {
  const server = await buildServer({ ...DEFAULT_CONFIG, dataDir, logLevel: 'silent' });
  const url = await server.app.listen({ host: '127.0.0.1', port });
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      await server.close();
    }
  };
  cleanups.push(stop);
  return { url, dataDir, port: Number(new URL(url).port), stop };
}

interface Person {
  identity: DeviceIdentity;
  key: StorageKey;
  file: string;
}

async function person(url: string, name: string): Promise<Person> {
  const identity = await new ParleyApi(url).register(name, `pw-${name}-1234`, cs);
  const dir = mkdtempSync(join(tmpdir(), `parley-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { identity, key: generateStorageKey(), file: join(dir, 'client.sqlite3') };
}

async function openClient(url: string, p: Person): Promise<{ client: ParleyClient; inbox: ChatMessage[] }> {
  const client = await ParleyClient.open({
    serverUrl: url,
    identity: p.identity,
    records: new SqliteRecordStore(p.file),
    storageKey: p.key,
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
    backoff: { initialMs: 50, maxMs: 300 },
  });
  const inbox: ChatMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  client.on('undecryptable', (u) => undecryptable.push(u));
  client.start();
  await client.connection.waitOnline();
  return { client, inbox };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('two clients chat; a client restarted from its store catches up in order with nothing lost', async () => {
  const { url } = await serve();
  const alice = await person(url, 'alice');
  const bob = await person(url, 'bob');
  const a = await openClient(url, alice);
  let b = await openClient(url, bob);
  await until(
    async () => (await a.client.connection.request({ type: 'kp_count' })).type === 'kp_remaining',
    'alice ready',
  );
  // Bob must have key packages on the server before alice can add him.
  await until(async () => {
    const r = await b.client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime > 0;
  }, 'bob key packages');

  const chat = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  await a.client.sendText(chat, 'hi bob');
  await until(() => b.inbox.length === 1, 'bob receives');
  expect(b.inbox[0]).toMatchObject({ text: 'hi bob', from: { accountId: 'alice' }, status: 'received' });
  await b.client.sendText(chat, 'hi alice');
  await until(() => a.inbox.length === 1, 'alice receives');
  expect(a.inbox[0]!.text).toBe('hi alice');

  // bob's client stops; alice keeps talking; bob's client is reopened from the same store.
  await b.client.close();
  for (let i = 0; i < 5; i++) await a.client.sendText(chat, `while you were away ${i}`);
  await until(async () => (await a.client.pending()) === 0, 'alice outbox empty');
  b = await openClient(url, bob);
  await until(() => b.inbox.length === 5, 'bob catches up');
  expect(b.inbox.map((m) => m.text)).toEqual([0, 1, 2, 3, 4].map((i) => `while you were away ${i}`));
  expect(b.inbox.map((m) => m.seq)).toEqual([...b.inbox.map((m) => m.seq)].sort((x, y) => x - y));
  const history = await b.client.history(chat);
  expect(history.map((m) => m.text)).toEqual([
    'hi bob',
    'hi alice',
    ...[0, 1, 2, 3, 4].map((i) => `while you were away ${i}`),
  ]);
  await a.client.close();
  await b.client.close();
});

test('the outbox survives a restart while the server is down, and is sent once when it is back', async () => {
  const first = await serve();
  const alice = await person(first.url, 'alice');
  const bob = await person(first.url, 'bob');
  let a = await openClient(first.url, alice);
  const b = await openClient(first.url, bob);
  await until(async () => {
    const r = await b.client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime > 0;
  }, 'bob key packages');
  const chat = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(chat), 'bob joins');

  await first.stop();
  await until(() => a.client.connection.state !== 'online', 'alice offline');
  await a.client.sendText(chat, 'written offline 1');
  await a.client.sendText(chat, 'written offline 2');
  expect(await a.client.pending()).toBe(2);
  await a.client.close(); // the app is quit with the messages still queued
  a = {
    client: await ParleyClient.open({
      serverUrl: first.url,
      identity: alice.identity,
      records: new SqliteRecordStore(alice.file),
      storageKey: alice.key,
      mls: { provider: nativeCryptoProvider },
      socketFactory: nodeSocketFactory,
      backoff: { initialMs: 50, maxMs: 300 },
    }),
    inbox: [],
  };
  expect(await a.client.pending()).toBe(2);
  a.client.start();
  await serve(first.dataDir, first.port);
  await until(async () => (await a.client.pending()) === 0, 'outbox flushed', 15_000);
  await until(() => b.inbox.length === 2, 'bob receives the queued messages', 15_000);
  expect(b.inbox.map((m) => m.text)).toEqual(['written offline 1', 'written offline 2']);
  await a.client.close();
  await b.client.close();
});
