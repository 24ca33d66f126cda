/**
 * Signing up, signing in and out in the browser, with the SDK: OPAQUE through ParleyApi (the
 * password never leaves this page), the device kept in IndexedDB by BrowserDevices (wrapped by a
 * non-extractable WebCrypto key), and the ParleyClient over the native WebSocket.
 *
 * Every input is checked here with a size limit before it is used; every failure becomes a
 * UserError whose message is meant for the person.
 */
import {
  type AccessPolicy,
  claimNewDevice,
  LINK_CODE_CHARS,
  listOwnDevices,
  type OwnDevice,
  offerNewDevice,
  ParleyApi,
  ParleyClient,
  revokeOwnDevice,
} from '@parley/client';
import { type BrowserDevice, BrowserDevices, browserSocketFactory } from '@parley/client/browser';
import {
  canonicalUsername,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  is,
  loadCiphersuite,
  MAX_ACCESS_PASSWORD_CHARS,
  MAX_INVITE_CODE_CHARS,
  MAX_PASSWORD_CHARS,
  MAX_USERNAME_CHARS,
  MIN_PASSWORD_CHARS,
  ParleyError,
} from '@parley/core';
import { deviceLabel } from './deviceName.js';
import { receiveLinkHistory, sendLinkHistory } from './history.js';
import { errorMessage } from './i18n/errors.js';
import { t } from './i18n/t.js';

/** A failure whose message is written for the person (code `usage`: errorText shows the message). */
export class UserError extends ParleyError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Signing in on a browser that holds no device of the account: a link code is needed. */
export class LinkCodeNeeded extends UserError {}

/** The message to show for a failure of the SDK or the server. */
export function explain(e: unknown): string {
  return errorMessage(e);
}

export function checkUsername(input: string): string {
  // Bounds the work before canonicalUsername (which counts characters after folding).
  if (input.length > 2 * MAX_USERNAME_CHARS)
    throw new UserError(t('check.usernameLong', { max: MAX_USERNAME_CHARS }));
  try {
    return canonicalUsername(input.trim());
  } catch (e) {
    throw new UserError(t('check.usernameInvalid', { reason: e instanceof Error ? e.message : '' }));
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_CHARS)
    throw new UserError(t('check.passwordShort', { min: MIN_PASSWORD_CHARS }));
  if (password.length > MAX_PASSWORD_CHARS) throw new UserError(t('check.passwordLong'));
}

/** A password typed to confirm it is the person (any length the account's could have). */
export function checkTypedPassword(password: string): void {
  if (password.length === 0 || password.length > MAX_PASSWORD_CHARS)
    throw new UserError(t('check.passwordEmpty'));
}

function checkSecret(secret: string, what: 'access' | 'invite', max: number): string {
  const s = secret.trim();
  if (s.length === 0) throw new UserError(t('check.secretEmpty', { what }));
  if (s.length > max) throw new UserError(t('check.secretLong', { what }));
  return s;
}

export const serverUrl = (): string => window.location.origin;

let devicesPromise: Promise<BrowserDevices> | undefined;
export function devices(): Promise<BrowserDevices> {
  devicesPromise ??= BrowserDevices.open();
  return devicesPromise;
}

export async function serverInfo(): Promise<{ access: AccessPolicy }> {
  try {
    return await new ParleyApi(serverUrl()).serverInfo();
  } catch (e) {
    throw new UserError(explain(e));
  }
}

/**
 * One tab at a time per device: two tabs running the same device would both advance its MLS
 * state from the same stored copy (and could reuse a message key). A Web Lock held for as long as
 * the client is open keeps a second tab out; the browser releases it when the tab closes.
 */
function holdDeviceLock(accountId: string): Promise<() => void> {
  if (typeof navigator === 'undefined' || navigator.locks === undefined) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(`parley-device:${accountId}`, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          reject(new UserError(t('session.otherTab')));
          return;
        }
        return new Promise<void>((release) => resolve(release));
      })
      .catch(reject);
  });
}

