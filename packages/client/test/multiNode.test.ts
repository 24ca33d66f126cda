/**
 * Several server nodes on one PostgreSQL and one Redis (issue #6): two real server processes,
 * clients connected to different nodes, commits racing through both, and a node killed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addKeyPackages,
  certifyNewDevice,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  exportGroupInfo,
  fromHex,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackages,
  generateStorageKey,
  identityKeyPairOf,
  issueDeviceRevocation,
  joinFromWelcome,
  type MlsDevice,
  processIncoming,
  randomBytes,
  type ServerFrame,
  selfUpdate,
  toBase64Url,
  toHex,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { until as waitUntil } from '@parley/testing';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, expect, test } from 'vitest';
import { type ChatMessage, Connection, ParleyApi, ParleyClient } from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';
import { createServices, type Node, type Services, startNode } from './cluster.js';

const cs = await nativeCiphersuite();
/**
 * The people whose password is not what a test is about register with the cheap test key stretching
 * (refused outside a test run); the raw OPAQUE logins below (dana, fay) use the production one.
 */
const cheapApi = (url: string) => new ParleyApi(url, { unsafeTestingCheapKsf: true });

let services: Services | undefined;
let nodes: Node[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
const undecryptable: unknown[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const n of nodes.splice(0)) await n.kill();
  await services?.drop();
  services = undefined;
  expect(undecryptable.splice(0)).toEqual([]);
});

/**
 * Two server processes on a fresh PostgreSQL database and Redis prefix of their own (undefined when
 * the services are absent outside CI: the test is then skipped).
 */
async function twoNodes(extraArgs: string[] = []): Promise<[Node, Node] | undefined> {
  services = await createServices();
  if (services === undefined) return undefined;
  nodes = await Promise.all([startNode(services, extraArgs), startNode(services, extraArgs)]);
  return nodes as [Node, Node];
}

/** The shared `until`, given longer: two server processes with Redis between them, on a loaded machine. */
function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  return waitUntil(check, what, ms);
}

interface Chatter {
  client: ParleyClient;
  inbox: ChatMessage[];
  /** The node URLs this client's WebSockets went to, in order. */
  connectedTo: string[];
}

/**
 * A person registered through `via`, whose client connects to `nodeUrls[0]` and, each time it has to
 * reconnect, to the next one in turn (as a client behind a load balancer that drops a dead node).
 */
