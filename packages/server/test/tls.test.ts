import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeServerFrame } from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { type Running, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('with a certificate and key the server speaks HTTPS and WSS only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
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
