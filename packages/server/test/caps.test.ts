/**
 * The caps of issue #15 item 8, attacked for real against the server program (its own process,
 * caps set small in its config file): sockets from one address, before and after authentication,
 * registrations, devices, link codes and groups. Loopback addresses other than 127.0.0.1 play
 * other client addresses (Linux routes all of 127.0.0.0/8 to the loopback interface).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOSE,
  certifyNewDevice,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeAppMessage,
  encodeAppMessage,
  encryptApplication,
  exportGroupInfo,
  identityKeyPairOf,
  processIncoming,
  randomBytes,
  textMessage,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { type ServerProcess, startServerProcess, until } from '@parley/testing';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, expect, test } from 'vitest';
import { addDevice, api, cs, login, register, revokeDevice } from './helpers.js';
import { chattingPair, type Device } from './pair.js';
import { WsClient } from './wsClient.js';

const ATTACKER = '127.0.0.2';

let server: ServerProcess | undefined;
const sockets: WsClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  server?.child.kill('SIGKILL');
  await server?.exited;
  server = undefined;
});

async function start(limits: Record<string, number>, args: string[] = []): Promise<string> {
  server = await startServerProcess(mkdtempSync(join(tmpdir(), 'parley-caps-')), {
    // Sockets of the attack stay unauthenticated for the whole test.
    limits: { authTimeoutMs: 120_000, ...limits },
    args,
  });
  return server.url;
}

/** Open a socket without authenticating: `challenge` if the server took it, else how it was closed. */
async function openUnauthenticated(url: string, from: string): Promise<string> {
  const ws = await WsClient.open(url, from);
  sockets.push(ws);
  await until(() => ws.pushes.length > 0 || ws.closed !== undefined, 'a challenge or a close');
  if (ws.pushes[0]?.type === 'challenge') return 'challenge';
  return `${ws.closed!.code} ${ws.closed!.reason}`;
}

/** Connect and authenticate as `device` from `from`: `ok`, or the error code and the close code. */
async function connectAs(url: string, device: DeviceIdentity, from: string): Promise<string> {
  const ws = await WsClient.open(url, from);
  sockets.push(ws);
  const answer = await ws.authenticate(device);
  if (answer.type === 'ok') return 'ok';
  const closed = await ws.waitClosed();
  return `${answer.type === 'error' ? answer.code : answer.type} ${closed.code}`;
}

/** alice says something in the pair's group and bob reads it: the server still serves people. */
async function chat(pair: { alice: Device; bob: Device; groupId: Uint8Array }): Promise<void> {
  const { alice, bob, groupId } = pair;
  sockets.push(alice.ws, bob.ws);
  const e = await encryptApplication(alice.mls, alice.state!, encodeAppMessage(textMessage('still here')));
  alice.state = e.newState;
  const sent = await alice.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: e.message,
    welcome: null,
  });
  expect(sent.type).toBe('sent');
  let f = await bob.ws.nextPush();
  while (f.type !== 'deliver') f = await bob.ws.nextPush();
  const got = await processIncoming(bob.mls, bob.state!, f.payload);
  expect(got.kind === 'application' && decodeAppMessage(got.plaintext).body).toMatchObject({
    text: 'still here',
  });
}

async function signedIn(url: string, name: string): Promise<{ identity: DeviceIdentity; token: string }> {
  const { identity, status } = await register(url, name, 'pw-12345678');
  expect(status).toBe(201);
  const session = await login(url, name, 'pw-12345678');
  if (session === 'wrong password' || session.status !== 200) throw new Error('login failed');
  return { identity, token: session.body.token };
}

test('unauthenticated sockets past the cap of one address are closed (4430), past the total (1013); people still connect and chat', async () => {
  const url = await start({ unauthenticatedPerAddress: 3, unauthenticatedTotal: 5 });
  const flood: string[] = [];
  for (let i = 0; i < 8; i++) flood.push(await openUnauthenticated(url, ATTACKER));
  const busy = `${CLOSE.addressBusy.code} ${CLOSE.addressBusy.reason}`;
  expect(flood).toEqual([...Array(3).fill('challenge'), ...Array(5).fill(busy)]);

  // From another address, alice and bob register, connect and chat while the flood holds its sockets.
  await chat(await chattingPair(url));

  // Other addresses fill what is left of the total (5): the next socket waits its turn (1013).
  const others = [
    await openUnauthenticated(url, '127.0.0.3'),
    await openUnauthenticated(url, '127.0.0.4'),
    await openUnauthenticated(url, '127.0.0.5'),
  ];
  expect(others).toEqual(['challenge', 'challenge', `${CLOSE.serverBusy.code} ${CLOSE.serverBusy.reason}`]);
});