async function chatter(via: string, name: string, nodeUrls: string[]): Promise<Chatter> {
  const identity = await cheapApi(via).register(name, `pw-${name}-1234`, cs);
  const dir = mkdtempSync(join(tmpdir(), `parley-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const connectedTo: string[] = [];
  let next = 0;
  const client = await ParleyClient.open({
    serverUrl: nodeUrls[0]!,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: () => {
      const url = nodeUrls[next++ % nodeUrls.length]!;
      connectedTo.push(url);
      return nodeSocketFactory(`${url.replace(/^http/, 'ws')}/v1/ws`);
    },
    backoff: { initialMs: 50, maxMs: 300 },
  });
  cleanups.push(() => client.close());
  const inbox: ChatMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  client.on('undecryptable', (u) => undecryptable.push(u));
  client.start();
  await client.connection.waitOnline();
  await until(async () => {
    const r = await client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime > 0;
  }, `${name}'s key packages`);
  return { client, inbox, connectedTo };
}

async function post(url: string, path: string, body: unknown, token?: string, headers = {}) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const texts = (c: Chatter, chat: string) => c.inbox.filter((m) => m.groupId === chat).map((m) => m.text);

test('clients connected to different nodes chat one-to-one and in a group, and see each other online', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  const alice = await chatter(a.url, 'alice', [a.url]);
  const bob = await chatter(b.url, 'bob', [b.url]);
  const carol = await chatter(b.url, 'carol', [b.url]);

  // One-to-one: alice (node A) and bob (node B).
  const direct = await alice.client.createConversation(['bob']);
  await until(() => bob.client.conversations().includes(direct), 'bob joins (Welcome across nodes)');
  await alice.client.sendText(direct, 'hi bob, from node A');
  await until(() => texts(bob, direct).length === 1, 'bob receives');
  await bob.client.sendText(direct, 'hi alice, from node B');
  await until(() => texts(alice, direct).length === 1, 'alice receives');
  expect(texts(bob, direct)).toEqual(['hi bob, from node A']);
  expect(texts(alice, direct)).toEqual(['hi alice, from node B']);

  // A group started on node B with a member on node A.
  const group = await bob.client.createConversation(['alice', 'carol']);
  await until(
    () => alice.client.conversations().includes(group) && carol.client.conversations().includes(group),
    'alice and carol join',
  );
  for (const [who, text] of [
    [alice, 'alice here'],
    [bob, 'bob here'],
    [carol, 'carol here'],
  ] as const) {
    await who.client.sendText(group, text);
    await until(
      () => [alice, bob, carol].every((x) => x === who || texts(x, group).includes(text)),
      `everyone receives "${text}"`,
    );
  }
  expect(texts(alice, group)).toEqual(['bob here', 'carol here']);
  expect(texts(carol, group)).toEqual(['alice here', 'bob here']);

  // Presence spans nodes: alice, on node A, sees bob and carol (node B) online.
  const presence = await alice.client.connection.request({ type: 'presence_query' });
  expect(presence.type === 'presence' && presence.entries.map((e) => [e.accountId, e.online])).toEqual([
    ['bob', true],
    ['carol', true],
  ]);
});

test('bursts into five conversations at once, from both nodes: every message stored once, and everyone sees each conversation in one order', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  const alice = await chatter(a.url, 'alice', [a.url]);
  const bob = await chatter(b.url, 'bob', [b.url]);
  const carol = await chatter(a.url, 'carol', [a.url]);
  const people = { alice, bob, carol };
  // Five groups (more than a node has database writers, so some share one and their messages are
  // stored by the same statements), each with members on both nodes or, for alice and carol, on one.
  const plan: Array<[Chatter, Array<keyof typeof people>]> = [
    [alice, ['bob', 'carol']],
    [bob, ['alice', 'carol']],
    [alice, ['bob']],
    [bob, ['carol']],
    [carol, ['alice']],
  ];
  const chats: Array<{ id: string; members: Chatter[] }> = [];
  for (const [creator, others] of plan) {
    const id = await creator.client.createConversation(others);
    const members = [creator, ...others.map((o) => people[o])];
    await until(() => members.every((m) => m.client.conversations().includes(id)), 'everyone joins');
    chats.push({ id, members });
  }
  const perSender = 8;
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < perSender; i++)
    for (const { id, members } of chats)
      for (const m of members) sends.push(m.client.sendText(id, `${id.slice(0, 6)} ${nameOf(m)} ${i}`));
  await Promise.all(sends);
  for (const { id, members } of chats) {
    const total = members.length * perSender;
    await until(
      async () => {
        for (const m of members) {
          const h = await m.client.history(id);
          if (h.length !== total || h.some((x) => x.seq === 0)) return false;
        }
        return true;
      },
      `every message of ${id.slice(0, 6)} stored and received`,
    );
    const views = await Promise.all(
      members.map(async (m) => (await m.client.history(id)).map((x) => [x.seq, x.text] as const)),
    );
    const seqs = views[0]!.map(([seq]) => seq);
    expect(new Set(seqs).size, 'no two messages share a sequence number').toBe(total);
    // The log (texts and the receipts and other messages the clients send on their own): no gap.
    const log = await members[0]!.client.connection.request({
      type: 'fetch',
      groupId: fromHex(id),
      afterSeq: 0,
      limit: 500,
    });
    if (log.type !== 'messages') throw new Error('fetch failed');
    const logSeqs = log.items.map((m) => m.seq);
    expect(logSeqs, 'no gap in the log').toEqual(logSeqs.map((_, i) => logSeqs[0]! + i));
    expect(logSeqs).toEqual(expect.arrayContaining(seqs));
    for (const v of views) expect(v, 'the same order for everyone').toEqual(views[0]);
    for (const m of members) {
      const own = views[0]!.map(([, text]) => text).filter((t) => t.includes(` ${nameOf(m)} `));
      expect(own, "each sender's messages in the order sent").toEqual(
        Array.from({ length: perSender }, (_, i) => `${id.slice(0, 6)} ${nameOf(m)} ${i}`),
      );
    }
  }

  function nameOf(c: Chatter): string {
    return Object.entries(people).find(([, p]) => p === c)![0];
  }
});

