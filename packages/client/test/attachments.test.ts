/**
 * Files through the SDK against a real server (its tus uploads, ranged downloads, access checks
 * and sweeps, the blobs in its data directory): an upload cut halfway resumes instead of starting
 * over, only the conversation's members at sending time can fetch a file, a damaged blob leaves
 * nothing saved, and a file leaves the server with its message (delete for everyone, timer).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeOf } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { AttachmentInfo, AttachmentSource, ChatMessage, ParleyClient } from '../src/index.js';
import { saveAttachment } from '../src/node.js';
import {
  cuttingProxy,
  hasKeyPackages,
  type OpenClient,
  openClient,
  person,
  serve,
  tempDir,
} from './fixtures.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function memorySource(bytes: Uint8Array): AttachmentSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Send `bytes` as a file; the message the sender's history shows. */
function sendBytes(client: ParleyClient, group: string, bytes: Uint8Array, name = 'file.bin') {
  return client.files.send(group, memorySource(bytes), { name, mimeType: 'application/octet-stream' });
}

/** The code a download of `file` fails with (undefined: it succeeded). */
async function fetchFailure(client: ParleyClient, file: AttachmentInfo): Promise<string | undefined> {
  try {
    await client.files.download(file, { write: () => {} });
    return undefined;
  } catch (e) {
    return codeOf(e) ?? String(e);
  }
}

/** The first file message `who` received. */
async function receivedFile(who: OpenClient): Promise<ChatMessage> {
  await until(() => who.inbox.some((m) => m.attachment !== undefined), 'the file message arrives');
  return who.inbox.find((m) => m.attachment !== undefined)!;
}

/** alice and bob (and whoever else is named) with a conversation of all of them, started by alice. */
async function conversation(url: string, names: string[], aliceUrl = url, overrides = {}) {
  const people = await Promise.all(['alice', ...names].map((n) => person(url, n)));
  const [a, ...others] = await Promise.all(
    people.map((p, i) => openClient(i === 0 ? aliceUrl : url, p, undefined, undefined, overrides)),
  );
  for (const o of others) await hasKeyPackages(o!.client);
  const group = await a!.client.createConversation(names);
  for (const o of others) await until(() => o!.client.conversations().includes(group), 'they join');
  return { a: a!, others: others as OpenClient[], group };
}

test('an upload cut halfway resumes: it completes, the server receives less than 1.5× the blob, and the file arrives whole', async () => {
  const running = await serve();
  const proxy = await cuttingProxy(running.port);
  const {
    a,
    others: [b],
    group,
  } = await conversation(running.url, ['bob'], proxy.url);
  const data = randomBytes(20_000_000);
  const before = proxy.sent();
  proxy.arm(10_000_000);
  const sent = await sendBytes(a.client, group, data, 'big.bin');
  expect(proxy.cuts()).toBe(1);
  expect(proxy.cutCarried()).toBeGreaterThan(1_000_000);
  const blob = statSync(join(running.dataDir, 'blobs', sent.attachment!.blobId)).size;
  expect(blob).toBeGreaterThan(data.length);
  expect(proxy.sent() - before).toBeLessThan(1.5 * blob);

  const m = await receivedFile(b!);
  const dir = tempDir('parley-save-');
  const path = await saveAttachment(b!.client.files, m.attachment!, dir);
  expect(sha256(readFileSync(path))).toBe(sha256(data));
});

test('only members at sending time fetch a file: not one removed before it was sent, not a stranger', async () => {
  const { url } = await serve();
  const {
    a,
    others: [b, c],
    group,
  } = await conversation(url, ['bob', 'carol']);
  const dave = await openClient(url, await person(url, 'dave'));
  await a.client.removeMember(group, 'carol');
  await until(() => c!.client.conversation(group)?.ended === true, 'carol learns she was removed');
  const sent = await sendBytes(a.client, group, randomBytes(100_000));
  const file = (await receivedFile(b!)).attachment!;
  expect(await fetchFailure(b!.client, file)).toBeUndefined();
  expect(await fetchFailure(a.client, file)).toBeUndefined();
  // Even knowing the blob's id and key (say, from bob), they are refused as if it did not exist.
  expect(await fetchFailure(c!.client, sent.attachment!)).toBe('blob_not_found');
  expect(await fetchFailure(dave.client, sent.attachment!)).toBe('blob_not_found');
});

test('a blob damaged on the server fails with decrypt_failed and leaves nothing in the folder', async () => {
  const running = await serve();
  const {
    others: [b],
    a,
    group,
  } = await conversation(running.url, ['bob']);
  const sent = await sendBytes(a.client, group, randomBytes(300_000), 'damaged.bin');
  const stored = join(running.dataDir, 'blobs', sent.attachment!.blobId);
  const bytes = readFileSync(stored);
  bytes[200_000] = bytes[200_000]! ^ 0x01;
  writeFileSync(stored, bytes);

  const m = await receivedFile(b!);
  const dir = tempDir('parley-save-');
  await expect(saveAttachment(b!.client.files, m.attachment!, dir)).rejects.toMatchObject({
    code: 'decrypt_failed',
  });
  expect(readdirSync(dir)).toEqual([]);
});