test('an address whose sockets keep closing without authenticating is held unanswered as it connects (no HTTP read), then dropped; others still connect', async () => {
  const url = await start({ failedConnectionsPerAddressPerMinute: 3, headersTimeoutMs: 1_000 });
  // Each socket sends garbage instead of `auth` and is closed (4402).
  for (let i = 0; i < 3; i++) {
    const ws = await WsClient.open(url, ATTACKER);
    sockets.push(ws);
    ws.socket.send(Uint8Array.of(0xff, 0, 0, 0, 1));
    expect((await ws.waitClosed()).code).toBe(CLOSE.unauthenticated.code);
  }
  // Without a trusted proxy the TCP peer is the client: its connections are held, never read, and
  // dropped after headersTimeoutMs (a client reconnecting in a loop waits instead of looping).
  const started = Date.now();
  await expect(WsClient.open(url, ATTACKER)).rejects.toThrow(/ECONNRESET|socket hang up/);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  // Refused upgrades (429, and 404 for another path) whose connections the attacker resets at
  // once: the server must not die of the reset on a socket no HTTP layer watches any more.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => resetUpgrade(url, i % 2 === 0 ? '/v1/ws' : '/elsewhere')),
  );
  expect(server!.child.exitCode).toBe(null);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  await chat(await chattingPair(url));
});

test('behind a trusted proxy (the TCP peer is not the client) such an address is refused at the upgrade (429)', async () => {
  const url = await start({ failedConnectionsPerAddressPerMinute: 3 }, ['--trust-proxy', '127.0.0.9']);
  for (let i = 0; i < 3; i++) {
    const ws = await WsClient.open(url, ATTACKER);
    sockets.push(ws);
    ws.socket.send(Uint8Array.of(0xff, 0, 0, 0, 1));
    expect((await ws.waitClosed()).code).toBe(CLOSE.unauthenticated.code);
  }
  await expect(WsClient.open(url, ATTACKER)).rejects.toThrow(/429/);
  // Refused upgrades the attacker resets at once do not bring the server down.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => resetUpgrade(url, i % 2 === 0 ? '/v1/ws' : '/elsewhere')),
  );
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

/** Send a WebSocket upgrade from the attacker's address and reset the connection at once. */
function resetUpgrade(url: string, path: string): Promise<void> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: ATTACKER }, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      socket.resetAndDestroy();
      resolve();
    });
    socket.on('error', () => resolve());
  });
}

test('authenticated sockets past the caps of a device (4431), an account (4432) and an address (4430) are refused with limit_reached', async () => {
  const url = await start({ connectionsPerDevice: 2, connectionsPerAccount: 3, connectionsPerAddress: 4 });
  const mallory = await signedIn(url, 'mallory');
  const tries: string[] = [];
  for (let i = 0; i < 4; i++) tries.push(await connectAs(url, mallory.identity, ATTACKER));
  expect(tries).toEqual([
    'ok',
    'ok',
    `limit_reached ${CLOSE.deviceBusy.code}`,
    `limit_reached ${CLOSE.deviceBusy.code}`,
  ]);

  // More devices of the same account: the account's cap (3) holds.
  const [second, third] = await Promise.all(
    ['m2', 'm3'].map((deviceId) =>
      certifyNewDevice(identityKeyPairOf(mallory.identity), 'mallory', cs, { deviceId }),
    ),
  );
  for (const d of [second!, third!]) expect((await addDevice(url, mallory.token, d)).status).toBe(201);
  expect(await connectAs(url, second!, ATTACKER)).toBe('ok');
  expect(await connectAs(url, third!, ATTACKER)).toBe(`limit_reached ${CLOSE.accountBusy.code}`);

  // Another account from the same address: the address's cap (4) holds.
  const trudy = await signedIn(url, 'trudy');
  expect(await connectAs(url, trudy.identity, ATTACKER)).toBe('ok');
  expect(await connectAs(url, trudy.identity, ATTACKER)).toBe(`limit_reached ${CLOSE.addressBusy.code}`);

  // People elsewhere are not held up.
  await chat(await chattingPair(url));
});