test('an OPAQUE login started on one node finishes on the other', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  await new ParleyApi(a.url).register('dana', 'pw-dana-1234', cs);
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: 'pw-dana-1234' });
  const start = await post(a.url, '/v1/sessions/login/start', { username: 'dana', startLoginRequest });
  expect(start.status).toBe(200);
  const finished = opaque.client.finishLogin({
    clientLoginState,
    loginResponse: start.body.loginResponse!,
    password: 'pw-dana-1234',
  });
  const finish = await post(b.url, '/v1/sessions/login/finish', {
    loginId: start.body.loginId,
    finishLoginRequest: finished!.finishLoginRequest,
  });
  expect(finish).toMatchObject({ status: 200, body: { username: 'dana' } });
  // The pending login was used up: finishing it again, on either node, fails.
  const again = await post(a.url, '/v1/sessions/login/finish', {
    loginId: start.body.loginId,
    finishLoginRequest: finished!.finishLoginRequest,
  });
  expect(again).toMatchObject({ status: 401, body: { error: { code: 'login_expired' } } });
});

test('login throttles hold across nodes, and lock the owner out on neither', async (ctx) => {
  // Both nodes sit behind a "proxy" on loopback, so X-Forwarded-For plays two client addresses.
  const pair = await twoNodes(['--trust-proxy', 'loopback']);
  if (pair === undefined) return ctx.skip();
  await new ParleyApi(pair[0].url).register('fay', 'pw-fay-12345', cs);
  await opaque.ready;
  const attacker = { 'x-forwarded-for': '203.0.113.7' };
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const { startLoginRequest } = opaque.client.startLogin({ password: `guess-${i}` });
    const body = { username: 'fay', startLoginRequest };
    statuses.push(
      (await post(pair[i % 2]!.url, '/v1/sessions/login/start', body, undefined, attacker)).status,
    );
  }
  // limits.loginsPerMinute (10) for the two nodes together, not for each.
  expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
  const owner = { 'x-forwarded-for': '198.51.100.20' };
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: 'pw-fay-12345' });
  const start = await post(
    pair[1].url,
    '/v1/sessions/login/start',
    { username: 'fay', startLoginRequest },
    undefined,
    owner,
  );
  expect(start.status).toBe(200);
  const finished = opaque.client.finishLogin({
    clientLoginState,
    loginResponse: start.body.loginResponse!,
    password: 'pw-fay-12345',
  });
  const finish = await post(
    pair[0].url,
    '/v1/sessions/login/finish',
    { loginId: start.body.loginId, finishLoginRequest: finished!.finishLoginRequest },
    undefined,
    owner,
  );
  expect(finish).toMatchObject({ status: 200, body: { username: 'fay' } });
});

