/**
 * Shared test fixtures for the client tests: a real server on loopback (SQLite in a temporary
 * directory), registered people, and ParleyClients over real SQLite stores. Importing this module
 * registers an afterEach that stops servers, closes clients, removes directories, and checks that
 * no client met an undecryptable message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certifyNewDevice,
  type DeviceIdentity,
  decodeClientFrame,
  decodeServerFrame,
  generateStorageKey,
  identityKeyPairOf,
  type StorageKey,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { DEFAULT_CONFIG } from '@parley/server';
import { startLoopbackServer, until } from '@parley/testing';
import { afterEach, expect } from 'vitest';
import {
  type ChatMessage,
  ParleyApi,
  ParleyClient,
  type ParleyClientOptions,
  type SocketFactory,
  type SocketLike,
} from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';

export const cs = await nativeCiphersuite();

const cleanups: Array<() => Promise<void> | void> = [];
/** Every message any client could not process: must stay empty unless a test expects otherwise. */
export const undecryptable: unknown[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(undecryptable.splice(0)).toEqual([]);
});

export function onCleanup(f: () => Promise<void> | void): void {
  cleanups.push(f);
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ServeOptions {
  dataDir?: string;
  port?: number;
  access?: 'open' | 'password';
  accessPassword?: string;
  messagesPerSecond?: number;
  /** How often the server deletes expired (disappearing) messages. */
  expirySweepMs?: number;
}

export async function serve(options: ServeOptions = {}) {
  const running = await startLoopbackServer({
    config: {
      ...(options.access ? { access: options.access } : {}),
      ...(options.accessPassword ? { accessPassword: options.accessPassword } : {}),
      ...(options.messagesPerSecond !== undefined
        ? { limits: { ...DEFAULT_CONFIG.limits, messagesPerSecond: options.messagesPerSecond } }
        : {}),
      ...(options.expirySweepMs !== undefined ? { expirySweepMs: options.expirySweepMs } : {}),
    },
    // The directory outlives the server (a test may restart on it) and goes with the cleanups.
    dataDir: options.dataDir ?? tempDir('parley-client-'),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const stop = () => running.stop(true);
  onCleanup(stop);
  return { ...running, stop };
}

export interface Person {
  identity: DeviceIdentity;
  key: StorageKey;
  file: string;
}

/**
 * The HTTP API as these tests' people use it: OPAQUE with the cheap test key stretching
 * (`unsafeTestingCheapKsf`, refused outside a test run), since the production argon2id costs about
 * a second of CPU per registration or login. An account registered through it logs in only
 * through it. That production uses the production parameters is proven where the default
 * ParleyApi registers and logs in (client.test.ts, multiNode.test.ts's raw OPAQUE logins, and the
 * CLI's cli.test.ts).
 */
export function testApi(url: string): ParleyApi {
  return new ParleyApi(url, { unsafeTestingCheapKsf: true });
}

export async function person(url: string, name: string): Promise<Person> {
  const identity = await testApi(url).register(name, `pw-${name}-1234`, cs);
  return { identity, key: generateStorageKey(), file: join(tempDir(`parley-${name}-`), 'client.sqlite3') };
}

/**
 * Another device of `p`'s account (a laptop): certified by the account's identity key, added
 * through the API, and opened on its own store (started, online).
 */
export async function secondDevice(url: string, p: Person): Promise<OpenClient> {
  const accountId = p.identity.accountId;
  const identity = await certifyNewDevice(identityKeyPairOf(p.identity), accountId, cs);
  const session = await testApi(url).login(accountId, `pw-${accountId}-1234`);
  await testApi(url).addDevice(session.token, identity.certificate);
  return openClient(url, {
    identity,
    key: generateStorageKey(),
    file: join(tempDir(`parley-${accountId}-laptop-`), 'client.sqlite3'),
  });
}

/** A client over the person's store, not yet started. */
export function openStore(
  url: string,
  p: Person,
  socketFactory: SocketFactory = nodeSocketFactory,
  overrides: Partial<ParleyClientOptions> = {},
): Promise<ParleyClient> {
  return ParleyClient.open({
    serverUrl: url,
    identity: p.identity,
    records: new SqliteRecordStore(p.file),
    storageKey: p.key,
    mls: { provider: nativeCryptoProvider },
    socketFactory,
    backoff: { initialMs: 50, maxMs: 300 },
    ...overrides,
  });
}

export interface OpenClient {
  client: ParleyClient;
  inbox: ChatMessage[];
}

/** A started, online client that records what it receives and fails the test on undecryptables. */
export async function openClient(
  url: string,
  p: Person,
  beforeStart?: (client: ParleyClient) => void,
  socketFactory?: SocketFactory,
  overrides?: Partial<ParleyClientOptions>,
): Promise<OpenClient> {
  const client = await openStore(url, p, socketFactory, overrides);
  const inbox: ChatMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  client.on('undecryptable', (u) => undecryptable.push(u));
  beforeStart?.(client);
  onCleanup(() => client.close());
  client.start();
  await client.connection.waitOnline();
  return { client, inbox };
}

/** Wait until a client has uploaded key packages (others can add it to conversations). */
export async function hasKeyPackages(client: ParleyClient): Promise<void> {
  await until(async () => {
    const r = await client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime > 0;
  }, 'key packages uploaded');
}

/** Two people, each on a client, in a direct conversation the first started and the second joined. */
export async function directPair(url: string, first: string, second: string) {
  const people = [await person(url, first), await person(url, second)] as const;
  const a = await openClient(url, people[0]);
  const b = await openClient(url, people[1]);
  await hasKeyPackages(b.client);
  const chat = await a.client.directConversation(second);
  await until(() => b.client.conversations().includes(chat), `${second} joins`);
  return { people, a, b, chat };
}

/**
 * A socket that passes everything through except the server frames `drop` picks and the client
 * frames `dropOutgoing` picks (each sees the frame's bytes): for tests of frames lost while the
 * connection stays up.
 */
export function filteredSocket(
  inner: SocketLike,
  drop: (frame: Uint8Array) => boolean,
  dropOutgoing: (frame: Uint8Array) => boolean = () => false,
): SocketLike {
  const outer: SocketLike = {
    get binaryType() {
      return inner.binaryType;
    },
    set binaryType(value: string) {
      inner.binaryType = value;
    },
    get readyState() {
      return inner.readyState;
    },
    send: (data) => {
      if (!dropOutgoing(data as Uint8Array)) inner.send(data);
    },
    close: (code, reason) => inner.close(code, reason),
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  inner.onopen = (ev) => outer.onopen?.(ev);
  inner.onclose = (ev) => outer.onclose?.(ev);
  inner.onerror = (ev) => outer.onerror?.(ev);
  inner.onmessage = (ev) => {
    const data = ev.data;
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data as Buffer);
    if (!drop(bytes)) outer.onmessage?.(ev);
  };
  return outer;
}

/**
 * Sockets on which the server's `sent` answers, and the client's `send` frames, are lost while `lose`
 * says so, counting those lost; the socket stays open (a device that closes before its answers
 * come, or a send lost on the way).
 */
export function losingSends(lose: { answers: () => boolean; sends?: () => boolean }) {
  const lost = { answers: 0, sends: 0 };
  const factory: SocketFactory = (u) =>
    filteredSocket(
      nodeSocketFactory(u),
      (bytes) => decodeServerFrame(bytes).type === 'sent' && lose.answers() && ++lost.answers > 0,
      (bytes) => decodeClientFrame(bytes).type === 'send' && (lose.sends?.() ?? false) && ++lost.sends > 0,
    );
  return { factory, lost };
}

/**
 * A TCP proxy to `port` that counts the bytes passing each way and, once armed, destroys the
 * connection that carries the `after`-th byte from then on in the armed direction (once): `up`
 * (client to server, an upload) or `down` (server to client, a download).
 */
export async function cuttingProxy(port: number) {
  const seen = { up: 0, down: 0 };
  let armed: { direction: 'up' | 'down'; at: number } | undefined;
  let cuts = 0;
  /** Bytes the connection that was cut had carried in the armed direction. */
  let cutCarried = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    sockets.add(client).add(upstream);
    const carried = { up: 0, down: 0 };
    const relay = (direction: 'up' | 'down', from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        seen[direction] += chunk.length;
        carried[direction] += chunk.length;
        if (armed?.direction === direction && seen[direction] >= armed.at && cuts === 0) {
          cuts++;
          cutCarried = carried[direction];
          client.destroy();
          upstream.destroy();
          return;
        }
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => from.resume());
    };
    relay('up', client, upstream);
    relay('down', upstream, client);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    /** Bytes clients sent through so far. */
    sent: () => seen.up,
    /** Bytes the server sent back through so far. */
    received: () => seen.down,
    cuts: () => cuts,
    cutCarried: () => cutCarried,
    /** Cut the connection carrying the byte `after` bytes from now, going `direction` (default up). */
    arm(after: number, direction: 'up' | 'down' = 'up') {
      armed = { direction, at: seen[direction] + after };
    },
  };
}
