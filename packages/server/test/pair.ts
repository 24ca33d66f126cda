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
  alice.state = await createGroup(alice.mls);
  const groupId = alice.state.groupContext.groupId;
  const created = await alice.ws.request({
    type: 'group_create',
    groupId,
    cipherSuite: DEFAULT_CIPHERSUITE,
    groupInfo: await exportGroupInfo(alice.mls, alice.state),
  });
  expect(created.type).toBe('ok');
  const bundle = await alice.ws.request({
    type: 'kp_claim',
    accountId: 'bob',
    cipherSuite: DEFAULT_CIPHERSUITE,
  });
  if (bundle.type !== 'kp_bundle') throw new Error('no key package for bob');
  const add = await addKeyPackages(alice.mls, alice.state, [bundle.keyPackages[0]!.keyPackage]);
  const added = await alice.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: add.commit,
    welcome: add.welcome,
    groupInfo: add.groupInfo,
  });
  expect(added.type).toBe('sent');
  alice.state = add.newState;
  let welcome = await bob.ws.nextPush();
  while (welcome.type !== 'welcome') welcome = await bob.ws.nextPush();
  const { state } = await joinFromWelcome(bob.mls, welcome.welcome, {
    find: async (ref) => (toHex(ref) === toHex(bobKp!.ref) ? bobKp : undefined),
  });
  bob.state = state;
  await bob.ws.request({ type: 'welcome_ack', groupId, accepted: true });
  return { alice, bob, groupId };
}
