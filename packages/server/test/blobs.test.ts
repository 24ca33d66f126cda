/**
 * Attachment uploads over tus and downloads, end to end on a real server (loopback, real SQLite
 * file, the file store in the data directory): resumable uploads, ranged reads of the exact bytes,
 * and the refusals a creation meets before any byte is sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@parley/testing';
import { afterAll, afterEach, expect, test } from 'vitest';
import { blobStorage } from '../src/blobs/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  auth,
  createUpload,
  download,
  idOf,
  interruptedPatch,
  member,
  newGroup,
  patchUpload,
  upload,
  uploadOffset,
} from './blobPeers.js';
import { type Running, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
/** Directories removed once the file is done (tus checks its directory in the background). */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

test.each(['file', 'database'] as const)(
  'a tus upload in two PATCHes (HEAD shows the offset between) downloads whole and by ranges, byte for byte (%s store)',
  async (attachmentStore) => {
    running = await startServer({ attachmentStore });
    const { url } = running;
    const alice = await member(url, 'alice');
    const groupId = await newGroup(alice);
    const bytes = randomBytes(300_000);

    const options = await fetch(`${url}/v1/uploads`, { method: 'OPTIONS' });
    expect(options.headers.get('tus-max-size')).toBe(String(100 * 1024 * 1024));
    expect(options.headers.get('tus-version')).toContain('1.0.0');

    const created = await createUpload(url, alice, bytes.length, groupId);
    expect(created.status).toBe(201);
    const id = idOf(created);
    expect((await patchUpload(url, alice, id, 0, bytes.subarray(0, 100_000))).status).toBe(204);
    expect(await uploadOffset(url, alice, id)).toBe(100_000);
    // Not complete yet: not downloadable, even by its uploader.
    expect((await download(url, alice, id)).status).toBe(404);
    const last = await patchUpload(url, alice, id, 100_000, bytes.subarray(100_000));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(bytes.length));

    const whole = await download(url, alice, id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/octet-stream');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(whole.body).equals(bytes)).toBe(true);

    const middle = await download(url, alice, id, 'bytes=1000-1999');
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(Buffer.from(middle.body).equals(bytes.subarray(1000, 2000))).toBe(true);
    const tail = await download(url, alice, id, 'bytes=299990-');
    expect(tail.status).toBe(206);
    expect(Buffer.from(tail.body).equals(bytes.subarray(299_990))).toBe(true);
    const beyond = await download(url, alice, id, `bytes=${bytes.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await download(url, alice, id, 'bytes=5-2')).status).toBe(416);

    const usage = await fetch(`${url}/v1/blobs/usage`, { headers: auth(alice) });
    expect(await usage.json()).toEqual({
      usedBytes: bytes.length,
      quotaBytes: 1024 * 1024 * 1024,
      maxAttachmentBytes: 100 * 1024 * 1024,
    });
  },
);

test('an upload interrupted half-way resumes from the offset HEAD reports and completes with the exact bytes', async () => {
  running = await startServer();
  const { url } = running;
  const alice = await member(url, 'alice');
  const groupId = await newGroup(alice);
  const bytes = randomBytes(8 * 1024 * 1024);
  const created = await createUpload(url, alice, bytes.length, groupId);
  const id = idOf(created);

  await interruptedPatch(url, alice, id, bytes, 3 * 1024 * 1024);
  let offset = 0;
  await until(async () => {
    offset = (await uploadOffset(url, alice, id)) ?? 0;
    return offset > 0;
  }, 'the bytes that arrived are kept');
  expect(offset).toBeLessThanOrEqual(3 * 1024 * 1024);
  const rest = await patchUpload(url, alice, id, offset, bytes.subarray(offset));
  expect(rest.status).toBe(204);
  const whole = await download(url, alice, id);
  expect(Buffer.from(whole.body).equals(bytes)).toBe(true);
});

test('creation refuses, before any byte: a length over the limit, a quota exceeded, a deferred length, too many open uploads', async () => {
  running = await startServer({ maxAttachmentBytes: 1000, attachmentQuotaBytes: 2500 });
  const { url } = running;
  const alice = await member(url, 'alice');
  const groupId = await newGroup(alice);

  const tooLarge = await createUpload(url, alice, 1001, groupId);
  expect(tooLarge.status).toBe(413);
  expect((await tooLarge.json()).error.code).toBe('attachment_too_large');

  await upload(url, alice, groupId, randomBytes(1000));
  expect((await createUpload(url, alice, 1000, groupId)).status).toBe(201); // in progress: counts too
  const overQuota = await createUpload(url, alice, 501, groupId);
  expect(overQuota.status).toBe(413);
  expect((await overQuota.json()).error.code).toBe('attachment_quota_exceeded');
  expect((await createUpload(url, alice, 500, groupId)).status).toBe(201);

  const deferred = await createUpload(url, alice, 10, groupId, { 'upload-defer-length': '1' });
  expect(deferred.status).toBe(400);
  const rows = await running.server.db.selectFrom('blobs').select('id').execute();
  expect(rows).toHaveLength(3);
});

test('too many uploads in progress are refused with 429; without a session or a device of the account, 401', async () => {
  running = await startServer();
  const { url } = running;
  const alice = await member(url, 'alice');
  const groupId = await newGroup(alice);
  for (let i = 0; i < 20; i++) expect((await createUpload(url, alice, 10, groupId)).status).toBe(201);
  const more = await createUpload(url, alice, 10, groupId);
  expect(more.status).toBe(429);
  expect((await more.json()).error.code).toBe('rate_limited');

  // An account session is not a device's ticket; no ticket, or a made-up one, is refused.
  const session = await fetch(`${url}/v1/blobs/usage`, {
    headers: { authorization: `Bearer ${alice.token}` },
  });
  expect(session.status).toBe(401);
  expect((await session.json()).error.code).toBe('unauthorized');
  const madeUp = await fetch(`${url}/v1/blobs/usage`, {
    headers: { authorization: `Bearer ${'A'.repeat(43)}` },
  });
  expect(madeUp.status).toBe(401);
  const none = await fetch(`${url}/v1/blobs/usage`);
  expect(none.status).toBe(401);
});

test('the logs (at trace level) hold no blob id, session token, ticket or Authorization value; the disk keeps no metadata but the group', async () => {
  const lines: string[] = [];
  running = await startServer({ logLevel: 'trace', logFormat: 'json' }, undefined, {
    write: (l) => lines.push(l),
  });
  const { url, dataDir } = running;
  const alice = await member(url, 'alice');
  const groupId = await newGroup(alice);
  const name = Buffer.from('holiday-photo.jpg').toString('base64');
  const created = await createUpload(url, alice, 1000, groupId, {
    'upload-metadata': `group ${Buffer.from(Buffer.from(groupId).toString('hex')).toString('base64')},filename ${name}`,
  });
  expect(created.status).toBe(201);
  const id = idOf(created);
  expect((await patchUpload(url, alice, id, 0, randomBytes(1000))).status).toBe(204);
  expect((await download(url, alice, id, 'bytes=0-9')).status).toBe(206);
  expect((await download(url, alice, 'f'.repeat(32))).status).toBe(404);
  expect(lines.some((l) => l.includes('/v1/uploads/:id'))).toBe(true);
  const log = lines.join('');
  for (const secret of [id, alice.token, alice.ticket, `Bearer ${alice.ticket}`, 'f'.repeat(32)])
    expect(log).not.toContain(secret);
  const stored = readFileSync(join(dataDir, 'blobs', `${id}.json`), 'utf8');
  expect(stored).not.toContain('filename');
  expect(stored).not.toContain(name);
});

test('the attachment settings come from the environment and flags, are checked, and pick the store', async () => {
  const env = {
    PARLEY_ATTACHMENT_STORE: 'file',
    PARLEY_MAX_ATTACHMENT_BYTES: '5000',
    DATABASE_URL: 'postgres://h/db',
  };
  const config = loadConfig(['--attachment-quota-bytes', '9000'], env);
  expect(config).toMatchObject({
    attachmentStore: 'file',
    maxAttachmentBytes: 5000,
    attachmentQuotaBytes: 9000,
  });
  expect(loadConfig([], {})).toMatchObject({
    attachmentStore: 'auto',
    maxAttachmentBytes: 104857600,
    attachmentQuotaBytes: 1073741824,
  });
  expect(() => loadConfig([], { PARLEY_ATTACHMENT_STORE: 's3' })).toThrow(ConfigError);
  expect(() => loadConfig([], { PARLEY_MAX_ATTACHMENT_BYTES: '0' })).toThrow(ConfigError);
  expect(() => loadConfig(['--attachment-quota-bytes', '1.5'], {})).toThrow(ConfigError);
  // auto: the database store with PostgreSQL, files without (no database is opened to choose).
  const db = {} as Parameters<typeof blobStorage>[0];
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-blobs-'));
  const auto = { ...loadConfig([], {}), dataDir };
  expect(blobStorage(db, auto).kind).toBe('file');
  expect(blobStorage(db, { ...auto, database: 'postgres://h/db' }).kind).toBe('database');
  expect(blobStorage(db, { ...auto, database: 'postgres://h/db', attachmentStore: 'file' }).kind).toBe(
    'file',
  );
  scratch.push(dataDir);
});
