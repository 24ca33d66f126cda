/**
 * Hostile clients against the real server: the cases of the threat model not proven elsewhere.
 * Where the rest are proven:
 * - a device signing in as another device (right names, wrong key) and a revoked device:
 *   ws.test.ts "a wrong key, an unknown device and a revoked device are refused and disconnected";
 *   a handshake relayed from another member's leaf: delivery.test.ts ("wrong_sender"); a message
 *   signed as another member: core adversarial.test.ts ("bad_signature").
 * - a non-member posting and fetching: delivery.test.ts (both "not_a_member"), and stealing a
 *   group by external commit: delivery.test.ts "… strangers cannot".
 * - one-time key packages never handed out twice, then the last resort: ws.test.ts; the owner's
 *   client replenishing after exhaustion: client adversarial.test.ts.
 * - login brute force from one address: accounts.test.ts "logins are throttled per account" (here:
 *   that it hands nobody a lockout, and that X-Forwarded-For counts only from a trusted proxy).
 * - an oversized frame: ws.test.ts "… oversized frames close it"; random, mutated and
 *   unauthorised frames by the hundred thousand: socketFuzz.test.ts.
 * - a forged device certificate: accounts.test.ts "certificates from another identity key or for
 *   another account are refused"; core adversarial.test.ts "credential_not_certified".
 * - a server that swaps an identity key: client parleyClient.test.ts "an identity key swapped by
 *   the server is detected, warned about, and sending waits for the person".
 * - a member's commit, proposal or external commit with a bad signature, adds of tampered key
 *   packages, forged GroupInfos, commits without their GroupInfo: verifiedHandshakes.test.ts.
 */
import { connect } from 'node:net';
import {
  decodeAppMessage,
  encodeAppMessage,
  encodeClientFrame,
  encryptApplication,
  processIncoming,
  randomBytes,
  selfUpdate,
  serializeGroupState,
  textMessage,
} from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import { createInvites, DEFAULT_CONFIG } from '../src/index.js';
import { login, type Running, register, startLogin, startServer } from './helpers.js';
import { chattingPair, type Device, device } from './pair.js';
import { WsClient } from './wsClient.js';

let running: Running | undefined;
const sockets: WsClient[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await running?.stop();
  running = undefined;
});

async function pair() {
  const p = await chattingPair(running!.url);
  sockets.push(p.alice.ws, p.bob.ws);
  return p;
}

/** The next group message pushed to a device (skipping presence and key-package notices). */
async function nextDelivery(d: Device) {
  for (;;) {
    const f = await d.ws.nextPush();
    if (f.type === 'deliver') return f;
  }
}

test('a replayed application message: a retry is stored once; a replay under a new id is refused by every receiver', async () => {
  running = await startServer();
  const { alice, bob, groupId } = await pair();
  const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('pay bob 10')));
  alice.state = e.newState;
  const messageId = randomBytes(16);
  const first = await alice.ws.request({
    type: 'send',
    groupId,
    messageId,
    payload: e.message,
    welcome: null,
  });
  if (first.type !== 'sent') throw new Error(`not sent: ${JSON.stringify(first)}`);
  const delivered = await nextDelivery(bob);
  const processed = await processIncoming(bob.mls, bob.state!, delivered.payload);
  bob.state = processed.newState;
  expect(processed.kind === 'application' && decodeAppMessage(processed.plaintext).body).toMatchObject({
    text: 'pay bob 10',
  });

  // The same message id again (a client retrying after a lost answer): same position, not stored twice.
  expect(
    await alice.ws.request({ type: 'send', groupId, messageId, payload: e.message, welcome: null }),
  ).toMatchObject({ type: 'sent', seq: first.seq });
  // A replay under a fresh id (by a member, or a server operator re-inserting it) reaches bob…
  const replay = await alice.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: e.message,
    welcome: null,
  });
  expect(replay.type).toBe('sent');
  const again = await nextDelivery(bob);
  expect(again.seq).toBeGreaterThan(first.seq);
  // …whose MLS refuses it: that message key was used and deleted. Bob's state is unchanged.
  const before = serializeGroupState(bob.state!);
  await expect(processIncoming(bob.mls, bob.state!, again.payload)).rejects.toMatchObject({
    code: 'replayed_message',
  });
  expect(serializeGroupState(bob.state!)).toEqual(before);
  const page = await bob.ws.request({ type: 'fetch', groupId, afterSeq: 0, limit: 100 });
  expect(page.type === 'messages' && page.items.map((m) => m.seq)).toEqual([first.seq, again.seq]);
});

