/**
 * What the server benchmarks share: servers in child processes (Parley on SQLite or on
 * PostgreSQL + Redis, and the bare relay), device sockets, a registered population of devices, MLS
 * groups set up by real commits, and the two load shapes: closed loop (a window of unacknowledged
 * messages per sender, as fast as the server answers) and open loop (a fixed send rate, latency
 * from send to each delivery). Loopback only; every run is bounded in messages and in time.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addKeyPackages,
  type CiphersuiteImpl,
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
  exportGroupInfo,
  type GroupState,
  generateKeyPackage,
  identityKeyPairOf,
  type MlsDevice,
  randomBytes,
  type ServerFrame,
  toBase64Url,
  toHex,
  wsAuthMessage,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import * as opaque from '@serenity-kit/opaque';
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';

/** The number after `--name` on the command line, or `fallback`. */
export function numberOption(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** One benchmark run may not take longer than this. */
export const RUN_LIMIT_MS = 120_000;
/** The server frame types the load generator reads before decoding (core's protocol/frames.ts). */
export const FRAME = { deliver: 133, welcome: 134, sent: 136 } as const;

export const cs: CiphersuiteImpl = await nativeCiphersuite();

const here = fileURLToPath(new URL('.', import.meta.url));
/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const CLOCK_TICKS = 100;

export type ServerSpec =
  | { mode: 'relay' }
  | { mode: 'parley'; dataDir: string; postgres?: { url: string; redisUrl: string; prefix: string } }
  | { mode: 'defaults'; dataDir: string }
  | { mode: 'copy'; dataDir: string };

export interface ServerHandle {
  port: number;
  /** Resident set size of the server process now, bytes (Linux /proc). */
  rss(): number;
  /** CPU time the server process has used so far (user + system), seconds (Linux /proc). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function spawnServer(spec: ServerSpec): Promise<ServerHandle> {
  // PARLEY_BENCH_PROFILE=DIR writes a CPU profile of each server process there.
  const dir = process.env.PARLEY_BENCH_PROFILE;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  // PARLEY_BENCH_NODE_ARGS: more options for Parley's server processes (V8 flags, say), space-separated.
  const nodeArgs =
    spec.mode === 'relay' ? [] : (process.env.PARLEY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const extra =
    spec.mode === 'relay'
      ? []
      : [
          spec.dataDir,
          ...('postgres' in spec && spec.postgres
            ? [spec.postgres.url, spec.postgres.redisUrl, spec.postgres.prefix]
            : []),
        ];
  const child = spawn(
    process.execPath,
    [...profile, ...nodeArgs, join(here, 'serverProcess.js'), spec.mode, ...extra],
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
    child.once('exit', (code) => reject(new Error(`${spec.mode} server exited (${code})`)));
  });
  return {
    port,
    rss: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : Number.NaN;
    },
    cpuSeconds: () => {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised name.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One client socket: to Parley (authenticated device) or to the relay (a room). */
export class BenchSocket {
  deliveries = 0;
  /** Called with each delivery's raw bytes (Parley deliver frames, relay messages). */
  onDelivery: ((data: Buffer) => void) | undefined;
  /** Called on each acknowledgement of a send (Parley `sent`, relay 1-byte ack). */
  onAck: ((data: Buffer) => void) | undefined;
  private next = 1;
  private readonly pending = new Map<number, (f: ServerFrame) => void>();
  /** The server's challenge, kept from the first frame (it may arrive in the tick the socket opens). */
  private challenge: ((c: Uint8Array) => void) | undefined;
  private readonly challenged = new Promise<Uint8Array>((resolve) => {
    this.challenge = resolve;
  });

  private constructor(
    readonly ws: WebSocket,
    relay: boolean,
  ) {
    ws.on('message', (data: Buffer) => {
      if (relay) {
        if (data.length === 1) this.onAck?.(data);
        else {
          this.deliveries++;
          this.onDelivery?.(data);
        }
        return;
      }
      // Counted from the frame type alone, as a client would before decoding.
      if (data[0] === FRAME.deliver) {
        this.deliveries++;
        this.onDelivery?.(data);
        return;
      }
      if (data[0] === FRAME.welcome) return; // the benchmark's receivers do not join
      if (data[0] === FRAME.sent && this.onAck !== undefined) {
        this.onAck(data);
        return;
      }
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.type === 'challenge') this.challenge?.(f.challenge);
      else this.pending.get(f.requestId)?.(f);
    });
  }

  private static open(url: string, relay: boolean, localAddress?: string): Promise<BenchSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    const socket = new BenchSocket(ws, relay);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  static relay(port: number, room: string): Promise<BenchSocket> {
    return BenchSocket.open(`ws://127.0.0.1:${port}/${room}`, true);
  }

  /** An authenticated device connection (`localAddress`: from another loopback address, 127.0.0.2). */
  static async parley(port: number, identity: DeviceIdentity, localAddress?: string): Promise<BenchSocket> {
    const socket = await BenchSocket.open(`ws://127.0.0.1:${port}/v1/ws`, false, localAddress);
    const c = await socket.challenged;
    const signature = await cs.signature.sign(identity.deviceKey.signKey, wsAuthMessage(c));
    const r = await socket.request({
      type: 'auth',
      requestId: 0,
      accountId: identity.accountId,
      deviceId: identity.deviceId,
      signature,
    });
    if (r.type !== 'ok') throw new Error('auth failed');
    return socket;
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

  close(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Run `tasks` with at most `limit` at a time. */
export async function inParallel<T>(items: T[], limit: number, task: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
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

/**
 * The key stretching of the load's own accounts: Argon2id at a test-only cost. It runs in the
 * load generator (the client's side of OPAQUE), not in the server, and only while the population is
 * registered, before any clock starts; at the production cost it made that setup most of a run.
 */
const BENCH_KSF = {
  keyStretching: { 'argon2id-custom': { memory: 1024, iterations: 1, parallelism: 1 } },
} as const;

/** Register an account with OPAQUE, log in, and add devices d1…d(n-1); returns its devices. */
async function registerAccount(base: string, username: string, devices: number): Promise<DeviceIdentity[]> {
  const password = `bench-password-${username}`;
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
    ...BENCH_KSF,
  });
  await post(base, '/v1/accounts/register/finish', {
    username,
    registrationRecord,
    identityKey: toBase64Url(identity.identityKey),
    deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
  });
  const ids = [identity];
  if (devices === 1) return ids;
  const login = opaque.client.startLogin({ password });
  const ls = await post(base, '/v1/sessions/login/start', {
    username,
    startLoginRequest: login.startLoginRequest,
  });
  const fin = opaque.client.finishLogin({
    clientLoginState: login.clientLoginState,
    loginResponse: ls.loginResponse as string,
    password,
    ...BENCH_KSF,
  });
  if (!fin) throw new Error('login failed');
  const { token } = await post(base, '/v1/sessions/login/finish', {
    loginId: ls.loginId,
    finishLoginRequest: fin.finishLoginRequest,
  });
  // The extra devices are registered concurrently (the server group-commits their writes).
  const extras = await Promise.all(
    Array.from({ length: devices - 1 }, async (_, i) => {
      const extra = await certifyNewDevice(identityKeyPairOf(identity), username, cs, {
        deviceId: `d${i + 1}`,
      });
      await post(
        base,
        '/v1/devices',
        { certificate: toBase64Url(encodeDeviceCertificate(extra.certificate)) },
        token as string,
      );
      return extra;
    }),
  );
  ids.push(...extras);
  return ids;
}

/** `accounts` accounts `user0…` (or `<prefix>0…`), account a with `devicesOf(a)` devices: [account][device]. */
export async function population(
  base: string,
  accounts: number,
  devicesOf: (account: number) => number,
  prefix = 'user',
): Promise<DeviceIdentity[][]> {
  await opaque.ready;
  const out: DeviceIdentity[][] = new Array(accounts);
  await inParallel(
    Array.from({ length: accounts }, (_, a) => a),
    8,
    async (a) => {
      out[a] = await registerAccount(base, `${prefix}${a}`, devicesOf(a));
    },
  );
  return out;
}

/** Give each device a last-resort key package (reusable), so it can be added to several groups. */
export async function uploadKeyPackages(sockets: Map<DeviceIdentity, BenchSocket>): Promise<void> {
  await inParallel([...sockets], 16, async ([identity, socket]) => {
    const kp = await generateKeyPackage(await createMlsDevice(identity, { provider: nativeCryptoProvider }), {
      lastResort: true,
    });
    const r = await socket.request({
      type: 'kp_upload',
      requestId: 0,
      keyPackages: [],
      lastResort: kp.encoded,
    });
    if (r.type !== 'kp_remaining') throw new Error('key package upload failed');
  });
}

export interface BenchGroup {
  groupId: Uint8Array;
  sender: BenchSocket;
  receivers: BenchSocket[];
  /** Pre-built application messages (100-byte plaintexts, real MLS PrivateMessages). */
  ciphertexts: Uint8Array[];
}

/**
 * `creator` starts an MLS group and adds `members` (other devices) by one real commit; then
 * encrypts `messages` application messages for the benchmark.
 */
export async function setupGroup(
  creator: DeviceIdentity,
  members: DeviceIdentity[],
  sockets: Map<DeviceIdentity, BenchSocket>,
  messages: number,
): Promise<BenchGroup> {
  const sender = sockets.get(creator)!;
  const mls: MlsDevice = await createMlsDevice(creator, { provider: nativeCryptoProvider });
  let state: GroupState = await createGroup(mls);
  const groupId = state.groupContext.groupId;
  // The verifying server takes a group with its epoch-0 GroupInfo, and a commit with its next one.
  const created = await sender.request({
    type: 'group_create',
    requestId: 0,
    groupId,
    cipherSuite: DEFAULT_CIPHERSUITE,
    groupInfo: await exportGroupInfo(mls, state),
  });
  if (created.type !== 'ok') throw new Error(`group refused: ${JSON.stringify(created)}`);
  const wanted = new Set(members.map((m) => `${m.accountId}/${m.deviceId}`));
  const keyPackages: Uint8Array[] = [];
  for (const accountId of new Set(members.map((m) => m.accountId))) {
    const b = await sender.request({
      type: 'kp_claim',
      requestId: 0,
      accountId,
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (b.type !== 'kp_bundle') throw new Error('claim failed');
    for (const k of b.keyPackages)
      if (wanted.has(`${accountId}/${k.deviceId}`)) keyPackages.push(k.keyPackage);
  }
  if (keyPackages.length !== members.length) throw new Error('missing key packages');
  const add = await addKeyPackages(mls, state, keyPackages);
  const r = await sender.request({
    type: 'send',
    requestId: 0,
    groupId,
    messageId: randomBytes(16),
    payload: add.commit,
    welcome: add.welcome,
    groupInfo: add.groupInfo,
  });
  if (r.type !== 'sent') throw new Error(`add commit refused: ${JSON.stringify(r)}`);
  state = add.newState;
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < messages; i++) {
    const e = await encryptApplication(mls, state, randomBytes(100));
    state = e.newState;
    ciphertexts.push(e.message);
  }
  return { groupId, sender, receivers: members.map((m) => sockets.get(m)!), ciphertexts };
}

/** A fresh PostgreSQL database and Redis prefix, or why not. */
export async function postgresAndRedis(): Promise<
  { url: string; redisUrl: string; prefix: string; drop(): Promise<void> } | { skipped: string }
> {
  const adminUrl = process.env.PARLEY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.PARLEY_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
  const name = `parley_bench_${toHex(randomBytes(6))}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await admin.connect();
    await redis.connect();
    await admin.query(`create database ${name}`);
  } catch (e) {
    await admin.end().catch(() => {});
    redis.disconnect();
    return { skipped: `PostgreSQL or Redis unreachable (${(e as Error).message})` };
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const prefix = `${name}:`;
  return {
    url: url.toString(),
    redisUrl,
    prefix,
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      redis.disconnect();
    },
  };
}
