/**
 * History on a newly linked device (issue #18) through the SDK on a real server: the linking
 * device sends the history from a chosen time on (names, pins and marks too) as an opaque blob,
 * the new device writes it before it first opens and then joins the conversations as today; the
 * blob leaves the server at delivery, an upload cut halfway resumes, a wrong code finds nothing,
 * an altered archive is refused and writes nothing, and another account cannot fetch the blob.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeOf, generateStorageKey } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  claimNewDevice,
  declineHistory,
  newLinkCode,
  offerNewDevice,
  type ReceiveHistoryOptions,
  receiveHistory,
  SealedStore,
} from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';
import {
  cs,
  cuttingProxy,
  hasKeyPackages,
  openClient,
  type Person,
  person,
  serve,
  tempDir,
  testApi,
} from './fixtures.js';

const texts = (ms: Array<{ text: string; system?: unknown }>) =>
  ms.filter((m) => m.system === undefined).map((m) => m.text);

/** alice (holding the identity key) online, with a session, a link code for a new device, and its person. */
async function linking(url: string, aliceUrl = url) {
  const alicePerson = await person(url, 'alice');
  const alice = await openClient(aliceUrl, alicePerson);
  const api = testApi(url);
  const { token } = await api.login('alice', 'pw-alice-1234');
  const { code } = await offerNewDevice(api, token, alicePerson.identity, cs);
  const identity = await claimNewDevice(api, token, code);
  const phone: Person = {
    identity,
    key: generateStorageKey(),
    file: join(tempDir('parley-phone-'), 'c.sqlite3'),
  };
  const receive = (over: Partial<ReceiveHistoryOptions> = {}) => {
    const records = new SqliteRecordStore(phone.file);
    const options = { api, token, code, identity, serverUrl: url, records, storageKey: phone.key };
    return receiveHistory({
      ...options,
      signature: cs.signature,
      socketFactory: nodeSocketFactory,
      ...over,
    }).finally(() => records.close());
  };
  return { alice, alicePerson, api, token, code, phone, receive };
}

