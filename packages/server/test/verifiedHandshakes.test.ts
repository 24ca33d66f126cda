/**
 * A member attacking its own group through what the server accepts (issue #15 item 1): commits,
 * proposals, external commits and GroupInfos that honest members would refuse are refused by the
 * real server process before they reach the log, so nobody is left behind on an epoch the others
 * cannot follow, and the server's member list never lists a device the members refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addKeyPackages,
  certifyNewDevice,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  encodeAppMessage,
  encryptApplication,
  exportGroupInfo,
  generateKeyPackages,
  identityKeyPairOf,
  joinByExternalCommit,
  proposeLeave,
  randomBytes,
  removeMembers,
  type ServerFrame,
  selfUpdate,
  textMessage,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { type ServerProcess, startServerProcess } from '@parley/testing';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  badKeyPackageSignature,
  badLeafNodeSignature,
  flipSignature,
  keyPackageIn,
  resignGroupInfo,
  welcomeFor,
  withAddedKeyPackage,
  withCredential,
  withTree,
} from '../../core/test/forge.js';
import { addDevice, cs, login } from './helpers.js';
import { chattingPair, type Device, device } from './pair.js';
import { WsClient } from './wsClient.js';

let server: ServerProcess;
let dataDir: string;
const sockets: WsClient[] = [];

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'parley-verify-'));
  server = await startServerProcess(dataDir);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  server.child.kill('SIGKILL');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

async function pair() {
  const p = await chattingPair(server.url);
  sockets.push(p.alice.ws, p.bob.ws);
  return p;
}

function send(
  d: Device,
  payload: Uint8Array,
  extra: { welcome?: Uint8Array | null; groupInfo?: Uint8Array | null } = {},
): Promise<ServerFrame> {
  return d.ws.request({
    type: 'send',
    groupId: d.state!.groupContext.groupId,
    messageId: randomBytes(16),
    payload,
    welcome: extra.welcome ?? null,
    groupInfo: extra.groupInfo ?? null,
  });
}

/** `d` commits a self-update (accepted), proving the group is not wedged at the epoch it expects. */
async function commitsAgain(d: Device, epoch: number): Promise<void> {
  const update = await selfUpdate(d.mls, d.state!);
  expect(await send(d, update.commit, { groupInfo: update.groupInfo })).toMatchObject({
    type: 'sent',
    epoch,
  });
  d.state = update.newState;
}

const signKeyOf = (d: Device) => d.identity.deviceKey.signKey;

/** The credential (device certificate) in a leaf of `d`'s tree. */
function credentialAt(d: Device, leafIndex: number) {
  const node = d.state!.ratchetTree[leafIndex * 2];
  if (node?.nodeType !== 'leaf') throw new Error('blank leaf');
  return node.leaf.credential;
}

test('a commit whose signature its sender altered is refused; the epoch stays and the honest member removes the attacker and commits on', async () => {
  const { alice, bob } = await pair();
  const update = await selfUpdate(alice.mls, alice.state!);
  expect(await send(alice, flipSignature(update.commit), { groupInfo: update.groupInfo })).toMatchObject({
    type: 'error',
    code: 'invalid_message',
  });
  const removal = await removeMembers(bob.mls, bob.state!, { accountId: 'alice' });
  expect(await send(bob, removal.commit, { groupInfo: removal.groupInfo })).toMatchObject({
    type: 'sent',
    epoch: 2,
  });
  bob.state = removal.newState;
  await commitsAgain(bob, 3);
});

test('a commit adding a tampered key package is refused and the member list does not change: bad package signature, bad leaf-node signature, another device’s certificate', async () => {
  const { alice, bob } = await pair();
  const carol = await device(server.url, 'carol');
  sockets.push(carol.ws);
  const [kp] = await generateKeyPackages(carol.mls, 1);
  await carol.ws.request({ type: 'kp_upload', keyPackages: [kp!.encoded], lastResort: null });
  const genuine = keyPackageIn(kp!.encoded);
  const tampered = [
    badKeyPackageSignature(genuine),
    await badLeafNodeSignature(genuine, signKeyOf(carol), cs.signature),
    await withCredential(genuine, credentialAt(bob, 1), signKeyOf(carol), cs.signature),
  ];
  const add = await addKeyPackages(alice.mls, alice.state!, [kp!.encoded]);
  for (const forged of tampered) {
    const commit = await withAddedKeyPackage(
      add.commit,
      alice.state!.groupContext,
      signKeyOf(alice),
      cs.signature,
      forged,
    );
    // The Welcome is readdressed to the forged package, as the server checks the addressees.
    const welcome = await welcomeFor(add.welcome!, forged, cs.hash);
    expect(await send(alice, commit, { welcome, groupInfo: add.groupInfo })).toMatchObject({
      type: 'error',
      code: 'invalid_commit',
    });
  }
  // Carol was never made a member: no Welcome waits for her, she may not post, the epoch is 1.
  const sync = await carol.ws.request({ type: 'sync', after: new Uint8Array() });
  expect(sync).toMatchObject({ type: 'sync_state', groups: [] });
  const welcomes = await carol.ws.request({ type: 'welcome_fetch', after: new Uint8Array() });
  expect(welcomes).toMatchObject({ type: 'welcomes', items: [] });
  expect(await send({ ...carol, state: alice.state }, randomBytes(64))).toMatchObject({
    type: 'error',
    code: 'not_a_member',
  });
  await commitsAgain(bob, 2);
});

