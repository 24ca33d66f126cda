/**
 * Deleting an account on the server (issue #18): `DELETE /v1/accounts/me` with a fresh login's
 * session, and the operator's `parley-server accounts delete` (the real program, SQLite and
 * PostgreSQL), remove the account's devices, key packages, sessions, tickets, blobs (rows and
 * bytes), blocks and reports and cut its connections; its name and lookalikes are refused during
 * the quarantine and free after it. Nothing but a valid session of the account itself reaches it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLOSE } from '@parley/core';
import { until } from '@parley/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { deleteAccountData, freeDeletedNames } from '../src/accountDeletion.js';
import { blobStorage } from '../src/blobs/index.js';
import { runRetention, type ServerConfig } from '../src/index.js';
import { addMember, auth, type Member, member, newGroup, sendWithBlobs, upload } from './blobPeers.js';
import { api, freshPostgres, login, type Running, register, startServer } from './helpers.js';
import { WsClient } from './wsClient.js';

const BIN = new URL('../bin/parley-server.js', import.meta.url).pathname;
const run = promisify(execFile);
const DAY = 24 * 3600_000;

let running: Running | undefined;
const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  for (const drop of drops.splice(0)) await drop();
});

/** Alice with a connected device, a key package, a blob, a block and a report; Bob beside her. */
async function aliceWithEverything(url: string) {
  const alice = await member(url, 'alice');
  const bob = await member(url, 'bob');
  const group = await newGroup(alice);
  const blob = await upload(url, alice, group, new Uint8Array(2000).fill(1));
  expect((await alice.ws.request({ type: 'block_list', accountIds: ['bob'] })).type).toBe('ok');
  expect((await bob.ws.request({ type: 'block_list', accountIds: ['alice'] })).type).toBe('ok');
  return { alice, bob, blob };
}

/** Every row the server keeps for `name` outside the groups' logs. */
async function rowsOf(db: Running['server']['db'], name: string) {
  const by = async (
    table: 'devices' | 'key_packages' | 'sessions' | 'transfer_tickets' | 'blobs' | 'accounts',
  ) => (await db.selectFrom(table).select('username').where('username', '=', name).execute()).length;
  return {
    accounts: await by('accounts'),
    devices: await by('devices'),
    keyPackages: await by('key_packages'),
    sessions: await by('sessions'),
    tickets: await by('transfer_tickets'),
    blobs: await by('blobs'),
    blocks: (
      await db
        .selectFrom('blocks')
        .select('blocker')
        .where((eb) => eb.or([eb('blocker', '=', name), eb('blocked', '=', name)]))
        .execute()
    ).length,
  };
}

const NONE = { accounts: 0, devices: 0, keyPackages: 0, sessions: 0, tickets: 0, blobs: 0, blocks: 0 };

/** Gone everywhere: login, old connection, reconnection, rows, blob bytes. */
async function expectGone(r: Running, alice: Member, blob: string) {
  expect(await rowsOf(r.server.db, 'alice')).toEqual(NONE);
  expect(existsSync(join(r.dataDir, 'blobs', blob))).toBe(false);
  const again = await login(r.url, 'alice', 'pw-12345678');
  expect(again !== 'wrong password' && again.status).not.toBe(200);
  await until(() => alice.ws.closed !== undefined, 'her connection is cut', 3000);
  expect(alice.ws.closed).toEqual({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
  const retry = await WsClient.connect(r.url, alice.identity).catch(() => undefined);
  const answer =
    retry === undefined ? undefined : await retry.authenticate(alice.identity).catch(() => undefined);
  expect(answer === undefined || (answer.type === 'error' && answer.code === 'auth_failed')).toBe(true);
  // Her ticket no longer opens the attachment routes.
  const res = await fetch(`${r.url}/v1/uploads/${blob}`, {
    method: 'HEAD',
    headers: { 'tus-resumable': '1.0.0', ...auth(alice) },
  });
  expect(res.status).toBe(401);
}

/** The name and a lookalike refused until the quarantine ends, then free. */
async function quarantine(r: Running, deletedAt: number) {
  for (const name of ['alice', 'ALICE', 'a1ice']) {
    const refused = await register(r.url, name, 'pw-12345678');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'username_quarantined']);
  }
  expect(await freeDeletedNames(r.server.db, deletedAt + 29 * DAY)).toBe(0);
  expect((await register(r.url, 'a1ice', 'pw-12345678')).status).toBe(409);
  expect(await freeDeletedNames(r.server.db, deletedAt + 31 * DAY)).toBe(1);
  expect((await register(r.url, 'a1ice', 'pw-12345678')).status).toBe(201);
}

