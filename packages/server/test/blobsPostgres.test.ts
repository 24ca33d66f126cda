/**
 * The database blob store on a two-node PostgreSQL setup: an upload through node A (in PATCHes
 * that split 1 MiB chunks, one of them interrupted) is read through node B, whole and by ranges
 * across chunk boundaries, byte for byte, and nothing lands in either node's data directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { CHUNK_BYTES } from '../src/blobs/databaseStorage.js';
import { blobStorage } from '../src/blobs/index.js';
import { sweepBlobs } from '../src/blobs/sweep.js';
import {
  addMember,
  createUpload,
  deleteUpload,
  download,
  idOf,
  interruptedPatch,
  member,
  newGroup,
  patchUpload,
  sendWithBlobs,
  uploadOffset,
} from './blobPeers.js';
import { freshPostgres, type Running, startServer } from './helpers.js';

const nodes: Running[] = [];
let drop: (() => Promise<void>) | undefined;
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  await drop?.();
  drop = undefined;
});

test('upload through node A, download through node B: whole, and ranges across chunk boundaries', async (ctx) => {
  const postgres = await freshPostgres();
  if (postgres === undefined) return ctx.skip();
  drop = () => postgres.drop();
  const a = await startServer({ database: postgres.url });
  nodes.push(a);
  const b = await startServer({ database: postgres.url });
  nodes.push(b);
  const storage = blobStorage(a.server.db, a.server.config);
  expect(storage.kind).toBe('database');

  const [alice, bob] = await Promise.all([member(a.url, 'alice'), member(a.url, 'bob')]);
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);
  const bytes = randomBytes(3 * CHUNK_BYTES + 12_345);
  const id = idOf(await createUpload(a.url, alice!, bytes.length, groupId));

  // A PATCH cut off after 1.5 MiB keeps its whole first chunk and the half chunk that arrived
  // (what the node holds when the request ends is written); the upload resumes from there.
  await interruptedPatch(a.url, alice!, id, bytes, CHUNK_BYTES + CHUNK_BYTES / 2);
  let offset = 0;
  await until(async () => {
    offset = (await uploadOffset(a.url, alice!, id)) ?? 0;
    return offset > 0;
  }, 'the first chunk is kept');
  expect(offset).toBeGreaterThanOrEqual(CHUNK_BYTES);
  expect(offset).toBeLessThanOrEqual(CHUNK_BYTES + CHUNK_BYTES / 2);
  const half = offset + Math.floor((bytes.length - offset) / 2);
  expect((await patchUpload(b.url, alice!, id, offset, bytes.subarray(offset, half))).status).toBe(204);
  expect((await patchUpload(a.url, alice!, id, half, bytes.subarray(half))).status).toBe(204);
  expect((await sendWithBlobs(alice!, [id])).type).toBe('sent');

  const whole = await download(b.url, bob!, id);
  expect(whole.status).toBe(200);
  expect(Buffer.from(whole.body).equals(bytes)).toBe(true);
  for (const [start, end] of [
    [CHUNK_BYTES - 10, 2 * CHUNK_BYTES + 10],
    [CHUNK_BYTES, CHUNK_BYTES],
    [0, CHUNK_BYTES - 1],
    [3 * CHUNK_BYTES, bytes.length - 1],
  ] as const) {
    const part = await download(b.url, bob!, id, `bytes=${start}-${end}`);
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
    expect(Buffer.from(part.body).equals(bytes.subarray(start, end + 1))).toBe(true);
  }
  for (const n of [a, b])
    expect(existsSync(join(n.dataDir, 'blobs')) && readdirSync(join(n.dataDir, 'blobs'))).toBeFalsy();

  // Deleted through node B: the chunks go with the row.
  expect((await deleteUpload(b.url, alice!, id)).status).toBe(204);
  const db = a.server.db;
  expect(await db.selectFrom('blob_chunks').select('offset').where('blob_id', '=', id).execute()).toEqual([]);
  expect((await download(a.url, bob!, id)).status).toBe(404);
  expect(await sweepBlobs(db, storage)).toBe(0);
});
