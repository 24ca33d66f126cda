/**
 * The Delivery Service end to end: real server on loopback, real WebSockets, real MLS from
 * @parley/core on every device, real SQLite file.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addKeyPackages,
  certifyNewDevice,
  commitPendingProposals,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeAppMessage,
  decodeServerFrame,
  encodeAppMessage,
  encodeDeviceCertificate,
  encryptApplication,
  exportGroupInfo,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackages,
  identityKeyPairOf,
  isActive,
  joinByExternalCommit,
  joinFromWelcome,
  type MlsDevice,
  processIncoming,
  proposeLeave,
  randomBytes,
  removeMembers,
  type ServerFrame,
  selfUpdate,
  textMessage,
  toBase64Url,
  toHex,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { graceForStrayFrames, startServerProcess } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { DEFAULT_CONFIG, runRetention } from '../src/index.js';
import { api, cs, freshPostgres, login, type Running, register, startServer } from './helpers.js';
import { WsClient } from './wsClient.js';

let running: Running | undefined;
/** Every session token handed out, to prove none reaches the logs. */
const tokens: string[] = [];
/** The server the helpers talk to. */
let base = '';
const peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws?.close();
  await running?.stop();
  running = undefined;
});

interface Peer {
  name: string;
  identity: DeviceIdentity;
  mls: MlsDevice;
  ws?: WsClient;
  keyPackages: Map<string, GeneratedKeyPackage>;
  state?: GroupState;
  /** Plaintexts this device decrypted, in order. */
  received: string[];
  /** Highest log sequence number this device has processed. */
  seq: number;
}

async function newPeer(name: string, identity: DeviceIdentity): Promise<Peer> {
  const peer: Peer = {
    name,
    identity,
    mls: await createMlsDevice(identity, { provider: nativeCryptoProvider }),
    keyPackages: new Map(),
    received: [],
    seq: 0,
  };
  peers.push(peer);
  return peer;
}

/** An account with `devices` devices, all registered; returns its peers. */
async function account(name: string, devices: number): Promise<Peer[]> {
  const reg = await register(base, name, 'pw-12345678');
  const session = await login(base, name, 'pw-12345678');
  if (session === 'wrong password') throw new Error('login failed');
  tokens.push(session.body.token);
  const out = [await newPeer(`${name}1`, reg.identity)];
  for (let i = 2; i <= devices; i++) {
    const id = await certifyNewDevice(identityKeyPairOf(reg.identity), reg.identity.accountId, cs, {
      deviceId: `dev${i}`,
    });
    const added = await api(
      base,
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(id.certificate)) },
      session.body.token,
    );
    expect(added.status).toBe(201);
    out.push(await newPeer(`${name}${i}`, id));
  }
  return out;
}

async function goOnline(p: Peer): Promise<void> {
  p.ws = await WsClient.connect(base, p.identity);
  if (p.keyPackages.size === 0) {
    const kps = await generateKeyPackages(p.mls, 3, { lastResort: true });
    for (const kp of kps) p.keyPackages.set(toHex(kp.ref), kp);
    const r = await p.ws.request({
      type: 'kp_upload',
      keyPackages: kps.filter((k) => !k.lastResort).map((k) => k.encoded),
      lastResort: kps.find((k) => k.lastResort)!.encoded,
    });
    expect(r.type).toBe('kp_remaining');
  }
}

async function send(
  p: Peer,
  payload: Uint8Array,
  welcome: Uint8Array | null = null,
  groupInfo: Uint8Array | null = null,
): Promise<ServerFrame> {
  return p.ws!.request({
    type: 'send',
    groupId: p.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload,
    welcome,
    groupInfo,
  });
}

async function say(p: Peer, text: string): Promise<void> {
  const e = await encryptApplication(p.mls, p.state!, encodeAppMessage(textMessage(text)));
  p.state = e.newState;
  const r = await send(p, e.message);
  expect(r.type, `${p.name} sending: ${JSON.stringify(r)}`).toBe('sent');
  if (r.type === 'sent') p.seq = r.seq;
}

/** `creator` starts an MLS group and registers it with the server; returns the group id. */
async function startGroup(creator: Peer): Promise<Uint8Array> {
  creator.state = await createGroup(creator.mls);
  const groupId = creator.state.groupContext.groupId;
  expect(
    await creator.ws!.request({
      type: 'group_create',
      groupId,
      cipherSuite: DEFAULT_CIPHERSUITE,
      groupInfo: await exportGroupInfo(creator.mls, creator.state),
    }),
  ).toMatchObject({
    type: 'ok',
  });
  return groupId;
}