test('DELETE /v1/accounts/me removes everything but the log, cuts the device off, and reserves the name for the quarantine', async () => {
  running = await startServer();
  const { alice, bob, blob } = await aliceWithEverything(running.url);
  expect((await rowsOf(running.server.db, 'alice')).keyPackages).toBe(1);
  const fresh = await login(running.url, 'alice', 'pw-12345678');
  if (fresh === 'wrong password') throw new Error('login failed');
  const before = Date.now();
  const r = await api(running.url, 'DELETE', '/v1/accounts/me', undefined, fresh.body.token);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ username: 'alice', devices: 1, keyPackages: 1, blobs: 1 });
  expect(r.body.reservedUntil).toBeGreaterThanOrEqual(before + 30 * DAY);
  await expectGone(running, alice, blob);
  // Bob keeps his account; the block between them went both ways.
  expect((await rowsOf(running.server.db, 'bob')).devices).toBe(1);
  expect((await api(running.url, 'GET', '/v1/accounts/alice', undefined, bob.token)).status).toBe(404);
  await quarantine(running, before);
});

test('only a fresh session of the account itself deletes it: none, a ticket, a stale or foreign session cannot', async () => {
  running = await startServer();
  const alice = await member(running.url, 'alice');
  const bob = await member(running.url, 'bob');
  const del = (token?: string) => api(running!.url, 'DELETE', '/v1/accounts/me', undefined, token);
  expect((await del()).status).toBe(401);
  expect((await del(alice.ticket)).status).toBe(401);
  expect((await del('x'.repeat(43))).status).toBe(401);
  // Alice's session is a few minutes too old: she must log in again.
  await running.server.db
    .updateTable('sessions')
    .set({ created_at: Date.now() - 11 * 60_000 })
    .where('username', '=', 'alice')
    .execute();
  const stale = await del(alice.token);
  expect([stale.status, stale.body.error.code]).toEqual([403, 'fresh_login_required']);
  // Bob's fresh session deletes Bob, never Alice: the route has no way to name another account.
  expect((await del(bob.token)).body.username).toBe('bob');
  expect((await rowsOf(running.server.db, 'alice')).devices).toBe(1);
  expect((await rowsOf(running.server.db, 'bob')).devices).toBe(0);
  // A deleted account's session is gone with it.
  expect((await del(bob.token)).status).toBe(401);
});

test('a deleted account whose leave nobody committed yet no longer holds back retention', async () => {
  running = await startServer();
  const alice = await member(running.url, 'alice');
  const bob = await member(running.url, 'bob');
  const groupId = await newGroup(alice);
  await addMember(alice, bob);
  for (let i = 0; i < 3; i++) expect((await sendWithBlobs(alice, [])).type).toBe('sent');
  const { db } = running.server;
  const head = await db.selectFrom('groups').select('next_seq').executeTakeFirstOrThrow();
  await alice.ws.request({ type: 'ack', groupId, seq: Number(head.next_seq) - 1 });
  const later = Date.now() + 31 * DAY;
  // Bob acknowledged nothing after joining: only what came before his Welcome goes.
  expect(await runRetention(db, 30, later)).toBe(1);
  await deleteAccountData(db, blobStorage(db, running.server.config), 'bob', 30);
  expect(await runRetention(db, 30, later)).toBe(3);
});

/** `parley-server <args>` on the running server's database; its stdout. */
async function operator(args: string[], where: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args, ...where], { timeout: 20_000 });
  return stdout;
}

async function operatorDeletes(r: Running, where: string[]) {
  const { alice, blob } = await aliceWithEverything(r.url);
  const before = Date.now();
  const out = await operator(['accounts', 'delete', 'Alice'], where);
  expect(out).toMatch(
    /^deleted alice: 1 devices, 1 key packages, 1 sessions, 1 attachments, 2 blocks, 0 reports/,
  );
  expect(out).toMatch(/the name alice and its lookalikes are reserved until \d{4}-/);
  await expectGone(r, alice, blob);
  await quarantine(r, before);
  await expect(operator(['accounts', 'delete', 'alice'], where)).rejects.toThrow(
    /there is no account "alice"/,
  );
}

test('the operator deletes an account the same way, and its live connection is cut by the watch (SQLite)', async () => {
  running = await startServer();
  await operatorDeletes(running, ['--data-dir', running.dataDir]);
});

describe('on PostgreSQL', () => {
  test('the operator deletes an account on a PostgreSQL server (blob bytes in the database)', async () => {
    const pgdb = await freshPostgres();
    if (pgdb === undefined) return;
    drops.push(pgdb.drop);
    running = await startServer({ database: pgdb.url } as Partial<ServerConfig>);
    await operatorDeletes(running, ['--database', pgdb.url, '--data-dir', running.dataDir]);
    const chunks = await running.server.db.selectFrom('blob_chunks').select('blob_id').execute();
    expect(chunks).toEqual([]);
  });
});
