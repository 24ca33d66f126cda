import { readFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { type Running, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** The API routes docs/protocol.md lists (not `/`, served only with a web build), authenticated or not. */
function documentedRoutes(): Array<{ method: 'GET' | 'POST'; path: string; authenticated: boolean }> {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/^### `(GET|POST) (\/\S+)`( \(authenticated\))?/gm)].map((m) => ({
    method: m[1] as 'GET' | 'POST',
    path: m[2]!,
    authenticated: m[3] !== undefined,
  }));
}

/** Bodies that pass each authenticated route's schema, so only the session check can refuse them. */
const slot = 'A'.repeat(43);
const validBodies: Record<string, unknown> = {
  '/v1/devices': { certificate: 'AAAA' },
  '/v1/devices/:deviceId/revoke': { revocation: 'AAAA' },
  '/v1/device-links': { slot, sealed: 'AAAA' },
  '/v1/device-links/claim': { slot },
};

test('every documented route exists, and each one marked authenticated refuses a missing or unknown session', async () => {
  running = await startServer();
  const { app } = running.server;
  const routes = documentedRoutes();
  expect(routes.filter((r) => r.authenticated).length).toBeGreaterThanOrEqual(7);
  for (const route of routes) {
    expect(app.hasRoute({ method: route.method, url: route.path }), `${route.method} ${route.path}`).toBe(
      true,
    );
    if (!route.authenticated) continue;
    const body = validBodies[route.path];
    for (const headers of [{}, { authorization: 'Bearer not-a-session' }]) {
      const r = await app.inject({
        method: route.method,
        url: route.path.replace(/:(\w+)/g, 'someone'),
        headers,
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      expect([r.statusCode, r.json().error.code], `${route.method} ${route.path}`).toEqual([
        401,
        'unauthorized',
      ]);
    }
  }
});
