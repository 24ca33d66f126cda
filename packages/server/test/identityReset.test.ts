/**
 * `POST /v1/accounts/identity/reset` on SQLite and PostgreSQL: only the second step of a login made
 * for it resets (a session token does not; a login step cannot be used twice); the account takes
 * the new key, every old device is revoked and its sessions and key packages go, the reset is
 * recorded; two concurrent resets of one account do not both win.
 */

import { createAccount, encodeDeviceCertificate, toBase64Url } from '@parley/core';
import type { ServerConfig } from '@parley/server';
import { afterAll, describe, expect, test } from 'vitest';
import { api, cs, freshPostgres, login, type Running, register, startLogin, startServer } from './helpers.js';

/** The body of a reset: a login's second step for `password`, and a new identity for `username`. */
async function resetBody(url: string, username: string, password: string) {
  const { start, finish: finishLogin } = await startLogin(url, username, password);
  const finish = finishLogin();
  const identity = await createAccount(username, cs);
  return {
    identity,
    body: {
      loginId: start.body.loginId,
      finishLoginRequest: finish!.finishLoginRequest,
      identityKey: toBase64Url(identity.identityKey),
      deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
    },
  };
}

async function resets(running: Running): Promise<void> {
  const { url } = running;
  const db = running.server.db;
  const { identity: old } = await register(url, 'dana', 'pw-dana-1234');
  const session = (await login(url, 'dana', 'pw-dana-1234')) as { body: { token: string } };

  // A session token is not a password: without a login step made for it, nothing happens.
  const noLogin = await api(
    url,
    'POST',
    '/v1/accounts/identity/reset',
    { ...(await resetBody(url, 'dana', 'pw-dana-1234')).body, loginId: 'AAAA' },
    session.body.token,
  );
  expect(noLogin.status).toBe(401);

  const first = await resetBody(url, 'dana', 'pw-dana-1234');
  const done = await api(url, 'POST', '/v1/accounts/identity/reset', first.body);
  expect(done.status).toBe(200);
  expect(done.body.revokedDevices).toEqual([old.deviceId]);
  expect(done.body.formerIdentityKey).toBe(toBase64Url(old.identityKey));
  // The login step is used up: replaying the same request resets nothing more.
  expect((await api(url, 'POST', '/v1/accounts/identity/reset', first.body)).status).toBe(401);

  const account = await db
    .selectFrom('accounts')
    .select('identity_key')
    .where('username', '=', 'dana')
    .executeTakeFirstOrThrow();
  expect(toBase64Url(account.identity_key)).toBe(toBase64Url(first.identity.identityKey));
  const devices = await db
    .selectFrom('devices')
    .select(['device_id', 'revoked_at'])
    .where('username', '=', 'dana')
    .orderBy('created_at')
    .execute();
  expect(devices.map((d) => [d.device_id, d.revoked_at !== null])).toEqual([
    [old.deviceId, true],
    [first.identity.deviceId, false],
  ]);
  expect((await api(url, 'GET', '/v1/accounts/dana', undefined, session.body.token)).status).toBe(401);
  expect((await api(url, 'GET', '/v1/accounts/dana', undefined, done.body.token)).status).toBe(200);

  // A certificate from another key than the one brought is refused, and changes nothing.
  const mismatched = await resetBody(url, 'dana', 'pw-dana-1234');
  const other = await createAccount('dana', cs);
  const refused = await api(url, 'POST', '/v1/accounts/identity/reset', {
    ...mismatched.body,
    deviceCertificate: toBase64Url(encodeDeviceCertificate(other.certificate)),
  });
  expect(refused.status).toBe(400);

  // Two at once: one wins, and the account ends with exactly one device not revoked.
  const [a, b] = await Promise.all([
    resetBody(url, 'dana', 'pw-dana-1234'),
    resetBody(url, 'dana', 'pw-dana-1234'),
  ]);
  const both = await Promise.all([a, b].map((r) => api(url, 'POST', '/v1/accounts/identity/reset', r!.body)));
  expect(both.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
  const live = await db
    .selectFrom('devices')
    .select('device_id')
    .where('username', '=', 'dana')
    .where('revoked_at', 'is', null)
    .execute();
  expect(live.length).toBe(1);
  const recorded = await db
    .selectFrom('identity_resets')
    .select('revoked_devices')
    .where('username', '=', 'dana')
    .execute();
  expect(recorded.length).toBe(1 + both.filter((r) => r.status === 200).length);
}

const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

test('an identity reset on SQLite', async () => {
  const running = await startServer();
  try {
    await resets(running);
  } finally {
    await running.stop();
  }
});

describe('on PostgreSQL', () => {
  test('an identity reset on PostgreSQL', async () => {
    const pgdb = await freshPostgres();
    if (pgdb === undefined) return;
    drops.push(pgdb.drop);
    const running = await startServer({ database: pgdb.url } as Partial<ServerConfig>);
    try {
      await resets(running);
    } finally {
      await running.stop();
    }
  });
});
