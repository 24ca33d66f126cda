/**
 * Trusting a self-hosted server's own TLS certificate from the terminal. A server with a
 * self-signed certificate is refused like any untrusted one, with its fingerprint shown; the
 * person compares it with the one `parley serve` printed and trusts it with `--trust-fingerprint`
 * (or gives the certificate file with `--ca-file`). The certificate is kept in the profile
 * (server-certificate.pem) and is then the only authority its connections accept.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParleyApi } from '@parley/client';
import {
  normalFingerprint,
  presentedCertificate,
  type ServerTrust,
  trustingFetch,
} from '@parley/client/node';
import { is } from '@parley/core';
import type { Flags } from './command.js';
import { CliError } from './errors.js';
import { weakForTests } from './profileKdf.js';

const TRUST_FILE = 'server-certificate.pem';
const MAX_CERTIFICATE_BYTES = 256 * 1024;

/** The flags of the commands that first meet a server (register, login). */
export const TRUST_FLAGS = {
  'ca-file': { type: 'string' },
  'trust-fingerprint': { type: 'string' },
} as const;

export const TRUST_USAGE = '[--trust-fingerprint SHA256 | --ca-file PEM]';

/** The API of `server`, trusting the profile's kept certificate if there is one. */
export function apiFor(server: string, trust: ServerTrust | undefined): ParleyApi {
  return new ParleyApi(server, {
    ...(trust === undefined ? {} : { fetch: trustingFetch(trust) }),
    ...(weakForTests() ? { unsafeTestingCheapKsf: true } : {}),
  });
}

/** The certificate a profile trusts for its server, if it keeps one. */
export function trustIn(dir: string): ServerTrust | undefined {
  const file = join(dir, TRUST_FILE);
  return existsSync(file) ? { ca: readFileSync(file, 'utf8') } : undefined;
}

export function keepTrust(dir: string, trust: ServerTrust | undefined): void {
  if (trust !== undefined) writeFileSync(join(dir, TRUST_FILE), trust.ca, { mode: 0o600 });
}

/** The trust the command line asks for: a certificate file, or the certificate the server shows if its fingerprint is the one given. */
export async function trustFromFlags(server: string, flags: Flags): Promise<ServerTrust | undefined> {
  const file = flags['ca-file'];
  const fingerprint = flags['trust-fingerprint'];
  if (typeof file === 'string' && typeof fingerprint === 'string')
    throw new CliError('give either --ca-file or --trust-fingerprint, not both');
  if (typeof file === 'string') return { ca: certificateFile(file) };
  if (typeof fingerprint !== 'string') return undefined;
  if (!server.startsWith('https:')) throw new CliError('--trust-fingerprint is for https:// servers');
  const wanted = normalFingerprint(fingerprint);
  if (!/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(wanted))
    throw new CliError('--trust-fingerprint takes a SHA-256 fingerprint: 32 hex bytes, e.g. AB:CD:…');
  const shown = await presentedCertificate(server).catch((e: unknown) => {
    throw new CliError(`cannot read the certificate of ${server}: ${(e as Error).message}`);
  });
  if (shown.fingerprint256 !== wanted) {
    throw new CliError(
      `the server presents a certificate with fingerprint\n  ${shown.fingerprint256}\nnot the one you gave; do not trust it (someone may be in between)`,
    );
  }
  return { ca: shown.pem };
}

function certificateFile(path: string): string {
  let pem: string;
  try {
    if (statSync(path).size > MAX_CERTIFICATE_BYTES) throw new Error('too large');
    pem = readFileSync(path, 'utf8');
    new X509Certificate(pem);
  } catch {
    throw new CliError(`${path} is not a PEM certificate file`);
  }
  return pem;
}

/**
 * Run `work`; a refusal of the server's certificate becomes a failure that shows the certificate's
 * fingerprint and how to trust it.
 */
export async function explainingTrust<T>(server: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!is(e, 'untrusted_certificate')) throw e;
    const shown = await presentedCertificate(server).catch(() => undefined);
    if (shown === undefined) throw e;
    throw new CliError(
      `${(e as Error).message}\n` +
        `  certificate: ${shown.subject}${shown.selfSigned ? ' (self-signed)' : `, issued by ${shown.issuer}`}\n` +
        `  SHA-256 fingerprint: ${shown.fingerprint256}\n` +
        'If this is your server, compare the fingerprint with the one `parley serve` printed at start; if they are\n' +
        'the same, run the command again with\n' +
        `  --trust-fingerprint ${shown.fingerprint256}\n` +
        "or with --ca-file and the server's certificate file.",
      { cause: e },
    );
  }
}
