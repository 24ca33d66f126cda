/**
 * Who sees whose presence (issue #15, item 4), on the real server program with real clients:
 * being added is not joining — a stranger who adds someone with a Welcome they cannot open learns
 * nothing of their presence — while two people in a conversation both joined see each other, and
 * either can switch sharing off for their account (then neither sees the other's).
 */
import { decodeClientFrame, encodeClientFrame } from '@parley/core';
import { graceForStrayFrames, startServerProcess, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ParleyClient, SocketFactory } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import {
  hasKeyPackages,
  onCleanup,
  openClient,
  type Person,
  person,
  tempDir,
  undecryptable,
} from './fixtures.js';

async function serverProcess(): Promise<string> {
  const proc = await startServerProcess(tempDir('parley-presence-'));
  onCleanup(async () => {
    proc.child.kill('SIGTERM');
    await proc.exited;
  });
  return proc.url;
}

/**
 * The stranger's socket: every Welcome it sends has its last byte (the AEAD tag of the encrypted
 * GroupInfo) flipped, so it still names the added device's key package but cannot be opened.
 * (Its GroupInfo travels with the commit and is verified by the server, so it cannot be junk.)
 */
const unopenableWelcomes: SocketFactory = (url) => {
  const socket = nodeSocketFactory(url);
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    const f = decodeClientFrame(data);
    if (f.type === 'send' && f.welcome !== null) {
      const welcome = f.welcome.slice();
      welcome[welcome.length - 1]! ^= 0xff;
      send(encodeClientFrame({ ...f, welcome }));
    } else send(data);
  };
  return socket;
};

/** Who the server says `client`'s contacts are, by asking it. */
async function presenceSeenBy(client: ParleyClient): Promise<string[]> {
  const answer = await client.connection.request({ type: 'presence_query' });
  if (answer.type !== 'presence') throw new Error(`presence_query: ${answer.type}`);
  return answer.entries.map((e) => e.accountId);
}

/** Every presence event a client gets, by account. */
function presenceLog(client: ParleyClient): string[] {
  const seen: string[] = [];
  client.on('presence', (p) => seen.push(`${p.accountId}:${p.online ? 'online' : 'offline'}`));
  return seen;
}

/** Two people with a direct conversation both have joined. */
async function joinedPair(url: string, a: Person, b: Person) {
  const one = await openClient(url, a);
  const two = await openClient(url, b);
  await hasKeyPackages(two.client);
  const chat = await one.client.directConversation(b.identity.accountId);
  await until(() => two.client.conversations().includes(chat), 'the second person joins');
  return { one, two, chat };
}

test('a stranger who adds someone with a Welcome they cannot open gets none of their presence', async () => {
  const url = await serverProcess();
  const [strangerP, victimP, carolP] = await Promise.all(
    ['mallory', 'victim', 'carol'].map((n) => person(url, n)),
  );
  // The victim and carol really share a conversation: carol's view is the barrier below.
  const { one: victim, two: carol } = await joinedPair(url, victimP!, carolP!);
  await until(() => carol.client.online().includes('victim'), 'carol sees the victim');
  const stranger = await openClient(url, strangerP!, undefined, unopenableWelcomes);
  const strangerSaw = presenceLog(stranger.client);

  await stranger.client.directConversation('victim');
  await until(() => undecryptable.length > 0, 'the victim drops the Welcome it cannot open');
  expect(victim.client.conversations()).toHaveLength(1); // only carol's: the victim sees no new conversation
  expect(await presenceSeenBy(stranger.client)).toEqual([]);
  expect(await presenceSeenBy(victim.client)).toEqual(['carol']);

  // The victim goes offline: carol is told, the stranger is not.
  await victim.client.close();
  await until(() => !carol.client.online().includes('victim'), 'carol sees the victim go offline');
  await graceForStrayFrames();
  expect(strangerSaw).toEqual([]);
  expect(stranger.client.online()).toEqual([]);
  expect(await presenceSeenBy(stranger.client)).toEqual([]);
  // Back online, the victim's device joins the conversation by external commit from the GroupInfo
  // the server verified with the stranger's commit: from then on it is a conversation the victim
  // sees and has joined, so presence between the two is no longer covert.
  const back = await openClient(url, victimP!);
  await until(() => carol.client.online().includes('victim'), 'carol sees the victim come back');
  await until(() => back.client.conversations().length === 2, 'the victim sees the conversation it joined');
  expect(undecryptable.splice(0).map((u) => (u as { code: string }).code)).toEqual(['decrypt_failed']);
});

test('two people in a conversation both joined see each other come and go', async () => {
  const url = await serverProcess();
  const [aliceP, bobP] = await Promise.all(['alice', 'bob'].map((n) => person(url, n)));
  const { one: alice, two: bob } = await joinedPair(url, aliceP!, bobP!);
  await until(() => alice.client.online().includes('bob'), 'alice sees bob online');
  await until(() => bob.client.online().includes('alice'), 'bob sees alice online');
  expect(await presenceSeenBy(alice.client)).toEqual(['bob']);
  await bob.client.close();
  await until(() => !alice.client.online().includes('bob'), 'alice sees bob go offline');
  expect(alice.client.lastSeen('bob')).toBeGreaterThan(0);
});

test('with presence switched off neither side sees the other; switching it on shares again', async () => {
  const url = await serverProcess();
  const [aliceP, bobP] = await Promise.all(['alice', 'bob'].map((n) => person(url, n)));
  const { one: alice, two: bob } = await joinedPair(url, aliceP!, bobP!);
  await until(() => alice.client.online().includes('bob') && bob.client.online().includes('alice'), 'shared');
  expect(await alice.client.sharesPresence()).toBe(true);

  expect(await alice.client.setPresenceSharing(false)).toBe(false);
  expect(await alice.client.sharesPresence()).toBe(false);
  await until(() => !bob.client.online().includes('alice'), 'bob no longer sees alice');
  await until(() => !alice.client.online().includes('bob'), 'alice no longer sees bob (reciprocity)');
  expect(await presenceSeenBy(alice.client)).toEqual([]);
  expect(await presenceSeenBy(bob.client)).toEqual([]);
  const aliceSaw = presenceLog(alice.client);
  const bobSaw = presenceLog(bob.client);
  // Coming and going is not shared in either direction.
  await bob.client.close();
  const bobBack = await openClient(url, bobP!);
  await alice.client.close();
  const aliceBack = await openClient(url, aliceP!);
  await graceForStrayFrames();
  expect(aliceSaw).toEqual([]);
  expect(bobSaw).toEqual([]);
  expect(bobBack.client.online()).toEqual([]);
  expect(aliceBack.client.online()).toEqual([]);
  expect(await presenceSeenBy(bobBack.client)).toEqual([]);

  expect(await aliceBack.client.setPresenceSharing(true)).toBe(true);
  await until(() => bobBack.client.online().includes('alice'), 'bob sees alice again');
  await until(() => aliceBack.client.online().includes('bob'), 'alice sees bob again');
  expect(await presenceSeenBy(aliceBack.client)).toEqual(['bob']);
});
