/** Test helpers: a real server on a loopback port with a fresh data directory, and OPAQUE clients. */

import { randomBytes } from 'node:crypto';

import {
  createAccount,
  type DeviceIdentity,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  identityKeyPairOf,
  issueDeviceRevocation,
  toBase64Url,
} from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import { type LoopbackServer, startLoopbackServer } from '@parley/testing';
import * as opaque from '@serenity-kit/opaque';
import pg from 'pg';
import type { ServerConfig } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in the tests.
export type Body = any;

export const cs = await nativeCiphersuite();

/**
 * The OPAQUE key stretching these tests' clients use: argon2id with 1 MiB and one pass (as the
 * client's `unsafeTestingCheapKsf`). Stretching happens in the client alone; the server stores and
 * checks the same messages whatever it was, so a cheap one proves the same about the server while
 * sparing about a second of CPU per registration and login. Registration and login must agree.
 */
const TEST_KEY_STRETCHING = {
  keyStretching: { 'argon2id-custom': { memory: 1024, iterations: 1, parallelism: 1 } },
} as const;

export type Running = LoopbackServer;

export function startServer(
  overrides: Partial<ServerConfig> = {},
  dataDir?: string,
  logStream?: { write(line: string): void },
): Promise<Running> {
  return startLoopbackServer({
    config: { port: 0, ...overrides },
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(logStream !== undefined ? { logStream } : {}),
  });
}

export async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: Body }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...extraHeaders,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.length > 0 && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

/** The full OPAQUE registration of a new account with its first device. */
export async function register(
  url: string,
  username: string,
  password: string,
  access: { accessPassword?: string; inviteCode?: string } = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body; identity: DeviceIdentity }> {
  await opaque.ready;
  const identity = await createAccount(username, cs);
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const start = await api(
    url,
    'POST',
    '/v1/accounts/register/start',
    { username, registrationRequest, ...access },
    undefined,
    headers,
  );
  if (start.status !== 200) return { ...start, identity };
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse: start.body.registrationResponse,
    password,
    ...TEST_KEY_STRETCHING,
  });
  const finish = await api(
    url,
    'POST',
    '/v1/accounts/register/finish',
    {
      username,
      registrationRecord,
      identityKey: toBase64Url(identity.identityKey),
      deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
      ...access,
    },
    undefined,
    headers,
  );
  return { ...finish, identity };
}

/**
 * The first step of an OPAQUE login (an attacker may stop there); `headers` go with it. `finish`
 * is the client's second step (undefined for a wrong password), with the tests' key stretching.
 */
export async function startLogin(
  url: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
) {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const start = await api(
    url,
    'POST',
    '/v1/sessions/login/start',
    { username, startLoginRequest },
    undefined,
    headers,
  );
  const finish = () =>
    opaque.client.finishLogin({
      clientLoginState,
      loginResponse: start.body.loginResponse,
      password,
      ...TEST_KEY_STRETCHING,
    });
  return { start, finish };
}

/**
 * OPAQUE login; `wrongPassword` is reported by the client before it sends anything more. `headers`
 * go with both steps (X-Forwarded-For, to play clients behind a trusted proxy).
 */
export async function login(
  url: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body } | 'wrong password'> {
  const { start, finish } = await startLogin(url, username, password, headers);
  if (start.status !== 200) return start;
  const result = finish();
  if (result === undefined) return 'wrong password';
  return api(
    url,
    'POST',
    '/v1/sessions/login/finish',
    { loginId: start.body.loginId, finishLoginRequest: result.finishLoginRequest },
    undefined,
    headers,
  );
}

/** Register another device of a signed-in account (its certificate made by `certifyNewDevice`). */
export function addDevice(url: string, token: string, device: DeviceIdentity) {
  return api(
    url,
    'POST',
    '/v1/devices',
    { certificate: toBase64Url(encodeDeviceCertificate(device.certificate)) },
    token,
  );
}

/** Revoke `device` with a revocation signed by `owner`'s identity key. */
export async function revokeDevice(
  url: string,
  token: string,
  owner: DeviceIdentity,
  device: DeviceIdentity,
) {
  const revocation = await issueDeviceRevocation(identityKeyPairOf(owner), device.certificate, cs.signature);
  return api(
    url,
    'POST',
    `/v1/devices/${device.deviceId}/revoke`,
    { revocation: toBase64Url(encodeDeviceRevocation(revocation)) },
    token,
  );
}

/**
 * A new, empty PostgreSQL database on the machine's server (127.0.0.1:5432, user postgres, trust;
 * PARLEY_TEST_POSTGRES overrides the admin URL), dropped by `drop`. Undefined, with a message, when
 * PostgreSQL is unreachable outside CI; in CI it must be there.
 */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const adminUrl = process.env.PARLEY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (e) {
    await admin.end().catch(() => {});
    const why = `PostgreSQL (${new URL(adminUrl).host}) is needed: ${(e as Error).message}`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping a PostgreSQL test: ${why}`);
    return undefined;
  }
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * A server on a fresh PostgreSQL database (undefined, the test skipped, without one), with the
 * flags that point the operator's commands at it; `drop` removes the database after the server stopped.
 */
export async function postgresServer(): Promise<
  { running: Running; where: string[]; drop(): Promise<void> } | undefined
> {
  const pgdb = await freshPostgres();
  if (pgdb === undefined) return undefined;
  const running = await startServer({ database: pgdb.url } as Partial<ServerConfig>);
  return { running, where: ['--database', pgdb.url, '--data-dir', running.dataDir], drop: pgdb.drop };
}