test('a GroupInfo with a bad signature, a context not the group’s, or a tree not the group’s is refused, on group_info_put and with a commit', async () => {
  const { alice } = await pair();
  const groupId = alice.state!.groupContext.groupId;
  const honest = await exportGroupInfo(alice.mls, alice.state!);
  const oneLeafTree = alice.state!.ratchetTree.slice(0, 1);
  const forged = async (gi: Uint8Array) => [
    flipSignature(gi),
    await resignGroupInfo(gi, signKeyOf(alice), cs.signature, (g) => ({
      ...g,
      groupContext: { ...g.groupContext, confirmedTranscriptHash: randomBytes(32) },
    })),
    await resignGroupInfo(gi, signKeyOf(alice), cs.signature, (g) => withTree(g, oneLeafTree)),
  ];
  for (const groupInfo of await forged(honest)) {
    expect(await alice.ws.request({ type: 'group_info_put', groupId, epoch: 1, groupInfo })).toMatchObject({
      type: 'error',
      code: 'invalid_message',
    });
  }
  expect(
    await alice.ws.request({ type: 'group_info_put', groupId, epoch: 1, groupInfo: honest }),
  ).toMatchObject({
    type: 'ok',
  });
  const update = await selfUpdate(alice.mls, alice.state!);
  for (const groupInfo of [...(await forged(update.groupInfo)), honest]) {
    expect(await send(alice, update.commit, { groupInfo })).toMatchObject({
      type: 'error',
      code: 'invalid_message',
    });
  }
  expect(await send(alice, update.commit, { groupInfo: update.groupInfo })).toMatchObject({
    type: 'sent',
    epoch: 2,
  });
});

test('a proposal whose signature was altered is refused', async () => {
  const { bob } = await pair();
  const leave = await proposeLeave(bob.mls, bob.state!);
  expect(await send(bob, flipSignature(leave.proposal))).toMatchObject({
    type: 'error',
    code: 'invalid_message',
  });
  expect(
    await send(bob, leave.proposal, { groupInfo: await exportGroupInfo(bob.mls, bob.state!) }),
  ).toMatchObject({
    type: 'error',
    code: 'invalid_message',
  });
  expect(await send(bob, leave.proposal)).toMatchObject({ type: 'sent' });
});

test('an external commit whose signature was altered is refused; the genuine one joins', async () => {
  const { alice, bob } = await pair();
  const session = await login(server.url, 'bob', 'pw-12345678');
  if (session === 'wrong password' || session.status !== 200) throw new Error('bob cannot log in');
  const laptop = await certifyNewDevice(identityKeyPairOf(bob.identity), 'bob', cs, { deviceId: 'laptop' });
  expect((await addDevice(server.url, session.body.token, laptop)).status).toBe(201);
  const b2: Device = {
    identity: laptop,
    mls: await createMlsDevice(laptop, { provider: nativeCryptoProvider }),
    ws: await WsClient.connect(server.url, laptop),
  };
  sockets.push(b2.ws);
  const joined = await joinByExternalCommit(b2.mls, await exportGroupInfo(alice.mls, alice.state!));
  b2.state = joined.newState;
  expect(await send(b2, flipSignature(joined.commit), { groupInfo: joined.groupInfo })).toMatchObject({
    type: 'error',
    code: 'invalid_message',
  });
  expect(await send(b2, joined.commit, { groupInfo: joined.groupInfo })).toMatchObject({
    type: 'sent',
    epoch: 2,
  });
});

test('a commit without the GroupInfo of its new epoch is refused, and a GroupInfo goes with nothing but a commit', async () => {
  const { alice, bob } = await pair();
  const update = await selfUpdate(alice.mls, alice.state!);
  expect(await send(alice, update.commit)).toMatchObject({ type: 'error', code: 'invalid_commit' });
  const groupInfo = await exportGroupInfo(bob.mls, bob.state!);
  const text = await encryptApplication(bob.mls, bob.state!, encodeAppMessage(textMessage('hi')));
  expect(await send(bob, text.message, { groupInfo })).toMatchObject({
    type: 'error',
    code: 'invalid_message',
  });
  expect(
    await alice.ws.request({
      type: 'group_create',
      groupId: randomBytes(16),
      cipherSuite: DEFAULT_CIPHERSUITE,
    }),
  ).toMatchObject({ type: 'error', code: 'invalid_message' });
  await commitsAgain(bob, 2);
});
