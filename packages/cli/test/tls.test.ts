/**
 * A self-hosted server with a self-signed certificate, met from the terminal: the refusal says what
 * is wrong and shows the fingerprint; trusting it by fingerprint or certificate file works, and the
 * profile keeps that trust for every later command (HTTP and WebSocket).
 */
import { type SelfSigned, selfSignedCertificate, startServerProcess } from '@parley/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Env, parley, readJson, someone, startServer, tempDir } from './harness.js';

let tls: SelfSigned;
let url: string;
let stop: () => void = () => {};

beforeAll(async () => {
  tls = selfSignedCertificate();
  const server = await startServerProcess(tempDir('parley-cli-tls-'), {
    args: ['--tls-cert', tls.cert, '--tls-key', tls.key],
  });
  url = server.url;
  stop = () => server.child.kill();
});
afterAll(() => stop());

test('a self-signed certificate is named as the problem, with its fingerprint and how to trust it', async () => {
  expect(url.startsWith('https://')).toBe(true);
  const r = await parley(['register', url, 'tina'], someone('tina'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("the server's TLS certificate is not trusted: it is self-signed");
  expect(r.stderr).toContain(`SHA-256 fingerprint: ${tls.fingerprint}`);
  expect(r.stderr).toContain(`--trust-fingerprint ${tls.fingerprint}`);
  expect(r.stderr).not.toContain('cannot reach');
});

test('a fingerprint that does not match the certificate is refused before anything is sent', async () => {
  const wrong = `${tls.fingerprint.slice(0, -2)}${tls.fingerprint.endsWith('00') ? '01' : '00'}`;
  const r = await parley(['register', url, 'tina', '--trust-fingerprint', wrong], someone('tina'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('not the one you gave; do not trust it');
});

test('trusted by fingerprint or by certificate file, the profile keeps the trust for later commands', async () => {
  const tina: Env = someone('tina2');
  const uma: Env = someone('uma');
  // Fingerprints are accepted as people copy them: any case, colons or not.
  const typed = tls.fingerprint.replace(/:/g, '').toLowerCase();
  const registered = await parley(['register', url, 'tina2', '--trust-fingerprint', typed], tina);
  expect([registered.code, registered.stderr]).toEqual([0, '']);
  const withFile = await parley(['register', url, 'uma', '--ca-file', tls.cert], uma);
  expect([withFile.code, withFile.stderr]).toEqual([0, '']);
  // No flag from here on: the profile's kept certificate is trusted for HTTP and WebSocket.
  const sent = await parley(['send', 'uma', 'hello over TLS'], tina);
  expect([sent.code, sent.stderr]).toEqual([0, '']);
  const read = await readJson(uma);
  expect(read.map((m) => m.text)).toContain('hello over TLS');
  const devices = await parley(['devices'], tina);
  expect(devices.code).toBe(0);
});

test('a server typed without a scheme is reached (http on loopback); another scheme is explained', async () => {
  const plain = await startServer();
  const hostPort = plain.url.replace(/^http:\/\//, '');
  const r = await parley(['register', hostPort, 'vera'], someone('vera'));
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toContain(`on ${plain.url}`);
  const ftp = await parley(['register', `ftp://${hostPort}`, 'walt'], someone('walt'));
  expect(ftp.stderr).toBe('parley: a server address starts with https:// or http://, not ftp://\n');
});
