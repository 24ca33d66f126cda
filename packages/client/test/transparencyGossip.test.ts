/**
 * Key transparency beyond one device (issue #21). Gossip: a server that shows bob a forked log (an
 * entry only he sees, signed with the server's own key, consistency proofs from the fork) is caught
 * when alice's head reaches him inside their conversation. Monitoring: a device the server adds to
 * alice's account, logged so that others accept it, is reported to alice within one check interval.
 */
import { createPrivateKey, sign } from 'node:crypto';
import {
  decodeClientFrame,
  encodeLogEntry,
  encodeServerFrame,
  LogTree,
  logLeaf,
  type ServerFrame,
  treeHeadMessage,
} from '@parley/core';
import type { ParleyServer } from '@parley/server';
import { slipInImpostorDevice, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { KeyAlert, SocketLike, SplitView } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

/** What a malicious operator shows one person: the real log's first entries and one of its own. */
async function forkedLog(server: ParleyServer) {
  const rows = await server.db.selectFrom('transparency_log').select('leaf_hash').orderBy('seq').execute();
  const tree = new LogTree();
  for (const r of rows) tree.append(new Uint8Array(r.leaf_hash));
  const fake = encodeLogEntry({
    kind: 'registered',
    accountId: 'alice',
    identityKey: new Uint8Array(32).fill(6),
    loggedAt: 1,
  });
  tree.append(logLeaf(fake));
  const der = await server.db
    .selectFrom('server_state')
    .select('value')
    .where('key', '=', 'transparency_key')
    .executeTakeFirstOrThrow();
  const key = createPrivateKey({ key: Buffer.from(der.value, 'base64'), format: 'der', type: 'pkcs8' });
  const head = { size: tree.size, root: tree.root(), timestamp: Date.now() };
  return { tree, head: { ...head, signature: new Uint8Array(sign(null, treeHeadMessage(head), key)) } };
}

/** A socket whose key log answers come from `fork` once it is set (the rest goes to the server). */
function forkingSocket(
  inner: SocketLike,
  fork: () => Awaited<ReturnType<typeof forkedLog>> | undefined,
  publicKey: Uint8Array,
): SocketLike {
  const outer: SocketLike = Object.assign(Object.create(null), {
    binaryType: 'arraybuffer',
    get readyState() {
      return inner.readyState;
    },
    close: (code?: number, reason?: string) => inner.close(code, reason),
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  });
  const answer = (f: ServerFrame) =>
    setTimeout(() => outer.onmessage?.({ data: encodeServerFrame(f).buffer }), 0);
  outer.send = (data: Uint8Array) => {
    const forked = fork();
    const f = forked === undefined ? undefined : decodeClientFrame(data);
    if (forked === undefined || f === undefined) return inner.send(data);
    if (f.type === 'log_head_get')
      return answer({ type: 'log_head', requestId: f.requestId, publicKey, head: forked.head });
    if (f.type === 'log_consistency_get') {
      // The fork has nothing past its own size: whatever it answers cannot be a valid proof.
      const path = f.second <= forked.tree.size ? forked.tree.consistencyProof(f.first, f.second) : [];
      return answer({
        type: 'log_consistency',
        requestId: f.requestId,
        first: f.first,
        second: f.second,
        path,
      });
    }
    inner.send(data);
  };
  inner.binaryType = 'arraybuffer';
  inner.onopen = (ev) => outer.onopen?.(ev);
  inner.onclose = (ev) => outer.onclose?.(ev);
  inner.onerror = (ev) => outer.onerror?.(ev);
  inner.onmessage = (ev) => outer.onmessage?.(ev);
  return outer;
}

test('a server showing two people different logs is caught when their heads meet in a conversation', async () => {
  const { url, server } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const publicKey = server.transparency.key.publicKey;
  let fork: Awaited<ReturnType<typeof forkedLog>> | undefined;
  const a = await openClient(url, alice, undefined, undefined, { keyLog: { gossipMs: 0 } });
  const b = await openClient(
    url,
    bob,
    undefined,
    (u) => forkingSocket(nodeSocketFactory(u), () => fork, publicKey),
    {
      keyLog: { gossipMs: 0 },
    },
  );
  await hasKeyPackages(b.client);
  const chat = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  const splits: SplitView[] = [];
  b.client.on('log_split_view', (s) => splits.push(s));
  a.client.on('log_split_view', (s) => splits.push(s));

  // From now on bob is shown a log with an entry nobody else sees; he accepts it (it is signed).
  fork = await forkedLog(server);
  expect((await b.client.keyLog.refresh()).size).toBe(fork.head.size);
  // The real log grows; alice's client takes its newer head and gossips it to the conversation.
  await person(url, 'carol');
  await a.client.keyLog.refresh();
  await until(() => splits.length > 0, 'the split view is detected');
  const split = splits[0]!;
  expect(split.source).toBe('gossip');
  // One head is bob's forked one; the other is a real head alice gossiped: the one before carol
  // registered or the one after, whichever reached bob first (both contradict the fork).
  const sizes = split.heads.map((h) => h.size);
  expect(sizes).toContain(fork.head.size);
  expect(sizes.filter((n) => n !== fork.head.size)).toEqual([
    expect.toSatisfy((n: number) => n === fork.head.size - 1 || n === fork.head.size + 1),
  ]);
});

test('a device the server adds to an account is reported to its owner within one check interval', async () => {
  const { url, server } = await serve();
  const alice = await person(url, 'alice');
  const intervalMs = 300;
  const alerts: KeyAlert[] = [];
  const a = await openClient(url, alice, (c) => c.on('key_alert', (x) => alerts.push(x)), undefined, {
    keyLog: { monitorMs: intervalMs },
  });
  // Her own registration and device are hers: a first check finds nothing to report.
  await until(async () => (await a.client.keyLog.newest())?.size === 2, 'first check');
  expect(alerts).toEqual([]);

  const impostorKey = await slipInImpostorDevice(server.db, 'alice');
  const slipped = Date.now();
  await until(() => alerts.length > 0, 'alice alerted', 5_000);
  // The next check finds it: one interval, plus the check's own work on a loaded machine.
  expect(Date.now() - slipped).toBeLessThan(intervalMs + 2_000);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toMatchObject({ kind: 'device_certified', index: 2, identityKey: impostorKey });
});
