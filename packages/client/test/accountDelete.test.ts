/**
 * Deleting an account through the SDK (issue #18) against a real server: the account leaves every
 * conversation first (the others see it go, and a member commits the leave), then the server
 * deletes it: its devices are cut off and refused, its files, key packages and devices leave the
 * database and the disk, its login fails, and what the others send afterwards reaches it nowhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { codeOf } from '@parley/core';
import { graceForStrayFrames, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ChatMessage } from '../src/index.js';
import { directPair, hasKeyPackages, openClient, openStore, person, serve, testApi } from './fixtures.js';

const bytes = new Uint8Array(3000).fill(7);

test('a deleted account leaves every conversation, is cut off and refused, and its files, key packages and devices are gone', async () => {
  const running = await serve();
  const { url } = running;
  const db = running.server.db;
  const people = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const [a, b, c] = [
    await openClient(url, people[0]!),
    await openClient(url, people[1]!),
    await openClient(url, people[2]!),
  ];
  for (const x of [b, c]) await hasKeyPackages(x.client);
  await hasKeyPackages(a.client);
  const group = await a.client.createGroup('Trip', ['bob', 'carol']);
  for (const x of [b, c]) await until(() => x.client.conversation(group)?.name === 'Trip', 'joined');
  const direct = await c.client.directConversation('alice');
  await until(() => a.client.conversations().includes(direct), 'alice joins the direct chat');
  const sent = await c.client.files.send(
    group,
    { size: bytes.length, read: async (o, n) => bytes.subarray(o, o + n) },
    { name: 'map.bin', mimeType: 'application/octet-stream' },
  );
  await until(() => b.inbox.some((m) => m.id === sent.id), 'bob gets the file');
  const [blob] = await db.selectFrom('blobs').select('id').where('username', '=', 'carol').execute();
  expect(blob).toBeDefined();
  const bobLines: ChatMessage[] = [];
  b.client.on('system', (m) => bobLines.push(m));

  const api = testApi(url);
  const { token } = await api.login('carol', 'pw-carol-1234');
  const done = await c.client.deleteAccount(api, token);
  expect(done).toMatchObject({ username: 'carol', devices: 1, blobs: 1, notLeft: [] });
  expect(done.left.sort()).toEqual([group, direct].sort());
  expect(done.reservedUntil).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);

  // The others see carol leave: a member online commits her pending leave proposal.
  for (const x of [a, b])
    await until(() => x.client.members(group).join(',') === 'alice,bob', 'carol is gone');
  await until(() => a.client.members(direct).join(',') === 'alice', 'carol left the direct chat');
  await until(
    () => bobLines.some((m) => m.system?.event === 'members' && m.system.left.includes('carol')),
    'bob sees carol leave',
  );
  const rows = await db
    .selectFrom('group_members')
    .select('removed_seq')
    .where('username', '=', 'carol')
    .execute();
  await until(async () => {
    const now = await db
      .selectFrom('group_members')
      .select('removed_seq')
      .where('username', '=', 'carol')
      .execute();
    return now.every((r) => r.removed_seq !== null);
  }, 'the server ended her memberships');
  expect(rows.length).toBe(2);

  // Nothing of hers is left on the server but the messages she sent (and the tombstone).
  for (const table of ['blobs', 'key_packages', 'devices', 'sessions', 'transfer_tickets'] as const)
    expect(await db.selectFrom(table).selectAll().where('username', '=', 'carol').execute()).toEqual([]);
  expect(await db.selectFrom('accounts').selectAll().where('username', '=', 'carol').execute()).toEqual([]);
  expect(existsSync(join(running.dataDir, 'blobs', blob!.id))).toBe(false);
  const tomb = await db.selectFrom('deleted_accounts').selectAll().execute();
  expect(tomb.map((t) => t.username)).toEqual(['carol']);

  // Her device is cut off, and refused when it comes back; her password logs in nowhere.
  await until(() => c.client.connection.state !== 'online', 'carol is cut off');
  const again = await openStore(url, people[2]!);
  again.start();
  await expect(again.sync(5000)).rejects.toMatchObject({ code: 'auth_failed' });
  await again.close();
  expect(codeOf(await api.login('carol', 'pw-carol-1234').catch((e) => e))).toBe('wrong_password');

  // What the others send now reaches them and no one else.
  const before = c.inbox.length;
  await b.client.sendText(group, 'just us now');
  await until(() => a.inbox.some((m) => m.text === 'just us now'), 'alice receives');
  await graceForStrayFrames();
  expect(c.inbox.length).toBe(before);
});

test('deleting needs a fresh login of that very account: no session, a stale one or a transfer ticket cannot', async () => {
  const running = await serve();
  const { url } = running;
  const db = running.server.db;
  const dave = await person(url, 'dave');
  const d = await openClient(url, dave);
  const api = testApi(url);
  const fail = (p: Promise<unknown>) => p.then(() => 'deleted', codeOf);

  expect(await fail(api.deleteAccount(''))).toBe('unauthorized');
  const ticket = await d.client.connection.request({ type: 'ticket_get' });
  expect(ticket.type).toBe('ticket');
  expect(await fail(api.deleteAccount((ticket as { token: string }).token))).toBe('unauthorized');
  const { token } = await api.login('dave', 'pw-dave-1234');
  await db
    .updateTable('sessions')
    .set({ created_at: Date.now() - 11 * 60_000 })
    .execute();
  expect(await fail(api.deleteAccount(token))).toBe('fresh_login_required');
  expect(await db.selectFrom('accounts').select('username').execute()).toEqual([{ username: 'dave' }]);
});

test('with no other member online the leave waits on the server, and the first member to come back commits it', async () => {
  const { url } = await serve();
  const {
    people: [, finn],
    a: e,
    b: f,
    chat,
  } = await directPair(url, 'erin', 'finn');
  await e.client.sendText(chat, 'bye soon');
  await until(() => f.inbox.length === 1, 'finn reads it');
  await f.client.close();

  const api = testApi(url);
  const done = await e.client.deleteAccount(api, (await api.login('erin', 'pw-erin-1234')).token);
  expect(done.left).toEqual([chat]);

  const back = await openClient(url, finn);
  await until(() => back.client.members(chat).join(',') === 'finn', 'finn commits erin’s leave');
  await until(
    async () =>
      (await back.client.history(chat)).some(
        (m) => m.system?.event === 'members' && m.system.left.includes('erin'),
      ),
    'finn sees erin leave',
  );
});
