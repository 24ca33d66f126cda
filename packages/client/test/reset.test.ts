/**
 * A hostile member breaks a group and no GroupInfo lets the others back in: the members move the
 * conversation onto a fresh MLS group without the offender's account (docs/recovery.md), keeping
 * its name and history, and can commit there again. Continuations that do not follow the rules stay
 * conversations of their own; two concurrent resets converge on one group. Real server on loopback,
 * real MLS, real SQLite stores.
 */
import {
  encodeAppMessage,
  encryptApplication,
  exportGroupInfo,
  fromHex,
  groupEpoch,
  groupMembers,
  randomBytes,
  textMessage,
} from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import {
  type ConversationReset,
  type GroupBroken,
  type ParleyClientOptions,
  resetNotice,
  type SocketFactory,
} from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { breakTheGroup, dropGroupInfo, internals, sendBody } from './brokenGroup.js';
import {
  filteredSocket,
  hasKeyPackages,
  openClient,
  type Person,
  person,
  serve,
  undecryptable,
} from './fixtures.js';

const SOON = { resetDelayMs: { min: 0, max: 20 } };
const NEVER = { resetDelayMs: { min: 3_600_000, max: 3_600_000 } };

/**
 * alice, bob and carol chat in "Book club"; carol breaks it while alice and bob are away, and the
 * server has no GroupInfo of the new epoch (nothing to rejoin from).
 */
async function brokenBookClub() {
  const { url, server } = await serve();
  const people = [await person(url, 'alice'), await person(url, 'bob'), await person(url, 'carol')];
  const [a, b, c] = [
    await openClient(url, people[0]!),
    await openClient(url, people[1]!),
    await openClient(url, people[2]!),
  ];
  await hasKeyPackages(b.client);
  await hasKeyPackages(c.client);
  const id = await a.client.createGroup('Book club', ['bob', 'carol']);
  await until(() => c.client.conversation(id)?.name === 'Book club', 'carol joins');
  await a.client.sendText(id, 'hello both');
  await until(() => b.inbox.length === 1, 'bob reads alice');
  await b.client.sendText(id, 'hi alice');
  await until(() => a.inbox.length === 1 && c.inbox.length === 2, 'alice and carol read bob');
  const carolDevice = c.client.deviceId;
  await a.client.close();
  await b.client.close();
  const attack = await breakTheGroup(url, c, people[2]!, id, 'membership_tag');
  await dropGroupInfo(server, id);
  return { url, id, people, attack, carol: { accountId: 'carol', deviceId: carolDevice } };
}

/** Open a person's client again, recording what it is told about broken groups and resets. */
async function reopen(
  url: string,
  p: Person,
  options: Partial<ParleyClientOptions>,
  socketFactory?: SocketFactory,
) {
  const broken: GroupBroken[] = [];
  const resets: ConversationReset[] = [];
  const opened = await openClient(
    url,
    p,
    (client) => {
      client.on('group_broken', (r) => broken.push(r));
      client.on('conversation_reset', (r) => resets.push(r));
    },
    socketFactory,
    options,
  );
  return { ...opened, broken, resets };
}

