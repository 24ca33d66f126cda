/**
 * `npm run bench:server` — group fan-out through Parley vs through a bare `ws` relay, same run.
 *
 * A group of 500 devices (25 accounts × 20 devices, registered with OPAQUE, authenticated with
 * their device keys, added to one MLS group by a real commit) receives application messages from
 * one member. The ciphertexts are built beforehand with real MLS, so the benchmark measures the
 * server: Parley authenticates, validates, orders, stores every message durably (SQLite,
 * synchronous=FULL) and pushes it; the relay only forwards. Each server runs in its own process;
 * the 500 client sockets live in this one. The sender keeps a window of messages in flight and
 * waits for each acknowledgement (Parley's `sent`, the relay's 1-byte ack); the clock stops when
 * every receiver has every message. Loopback only; bounded in messages and time.
 *
 * Options: --devices N (default 500), --messages N (default 600), --window N (default 16), --quick.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addKeyPackages,
  type CryptoProvider,
  certifyNewDevice,
  createAccount,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeServerFrame,
  encodeClientFrame,
  encodeDeviceCertificate,
  encryptApplication,
  generateKeyPackage,
  identityKeyPairOf,
  type MlsDevice,
  randomBytes,
  type ServerFrame,
  toBase64Url,
  wsAuthMessage,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import * as opaque from '@serenity-kit/opaque';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const DEVICES = option('--devices', quick ? 100 : 500);
const MESSAGES = option('--messages', quick ? 100 : 600);
const WINDOW = option('--window', 16);
const DEVICES_PER_ACCOUNT = 20;
const TIME_LIMIT_MS = 120_000;
const provider: CryptoProvider = nativeCryptoProvider;

const here = fileURLToPath(new URL('.', import.meta.url));

async function spawnServer(mode: 'parley' | 'relay', dataDir?: string) {
  // PARLEY_BENCH_PROFILE=DIR writes a CPU profile of each server process there.
  const dir = process.env.PARLEY_BENCH_PROFILE;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, join(here, 'serverProcess.js'), mode, ...(dataDir ? [dataDir] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function openSocket(url: string, onMessage: (data: Buffer) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('message', (data: Buffer) => onMessage(data));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function post(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** An authenticated Parley device connection with request/response matching. */
class Device {
  private next = 1;
  private readonly pending = new Map<number, (f: ServerFrame) => void>();
  deliveries = 0;
  onDeliver: (() => void) | undefined;
  private challenge: ((c: Uint8Array) => void) | undefined;
  ws!: WebSocket;

  constructor(
    readonly identity: DeviceIdentity,
    readonly mls: MlsDevice,
  ) {}

  async connect(url: string): Promise<void> {
    const challenge = new Promise<Uint8Array>((resolve) => {
      this.challenge = resolve;
    });
    this.ws = await openSocket(url, (data) => {
      // Deliveries are counted from the frame type alone (133), as a client would before decoding.
      if (data[0] === 133) {
        this.deliveries++;
        this.onDeliver?.();
        return;
      }
      if (data[0] === 134) return; // a Welcome: the benchmark's receivers do not join
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.type === 'challenge') this.challenge?.(f.challenge);
      else this.pending.get(f.requestId)?.(f);
    });
    const c = await challenge;
    const signature = await this.mls.cs.signature.sign(this.identity.deviceKey.signKey, wsAuthMessage(c));
    const r = await this.request({
      type: 'auth',
      requestId: 0,
      accountId: this.identity.accountId,
      deviceId: this.identity.deviceId,
      signature,
    });
    if (r.type !== 'ok') throw new Error('auth failed');
  }

  request(frame: Parameters<typeof encodeClientFrame>[0]): Promise<ServerFrame> {
    const requestId = this.next++;
    return new Promise((resolve) => {
      this.pending.set(requestId, (f) => {
        this.pending.delete(requestId);
        resolve(f);
      });
      this.ws.send(encodeClientFrame({ ...frame, requestId }));
    });
  }
}

