#!/usr/bin/env node
/**
 * The container's HEALTHCHECK: exits 0 when the Parley server in this container answers GET /healthz
 * with 200 (it runs and its database answers), 1 otherwise, within 4 seconds. It reads the
 * server's own settings: PORT, HOST (0.0.0.0 or :: is reached at 127.0.0.1), and PARLEY_TLS_CERT
 * (set: HTTPS, without checking the certificate's name, since the server is this container's own
 * process).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const port = Number(process.env.PORT ?? 8080);
const listen = process.env.HOST ?? '127.0.0.1';
const host = listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;
const request = process.env.PARLEY_TLS_CERT ? httpsRequest : httpRequest;

const req = request({ host, port, path: '/healthz', rejectUnauthorized: false, timeout: 4000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', () => process.exit(1));
req.end();
