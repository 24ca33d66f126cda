/**
 * The key transparency routes for auditors and monitors (docs/protocol.md "Key transparency"). The
 * head and the proofs are public: they are hashes and reveal no account. The entries name accounts,
 * so they are for signed-in users, as the directory is, except on a server open to anyone's
 * registration, where anyone could sign in and read the directory anyway.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_LOG_PAGE, type SignedTreeHead, toBase64Url } from '@parley/core';
import Type from 'typebox';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import { requireSession } from '../http/session.js';
import type { TransparencyLog } from './service.js';

export type TransparencyDeps = { db: Db; config: ServerConfig; transparency: TransparencyLog };

/** A count in a query string (the schema does not coerce: digits, parsed by the handler). */
const Size = Type.String({ pattern: '^[0-9]{1,15}$' });
const Path = Type.Array(Type.String(), { maxItems: 64 });

const head = {
  response: {
    200: Type.Object({
      publicKey: Type.String(),
      size: Type.Number(),
      root: Type.String(),
      timestamp: Type.Number(),
      signature: Type.String(),
    }),
  },
};
const inclusion = {
  querystring: Type.Object({ index: Size, size: Size }, { additionalProperties: false }),
  response: { 200: Type.Object({ index: Type.Number(), size: Type.Number(), path: Path }) },
};
const consistency = {
  querystring: Type.Object({ first: Size, second: Size }, { additionalProperties: false }),
  response: { 200: Type.Object({ first: Type.Number(), second: Type.Number(), path: Path }) },
};
const entries = {
  querystring: Type.Object(
    { start: Size, limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      start: Type.Number(),
      entries: Type.Array(Type.String(), { maxItems: MAX_LOG_PAGE }),
    }),
  },
};

/** A signed head as the routes show it (bytes in base64url). */
export function wireHead(publicKey: Uint8Array, h: SignedTreeHead) {
  return {
    publicKey: toBase64Url(publicKey),
    size: h.size,
    root: toBase64Url(h.root),
    timestamp: h.timestamp,
    signature: toBase64Url(h.signature),
  };
}

async function proof(f: () => Promise<Uint8Array[]>): Promise<string[]> {
  try {
    return (await f()).map(toBase64Url);
  } catch (e) {
    if (e instanceof RangeError)
      throw new ApiError(404, 'not_found', 'no such entry or tree size in the log');
    throw e;
  }
}

const entryRoutes: FastifyPluginAsyncTypebox<TransparencyDeps> = async (
  app,
  { db, config, transparency },
) => {
  if (config.access !== 'open') requireSession(app, db);
  app.get('/v1/transparency/entries', { schema: entries }, async (request) => {
    const start = Number(request.query.start);
    const limit = Number(request.query.limit ?? MAX_LOG_PAGE);
    if (limit > MAX_LOG_PAGE)
      throw new ApiError(400, 'invalid_request', `at most ${MAX_LOG_PAGE} entries a page`);
    const page = await transparency.entries(start, limit);
    return { start, entries: page.map(toBase64Url) };
  });
};

export const transparencyRoutes: FastifyPluginAsyncTypebox<TransparencyDeps> = async (app, deps) => {
  const log = deps.transparency;
  app.get('/v1/transparency/head', { schema: head }, async () =>
    wireHead(log.key.publicKey, await log.latest()),
  );
  app.get('/v1/transparency/inclusion', { schema: inclusion }, async (request) => {
    const [index, size] = [Number(request.query.index), Number(request.query.size)];
    return { index, size, path: await proof(() => log.inclusion(index, size)) };
  });
  app.get('/v1/transparency/consistency', { schema: consistency }, async (request) => {
    const [first, second] = [Number(request.query.first), Number(request.query.second)];
    return { first, second, path: await proof(() => log.consistency(first, second)) };
  });
  await app.register(entryRoutes, deps);
};
