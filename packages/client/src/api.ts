/**
 * The server's HTTP API from the client side: registration and login with OPAQUE (the password
 * never leaves this function), devices, and the directory. Failures are ApiErrors with the server's
 * stable codes, plus the client's own: `unreachable` (no answer), `untrusted_certificate` (a TLS
 * certificate this client does not trust), `wrong_password` (OPAQUE failed on this side, so nothing
 * more is sent).
 */

import type { CiphersuiteImpl, ErrorCode } from '@parley/core';
import {
  checkNewUsername,
  createAccount,
  type DeviceCertificate,
  type DeviceIdentity,
  type DeviceLabel,
  type DeviceRevocation,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  fromBase64Url,
  isErrorCode,
  isTestRun,
  ParleyError,
  sealDeviceLabel,
  toBase64Url,
} from '@parley/core';
import { certificateProblem } from './certificateTrust.js';

type Opaque = typeof import('@serenity-kit/opaque');
let opaqueLoad: Promise<Opaque> | undefined;

/**
 * @serenity-kit/opaque with its WebAssembly ready, loaded on first use: only registering and
 * proving the password need it, and compiling it cost every `parley` command a seventh of a second.
 */
function opaqueReady(): Promise<Opaque> {
  opaqueLoad ??= import('@serenity-kit/opaque').then(async (m) => {
    await m.ready;
    return m;
  });
  opaqueLoad.catch(() => {
    opaqueLoad = undefined;
  });
  return opaqueLoad;
}

/**
 * The OPAQUE key stretching of `unsafeTestingCheapKsf`: argon2id with 1 MiB and one pass, for test
 * runs that register hundreds of throwaway accounts. Everything else uses the library's default
 * (argon2id, 64 MiB, 3 passes, 4 lanes); an account registered one way logs in only that way.
 */
const TESTING_KSF = { 'argon2id-custom': { memory: 1024, iterations: 1, parallelism: 1 } } as const;

export type AccessPolicy = 'open' | 'password' | 'invite';

/** A failure of the HTTP API: the server's code and HTTP status, or the client's own code. */
export class ApiError extends ParleyError {
  constructor(code: ErrorCode, message: string, status?: number) {
    super(code, message, { status });
  }
}

export interface ServerInfo {
  name: string;
  version: string;
  access: AccessPolicy;
}

/** What the server deleted with an account. */
export interface AccountDeletion {
  username: string;
  devices: number;
  keyPackages: number;
  blobs: number;
  /** Until when its name (and lookalikes) cannot be registered again, ms since the epoch. */
  reservedUntil: number;
}

/** What an identity reset did (POST /v1/accounts/identity/reset), and a session for the new device. */
export interface IdentityReset extends Session {
  deviceId: string;
  /** The identity key the account had: its former devices' leaves are certified by it. */
  formerIdentityKey: Uint8Array;
  revokedDevices: string[];
}

export interface Session {
  token: string;
  username: string;
  expiresAt: number;
}

/**
 * The subset of `fetch` the API uses: the platform's by default; in Node a caller that trusts a
 * server's own certificate passes one over node:https (`trustingFetch` in `@parley/client/node`).
 */
export type HttpFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; ok: boolean; text(): Promise<string> }>;

export class ParleyApi {
  private readonly base: string;
  private readonly fetch: HttpFetch;
  private readonly stretching: { keyStretching?: typeof TESTING_KSF };