/** Process one group message from the log or a push, in order. */
async function apply(p: Peer, seq: number, payload: Uint8Array): Promise<void> {
  expect(seq, `${p.name} gets messages in order`).toBeGreaterThan(p.seq);
  const r = await processIncoming(p.mls, p.state!, payload);
  p.state = r.newState;
  p.seq = seq;
  if (r.kind === 'application') {
    const body = decodeAppMessage(r.plaintext).body;
    if (body.type === 'text') p.received.push(body.text);
  }
}

/** Handle this device's pushes until `count` group messages were applied. */
async function drain(p: Peer, count: number): Promise<void> {
  for (let applied = 0; applied < count; ) {
    const f = await p.ws!.nextPush();
    if (f.type === 'deliver') {
      await apply(p, f.seq, f.payload);
      applied++;
    } else if (f.type === 'welcome') {
      const { state } = await joinFromWelcome(p.mls, f.welcome, {
        find: async (ref) => p.keyPackages.get(toHex(ref)),
      });
      p.state = state;
      p.seq = f.seq;
      await p.ws!.request({ type: 'welcome_ack', groupId: f.groupId, accepted: true });
      applied++;
    }
  }
}

/** `by` adds every device of `accountPeers`' account; everyone affected processes it. */
async function addAccount(by: Peer, accountId: string, members: Peer[], joiners: Peer[]): Promise<void> {
  const bundle = await by.ws!.request({ type: 'kp_claim', accountId, cipherSuite: DEFAULT_CIPHERSUITE });
  if (bundle.type !== 'kp_bundle') throw new Error(`claim failed: ${JSON.stringify(bundle)}`);
  const kps = bundle.keyPackages.filter(
    (k) => !(accountId === by.identity.accountId && k.deviceId === by.identity.deviceId),
  );
  const c = await addKeyPackages(
    by.mls,
    by.state!,
    kps.map((k) => k.keyPackage),
  );
  const r = await send(by, c.commit, c.welcome, c.groupInfo);
  expect(r.type, 'add commit accepted').toBe('sent');
  by.state = c.newState;
  if (r.type === 'sent') by.seq = r.seq;
  for (const m of members) if (m !== by) await drain(m, 1);
  for (const j of joiners) await drain(j, 1);
}