/**
 * Send `frames` from one socket with at most `window` unacknowledged, until every one of `receivers`
 * counted `frames.length` messages. Returns elapsed milliseconds.
 */
async function run(
  send: (i: number) => void,
  onAck: (cb: () => void) => void,
  count: number,
  receiverTotal: () => number,
  expectedDeliveries: number,
): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('benchmark time limit reached')), TIME_LIMIT_MS);
    const check = () => {
      if (acked === count && receiverTotal() >= expectedDeliveries) {
        clearTimeout(timer);
        resolve();
      }
    };
    onAck(() => {
      acked++;
      if (sent < count) send(sent++);
      check();
    });
    const poll = setInterval(() => {
      if (acked === count && receiverTotal() >= expectedDeliveries) {
        clearInterval(poll);
        check();
      }
    }, 5);
    while (sent < Math.min(WINDOW, count)) send(sent++);
  });
  return performance.now() - t0;
}

async function setupParley(base: string, wsUrl: string) {
  await opaque.ready;
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE), provider);
  const devices: Device[] = [];
  const accounts = Math.ceil(DEVICES / DEVICES_PER_ACCOUNT);
  for (let a = 0; a < accounts; a++) {
    const username = `user${a}`;
    const password = `bench-password-${a}`;
    const identity = await createAccount(username, cs);
    const reg = opaque.client.startRegistration({ password });
    const start = await post(base, '/v1/accounts/register/start', {
      username,
      registrationRequest: reg.registrationRequest,
    });
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: start.registrationResponse as string,
      password,
    });
    await post(base, '/v1/accounts/register/finish', {
      username,
      registrationRecord,
      identityKey: toBase64Url(identity.identityKey),
      deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
    });
    const login = opaque.client.startLogin({ password });
    const ls = await post(base, '/v1/sessions/login/start', {
      username,
      startLoginRequest: login.startLoginRequest,
    });
    const fin = opaque.client.finishLogin({
      clientLoginState: login.clientLoginState,
      loginResponse: ls.loginResponse as string,
      password,
    });
    if (!fin) throw new Error('login failed');
    const { token } = await post(base, '/v1/sessions/login/finish', {
      loginId: ls.loginId,
      finishLoginRequest: fin.finishLoginRequest,
    });
    const ids = [identity];
    for (let d = 1; d < Math.min(DEVICES_PER_ACCOUNT, DEVICES - a * DEVICES_PER_ACCOUNT); d++) {
      const extra = await certifyNewDevice(identityKeyPairOf(identity), username, cs, { deviceId: `d${d}` });
      await post(
        base,
        '/v1/devices',
        { certificate: toBase64Url(encodeDeviceCertificate(extra.certificate)) },
        token as string,
      );
      ids.push(extra);
    }
    for (const id of ids) devices.push(new Device(id, await createMlsDevice(id, { provider })));
  }
  for (const d of devices) {
    await d.connect(wsUrl);
    const kp = await generateKeyPackage(d.mls);
    await d.request({ type: 'kp_upload', requestId: 0, keyPackages: [kp.encoded], lastResort: null });
  }
  const sender = devices[0]!;
  let state = await createGroup(sender.mls);
  const groupId = state.groupContext.groupId;
  await sender.request({ type: 'group_create', requestId: 0, groupId, cipherSuite: DEFAULT_CIPHERSUITE });
  const keyPackages: Uint8Array[] = [];
  for (let a = 0; a < accounts; a++) {
    const b = await sender.request({
      type: 'kp_claim',
      requestId: 0,
      accountId: `user${a}`,
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (b.type !== 'kp_bundle') throw new Error('claim failed');
    for (const k of b.keyPackages)
      if (!(a === 0 && k.deviceId === sender.identity.deviceId)) keyPackages.push(k.keyPackage);
  }
  const add = await addKeyPackages(sender.mls, state, keyPackages);
  const r = await sender.request({
    type: 'send',
    requestId: 0,
    groupId,
    messageId: randomBytes(16),
    payload: add.commit,
    welcome: add.welcome,
  });
  if (r.type !== 'sent') throw new Error(`add commit refused: ${JSON.stringify(r)}`);
  state = add.newState;
  // Pre-built ciphertexts: 100-byte application plaintexts, real MLS PrivateMessages.
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const e = await encryptApplication(sender.mls, state, randomBytes(100));
    state = e.newState;
    ciphertexts.push(e.message);
  }
  return { devices, sender, groupId, ciphertexts };
}

