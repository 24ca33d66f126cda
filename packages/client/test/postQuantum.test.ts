/**
 * The post-quantum choice through the SDK against a real server (real MLS, real SQLite stores): a
 * conversation started in the X-Wing suite among two people on two devices each, every device
 * publishing key packages of that suite, and a typed refusal when someone cannot join one.
 */
import {
  certifyNewDevice,
  DEFAULT_CIPHERSUITE,
  generateStorageKey,
  identityKeyPairOf,
  POST_QUANTUM_CIPHERSUITE,
} from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ParleyClient } from '../src/index.js';
import {
  cs,
  hasKeyPackages,
  type OpenClient,
  openClient,
  type Person,
  person,
  serve,
  tempDir,
  testApi,
} from './fixtures.js';

/** Wait until a client has key packages of the post-quantum suite on the server. */
async function hasPostQuantumKeyPackages(client: ParleyClient): Promise<void> {
  await until(async () => {
    const r = await client.connection.request({ type: 'kp_count', cipherSuite: POST_QUANTUM_CIPHERSUITE });
    return r.type === 'kp_remaining' && r.oneTime > 0 && r.lastResort;
  }, 'post-quantum key packages uploaded');
}

/** A second device of `p`'s account, certified by its identity key and registered. */
async function secondDevice(url: string, p: Person, name: string): Promise<OpenClient> {
  const identity = await certifyNewDevice(identityKeyPairOf(p.identity), name, cs);
  const session = await testApi(url).login(name, `pw-${name}-1234`);
  await testApi(url).addDevice(session.token, identity.certificate);
  return openClient(url, { identity, key: generateStorageKey(), file: `${tempDir('parley-pq-')}/c.sqlite3` });
}

test('a post-quantum group among two people on two devices each: every device joins, messages go round, the suite is reported', async () => {
  const { url } = await serve();
  const [pa, pb] = await Promise.all([person(url, 'alice'), person(url, 'bob')]);
  const a = await openClient(url, pa);
  const b = await openClient(url, pb);
  const a2 = await secondDevice(url, pa, 'alice');
  const b2 = await secondDevice(url, pb, 'bob');
  const all = [a, a2, b, b2];
  for (const x of [a2, b, b2]) await hasPostQuantumKeyPackages(x.client);
  // The default suite's count is its own: the post-quantum packages do not stand in for it.
  const counts = await a.client.connection.request({ type: 'kp_count' });
  expect(counts).toMatchObject({ type: 'kp_remaining', oneTime: 20, lastResort: true });

  const group = await a.client.createGroup('Quantum', ['bob'], { postQuantum: true });
  await until(() => all.every((x) => x.client.conversations().includes(group)), 'every device joins');
  for (const x of all)
    expect(x.client.conversation(group)!.suite).toEqual({
      name: POST_QUANTUM_CIPHERSUITE,
      label: 'X-Wing (post-quantum) · AES-256-GCM',
      postQuantum: true,
    });

  await a.client.sendText(group, 'hello from the future');
  await until(
    () => [a2, b, b2].every((x) => x.inbox.some((m) => m.text === 'hello from the future')),
    'a → all',
  );
  await b2.client.sendText(group, 'and back');
  await until(() => [a, a2, b].every((x) => x.inbox.some((m) => m.text === 'and back')), 'b2 → all');
  // Membership changes work in the suite too: bob's laptop leaves, alice's phone refreshes its leaf.
  await a2.client.selfUpdate(group);
  await a.client.sendText(group, 'after the update');
  await until(() => b2.inbox.some((m) => m.text === 'after the update'), 'still readable after a commit');

  // A one-to-one chat may choose it as well; an ordinary one stays on the default suite.
  const direct = await b.client.directConversation('alice', { postQuantum: true });
  expect(b.client.conversation(direct)!.suite?.postQuantum).toBe(true);
  const plain = await b.client.createConversation(['alice']);
  expect(b.client.conversation(plain)!.suite).toEqual({
    name: DEFAULT_CIPHERSUITE,
    label: 'X25519 · AES-128-GCM',
    postQuantum: false,
  });
});

test('someone none of whose devices published post-quantum key packages is refused with no_key_packages, not waited for', async () => {
  const running = await serve();
  const { url } = running;
  const [pa, pd] = await Promise.all([person(url, 'alice'), person(url, 'dave')]);
  const a = await openClient(url, pa);
  const d = await openClient(url, pd);
  await hasPostQuantumKeyPackages(d.client);
  await hasKeyPackages(d.client);
  // dave's app predates the post-quantum suite: the server holds none of his packages of it.
  await running.server.db
    .deleteFrom('key_packages')
    .where('cipher_suite', '=', POST_QUANTUM_CIPHERSUITE)
    .execute();

  await expect(a.client.createConversation(['dave'], null, { postQuantum: true })).rejects.toMatchObject({
    code: 'no_key_packages',
  });
  // The conversation never started; an ordinary one still can.
  expect(a.client.conversationList()).toEqual([]);
  const plain = await a.client.createConversation(['dave']);
  await until(() => d.client.conversations().includes(plain), 'dave joins the ordinary conversation');
  // Asked for again as post-quantum, the chat that exists is not silently taken for one.
  await expect(a.client.directConversation('dave', { postQuantum: true })).rejects.toMatchObject({
    code: 'usage',
  });
  expect(await a.client.directConversation('dave')).toBe(plain);
});