test('3 accounts × 2 devices: group, messages, offline catch-up, concurrent commits, removal, restart', async () => {
  const logLines: string[] = [];
  running = await startServer({ logLevel: 'trace' }, undefined, { write: (line) => logLines.push(line) });
  base = running.url;
  const alice = await account('alice', 2);
  const bob = await account('bob', 2);
  const carol = await account('carol', 2);
  const dave = await account('dave', 1);
  for (const p of [...alice, ...bob, ...carol, ...dave]) await goOnline(p);
  const [a1, a2] = alice as [Peer, Peer];
  const [b1, b2] = bob as [Peer, Peer];
  const [c1, c2] = carol as [Peer, Peer];
  const [d1] = dave as [Peer];

  // alice1 creates the group; adds her own second device, then bob's and carol's devices.
  const groupId = await startGroup(a1);
  await addAccount(a1, 'alice', [a1], [a2]);
  await addAccount(a1, 'bob', [a1, a2], [b1, b2]);
  await addAccount(a1, 'carol', [a1, a2, b1, b2], [c1, c2]);
  const everyone = [a1, a2, b1, b2, c1, c2];
  expect(new Set(everyone.map((p) => p.state!.groupContext.epoch)).size).toBe(1);

  // Messages flow: each device says something; all others decrypt it.
  for (const p of everyone) {
    await say(p, `hello from ${p.name}`);
    for (const q of everyone) if (q !== p) await drain(q, 1);
  }
  for (const p of everyone) expect(p.received).toHaveLength(5);

  // carol2 goes offline; messages continue; she comes back and catches up from her cursor, in order.
  await c2.ws!.request({ type: 'ack', groupId, seq: c2.seq });
  c2.ws!.close();
  await c2.ws!.waitClosed();
  for (const [i, p] of [a1, b1, c1].entries()) {
    await say(p, `while carol2 was away ${i}`);
    for (const q of everyone) if (q !== p && q !== c2) await drain(q, 1);
  }
  c2.ws = await WsClient.connect(base, c2.identity);
  const sync = await c2.ws.request({ type: 'sync', after: new Uint8Array() });
  expect(sync.type === 'sync_state' && sync.groups.map((g) => [g.acked, g.head - g.acked])).toEqual([
    [c2.seq, 3],
  ]);
  const page = await c2.ws.request({ type: 'fetch', groupId, afterSeq: c2.seq, limit: 2 });
  expect(page.type === 'messages' && [page.items.length, page.more]).toEqual([2, true]);
  let after = c2.seq;
  for (;;) {
    const r = await c2.ws.request({ type: 'fetch', groupId, afterSeq: after, limit: 2 });
    if (r.type !== 'messages') throw new Error('fetch failed');
    for (const m of r.items) {
      await apply(c2, m.seq, m.payload);
      after = m.seq;
    }
    if (!r.more) break;
  }
  expect(c2.received.slice(-3)).toEqual([
    'while carol2 was away 0',
    'while carol2 was away 1',
    'while carol2 was away 2',
  ]);
  await c2.ws.request({ type: 'ack', groupId, seq: after });

  // Two members commit at the same epoch at the same time: exactly one wins.
  const ub = await selfUpdate(b1.mls, b1.state!);
  const uc = await selfUpdate(c1.mls, c1.state!);
  const [rb, rc] = await Promise.all([
    send(b1, ub.commit, null, ub.groupInfo),
    send(c1, uc.commit, null, uc.groupInfo),
  ]);
  expect([rb.type, rc.type].sort()).toEqual(['sent', 'stale_epoch']);
  const [winner, winning] = rb.type === 'sent' ? [b1, ub] : [c1, uc];
  const rejected = rb.type === 'stale_epoch' ? rb : rc;
  expect(rejected.type === 'stale_epoch' && rejected.epoch).toBe(Number(winning.epoch));
  winner.state = winning.newState;
  const sent = rb.type === 'sent' ? rb : rc;
  if (sent.type === 'sent') winner.seq = sent.seq;
  for (const q of everyone) if (q !== winner) await drain(q, 1);
  expect(new Set(everyone.map((p) => toHex(p.state!.keySchedule.epochAuthenticator))).size).toBe(1);

  // alice1 removes carol (both devices). Carol's devices get that commit, then nothing more.
  const removal = await removeMembers(a1.mls, a1.state!, { accountId: 'carol' });
  const rr = await send(a1, removal.commit, null, removal.groupInfo);
  expect(rr.type).toBe('sent');
  a1.state = removal.newState;
  if (rr.type === 'sent') a1.seq = rr.seq;
  for (const q of [a2, b1, b2, c1, c2]) await drain(q, 1);
  expect(isActive(c1.state!)).toBe(false);
  await say(a2, 'after carol left');
  for (const q of [a1, b1, b2]) await drain(q, 1);
  await graceForStrayFrames(); // a deliver wrongly fanned out to carol's device would have come by now
  expect(c1.ws!.pushes.filter((f) => f.type === 'deliver')).toHaveLength(0);
  const late = await c1.ws!.request({ type: 'fetch', groupId, afterSeq: c1.seq, limit: 100 });
  expect(late.type === 'messages' && late.items).toEqual([]);
  const carolPost = await c1.ws!.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: new Uint8Array(10),
    welcome: null,
  });
  expect(carolPost).toMatchObject({ type: 'error', code: 'not_a_member' });

  // A non-member can neither post nor fetch.
  expect(
    await d1.ws!.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: new Uint8Array(10),
      welcome: null,
    }),
  ).toMatchObject({
    type: 'error',
    code: 'not_a_member',
  });
  expect(await d1.ws!.request({ type: 'fetch', groupId, afterSeq: 0, limit: 10 })).toMatchObject({
    type: 'error',
    code: 'not_a_member',
  });

  // A retried send (same message id) is stored once and answered with the same sequence number.
  const e = await encryptApplication(b1.mls, b1.state!, encodeAppMessage(textMessage('retried')));
  b1.state = e.newState;
  const id = randomBytes(16);
  const first = await b1.ws!.request({
    type: 'send',
    groupId,
    messageId: id,
    payload: e.message,
    welcome: null,
  });
  const retry = await b1.ws!.request({
    type: 'send',
    groupId,
    messageId: id,
    payload: e.message,
    welcome: null,
  });
  expect(retry).toEqual({ ...first, requestId: retry.requestId });
  for (const q of [a1, a2, b2]) await drain(q, 1);

  // Kill the server and restart it on the same data directory: every accepted message is there.
  const seqBefore = first.type === 'sent' ? first.seq : 0;
  await running.stop(true);

  // Nothing a person wrote is in the server's database or its logs (at trace level).
  const plaintexts = [...new Set(everyone.flatMap((p) => p.received))];
  expect(plaintexts.length).toBeGreaterThan(8);
  expect(logLines.length).toBeGreaterThan(10);
  const stored = ['parley.sqlite3', 'parley.sqlite3-wal']
    .filter((f) => existsSync(join(running!.dataDir, f)))
    .map((f) => readFileSync(join(running!.dataDir, f)));
  for (const text of plaintexts) {
    for (const file of stored)
      expect(file.includes(Buffer.from(text)), `database holds "${text}"`).toBe(false);
    expect(
      logLines.some((l) => l.includes(text)),
      `logs hold "${text}"`,
    ).toBe(false);
  }
  expect(logLines.some((l) => l.includes('pw-12345678'))).toBe(false);
  expect(tokens.length).toBeGreaterThan(3);
  for (const token of tokens)
    expect(
      logLines.some((l) => l.includes(token)),
      'a session token is logged',
    ).toBe(false);

  running = await startServer({}, running.dataDir);

  base = running.url;
  a2.ws = await WsClient.connect(running.url, a2.identity);
  const all = await a2.ws.request({ type: 'fetch', groupId, afterSeq: 0, limit: 500 });
  if (all.type !== 'messages') throw new Error('fetch after restart failed');
  const seqs = all.items.map((m) => m.seq);
  expect(seqs.at(-1)).toBe(seqBefore);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i)); // contiguous: nothing lost
  const metrics = await api(running.url, 'GET', '/metrics');
  expect(metrics.status).toBe(200);
  // Every device but a2 (which just fetched without acknowledging) is behind: the queue is not empty.
  expect(metrics.body).toMatch(/parley_queue_depth \d+/);
  expect(Number(/parley_queue_depth (\d+)/.exec(metrics.body)![1])).toBeGreaterThan(0);
});

