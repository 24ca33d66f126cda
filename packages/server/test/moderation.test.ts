/**
 * The operator's commands, run as the real `parley-server` program on a running server's database
 * (SQLite here, PostgreSQL below): disabling an account cuts its live connection within the watch
 * interval and refuses its login, its session and its device; enabling it lets it back in; invite
 * codes are created, listed by id and revoked; stats count what the server holds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLOSE } from '@parley/core';
import { until } from '@parley/testing';
import { afterEach, describe, expect, test } from 'vitest';
import type { ServerConfig } from '../src/index.js';
import { api, freshPostgres, login, type Running, register, startServer } from './helpers.js';
import { WsClient } from './wsClient.js';

const BIN = new URL('../bin/parley-server.js', import.meta.url).pathname;
const run = promisify(execFile);

let running: Running | undefined;
const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  for (const drop of drops.splice(0)) await drop();
});

/** `parley-server <args>` on the running server's database; its stdout. */
async function operator(args: string[], where: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args, ...where], { timeout: 20_000 });
  return stdout;
}

async function disableCutsAndRefuses(where: string[]) {
  const url = running!.url;
  const alice = await register(url, 'alice', 'alice-password-1');
  await register(url, 'bob', 'bob-password-12');
  const session = await login(url, 'alice', 'alice-password-1');
  if (session === 'wrong password') throw new Error('login failed');
  const ws = await WsClient.connect(url, alice.identity);

  expect(await operator(['accounts', 'disable', 'Alice'], where)).toBe('disabled Alice\n');
  // Cut off by the node's watch (every 500 ms), with the close code that says why.
  await until(() => ws.closed !== undefined, 'the disabled account is disconnected', 3000);
  expect(ws.closed).toEqual({ code: CLOSE.disabled.code, reason: CLOSE.disabled.reason });

  // Its login (after proving the password), its old session and its device are refused.
  const again = await login(url, 'alice', 'alice-password-1');
  expect(again !== 'wrong password' && again.status).toBe(403);
  expect(again !== 'wrong password' && again.body.error.code).toBe('account_disabled');
  const old = await api(url, 'GET', '/v1/accounts/bob', undefined, session.body.token);
  expect(old.status).toBe(401); // its sessions ended with it
  const refused = await WsClient.connect(url, alice.identity).catch(() => undefined);
  const answer =
    refused === undefined ? undefined : await refused.authenticate(alice.identity).catch(() => undefined);
  expect(answer === undefined || (answer.type === 'error' && answer.code === 'auth_failed')).toBe(true);

  const listed = JSON.parse(await operator(['accounts', 'list', '--json'], where)) as Array<{
    username: string;
    disabledAt: number | null;
    devices: number;
  }>;
  expect(listed.map((a) => [a.username, a.disabledAt !== null, a.devices])).toEqual([
    ['alice', true, 1],
    ['bob', false, 1],
  ]);
  const stats = JSON.parse(await operator(['stats', '--json'], where)) as Record<string, number>;
  expect(stats).toMatchObject({ accounts: 2, disabledAccounts: 1, devices: 2 });

  expect(await operator(['accounts', 'enable', 'alice'], where)).toBe('enabled alice\n');
  const back = await login(url, 'alice', 'alice-password-1');
  expect(back !== 'wrong password' && back.status).toBe(200);
  (await WsClient.connect(url, alice.identity)).close();
}

test('an account the operator disables is cut off at once and refused everywhere until enabled (SQLite)', async () => {
  running = await startServer();
  await disableCutsAndRefuses(['--data-dir', running.dataDir]);
});

describe('on PostgreSQL', () => {
  test('the same commands on a PostgreSQL server cut off and refuse the account', async () => {
    const pgdb = await freshPostgres();
    if (pgdb === undefined) return; // freshPostgres fails the run under CI when PostgreSQL is missing
    drops.push(pgdb.drop);
    running = await startServer({ database: pgdb.url } as Partial<ServerConfig>);
    await disableCutsAndRefuses(['--database', pgdb.url, '--data-dir', running.dataDir]);
  });
});

test('invite codes: created (shown once), listed by id with who used them, an unused one revoked', async () => {
  running = await startServer({ access: 'invite' });
  const where = ['--data-dir', running.dataDir];
  const codes = (await operator(['invites', 'create', '--count', '2'], where)).trim().split('\n');
  expect(codes).toHaveLength(2);
  expect((await register(running.url, 'carol', 'carol-password-1', { inviteCode: codes[0]! })).status).toBe(
    201,
  );
  const list = JSON.parse(await operator(['invites', 'list', '--json'], where)) as Array<{
    id: string;
    usedBy: string | null;
  }>;
  expect(list.map((i) => i.usedBy).sort()).toEqual(['carol', null]);
  const unused = list.find((i) => i.usedBy === null)!.id;
  const used = list.find((i) => i.usedBy !== null)!.id;
  await expect(operator(['invites', 'revoke', used], where)).rejects.toThrow(/already used/);
  expect(await operator(['invites', 'revoke', unused], where)).toBe(`revoked ${unused}\n`);
  const refused = await register(running.url, 'dave', 'dave-password-12', { inviteCode: codes[1]! });
  expect(refused.status).toBe(403);
  // The older spelling still works.
  expect((await operator(['invite'], where)).trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('operator commands refuse what they cannot do with a clear message', async () => {
  running = await startServer();
  const where = ['--data-dir', running.dataDir];
  await expect(operator(['accounts', 'disable', 'nobody'], where)).rejects.toThrow(
    /there is no account "nobody"/,
  );
  await expect(operator(['accounts', 'frobnicate'], where)).rejects.toThrow(/usage: parley-server accounts/);
  await expect(operator(['invites', 'revoke', 'xyz'], where)).rejects.toThrow(/12 hex characters/);
});