  /** `unsafeTestingCheapKsf`: cheap OPAQUE key stretching (TESTING_KSF); refused outside a test run. */
  constructor(serverUrl: string, options: { fetch?: HttpFetch; unsafeTestingCheapKsf?: boolean } = {}) {
    if (options.unsafeTestingCheapKsf === true && !isTestRun())
      throw new ParleyError('usage', 'unsafeTestingCheapKsf is for tests only');
    this.base = serverUrl.replace(/\/$/, '');
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.stretching = options.unsafeTestingCheapKsf === true ? { keyStretching: TESTING_KSF } : {};
  }

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    let res: Awaited<ReturnType<HttpFetch>>;
    try {
      res = await this.fetch(this.base + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      const problem = certificateProblem(e);
      if (problem !== undefined)
        throw new ApiError(
          'untrusted_certificate',
          `the server's TLS certificate is not trusted: ${problem}`,
        );
      throw new ApiError('unreachable', `cannot reach the server at ${this.base}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError('protocol', `unexpected answer from the server (HTTP ${res.status})`, res.status);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: unknown; message?: string } } | undefined)?.error;
      // A code this client does not know (a newer server's) is an answer it cannot act on.
      const code = isErrorCode(e?.code) ? e.code : 'protocol';
      throw new ApiError(code, e?.message ?? `HTTP ${res.status}`, res.status);
    }
    return json as T;
  }

  serverInfo(): Promise<ServerInfo> {
    return this.call('GET', '/v1/server');
  }

  /**
   * Create an account: a fresh identity key and first device (returned: the caller stores it,
   * encrypted), registered with OPAQUE under `password`. A name the server would refuse for
   * invisible characters or mixed scripts is refused here first, with the same plain reason.
   */
  async register(
    username: string,
    password: string,
    cs: Pick<CiphersuiteImpl, 'signature' | 'rng'>,
    access: { accessPassword?: string; inviteCode?: string } = {},
    label?: DeviceLabel,
  ): Promise<DeviceIdentity> {
    checkNewUsername(username);
    const opaque = await opaqueReady();
    const identity = await createAccount(username, cs);
    const sealedLabel = label === undefined ? null : sealDeviceLabel(identity, identity.deviceId, label);
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
    const start = await this.call<{ registrationResponse: string }>('POST', '/v1/accounts/register/start', {
      username,
      registrationRequest,
      ...access,
    });
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: start.registrationResponse,
      password,
      ...this.stretching,
    });
    await this.call('POST', '/v1/accounts/register/finish', {
      username,
      registrationRecord,
      identityKey: toBase64Url(identity.identityKey),
      deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
      ...(sealedLabel === null ? {} : { deviceLabel: toBase64Url(sealedLabel) }),
      ...access,
    });
    return identity;
  }

  /** Both client steps of an OPAQUE login: what proves the password to the server, once. */
  private async provePassword(
    username: string,
    password: string,
  ): Promise<{ loginId: string; finishLoginRequest: string }> {
    const opaque = await opaqueReady();
    const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
    const start = await this.call<{ loginId: string; loginResponse: string }>(
      'POST',
      '/v1/sessions/login/start',
      {
        username,
        startLoginRequest,
      },
    );
    const finish = opaque.client.finishLogin({
      clientLoginState,
      loginResponse: start.loginResponse,
      password,
      ...this.stretching,
    });
    if (finish === undefined) throw new ApiError('wrong_password', 'wrong username or password');
    return { loginId: start.loginId, finishLoginRequest: finish.finishLoginRequest };
  }

  async login(username: string, password: string): Promise<Session> {
    return this.call('POST', '/v1/sessions/login/finish', await this.provePassword(username, password));
  }

  /**
   * Replace the account's identity key with `identity`'s (a fresh account key and first device,
   * core createAccount), proving the password in the same request: every other device is revoked.
   * identityReset.ts is the SDK's whole reset; this is its request.
   */
  async resetIdentity(
    username: string,
    password: string,
    identity: DeviceIdentity,
    sealedLabel: Uint8Array | null,
  ): Promise<IdentityReset> {
    const proof = await this.provePassword(username, password);
    const r = await this.call<Omit<IdentityReset, 'formerIdentityKey'> & { formerIdentityKey: string }>(
      'POST',
      '/v1/accounts/identity/reset',
      {
        ...proof,
        identityKey: toBase64Url(identity.identityKey),
        deviceCertificate: toBase64Url(encodeDeviceCertificate(identity.certificate)),
        ...(sealedLabel === null ? {} : { deviceLabel: toBase64Url(sealedLabel) }),
      },
    );
    return { ...r, formerIdentityKey: fromBase64Url(r.formerIdentityKey) };
  }

  /**
   * Delete the account for good (`DELETE /v1/accounts/me`): `token` must come from a login of the
   * last few minutes. ParleyClient.deleteAccount leaves the conversations first.
   */
  deleteAccount(token: string): Promise<AccountDeletion> {
    return this.call('DELETE', '/v1/accounts/me', undefined, token);
  }

  logout(token: string): Promise<void> {
    return this.call('POST', '/v1/sessions/logout', undefined, token);
  }

  addDevice(token: string, certificate: DeviceCertificate): Promise<{ deviceId: string }> {
    return this.call(
      'POST',
      '/v1/devices',
      { certificate: toBase64Url(encodeDeviceCertificate(certificate)) },
      token,
    );
  }

  /** Revoke one of the account's devices (the revocation is signed by its identity key). */
  revokeDevice(token: string, revocation: DeviceRevocation): Promise<void> {
    return this.call(
      'POST',
      `/v1/devices/${encodeURIComponent(revocation.deviceId)}/revoke`,
      { revocation: toBase64Url(encodeDeviceRevocation(revocation)) },
      token,
    );
  }

  /** Leave a sealed device identity for the new machine under a slot derived from a link code. */
  offerDeviceLink(token: string, slot: Uint8Array, sealed: Uint8Array): Promise<{ expiresAt: number }> {
    return this.call(
      'POST',
      '/v1/device-links',
      { slot: toBase64Url(slot), sealed: toBase64Url(sealed) },
      token,
    );
  }

  /** Pick up (once) what offerDeviceLink left. */
  async claimDeviceLink(token: string, slot: Uint8Array): Promise<Uint8Array> {
    const r = await this.call<{ sealed: string }>(
      'POST',
      '/v1/device-links/claim',
      { slot: toBase64Url(slot) },
      token,
    );
    return fromBase64Url(r.sealed);
  }

  async account(
    token: string,
    username: string,
  ): Promise<{ username: string; displayName: string; identityKey: Uint8Array }> {
    const a = await this.call<{ username: string; displayName: string; identityKey: string }>(
      'GET',
      `/v1/accounts/${encodeURIComponent(username)}`,
      undefined,
      token,
    );
    return { ...a, identityKey: fromBase64Url(a.identityKey) };
  }

  /**
   * An account's devices with their certificates, decoded (the caller verifies and pins them). For
   * the account itself the server adds each one's sealed label and when it was last seen.
   */
  async devices(token: string, username: string): Promise<ListedDevice[]> {
    const r = await this.call<{ devices: Array<WireDevice> }>(
      'GET',
      `/v1/accounts/${encodeURIComponent(username)}/devices`,
      undefined,
      token,
    );
    return r.devices.map((d) => ({
      certificate: decodeDeviceCertificate(fromBase64Url(d.certificate)),
      revokedAt: d.revokedAt,
      createdAt: d.createdAt,
      label: typeof d.label === 'string' ? fromBase64Url(d.label) : null,
      lastSeen: d.lastSeen ?? null,
      online: d.online === true,
    }));
  }

  /** Leave a device's sealed label (core sealDeviceLabel) on its record. */
  labelDevice(token: string, deviceId: string, sealed: Uint8Array): Promise<void> {
    return this.call(
      'PUT',
      `/v1/devices/${encodeURIComponent(deviceId)}/label`,
      { label: toBase64Url(sealed) },
      token,
    );
  }
}

interface WireDevice {
  certificate: string;
  revokedAt: number | null;
  createdAt: number;
  label?: string | null;
  lastSeen?: number | null;
  online?: boolean;
}

/** One device as GET /v1/accounts/:username/devices lists it. */
export interface ListedDevice {
  certificate: DeviceCertificate;
  revokedAt: number | null;
  /** When the server registered it (ms). */
  createdAt: number;
  /** Its sealed label; null when it has none or the list is of another account. */
  label: Uint8Array | null;
  /** When it last connected or disconnected (only for the account's own devices; null: never). */
  lastSeen: number | null;
  /** Connected now (only for the account's own devices). */
  online: boolean;
}
