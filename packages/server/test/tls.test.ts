import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { decodeServerFrame } from '@parley/core';
import { selfSignedCertificate } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { type Running, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('with a certificate and key the server speaks HTTPS and WSS only', async () => {
  const { cert, key } = selfSignedCertificate();
  running = await startServer({ tlsCert: cert, tlsKey: key });
  expect(running.url.startsWith('https://')).toBe(true);
  const ca = readFileSync(cert);
  // HTTPS, verified against the certificate as the only trusted CA.
  const health = await new Promise<string>((resolve, reject) => {
    get(`${running!.url}/healthz`, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  expect(JSON.parse(health)).toEqual({ status: 'ok' });
  // WSS: the first frame is the server's challenge.
  const ws = new WebSocket(`${running.url.replace('https', 'wss')}/v1/ws`, { ca });
  const first = await new Promise<Buffer>((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d));
    ws.once('error', reject);
  });
  expect(decodeServerFrame(new Uint8Array(first)).type).toBe('challenge');
  ws.close();
  // Plain HTTP on the same port is not served.
  await expect(fetch(`${running.url.replace('https', 'http')}/healthz`)).rejects.toThrow();
});

/** The headers of GET `path` over HTTPS, trusting only `ca`. */
function headersOf(url: string, ca: Buffer): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    }).on('error', reject);
  });
}

test('over TLS every answer carries HSTS for a year and nosniff; hstsMaxAgeSeconds 0 sends none', async () => {
  const { cert, key } = selfSignedCertificate();
  const ca = readFileSync(cert);
  running = await startServer({ tlsCert: cert, tlsKey: key });
  for (const path of ['/healthz', '/v1/server', '/v1/nothing']) {
    const headers = await headersOf(`${running.url}${path}`, ca);
    expect([path, headers['strict-transport-security']]).toEqual([
      path,
      'max-age=31536000; includeSubDomains',
    ]);
    expect(headers['x-content-type-options']).toBe('nosniff');
  }
  await running.stop();
  running = await startServer({ tlsCert: cert, tlsKey: key, hstsMaxAgeSeconds: 0 });
  const headers = await headersOf(`${running.url}/healthz`, ca);
  expect(headers['strict-transport-security']).toBeUndefined();
  expect(headers['x-content-type-options']).toBe('nosniff');
});
