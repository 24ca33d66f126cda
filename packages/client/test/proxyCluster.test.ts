/**
 * Parley deployed as deploy/ documents it: the real Caddy and nginx (from their files there) with
 * TLS in front of two server processes sharing PostgreSQL and Redis. People register and log in
 * over HTTPS, chat over WebSockets through the proxy while connected to different nodes, and
 * reconnect through it when a node dies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeviceIdentity, generateStorageKey } from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import {
  PROXY_KINDS,
  type ReverseProxy,
  reverseProxyProgram,
  startReverseProxy,
  until as waitUntil,
} from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { type ChatMessage, ParleyApi, ParleyClient } from '../src/index.js';
import { nodeSocketFactoryTrusting, SqliteRecordStore, trustingFetch } from '../src/node.js';
import { createServices, type Node, type Services, startNode } from './cluster.js';

const cs = await nativeCiphersuite();

let services: Services | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await services?.drop();
  services = undefined;
});

/** The shared `until`, given longer: two server processes and a proxy, on a loaded machine. */
function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  return waitUntil(check, what, 30_000);
}

/** Open WebSockets on a node (its /metrics, read from its own host). */
async function sockets(node: Node): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^parley_ws_connections (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

interface Person {
  identity: DeviceIdentity;
  client: ParleyClient;
  inbox: ChatMessage[];
}

/** A client of `identity` reaching the server through the proxy only (HTTPS and WSS). */
async function online(proxy: ReverseProxy, identity: DeviceIdentity, dir: string): Promise<Person> {
  const client = await ParleyClient.open({
    serverUrl: proxy.url,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactoryTrusting({ ca: proxy.ca }),
    backoff: { initialMs: 50, maxMs: 300 },
  });
  cleanups.push(() => client.close());
  const inbox: ChatMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  client.start();
  await client.connection.waitOnline();
  await until(async () => {
    const r = await client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime > 0;
  }, 'key packages uploaded');
  return { identity, client, inbox };
}

const texts = (p: Person, chat: string) => p.inbox.filter((m) => m.groupId === chat).map((m) => m.text);

for (const kind of PROXY_KINDS) {
  test(`behind ${kind} in front of two nodes: register and log in over HTTPS, chat over WebSockets from different nodes, reconnect through it when a node dies`, async (ctx) => {
    if (reverseProxyProgram(kind) === undefined) return ctx.skip();
    services = await createServices();
    if (services === undefined) return ctx.skip();
    const nodes = await Promise.all([0, 1].map(() => startNode(services!, ['--trust-proxy', '127.0.0.1'])));
    cleanups.push(async () => {
      for (const n of nodes) await n.kill();
    });
    const proxy = (await startReverseProxy(
      kind,
      nodes.map((n) => new URL(n.url).host),
    ))!;
    cleanups.push(() => proxy.stop());

    // Registration and an OPAQUE login, each a few HTTPS requests spread over both nodes.
    const api = new ParleyApi(proxy.url, { fetch: trustingFetch({ ca: proxy.ca }) });
    const aliceId = await api.register('alice', 'pw-alice-1234', cs);
    const bobId = await api.register('bob', 'pw-bob-12345', cs);
    const session = await api.login('bob', 'pw-bob-12345');
    expect(session.username).toBe('bob');

    const dir = mkdtempSync(join(tmpdir(), `parley-${kind}-clients-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const alice = await online(proxy, aliceId, join(dir, 'alice'));
    const bob = await online(proxy, bobId, join(dir, 'bob'));
    // The proxy spreads connections over the nodes in turn: alice's and bob's are on different ones.
    const counts = await Promise.all(nodes.map(sockets));
    expect(counts).toEqual([1, 1]);

    const chat = await alice.client.createConversation(['bob']);
    await until(() => bob.client.conversations().includes(chat), 'bob joins (a Welcome across nodes)');
    await alice.client.sendText(chat, 'hello through the proxy');
    await until(() => texts(bob, chat).length === 1, 'bob receives');
    await bob.client.sendText(chat, 'hello back');
    await until(() => texts(alice, chat).length === 1, 'alice receives');

    // The first node dies. Whoever was on it reconnects through the proxy, which sends them to
    // the other node, and catches up; the other stays connected throughout.
    const states = new Map<Person, string[]>([
      [alice, []],
      [bob, []],
    ]);
    for (const [p, seen] of states) p.client.connection.onState((s) => seen.push(s));
    await nodes[0]!.kill();
    await until(() => [...states.values()].some((seen) => seen.length > 0), 'a client notices');
    const [moved, stayed] = states.get(alice)!.length > 0 ? [alice, bob] : [bob, alice];
    expect(states.get(stayed)).toEqual([]);
    await stayed.client.sendText(chat, 'while you were away');
    await until(() => moved.client.connection.state === 'online', 'the client back online');
    await until(async () => (await sockets(nodes[1]!)) === 2, 'both clients on the surviving node');
    await until(() => texts(moved, chat).includes('while you were away'), 'it catches up');
    await moved.client.sendText(chat, 'back, on the other node');
    await until(() => texts(stayed, chat).includes('back, on the other node'), 'the other receives');
  });
}
