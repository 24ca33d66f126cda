/**
 * Uploads over tus 1.0.0 (core, creation, termination) at /v1/uploads, by @tus/server. Fastify
 * checks first (a current device's transfer ticket, access.ts; at creation the size, the account's
 * quota and open uploads, the group membership), with the server's usual JSON errors; then the
 * request is handed, unread, to the tus server. No body is buffered here: the routes' content
 * type parser leaves the stream to tus, which writes it through the configured storage.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { fromHex } from '@parley/core';
import { Metadata, Server } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SqliteAdapter, sql } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { BLOB_ID, requireDevice } from './access.js';
import type { BlobStorage } from './storage.js';
import { accountUsage } from './usage.js';

export const UPLOADS_PATH = '/v1/uploads';
/** Uploads of one account not yet complete, at once (more: 429 until some finish or are swept). */
export const MAX_OPEN_UPLOADS = 20;

export interface UploadsDeps {
  db: Db;
  config: ServerConfig;
  metrics: Metrics;
  storage: BlobStorage;
}

/** A creation's checked headers. */
interface Creation {
  length: number;
  groupId: Uint8Array;
}

function badRequest(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message);
}

/** Upload-Length (required: no deferred length) and the group from Upload-Metadata. */
function creationHeaders(request: FastifyRequest, maxBytes: number): Creation {
  const h = request.headers;
  if (h['upload-defer-length'] !== undefined) throw badRequest('a deferred length is not accepted');
  const lengthHeader = h['upload-length'];
  if (typeof lengthHeader !== 'string' || !/^\d{1,16}$/.test(lengthHeader))
    throw badRequest('Upload-Length is required');
  const length = Number(lengthHeader);
  if (!Number.isSafeInteger(length)) throw badRequest('Upload-Length is required');
  if (length > maxBytes)
    throw new ApiError(413, 'attachment_too_large', 'the attachment is larger than this server accepts');
  const metadata = h['upload-metadata'];
  let group: string | null | undefined;
  try {
    if (typeof metadata === 'string' && metadata.length <= 1024) group = Metadata.parse(metadata).group;
  } catch {
    // refused below
  }
  if (typeof group !== 'string' || !/^(?:[0-9a-f]{2}){1,32}$/.test(group))
    throw badRequest('Upload-Metadata needs the group id, in lowercase hex');
  return { length, groupId: fromHex(group) };
}

/**
 * Record the new blob, if the account may start it: its device is a current member of the group,
 * it has fewer than MAX_OPEN_UPLOADS open, and the length fits in its quota. One account's
 * creations are checked one at a time (on PostgreSQL under an advisory lock), so two at once
 * cannot both take the last of the quota.
 */
async function reserve(deps: UploadsDeps, request: FastifyRequest, c: Creation): Promise<string> {
  const { db, config } = deps;
  const member = await db
    .selectFrom('group_members')
    .select('removed_seq')
    .where('group_id', '=', c.groupId)
    .where('username', '=', request.account)
    .where('device_id', '=', request.device)
    .where('removed_seq', 'is', null)
    .executeTakeFirst();
  if (member === undefined) throw new ApiError(403, 'not_a_member', 'not a member of this group');
  const id = randomBytes(16).toString('hex');
  await db.transaction().execute(async (tx) => {
    if (!(db.getExecutor().adapter instanceof SqliteAdapter))
      await sql`select pg_advisory_xact_lock(hashtext(${`parley-blobs:${request.account}`}))`.execute(tx);
    const usage = await accountUsage(tx, request.account);
    if (usage.open >= MAX_OPEN_UPLOADS)
      throw new ApiError(429, 'rate_limited', 'too many uploads in progress', { retryAfterSeconds: 60 });
    if (usage.usedBytes + c.length > config.attachmentQuotaBytes)
      throw new ApiError(413, 'attachment_quota_exceeded', "the account's attachment quota is used up");
    await tx
      .insertInto('blobs')
      .values({
        id,
        username: request.account,
        device_id: request.device,
        group_id: c.groupId,
        length: c.length,
        complete: 0,
        seq: null,
        expires_at: null,
        created_at: Date.now(),
      })
      .execute();
  });
  return id;
}

/** The Node request under a tus (srvx) request. */
function nodeRequest(req: unknown): IncomingMessage | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