test('a replayed commit is refused as stale: not stored, not delivered, the epoch does not move', async () => {
  running = await startServer();
  const { alice, bob, groupId } = await pair();
  const update = await selfUpdate(alice.mls, alice.state!);
  const sent = await alice.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: update.commit,
    welcome: null,
    groupInfo: update.groupInfo,
  });
  expect(sent).toMatchObject({ type: 'sent', epoch: 2 });
  alice.state = update.newState;
  const delivered = await nextDelivery(bob);
  bob.state = (await processIncoming(bob.mls, bob.state!, delivered.payload)).newState;

  for (const by of [alice, bob]) {
    expect(
      await by.ws.request({
        type: 'send',
        groupId,
        messageId: randomBytes(16),
        payload: update.commit,
        welcome: null,
        groupInfo: update.groupInfo,
      }),
    ).toMatchObject({ type: 'stale_epoch', epoch: 2 });
  }
  const page = await bob.ws.request({ type: 'fetch', groupId, afterSeq: delivered.seq, limit: 10 });
  expect(page).toMatchObject({ type: 'messages', items: [] });
  // Were it delivered anyway (a malicious server), MLS refuses a commit for a past epoch.
  await expect(processIncoming(bob.mls, bob.state!, update.commit)).rejects.toMatchObject({
    code: 'wrong_epoch',
  });
  // The group goes on: alice and bob still talk.
  const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('still here')));
  alice.state = e.newState;
  await alice.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: e.message,
    welcome: null,
  });
  const next = await nextDelivery(bob);
  const r = await processIncoming(bob.mls, bob.state!, next.payload);
  expect(r.kind === 'application' && decodeAppMessage(r.plaintext).body).toMatchObject({
    text: 'still here',
  });
});