test('presence: contacts see each other online, offline and last seen; strangers see nothing', async () => {
  running = await startServer();
  base = running.url;
  const [a1] = (await account('alice', 1)) as [Peer];
  const [b1] = (await account('bob', 1)) as [Peer];
  const [c1] = (await account('carol', 1)) as [Peer];
  for (const p of [a1, b1, c1]) await goOnline(p);
  await startGroup(a1);
  await addAccount(a1, 'bob', [a1], [b1]);

  const seenByBob = await b1.ws!.request({ type: 'presence_query' });
  expect(seenByBob).toMatchObject({ type: 'presence', entries: [{ accountId: 'alice', online: true }] });
  expect(await c1.ws!.request({ type: 'presence_query' })).toMatchObject({ type: 'presence', entries: [] });

  const before = Date.now();
  a1.ws!.close();
  const offline = await nextPresence(b1);
  expect(offline).toMatchObject({ accountId: 'alice', online: false });
  expect(offline.lastSeen).toBeGreaterThanOrEqual(before);
  expect(await b1.ws!.request({ type: 'presence_query' })).toMatchObject({
    entries: [{ accountId: 'alice', online: false, lastSeen: offline.lastSeen }],
  });
  a1.ws = await WsClient.connect(running.url, a1.identity);
  expect(await nextPresence(b1)).toMatchObject({ accountId: 'alice', online: true });
  // Carol, who shares no conversation with alice, was told nothing.
  expect(c1.ws!.pushes.filter((f) => f.type === 'presence')).toEqual([]);
});

test('a device that lost its state rejoins by external commit; a new device of a member joins; strangers cannot', async () => {
  running = await startServer();
  base = running.url;
  const reg = await register(running.url, 'bob', 'pw-12345678');
  const session = await login(running.url, 'bob', 'pw-12345678');
  if (session === 'wrong password') throw new Error('login failed');
  const [a1] = (await account('alice', 1)) as [Peer];
  const b1 = await newPeer('bob1', reg.identity);
  const [c1] = (await account('carol', 1)) as [Peer];
  for (const p of [a1, b1, c1]) await goOnline(p);
  const groupId = await startGroup(a1);
  await addAccount(a1, 'bob', [a1], [b1]);

  const publishGroupInfo = async (by: Peer) => {
    const groupInfo = await exportGroupInfo(by.mls, by.state!);
    const epoch = Number(by.state!.groupContext.epoch);
    expect(await by.ws!.request({ type: 'group_info_put', groupId, epoch, groupInfo })).toMatchObject({
      type: 'ok',
    });
  };
  await publishGroupInfo(a1);

  // bob1 loses its group state (a reinstall, a corrupted store) and rejoins from the GroupInfo.
  b1.state = undefined;
  const gi = await b1.ws!.request({ type: 'group_info_get', groupId });
  if (gi.type !== 'group_info') throw new Error(`no group info: ${JSON.stringify(gi)}`);
  const rejoin = await joinByExternalCommit(b1.mls, gi.groupInfo, { resync: true });
  const r = await send({ ...b1, state: rejoin.newState }, rejoin.commit, null, rejoin.groupInfo);
  expect(r.type).toBe('sent');
  b1.state = rejoin.newState;
  if (r.type === 'sent') b1.seq = r.seq;
  await drain(a1, 1);
  await say(b1, 'back again');
  await drain(a1, 1);
  expect(a1.received.at(-1)).toBe('back again');
  await publishGroupInfo(a1);

  // bob's new laptop joins the conversation on its own.
  const laptop = await certifyNewDevice(identityKeyPairOf(reg.identity), 'bob', cs, { deviceId: 'laptop' });
  await api(
    running.url,
    'POST',
    '/v1/devices',
    { certificate: toBase64Url(encodeDeviceCertificate(laptop.certificate)) },
    session.body.token,
  );
  const b2 = await newPeer('bob2', laptop);
  await goOnline(b2);
  const gi2 = await b2.ws!.request({ type: 'group_info_get', groupId });
  if (gi2.type !== 'group_info') throw new Error('no group info');
  const join = await joinByExternalCommit(b2.mls, gi2.groupInfo);
  b2.state = join.newState;
  const r2 = await send(b2, join.commit, null, join.groupInfo);
  expect(r2.type).toBe('sent');
  if (r2.type === 'sent') b2.seq = r2.seq;
  await drain(a1, 1);
  await drain(b1, 1);
  await say(b2, 'hello from the laptop');
  await drain(a1, 1);
  await drain(b1, 1);
  expect([a1.received.at(-1), b1.received.at(-1)]).toEqual([
    'hello from the laptop',
    'hello from the laptop',
  ]);

  // carol shares no conversation here: she can neither read the GroupInfo nor join.
  expect(await c1.ws!.request({ type: 'group_info_get', groupId })).toMatchObject({
    type: 'error',
    code: 'not_a_member',
  });
  const stolen = await joinByExternalCommit(c1.mls, gi2.groupInfo);
  expect(
    await c1.ws!.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: stolen.commit,
      welcome: null,
      groupInfo: stolen.groupInfo,
    }),
  ).toMatchObject({
    type: 'error',
    code: 'not_a_member',
  });
});

