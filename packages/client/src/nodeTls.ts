/**
 * Trusting one server's own certificate from Node (a self-hosted server with a self-signed
 * certificate): HTTP connections that accept that certificate as their only authority (the
 * WebSocket's are in nodeSocket.ts), and a look at the certificate a server presents, so a person can compare its
 * fingerprint with the one the server printed at start before trusting it.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpFetch } from './api.js';

/** The certificate (PEM) a profile trusts as its server's only authority. */
export interface ServerTrust {
  ca: string;
}

/** The largest HTTP answer read (the API's answers are small JSON documents). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

/** `fetch` for the API over node:https, trusting `trust.ca` alone; plain http goes to `fetch`. */
export function trustingFetch(trust: ServerTrust): HttpFetch {
  return (url, init) => {
    if (!url.startsWith('https:')) return fetch(url, init);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: init.method, headers: init.headers, ca: trust.ca }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('the answer is too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
        });
        res.on('error', reject);
      });
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(init.body);
    });
  };
}

/** The certificate a TLS server presents, read without trusting it. */
export interface PresentedCertificate {
  pem: string;
  /** SHA-256 over the DER certificate, as `AB:CD:…` (what openssl and Node print). */
  fingerprint256: string;
  subject: string;
  issuer: string;
  selfSigned: boolean;
  validTo: string;
}

/**
 * Connect to an https:// server and read the certificate it presents, accepting any: only to show
 * it (and compare its fingerprint), never to send anything over that connection.
 */
export function presentedCertificate(serverUrl: string): Promise<PresentedCertificate> {
  const url = new URL(serverUrl);
  if (url.protocol !== 'https:') return Promise.reject(new Error('not an https:// URL'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: connect(port, host),
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      if (raw === undefined) {
        reject(new Error('the server presented no certificate'));
        return;
      }
      const x509 = new X509Certificate(raw);
      resolve({
        pem: x509.toString(),
        fingerprint256: x509.fingerprint256,
        subject: x509.subject.replace(/\n/g, ', '),
        issuer: x509.issuer.replace(/\n/g, ', '),
        selfSigned: x509.checkIssued(x509) && x509.verify(x509.publicKey),
        validTo: x509.validTo,
      });
    });
  });
}

/** A fingerprint as typed (any case, with or without colons or spaces) in one form: `AB:CD:…`. */
export function normalFingerprint(typed: string): string {
  const hex = typed
    .replace(/^sha-?256[:/ ]?/i, '')
    .replace(/[\s:]/g, '')
    .toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}
