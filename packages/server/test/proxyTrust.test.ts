/**
 * The client address a node sees behind the reverse proxies deploy/ documents (the real Caddy and
 * nginx, from their files there): with `trustProxy` naming the proxy, the client's own address,
 * never one the client forged in X-Forwarded-For; without it, the proxy's. And what else the
 * documented configurations promise: HTTP redirected to HTTPS, HSTS, /metrics not exposed.
 */
import {
  httpsRequest,
  PROXY_KINDS,
  type ReverseProxy,
  reverseProxyProgram,
  startLoopbackServer,
  startReverseProxy,
  until,
} from '@parley/testing';
import { afterEach, expect, test } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A node logging each request's client address; `ips` lists the ones of /v1/server requests. */
async function node(trustProxy: string[] | undefined) {
  const ips: string[] = [];
  const server = await startLoopbackServer({
    config: { logLevel: 'info', logFormat: 'json', logClientIp: true, ...(trustProxy ? { trustProxy } : {}) },
    logStream: {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; route?: string; ip?: string };
        if (entry.msg === 'request' && entry.route === '/v1/server') ips.push(entry.ip ?? '');
      },
    },
  });
  cleanups.push(() => server.stop());
  return { upstream: `127.0.0.1:${server.port}`, ips };
}

/** A client at 127.0.0.7 (any 127/8 address reaches loopback) that claims to be 203.0.113.9. */
const client = (proxy: ReverseProxy, path: string) =>
  httpsRequest(`${proxy.url}${path}`, {
    ca: proxy.ca,
    localAddress: '127.0.0.7',
    headers: { 'x-forwarded-for': '203.0.113.9' },
  });

for (const kind of PROXY_KINDS) {
  test(`behind ${kind}: a node trusting the proxy sees the client's address (not a forged one), a node not trusting it sees the proxy's`, async (ctx) => {
    if (reverseProxyProgram(kind) === undefined) return ctx.skip();
    // `loopback` takes in the client's own address too: only a proxy that replaces the client's
    // X-Forwarded-For (as the documented configurations do) keeps the forged address out.
    const trusting = await node(['loopback']);
    const plain = await node(undefined);
    const proxy = (await startReverseProxy(kind, [trusting.upstream, plain.upstream]))!;
    cleanups.push(() => proxy.stop());

    await until(async () => {
      expect((await client(proxy, '/v1/server')).status).toBe(200);
      return trusting.ips.length > 0 && plain.ips.length > 0;
    }, 'requests on both nodes (round robin)');
    expect(new Set(trusting.ips)).toEqual(new Set(['127.0.0.7']));
    expect(new Set(plain.ips)).toEqual(new Set(['127.0.0.1']));

    // HSTS from the proxy (the nodes speak plain HTTP to it), and plain HTTP sent to HTTPS.
    const answer = await client(proxy, '/healthz');
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const redirect = await httpsRequest(`${proxy.httpUrl}/healthz`);
    expect([301, 308]).toContain(redirect.status);
    // (nginx's redirect names the standard port: the test's proxy listens on another.)
    const location = new URL(String(redirect.headers.location));
    expect([location.protocol, location.hostname, location.pathname]).toEqual([
      'https:',
      '127.0.0.1',
      '/healthz',
    ]);
    // /metrics is for the nodes' own host: through the proxy (a header names the client) it is refused.
    expect((await client(proxy, '/metrics')).status).toBe(403);
  });
}