test('retention deletes only what every member acknowledged and what is past the retention period', async () => {
  running = await startServer({ retentionDays: 1 });
  base = running.url;
  const [a1] = (await account('alice', 1)) as [Peer];
  const [b1] = (await account('bob', 1)) as [Peer];
  for (const p of [a1, b1]) await goOnline(p);
  const groupId = await startGroup(a1);
  await addAccount(a1, 'bob', [a1], [b1]);
  for (let i = 0; i < 4; i++) {
    await say(a1, `m${i}`);
    await drain(b1, 1);
  }
  const { db } = running.server;
  const count = async () =>
    Number(
      (
        await db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  expect(await count()).toBe(5); // the add commit and four messages
  const later = Date.now() + 2 * 24 * 3600_000;
  // bob acknowledged up to the third message, alice (the sender) everything.
  await b1.ws!.request({ type: 'ack', groupId, seq: 4 });
  await a1.ws!.request({ type: 'ack', groupId, seq: a1.seq });
  expect(await runRetention(db, 1, Date.now())).toBe(0); // acknowledged, but not old enough
  expect(await runRetention(db, 1, later)).toBe(4);
  const left = await b1.ws!.request({ type: 'fetch', groupId, afterSeq: 0, limit: 100 });
  expect(left.type === 'messages' && left.items.map((m) => m.seq)).toEqual([5]);
  // The log goes on with the next sequence number.
  await say(a1, 'after retention');
  await drain(b1, 1);
  expect(b1.seq).toBe(6);
});

test('a device leaves: its remove proposal is committed by reference by another member', async () => {
  running = await startServer();
  base = running.url;
  const [a1] = (await account('alice', 1)) as [Peer];
  const [b1, b2] = (await account('bob', 2)) as [Peer, Peer];
  for (const p of [a1, b1, b2]) await goOnline(p);
  const groupId = await startGroup(a1);
  await addAccount(a1, 'bob', [a1], [b1, b2]);

  // bob2 leaves: MLS lets it only propose its own removal.
  const leave = await proposeLeave(b2.mls, b2.state!);
  b2.state = leave.newState;
  const sentProposal = await send(b2, leave.proposal);
  expect(sentProposal.type).toBe('sent');
  if (sentProposal.type === 'sent') b2.seq = sentProposal.seq;
  await drain(a1, 1);
  await drain(b1, 1);
  // A proposal from another leaf than the sender's is refused.
  expect(
    await a1.ws!.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: leave.proposal,
      welcome: null,
    }),
  ).toMatchObject({
    type: 'error',
    code: 'wrong_sender',
  });
  // alice commits the pending proposal (by reference); the server resolves it and removes bob2.
  const c = await commitPendingProposals(a1.mls, a1.state!);
  expect(c.removed.map((m) => m.deviceId)).toEqual(['dev2']);
  const r = await send(a1, c.commit, null, c.groupInfo);
  expect(r.type).toBe('sent');
  a1.state = c.newState;
  if (r.type === 'sent') a1.seq = r.seq;
  await drain(b1, 1);
  await drain(b2, 1);
  expect(isActive(b2.state!)).toBe(false);
  await say(b1, 'bye bob2');
  await drain(a1, 1);
  expect(a1.received.at(-1)).toBe('bye bob2');
  await graceForStrayFrames(); // a deliver wrongly sent to the removed bob2 would have come by now
  expect(b2.ws!.pushes.filter((f) => f.type === 'deliver')).toEqual([]);
  expect(await b2.ws!.request({ type: 'fetch', groupId, afterSeq: b2.seq, limit: 10 })).toMatchObject({
    items: [],
  });
});