export interface SignedIn {
  client: ParleyClient;
  /** Release this tab's hold on the device (on sign-out). */
  release: () => void;
  /** This device's identity (its identity key is needed for safety numbers and to link devices). */
  identity: DeviceIdentity;
}

export async function openClient(accountId: string): Promise<SignedIn> {
  const store = await devices();
  const device = await store.load(accountId);
  if (device === undefined) throw new UserError(t('session.noDevice'));
  const release = await holdDeviceLock(accountId);
  const client = await ParleyClient.open({
    serverUrl: serverUrl(),
    identity: device.identity,
    records: await store.openRecords(accountId),
    storageKey: device.storageKey,
    socketFactory: browserSocketFactory,
  });
  await store.setSignedIn(accountId, true);
  client.start();
  return { client, release, identity: device.identity };
}

export async function guarded<T>(work: (api: ParleyApi) => Promise<T>): Promise<T> {
  try {
    return await work(new ParleyApi(serverUrl()));
  } catch (e) {
    throw new UserError(explain(e));
  }
}

export const suite = () => loadCiphersuite(DEFAULT_CIPHERSUITE);

export async function register(
  usernameInput: string,
  password: string,
  access: { policy: AccessPolicy; secret: string },
  deviceName = '',
): Promise<SignedIn> {
  const username = checkUsername(usernameInput);
  checkPassword(password);
  const extra =
    access.policy === 'password'
      ? { accessPassword: checkSecret(access.secret, 'access', MAX_ACCESS_PASSWORD_CHARS) }
      : access.policy === 'invite'
        ? { inviteCode: checkSecret(access.secret, 'invite', MAX_INVITE_CODE_CHARS) }
        : {};
  const identity = await guarded(async (api) =>
    api.register(username, password, await suite(), extra, deviceLabel(deviceName)),
  );
  await (await devices()).save(identity);
  return openClient(identity.accountId);
}

/**
 * Sign in. On a browser that holds no device of the account, `linkCode` (shown by a device that has
 * one, under "Link a device") brings this browser in as a new device of the account, named
 * `deviceName` (the browser and system when empty).
 */
export async function login(
  usernameInput: string,
  password: string,
  linkCode = '',
  deviceName = '',
  onHistory: (text: string) => void = () => {},
): Promise<SignedIn> {
  const username = checkUsername(usernameInput);
  checkTypedPassword(password);
  const api = new ParleyApi(serverUrl());
  const session = await guarded((a) => a.login(username, password));
  try {
    const store = await devices();
    const known = (await store.list()).some((d) => d.accountId === session.username);
    if (!known) {
      if (linkCode.trim().length === 0) {
        throw new LinkCodeNeeded(t('session.linkCodeNeeded', { username: session.username }));
      }
      const identity = await claimNewDevice(api, session.token, linkCode, deviceLabel(deviceName)).catch(
        (e: unknown) => {
          if (is(e, 'not_found')) throw new UserError(t('session.linkCodeUnknown'));
          if (is(e, 'usage')) throw new UserError(t('session.linkCodeShape', { count: LINK_CODE_CHARS }));
          throw new UserError(explain(e));
        },
      );
      if (identity.accountId !== session.username) throw new UserError(t('session.linkCodeOtherAccount'));
      const saved = await store.save(identity);
      await takeHistory(api, session.token, linkCode, saved, onHistory);
    }
  } finally {
    // The web app needs no server session beyond this: the device key authenticates the socket.
    await api.logout(session.token).catch(() => {});
  }
  return openClient(session.username);
}

/**
 * On a browser just linked: the history the other device sends, written before the client first
 * opens. A history that cannot be received leaves the device linked with an empty history.
 */
async function takeHistory(
  api: ParleyApi,
  token: string,
  code: string,
  saved: BrowserDevice,
  onHistory: (text: string) => void,
): Promise<void> {
  const store = await devices();
  const records = await store.openRecords(saved.identity.accountId);
  try {
    await receiveLinkHistory(
      {
        api,
        token,
        code,
        identity: saved.identity,
        serverUrl: serverUrl(),
        records,
        storageKey: saved.storageKey,
        signature: (await suite()).signature,
      },
      onHistory,
    );
  } catch (e) {
    throw new UserError(
      t('session.historyFailed', { error: explain(e), accountId: saved.identity.accountId }),
    );
  } finally {
    await records.close();
  }
}