test('a file deleted for everyone leaves the server: fetching it again fails', async () => {
  const running = await serve();
  const {
    a,
    others: [b],
    group,
  } = await conversation(running.url, ['bob']);
  const sent = await sendBytes(a.client, group, randomBytes(50_000));
  const file = (await receivedFile(b!)).attachment!;
  expect(await fetchFailure(b!.client, file)).toBeUndefined();
  await expect(a.client.edit(group, sent.id, 'text instead')).rejects.toMatchObject({
    code: 'usage',
    message: 'a file cannot be edited',
  });
  await a.client.deleteMessage(group, sent.id);
  await until(async () => (await fetchFailure(b!.client, file)) === 'blob_not_found', 'the blob is gone');
  expect(existsSync(join(running.dataDir, 'blobs', file.blobId))).toBe(false);
  await until(
    async () => (await b!.client.history(group)).find((m) => m.id === sent.id)?.deleted === true,
    'bob sees it deleted',
  );
  expect((await b!.client.history(group)).find((m) => m.id === sent.id)?.attachment).toBeUndefined();
});

test('a file in a conversation with a disappearing timer leaves the server after its deadline', async () => {
  const running = await serve({ expirySweepMs: 50 });
  const {
    a,
    others: [b],
    group,
  } = await conversation(running.url, ['bob'], running.url, { shortTimersForTests: true });
  await a.client.setTimer(group, 2);
  await until(() => b!.client.conversation(group)?.timer === 2, 'bob learns the timer');
  const sent = await sendBytes(a.client, group, randomBytes(50_000));
  expect(sent.expiresAt).toBe(sent.sentAt + 2000);
  const stored = join(running.dataDir, 'blobs', sent.attachment!.blobId);
  await until(() => existsSync(stored), 'the blob is stored');
  await until(
    async () => !existsSync(stored) && (await fetchFailure(a.client, sent.attachment!)) === 'blob_not_found',
    'the blob leaves the server at the deadline',
    15_000,
  );
  expect(Date.now()).toBeGreaterThanOrEqual(sent.expiresAt!);
});

test('a file the server cannot be asked about (no answer at all) fails as transfer_failed, not as the platform’s error', async () => {
  const { url } = await serve();
  const unreachable = {
    send: async () => {
      throw new TypeError('fetch failed');
    },
  };
  const { a, group } = await conversation(url, ['bob'], url, { blobHttp: unreachable });
  await expect(sendBytes(a.client, group, randomBytes(1000))).rejects.toMatchObject({
    code: 'transfer_failed',
  });
});

/** The blobs (and their tus metadata) in a server's data directory. */
function blobFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'blobs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

test('a file cancelled before its first byte is never uploaded, and no message goes', async () => {
  const running = await serve();
  const {
    a,
    others: [b],
    group,
  } = await conversation(running.url, ['bob']);
  const controller = new AbortController();
  const sending = a.client.files.send(
    group,
    memorySource(randomBytes(1_000_000)),
    {
      name: 'early.bin',
      mimeType: 'application/octet-stream',
    },
    { signal: controller.signal },
  );
  // The cancel comes while the client is still asking the server for its limits.
  controller.abort();
  await expect(sending).rejects.toMatchObject({ code: 'transfer_failed' });
  await a.client.sendText(group, 'after the cancel');
  await until(() => b!.inbox.some((m) => m.text === 'after the cancel'), 'bob reads the text');
  expect(b!.inbox.some((m) => m.attachment !== undefined)).toBe(false);
  expect(blobFiles(running.dataDir)).toEqual([]);
});

test('a file cancelled midway leaves the server (tus termination), and no message goes', async () => {
  const running = await serve();
  const {
    a,
    others: [b],
    group,
  } = await conversation(running.url, ['bob']);
  const data = randomBytes(12_000_000);
  const controller = new AbortController();
  const source: AttachmentSource = {
    size: data.length,
    read: async (offset, length) => {
      // The second chunk: the server has named the upload and holds the first.
      if (offset >= 5_000_000) controller.abort();
      return data.subarray(offset, offset + length);
    },
  };
  const sending = a.client.files.send(
    group,
    source,
    { name: 'midway.bin', mimeType: 'application/octet-stream' },
    { signal: controller.signal },
  );
  await expect(sending).rejects.toMatchObject({ code: 'transfer_failed' });
  await until(() => blobFiles(running.dataDir).length === 0, 'the server drops the partial blob');
  await a.client.sendText(group, 'after the cancel');
  await until(() => b!.inbox.some((m) => m.text === 'after the cancel'), 'bob reads the text');
  expect(b!.inbox.some((m) => m.attachment !== undefined)).toBe(false);
});
