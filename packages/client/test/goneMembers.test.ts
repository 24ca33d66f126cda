/**
 * An account the operator deletes leaves its conversations (issue #18), with real clients on a real
 * server: the members learn it (online ones from the push, offline ones when they come back), check
 * the deletion in the server's key transparency log, and one of them commits the removal of its
 * devices; each shows "bob's account was deleted". A server that claims a deletion it cannot prove
 * in the log gets nobody removed, and one that logs a deletion of a live account is caught by its
 * owner's monitoring. An account that deleted itself without its leave reaching a conversation is
 * removed the same way.
 */
import { appendKeyEvent, type Db, runServerCommand } from '@parley/server';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ChatMessage, KeyAlert, ParleyClient } from '../src/index.js';
import { directPair, hasKeyPackages, openClient, person, serve, testApi } from './fixtures.js';

const deletedLine = (who: string) => (m: ChatMessage) =>
  m.system?.event === 'account_deleted' && m.system.accountId === who;

/** Of each of `name`'s member rows on the server: whether a commit removed it. */
async function removals(db: Db, name: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .select('removed_seq')
    .where('username', '=', name)
    .execute();
  return rows.map((r) => (r.removed_seq === null ? 'member' : 'removed'));
}

async function shows(client: ParleyClient, group: string, who: string): Promise<boolean> {
  return (await client.history(group)).some(deletedLine(who));
}

test('the operator deletes bob: alice and carol remove his devices from the group and the direct chat, carol learns it when back, and they still talk', async () => {
  const running = await serve();
  const { url } = running;
  const people = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const [a, b, c] = [
    await openClient(url, people[0]!),
    await openClient(url, people[1]!),
    await openClient(url, people[2]!),
  ];
  for (const x of [a, b, c]) await hasKeyPackages(x.client);
  const group = await a.client.createGroup('Trip', ['bob', 'carol']);
  for (const x of [b, c]) await until(() => x.client.conversation(group)?.name === 'Trip', 'joined');
  const direct = await b.client.directConversation('alice');
  await until(() => a.client.members(direct).join(',') === 'alice,bob', 'alice joins the direct chat');
  await c.client.close();

  await runServerCommand(['accounts', 'delete', 'bob', '--data-dir', running.dataDir]);

  // Alice, online, hears it at once and removes him from both.
  await until(() => a.client.members(group).join(',') === 'alice,carol', 'bob is gone from the group');
  await until(() => a.client.members(direct).join(',') === 'alice', 'bob is gone from the direct chat');
  await until(
    async () => (await shows(a.client, group, 'bob')) && shows(a.client, direct, 'bob'),
    'alice says so',
  );
  const db = running.server.db;
  await until(
    async () => (await removals(db, 'bob')).join() === 'removed,removed',
    'the server’s tree no longer holds his leaves',
  );
  // Each conversation says it once, however often she asks again (after what she had to send went:
  // a client closed with a send in flight is another story).
  await until(async () => (await a.client.pending()) === 0, 'alice’s outbox is empty');
  await a.client.close();
  const a2 = await openClient(url, people[0]!);
  await until(async () => (await a2.client.history(group)).filter(deletedLine('bob')).length === 1, 'once');
  expect((await a2.client.history(direct)).filter(deletedLine('bob'))).toHaveLength(1);

  // Carol, offline meanwhile, learns it on catch-up.
  const c2 = await openClient(url, people[2]!);
  await until(() => c2.client.members(group).join(',') === 'alice,carol', 'carol sees him gone');
  await until(() => shows(c2.client, group, 'bob'), 'carol says so');
  await a2.client.sendText(group, 'just us');
  await until(() => c2.inbox.some((m) => m.text === 'just us'), 'carol reads alice');
  await c2.client.sendText(group, 'yes');
  await until(() => a2.inbox.some((m) => m.text === 'yes'), 'alice reads carol');
});

