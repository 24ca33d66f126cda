/**
 * Deleted accounts in groups (issue #18), on the real server with real MLS devices: the operator's
 * `parley-server accounts delete` (the real program) logs the deletion in the key transparency
 * log, pushes `account_gone` to the connected fellow members, and `gone_get` names the account in
 * their groups with that log entry until a member's commit removes its leaves, then with the
 * removing commit; nobody outside the groups learns anything, and a device that joined after the
 * removal is not told.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeLogEntry, type ServerFrame, toHex } from '@parley/core';
import { until } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { deleteAccountData } from '../src/accountDeletion.js';
import { blobStorage } from '../src/blobs/index.js';
import { addMember, member, newGroup, removeMember } from './blobPeers.js';
import { postgresServer, type Running, startServer } from './helpers.js';
import type { WsClient } from './wsClient.js';

const BIN = new URL('../bin/parley-server.js', import.meta.url).pathname;
const run = promisify(execFile);

let running: Running | undefined;
const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  for (const drop of drops.splice(0)) await drop();
});

async function gone(ws: WsClient) {
  const answer = await ws.request({ type: 'gone_get' });
  if (answer.type !== 'gone') throw new Error(`gone_get: ${answer.type}`);
  return answer;
}

const pushed = (ws: WsClient) =>
  ws.pushes.filter((p): p is Extract<ServerFrame, { type: 'account_gone' }> => p.type === 'account_gone');

/** Bob deleted by the operator among alice, carol (his group) and dave (a stranger); `where`: the database. */
async function operatorDeletesBob(r: Running, where: string[]) {
  const { url } = r;
  const [alice, bob, carol, dave] = [
    await member(url, 'alice'),
    await member(url, 'bob'),
    await member(url, 'carol'),
    await member(url, 'dave'),
  ];
  const groupId = await newGroup(alice);
  await addMember(alice, bob);
  await addMember(alice, carol);

  await run(process.execPath, [BIN, 'accounts', 'delete', 'bob', ...where], {
    timeout: 20_000,
  });
  for (const m of [alice, carol])
    await until(() => pushed(m.ws).some((p) => p.accountId === 'bob'), 'the member is told', 5000);
  expect(pushed(dave.ws)).toEqual([]);

  const answer = await gone(alice.ws);
  expect(answer.more).toBe(false);
  expect(answer.items).toHaveLength(1);
  const item = answer.items[0]!;
  expect({ ...item, groupId: toHex(item.groupId) }).toMatchObject({
    groupId: toHex(groupId),
    accountId: 'bob',
    removedSeq: 0,
  });
  expect((await gone(carol.ws)).items).toEqual(answer.items);
  expect((await gone(dave.ws)).items).toEqual([]);

  // The entry is in the log where the answer says, as the deletion the client rebuilds.
  const page = await alice.ws.request({ type: 'log_entries_get', start: item.logIndex, limit: 1 });
  if (page.type !== 'log_entries') throw new Error(page.type);
  expect(decodeLogEntry(page.entries[0]!)).toEqual({
    kind: 'account_deleted',
    accountId: 'bob',
    loggedAt: item.loggedAt,
  });

  // Alice removes him: the answer now names the removing commit, for the members to show it there.
  await removeMember(alice, bob);
  const removed = await r.server.db
    .selectFrom('group_members')
    .select('removed_seq')
    .where('username', '=', 'bob')
    .executeTakeFirstOrThrow();
  expect(removed.removed_seq).not.toBeNull();
  expect((await gone(carol.ws)).items.map((i) => i.removedSeq)).toEqual([removed.removed_seq]);

  // Someone who joins afterwards has nothing to hear about him.
  const erin = await member(url, 'erin');
  await addMember(alice, erin);
  expect((await gone(erin.ws)).items).toEqual([]);
}

test('an account the operator deletes is logged, pushed to its fellow members and named in their groups until a member removes it', async () => {
  running = await startServer();
  await operatorDeletesBob(running, ['--data-dir', running.dataDir]);
});

test('the same on PostgreSQL', async () => {
  const pg = await postgresServer();
  if (pg === undefined) return;
  drops.push(pg.drop);
  running = pg.running;
  await operatorDeletesBob(running, pg.where);
});

test('accounts with leaves left come before removals already made', async () => {
  running = await startServer();
  const { url } = running;
  const [alice, bob, carol] = [
    await member(url, 'alice'),
    await member(url, 'bob'),
    await member(url, 'carol'),
  ];
  await newGroup(alice);
  await addMember(alice, bob);
  await addMember(alice, carol);
  const { db, config } = running.server;
  for (const name of ['bob', 'carol']) await deleteAccountData(db, blobStorage(db, config), name, 30);
  await removeMember(alice, bob);
  const { items } = await gone(alice.ws);
  // By name bob would come first; carol, still holding a leaf, does.
  expect(items.map((i) => [i.accountId, i.removedSeq > 0])).toEqual([
    ['carol', false],
    ['bob', true],
  ]);
});

test('a revoked device is no deleted account: its account is not named', async () => {
  running = await startServer();
  const { url } = running;
  const [alice, bob] = [await member(url, 'alice'), await member(url, 'bob')];
  await newGroup(alice);
  await addMember(alice, bob);
  await running.server.db
    .updateTable('devices')
    .set({ revoked_at: Date.now() })
    .where('username', '=', 'bob')
    .execute();
  expect((await gone(alice.ws)).items).toEqual([]);
});
