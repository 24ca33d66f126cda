/**
 * Issue #15 items 9-11 against real servers: /metrics refused to other hosts and relayed requests
 * (unless the token is presented), security headers on API answers and a CSP that never repeats
 * the request's Host, and a request log without query strings, client ports or (by default) IPs.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, DEFAULT_CONFIG, type ParleyServer } from '@parley/server';
import { afterEach, expect, test } from 'vitest';
import { api, type Running, startServer } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(...args: Parameters<typeof startServer>): Promise<Running> {
  const running = await startServer(...args);
  cleanups.push(() => running.stop());
  return running;
}

const TOKEN = 'metrics-token-0123456789abcdef';

/** This host's first non-loopback IPv4 address, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** A server listening on every interface, reached through `outsideAddress` (not loopback). */
async function servePublicly(): Promise<{ server: ParleyServer; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-public-'));
  const config = {
    ...DEFAULT_CONFIG,
    dataDir,
    logLevel: 'silent' as const,
    metrics: { access: 'loopback' as const, token: TOKEN },
  };
  const server = await buildServer(config);
  const port = Number(new URL(await server.app.listen({ host: '0.0.0.0', port: 0 })).port);
  cleanups.push(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { server, url: `http://${outsideAddress}:${port}` };
}

async function metrics(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
  };
}

const FORBIDDEN = { error: { code: 'forbidden', message: expect.any(String) } };

test.skipIf(outsideAddress === undefined)(
  '/metrics is refused to a client on another address unless it holds the token',
  async () => {
    const { url } = await servePublicly();
    const stranger = await metrics(url);
    expect([stranger.status, stranger.body]).toEqual([403, FORBIDDEN]);
    expect(stranger.text).not.toContain('parley_');
    // Claiming to be local in a proxy header does not help, nor does a wrong token.
    expect((await metrics(url, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(403);
    expect((await metrics(url, { authorization: `Bearer ${TOKEN}x` })).status).toBe(403);
    expect((await metrics(url, { authorization: 'Bearer ' })).status).toBe(403);
    const holder = await metrics(url, { authorization: `Bearer ${TOKEN}` });
    expect(holder.status).toBe(200);
    expect(holder.text).toContain('parley_registrations_total');
    // The rest of the API is still served to the stranger.
    expect((await api(url, 'GET', '/healthz')).status).toBe(200);
  },
);

test('/metrics on loopback: served to this host, refused to a request relayed by a local proxy', async () => {
  const { url } = await serve();
  expect((await metrics(url)).status).toBe(200);
  for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via']) {
    const relayed = await metrics(url, {
      [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9',
    });
    expect([header, relayed.status, relayed.body]).toEqual([header, 403, FORBIDDEN]);
  }
});

test('/metrics with access "token" needs the token even on loopback, and the token is never logged', async () => {
  const lines: string[] = [];
  const { url } = await serve({ logLevel: 'trace', metrics: { access: 'token', token: TOKEN } }, undefined, {
    write: (l) => lines.push(l),
  });
  expect([(await metrics(url)).status, (await metrics(url)).body]).toEqual([403, FORBIDDEN]);
  expect((await metrics(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.some((l) => l.includes(TOKEN))).toBe(false);
});

test('API answers carry nosniff, and no HSTS over plain HTTP', async () => {
  const { url } = await serve();
  for (const path of ['/v1/server', '/healthz', '/v1/nothing']) {
    const res = await fetch(url + path);
    expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  }
});

function webRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-webroot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><p>app</p>');
  return dir;
}

/** GET `path` with a Host header of the caller's choosing (fetch would not let us set it). */
function getWithHost(
  url: string,
  path: string,
  host: string,
): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    });
    req.on('error', reject);
    req.end();
  });
}

test("the web app's CSP comes from the configuration, never from the request's Host header", async () => {
  const plain = await serve({ webRoot: webRoot() });
  for (const host of ['evil.example:8443', '[::1]:1', "evil.example; script-src 'unsafe-inline'"]) {
    const headers = await getWithHost(plain.url, '/', host);
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toContain('evil');
    expect(csp).not.toContain('::1');
  }
  const configured = await serve({ webRoot: webRoot(), publicUrl: 'https://chat.example.org' });
  const headers = await getWithHost(configured.url, '/', 'evil.example');
  expect(String(headers['content-security-policy'])).toContain("connect-src 'self' wss://chat.example.org;");
  expect(String(headers['content-security-policy'])).not.toContain('evil');
});

test('the request log has method, route, status and duration: no query string, client port or IP', async () => {
  const lines: string[] = [];
  const { url } = await serve({ logLevel: 'info' }, undefined, { write: (l) => lines.push(l) });
  await fetch(`${url}/v1/server?secret=query-secret-1`);
  await fetch(`${url}/v1/accounts/somebody/devices?token=query-secret-2`);
  await fetch(`${url}/v1/no/such/route?q=query-secret-3`);
  const all = lines.join('\n');
  // (The one line that names an address is the listening one, before any request.)
  const perRequest = lines.filter((l) => l.includes('"reqId"')).join('\n');
  expect(perRequest.length).toBeGreaterThan(0);
  expect(perRequest).not.toContain('127.0.0.1');
  expect(all).not.toContain('query-secret');
  expect(all).not.toContain('somebody');
  expect(all).not.toMatch(/remote(Port|Address)/);
  const entries = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.msg === 'request');
  expect(entries.map((e) => [e.method, e.route, e.status])).toEqual([
    ['GET', '/v1/server', 200],
    ['GET', '/v1/accounts/:username/devices', expect.any(Number)],
    ['GET', '/v1/no/such/route', 404],
  ]);
  for (const e of entries) expect(typeof e.ms).toBe('number');
});

test('with logClientIp the request log names the client IP, still never its port', async () => {
  const lines: string[] = [];
  const { url } = await serve({ logLevel: 'info', logClientIp: true }, undefined, {
    write: (l) => lines.push(l),
  });
  await fetch(`${url}/healthz`);
  const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.msg === 'request');
  expect(entry).toMatchObject({ method: 'GET', route: '/healthz', status: 200, ip: '127.0.0.1' });
  expect(lines.join('\n')).not.toMatch(/remotePort|"port"/);
});
