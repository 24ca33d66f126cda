/**
 * What the attachment tests share: members (account, session token, one device with real MLS and
 * a real WebSocket) of a group built over the real protocol, sends that attach blobs, and tus and
 * download requests over real HTTP.
 */
import { request } from 'node:http';
import {
  createMlsDevice,
  type DeviceIdentity,
  encodeAppMessage,
  encryptApplication,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackages,
  type MlsDevice,
  randomBytes,
  removeMembers,
  type ServerFrame,
  textMessage,
  toHex,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { expect } from 'vitest';
import { login, register } from './helpers.js';
import { addMember as addMemberOf, newGroup, sendCommit } from './pair.js';
import { WsClient } from './wsClient.js';

export { newGroup };

export interface Member {
  identity: DeviceIdentity;
  /** The account's session token (for the account routes). */
  token: string;
  /** The device's transfer ticket (for the attachment routes), asked for over its socket. */
  ticket: string;
  mls: MlsDevice;
  ws: WsClient;
  keyPackage: GeneratedKeyPackage;
  state?: GroupState;
}

/** A registered, logged-in account with one connected device that has a key package up. */
export async function member(url: string, name: string): Promise<Member> {
  const { identity } = await register(url, name, 'pw-12345678');
  const session = await login(url, name, 'pw-12345678');
  if (session === 'wrong password' || session.status !== 200) throw new Error('login failed');
  const mls = await createMlsDevice(identity, { provider: nativeCryptoProvider });
  const ws = await WsClient.connect(url, identity);
  const [keyPackage] = await generateKeyPackages(mls, 1);
  expect(
    (await ws.request({ type: 'kp_upload', keyPackages: [keyPackage!.encoded], lastResort: null })).type,
  ).toBe('kp_remaining');
  return {
    identity,
    token: session.body.token,
    ticket: await ticketOf(ws),
    mls,
    ws,
    keyPackage: keyPackage!,
  };
}

/** A transfer ticket for the device `ws` authenticated as. */
export async function ticketOf(ws: WsClient): Promise<string> {
  const answer = await ws.request({ type: 'ticket_get' });
  if (answer.type !== 'ticket') throw new Error(`ticket_get: ${answer.type}`);
  return answer.token;
}

/** The headers of every attachment request by `m`'s device. */
export function auth(m: { ticket: string }): Record<string, string> {
  return { authorization: `Bearer ${m.ticket}` };
}

/** `owner` adds `m` (by the key package it uploaded); `m` joins from the Welcome. Returns the commit's seq. */
export function addMember(owner: Member, m: Member): Promise<number> {
  return addMemberOf(owner, m, m.keyPackage);
}

/** `owner` removes `m`'s account from the group. */
export async function removeMember(owner: Member, m: Member): Promise<void> {
  await sendCommit(owner, await removeMembers(owner.mls, owner.state!, { accountId: m.identity.accountId }));
}

/** An application message from `from` carrying `blobIds` (hex), optionally expiring. */
export async function sendWithBlobs(
  from: Member,
  blobIds: string[],
  expiresAt?: number,
): Promise<ServerFrame> {
  const e = await encryptApplication(from.mls, from.state!, encodeAppMessage(textMessage('a file')));
  const answer = await from.ws.request({
    type: 'send',
    groupId: from.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload: e.message,
    welcome: null,
    groupInfo: null,
    expiresAt: expiresAt ?? null,
    blobIds: blobIds.map((id) => Uint8Array.from(Buffer.from(id, 'hex'))),
  });
  if (answer.type === 'sent') from.state = e.newState;
  return answer;
}

const TUS = { 'tus-resumable': '1.0.0' };

/** Upload-Metadata naming the group. */
export function groupMetadata(groupId: Uint8Array): string {
  return `group ${Buffer.from(toHex(groupId)).toString('base64')}`;
}

/** tus creation; returns the response (Location: /v1/uploads/<id>). */
export function createUpload(
  url: string,
  m: Member,
  length: number,
  groupId: Uint8Array,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/v1/uploads`, {
    method: 'POST',
    headers: {
      ...TUS,
      ...auth(m),
      'upload-length': String(length),
      'upload-metadata': groupMetadata(groupId),
      ...extra,
    },
  });
}

/** The blob id of a creation's Location. */
export function idOf(created: Response): string {
  const location = created.headers.get('location') ?? '';
  expect(location).toMatch(/^\/v1\/uploads\/[0-9a-f]{32}$/);
  return location.slice('/v1/uploads/'.length);
}

export function patchUpload(url: string, m: Member, id: string, offset: number, bytes: Uint8Array) {
  return fetch(`${url}/v1/uploads/${id}`, {
    method: 'PATCH',
    headers: {
      ...TUS,
      ...auth(m),
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

export async function uploadOffset(url: string, m: Member, id: string): Promise<number | undefined> {
  const res = await fetch(`${url}/v1/uploads/${id}`, { method: 'HEAD', headers: { ...TUS, ...auth(m) } });
  return res.status === 200 ? Number(res.headers.get('upload-offset')) : undefined;
}

/** A whole upload of `bytes` to the group, in one PATCH; returns the blob id. */
export async function upload(
  url: string,
  m: Member,
  groupId: Uint8Array,
  bytes: Uint8Array,
): Promise<string> {
  const created = await createUpload(url, m, bytes.length, groupId);
  expect(created.status).toBe(201);
  const id = idOf(created);
  const patched = await patchUpload(url, m, id, 0, bytes);
  expect(patched.status).toBe(204);
  return id;
}

export function deleteUpload(url: string, m: Member, id: string) {
  return fetch(`${url}/v1/uploads/${id}`, { method: 'DELETE', headers: { ...TUS, ...auth(m) } });
}

/** GET /v1/blobs/<id>: status, headers and the bytes. */
export async function download(url: string, m: Member, id: string, range?: string) {
  const res = await fetch(`${url}/v1/blobs/${id}`, {
    headers: { ...auth(m), ...(range !== undefined ? { range } : {}) },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

/** A PATCH of `bytes` that sends `sent` of them, then destroys its socket. */
export function interruptedPatch(
  url: string,
  m: Member,
  id: string,
  bytes: Uint8Array,
  sent: number,
): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/uploads/${id}`, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        ...auth(m),
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(bytes.length),
      },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 200));
  });
}
