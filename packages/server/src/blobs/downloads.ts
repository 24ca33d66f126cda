/**
 * Downloads: `GET /v1/blobs/<id>` streams a blob's ciphertext to those access.ts allows (whole,
 * or one range: `bytes=N-`, `bytes=N-M`, `bytes=-N`), never holding it in memory; anything else,
 * existing or not, is 404 blob_not_found. `GET /v1/blobs/usage`: the account's usage and limits.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import { BLOB_ID, blobRow, mayRead, requireDevice } from './access.js';
import type { BlobStorage } from './storage.js';
import { accountUsage } from './usage.js';

export interface DownloadsDeps {
  db: Db;
  config: ServerConfig;
  storage: BlobStorage;
}

/** The bytes a Range header asks for (inclusive), all of them without one; undefined: not satisfiable. */
export function rangeOf(
  header: string | undefined,
  length: number,
): { start: number; end: number } | undefined {
  if (header === undefined) return { start: 0, end: length - 1 };
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    // The last N bytes.
    start = Math.max(0, length - Number(m[2]));
    end = length - 1;
    if (Number(m[2]) === 0) return undefined;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  return start < length ? { start, end } : undefined;
}

export async function downloadRoutes(
  scope: FastifyInstance,
  { db, config, storage }: DownloadsDeps,
): Promise<void> {
  requireDevice(scope, db);

  scope.get('/v1/blobs/usage', async (request) => ({
    usedBytes: (await accountUsage(db, request.account)).usedBytes,
    quotaBytes: config.attachmentQuotaBytes,
    maxAttachmentBytes: config.maxAttachmentBytes,
  }));

  scope.get('/v1/blobs/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const blob = BLOB_ID.test(id) ? await blobRow(db, id) : undefined;
    if (blob === undefined || !(await mayRead(db, blob, request.account, request.device)))
      throw new ApiError(404, 'blob_not_found', 'no such blob');
    const header = request.headers.range;
    const range = rangeOf(header, blob.length);
    reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
    if (range === undefined) {
      reply.header('content-range', `bytes */${blob.length}`);
      throw new ApiError(416, 'invalid_request', 'the range is not satisfiable');
    }
    const size = range.end - range.start + 1;
    reply.type('application/octet-stream').header('content-length', String(size));
    if (header !== undefined)
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${blob.length}`);
    if (size === 0) return reply.send(Buffer.alloc(0));
    return reply.send(storage.read(id, range.start, range.end));
  });
}
