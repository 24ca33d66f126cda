/**
 * A download cut halfway resumes where it stopped (issue #17): the SDK asks again with a `Range`
 * from the last byte it took, so the file arrives whole and the bytes fetched stay well under twice
 * the blob — it did not start over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encryptedSize } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { saveAttachment } from '../src/node.js';
import { cuttingProxy, hasKeyPackages, openClient, person, serve, tempDir } from './fixtures.js';

test('a download cut halfway resumes from where it stopped and the file arrives whole', async () => {
  const server = await serve();
  const proxy = await cuttingProxy(server.port);
  const alice = await openClient(server.url, await person(server.url, 'alice'));
  const bob = await openClient(proxy.url, await person(server.url, 'bob'));
  await hasKeyPackages(bob.client);
  const group = await alice.client.directConversation('bob');
  const bytes = randomBytes(12 * 1024 * 1024);
  await alice.client.files.send(
    group,
    { size: bytes.length, read: async (o, l) => bytes.subarray(o, o + l) },
    { name: 'big.bin', mimeType: 'application/octet-stream' },
  );
  await until(() => bob.inbox.some((m) => m.attachment !== undefined), 'bob gets the file message');
  const file = bob.inbox.find((m) => m.attachment !== undefined)!.attachment!;

  const before = proxy.received();
  proxy.arm(6 * 1024 * 1024, 'down');
  const saved = await saveAttachment(bob.client.files, file, tempDir('parley-resume-'));
  expect(proxy.cuts()).toBe(1);
  expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(
    createHash('sha256').update(bytes).digest('hex'),
  );
  // Whole blob once, plus the headers of a second request: far from fetching it twice.
  expect(proxy.received() - before).toBeLessThan(1.2 * encryptedSize(bytes.length));
});
