import {
  certifyNewDevice,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  generateKeyPackages,
  identityKeyPairOf,
  toBase64Url,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../src/index.js';
import { addDevice, cs, login, type Running, register, revokeDevice, startServer } from './helpers.js';
import { WsClient } from './wsClient.js';

let running: Running | undefined;
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await running?.stop();
  running = undefined;
});

async function account(name: string): Promise<{ identity: DeviceIdentity; token: string }> {
  const reg = await register(running!.url, name, 'pw-12345678');
  const session = await login(running!.url, name, 'pw-12345678');
  if (session === 'wrong password') throw new Error('login failed');
  return { identity: reg.identity, token: session.body.token };
}

async function connect(identity: DeviceIdentity): Promise<WsClient> {
  const c = await WsClient.connect(running!.url, identity);
  clients.push(c);
  return c;
}

async function keyPackages(identity: DeviceIdentity, count: number, lastResort = true) {
  const device = await createMlsDevice(identity, { provider: nativeCryptoProvider });
  const kps = await generateKeyPackages(device, count, { lastResort });
  return {
    oneTime: kps.filter((k) => !k.lastResort).map((k) => k.encoded),
    lastResort: kps.find((k) => k.lastResort)?.encoded ?? null,
  };
}

describe('WebSocket device authentication', () => {
  test('a device authenticates by signing the server challenge with its key', async () => {
    running = await startServer();
    const { identity } = await account('alice');
    const c = await connect(identity);
    expect(running.server.hub.sessionsOf('alice').map((s) => s.deviceId)).toEqual([identity.deviceId]);
    expect(await c.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining', oneTime: 0 });
  });

  test('a wrong key, an unknown device and a revoked device are refused and disconnected', async () => {
    running = await startServer();
    const { identity, token } = await account('alice');
    const { identity: mallory } = await account('mallory');
    // Right names, wrong key.
    const c1 = await WsClient.open(running.url);
    clients.push(c1);
    expect(await c1.authenticate(identity, mallory.deviceKey.signKey)).toMatchObject({
      type: 'error',
      code: 'auth_failed',
    });
    expect((await c1.waitClosed()).code).toBe(4401);
    // A device that was never registered.
    const ghost = await certifyNewDevice(identityKeyPairOf(identity), 'alice', cs, { deviceId: 'ghost' });
    const c2 = await WsClient.open(running.url);
    clients.push(c2);
    expect(await c2.authenticate(ghost)).toMatchObject({ type: 'error', code: 'auth_failed' });
    // A registered device that was revoked.
    const phone = await certifyNewDevice(identityKeyPairOf(identity), 'alice', cs, { deviceId: 'phone' });
    await addDevice(running.url, token, phone);
    await revokeDevice(running.url, token, identity, phone);
    const c3 = await WsClient.open(running.url);
    clients.push(c3);
    expect(await c3.authenticate(phone)).toMatchObject({ type: 'error', code: 'auth_failed' });
  });

  test('revoking a device closes its open connections at once', async () => {
    running = await startServer();
    const { identity, token } = await account('alice');
    const phone = await certifyNewDevice(identityKeyPairOf(identity), 'alice', cs, { deviceId: 'phone' });
    await addDevice(running.url, token, phone);
    const c = await connect(phone);
    const other = await connect(identity);
    await revokeDevice(running.url, token, identity, phone);
    expect(await c.waitClosed()).toMatchObject({ code: 4403 });
    // The account's other device is unaffected.
    expect(await other.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining' });
  });

  test('a request before authentication is refused and closes the connection; a silent connection is closed after the timeout', async () => {
    running = await startServer({ limits: { ...DEFAULT_CONFIG.limits, authTimeoutMs: 300 } });
    const c = await WsClient.open(running.url);
    clients.push(c);
    expect((await c.nextPush()).type).toBe('challenge');
    expect(await c.request({ type: 'kp_count' })).toMatchObject({ type: 'error', code: 'unauthenticated' });
    expect((await c.waitClosed()).code).toBe(4402);
    const silent = await WsClient.open(running.url);
    clients.push(silent);
    expect((await silent.nextPush()).type).toBe('challenge');
    expect((await silent.waitClosed()).code).toBe(4408);
  });

  test('malformed frames get typed errors and the connection keeps working; oversized frames close it', async () => {
    running = await startServer({ limits: { ...DEFAULT_CONFIG.limits, frameBytes: 64 * 1024 } });
    const { identity } = await account('alice');
    const c = await connect(identity);
    // Unknown type, truncated body, a length over the field's limit, trailing bytes, a text frame.
    expect(await c.sendRaw(Uint8Array.from([99, 0, 0, 0, 7]), 7)).toMatchObject({
      type: 'error',
      code: 'decode_error',
    });
    expect(await c.sendRaw(Uint8Array.from([3, 0, 0, 0, 8, 5]), 8)).toMatchObject({
      type: 'error',
      code: 'decode_error',
    });
    expect(await c.sendRaw(Uint8Array.from([3, 0, 0, 0, 10, 200]), 10)).toMatchObject({
      type: 'error',
      code: 'too_large',
    });
    expect(await c.sendRaw(Uint8Array.from([4, 0, 0, 0, 9, 1]), 9)).toMatchObject({
      type: 'error',
      code: 'decode_error',
    });
    // A text frame has no readable request id: its error comes back with id 0.
    c.socket.send('hello');
    expect(await c.nextPush()).toMatchObject({ type: 'error', requestId: 0, code: 'decode_error' });
    expect(await c.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining' });
    c.socket.send(new Uint8Array(65 * 1024));
    expect((await c.waitClosed()).code).toBe(1009);
    // The server is fine: a new connection works.
    expect(await (await connect(identity)).request({ type: 'kp_count' })).toMatchObject({
      type: 'kp_remaining',
    });
  });
});

test('the frame rate limit is per device, across all of its connections', async () => {
  running = await startServer({ limits: { ...DEFAULT_CONFIG.limits, messagesPerSecond: 1 } });
  const { identity } = await account('alice');
  const [c1, c2] = [await connect(identity), await connect(identity)];
  const answers = [];
  // A burst of 10 frames is allowed; the device's connections share it.
  for (let i = 0; i < 6; i++) answers.push((await c1.request({ type: 'kp_count' })).type);
  for (let i = 0; i < 6; i++) answers.push((await c2.request({ type: 'kp_count' })).type);
  expect(answers.filter((t) => t === 'kp_remaining')).toHaveLength(10);
  expect(await c2.request({ type: 'kp_count' })).toMatchObject({ type: 'error', code: 'rate_limited' });
  // Another device is not affected.
  const { identity: bob } = await account('bob');
  expect(await (await connect(bob)).request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining' });
});

describe('key directory', () => {
  test('upload, claim one package per device, and count what is left', async () => {
    running = await startServer();
    const { identity: alice, token } = await account('alice');
    const laptop = await certifyNewDevice(identityKeyPairOf(alice), 'alice', cs, { deviceId: 'laptop' });
    await addDevice(running.url, token, laptop);
    const a1 = await connect(alice);
    const a2 = await connect(laptop);
    const k1 = await keyPackages(alice, 3);
    const k2 = await keyPackages(laptop, 3);
    expect(
      await a1.request({ type: 'kp_upload', keyPackages: k1.oneTime, lastResort: k1.lastResort }),
    ).toEqual({
      type: 'kp_remaining',
      requestId: expect.any(Number),
      oneTime: 3,
      lastResort: true,
      cipherSuite: null, // the default suite's
    });
    await a2.request({ type: 'kp_upload', keyPackages: k2.oneTime, lastResort: k2.lastResort });

    const { identity: bob } = await account('bob');
    const b = await connect(bob);
    const bundle = await b.request({
      type: 'kp_claim',
      accountId: 'alice',
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    expect(bundle.type).toBe('kp_bundle');
    if (bundle.type !== 'kp_bundle') return;
    expect(bundle.keyPackages.map((k) => [k.deviceId, k.lastResort])).toEqual([
      [alice.deviceId, false],
      ['laptop', false],
    ]);
    expect(toBase64Url(bundle.keyPackages[0]!.keyPackage)).toBe(toBase64Url(k1.oneTime[0]!));
    expect(await a1.request({ type: 'kp_count' })).toMatchObject({ oneTime: 2, lastResort: true });
    // The owner is told (pushed) how many remain, since it is under the replenish threshold.
    expect(await a1.nextPush()).toMatchObject({ type: 'kp_remaining', requestId: 0, oneTime: 2 });
  });

  test('a one-time package is never handed out twice, even to concurrent claimers; then the last resort', async () => {
    running = await startServer();
    const { identity: alice } = await account('alice');
    const a = await connect(alice);
    const k = await keyPackages(alice, 4);
    await a.request({ type: 'kp_upload', keyPackages: k.oneTime, lastResort: k.lastResort });
    const claimers = await Promise.all(
      ['bob', 'carol', 'dave'].map(async (n) => connect((await account(n)).identity)),
    );
    const claims = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        claimers[i % 3]!.request({ type: 'kp_claim', accountId: 'alice', cipherSuite: DEFAULT_CIPHERSUITE }),
      ),
    );
    const got = claims.flatMap((c) => (c.type === 'kp_bundle' ? c.keyPackages : []));
    expect(got).toHaveLength(9);
    const oneTime = got.filter((g) => !g.lastResort).map((g) => toBase64Url(g.keyPackage));
    expect(oneTime.sort()).toEqual(k.oneTime.map(toBase64Url).sort());
    const lastResort = got.filter((g) => g.lastResort).map((g) => toBase64Url(g.keyPackage));
    expect(lastResort).toEqual(Array(5).fill(toBase64Url(k.lastResort!)));
    expect(await a.request({ type: 'kp_count' })).toMatchObject({ oneTime: 0, lastResort: true });
  });

  test('packages for another device, garbage, and unknown accounts are refused', async () => {
    running = await startServer();
    const { identity: alice } = await account('alice');
    const { identity: bob } = await account('bob');
    const a = await connect(alice);
    const bobs = await keyPackages(bob, 1, false);
    expect(await a.request({ type: 'kp_upload', keyPackages: bobs.oneTime, lastResort: null })).toMatchObject(
      {
        type: 'error',
        code: 'invalid_key_package',
      },
    );
    expect(
      await a.request({ type: 'kp_upload', keyPackages: [new Uint8Array(50)], lastResort: null }),
    ).toMatchObject({
      type: 'error',
      code: 'invalid_key_package',
    });
    expect(
      await a.request({ type: 'kp_claim', accountId: 'nobody', cipherSuite: DEFAULT_CIPHERSUITE }),
    ).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
    expect(await a.request({ type: 'kp_count' })).toMatchObject({ oneTime: 0, lastResort: false });
  });
});