/**
 * The tus server over `storage`. `idOf` names the upload of a request, as checked before it was
 * handed over (the id a creation reserved, or the one whose owner was checked): never what tus
 * would read from the URL itself, whose last segment may lie in the query (`/v1/uploads/<mine>?/../<yours>`).
 */
function tusServer(deps: UploadsDeps, idOf: (req: IncomingMessage | undefined) => string): Server {
  return new Server({
    path: UPLOADS_PATH,
    datastore: deps.storage.datastore,
    maxSize: deps.config.maxAttachmentBytes,
    // Location is /v1/uploads/<id>, whatever Host or forwarded headers say.
    relativeLocation: true,
    respectForwardedHeaders: false,
    // The web app is same-origin: no cross-origin access is granted.
    allowedOrigins: () => false,
    // Only the group is kept with the upload (tus's file store writes metadata to disk): whatever
    // else a client put in Upload-Metadata (a file name, say) is dropped.
    onUploadCreate: async (_req, upload) => ({ metadata: { group: upload.metadata?.group ?? null } }),
    namingFunction: (req) => idOf(nodeRequest(req)),
    getFileIdFromRequest: (req) => idOf(nodeRequest(req)),
    async onUploadFinish(_req, upload) {
      await deps.db.updateTable('blobs').set({ complete: 1 }).where('id', '=', upload.id).execute();
      deps.metrics.uploadsCompleted.inc();
      return {};
    },
  });
}

export async function uploadRoutes(scope: FastifyInstance, deps: UploadsDeps): Promise<void> {
  const { db } = deps;
  /** Each request's upload id, as checked by its route. */
  const checked = new WeakMap<IncomingMessage, string>();
  const tus = tusServer(deps, (req) => {
    const id = req === undefined ? undefined : checked.get(req);
    if (id === undefined) throw new Error('an upload request was handed over unchecked');
    return id;
  });
  // Bodies (PATCH: application/offset+octet-stream) are tus's to read, as a stream.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

  async function handOver(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    try {
      await tus.handle(request.raw, reply.raw);
    } catch (e) {
      request.log.error({ err: { type: (e as Error).name } }, 'upload failed');
      reply.raw.destroy();
    }
  }

  // Discovery (tus versions, extensions, Tus-Max-Size): no account needed.
  scope.options(UPLOADS_PATH, (request, reply) => handOver(request, reply));
  scope.options(`${UPLOADS_PATH}/:id`, (request, reply) => handOver(request, reply));

  await scope.register(async (authenticated) => {
    requireDevice(authenticated, db);

    authenticated.post(UPLOADS_PATH, async (request, reply) => {
      const id = await reserve(deps, request, creationHeaders(request, deps.config.maxAttachmentBytes));
      checked.set(request.raw, id);
      await handOver(request, reply);
      if (reply.raw.statusCode !== 201) {
        await db.deleteFrom('blobs').where('id', '=', id).execute();
        await deps.storage.remove(id);
      }
    });

    /** Only the uploading account sees an upload; for anyone else it does not exist. */
    async function ownUpload(request: FastifyRequest): Promise<string> {
      const { id } = request.params as { id: string };
      const row = BLOB_ID.test(id)
        ? await db
            .selectFrom('blobs')
            .select('id')
            .where('id', '=', id)
            .where('username', '=', request.account)
            .executeTakeFirst()
        : undefined;
      if (row === undefined) throw new ApiError(404, 'blob_not_found', 'no such blob');
      checked.set(request.raw, id);
      return id;
    }

    const resume = async (request: FastifyRequest, reply: FastifyReply) => {
      await ownUpload(request);
      await handOver(request, reply);
    };
    authenticated.head(`${UPLOADS_PATH}/:id`, resume);
    authenticated.patch(`${UPLOADS_PATH}/:id`, resume);
    // Termination: the row goes first (the blob is gone for everyone at once), then tus deletes
    // the bytes under the upload's lock (a PATCH in progress is stopped first).
    authenticated.delete(`${UPLOADS_PATH}/:id`, async (request, reply) => {
      const id = await ownUpload(request);
      await db.deleteFrom('blobs').where('id', '=', id).execute();
      await handOver(request, reply);
    });
  });
}