/** The request ids of the answers `p`'s connection receives from now on, in arrival order. */
function answerOrder(p: Peer): number[] {
  const order: number[] = [];
  p.ws!.socket.on('message', (data: Buffer) => {
    const id = decodeServerFrame(new Uint8Array(data)).requestId;
    if (id !== 0) order.push(id);
  });
  return order;
}

/** `p` encrypts each text and sends all of them at once, without waiting for any answer. */
async function encryptAll(p: Peer, texts: string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const text of texts) {
    const e = await encryptApplication(p.mls, p.state!, encodeAppMessage(textMessage(text)));
    p.state = e.newState;
    out.push(e.message);
  }
  return out;
}

function sendAll(
  p: Peer,
  frames: Array<{ payload: Uint8Array; messageId?: Uint8Array }>,
): Promise<ServerFrame[]> {
  const groupId = p.state!.groupContext.groupId;
  return Promise.all(
    frames.map(({ payload, messageId }) =>
      p.ws!.request({
        type: 'send',
        groupId,
        messageId: messageId ?? randomBytes(16),
        payload,
        welcome: null,
      }),
    ),
  );
}

/** Two people (one device each) in a new group on the running server; returns them. */
async function pair(first = 'alice', second = 'bob'): Promise<[Peer, Peer]> {
  base = running!.url;
  const [a1] = (await account(first, 1)) as [Peer];
  const [b1] = (await account(second, 1)) as [Peer];
  for (const p of [a1, b1]) await goOnline(p);
  await startGroup(a1);
  await addAccount(a1, second, [a1], [b1]);
  return [a1, b1];
}

/** Run `body` against a server on a fresh PostgreSQL database (dropped after). */
async function onPostgres(body: () => Promise<void>): Promise<'skipped' | undefined> {
  const postgres = await freshPostgres();
  if (postgres === undefined) return 'skipped';
  try {
    running = await startServer({ database: postgres.url });
    await body();
  } finally {
    for (const p of peers.splice(0)) p.ws?.close();
    await running?.stop();
    running = undefined;
    await postgres.drop();
  }
  return undefined;
}

/** One connection sends 64 messages at once: the assertions the pipelining tests share. */
async function pipelined64(): Promise<void> {
  const [a1, b1] = await pair();
  const groupId = a1.state!.groupContext.groupId;
  const order = answerOrder(a1);
  const texts = Array.from({ length: 64 }, (_, i) => `pipelined ${i}`);
  const answers = await sendAll(
    a1,
    (await encryptAll(a1, texts)).map((payload) => ({ payload })),
  );
  expect(answers.map((a) => a.type)).toEqual(texts.map(() => 'sent'));
  expect(order, 'answers in the order the frames were sent').toEqual([...order].sort((x, y) => x - y));
  expect(order).toHaveLength(64);
  const seqs = answers.map((a) => (a.type === 'sent' ? a.seq : -1));
  expect(seqs, 'consecutive sequence numbers in sending order').toEqual(seqs.map((_, i) => seqs[0]! + i));
  await drain(b1, 64);
  expect(b1.received).toEqual(texts);
  const page = await b1.ws!.request({ type: 'fetch', groupId, afterSeq: seqs[0]! - 1, limit: 100 });
  if (page.type !== 'messages') throw new Error('fetch failed');
  expect(page.items.map((m) => m.seq)).toEqual(seqs);
}

test('one connection sends 64 messages without waiting: answered in order with consecutive seqs, all stored, delivered in order', async () => {
  running = await startServer();
  await pipelined64();
});

test('pipelined sends with at most 4 frames in flight per connection: all 64 still answered in order and delivered', async () => {
  running = await startServer({ limits: { ...DEFAULT_CONFIG.limits, framesInFlight: 4 } });
  await pipelined64();
});

test('PostgreSQL: one connection sends 64 messages without waiting: answered in order with consecutive seqs, all stored, delivered in order', async (ctx) => {
  if ((await onPostgres(pipelined64)) === 'skipped') ctx.skip();
});

/**
 * Five groups of two, both members of each sending a pipelined burst, all at once: more groups than
 * PostgreSQL has writers, so several groups' messages are stored by one statement.
 */
