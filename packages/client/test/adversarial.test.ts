/**
 * Hostile people against real clients (the server-side cases are in
 * packages/server/test/adversarial.test.ts, which lists where every other case is proven).
 */
import { DEFAULT_CIPHERSUITE, decodeClientFrame, decodeMessage, encodeClientFrame } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test, vi } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import { KEY_PACKAGE_TARGET, type ParleyClient, type SocketFactory } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { hasKeyPackages, losingSends, openClient, person, serve, undecryptable } from './fixtures.js';

const chatOf = (client: ParleyClient) => (client as unknown as { chat: Chat }).chat;

test('key-package exhaustion: a stranger claims every one-time package, the last resort still lets bob be added, and his client replenishes', async () => {
  const { url } = await serve();
  const [alice, bob, mallory] = [
    await person(url, 'alice'),
    await person(url, 'bob'),
    await person(url, 'mallory'),
  ];
  const a = await openClient(url, alice);
  const m = await openClient(url, mallory);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  await b.client.close(); // bob is offline while mallory drains his packages

  // mallory claims bob's packages until only the last resort comes back.
  let claims = 0;
  for (;;) {
    const bundle = await m.client.connection.request({
      type: 'kp_claim',
      accountId: 'bob',
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (bundle.type !== 'kp_bundle') throw new Error(`claim refused: ${JSON.stringify(bundle)}`);
    claims++;
    if (bundle.keyPackages.every((k) => k.lastResort)) break;
    expect(claims).toBeLessThanOrEqual(KEY_PACKAGE_TARGET);
  }
  expect(claims).toBe(KEY_PACKAGE_TARGET + 1);

  // alice can still start a conversation with bob: his last-resort package is used again.
  const id = await a.client.createConversation(['bob']);
  await a.client.sendText(id, 'are you there?');

  // bob comes back: joins with the last resort, reads the message, and uploads fresh packages.
  const back = await openClient(url, bob);
  await until(async () => back.inbox.some((msg) => msg.text === 'are you there?'), 'bob reads alice');
  await until(async () => {
    const r = await back.client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime >= KEY_PACKAGE_TARGET && r.lastResort;
  }, 'bob replenished his key packages');
  await back.client.sendText(id, 'yes');
  await until(() => a.inbox.some((msg) => msg.text === 'yes'), 'alice reads bob');
});

test('the connection drops right after a commit left, before the answer: the client recognises its commit in the log and goes on', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const { flaky, cutNextCommit, cuts } = cutAfterCommit();
  const a = await openClient(url, alice, undefined, flaky);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.createConversation(['bob']);
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  const epoch = a.client.epoch(id)!;

  cutNextCommit();
  await expect(a.client.selfUpdate(id)).rejects.toThrow();
  expect(cuts()).toBe(1);
  await a.client.sync();
  await a.client.sendText(id, 'after the cut');
  await until(() => b.inbox.some((m) => m.text === 'after the cut'), 'bob reads alice');
  await until(() => b.client.epoch(id) === a.client.epoch(id), 'same epoch');
  expect(a.client.epoch(id)).toBe(epoch + 1n);
  expect(a.client.epochAuthenticator(id)).toEqual(b.client.epochAuthenticator(id));
});

test('a second commit right after a commit whose answer was lost: the client first finds its first commit in the log, never rejoins', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const { flaky, cutNextCommit } = cutAfterCommit();
  const a = await openClient(url, alice, undefined, flaky);
  const rejoined: unknown[] = [];
  a.client.on('rejoined', (r) => rejoined.push(r));
  a.client.on('group_repaired', (r) => rejoined.push(r));
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.createConversation(['bob']);
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  const epoch = a.client.epoch(id)!;

  cutNextCommit();
  await expect(a.client.selfUpdate(id)).rejects.toThrow();
  // At once, before any sync: the state this commit is built from is the one the lost commit left.
  await a.client.selfUpdate(id);
  await a.client.sendText(id, 'after two updates');
  await until(() => b.inbox.some((m) => m.text === 'after two updates'), 'bob reads alice');
  await until(() => b.client.epoch(id) === a.client.epoch(id), 'same epoch');
  expect(a.client.epoch(id)).toBe(epoch + 2n);
  expect(a.client.epochAuthenticator(id)).toEqual(b.client.epochAuthenticator(id));
  expect(rejoined).toEqual([]);
});