test('a slowloris connection (headers trickling in) is closed; WebSockets and other clients are not affected', async () => {
  running = await startServer({ limits: { ...DEFAULT_CONFIG.limits, headersTimeoutMs: 500 } });
  const { alice } = await pair();
  const url = new URL(running.url);
  const socket = connect(Number(url.port), url.hostname);
  let answer = '';
  socket.on('data', (d) => {
    answer += d.toString();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
  let trickled = 0;
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  // One header line every 100 ms, never finishing the request, for at most 10 s.
  while (!isClosed && trickled < 100) {
    socket.write(`X-Slow-${trickled}: ${'a'.repeat(10)}\r\n`);
    trickled++;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(isClosed, 'the server closed the slow connection').toBe(true);
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  // Meanwhile the server kept serving: HTTP, and a WebSocket opened before and kept past the timeout.
  expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  expect(await alice.ws.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining' });
});

/** Clients behind a reverse proxy on loopback: each request names its client in X-Forwarded-For. */
const from = (address: string) => ({ 'x-forwarded-for': address });
const tight = { ...DEFAULT_CONFIG.limits, loginsPerMinute: 3 };

/** A login start with a made-up password (the attacker never finishes it): 200 or "status code". */
async function bogusStart(url: string, username: string, headers: Record<string, string>) {
  const { start } = await startLogin(url, username, 'a guess', headers);
  return start.status === 200 ? 200 : `${start.status} ${start.body.error.code}`;
}

/** A registration as `username` from `address` with the given access fields: "status code" or 201. */
async function registerFrom(
  address: string,
  username: string,
  access: { accessPassword?: string; inviteCode?: string },
) {
  const r = await register(running!.url, username, 'pw-12345678', access, from(address));
  return r.status === 201 ? 201 : `${r.status} ${r.body.error.code}`;
}

test('bogus login starts from other addresses lock nobody out: the owner logs in from theirs', async () => {
  running = await startServer({ trustProxy: ['loopback'], limits: tight });
  await register(running.url, 'olivia', 'pw-olivia-1234');
  // One attacker address hammering the account is throttled, and stays throttled.
  const attacker = [];
  for (let i = 0; i < 12; i++) attacker.push(await bogusStart(running.url, 'olivia', from('203.0.113.7')));
  expect(attacker).toEqual([200, 200, 200, ...Array(9).fill('429 rate_limited')]);
  // Many more from other addresses: each is counted on its own.
  for (let a = 1; a <= 5; a++)
    for (let i = 0; i < 3; i++)
      expect(await bogusStart(running.url, 'olivia', from(`203.0.113.${100 + a}`))).toBe(200);
  // The owner, from their own address, signs in at once.
  const owner = await login(running.url, 'olivia', 'pw-olivia-1234', from('198.51.100.20'));
  expect(owner !== 'wrong password' && owner.status).toBe(200);
});

test('without a trusted proxy X-Forwarded-For is ignored: a forged header buys no attempts', async () => {
  running = await startServer({ limits: tight });
  const outcomes = [];
  for (let i = 0; i < 5; i++)
    outcomes.push(await bogusStart(running.url, `user${i}`, from(`203.0.113.${i}`)));
  expect(outcomes).toEqual([200, 200, 200, '429 rate_limited', '429 rate_limited']);
  // Nor does a header from a peer that is not the configured proxy.
  await running.stop();
  running = await startServer({ trustProxy: ['192.0.2.1'], limits: tight });
  outcomes.length = 0;
  for (let i = 0; i < 5; i++)
    outcomes.push(await bogusStart(running.url, `user${i}`, from(`203.0.113.${i}`)));
  expect(outcomes).toEqual([200, 200, 200, '429 rate_limited', '429 rate_limited']);
});

test('guessing the access password or an invite code is throttled per address; others still register', async () => {
  running = await startServer({
    access: 'password',
    accessPassword: 'club-secret',
    trustProxy: ['loopback'],
    limits: tight,
  });
  const guesses = [];
  for (let i = 0; i < 6; i++)
    guesses.push(await registerFrom('203.0.113.9', 'mallory', { accessPassword: `guess-${i}` }));
  expect(guesses).toEqual([...Array(3).fill('403 access_denied'), ...Array(3).fill('429 rate_limited')]);
  // Even the right password waits from the guesser's address; an honest newcomer elsewhere is not held up.
  expect(await registerFrom('203.0.113.9', 'mallory', { accessPassword: 'club-secret' })).toBe(
    '429 rate_limited',
  );
  expect(await registerFrom('198.51.100.30', 'nina', { accessPassword: 'club-secret' })).toBe(201);
  // A burst of parallel guesses, all checked before any failure is counted, is still capped.
  const burst = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      registerFrom('203.0.113.50', 'mallory', { accessPassword: `p${i}` }),
    ),
  );
  expect(burst.filter((r) => r === '403 access_denied').length).toBeLessThanOrEqual(30);
  expect(burst.filter((r) => r === '429 rate_limited').length).toBeGreaterThanOrEqual(10);

  await running.stop();
  running = await startServer({ access: 'invite', trustProxy: ['loopback'], limits: tight });
  const [code] = await createInvites(running.server.db, 1);
  guesses.length = 0;
  for (let i = 0; i < 5; i++)
    guesses.push(await registerFrom('203.0.113.9', 'mallory', { inviteCode: `made-up-${i}` }));
  expect(guesses).toEqual([...Array(3).fill('403 access_denied'), ...Array(2).fill('429 rate_limited')]);
  expect(await registerFrom('198.51.100.31', 'oscar', { inviteCode: code! })).toBe(201);
});

/** Send `n` kp_count frames at once, without waiting for answers; counts the frames that come back. */
function flood(ws: WsClient, n: number): { answers: number } {
  const seen = { answers: 0 };
  ws.socket.on('message', () => seen.answers++);
  for (let i = 0; i < n; i++)
    ws.socket.send(encodeClientFrame({ type: 'kp_count', requestId: 1_000_000 + i }));
  return seen;
}

test('a socket that does not authenticate is closed at its first other frame, without answers to a stream of them', async () => {
  running = await startServer();
  const stranger = await WsClient.open(running.url);
  sockets.push(stranger);
  expect((await stranger.nextPush()).type).toBe('challenge');
  const seen = flood(stranger, 5000);
  expect(await stranger.waitClosed()).toMatchObject({ code: 4402, reason: 'authenticate first' });
  // At most the one `error unauthenticated`, not one answer per frame.
  expect(seen.answers).toBeLessThanOrEqual(1);
  // The server is fine: a device still connects and is served.
  const alice = await device(running.url, 'alice');
  sockets.push(alice.ws);
  expect(await alice.ws.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining' });
});

test('a device flooding over its rate limit is slowed, then closed; another device round-trips meanwhile', async () => {
  running = await startServer({
    limits: { ...DEFAULT_CONFIG.limits, messagesPerSecond: 20, rateLimitedCloseAfter: 20 },
  });
  const { alice, bob, groupId } = await pair();
  const mallory = await device(running.url, 'mallory');
  sockets.push(mallory.ws);
  const frames = 20_000;
  const seen = flood(mallory.ws, frames);
  // alice's small sends during the flood are answered promptly (loose bound: a loaded machine).
  const slowest: number[] = [];
  for (let i = 0; i < 5 && mallory.ws.closed === undefined; i++) {
    const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage(`hi ${i}`)));
    alice.state = e.newState;
    const started = performance.now();
    const answer = await alice.ws.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: e.message,
      welcome: null,
    });
    slowest.push(performance.now() - started);
    expect(answer.type).toBe('sent');
    expect((await nextDelivery(bob)).type).toBe('deliver');
  }
  expect(Math.max(...slowest)).toBeLessThan(1000);
  // The flood: a burst of 200 served, then a frame or two a rate step, then the connection is closed.
  expect(await mallory.ws.waitClosed(10_000)).toMatchObject({ code: 4429 });
  expect(seen.answers).toBeLessThan(500);
  expect(seen.answers).toBeGreaterThanOrEqual(200);
});
