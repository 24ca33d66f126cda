/**
 * The request log: one info line per answered request with what an operator needs and no more:
 * method, route pattern (or, for an unknown route, the path without its query), status and duration.
 * Never query strings, headers, bodies or the client's port; its IP address only with `logClientIp`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Longest unknown path logged; past it the path is cut (an attacker chooses it). */
const PATH_CHARS = 200;

function routeOf(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern !== undefined) return pattern;
  const path = request.url.split('?', 1)[0] ?? '';
  return path.length > PATH_CHARS ? `${path.slice(0, PATH_CHARS)}…` : path;
}

/** Log each request once it is answered (Fastify's own request logging is switched off). */
export function requestLog(app: FastifyInstance, logClientIp: boolean): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: routeOf(request),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(logClientIp ? { ip: request.ip } : {}),
      },
      'request',
    );
  });
}