/** A device just linked: its one-time code, and the sending of the history chosen. */
export interface LinkOffer {
  code: string;
  deviceId: string;
  expiresAt: number;
  /** Send the history (or say none comes), then end the server session; resolves to a sentence. */
  sendHistory: (onProgress: (text: string) => void) => Promise<string>;
}

/**
 * On this device (the account's first, which holds the identity key): certify a new device and
 * leave it for the new browser under a one-time code; `since` says how far back the history sent
 * to it goes (null: none). The password confirms it is the person.
 */
export async function linkDevice(
  signedIn: SignedIn,
  password: string,
  since: number | null,
): Promise<LinkOffer> {
  const { identity, client } = signedIn;
  if (identity.identityPrivateKey === null) throw new UserError(t('session.firstDeviceOnly'));
  checkTypedPassword(password);
  const api = new ParleyApi(serverUrl());
  const session = await guarded((a) => a.login(identity.accountId, password));
  const end = () => api.logout(session.token).catch(() => {});
  try {
    const offer = await guarded(async () => offerNewDevice(api, session.token, identity, await suite()));
    return {
      ...offer,
      sendHistory: (onProgress) =>
        guarded(() => sendLinkHistory(client, api, session.token, offer.code, since, onProgress)).finally(
          end,
        ),
    };
  } catch (e) {
    await end();
    throw e;
  }
}

/** The account's devices, while the devices dialog is open (a short server session). */
export interface DeviceManager {
  devices: OwnDevice[];
  /** Revoke another device; returns the list again. */
  revoke(deviceId: string): Promise<OwnDevice[]>;
  /** End the server session (when the dialog closes). */
  close(): Promise<void>;
}

/** Open the devices dialog: the password confirms it is the person and opens a server session. */
export async function manageDevices(signedIn: SignedIn, password: string): Promise<DeviceManager> {
  const { identity } = signedIn;
  checkTypedPassword(password);
  const api = new ParleyApi(serverUrl());
  const session = await guarded((a) => a.login(identity.accountId, password));
  const close = () => api.logout(session.token).catch(() => {});
  try {
    return {
      devices: await guarded(() => listOwnDevices(api, session.token, identity)),
      revoke: (deviceId) =>
        guarded(async () => {
          await revokeOwnDevice(api, session.token, identity, deviceId, await suite());
          return listOwnDevices(api, session.token, identity);
        }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Delete the account: the password signs in afresh (the server wants a login of the last minutes),
 * the device leaves every conversation, then the server deletes the account. The caller then
 * removes this browser's data (logout with removal).
 */
export async function deleteAccount(signedIn: SignedIn, password: string): Promise<void> {
  checkTypedPassword(password);
  const api = new ParleyApi(serverUrl());
  const session = await guarded((a) => a.login(signedIn.identity.accountId, password));
  await guarded(() => signedIn.client.deleteAccount(api, session.token));
}

/** Whether this browser holds a device of some account (then signing in is the likely next step). */
export async function holdsDevices(): Promise<boolean> {
  return (await (await devices()).list()).length > 0;
}

/** The device this browser was signed in with, opened again (after a reload). */
export async function resume(): Promise<SignedIn | undefined> {
  const signedIn = (await (await devices()).list()).find((d) => d.signedIn);
  return signedIn === undefined ? undefined : openClient(signedIn.accountId);
}

/** Sign out; with `removeData`, delete this device's keys and history from the browser. */
export async function logout(signedIn: SignedIn, removeData: boolean): Promise<void> {
  const { client } = signedIn;
  const accountId = client.accountId;
  await client.close();
  signedIn.release();
  const store = await devices();
  if (removeData) await store.remove(accountId);
  else await store.setSignedIn(accountId, false);
}