test('revoking a device through one node cuts off its connection on the other at once', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  const api = cheapApi(a.url);
  const owner = await api.register('erin', 'pw-erin-1234', cs);
  const { token } = await api.login('erin', 'pw-erin-1234');
  const phone = await certifyNewDevice(identityKeyPairOf(owner), 'erin', cs, { deviceId: 'phone' });
  const added = await post(
    a.url,
    '/v1/devices',
    { certificate: toBase64Url(encodeDeviceCertificate(phone.certificate)) },
    token,
  );
  expect(added.status).toBe(201);
  const conn = new Connection({
    url: b.url,
    identity: phone,
    signature: cs.signature,
    socketFactory: nodeSocketFactory,
  });
  cleanups.push(() => conn.close());
  conn.start();
  await conn.waitOnline();
  const revocation = await issueDeviceRevocation(identityKeyPairOf(owner), phone.certificate, cs.signature);
  const revoked = await post(
    a.url,
    '/v1/devices/phone/revoke',
    { revocation: toBase64Url(encodeDeviceRevocation(revocation)) },
    token,
  );
  expect(revoked.status).toBe(200);
  // Node B closes the connection (told through Redis); the reconnection is then refused for good.
  await until(() => conn.state === 'closed', 'the phone is cut off');
});

/** A device speaking frames directly (no SDK), to send two commits at the same instant. */
interface RawDevice {
  identity: DeviceIdentity;
  mls: MlsDevice;
  conn: Connection;
  keyPackages: Map<string, GeneratedKeyPackage>;
  state?: GroupState;
  pushes: ServerFrame[];
}

async function rawDevice(node: Node, name: string): Promise<RawDevice> {
  const identity = await cheapApi(node.url).register(name, `pw-${name}-1234`, cs);
  const conn = new Connection({
    url: node.url,
    identity,
    signature: cs.signature,
    socketFactory: nodeSocketFactory,
  });
  const device: RawDevice = {
    identity,
    mls: await createMlsDevice(identity, { provider: nativeCryptoProvider }),
    conn,
    keyPackages: new Map(),
    pushes: [],
  };
  conn.onPush((f) => device.pushes.push(f));
  conn.start();
  cleanups.push(() => conn.close());
  await conn.waitOnline();
  const kps = await generateKeyPackages(device.mls, 2, { lastResort: true });
  for (const kp of kps) device.keyPackages.set(toHex(kp.ref), kp);
  await conn.request({
    type: 'kp_upload',
    keyPackages: kps.filter((k) => !k.lastResort).map((k) => k.encoded),
    lastResort: kps.find((k) => k.lastResort)!.encoded,
  });
  return device;
}

/** Send a commit with its Welcome (if any) and the GroupInfo of the epoch it starts. */
function sendTo(d: RawDevice, c: { commit: Uint8Array; welcome: Uint8Array | null; groupInfo: Uint8Array }) {
  return d.conn.request({
    type: 'send',
    groupId: d.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload: c.commit,
    welcome: c.welcome,
    groupInfo: c.groupInfo,
  });
}