test('an answer lost to a timeout while the connection stays up: the message is sent once, recognised as ours, never undecryptable', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  let dropNextSent = false;
  // The server's `sent` answer to alice's next message never reaches her; the socket stays open.
  const { factory: lossy, lost } = losingSends({
    answers: () => {
      const lose = dropNextSent;
      dropNextSent = false;
      return lose;
    },
  });
  const a = await openClient(url, alice, undefined, lossy, { requestTimeoutMs: 1_500 });
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');

  dropNextSent = true;
  await a.client.sendText(id, 'did this go?');
  await until(() => lost.answers === 1, 'the answer was lost');
  await until(() => b.inbox.some((m) => m.text === 'did this go?'), 'bob reads it (it was stored)');
  // alice's request timed out; her next sync finds the message in the log, resends the attempted
  // item (same id: the server answers with the position it already has) and marks it as hers.
  await a.client.sync();
  await until(async () => (await a.client.pending()) === 0, 'outbox empty');
  const mine = (await a.client.history(id)).filter((m) => m.text === 'did this go?');
  expect(mine).toHaveLength(1);
  expect(mine[0]!.seq).toBeGreaterThan(0);
  expect(['sent', 'delivered', 'read']).toContain(mine[0]!.status);
  await a.client.sendText(id, 'and this one');
  await until(() => b.inbox.some((m) => m.text === 'and this one'), 'bob reads the next');
  expect(b.inbox.map((m) => m.text)).toEqual(['did this go?', 'and this one']);
  expect(undecryptable).toEqual([]);
});

test('a typing indicator whose answer is lost, met again in the log after a restart, is known for ours, never undecryptable', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  let dropSent = false;
  // Every `sent` answer to alice is lost while the flag is up (a device closed before its answers).
  const { factory: lossy, lost } = losingSends({ answers: () => dropSent });
  const a = await openClient(url, alice, undefined, lossy, { requestTimeoutMs: 1_500 });
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');

  // A typing indicator is never sent again: only its mark tells alice it is hers.
  dropSent = true;
  await a.client.setTyping(id, true);
  await until(() => lost.answers === 1, 'the answer was lost');
  await a.client.close();
  dropSent = false;
  const again = await openClient(url, alice);
  await b.client.sendText(id, 'after your typing');
  await until(() => again.inbox.some((m) => m.text === 'after your typing'), 'alice reads on past it');
  expect(undecryptable).toEqual([]);
});

test('a typing indicator lost on its way to the server leaves no mark behind once a later catch-up has settled it', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  let dropSends = false;
  const { factory: lossy, lost } = losingSends({ answers: () => false, sends: () => dropSends });
  const a = await openClient(url, alice, undefined, lossy, { requestTimeoutMs: 1_500 });
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  const marks = async (client: ParleyClient) => (await chatOf(client).store.list(`sending:${id}`)).length;

  dropSends = true;
  await a.client.setTyping(id, true);
  await until(() => lost.sends === 1, 'the indicator never reached the server');
  await until(async () => (await marks(a.client)) === 1, 'marked while its answer was awaited');
  await a.client.close();
  dropSends = false;
  // Two minutes on, a send that never arrived by then never will: the next catch-up drops its mark.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 120_000);
  try {
    const again = await openClient(url, alice);
    await b.client.sendText(id, 'still here');
    await until(() => again.inbox.some((m) => m.text === 'still here'), 'alice reads on');
    expect(await marks(again.client)).toBe(0);
  } finally {
    vi.useRealTimers();
  }
  expect(undecryptable).toEqual([]);
});

