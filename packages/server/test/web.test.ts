import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { contentSecurityPolicy, DEFAULT_WEB_ROOT } from '../src/web.js';
import { type Running, startServer } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function webRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-webroot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app-1234.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'export {};');
  writeFileSync(join(dir, '.secret'), 'not served');
  return dir;
}

async function serve(root: string): Promise<Running> {
  const running = await startServer({ webRoot: root });
  cleanups.push(() => running.stop());
  return running;
}

test('the web app is served at / with a CSP, no-cache for the entry document and immutable hashed assets', async () => {
  const { server } = await serve(webRoot());
  expect(server.web).toBe(true);
  const index = await server.app.inject({
    method: 'GET',
    url: '/',
    headers: { host: 'chat.example.org:8443' },
  });
  expect(index.statusCode).toBe(200);
  expect(index.headers['content-type']).toContain('text/html');
  // The policy is the configured one: the request's Host header is never repeated in it.
  expect(index.headers['content-security-policy']).toBe(contentSecurityPolicy(undefined));
  expect(index.headers['content-security-policy']).toContain("connect-src 'self';");
  expect(index.headers['content-security-policy']).not.toContain('chat.example.org');
  expect(index.headers['cache-control']).toBe('no-cache');
  expect(index.headers['x-content-type-options']).toBe('nosniff');
  const asset = await server.app.inject({ method: 'GET', url: '/assets/app-1234.js' });
  expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(asset.headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // Dotfiles and paths outside the root are not served; the API is unchanged beside the app.
  expect((await server.app.inject({ method: 'GET', url: '/.secret' })).statusCode).toBe(404);
  expect((await server.app.inject({ method: 'GET', url: '/../package.json' })).statusCode).toBe(404);
  expect((await server.app.inject({ method: 'GET', url: '/v1/server' })).json()).toMatchObject({
    name: 'Parley',
  });
  expect((await server.app.inject({ method: 'GET', url: '/v1/nothing' })).json()).toEqual({
    error: { code: 'not_found', message: 'no such route' },
  });
});

test("the policy names the configured public origin's WebSocket, and nothing else", () => {
  expect(contentSecurityPolicy(undefined)).toContain("connect-src 'self';");
  expect(contentSecurityPolicy('https://chat.example.org:8443')).toContain(
    "connect-src 'self' wss://chat.example.org:8443;",
  );
  expect(contentSecurityPolicy('http://[::1]:8080')).toContain("connect-src 'self' ws://[::1]:8080;");
});

test('without a built web app the server serves the API only', async () => {
  const { server } = await serve(join(tmpdir(), 'parley-no-such-web-root'));
  expect(server.web).toBe(false);
  expect((await server.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
  expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
});

test('by default the server serves the build that @parley/web says is its own', async () => {
  const { webDistPath } = await import('@parley/web/dist-path');
  expect(webDistPath).toBe(fileURLToPath(new URL('../../web/dist', import.meta.url)));
  expect(DEFAULT_WEB_ROOT).toBe(webDistPath);
});
