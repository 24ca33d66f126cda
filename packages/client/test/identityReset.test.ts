/**
 * An identity reset without any device or backup (issue #18): with the password alone the account
 * takes a new identity key; its old devices are refused; the new device joins the conversations
 * and removes the old ones; contacts are warned of a key change. Neither a session token nor a
 * wrong password resets anything, and an account resets at most a few times a day.
 */
import { join } from 'node:path';
import { Connection, ParleyApi, prepareResetDevice, resetIdentity } from '@parley/client';
import { nodeSocketFactory, SqliteRecordStore } from '@parley/client/node';
import { bytesEqual, generateStorageKey, toBase64Url } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { cs, hasKeyPackages, openClient, person, serve, tempDir } from './fixtures.js';

test('a reset with the password alone: a new key, the old device refused and removed, the contact warned', async () => {
  const { url, server } = await serve();
  const [alice, bob] = await Promise.all(['alice', 'bob'].map((n) => person(url, n)));
  const a = await openClient(url, alice!);
  const b = await openClient(url, bob!);
  await hasKeyPackages(b.client);
  const chat = await a.client.createConversation(['bob'], 'Plans');
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  await a.client.close(); // alice loses her only device, and her recovery key with it
  const api = new ParleyApi(url, { unsafeTestingCheapKsf: true });

  // A session token, however fresh (a thief's), is no proof of the password: the route wants the
  // second step of a login made for it. A wrong password fails before anything is sent.
  const stolen = await api.login('alice', 'pw-alice-1234');
  const replay = await fetch(`${url}/v1/accounts/identity/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stolen.token}` },
    body: JSON.stringify({
      loginId: 'AAAA',
      finishLoginRequest: 'AAAA',
      identityKey: toBase64Url(new Uint8Array(32)),
      deviceCertificate: 'AAAA',
    }),
  });
  expect(replay.status).toBe(401);
  await expect(resetIdentity(api, 'alice', 'not her password', cs)).rejects.toMatchObject({
    code: 'wrong_password',
  });
  const before = await server.db
    .selectFrom('accounts')
    .select('identity_key')
    .where('username', '=', 'alice')
    .executeTakeFirstOrThrow();
  expect(bytesEqual(before.identity_key, alice!.identity.identityKey)).toBe(true);

  const { identity, reset } = await resetIdentity(api, 'alice', 'pw-alice-1234', cs);
  expect(reset.revokedDevices).toEqual([alice!.identity.deviceId]);
  expect(bytesEqual(reset.formerIdentityKey, alice!.identity.identityKey)).toBe(true);
  expect(bytesEqual((await api.account(reset.token, 'alice')).identityKey, identity.identityKey)).toBe(true);
  // Every earlier session went with the reset.
  await expect(api.account(stolen.token, 'alice')).rejects.toMatchObject({ code: 'unauthorized' });
  const recorded = await server.db
    .selectFrom('identity_resets')
    .selectAll()
    .where('username', '=', 'alice')
    .execute();
  expect(recorded.map((r) => r.revoked_devices)).toEqual([1]);

  // The old device is refused.
  const old = new Connection({
    url,
    identity: alice!.identity,
    signature: cs.signature,
    socketFactory: nodeSocketFactory,
  });
  old.start();
  await expect(old.waitOnline(5000)).rejects.toMatchObject({ code: 'auth_failed' });
  old.close();

  // The new device joins the conversation, takes the old one out, and is heard — after bob,
  // warned of alice's key change, accepts it.
  const renewed = {
    identity,
    key: generateStorageKey(),
    file: join(tempDir('parley-alice-reset-'), 'client.sqlite3'),
  };
  const records = new SqliteRecordStore(renewed.file);
  await prepareResetDevice(records, renewed.key, reset);
  await records.close();
  const a2 = await openClient(url, renewed);
  await until(() => a2.client.conversations().includes(chat), "alice's new device joins");
  const aliceDevicesIn = async () =>
    (
      await server.db
        .selectFrom('group_members')
        .select('device_id')
        .where('username', '=', 'alice')
        .where('removed_seq', 'is', null)
        .execute()
    ).map((r) => r.device_id);
  await until(async () => (await aliceDevicesIn()).length === 1, 'the old device leaves the conversation');
  expect(await aliceDevicesIn()).toEqual([identity.deviceId]);
  expect(await a2.client.pendingIdentityChanges()).toEqual([]);
  await until(async () => (await b.client.pendingIdentityChanges()).includes('alice'), 'bob is warned');
  await a2.client.sendText(chat, 'I lost everything; this is my new key');
  await b.client.acknowledgeIdentityChange('alice');
  await until(
    () => b.inbox.some((m) => m.text === 'I lost everything; this is my new key'),
    "bob reads alice's new device",
  );
});

test('an account resets its identity at most three times a day', async () => {
  const { url, server } = await serve();
  const carol = await person(url, 'carol');
  const now = Date.now();
  await server.db
    .insertInto('identity_resets')
    .values(
      [1, 2, 3].map((i) => ({
        username: 'carol',
        reset_at: now - i * 60_000,
        former_identity_key: carol.identity.identityKey,
        identity_key: carol.identity.identityKey,
        revoked_devices: 1,
      })),
    )
    .execute();
  await expect(
    resetIdentity(new ParleyApi(url, { unsafeTestingCheapKsf: true }), 'carol', 'pw-carol-1234', cs),
  ).rejects.toMatchObject({
    code: 'rate_limited',
  });
  const devices = await server.db
    .selectFrom('devices')
    .select('revoked_at')
    .where('username', '=', 'carol')
    .execute();
  expect(devices.map((d) => d.revoked_at)).toEqual([null]);
});
