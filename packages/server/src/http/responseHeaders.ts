/**
 * Headers on every HTTP response, API and web app alike: `nosniff`, and over TLS
 * Strict-Transport-Security (max-age from the configuration; 0 sends none).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.js';

export function responseHeaders(app: FastifyInstance, config: ServerConfig): void {
  const hsts =
    config.tlsCert !== undefined && config.hstsMaxAgeSeconds > 0
      ? `max-age=${config.hstsMaxAgeSeconds}; includeSubDomains`
      : undefined;
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (hsts !== undefined) reply.header('strict-transport-security', hsts);
    return payload;
  });
}
