/**
 * Who may read an attachment, and what a `send` may attach, over the real protocol (real MLS
 * groups, real WebSockets, real HTTP, real SQLite file): the uploader's devices and the devices
 * of accounts that were members when the carrying message was stored read it (a device linked
 * later too: it gets the file's key with the history); strangers, members removed before it and
 * members added after it get 404 as if it did not exist. A send naming a blob that
 * is not the sender's, not complete, of another group or already attached is refused, storing nothing.
 */
import { randomBytes } from 'node:crypto';
import { certifyNewDevice, identityKeyPairOf, selfUpdate } from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import {
  addMember,
  auth,
  createUpload,
  download,
  idOf,
  member,
  newGroup,
  removeMember,
  sendWithBlobs,
  ticketOf,
  upload,
} from './blobPeers.js';
import { addDevice, cs, type Running, revokeDevice, startServer } from './helpers.js';
import { WsClient } from './wsClient.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('the uploader and members at the message read the blob, and so does a device a member links later; strangers, members removed before and added after, revoked devices get 404 or 401', async () => {
  running = await startServer();
  const { url } = running;
  const [alice, bob, carol, dave, eve] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave', 'eve'].map((n) => member(url, n)),
  );
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);
  await addMember(alice!, carol!);
  await removeMember(alice!, carol!);
  const bytes = randomBytes(5000);
  const id = await upload(url, alice!, groupId, bytes);
  // Attached to no message yet: only its uploader reads it.
  expect((await download(url, bob!, id)).status).toBe(404);
  const sent = await sendWithBlobs(alice!, [id]);
  expect(sent.type).toBe('sent');
  await addMember(alice!, dave!);

  const got = await download(url, bob!, id);
  expect(got.status).toBe(200);
  expect(Buffer.from(got.body).equals(bytes)).toBe(true);
  for (const outsider of [carol!, dave!, eve!]) {
    const refused = await download(url, outsider, id);
    expect(refused.status).toBe(404);
    expect(JSON.parse(Buffer.from(refused.body).toString()).error.code).toBe('blob_not_found');
  }
  // A device bob links after the message (never a member of the group) reads it: history transfer
  // gives it the file's key. A device carol (removed before the message) links does not.
  const bobPhone = await certifyNewDevice(identityKeyPairOf(bob!.identity), 'bob', cs, { deviceId: 'phone' });
  expect((await addDevice(url, bob!.token, bobPhone)).status).toBe(201);
  const phone = {
    ...bob!,
    identity: bobPhone,
    ticket: await ticketOf(await WsClient.connect(url, bobPhone)),
  };
  expect((await download(url, phone, id)).status).toBe(200);
  const carolPhone = await certifyNewDevice(identityKeyPairOf(carol!.identity), 'carol', cs, {
    deviceId: 'phone',
  });
  expect((await addDevice(url, carol!.token, carolPhone)).status).toBe(201);
  const carols = {
    ...carol!,
    identity: carolPhone,
    ticket: await ticketOf(await WsClient.connect(url, carolPhone)),
  };
  expect((await download(url, carols, id)).status).toBe(404);
  // A member removed after the message was stored keeps it: it was theirs.
  await removeMember(alice!, bob!);
  expect((await download(url, bob!, id)).status).toBe(200);
  // Not even its existence: an id never issued answers the same.
  expect((await download(url, eve!, '0'.repeat(32))).status).toBe(404);
  // Its upload is the uploader's only: others find no upload there.
  const head = await fetch(`${url}/v1/uploads/${id}`, {
    method: 'HEAD',
    headers: { 'tus-resumable': '1.0.0', ...auth(bob!) },
  });
  expect(head.status).toBe(404);

  // alice's other device (never a member of the group) reads it; once revoked, it is refused.
  const second = await certifyNewDevice(identityKeyPairOf(alice!.identity), 'alice', cs, {
    deviceId: 'laptop',
  });
  expect((await addDevice(url, alice!.token, second)).status).toBe(201);
  const laptop = await WsClient.connect(url, second);
  const other = { ...alice!, identity: second, ticket: await ticketOf(laptop) };
  const mine = await download(url, other, id, 'bytes=10-19');
  expect(mine.status).toBe(206);
  expect(Buffer.from(mine.body).equals(bytes.subarray(10, 20))).toBe(true);
  expect((await revokeDevice(url, alice!.token, alice!.identity, second)).status).toBe(200);
  // A revoked device's ticket stops working at once.
  const revoked = await download(url, other, id);
  expect(revoked.status).toBe(401);
});

test('a send naming a blob not its own, unfinished, of another group or already attached is refused with blob_invalid and stores nothing', async () => {
  running = await startServer();
  const { url } = running;
  const db = running.server.db;
  const [alice, bob] = await Promise.all([member(url, 'alice'), member(url, 'bob')]);
  const groupId = await newGroup(alice!);
  await addMember(alice!, bob!);

  // Creating an upload needs a current member device of the group.
  const stranger = await member(url, 'eve');
  const refused = await createUpload(url, stranger, 10, groupId);
  expect(refused.status).toBe(403);
  expect((await refused.json()).error.code).toBe('not_a_member');

  const bobs = await upload(url, bob!, groupId, randomBytes(100));
  const unfinished = idOf(await createUpload(url, alice!, 100, groupId));
  const otherGroup = await newGroupOf(alice!);
  const elsewhere = await upload(url, alice!, otherGroup.groupId, randomBytes(100));
  alice!.state = otherGroup.back;
  const good = await upload(url, alice!, groupId, randomBytes(100));
  expect((await sendWithBlobs(alice!, [good])).type).toBe('sent');

  const stored = async () => (await db.selectFrom('messages').select('seq').execute()).length;
  const before = await stored();
  for (const ids of [[bobs], [unfinished], [elsewhere], [good], [good, good], ['ab'.repeat(16)]]) {
    const fresh = await upload(url, alice!, groupId, randomBytes(10));
    const answer = await sendWithBlobs(alice!, [fresh, ...ids]);
    expect(answer).toMatchObject({ type: 'error', code: 'blob_invalid' });
    // Nothing stored: no message, and the valid blob named with the bad one stays unattached.
    const row = await db.selectFrom('blobs').select('seq').where('id', '=', fresh).executeTakeFirstOrThrow();
    expect(row.seq).toBeNull();
  }
  // Only an application message carries attachments: a commit naming a valid blob is refused.
  const fresh = await upload(url, alice!, groupId, randomBytes(10));
  const update = await selfUpdate(alice!.mls, alice!.state!);
  const commit = await alice!.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: update.commit,
    welcome: null,
    groupInfo: update.groupInfo,
    expiresAt: null,
    blobIds: [Uint8Array.from(Buffer.from(fresh, 'hex'))],
  });
  expect(commit).toMatchObject({ type: 'error', code: 'blob_invalid' });
  expect(await stored()).toBe(before);
  const attached = await db.selectFrom('blobs').select(['id', 'seq']).where('seq', 'is not', null).execute();
  expect(attached.map((r) => r.id)).toEqual([good]);
});

/** A second group of `owner`'s; `owner.state` goes back to the first group's through `back`. */
async function newGroupOf(owner: Awaited<ReturnType<typeof member>>) {
  const back = owner.state;
  const groupId = await newGroup(owner);
  return { groupId, back };
}