async function main() {
  console.log(
    `Parley bench:server — ${DEVICES}-device group, ${MESSAGES} messages, window ${WINDOW}, node ${process.version}\n`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const parleyServer = await spawnServer('parley', dataDir);
  const base = `http://127.0.0.1:${parleyServer.port}`;
  const setupStart = performance.now();
  const { devices, sender, groupId, ciphertexts } = await setupParley(
    base,
    `ws://127.0.0.1:${parleyServer.port}/v1/ws`,
  );
  console.log(
    `setup: ${DEVICES} devices registered, connected and added by one MLS commit in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
  );
  const receivers = devices.filter((d) => d !== sender);
  const expected = MESSAGES * receivers.length;

  // Parley.
  for (const d of receivers) d.deliveries = 0;
  const frames = ciphertexts.map((payload, i) =>
    encodeClientFrame({
      type: 'send',
      requestId: 1_000_000 + i,
      groupId,
      messageId: randomBytes(16),
      payload,
      welcome: null,
    }),
  );
  const parleyAck: { cb?: () => void } = {};
  sender.ws.on('message', (data: Buffer) => {
    if (data[0] === 136) parleyAck.cb?.();
  });
  const parleyMs = await run(
    (i) => sender.ws.send(frames[i]!),
    (cb) => {
      parleyAck.cb = cb;
    },
    MESSAGES,
    () => receivers.reduce((n, d) => n + d.deliveries, 0),
    expected,
  );
  for (const d of devices) d.ws.close();
  await parleyServer.stop();
  rmSync(dataDir, { recursive: true, force: true });

  // The bare relay, same sockets count, same ciphertexts.
  const relay = await spawnServer('relay');
  const relayUrl = `ws://127.0.0.1:${relay.port}`;
  let relayDeliveries = 0;
  const relayAck: { cb?: () => void } = {};
  const relaySender = await openSocket(relayUrl, (data) => {
    if (data.length === 1) relayAck.cb?.();
  });
  const relayReceivers: WebSocket[] = [];
  for (let i = 0; i < receivers.length; i++) {
    relayReceivers.push(
      await openSocket(relayUrl, () => {
        relayDeliveries++;
      }),
    );
  }
  const relayMs = await run(
    (i) => relaySender.send(ciphertexts[i]!),
    (cb) => {
      relayAck.cb = cb;
    },
    MESSAGES,
    () => relayDeliveries,
    expected,
  );
  relaySender.close();
  for (const ws of relayReceivers) ws.close();
  await relay.stop();

  const parleyRate = expected / (parleyMs / 1000);
  const relayRate = expected / (relayMs / 1000);
  console.log('\n   server      deliveries   seconds   deliveries/s');
  console.log(
    `   parley      ${String(expected).padStart(10)}   ${(parleyMs / 1000).toFixed(2).padStart(7)}   ${parleyRate.toFixed(0).padStart(12)}`,
  );
  console.log(
    `   bare relay  ${String(expected).padStart(10)}   ${(relayMs / 1000).toFixed(2).padStart(7)}   ${relayRate.toFixed(0).padStart(12)}`,
  );
  console.log(`\n   parley / bare relay: ${(parleyRate / relayRate).toFixed(2)}x  (target >= 0.60)`);
}

await main();
