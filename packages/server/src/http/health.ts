/** Server routes: liveness (/healthz), Prometheus metrics (/metrics, access-checked) and what the server offers (/v1/server). */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import Type from 'typebox';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import type { Metrics } from '../metrics.js';
import { checkMetricsAccess } from './metricsAccess.js';

/** The server package's version (its package.json, beside src/ and dist/ alike): /v1/server and --version. */
export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export type HealthDeps = { db: Db; config: ServerConfig; metrics: Metrics };

const healthz = {
  response: {
    200: Type.Object({ status: Type.Literal('ok') }),
    503: Type.Object({ status: Type.Literal('unavailable') }),
  },
};

/** Prometheus text, sent as is (its content type is not JSON, so no serialiser touches it). */
const metricsText = { response: { 200: Type.String() } };

const serverInfo = {
  response: {
    200: Type.Object({
      name: Type.String(),
      version: Type.String(),
      access: Type.Union([Type.Literal('open'), Type.Literal('password'), Type.Literal('invite')]),
      limits: Type.Object({ httpBodyBytes: Type.Number(), frameBytes: Type.Number() }),
    }),
  },
};

export const healthRoutes: FastifyPluginAsyncTypebox<HealthDeps> = async (app, { db, config, metrics }) => {
  app.get('/healthz', { schema: healthz }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(db);
      return { status: 'ok' as const };
    } catch {
      reply.code(503);
      return { status: 'unavailable' as const };
    }
  });

  app.get('/metrics', { schema: metricsText }, async (request, reply) => {
    checkMetricsAccess(request, config.metrics);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/v1/server', { schema: serverInfo }, async () => ({
    name: 'Parley',
    version: SERVER_VERSION,
    access: config.access,
    limits: { httpBodyBytes: config.limits.httpBodyBytes, frameBytes: config.limits.frameBytes },
  }));
};