test('commits for the same epoch sent to both nodes at the same instant: exactly one wins, every round', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  const alice = await rawDevice(a, 'alice');
  const bob = await rawDevice(b, 'bob');
  alice.state = await createGroup(alice.mls);
  const groupId = alice.state.groupContext.groupId;
  expect(
    await alice.conn.request({
      type: 'group_create',
      groupId,
      cipherSuite: DEFAULT_CIPHERSUITE,
      groupInfo: await exportGroupInfo(alice.mls, alice.state),
    }),
  ).toMatchObject({ type: 'ok' });
  const bundle = await alice.conn.request({
    type: 'kp_claim',
    accountId: 'bob',
    cipherSuite: DEFAULT_CIPHERSUITE,
  });
  if (bundle.type !== 'kp_bundle') throw new Error('claim failed');
  const add = await addKeyPackages(
    alice.mls,
    alice.state,
    bundle.keyPackages.map((k) => k.keyPackage),
  );
  expect((await sendTo(alice, add)).type).toBe('sent');
  alice.state = add.newState;
  // The Welcome reaches bob on node B through Redis.
  await until(() => bob.pushes.some((f) => f.type === 'welcome'), 'bob gets the Welcome');
  const w = bob.pushes.find((f) => f.type === 'welcome');
  if (w?.type !== 'welcome') throw new Error('no Welcome');
  bob.state = (
    await joinFromWelcome(bob.mls, w.welcome, { find: async (ref) => bob.keyPackages.get(toHex(ref)) })
  ).state;
  let seen = w.seq;

  const rounds = 8;
  const winners: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const [ca, cb] = await Promise.all([selfUpdate(alice.mls, alice.state), selfUpdate(bob.mls, bob.state)]);
    const [ra, rb] = await Promise.all([sendTo(alice, ca), sendTo(bob, cb)]);
    expect([ra.type, rb.type].sort(), `round ${round}`).toEqual(['sent', 'stale_epoch']);
    const [winner, loser, won] = ra.type === 'sent' ? [alice, bob, ca] : [bob, alice, cb];
    winners.push(winner.identity.accountId);
    winner.state = won.newState;
    // The loser learns the winner's commit from the log and applies it; both are then in step.
    const page = await loser.conn.request({ type: 'fetch', groupId, afterSeq: seen, limit: 10 });
    if (page.type !== 'messages') throw new Error('fetch failed');
    expect(page.items).toHaveLength(1);
    loser.state = (await processIncoming(loser.mls, loser.state!, page.items[0]!.payload)).newState;
    seen = page.items[0]!.seq;
    expect(loser.state.groupContext.epoch).toBe(winner.state.groupContext.epoch);
  }
  // The server's log holds the add and one commit per round, with no gap and nothing else.
  const log = await alice.conn.request({ type: 'fetch', groupId, afterSeq: 0, limit: 100 });
  expect(log.type === 'messages' && log.items.map((m) => m.seq)).toEqual(
    Array.from({ length: rounds + 1 }, (_, i) => i + 1),
  );
  expect(winners).toHaveLength(rounds);
});

test('a node killed: its clients reconnect to the other node and catch up, with nothing lost either way', async (ctx) => {
  const pair = await twoNodes();
  if (pair === undefined) return ctx.skip();
  const [a, b] = pair;
  // bob starts on node A and fails over to node B; alice stays on node B.
  const bob = await chatter(a.url, 'bob', [a.url, b.url]);
  const alice = await chatter(b.url, 'alice', [b.url]);
  const chat = await alice.client.createConversation(['bob']);
  await until(() => bob.client.conversations().includes(chat), 'bob joins');
  await alice.client.sendText(chat, 'before 0');
  await until(() => texts(bob, chat).length === 1, 'bob receives before the crash');

  // Every state bob's connection goes through (it may be back online before a poll would see it).
  const states: string[] = [];
  bob.client.connection.onState((s) => states.push(s));
  await a.kill();
  await until(() => states.some((s) => s !== 'online'), 'bob notices the crash');
  // Both keep writing while bob is between nodes.
  const fromAlice = Array.from({ length: 10 }, (_, i) => `during ${i}`);
  const fromBob = Array.from({ length: 5 }, (_, i) => `bob during ${i}`);
  await Promise.all([
    (async () => {
      for (const t of fromAlice) await alice.client.sendText(chat, t);
    })(),
    (async () => {
      for (const t of fromBob) await bob.client.sendText(chat, t);
    })(),
  ]);
  await until(() => bob.client.connection.state === 'online', 'bob back online');
  expect(bob.connectedTo.at(-1)).toBe(b.url);
  await until(() => texts(bob, chat).length === 1 + fromAlice.length, 'bob catches up');
  await until(async () => (await bob.client.pending()) === 0, "bob's outbox sent");
  await until(() => texts(alice, chat).length === fromBob.length, 'alice receives what bob wrote');
  expect(texts(bob, chat)).toEqual(['before 0', ...fromAlice]);
  expect(texts(alice, chat)).toEqual(fromBob);
  const seqs = bob.inbox.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
});
