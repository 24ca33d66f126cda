import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certifyNewDevice,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  identityKeyPairOf,
  issueDeviceRevocation,
  toBase64Url,
} from '@parley/core';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, describe, expect, test } from 'vitest';
import { createInvites, DEFAULT_CONFIG } from '../src/index.js';
import { api, cs, login, type Running, register, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('accounts with OPAQUE', () => {
  test('register then log in; the database never holds the password', async () => {
    running = await startServer();
    const password = 'correct horse battery staple 42';
    const reg = await register(running.url, 'Alice', password);
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ username: 'alice', deviceId: reg.identity.deviceId });
    const session = await login(running.url, 'ALICE', password);
    expect(session).not.toBe('wrong password');
    if (session === 'wrong password') return;
    expect(session.status).toBe(200);
    expect(session.body.username).toBe('alice');
    const me = await api(running.url, 'GET', '/v1/accounts/alice', undefined, session.body.token);
    expect(me.body).toEqual({
      username: 'alice',
      displayName: 'Alice',
      identityKey: toBase64Url(reg.identity.identityKey),
    });
    await running.server.close();
    for (const file of ['parley.sqlite3', 'parley.sqlite3-wal']) {
      let content: Buffer;
      try {
        content = readFileSync(join(running.dataDir, file));
      } catch {
        continue;
      }
      expect(content.includes(Buffer.from(password))).toBe(false);
      expect(content.includes(Buffer.from(session.body.token))).toBe(false);
    }
  });

  test('a wrong password fails on the client, and a forged finish fails on the server', async () => {
    running = await startServer();
    await register(running.url, 'bob', 'the right password');
    expect(await login(running.url, 'bob', 'the wrong password')).toBe('wrong password');
    await opaque.ready;
    const { startLoginRequest } = opaque.client.startLogin({ password: 'guess' });
    const start = await api(running.url, 'POST', '/v1/sessions/login/start', {
      username: 'bob',
      startLoginRequest,
    });
    const forged = await api(running.url, 'POST', '/v1/sessions/login/finish', {
      loginId: start.body.loginId,
      finishLoginRequest: toBase64Url(new Uint8Array(64)),
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_credentials');
    // A login id is single-use.
    const again = await api(running.url, 'POST', '/v1/sessions/login/finish', {
      loginId: start.body.loginId,
      finishLoginRequest: toBase64Url(new Uint8Array(64)),
    });
    expect(again.body.error.code).toBe('login_expired');
  });

  test('an unknown username gets a normal-looking login response (no account enumeration)', async () => {
    running = await startServer();
    await opaque.ready;
    const { startLoginRequest } = opaque.client.startLogin({ password: 'whatever' });
    const start = await api(running.url, 'POST', '/v1/sessions/login/start', {
      username: 'nobody',
      startLoginRequest,
    });
    expect(start.status).toBe(200);
    expect(typeof start.body.loginResponse).toBe('string');
    expect(await login(running.url, 'nobody', 'whatever')).toBe('wrong password');
  });

  test('usernames are unique after normalisation and case folding', async () => {
    running = await startServer();
    expect((await register(running.url, 'Carol', 'pw-one-1234')).status).toBe(201);
    const dup = await register(running.url, 'ＣＡＲＯＬ', 'pw-two-1234');
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('username_taken');
    const bad = await api(running.url, 'POST', '/v1/accounts/register/start', {
      username: '.carol',
      registrationRequest: 'AAAA',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_username');
  });

  test('a server access password is required to register', async () => {
    running = await startServer({ access: 'password', accessPassword: 'let-me-in' });
    expect((await api(running.url, 'GET', '/v1/server')).body.access).toBe('password');
    const none = await register(running.url, 'dave', 'pw-12345678');
    expect([none.status, none.body.error.code]).toEqual([403, 'access_denied']);
    const wrong = await register(running.url, 'dave', 'pw-12345678', { accessPassword: 'nope' });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, 'access_denied']);
    expect((await register(running.url, 'dave', 'pw-12345678', { accessPassword: 'let-me-in' })).status).toBe(
      201,
    );
  });

  test('invite codes are single-use, even when two registrations race for one', async () => {
    running = await startServer({ access: 'invite' });
    const [code] = await createInvites(running.server.db, 1);
    const results = await Promise.all([
      register(running.url, 'erin', 'pw-12345678', { inviteCode: code! }),
      register(running.url, 'frank', 'pw-12345678', { inviteCode: code! }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 403]);
    expect(results.find((r) => r.status === 403)!.body.error.code).toBe('invite_used');
    const later = await register(running.url, 'grace', 'pw-12345678', { inviteCode: code! });
    expect([later.status, later.body.error.code]).toEqual([403, 'invite_used']);
    const unknown = await register(running.url, 'heidi', 'pw-12345678', { inviteCode: 'made-up' });
    expect([unknown.status, unknown.body.error.code]).toEqual([403, 'access_denied']);
  });

  test('logins are throttled per account', async () => {
    running = await startServer({
      limits: { ...DEFAULT_CONFIG.limits, loginsPerMinute: 3 },
    });
    await register(running.url, 'ivan', 'pw-12345678');
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      const r = await login(running.url, 'ivan', 'wrong');
      outcomes.push(r === 'wrong password' ? 'wrong' : r.body.error.code);
    }
    expect(outcomes).toEqual(['wrong', 'wrong', 'wrong', 'rate_limited', 'rate_limited']);
  });

  test('the OPAQUE server key survives a restart: accounts still log in', async () => {
    running = await startServer();
    await register(running.url, 'judy', 'pw-12345678');
    await running.stop(true);
    running = await startServer({}, running.dataDir);
    const session = await login(running.url, 'judy', 'pw-12345678');
    expect(session !== 'wrong password' && session.status).toBe(200);
  });
});

describe('devices', () => {
  async function signedIn(name: string) {
    const reg = await register(running!.url, name, 'pw-12345678');
    const session = await login(running!.url, name, 'pw-12345678');
    if (session === 'wrong password') throw new Error('login failed');
    return { identity: reg.identity, token: session.body.token as string };
  }

  test('a second device certified by the identity key is added, listed and revoked', async () => {
    running = await startServer();
    const { identity, token } = await signedIn('kim');
    const laptop = await certifyNewDevice(identityKeyPairOf(identity), 'kim', cs, { deviceId: 'laptop' });
    const added = await api(
      running.url,
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(laptop.certificate)) },
      token,
    );
    expect(added.status).toBe(201);
    const dup = await api(
      running.url,
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(laptop.certificate)) },
      token,
    );
    expect([dup.status, dup.body.error.code]).toEqual([409, 'device_exists']);
    const { token: other } = await signedIn('lee');
    const list = await api(running.url, 'GET', '/v1/accounts/KIM/devices', undefined, other);
    expect(list.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([
      identity.deviceId,
      'laptop',
    ]);
    const revocation = await issueDeviceRevocation(
      identityKeyPairOf(identity),
      laptop.certificate,
      cs.signature,
    );
    const revoked = await api(
      running.url,
      'POST',
      '/v1/devices/laptop/revoke',
      { revocation: toBase64Url(encodeDeviceRevocation(revocation)) },
      token,
    );
    expect(revoked.status).toBe(200);
    const after = await api(running.url, 'GET', '/v1/accounts/kim/devices', undefined, other);
    expect(after.body.devices[1].revokedAt).toBeTypeOf('number');
  });

  test('certificates from another identity key or for another account are refused', async () => {
    running = await startServer();
    const kim = await signedIn('kim');
    const mallory = await signedIn('mallory');
    // Mallory's identity key certifying a device "for kim".
    const forged = await certifyNewDevice(identityKeyPairOf(mallory.identity), 'kim', cs, {
      deviceId: 'evil',
    });
    const r1 = await api(
      running.url,
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(forged.certificate)) },
      kim.token,
    );
    expect([r1.status, r1.body.error.code]).toEqual([400, 'invalid_certificate']);
    // Kim's own certificate presented on mallory's session.
    const own = await certifyNewDevice(identityKeyPairOf(kim.identity), 'kim', cs, { deviceId: 'tablet' });
    const r2 = await api(
      running.url,
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(own.certificate)) },
      mallory.token,
    );
    expect([r2.status, r2.body.error.code]).toEqual([400, 'invalid_certificate']);
    const r3 = await api(running.url, 'POST', '/v1/devices', { certificate: 'AAAA' }, kim.token);
    expect([r3.status, r3.body.error.code]).toEqual([400, 'invalid_certificate']);
  });

  test('a device link is picked up once, only by the same account, and only with the right slot', async () => {
    running = await startServer();
    const kim = await signedIn('kim');
    const lee = await signedIn('lee');
    const slot = toBase64Url(new Uint8Array(32).fill(7));
    const sealed = toBase64Url(new Uint8Array(100).fill(1));
    const offered = await api(running.url, 'POST', '/v1/device-links', { slot, sealed }, kim.token);
    expect(offered.status).toBe(200);
    expect(offered.body.expiresAt).toBeGreaterThan(Date.now());
    const noSession = await api(running.url, 'POST', '/v1/device-links/claim', { slot });
    expect(noSession.status).toBe(401);
    const otherAccount = await api(running.url, 'POST', '/v1/device-links/claim', { slot }, lee.token);
    expect([otherAccount.status, otherAccount.body.error.code]).toEqual([404, 'not_found']);
    const shortSlot = await api(running.url, 'POST', '/v1/device-links/claim', { slot: 'AAAA' }, kim.token);
    expect([shortSlot.status, shortSlot.body.error.code]).toEqual([400, 'invalid_request']);
    const claimed = await api(running.url, 'POST', '/v1/device-links/claim', { slot }, kim.token);
    expect([claimed.status, claimed.body.sealed]).toEqual([200, sealed]);
    const again = await api(running.url, 'POST', '/v1/device-links/claim', { slot }, kim.token);
    expect(again.status).toBe(404);
    const huge = await api(
      running.url,
      'POST',
      '/v1/device-links',
      { slot, sealed: 'A'.repeat(5000) },
      kim.token,
    );
    expect(huge.status).toBe(400);
  });

  test('the directory needs a session', async () => {
    running = await startServer();
    await register(running.url, 'kim', 'pw-12345678');
    const r = await api(running.url, 'GET', '/v1/accounts/kim/devices');
    expect([r.status, r.body.error.code]).toEqual([401, 'unauthorized']);
    const bad = await api(running.url, 'GET', '/v1/accounts/kim/devices', undefined, 'not-a-token');
    expect([bad.status, bad.body.error.code]).toEqual([401, 'unauthorized']);
  });
});

describe('input validation', () => {
  test('malformed, unexpected and oversized bodies get typed errors; the server keeps serving', async () => {
    running = await startServer({
      limits: { ...DEFAULT_CONFIG.limits, httpBodyBytes: 4096 },
    });
    const cases: Array<[unknown, number, string]> = [
      ['{not json', 400, 'invalid_request'],
      [{ username: 'x' }, 400, 'invalid_request'],
      [{ username: 'x', registrationRequest: 'a', extra: 1 }, 400, 'invalid_request'],
      [{ username: 'x', registrationRequest: '!!!' }, 400, 'invalid_request'],
      [{ username: 'x', registrationRequest: 'AAAA' }, 400, 'invalid_request'],
      [{ username: 'x', registrationRequest: 'A'.repeat(5000) }, 413, 'payload_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const r = await api(running.url, 'POST', '/v1/accounts/register/start', body);
      expect([r.status, r.body.error?.code], JSON.stringify(body).slice(0, 60)).toEqual([status, code]);
    }
    expect((await api(running.url, 'GET', '/nope')).body.error.code).toBe('not_found');
    expect((await api(running.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  });
});
