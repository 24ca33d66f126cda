/**
 * Two real devices chatting over a server: alice and bob (one device each, real MLS from
 * @parley/core, real WebSockets), in a group alice created and added bob to.
 */
import {
  addKeyPackages,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  exportGroupInfo,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackages,
  joinFromWelcome,
  type MlsDevice,
  randomBytes,
  toHex,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { expect } from 'vitest';
import { login, register } from './helpers.js';
import { WsClient } from './wsClient.js';

export interface Device {
  identity: DeviceIdentity;
  mls: MlsDevice;
  ws: WsClient;
  state?: GroupState;
}

/** A registered, logged-in account with one device, connected. */
export async function device(url: string, name: string): Promise<Device> {
  const { identity } = await register(url, name, 'pw-12345678');
  expect(await login(url, name, 'pw-12345678')).not.toBe('wrong password');
  return {
    identity,
    mls: await createMlsDevice(identity, { provider: nativeCryptoProvider }),
    ws: await WsClient.connect(url, identity),
  };
}

/** `owner` creates a group and holds its state; returns its id. */
export async function newGroup(owner: Device): Promise<Uint8Array> {
  owner.state = await createGroup(owner.mls);
  const groupId = owner.state.groupContext.groupId;
  const created = await owner.ws.request({
    type: 'group_create',
    groupId,
    cipherSuite: DEFAULT_CIPHERSUITE,
    groupInfo: await exportGroupInfo(owner.mls, owner.state),
  });
  expect(created.type).toBe('ok');
  return groupId;
}

/** `owner` sends a commit (with its Welcome and GroupInfo) to its group; returns its seq. */
export async function sendCommit(
  owner: Device,
  commit: { commit: Uint8Array; welcome?: Uint8Array | null; groupInfo: Uint8Array; newState: GroupState },
): Promise<number> {
  const sent = await owner.ws.request({
    type: 'send',
    groupId: owner.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload: commit.commit,
    welcome: commit.welcome ?? null,
    groupInfo: commit.groupInfo,
  });
  if (sent.type !== 'sent') throw new Error(`commit refused: ${JSON.stringify(sent)}`);
  owner.state = commit.newState;
  return sent.seq;
}

/**
 * `owner` adds `joiner`'s account by a key package claimed from the server (`keyPackage`, which
 * `joiner` uploaded); `joiner` joins from the Welcome. Returns the commit's seq.
 */
export async function addMember(
  owner: Device,
  joiner: Device,
  keyPackage: GeneratedKeyPackage,
): Promise<number> {
  const bundle = await owner.ws.request({
    type: 'kp_claim',
    accountId: joiner.identity.accountId,
    cipherSuite: DEFAULT_CIPHERSUITE,
  });
  if (bundle.type !== 'kp_bundle') throw new Error('no key package to add');
  const add = await addKeyPackages(owner.mls, owner.state!, [bundle.keyPackages[0]!.keyPackage]);
  const seq = await sendCommit(owner, add);
  let welcome = await joiner.ws.nextPush();
  while (welcome.type !== 'welcome') welcome = await joiner.ws.nextPush();
  const { state } = await joinFromWelcome(joiner.mls, welcome.welcome, {
    find: async (ref) => (toHex(ref) === toHex(keyPackage.ref) ? keyPackage : undefined),
  });
  joiner.state = state;
  await joiner.ws.request({ type: 'welcome_ack', groupId: state.groupContext.groupId, accepted: true });
  return seq;
}

/** alice creates a group and adds bob; both hold its state. */
export async function chattingPair(
  url: string,
): Promise<{ alice: Device; bob: Device; groupId: Uint8Array }> {
  const alice = await device(url, 'alice');
  const bob = await device(url, 'bob');
  const [bobKp] = await generateKeyPackages(bob.mls, 1);
  const uploaded = await bob.ws.request({
    type: 'kp_upload',
    keyPackages: [bobKp!.encoded],
    lastResort: null,
  });
  expect(uploaded.type).toBe('kp_remaining');
  const groupId = await newGroup(alice);
  await addMember(alice, bob, bobKp!);
  return { alice, bob, groupId };
}
