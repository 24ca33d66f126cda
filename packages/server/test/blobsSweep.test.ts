/**
 * Attachments are deleted, bytes and row: when their message is gone (retention), when their
 * message's expiry passes, when never attached within a day, and when their uploader deletes them
 * (tus termination; nobody else may). Real server, real SQLite file, the file store on disk.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { blobStorage } from '../src/blobs/index.js';
import { sweepBlobs } from '../src/blobs/sweep.js';
import { runRetention } from '../src/retention.js';
import {
  addMember,
  auth,
  createUpload,
  deleteUpload,
  download,
  idOf,
  member,
  newGroup,
  sendWithBlobs,
  upload,
} from './blobPeers.js';
import { type Running, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('the sweep deletes blobs whose message retention removed, whose expiry passed, and those never attached within a day', async () => {
  running = await startServer({ expirySweepMs: 3_600_000 });
  const { url, server, dataDir } = running;
  const { db } = server;
  const storage = blobStorage(db, server.config);
  const [alice, bob] = await Promise.all([member(url, 'alice'), member(url, 'bob')]);
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);
  const onDisk = (id: string) => existsSync(join(dataDir, 'blobs', id));
  const rowOf = (id: string) => db.selectFrom('blobs').select('id').where('id', '=', id).executeTakeFirst();

  const retired = await upload(url, alice!, groupId, randomBytes(100));
  const first = await sendWithBlobs(alice!, [retired]);
  if (first.type !== 'sent') throw new Error('not sent');
  for (const m of [alice!, bob!]) await m.ws.request({ type: 'ack', groupId, seq: first.seq });
  const kept = await upload(url, alice!, groupId, randomBytes(100));
  expect((await sendWithBlobs(alice!, [kept])).type).toBe('sent');
  const expiring = await upload(url, alice!, groupId, randomBytes(100));
  const deadline = Date.now() + 60_000;
  expect((await sendWithBlobs(alice!, [expiring], deadline)).type).toBe('sent');
  const unsent = await upload(url, alice!, groupId, randomBytes(100));
  expect(await sweepBlobs(db, storage)).toBe(0);
  expect([retired, kept, expiring, unsent].every(onDisk)).toBe(true);

  expect(await runRetention(db, 1, Date.now() + 2 * 24 * 3600_000)).toBeGreaterThan(0);
  expect(await sweepBlobs(db, storage, deadline + 1)).toBe(2);
  for (const id of [retired, expiring]) {
    expect(await rowOf(id)).toBeUndefined();
    expect(onDisk(id)).toBe(false);
  }
  expect(await sweepBlobs(db, storage, Date.now() + 25 * 3600_000)).toBe(1);
  expect(await rowOf(unsent)).toBeUndefined();
  expect(onDisk(unsent)).toBe(false);
  // Attached to a message still stored, without expiry: kept.
  expect(await rowOf(kept)).toBeDefined();
  expect(onDisk(kept)).toBe(true);
  expect((await download(url, bob!, kept)).status).toBe(200);
});

test('the periodic sweep deletes an expired blob on its own', async () => {
  running = await startServer({ expirySweepMs: 50 });
  const { url, server } = running;
  const alice = await member(url, 'alice');
  const groupId = await newGroup(alice);
  const id = await upload(url, alice, groupId, randomBytes(100));
  expect((await sendWithBlobs(alice, [id], Date.now() + 300)).type).toBe('sent');
  const deletedCount = async () =>
    await server.metrics.registry.getSingleMetricAsString('parley_blobs_deleted_total');
  await until(async () => (await deletedCount()).includes('parley_blobs_deleted_total 1'), 'the sweep runs');
  expect(await server.db.selectFrom('blobs').select('id').execute()).toEqual([]);
});

test('the uploader deletes a blob (bytes, row, quota) with tus termination; another account cannot', async () => {
  running = await startServer();
  const { url, dataDir } = running;
  const [alice, bob] = await Promise.all([member(url, 'alice'), member(url, 'bob')]);
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);
  const id = await upload(url, alice!, groupId, randomBytes(1000));
  expect((await sendWithBlobs(alice!, [id])).type).toBe('sent');
  expect((await download(url, bob!, id)).status).toBe(200);

  const refused = await deleteUpload(url, bob!, id);
  expect(refused.status).toBe(404);
  expect((await download(url, bob!, id)).status).toBe(200);

  const deleted = await deleteUpload(url, alice!, id);
  expect(deleted.status).toBe(204);
  expect(existsSync(join(dataDir, 'blobs', id))).toBe(false);
  expect(await running.server.db.selectFrom('blobs').select('id').execute()).toEqual([]);
  expect((await download(url, bob!, id)).status).toBe(404);
  expect((await download(url, alice!, id)).status).toBe(404);
  const usage = await fetch(`${url}/v1/blobs/usage`, { headers: auth(alice!) });
  expect((await usage.json()).usedBytes).toBe(0);
});

test("an upload route acts on the id its path names, never one smuggled in the query: bob cannot delete or read alice's upload", async () => {
  running = await startServer();
  const { url } = running;
  const [alice, bob] = await Promise.all([member(url, 'alice'), member(url, 'bob')]);
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);
  const bytes = randomBytes(1000);
  const hers = await upload(url, alice!, groupId, bytes);
  const his = idOf(await createUpload(url, bob!, 1000, groupId));
  const tus = { 'tus-resumable': '1.0.0', ...auth(bob!) };
  const head = await fetch(`${url}/v1/uploads/${his}?/../${hers}`, { method: 'HEAD', headers: tus });
  expect(head.headers.get('upload-offset')).toBe('0');
  await fetch(`${url}/v1/uploads/${his}?/../${hers}`, { method: 'DELETE', headers: tus });
  const got = await download(url, alice!, hers);
  expect(got.status).toBe(200);
  expect(Buffer.from(got.body).equals(bytes)).toBe(true);
});
