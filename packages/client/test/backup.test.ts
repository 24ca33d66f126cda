/**
 * Backup and restore through the SDK (issue #18): a backup made by alice's first device, restored
 * on a new store with her password while none of her devices is online, gives a NEW device of the
 * same identity key with her pinned contacts and verification marks, group names, history and
 * blocks; it joins her conversations by itself, and bob sees no identity change. A backup names
 * its account, and a linked device (without the identity key) cannot make one.
 */
import { generateRecoveryKey, generateStorageKey, parseRecoveryKey, sealBackup } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { readBackup, restoreDevice, writeBackupRecords } from '../src/index.js';
import { SqliteRecordStore } from '../src/node.js';
import { cs, hasKeyPackages, openClient, person, serve, tempDir, testApi } from './fixtures.js';

test('a restored device has the same identity, contacts, names, history and blocks, and chats on', async () => {
  const { url } = await serve();
  const alicePerson = await person(url, 'alice');
  const alice = await openClient(url, alicePerson);
  const bob = await openClient(url, await person(url, 'bob'));
  await person(url, 'carol');
  await hasKeyPackages(bob.client);
  const group = await alice.client.createGroup('club', ['bob']);
  await until(() => bob.client.conversation(group) !== undefined, 'bob joined');
  await alice.client.sendText(group, 'before the backup');
  await until(() => bob.inbox.length === 1, 'bob got it');
  await bob.client.sendText(group, 'a reply');
  await until(() => alice.inbox.length === 1, 'alice got it');
  await alice.client.markVerified('bob');
  await alice.client.block('carol');
  const safetyNumber = await bob.client.safetyNumberWith('alice');

  const { file, recoveryKey } = await alice.client.exportBackup();
  await alice.client.close(); // no device of alice's account is online from here on

  const backup = readBackup(file, recoveryKey);
  const api = testApi(url);
  await expect(restoreDevice(api, backup, 'bob', 'pw-bob-1234', cs)).rejects.toThrow(
    'this backup is of the account alice',
  );
  await expect(restoreDevice(api, backup, 'alice', 'wrong password', cs)).rejects.toMatchObject({
    code: 'wrong_password',
  });
  const identity = await restoreDevice(api, backup, 'alice', 'pw-alice-1234', cs);
  expect(identity.identityKey).toEqual(alicePerson.identity.identityKey);
  expect(identity.identityPrivateKey).toEqual(alicePerson.identity.identityPrivateKey);
  expect(identity.deviceId).not.toBe(alicePerson.identity.deviceId);
  const restoredPerson = {
    identity,
    key: generateStorageKey(),
    file: `${tempDir('parley-restored-')}/c.sqlite3`,
  };
  await writeBackupRecords(new SqliteRecordStore(restoredPerson.file), restoredPerson.key, backup);
  const restored = await openClient(url, restoredPerson);
  await restored.client.sync();

  await until(() => restored.client.epoch(group) !== undefined, 'the restored device joined');
  expect(restored.client.conversation(group)?.name).toBe('club');
  expect((await restored.client.history(group)).map((m) => [m.from.accountId, m.text])).toEqual([
    ['alice', 'before the backup'],
    ['bob', 'a reply'],
  ]);
  expect((await restored.client.contact('bob'))?.verified).toBe(true);
  expect(restored.client.blocked()).toEqual(['carol']);

  await bob.client.sendText(group, 'welcome back');
  await until(() => restored.inbox.some((m) => m.text === 'welcome back'), 'the restored device reads bob');
  await restored.client.sendText(group, 'from the new device');
  await until(() => bob.inbox.some((m) => m.text === 'from the new device'), 'bob reads it');
  expect(await bob.client.pendingIdentityChanges()).toEqual([]);
  expect(await bob.client.safetyNumberWith('alice')).toEqual(safetyNumber);
});

test('only a device holding the identity key makes a backup', async () => {
  const { url } = await serve();
  const alicePerson = await person(url, 'alice');
  const linked = { ...alicePerson, identity: { ...alicePerson.identity, identityPrivateKey: null } };
  const alice = await openClient(url, linked);
  await expect(alice.client.exportBackup()).rejects.toThrow('only the first device of an account');
});

test('a backup holding records no backup holds (group state, the outbox) or unreadable ones is refused', () => {
  const recoveryKey = generateRecoveryKey();
  const key = parseRecoveryKey(recoveryKey);
  const contents = (ns: string, value: string) => ({
    accountId: 'alice',
    identityKey: new Uint8Array(32),
    identityPrivateKey: new Uint8Array(32),
    createdAt: 1,
    records: [{ ns, key: 'k', value: new TextEncoder().encode(value) }],
  });
  expect(readBackup(sealBackup(contents('messages:ab12', '{}'), key), recoveryKey).records).toHaveLength(1);
  for (const [ns, value] of [
    ['groups', '{}'],
    ['outbox', '{}'],
    ['messages:../x', '{}'],
    ['identities', 'not json'],
  ] as const)
    expect(() => readBackup(sealBackup(contents(ns, value), key), recoveryKey)).toThrow(
      expect.objectContaining({ code: 'backup_invalid' }),
    );
});
