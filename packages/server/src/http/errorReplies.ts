/**
 * How failures become HTTP answers: every error is `{"error":{"code","message"}}` with a stable code
 * (docs/protocol.md), and faults are logged by type only, never with request data.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, errorBody } from '../errors.js';

export function answerErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      reply.code(error.status).send(errorBody(error.code, error.message));
      return;
    }
    const e = error as { validation?: unknown; statusCode?: number; code?: string; message?: string };
    if (e.validation !== undefined) {
      reply.code(400).send(errorBody('invalid_request', e.message ?? 'invalid request'));
    } else if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      reply.code(413).send(errorBody('payload_too_large', 'request body too large'));
    } else if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      reply.code(e.statusCode).send(errorBody('invalid_request', e.message ?? 'invalid request'));
    } else {
      request.log.error({ err: { type: (error as Error).name, code: e.code } }, 'request failed');
      reply.code(500).send(errorBody('internal', 'internal error'));
    }
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send(errorBody('not_found', 'no such route'));
  });
}