test('a server that says a live account was deleted without the deletion in its key log gets nobody removed', async () => {
  const running = await serve();
  const { url } = running;
  const db = running.server.db;
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const errors: string[] = [];
  const a = await openClient(url, alice, (c) => c.on('sync_error', (e) => errors.push(e.code)));
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  const group = await a.client.createGroup('Pair', ['bob']);
  await until(() => b.client.conversation(group) !== undefined, 'bob joins');

  // The server lies: bob's devices are gone from its tables, and his registration passes for a deletion.
  await db.deleteFrom('key_packages').where('username', '=', 'bob').execute();
  await db.deleteFrom('devices').where('username', '=', 'bob').execute();
  await db
    .updateTable('transparency_log')
    .set({ kind: 'account_deleted' })
    .where('username', '=', 'bob')
    .where('kind', '=', 'registered')
    .execute();
  const claim = await a.client.connection.request({ type: 'gone_get' });
  expect(claim.type === 'gone' && claim.items.map((i) => i.accountId)).toEqual(['bob']);

  await a.client.close();
  const again = await openClient(url, alice, (c) => c.on('sync_error', (e) => errors.push(e.code)));
  await until(() => errors.includes('deletion_not_logged'), 'alice refuses the claim');
  expect(again.client.members(group)).toEqual(['alice', 'bob']);
  expect((await again.client.history(group)).some(deletedLine('bob'))).toBe(false);
  expect(await removals(db, 'bob')).toEqual(['member']);
});

test('a deletion the server logs for a live account is reported to its owner by the key log monitor', async () => {
  const { url, server } = await serve();
  const bob = await person(url, 'bob');
  const alerts: KeyAlert[] = [];
  const b = await openClient(url, bob, (c) => c.on('key_alert', (x) => alerts.push(x)), undefined, {
    keyLog: { monitorMs: 300 },
  });
  await until(async () => (await b.client.keyLog.newest())?.size === 2, 'first check');
  expect(alerts).toEqual([]);
  const index = await server.db
    .transaction()
    .execute((tx) => appendKeyEvent(tx, { kind: 'account_deleted', accountId: 'bob' }));
  await until(() => alerts.length > 0, 'bob alerted', 5_000);
  expect(alerts).toEqual([
    { index, kind: 'account_deleted', identityKey: new Uint8Array(0), deviceId: null },
  ]);
});

test('an account deleted by its own request whose leave never reached a conversation is removed the same way', async () => {
  const { url } = await serve();
  const { a: e, b: f, chat } = await directPair(url, 'erin', 'finn');
  await until(() => f.client.members(chat).join(',') === 'erin,finn', 'finn holds the group');
  await e.client.close();

  // Her device went away without leaving; the deletion itself is `DELETE /v1/accounts/me`.
  const api = testApi(url);
  await api.deleteAccount((await api.login('erin', 'pw-erin-1234')).token);
  await until(() => f.client.members(chat).join(',') === 'finn', 'finn removes her');
  await until(() => shows(f.client, chat, 'erin'), 'finn says so');
});

test('whoever registers the name after the quarantine is not taken for the deleted account', async () => {
  const running = await serve();
  const { url } = running;
  const [alice, bob, carol] = [
    await person(url, 'alice'),
    await person(url, 'bob'),
    await person(url, 'carol'),
  ];
  const a = await openClient(url, alice);
  for (const p of [bob, carol]) await hasKeyPackages((await openClient(url, p)).client);
  const group = await a.client.createGroup('Club', ['bob', 'carol']);
  await runServerCommand(['accounts', 'delete', 'bob', '--data-dir', running.dataDir]);
  await until(() => shows(a.client, group, 'bob'), 'alice removes the deleted bob');

  // The quarantine is over: another person takes the name, and alice adds them.
  await running.server.db.deleteFrom('deleted_accounts').execute();
  const newBob = await openClient(url, await person(url, 'bob'));
  await hasKeyPackages(newBob.client);
  // A new key under a known name: alice is warned, accepts it, and adds them.
  await expect(a.client.addMembers(group, ['bob'])).rejects.toMatchObject({ code: 'identity_key_mismatch' });
  await a.client.acknowledgeIdentityChange('bob');
  await a.client.addMembers(group, ['bob']);
  await until(() => newBob.client.conversation(group) !== undefined, 'the new bob joins');
  await until(async () => (await a.client.pending()) === 0, 'alice’s outbox is empty');
  await a.client.close();
  const back = await openClient(url, alice);
  await until(
    async () => (await back.client.connection.request({ type: 'gone_get' })).type === 'gone',
    'synced',
  );
  await back.client.sendText(group, 'welcome');
  await until(() => newBob.inbox.some((m) => m.text === 'welcome'), 'the new bob reads alice');
  expect(back.client.members(group)).toEqual(['alice', 'bob', 'carol']);
});
