/**
 * Catching up whatever others sent (issue #15 item 2): against the real server program, a stranger
 * or a member who makes what a device must download as large as the server accepts cannot stop it
 * from receiving what was sent to it meanwhile; a catch-up step that fails is reported and tried
 * again, never dropped in silence.
 */
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeServerFrame,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_WELCOME_BYTES,
} from '@parley/core';
import { inflatePrivateMessage, inflateWelcome, startServerProcess, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { SocketFactory } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { hasKeyPackages, onCleanup, openClient, person, tempDir, undecryptable } from './fixtures.js';

async function serverProcess(): Promise<string> {
  const server = await startServerProcess(tempDir('parley-catchup-'));
  onCleanup(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });
  return server.url;
}

/**
 * A socket whose `send` frames go out changed by `change` (a frame it returns unchanged goes out
 * as it was): a sender playing tricks the server cannot see through.
 */
function rewriting(change: (bytes: Uint8Array) => Uint8Array): SocketFactory {
  return (u) => {
    const socket = nodeSocketFactory(u);
    const send = socket.send.bind(socket);
    socket.send = (data: Uint8Array) => send(change(data));
    return socket;
  };
}

/** A socket whose received frames reach the client changed by `change`: a server answering oddly. */
function receiving(change: (bytes: Uint8Array) => Uint8Array): SocketFactory {
  return (u) => {
    const socket = nodeSocketFactory(u);
    let onmessage: typeof socket.onmessage = null;
    Object.defineProperty(socket, 'onmessage', {
      get: () => onmessage,
      set: (listener: typeof socket.onmessage) => {
        onmessage = listener;
      },
    });
    const inner = socket as unknown as { on(e: 'message', l: (d: Buffer) => void): void };
    inner.on('message', (data: Buffer) => onmessage?.({ data: change(new Uint8Array(data)) }));
    return socket;
  };
}

/** The largest a field can grow in an encoded frame of `frameLength` bytes, within `limit`. */
function room(frameLength: number, field: Uint8Array, limit: number): number {
  return Math.min(limit, MAX_FRAME_BYTES - (frameLength - field.length) - 8);
}

test('a stranger adds an offline victim to groups with maximal Welcomes: back online, the victim receives what was sent meanwhile and joins the groups', async () => {
  const url = await serverProcess();
  const [victim, friend, stranger] = [
    await person(url, 'victim'),
    await person(url, 'friend'),
    await person(url, 'stranger'),
  ];
  const v = await openClient(url, victim);
  const f = await openClient(url, friend);
  await hasKeyPackages(v.client);
  const chat = await f.client.directConversation('victim');
  await until(() => v.client.conversation(chat) !== undefined, 'the victim joined the friend');
  await v.client.close();

  // Every Welcome the stranger sends grows as large as the server accepts.
  const inflating = rewriting((data) => {
    const frame = decodeClientFrame(data);
    if (frame.type !== 'send' || frame.welcome === null) return data;
    const size = room(data.length, frame.welcome, MAX_WELCOME_BYTES);
    return encodeClientFrame({ ...frame, welcome: inflateWelcome(frame.welcome, size) });
  });
  const s = await openClient(url, stranger, undefined, inflating);
  const groups: string[] = [];
  for (let i = 0; i < 3; i++) groups.push(await s.client.createConversation(['victim'], `spam ${i}`));
  const texts = ['while you were away', 'and one more'];
  for (const t of texts) await f.client.sendText(chat, t);

  const back = await openClient(url, victim);
  await until(() => texts.every((t) => back.inbox.some((m) => m.text === t)), 'the victim read the friend');
  // Each Welcome is reported as unreadable and dropped; the victim joins by external commit.
  await until(() => groups.every((g) => back.client.conversation(g) !== undefined), 'joined every group');
  expect(
    undecryptable
      .splice(0)
      .map((u) => (u as { groupId: string }).groupId)
      .sort(),
  ).toEqual([...groups].sort());
  await s.client.sendText(groups[0]!, 'hello victim');
  await until(() => back.inbox.some((m) => m.text === 'hello victim'), 'the victim reads the stranger');
}, 120_000);

test('a member sends two maximal messages to a group: another member catching up gets past them and receives the messages after them', async () => {
  const url = await serverProcess();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  let inflateNext = 0;
  const inflating = rewriting((data) => {
    const frame = decodeClientFrame(data);
    if (inflateNext === 0 || frame.type !== 'send' || frame.welcome !== null) return data;
    let payload: Uint8Array;
    try {
      payload = inflatePrivateMessage(frame.payload, room(data.length, frame.payload, MAX_MESSAGE_BYTES));
    } catch {
      return data; // not an application message
    }
    inflateNext--;
    return encodeClientFrame({ ...frame, payload });
  });
  const a = await openClient(url, alice, undefined, inflating);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  await b.client.close();

  inflateNext = 2;
  await a.client.sendText(id, 'huge 1');
  await a.client.sendText(id, 'huge 2');
  expect(inflateNext).toBe(0);
  const after = ['after the flood', 'and again'];
  for (const t of after) await a.client.sendText(id, t);

  const back = await openClient(url, bob);
  await until(() => after.every((t) => back.inbox.some((m) => m.text === t)), 'bob reads past them');
  expect(back.inbox.map((m) => m.text)).toEqual(after);
  const seqs = undecryptable.splice(0).map((u) => (u as { seq: number }).seq);
  expect(seqs).toHaveLength(2);
}, 120_000);

test('a catch-up page the server refuses is reported (sync_error) and fetched again: nothing is lost', async () => {
  const url = await serverProcess();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  await b.client.close();
  const texts = ['one', 'two', 'three'];
  for (const t of texts) await a.client.sendText(id, t);

  // The first page bob fetches comes back as the server refusing it.
  let refuse = 1;
  const refusing = receiving((bytes) => {
    const frame = decodeServerFrame(bytes);
    if (refuse === 0 || frame.type !== 'messages' || frame.items.length === 0) return bytes;
    refuse--;
    return encodeServerFrame({ type: 'error', requestId: frame.requestId, code: 'internal', message: 'no' });
  });
  const errors: unknown[] = [];
  let synced = 0;
  const back = await openClient(
    url,
    bob,
    (c) => {
      c.on('sync_error', (e) => errors.push(e));
      c.on('synced', () => synced++);
    },
    refusing,
  );
  await until(() => texts.every((t) => back.inbox.some((m) => m.text === t)), 'bob reads every message');
  expect(refuse).toBe(0);
  expect(errors).toEqual([{ code: 'internal', groupId: id }]);
  expect(back.inbox.map((m) => m.text)).toEqual(texts);
  await until(() => synced > 0, 'the retry went through');
}, 120_000);

test('a push the client cannot read is reported and everything is synced again: the message in it arrives', async () => {
  const url = await serverProcess();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  let damage = false;
  const damaging = receiving((bytes) => {
    if (!damage || decodeServerFrame(bytes).type !== 'deliver') return bytes;
    damage = false;
    return bytes.subarray(0, bytes.length - 1); // truncated: it no longer decodes
  });
  const errors: unknown[] = [];
  const a = await openClient(url, alice);
  const b = await openClient(url, bob, (c) => c.on('sync_error', (e) => errors.push(e)), damaging);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  damage = true;
  await a.client.sendText(id, 'damaged on the way');
  await until(() => b.inbox.some((m) => m.text === 'damaged on the way'), 'bob reads it after all');
  expect(damage).toBe(false);
  expect(errors).toEqual([{ code: 'protocol', groupId: null }]);
}, 120_000);
