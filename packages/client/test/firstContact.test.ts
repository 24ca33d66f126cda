/**
 * First contact under key transparency (issue #21): a device welcomed into a conversation meets its
 * members' identity keys for the first time, and pins one only if the server's key log proves it.
 * A key the server made up for an account (in no registration or reset entry) is refused, even
 * though its device certificate was logged; a key the log holds — also one an identity reset
 * logged — is pinned.
 */
import { bytesEqual, generateStorageKey } from '@parley/core';
import { impostorDevice, replaceIdentity, until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  hasKeyPackages,
  openClient,
  type Person,
  person,
  serve,
  tempDir,
  undecryptable,
} from './fixtures.js';

test('welcomed by a device under an identity key the log never held, a newcomer refuses to join and pins nothing', async () => {
  const { url, server } = await serve();
  const alice = await person(url, 'alice');
  await person(url, 'bob');
  const a = await openClient(url, alice);
  await hasKeyPackages(a.client);

  // The operator runs a "bob" of its own making: a device whose certificate it logged, under an
  // identity key no registration or reset entry holds. Alice has never met bob.
  const fake: Person = {
    identity: await impostorDevice(server.db, 'bob'),
    key: generateStorageKey(),
    file: `${tempDir('parley-fake-bob-')}/client.sqlite3`,
  };
  const m = await openClient(url, fake);
  const trap = await m.client.createConversation(['alice']);

  await until(() => undecryptable.length > 0, "alice's client refuses the Welcome");
  expect(undecryptable.splice(0)).toEqual([
    expect.objectContaining({ groupId: trap, code: 'key_not_logged' }),
  ]);
  expect(a.client.conversations()).not.toContain(trap);
  expect(await a.client.contact('bob')).toBeUndefined();
});

test('welcomed by a contact who met her first, and by one whose identity reset the log holds, a newcomer pins both keys', async () => {
  const { url, server } = await serve();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const a = await openClient(url, alice!);
  const b = await openClient(url, bob!);
  await hasKeyPackages(a.client);
  const chat = await b.client.createConversation(['alice']);
  await until(() => a.client.conversations().includes(chat), 'alice joins');
  const pinned = await a.client.contact('bob');
  expect(pinned !== undefined && bytesEqual(pinned.identityKey, bob!.identity.identityKey)).toBe(true);

  // Carol starts over with a new identity key (logged as a reset) before alice ever met her.
  const renewed = await replaceIdentity(server.db, 'carol');
  const c = await openClient(url, { ...carol!, identity: renewed });
  const group = await c.client.createConversation(['alice'], 'Book club');
  await until(() => a.client.conversations().includes(group), 'alice joins the Book club');
  const hers = await a.client.contact('carol');
  expect(hers !== undefined && bytesEqual(hers.identityKey, renewed.identityKey)).toBe(true);
});