test('a group nobody can repair is reset onto a new group without the offender: history and name kept, members commit, add and chat there, the apps follow the new id', async () => {
  const { url, id, people, attack, carol } = await brokenBookClub();
  const bob = await reopen(url, people[1]!, NEVER);
  await until(() => bob.broken.length === 1, 'bob finds the group broken');
  // alice resets at once; bob, who would wait, reads her continuation and follows.
  const alice = await reopen(url, people[0]!, SOON);
  await until(() => alice.resets.length === 1 && bob.resets.length === 1, 'both moved');
  const to = alice.resets[0]!.to;
  expect(alice.resets).toEqual([{ from: id, to, by: carol }]);
  expect(bob.resets).toEqual([{ from: id, to, by: carol }]);
  expect(to).not.toBe(id);
  expect(resetNotice(bob.resets[0]!, 'bob')).toBe(
    `carol's device ${carol.deviceId.slice(0, 8)}… sent a change that could not be applied; this conversation was moved to a new group without carol.`,
  );

  for (const { client } of [alice, bob]) {
    // One conversation, under its new id, with its name, members minus carol, and its history.
    const list = client.conversationList();
    expect(list.map((c) => [c.id, c.name, c.members, c.continues])).toEqual([
      [to, 'Book club', ['alice', 'bob'], [id]],
    ]);
    // The group that broke says so in its history (a system line at the broken commit).
    expect((await client.history(to)).map((m) => m.system?.event ?? m.text)).toEqual([
      'hello both',
      'hi alice',
      'broken',
      'reset', // the move, first in the new group
    ]);
    expect(client.conversation(id)?.ended).toBe(true);
    expect(client.epoch(id)).toBeUndefined(); // the broken group's state is gone
  }
  const devices = groupMembers(internals(alice.client).state(to)!).map((m) => m.accountId);
  expect(devices.sort()).toEqual(['alice', 'bob']);
  // carol's device is not in the new group: the server gives her nothing of it.
  const hers = await attack.connection.request({
    type: 'fetch',
    groupId: fromHex(to),
    afterSeq: 0,
    limit: 10,
  });
  expect(hers).toMatchObject({ type: 'error', code: 'not_a_member' });

  // The members can commit again: a self-update, adding someone; and chat on.
  await bob.client.selfUpdate(to);
  const dave = await openClient(url, await person(url, 'dave'));
  await hasKeyPackages(dave.client);
  await alice.client.addMembers(to, ['dave']);
  await until(() => dave.client.members(to).includes('dave'), 'dave joins');
  await alice.client.sendText(to, 'moved on');
  await until(() => bob.inbox.some((m) => m.text === 'moved on'), 'bob reads alice');
  await until(() => dave.inbox.some((m) => m.text === 'moved on'), 'dave reads alice');
  await until(() => alice.client.epoch(to) === bob.client.epoch(to), 'alice and bob in one epoch');
  expect(alice.client.epochAuthenticator(to)).toEqual(bob.client.epochAuthenticator(to));
  expect((await bob.client.history(to)).map((m) => m.system?.event ?? m.text)).toEqual([
    'hello both',
    'hi alice',
    'broken',
    'reset',
    'members', // dave joined
    'moved on',
  ]);
  // Pages of history run across the two groups.
  const pages: string[][] = [];
  let before: string | undefined;
  do {
    const page = await bob.client.history(to, { limit: 2, ...(before === undefined ? {} : { before }) });
    pages.unshift(page.messages.map((m) => m.system?.event ?? m.text));
    before = page.earlier;
  } while (before !== undefined);
  expect(pages).toEqual([
    ['hello both', 'hi alice'],
    ['broken', 'reset'],
    ['members', 'moved on'],
  ]);
  attack.connection.close();
});

test('a member away during the reset follows it when back, though it reads the new group before finding the old one broken', async () => {
  const { url, id, people, attack } = await brokenBookClub();
  const alice = await reopen(url, people[0]!, SOON);
  await until(() => alice.resets.length === 1, 'alice resets');
  const to = alice.resets[0]!.to;
  await until(() => alice.client.members(to).includes('bob'), 'alice added bob');
  await alice.client.sendText(to, 'moved on');

  // Going online, bob reads his Welcomes (the continuation, refused: he has not seen the break yet)
  // before the old group's log (the break): then the continuation is accepted after all.
  const bob = await reopen(url, people[1]!, NEVER);
  await until(() => bob.resets.length === 1, 'bob follows');
  expect(bob.resets[0]).toMatchObject({ from: id, to });
  // Unread: alice's first message (bob never opened the conversation) and the one in the new group.
  expect(bob.client.conversationList().map((c) => [c.id, c.name, c.unread])).toEqual([[to, 'Book club', 2]]);
  expect((await bob.client.history(to)).map((m) => m.system?.event ?? m.text)).toEqual([
    'hello both',
    'hi alice',
    'broken',
    'reset',
    'moved on',
  ]);
  attack.connection.close();
});

