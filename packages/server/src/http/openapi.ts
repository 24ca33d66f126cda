/**
 * The HTTP API as an OpenAPI 3.1 document, generated from the routes' own schemas
 * (@fastify/swagger collects them as routes are added, so it is registered first) and served at
 * `GET /v1/openapi.json`; `npm run openapi` writes the same document to docs/openapi.json. Routes
 * without a body schema (the tus upload protocol, the web app's files) appear with what they declare.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { SERVER_VERSION } from './health.js';

function inApi(url: string): boolean {
  return url !== '/v1/openapi.json' && (url.startsWith('/v1/') || url === '/healthz' || url === '/metrics');
}

export async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley',
        version: SERVER_VERSION,
        description:
          'The HTTP API of a Parley server (docs/protocol.md says what each route does; the WebSocket protocol is there too).',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'http',
            scheme: 'bearer',
            description: 'a session token from /v1/sessions/login/finish',
          },
          ticket: {
            type: 'http',
            scheme: 'bearer',
            description: 'a device’s transfer ticket (the `ticket_get` frame)',
          },
        },
      },
    },
    // The web app's files and this document are not part of the API.
    transform: ({ schema, url }) => ({ schema: inApi(url) ? schema : { ...schema, hide: true }, url }),
  });
  app.get('/v1/openapi.json', async () => app.swagger());
}
