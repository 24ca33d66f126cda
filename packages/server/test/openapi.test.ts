/**
 * The OpenAPI document (issue #20): generated from the routes' schemas, served at
 * /v1/openapi.json, the same as docs/openapi.json in the repository (`npm run openapi` refreshes
 * it), and naming exactly the HTTP routes docs/protocol.md documents, each with its method.
 */
import { readFileSync } from 'node:fs';
import { startLoopbackServer } from '@parley/testing';
import { expect, test } from 'vitest';

const repo = (path: string) => new URL(`../../../${path}`, import.meta.url);

/** `METHOD /path` of every route a `### \`METHOD /path\`` heading of protocol.md documents. */
function documentedRoutes(): string[] {
  const routes: string[] = [];
  for (const m of readFileSync(repo('docs/protocol.md'), 'utf8').matchAll(
    /^### `(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)`/gm,
  ))
    if (m[2] !== '/') routes.push(`${m[1]} ${m[2]!.replace(/:(\w+)/g, '{$1}')}`);
  return routes.sort();
}

type Doc = { openapi: string; info: { version: string }; paths: Record<string, Record<string, unknown>> };

test('the served OpenAPI document is the one in docs/ and names exactly the documented routes', async () => {
  const server = await startLoopbackServer();
  try {
    const served = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as Doc;
    const committed = JSON.parse(readFileSync(repo('docs/openapi.json'), 'utf8')) as Doc;
    expect(served, 'docs/openapi.json is stale: run `npm run openapi`').toEqual(committed);
    expect(served.openapi).toBe('3.1.0');
    const inDocument = Object.entries(served.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(inDocument).toEqual(documentedRoutes());
    // A route's request schema is there, with its limits.
    const start = served.paths['/v1/accounts/register/start']!.post as {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    };
    expect(Object.keys(start.requestBody.content['application/json'].schema.properties)).toContain(
      'username',
    );
  } finally {
    await server.stop();
  }
});