test('a reset the connection cut off while adding people is finished when the device syncs again, and its continuation waits until everyone is in', async () => {
  const { url, id, people, attack } = await brokenBookClub();
  const bob = await reopen(url, people[1]!, NEVER);
  await until(() => bob.broken.length === 1, 'bob finds it broken');
  // The answer to alice's first claim of key packages (her reset's) is lost: that request times out.
  let claims = 0;
  const lossy: SocketFactory = (u) =>
    filteredSocket(nodeSocketFactory(u), (bytes) => bytes[0] === 131 && claims++ === 0);
  const failures: string[] = [];
  const alice = await reopen(url, people[0]!, { ...SOON, requestTimeoutMs: 1_000 }, lossy);
  alice.client.on('sync_error', (e) => failures.push(e.code));
  await until(() => failures.length === 1, 'the reset stops halfway');
  expect(failures).toEqual(['timeout']);
  const to = alice.resets[0]!.to;
  expect(alice.client.members(to)).toEqual(['alice']);

  await alice.client.sync();
  await until(() => bob.resets.length === 1, 'bob follows');
  expect(bob.resets[0]).toMatchObject({ from: id, to });
  expect(bob.client.conversationList().map((c) => c.id)).toEqual([to]);
  attack.connection.close();
});

test('a group marked broken that a GroupInfo lets the member back into after all is not reset', async () => {
  const { url, id, people, attack } = await brokenBookClub();
  const alice = await reopen(url, people[0]!, NEVER);
  await until(() => alice.broken.length === 1, 'alice finds it broken');
  const chat = (alice.client as unknown as { chat: Chat }).chat;
  expect(chat.conversations.meta(id).broken?.seq).toBe(attack.seq);
  expect(chat.resets.timers.has(id)).toBe(true);

  // carol publishes her epoch's GroupInfo after all and writes in it: alice, behind, rejoins.
  const epoch = Number(groupEpoch(attack.state));
  const groupInfo = await exportGroupInfo(attack.device, attack.state);
  expect(
    await attack.connection.request({ type: 'group_info_put', groupId: fromHex(id), epoch, groupInfo }),
  ).toMatchObject({ type: 'ok' });
  const rejoined: unknown[] = [];
  alice.client.on('rejoined', (r) => rejoined.push(r));
  await alice.client.sync(); // a sync tries broken groups again
  const { message } = await encryptApplication(
    attack.device,
    attack.state,
    encodeAppMessage(textMessage('hi')),
  );
  const sent = await attack.connection.request({
    type: 'send',
    groupId: fromHex(id),
    messageId: randomBytes(16),
    payload: message,
    welcome: null,
  });
  expect(sent).toMatchObject({ type: 'sent' });
  await until(() => rejoined.length === 1, 'alice rejoins');
  expect(chat.conversations.meta(id).broken).toBeUndefined();
  expect(chat.resets.timers.has(id)).toBe(false);
  expect(alice.client.conversation(id)?.ended).toBe(false);
  attack.connection.close();
});