test("over the server's frame rate limit nothing is lost: refused sends stay queued and go out in order, refused fetches are tried again", async () => {
  const { url } = await serve({ messagesPerSecond: 3 }); // a burst of 30 frames, then 3 a second
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const id = await a.client.directConversation('bob');
  await until(() => b.client.conversation(id) !== undefined, 'bob joined');
  const refused: string[] = [];
  const texts = Array.from({ length: 36 }, (_, i) => `m${i}`);
  const original = a.client.connection.request.bind(a.client.connection);
  a.client.connection.request = async (frame) => {
    const answer = await original(frame);
    if (answer.type === 'error') refused.push(answer.code);
    return answer;
  };
  for (const t of texts) await a.client.sendText(id, t);
  // Slow by design (3 frames a second, shared with alice's acknowledgements): allow for a loaded machine.
  await until(() => b.inbox.length >= texts.length, 'bob receives all 36', 100_000).catch(async (e) => {
    throw new Error(
      `${e.message}: bob has ${b.inbox.length}, alice's outbox ${await a.client.pending()}, refusals ${refused.join(',')}, state ${a.client.connection.state}`,
    );
  });
  expect(refused).toContain('rate_limited');
  expect(b.inbox.map((m) => m.text)).toEqual(texts);
  expect(await a.client.pending()).toBe(0);
  const statuses = (await a.client.history(id)).map((m) => m.status);
  expect(statuses.filter((s) => s === 'failed' || s === 'sending')).toEqual([]);
}, 120_000);

/**
 * A network that fails at the worst moment: once armed (`cutNextCommit`), the connection is cut
 * right after the next commit left, so it reached the server and its answer is lost.
 */
function cutAfterCommit(): { flaky: SocketFactory; cutNextCommit: () => void; cuts: () => number } {
  let armed = false;
  let cuts = 0;
  const flaky: SocketFactory = (u) => {
    const socket = nodeSocketFactory(u);
    const send = socket.send.bind(socket);
    socket.send = (data: Uint8Array) => {
      send(data);
      const frame = decodeClientFrame(data);
      if (armed && frame.type === 'send' && isCommit(frame.payload)) {
        armed = false;
        cuts++;
        (socket as unknown as { terminate(): void }).terminate();
      }
    };
    return socket;
  };
  return {
    flaky,
    cutNextCommit: () => {
      armed = true;
    },
    cuts: () => cuts,
  };
}

function isCommit(payload: Uint8Array): boolean {
  const m = decodeMessage(payload);
  return m.wireformat === 'mls_public_message' && m.publicMessage.content.contentType === 'commit';
}

test('a damaged Welcome is reported and dropped instead of stopping every sync; the device then joins by external commit', async () => {
  const { url } = await serve();
  const [alice, bob, carol] = [
    await person(url, 'alice'),
    await person(url, 'bob'),
    await person(url, 'carol'),
  ];
  let damageNextWelcome = false;
  // alice's first Welcome leaves with its last byte (inside the encrypted GroupInfo) flipped.
  const damaging: SocketFactory = (u) => {
    const socket = nodeSocketFactory(u);
    const send = socket.send.bind(socket);
    socket.send = (data: Uint8Array) => {
      const frame = decodeClientFrame(data);
      if (damageNextWelcome && frame.type === 'send' && frame.welcome !== null) {
        damageNextWelcome = false;
        const welcome = frame.welcome.slice();
        welcome[welcome.length - 1]! ^= 0xff;
        send(encodeClientFrame({ ...frame, welcome }));
        return;
      }
      send(data);
    };
    return socket;
  };
  const a = await openClient(url, alice, undefined, damaging);
  const b = await openClient(url, bob);
  const c = await openClient(url, carol);
  await hasKeyPackages(b.client);
  await hasKeyPackages(c.client);
  const withCarol = await c.client.createConversation(['bob']);
  await until(() => b.client.conversation(withCarol) !== undefined, 'bob joined carol');

  damageNextWelcome = true;
  const id = await a.client.createConversation(['bob']);
  await until(() => undecryptable.length > 0, 'bob reported the damaged Welcome');
  expect(undecryptable.splice(0)).toEqual([{ groupId: id, seq: expect.any(Number), code: 'decrypt_failed' }]);

  // bob still syncs and chats elsewhere, and at the next sync joins alice's conversation.
  await b.client.sync();
  await until(() => b.client.conversation(id) !== undefined, 'bob joined by external commit');
  await c.client.sendText(withCarol, 'still reachable?');
  await until(() => b.inbox.some((m) => m.text === 'still reachable?'), 'bob reads carol');
  await a.client.sendText(id, 'welcome, again');
  await until(() => b.inbox.some((m) => m.text === 'welcome, again'), 'bob reads alice');
});
