/**
 * The key transparency log (issue #21) on a real server: registrations, added devices and
 * revocations become entries in the transaction that makes them; the signed head, the entries, and
 * inclusion and consistency proofs agree with a tree rebuilt from the entries; the transparency key
 * survives a restart; on PostgreSQL, two nodes registering at once keep one gap-free order and sign
 * the same tree with the same key.
 */
import {
  certifyNewDevice,
  decodeLogEntry,
  fromBase64Url,
  identityKeyPairOf,
  LogTree,
  logLeaf,
  merkle,
  verifyTreeHead,
} from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import {
  addDevice,
  api,
  cs,
  freshPostgres,
  login,
  type Running,
  register,
  revokeDevice,
  startServer,
} from './helpers.js';

const running: Running[] = [];
let drop: (() => Promise<void>) | undefined;
afterEach(async () => {
  // Newest first: a server restarted on the data directory of an earlier one stops before that
  // directory is removed (by the earlier one's stop).
  for (const r of running.splice(0).reverse()) await r.stop();
  await drop?.();
  drop = undefined;
});

const b = fromBase64Url;

async function head(url: string) {
  const h = (await api(url, 'GET', '/v1/transparency/head')).body;
  return { ...h, root: b(h.root), signature: b(h.signature), publicKey: b(h.publicKey) };
}

async function allEntries(url: string, token?: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (;;) {
    const page = await api(
      url,
      'GET',
      `/v1/transparency/entries?start=${out.length}&limit=2`,
      undefined,
      token,
    );
    expect(page.status).toBe(200);
    if (page.body.entries.length === 0) return out;
    out.push(...page.body.entries.map(b));
  }
}

test('key events are logged in order; head, entries and proofs agree; the key survives a restart', async () => {
  const server = await startServer();
  running.push(server);
  const alice = await register(server.url, 'alice', 'alice password 1234');
  const session = await login(server.url, 'alice', 'alice password 1234');
  if (session === 'wrong password') throw new Error('login failed');
  const token = session.body.token as string;
  const second = await certifyNewDevice(identityKeyPairOf(alice.identity), 'alice', cs);
  expect((await addDevice(server.url, token, second)).status).toBe(201);
  const afterAdd = await head(server.url);
  expect((await revokeDevice(server.url, token, alice.identity, second)).status).toBe(200);
  // Revoking again is accepted and logs nothing more.
  await revokeDevice(server.url, token, alice.identity, second);

  const h = await head(server.url);
  expect(h.size).toBe(4);
  expect(verifyTreeHead(h, h.publicKey)).toBe(true);
  const entries = (await allEntries(server.url)).map(decodeLogEntry);
  expect(entries.map((e) => e.kind)).toEqual([
    'registered',
    'device_certified',
    'device_certified',
    'device_revoked',
  ]);
  expect(entries[0]).toMatchObject({ accountId: 'alice', identityKey: alice.identity.identityKey });

  const tree = new LogTree();
  for (const e of entries) tree.append(logLeaf(e));
  expect(tree.root()).toEqual(h.root);
  const proof = (await api(server.url, 'GET', '/v1/transparency/inclusion?index=2&size=4')).body;
  expect(merkle.verifyInclusion(logLeaf(entries[2]!), 2, 4, proof.path.map(b), h.root)).toBe(true);
  const cons = (await api(server.url, 'GET', `/v1/transparency/consistency?first=${afterAdd.size}&second=4`))
    .body;
  expect(merkle.verifyConsistency(afterAdd.size, 4, afterAdd.root, h.root, cons.path.map(b))).toBe(true);
  expect((await api(server.url, 'GET', '/v1/transparency/inclusion?index=4&size=4')).status).toBe(404);
  expect((await api(server.url, 'GET', '/v1/transparency/consistency?first=1&second=9')).status).toBe(404);
  expect((await api(server.url, 'GET', '/v1/transparency/entries?start=0&limit=201')).status).toBe(400);

  await server.stop(true);
  const again = await startServer({}, server.dataDir);
  running.push(again);
  const later = await head(again.url);
  expect(later.publicKey).toEqual(h.publicKey);
  expect(later.root).toEqual(h.root);
});

test('on a server not open to all, the entries (which name accounts) need a session; heads do not', async () => {
  const server = await startServer({ access: 'password', accessPassword: 'let me in please' });
  running.push(server);
  await register(server.url, 'bob', 'bob password 12345', { accessPassword: 'let me in please' });
  expect((await api(server.url, 'GET', '/v1/transparency/entries?start=0')).status).toBe(401);
  expect((await api(server.url, 'GET', '/v1/transparency/head')).body.size).toBe(2);
  const session = await login(server.url, 'bob', 'bob password 12345');
  if (session === 'wrong password') throw new Error('login failed');
  expect(await allEntries(server.url, session.body.token)).toHaveLength(2);
});

test('two PostgreSQL nodes registering at once keep one gap-free order, one tree and one key', async (ctx) => {
  const postgres = await freshPostgres();
  if (postgres === undefined) return ctx.skip();
  drop = () => postgres.drop();
  const a = await startServer({ database: postgres.url });
  running.push(a);
  const c = await startServer({ database: postgres.url });
  running.push(c);
  const names = Array.from({ length: 8 }, (_, i) => `user${i}`);
  const results = await Promise.all(
    names.map((n, i) => register(i % 2 ? a.url : c.url, n, `${n} password 123`)),
  );
  expect(results.map((r) => r.status)).toEqual(names.map(() => 201));

  const [ha, hc] = [await head(a.url), await head(c.url)];
  expect(ha.size).toBe(16);
  expect(hc.size).toBe(16);
  expect(ha.root).toEqual(hc.root);
  expect(ha.publicKey).toEqual(hc.publicKey);
  const entries = (await allEntries(a.url)).map(decodeLogEntry);
  // Each account's registration comes right before its first device: one transaction, one order.
  for (let i = 0; i < 16; i += 2) {
    expect(entries[i]!.kind).toBe('registered');
    expect(entries[i + 1]).toMatchObject({ kind: 'device_certified', accountId: entries[i]!.accountId });
  }
  expect(new Set(entries.map((e) => e.accountId))).toEqual(new Set(names));
});
