/**
 * Uploads through the reverse proxies deploy/ documents (the real nginx and Caddy, from their
 * files there): an 8 MiB tus PATCH passes and the bytes come back whole through the proxy.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { PROXY_KINDS, reverseProxyProgram, startReverseProxy } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { auth, groupMetadata, member, newGroup } from './blobPeers.js';
import { startServer } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One HTTPS request trusting `ca`, with a body; the answer's status, headers and bytes. */
function call(url: string, ca: string, method: string, headers: Record<string, string>, body?: Uint8Array) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(url, { method, headers, ca }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

for (const kind of PROXY_KINDS) {
  test(`behind ${kind}: an 8 MiB PATCH goes through and the blob comes back byte for byte`, async (ctx) => {
    if (reverseProxyProgram(kind) === undefined) return ctx.skip();
    const node = await startServer({ trustProxy: ['loopback'] });
    cleanups.push(() => node.stop());
    const proxy = (await startReverseProxy(kind, [`127.0.0.1:${node.port}`]))!;
    cleanups.push(() => proxy.stop());
    const alice = await member(node.url, 'alice');
    const groupId = await newGroup(alice);
    const bytes = randomBytes(8 * 1024 * 1024);
    const tus = { 'tus-resumable': '1.0.0', ...auth(alice) };

    const created = await call(`${proxy.url}/v1/uploads`, proxy.ca, 'POST', {
      ...tus,
      'upload-length': String(bytes.length),
      'upload-metadata': groupMetadata(groupId),
    });
    expect(created.status).toBe(201);
    const location = String(created.headers.location);
    expect(location).toMatch(/^\/v1\/uploads\/[0-9a-f]{32}$/);
    const patched = await call(
      `${proxy.url}${location}`,
      proxy.ca,
      'PATCH',
      { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      bytes,
    );
    expect(patched.status).toBe(204);
    const id = location.split('/').pop()!;
    const whole = await call(`${proxy.url}/v1/blobs/${id}`, proxy.ca, 'GET', auth(alice));
    expect(whole.status).toBe(200);
    expect(whole.body.equals(bytes)).toBe(true);
  });
}