async function burstsIntoFiveGroups(): Promise<void> {
  const pairs: Array<[Peer, Peer]> = [];
  for (let g = 0; g < 5; g++) pairs.push(await pair(`alice${g}`, `bob${g}`));
  const n = 12;
  const textsOf = (p: Peer) => Array.from({ length: n }, (_, i) => `${p.name} ${i}`);
  const senders = pairs.flat();
  const payloads = await Promise.all(senders.map((p) => encryptAll(p, textsOf(p))));
  const answers = await Promise.all(
    senders.map((p, i) =>
      sendAll(
        p,
        payloads[i]!.map((payload) => ({ payload })),
      ),
    ),
  );
  const seqsOf = senders.map((p, i) =>
    answers[i]!.map((a) => {
      if (a.type !== 'sent') throw new Error(`${p.name}: ${JSON.stringify(a)}`);
      return a.seq;
    }),
  );
  for (const [g, [a, b]] of pairs.entries()) {
    const [sa, sb] = [seqsOf[2 * g]!, seqsOf[2 * g + 1]!];
    for (const s of [sa, sb])
      expect(s, 'a sender’s messages numbered in the order sent').toEqual([...s].sort((x, y) => x - y));
    const all = [...sa, ...sb].sort((x, y) => x - y);
    expect(all, `group ${g}: every message its own number, no gap`).toEqual(all.map((_, i) => all[0]! + i));
    await drain(a, n);
    await drain(b, n);
    expect(a.received).toEqual(textsOf(b));
    expect(b.received).toEqual(textsOf(a));
  }
}

test('pipelined bursts into five groups at once, from both members of each: every group numbered without gaps, each sender’s order kept, everything delivered', async () => {
  running = await startServer();
  await burstsIntoFiveGroups();
});

test('PostgreSQL: pipelined bursts into five groups at once, from both members of each: every group numbered without gaps, each sender’s order kept, everything delivered', async (ctx) => {
  if ((await onPostgres(burstsIntoFiveGroups)) === 'skipped') ctx.skip();
});

/** On the running server, pipelined writes that fail among others: the assertions both engines share. */
async function failuresInABurst(): Promise<void> {
  const [a1, b1] = await pair();
  const groupId = a1.state!.groupContext.groupId;
  // bob's message takes a message id that alice then (wrongly) uses.
  const taken = randomBytes(16);
  const [bobs] = await encryptAll(b1, ['from bob']);
  expect(
    await b1.ws!.request({ type: 'send', groupId, messageId: taken, payload: bobs!, welcome: null }),
  ).toMatchObject({ type: 'sent' });
  await drain(a1, 1);
  const [m0, m1, m2, m3] = await encryptAll(a1, ['zero', 'one', 'two', 'three']);
  const id0 = randomBytes(16);
  const answers = await sendAll(a1, [
    { payload: m0!, messageId: id0 },
    { payload: m1!, messageId: taken }, // another device's message id
    { payload: m2! },
    { payload: m0!, messageId: id0 }, // a retry of the first: stored once, same answer
    { payload: m3! },
  ]);
  expect(answers[1]).toMatchObject({ type: 'error', code: 'duplicate_message_id' });
  const seqs = [0, 2, 3, 4].map((i) => {
    const a = answers[i]!;
    if (a.type !== 'sent') throw new Error(`frame ${i}: ${JSON.stringify(a)}`);
    return a.seq;
  });
  const [s0, s2, again, s3] = seqs as [number, number, number, number];
  expect(again).toBe(s0);
  expect([s2, s3]).toEqual([s0 + 1, s0 + 2]);
  await drain(b1, 3);
  expect(b1.received).toEqual(['zero', 'two', 'three']);
  const page = await b1.ws!.request({ type: 'fetch', groupId, afterSeq: s0 - 1, limit: 10 });
  if (page.type !== 'messages') throw new Error('fetch failed');
  expect(page.items.map((m) => m.seq)).toEqual([s0, s2, s3]);
  // A non-member's message, and one to a group that does not exist, each get their own refusal.
  const [c1] = (await account('carol', 1)) as [Peer];
  await goOnline(c1);
  const [m4] = await encryptAll(a1, ['four']);
  expect(
    await c1.ws!.request({ type: 'send', groupId, messageId: randomBytes(16), payload: m4!, welcome: null }),
  ).toMatchObject({ type: 'error', code: 'not_a_member' });
  expect(
    await a1.ws!.request({
      type: 'send',
      groupId: randomBytes(16),
      messageId: randomBytes(16),
      payload: m4!,
      welcome: null,
    }),
  ).toMatchObject({ type: 'error', code: 'not_found' });
}

test('failing writes in the middle of a pipelined burst get their own typed answers; the writes around them stand', async () => {
  running = await startServer();
  await failuresInABurst();
});

test('PostgreSQL: failing writes in the middle of a pipelined burst get their own typed answers; the writes around them stand', async (ctx) => {
  if ((await onPostgres(failuresInABurst)) === 'skipped') ctx.skip();
});