/** A register/start from `from` (behind the trusted loopback proxy): its status, code and Retry-After. */
async function startRegistration(url: string, name: string, from: string) {
  await opaque.ready;
  const { registrationRequest } = opaque.client.startRegistration({ password: 'pw-12345678' });
  const res = await fetch(`${url}/v1/accounts/register/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ username: name, registrationRequest }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after') };
}

test('a registration flood from one address is refused past its cap (429 rate_limited, Retry-After); the hourly ceiling holds for everyone', async () => {
  const url = await start({ registrationsPerAddressPerHour: 3, registrationsPerHour: 5 }, [
    '--trust-proxy',
    'loopback',
  ]);
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const flood: number[] = [];
  for (let i = 0; i < 6; i++)
    flood.push((await register(url, `bot${i}`, 'pw-12345678', {}, from('203.0.113.7'))).status);
  expect(flood).toEqual([201, 201, 201, 429, 429, 429]);
  const refused = await startRegistration(url, 'bot9', '203.0.113.7');
  expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  expect(Number(refused.retryAfter)).toBeLessThanOrEqual(3600);

  // Another address registers until the server's hourly ceiling (5) is reached.
  expect((await register(url, 'nina', 'pw-12345678', {}, from('198.51.100.1'))).status).toBe(201);
  expect((await register(url, 'oscar', 'pw-12345678', {}, from('198.51.100.2'))).status).toBe(201);
  const ceiling = await startRegistration(url, 'pat', '198.51.100.3');
  expect([ceiling.status, ceiling.code]).toEqual([429, 'rate_limited']);
  expect(Number(ceiling.retryAfter)).toBeGreaterThan(0);
});

test('a device past the account cap is refused (403 limit_reached); revoking one makes room', async () => {
  const url = await start({ devicesPerAccount: 3 });
  const kim = await signedIn(url, 'kim');
  const devices = await Promise.all(
    ['d2', 'd3', 'd4', 'd5'].map((deviceId) =>
      certifyNewDevice(identityKeyPairOf(kim.identity), 'kim', cs, { deviceId }),
    ),
  );
  const added = [];
  for (const d of devices.slice(0, 3)) added.push(await addDevice(url, kim.token, d));
  expect(added.map((r) => r.status)).toEqual([201, 201, 403]);
  expect(added[2]!.body.error.code).toBe('limit_reached');
  expect((await revokeDevice(url, kim.token, kim.identity, devices[0]!)).status).toBe(200);
  expect((await addDevice(url, kim.token, devices[3]!)).status).toBe(201);
});

test('link codes past the account cap are refused (403 limit_reached) until one is claimed', async () => {
  const url = await start({ linkCodesPerAccount: 2 });
  const kim = await signedIn(url, 'kim');
  const slot = () => nodeRandomBytes(32).toString('base64url');
  const sealed = nodeRandomBytes(64).toString('base64url');
  const slots = [slot(), slot(), slot()];
  const offers = [];
  for (const s of slots)
    offers.push(await api(url, 'POST', '/v1/device-links', { slot: s, sealed }, kim.token));
  expect(offers.map((r) => r.status)).toEqual([200, 200, 403]);
  expect(offers[2]!.body.error.code).toBe('limit_reached');
  expect((await api(url, 'POST', '/v1/device-links/claim', { slot: slots[0] }, kim.token)).status).toBe(200);
  expect((await api(url, 'POST', '/v1/device-links', { slot: slots[2], sealed }, kim.token)).status).toBe(
    200,
  );
});

/** Create `n` groups as `ws`'s device; the answer of each. */
/** Create `n` groups (each with its epoch-0 GroupInfo, as the server requires); the answers. */
async function createGroups(ws: WsClient, identity: DeviceIdentity, n: number): Promise<string[]> {
  const mls = await createMlsDevice(identity, { provider: nativeCryptoProvider });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const state = await createGroup(mls);
    const answer = await ws.request({
      type: 'group_create',
      groupId: state.groupContext.groupId,
      cipherSuite: DEFAULT_CIPHERSUITE,
      groupInfo: await exportGroupInfo(mls, state),
    });
    out.push(answer.type === 'error' ? answer.code : answer.type);
  }
  return out;
}

test('groups past the account caps are refused: live groups (limit_reached), groups a day (rate_limited)', async () => {
  let url = await start({ groupsPerAccount: 2 });
  const kim = await signedIn(url, 'kim');
  const ws = await WsClient.connect(url, kim.identity);
  sockets.push(ws);
  expect(await createGroups(ws, kim.identity, 3)).toEqual(['ok', 'ok', 'limit_reached']);
  // Another account is not held up.
  const lee = await signedIn(url, 'lee');
  const leeWs = await WsClient.connect(url, lee.identity);
  sockets.push(leeWs);
  expect(await createGroups(leeWs, lee.identity, 1)).toEqual(['ok']);

  ws.close();
  leeWs.close();
  server!.child.kill('SIGKILL');
  await server!.exited;
  url = await start({ groupsPerAccountPerDay: 2 });
  const pat = await signedIn(url, 'pat');
  const patWs = await WsClient.connect(url, pat.identity);
  sockets.push(patWs);
  expect(await createGroups(patWs, pat.identity, 3)).toEqual(['ok', 'ok', 'rate_limited']);
});
