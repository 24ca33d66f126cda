/**
 * Blocking an account (issue #18): its messages are dropped by the blocker's devices in every
 * conversation (others still get them), a conversation it alone shares with the blocker — its
 * invitation — is not listed, presence stops between the two on the server, and unblocking undoes
 * it. The block survives a restart, and one made offline reaches the server at the next connection.
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ParleyClient } from '../src/index.js';
import { hasKeyPackages, type OpenClient, openClient, openStore, person, serve } from './fixtures.js';

/** The accounts the server lets `client` see the presence of. */
async function presenceSeenBy(client: ParleyClient): Promise<string[]> {
  const answer = await client.connection.request({ type: 'presence_query' });
  if (answer.type !== 'presence') throw new Error(`presence_query: ${answer.type}`);
  return answer.entries.map((e) => e.accountId).sort();
}

const texts = (c: OpenClient) => c.inbox.map((m) => m.text);

test('a blocked account is silenced for the blocker alone, its invitation unlisted, presence cut both ways; unblocking restores it', async () => {
  const { url } = await serve();
  const [pa, pb, pm] = [await person(url, 'alice'), await person(url, 'bob'), await person(url, 'mallory')];
  const [alice, bob, mallory] = [
    await openClient(url, pa),
    await openClient(url, pb),
    await openClient(url, pm),
  ];
  for (const c of [alice, bob, mallory]) await hasKeyPackages(c.client);
  const group = await alice.client.createGroup('club', ['bob', 'mallory']);
  await until(
    () => mallory.client.conversation(group) !== undefined && bob.client.conversation(group) !== undefined,
    'joined',
  );
  await mallory.client.sendText(group, 'before the block');
  await until(() => texts(alice).includes('before the block'), 'alice reads mallory');
  await until(async () => (await presenceSeenBy(mallory.client)).includes('alice'), 'presence flows');

  await alice.client.block('Mallory');
  expect(alice.client.blocked()).toEqual(['mallory']);
  await until(
    async () => !(await presenceSeenBy(mallory.client)).includes('alice'),
    'mallory no longer sees alice',
  );
  expect(await presenceSeenBy(alice.client)).toEqual(['bob']);

  await mallory.client.sendText(group, 'while blocked');
  const direct = await mallory.client.directConversation('alice');
  await mallory.client.sendText(direct, 'let me in');
  await bob.client.sendText(group, 'bob after the block');
  await until(() => texts(bob).includes('while blocked'), 'bob still reads mallory');
  await until(() => texts(alice).includes('bob after the block'), 'alice reads bob');
  // Alice joined mallory's new one-to-one (MLS adds her), but it is not listed and nothing of it shows.
  await until(() => alice.client.conversation(direct) !== undefined, 'the Welcome was processed');
  expect(texts(alice)).not.toContain('while blocked');
  expect(texts(alice)).not.toContain('let me in');
  expect(alice.client.conversationList().map((c) => c.id)).toEqual([group]);
  expect((await alice.client.history(group)).map((m) => m.text)).toEqual([
    'before the block',
    'bob after the block',
  ]);

  // The block is kept across a restart.
  await alice.client.close();
  const again = await openStore(url, pa);
  expect(again.blocked()).toEqual(['mallory']);
  await again.close();

  const back = await openClient(url, pa);
  await back.client.unblock('mallory');
  await until(async () => (await presenceSeenBy(mallory.client)).includes('alice'), 'presence flows again');
  await mallory.client.sendText(group, 'after the unblock');
  await until(() => texts(back).includes('after the unblock'), 'alice reads mallory again');
  expect(
    back.client
      .conversationList()
      .map((c) => c.id)
      .sort(),
  ).toEqual([direct, group].sort());
});

test('a block made offline reaches the server when the device is back online', async () => {
  const server = await serve();
  const [pa, pm] = [await person(server.url, 'alice'), await person(server.url, 'mallory')];
  const mallory = await openClient(server.url, pm);
  await hasKeyPackages(mallory.client);
  const alice = await openClient(server.url, pa);
  await hasKeyPackages(alice.client);
  await mallory.client.directConversation('alice');
  await until(async () => (await presenceSeenBy(mallory.client)).includes('alice'), 'presence flows');
  await alice.client.close();
  const offline = await openStore(server.url, pa); // not started: offline
  await offline.block('mallory');
  offline.start();
  await offline.connection.waitOnline();
  await until(
    async () => !(await presenceSeenBy(mallory.client)).includes('alice'),
    'the server learnt the block',
  );
  await offline.close();
});

test('blocking refuses nonsense: oneself, a non-name', async () => {
  const { url } = await serve();
  const alice = await openClient(url, await person(url, 'alice'));
  await expect(alice.client.block('alice')).rejects.toThrow(/yourself/);
  await expect(alice.client.block('')).rejects.toThrow(/not a username/);
});