/** The blobs of alice's account never attached to a message (the archive, while it is there). */
async function unattached(running: Awaited<ReturnType<typeof serve>>): Promise<string[]> {
  const rows = await running.server.db
    .selectFrom('blobs')
    .select('id')
    .where('username', '=', 'alice')
    .where('seq', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

test('a linked device gets the last messages of three conversations, their names, pins and a file it opens; the blob then leaves the server', async () => {
  const running = await serve();
  const { url } = running;
  const { alice, api, token, code, phone, receive } = await linking(url);
  const bob = await openClient(url, await person(url, 'bob'));
  const carol = await openClient(url, await person(url, 'carol'));
  await hasKeyPackages(bob.client);
  await hasKeyPackages(carol.client);
  const club = await alice.client.createGroup('club', ['bob']);
  const pair = await alice.client.createConversation(['carol']);
  const trio = await alice.client.createGroup('trio', ['bob', 'carol']);
  for (let i = 0; i < 20; i++) await alice.client.sendText(club, `old ${i}`);
  const oldest = (await alice.client.history(club)).at(-1)!.sentAt;
  await until(() => Date.now() > oldest + 1, 'time moves on');
  const since = Date.now();
  for (let i = 0; i < 100; i++) await alice.client.sendText(club, `new ${i}`);
  for (let i = 0; i < 3; i++) await alice.client.sendText(pair, `to carol ${i}`);
  const bytes = randomBytes(50_000);
  const sent = await alice.client.files.send(
    trio,
    { size: bytes.length, read: async (at, n) => bytes.subarray(at, at + n) },
    { name: 'photo.bin', mimeType: 'application/octet-stream' },
  );
  await until(() => bob.inbox.length === 121, 'bob has them all');
  const bobs = await bob.client.files.send(
    trio,
    { size: 1000, read: async (at, n) => bytes.subarray(at, Math.min(at + n, 1000)) },
    { name: 'bob.bin', mimeType: 'application/octet-stream' },
  );
  await bob.client.sendText(trio, 'nice photo');
  await until(() => alice.inbox.length === 2, 'alice has bob’s file and reply');
  await alice.client.markVerified('bob');
  const safetyNumber = await bob.client.safetyNumberWith('alice');

  const sending: number[] = [];
  const receiving: number[] = [];
  const [got, gave] = await Promise.all([
    receive({ onProgress: (done) => receiving.push(done) }),
    alice.client.sendHistory(api, token, code, { since, onProgress: (done) => sending.push(done) }),
  ]);
  expect(got).toEqual(gave);
  expect(gave.conversations).toBe(3);
  expect(sending.at(-1)).toBeGreaterThan(gave.bytes); // the sealed blob, a little larger
  expect(receiving.at(-1)).toBe(gave.bytes);
  expect(await unattached(running)).toEqual([]); // delivered: the archive is gone

  const linked = await openClient(url, phone);
  await linked.client.sync();
  await until(
    () => [club, pair, trio].every((g) => linked.client.epoch(g) !== undefined),
    'the new device joined the three conversations',
  );
  expect(texts(await linked.client.history(club))).toEqual([...Array(100).keys()].map((i) => `new ${i}`));
  expect(texts(await linked.client.history(pair))).toEqual(['to carol 0', 'to carol 1', 'to carol 2']);
  expect(texts(await linked.client.history(trio)).slice(-1)).toEqual(['nice photo']);
  expect(linked.client.conversation(club)?.name).toBe('club');
  expect(linked.client.conversation(trio)?.name).toBe('trio');
  expect((await linked.client.contact('bob'))?.verified).toBe(true);
  const file = (await linked.client.history(trio)).find((m) => m.attachment !== undefined)!.attachment!;
  expect(file.blobId).toBe(sent.attachment!.blobId);
  const parts: Uint8Array[] = [];
  await linked.client.files.download(file, { write: (c) => void parts.push(c) });
  expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  // A file another member sent before the link: the server hands it to devices of the accounts
  // that were in the conversation when it was sent (SECURITY.md), so the new device opens it too.
  const bobsFile = (await linked.client.history(trio)).find(
    (m) => m.attachment?.blobId === bobs.attachment!.blobId,
  );
  const bobsParts: Uint8Array[] = [];
  await linked.client.files.download(bobsFile!.attachment!, { write: (c) => void bobsParts.push(c) });
  expect(Buffer.concat(bobsParts).length).toBe(bobsFile!.attachment!.size);

  await bob.client.sendText(club, 'hello new device');
  await until(() => linked.inbox.some((m) => m.text === 'hello new device'), 'it reads bob');
  expect(await bob.client.safetyNumberWith('alice')).toEqual(safetyNumber);
  expect(await bob.client.pendingIdentityChanges()).toEqual([]);
});

test('an upload of the history cut halfway resumes, and the whole history arrives', async () => {
  const running = await serve();
  const proxy = await cuttingProxy(running.port);
  const { alice, api, token, code, receive } = await linking(running.url, proxy.url);
  const bob = await openClient(running.url, await person(running.url, 'bob'));
  await hasKeyPackages(bob.client);
  const group = await alice.client.createGroup('long letters', ['bob']);
  for (let i = 0; i < 40; i++) await alice.client.sendText(group, `${i} ${'x'.repeat(15_000)}`);
  proxy.arm(300_000);
  const gave = await alice.client.sendHistory(api, token, code);
  expect(gave.bytes).toBeGreaterThan(600_000);
  expect(proxy.cuts()).toBe(1);
  const got = await receive();
  expect(got?.messages).toBe(gave.messages);
  expect(got?.messages).toBeGreaterThanOrEqual(40);
});

test('a wrong code finds no history, a declined one ends the wait, an altered archive is refused and writes nothing, and no other account fetches it', async () => {
  const running = await serve();
  const { url } = running;
  const { alice, api, token, code, phone, receive } = await linking(url);
  const bob = await openClient(url, await person(url, 'bob'));
  await hasKeyPackages(bob.client);
  const group = await alice.client.createGroup('club', ['bob']);
  await alice.client.sendText(group, 'secret history');
  const gave = await alice.client.sendHistory(api, token, code);
  const [blobId] = await unattached(running);

  // Another code (another slot, another key) finds nothing and gives up after its wait.
  expect(await receive({ code: newLinkCode(), waitMs: 300 })).toBeNull();
  // Bob knows the blob's id (and even its size): the server answers as if it did not exist.
  const info = {
    blobId: blobId!,
    name: '',
    mimeType: '',
    size: gave.bytes,
    key: '00'.repeat(32),
    sha256: '00'.repeat(32),
  };
  await expect(bob.client.files.download(info, { write: () => {} })).rejects.toMatchObject({
    code: 'blob_not_found',
  });

  // One bit of the stored blob flipped: refused, nothing written, and the blob still deleted.
  const stored = join(running.dataDir, 'blobs', blobId!);
  const bytes = readFileSync(stored);
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1;
  writeFileSync(stored, bytes);
  const failure = await receive().then(
    () => undefined,
    (e: unknown) => codeOf(e),
  );
  expect(failure).toBe('history_invalid');
  const records = new SqliteRecordStore(phone.file);
  const store = new SealedStore(records, phone.key);
  expect(await store.list('conversations')).toEqual([]);
  expect(await store.list(`messages:${group}`)).toEqual([]);
  await records.close();
  expect(await unattached(running)).toEqual([]);

  // "No history" said by the other device: the new device stops waiting at once.
  await declineHistory(api, token, code);
  const started = Date.now();
  expect(await receive({ waitMs: 60_000 })).toBeNull();
  expect(Date.now() - started).toBeLessThan(30_000);
});
