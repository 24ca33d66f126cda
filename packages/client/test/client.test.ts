import {
  certifyNewDevice,
  createAccount,
  DEFAULT_CIPHERSUITE,
  decodeClientFrame,
  encodeDeviceRevocation,
  encodeServerFrame,
  identityKeyPairOf,
  issueDeviceRevocation,
  toBase64Url,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { until } from '@parley/testing';
import { describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { type ApiError, backoffDelay, Connection, type ConnectionState, ParleyApi } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { cs, onCleanup, serve } from './fixtures.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ApiError).code;
  }
  return 'no error';
}

describe('ParleyApi', () => {
  test('register, log in, and the errors a person can meet, each with its own code', async () => {
    const { url } = await serve({ access: 'password', accessPassword: 'club' });
    const api = new ParleyApi(url);
    expect((await api.serverInfo()).access).toBe('password');
    expect(await code(api.register('alice', 'pw-alice-1', cs))).toBe('access_denied');
    expect(await code(api.register('alice', 'pw-alice-1', cs, { accessPassword: 'wrong' }))).toBe(
      'access_denied',
    );
    const identity = await api.register('Alice', 'pw-alice-1', cs, { accessPassword: 'club' });
    expect(identity.accountId).toBe('alice');
    expect(await code(api.register('ALICE', 'other-pw', cs, { accessPassword: 'club' }))).toBe(
      'username_taken',
    );
    expect(await code(api.login('alice', 'not-her-password'))).toBe('wrong_password');
    const session = await api.login('alice', 'pw-alice-1');
    expect(session.username).toBe('alice');
    const me = await api.account(session.token, 'alice');
    expect(toBase64Url(me.identityKey)).toBe(toBase64Url(identity.identityKey));
    const laptop = await certifyNewDevice(identityKeyPairOf(identity), 'alice', cs, { deviceId: 'laptop' });
    await api.addDevice(session.token, laptop.certificate);
    expect((await api.devices(session.token, 'alice')).map((d) => d.certificate.deviceId)).toEqual([
      identity.deviceId,
      'laptop',
    ]);
  });

  test('an unreachable server is reported as such', async () => {
    const { url, stop } = await serve();
    await stop();
    expect(await code(new ParleyApi(url).serverInfo())).toBe('unreachable');
  });
});

describe('Connection', () => {
  test('backoff grows exponentially with full jitter and is capped', () => {
    const opts = { initialMs: 100, maxMs: 5000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, opts, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect(backoffDelay(20, opts, () => 0.999999)).toBe(4999);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
  });

  test('authenticates with the device key, answers requests, and comes back after a server restart', async () => {
    const first = await serve();
    const api = new ParleyApi(first.url);
    const identity = await api.register('bob', 'pw-bob-123', cs);
    const conn = new Connection({
      url: first.url,
      identity,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
      backoff: { initialMs: 50, maxMs: 400 },
      requestTimeoutMs: 10_000,
    });
    onCleanup(() => conn.close());
    const states: ConnectionState[] = [];
    conn.onState((s) => states.push(s));
    conn.start();
    await conn.waitOnline();
    expect(await conn.request({ type: 'kp_count' })).toMatchObject({ type: 'kp_remaining', oneTime: 0 });

    // The server goes away: the connection goes offline and keeps trying.
    await first.stop();
    await until(() => conn.state === 'offline' || conn.state === 'connecting', 'the connection to notice');
    // A request made while offline waits for the connection and then succeeds.
    const pending = conn.request({ type: 'kp_count' });
    const second = await serve({ dataDir: first.dataDir, port: first.port });
    expect(await pending).toMatchObject({ type: 'kp_remaining' });
    expect(states).toContain('offline');
    expect(states.at(-1)).toBe('online');
    await second.stop();
  });

  test('an answer this client cannot read fails its request at once (typed), instead of at the timeout', async () => {
    // A server speaking a future version: it authenticates the device, then answers in a frame
    // layout this client does not know.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    onCleanup(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on('connection', (socket) => {
      socket.send(
        encodeServerFrame({
          type: 'challenge',
          requestId: 0,
          challenge: new Uint8Array(32),
          serverTime: Date.now(),
        }),
      );
      socket.on('message', (data: Buffer) => {
        const frame = decodeClientFrame(new Uint8Array(data));
        if (frame.type === 'auth') socket.send(encodeServerFrame({ type: 'ok', requestId: frame.requestId }));
        else {
          const unknown = new Uint8Array(9);
          new DataView(unknown.buffer).setUint32(1, frame.requestId);
          unknown[0] = 250; // no such frame type
          socket.send(unknown);
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const identity = await createAccount('kim', cs);
    const conn = new Connection({
      url: `http://127.0.0.1:${(wss.address() as { port: number }).port}`,
      identity,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
      requestTimeoutMs: 60_000,
    });
    onCleanup(() => conn.close());
    conn.start();
    await conn.waitOnline();
    await expect(conn.request({ type: 'kp_count' })).rejects.toMatchObject({ code: 'protocol' });
  });

  test('pushes reach listeners; a revoked device is closed for good instead of retrying', async () => {
    const { url } = await serve();
    const api = new ParleyApi(url);
    const alice = await api.register('alice', 'pw-alice-1', cs);
    const session = await api.login('alice', 'pw-alice-1');
    const phone = await certifyNewDevice(identityKeyPairOf(alice), 'alice', cs, { deviceId: 'phone' });
    await api.addDevice(session.token, phone.certificate);
    const conn = new Connection({
      url,
      identity: alice,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
    });
    onCleanup(() => conn.close());
    const pushes: string[] = [];
    conn.onPush((f) => pushes.push(f.type));
    conn.start();
    await conn.waitOnline();
    // Presence pushes need a shared conversation; a kp_remaining push follows a claim instead.
    const { createMlsDevice, generateKeyPackages } = await import('@parley/core');
    const kps = await generateKeyPackages(
      await createMlsDevice(alice, { provider: nativeCryptoProvider }),
      2,
    );
    await conn.request({ type: 'kp_upload', keyPackages: kps.map((k) => k.encoded), lastResort: null });
    const bob = await api.register('bob', 'pw-bob-123', cs);
    const bobConn = new Connection({
      url,
      identity: bob,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
    });
    onCleanup(() => bobConn.close());
    bobConn.start();
    await bobConn.request({ type: 'kp_claim', accountId: 'alice', cipherSuite: DEFAULT_CIPHERSUITE });
    await until(() => pushes.includes('kp_remaining'), 'the kp_remaining push');

    // The phone is revoked: its connection attempt is refused and the transport stops.
    const revocation = await issueDeviceRevocation(identityKeyPairOf(alice), phone.certificate, cs.signature);
    await fetch(`${url}/v1/devices/phone/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ revocation: toBase64Url(encodeDeviceRevocation(revocation)) }),
    });
    const phoneConn = new Connection({
      url,
      identity: phone,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
    });
    onCleanup(() => phoneConn.close());
    phoneConn.start();
    await expect(phoneConn.waitOnline(5000)).rejects.toMatchObject({ code: 'auth_failed' });
    expect(phoneConn.state).toBe('closed');
  });
});
