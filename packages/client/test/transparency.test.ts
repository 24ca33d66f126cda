/**
 * Key transparency on the client, against a malicious server (issue #21): a key the server cannot
 * prove is in its log is refused; a log whose history the server rewrote is refused as a split
 * view (the typed warning, with both signed heads); an honest log's heads are accepted and kept.
 */
import { SplitViewError, verifyTreeHead } from '@parley/core';
import { rewriteLogEntry, slipInImpostorDevice, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { SplitView } from '../src/index.js';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

test('a device the server slipped in without logging it is refused: key_not_logged', async () => {
  const { url, server } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  await slipInImpostorDevice(server.db, 'bob', { logged: false });
  await expect(a.client.createConversation(['bob'])).rejects.toMatchObject({ code: 'key_not_logged' });
  expect(a.client.conversationList()).toEqual([]);
});

test('an honest log: keys come with proofs, and the client keeps the newest head', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  await a.client.createConversation(['bob']);
  const first = await a.client.keyLog.newest();
  expect(first?.size).toBe(4);
  await person(url, 'carol');
  const later = await a.client.keyLog.refresh();
  expect(later.size).toBe(6);
  expect(await a.client.keyLog.newest()).toEqual(later);
});

test('a history the server rewrote is refused as a split view, with both signed heads', async () => {
  const first = await serve();
  const [alice, bob] = [await person(first.url, 'alice'), await person(first.url, 'bob')];
  const a = await openClient(first.url, alice);
  const b = await openClient(first.url, bob);
  await hasKeyPackages(b.client);
  await a.client.createConversation(['bob']);
  const seen = (await a.client.keyLog.newest())!;
  const splits: SplitView[] = [];
  a.client.on('log_split_view', (s) => splits.push(s));

  // The operator rewrites bob's registration (entry 2) to another identity key and restarts.
  await rewriteLogEntry(first.server.db, 2);
  await first.stop();
  const again = await serve({ dataDir: first.dataDir, port: first.port });
  await until(() => a.client.connection.state === 'online', 'alice reconnects');
  await person(again.url, 'carol');

  const refused = await a.client.keyLog.refresh().catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(SplitViewError);
  // (The device's own periodic check may have seen it too: each sighting is reported.)
  expect(splits.length).toBeGreaterThanOrEqual(1);
  const [mine, shown] = splits[0]!.heads;
  expect(mine).toEqual(seen);
  // Both heads carry the server's signature: they prove the split to anyone.
  const key = again.server.transparency.key.publicKey;
  expect(verifyTreeHead(mine, key) && verifyTreeHead(shown, key)).toBe(true);
  // The client still holds the head it had: the rewritten history was not accepted.
  expect(await a.client.keyLog.newest()).toEqual(seen);
});