test('a continuation from someone who was not in the group, one bringing in a stranger, or one leaving out another member than the one who broke it is refused and shown as a conversation of its own', async () => {
  const { url, id, people, attack, carol } = await brokenBookClub();
  const alice = await reopen(url, people[0]!, NEVER);
  const bob = await reopen(url, people[1]!, NEVER);
  await until(() => alice.broken.length === 1 && bob.broken.length === 1, 'both find it broken');
  const mark = {
    type: 'continuation',
    previousGroupId: id,
    brokenAtSeq: attack.seq,
    offender: carol,
  } as const;

  // mallory was never in the group.
  const mallory = await openClient(url, await person(url, 'mallory'));
  const fromStranger = await mallory.client.createConversation(['alice', 'bob']);
  await sendBody(mallory.client, fromStranger, mark);
  // bob was, but brings dave in.
  const dave = await openClient(url, await person(url, 'dave'));
  await hasKeyPackages(dave.client);
  const withStranger = await bob.client.createConversation(['alice', 'dave']);
  await sendBody(bob.client, withStranger, mark);
  // carol herself, leaving bob out and naming him as the one who broke it.
  const carolAgain = await reopen(url, people[2]!, NEVER);
  const withoutBob = await carolAgain.client.createConversation(['alice']);
  await sendBody(carolAgain.client, withoutBob, {
    ...mark,
    offender: { accountId: 'bob', deviceId: bob.client.deviceId },
  });

  await alice.client.sendText(fromStranger, 'seen');
  await alice.client.sendText(withStranger, 'seen');
  await alice.client.sendText(withoutBob, 'seen');
  await until(() => mallory.inbox.length === 1 && dave.inbox.length === 1, 'alice is in both');
  await until(() => carolAgain.inbox.some((m) => m.text === 'seen'), 'alice is in the third');
  expect(alice.resets).toEqual([]);
  const shown = alice.client.conversationList();
  expect(shown.map((c) => c.id).sort()).toEqual([id, fromStranger, withStranger, withoutBob].sort());
  for (const c of shown) expect(c.continues).toEqual([]);
  expect(alice.client.conversation(id)?.ended).toBe(false);
  expect(alice.client.epoch(id)).toBeDefined();
  // carol's own device could not rejoin the group she broke either (no GroupInfo): it says so.
  expect(undecryptable.splice(0)).toEqual([{ groupId: id, seq: 0, code: 'state_lost' }]);
  attack.connection.close();
});

test('two members reset at once: everyone converges on the new group with the lowest id and leaves the other', async () => {
  const { url, id, people, attack } = await brokenBookClub();
  // Neither sees the other's Welcome arrive: both reset.
  let deaf = true;
  const noWelcomes: SocketFactory = (u) =>
    filteredSocket(nodeSocketFactory(u), (bytes) => deaf && bytes[0] === 134);
  const alice = await reopen(url, people[0]!, SOON, noWelcomes);
  const bob = await reopen(url, people[1]!, SOON, noWelcomes);
  await until(() => alice.resets.length === 1 && bob.resets.length === 1, 'both reset');
  const [ours, theirs] = [alice.resets[0]!.to, bob.resets[0]!.to];
  expect(ours).not.toBe(theirs);
  await until(
    () => alice.client.members(ours).length === 2 && bob.client.members(theirs).length === 2,
    'each added the other',
  );
  const winner = ours < theirs ? ours : theirs;

  deaf = false;
  await alice.client.sync();
  await bob.client.sync();
  for (const { client } of [alice, bob]) {
    expect(client.conversationList().map((c) => c.id)).toEqual([winner]);
    expect(client.conversation(winner)?.name).toBe('Book club');
    expect(client.conversation(winner)?.continues.at(-1)).toBe(id);
    expect((await client.history(winner)).map((m) => m.system?.event ?? m.text)).toEqual([
      'hello both',
      'hi alice',
      'broken',
      'reset', // the move, first in the new group
    ]);
    expect(client.epoch(ours < theirs ? theirs : ours)).toBeUndefined(); // the other one is left
  }
  // The one whose group lost was told the conversation moved again.
  const moved = ours < theirs ? bob : alice;
  expect(moved.resets.at(-1)).toMatchObject({ from: ours < theirs ? theirs : ours, to: winner });
  await bob.client.sendText(winner, 'one group');
  await until(() => alice.inbox.some((m) => m.text === 'one group'), 'alice reads bob in it');
  await alice.client.selfUpdate(winner);
  await until(() => alice.client.epoch(winner) === bob.client.epoch(winner), 'one epoch');
  attack.connection.close();
});