test('two commits for one epoch sent at once, between pipelined messages: exactly one wins, the other gets stale_epoch, the messages stand', async () => {
  running = await startServer();
  const [a1, b1] = await pair();
  const groupId = a1.state!.groupContext.groupId;
  const epoch = Number(a1.state!.groupContext.epoch);
  const [a0, aa1] = await encryptAll(a1, ['a before', 'a before 2']);
  const [b0] = await encryptAll(b1, ['b before']);
  const ca = await selfUpdate(a1.mls, a1.state!);
  const cb = await selfUpdate(b1.mls, b1.state!);
  const commit = (p: Peer, c: { commit: Uint8Array; groupInfo: Uint8Array }) =>
    p.ws!.request({
      type: 'send',
      groupId,
      messageId: randomBytes(16),
      payload: c.commit,
      welcome: null,
      groupInfo: c.groupInfo,
    });
  const [fromA, fromB] = await Promise.all([
    Promise.all([sendAll(a1, [{ payload: a0! }, { payload: aa1! }]), commit(a1, ca)]),
    Promise.all([sendAll(b1, [{ payload: b0! }]), commit(b1, cb)]),
  ]);
  const [aMessages, aCommit] = fromA;
  const [bMessages, bCommit] = fromB;
  expect([...aMessages, ...bMessages].map((a) => a.type)).toEqual(['sent', 'sent', 'sent']);
  const outcomes = [aCommit.type, bCommit.type].sort();
  expect(outcomes).toEqual(['sent', 'stale_epoch']);
  const loser = aCommit.type === 'stale_epoch' ? aCommit : bCommit;
  expect(loser).toMatchObject({ type: 'stale_epoch', epoch: epoch + 1 });
  const winner = aCommit.type === 'sent' ? aCommit : bCommit;
  expect(winner).toMatchObject({ epoch: epoch + 1 });
  // The log: three messages and one commit, no gap.
  const page = await a1.ws!.request({ type: 'fetch', groupId, afterSeq: 0, limit: 100 });
  if (page.type !== 'messages') throw new Error('fetch failed');
  const seqs = page.items.map((m) => m.seq);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  for (const a of [...aMessages, ...bMessages, winner]) if (a.type === 'sent') expect(seqs).toContain(a.seq);
  expect(seqs.at(-1)).toBe(
    Math.max(...[...aMessages, ...bMessages, winner].map((a) => (a.type === 'sent' ? a.seq : 0))),
  );
});

test('kill -9 right after accepting messages and in the middle of a pipelined burst, restart on the same data directory: nothing answered is lost, the burst is stored as a prefix', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-kill-'));
  // At most 4 frames in flight per connection: the burst below is written in many small batches.
  let proc = await startServerProcess(dataDir, { limits: { framesInFlight: 4 } });
  try {
    base = proc.url;
    const [a1] = (await account('alice', 1)) as [Peer];
    const [b1] = (await account('bob', 1)) as [Peer];
    for (const p of [a1, b1]) await goOnline(p);
    const groupId = await startGroup(a1);
    await addAccount(a1, 'bob', [a1], [b1]);
    b1.ws!.close();
    const accepted: number[] = [];
    for (let i = 0; i < 25; i++) {
      await say(a1, `durable ${i}`);
      accepted.push(a1.seq);
    }
    // Then a pipelined burst, and kill -9 the moment the 8th `sent` of it arrives: writes of the
    // burst are in flight, some in the batch being flushed, some queued behind it.
    const burst = Array.from({ length: 64 }, (_, i) => `burst ${i}`);
    const payloads = await encryptAll(a1, burst);
    const answered: number[] = [];
    const killed = new Promise((r) => proc.child.once('exit', r));
    a1.ws!.socket.on('message', (data: Buffer) => {
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.type === 'sent' && answered.push(f.seq) === 8) proc.child.kill('SIGKILL');
    });
    void sendAll(
      a1,
      payloads.map((payload) => ({ payload })),
    );
    await killed;
    expect(answered.length).toBeGreaterThanOrEqual(8);

    proc = await startServerProcess(dataDir);
    base = proc.url;
    b1.ws = await WsClient.connect(base, b1.identity);
    const page = await b1.ws.request({ type: 'fetch', groupId, afterSeq: b1.seq, limit: 200 });
    if (page.type !== 'messages') throw new Error('fetch failed');
    const seqs = page.items.map((m) => m.seq);
    expect(seqs.slice(0, accepted.length)).toEqual(accepted);
    // Every answered message is stored, and what is stored of the burst is a prefix of it, in order.
    for (const seq of answered) expect(seqs).toContain(seq);
    for (const m of page.items) await apply(b1, m.seq, m.payload);
    const stored = b1.received.length - accepted.length;
    expect(stored).toBeGreaterThanOrEqual(answered.length);
    expect(b1.received).toEqual([...accepted.map((_, i) => `durable ${i}`), ...burst.slice(0, stored)]);
  } finally {
    for (const p of peers) p.ws?.close();
    proc.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function nextPresence(p: Peer) {
  for (;;) {
    const f = await p.ws!.nextPush();
    if (f.type === 'presence') return f.entries[0]!;
  }
}
