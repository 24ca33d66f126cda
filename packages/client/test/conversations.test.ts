/**
 * What a person sees of conversations: delivery states and read receipts, unread counts, typing,
 * named groups, leaving, presence, several devices of one person, and a device that lost its state
 * rejoining. Real server, real MLS, real SQLite stores.
 */
import {
  certifyNewDevice,
  decodeClientFrame,
  fromHex,
  generateStorageKey,
  identityKeyPairOf,
} from '@parley/core';
import { graceForStrayFrames, type LoopbackServer, until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { MessageStatus, SocketFactory } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import {
  cs,
  hasKeyPackages,
  openClient,
  openStore,
  type Person,
  person,
  serve,
  tempDir,
  testApi,
} from './fixtures.js';

async function chatOf(url: string, names: string[]) {
  const people = await Promise.all(names.map((n) => person(url, n)));
  const clients = [];
  for (const p of people) clients.push(await openClient(url, p));
  for (const c of clients.slice(1)) await hasKeyPackages(c.client);
  return { people, clients };
}

/** alice and bob, online, with a direct conversation both have joined. */
async function aliceAndBob(url: string) {
  const {
    clients: [a, b],
    people,
  } = await chatOf(url, ['alice', 'bob']);
  const chat = await a!.client.directConversation('bob');
  await until(() => b!.client.conversations().includes(chat), 'bob joins');
  return { a: a!, b: b!, people, chat };
}

test('a sent message goes sending → sent → delivered → read, and the unread count follows', async () => {
  const { url } = await serve();
  const { a, b, chat } = await aliceAndBob(url);
  expect(await a.client.directConversation('bob')).toBe(chat); // found again, not created twice
  const statuses: MessageStatus[] = [];
  a.client.on('message_status', (s) => statuses.push(s.status));
  const sending = await a!.client.sendText(chat, 'did you get this?');
  expect(sending.status).toBe('sending');
  await until(() => statuses.includes('delivered'), 'delivered receipt');
  expect(b!.client.conversation(chat)).toMatchObject({ unread: 1, direct: true, name: null });
  expect(b!.client.conversation(chat)!.last?.text).toBe('did you get this?');
  expect((await a!.client.history(chat)).at(-1)!.status).toBe('delivered');

  await b!.client.markRead(chat);
  expect(b!.client.conversation(chat)!.unread).toBe(0);
  await until(() => statuses.includes('read'), 'read receipt');
  expect(statuses).toEqual(['sent', 'delivered', 'read']);
  const [mine] = await a!.client.history(chat);
  expect(mine).toMatchObject({ status: 'read', readBy: ['bob'], recipients: ['bob'] });
});

/**
 * A real socket whose outgoing acks are shown to `onAck` first; when it answers `false`, the ack is
 * not sent and the socket closes instead, as if the connection dropped just then.
 */
function watchingAcks(onAck: (seq: number) => boolean): SocketFactory {
  return (u) => {
    const socket = nodeSocketFactory(u);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      const f = decodeClientFrame(data);
      if (f.type === 'ack' && !onAck(f.seq)) socket.close();
      else send(data);
    };
    return socket;
  };
}

async function serverAcked(
  server: LoopbackServer['server'],
  chat: string,
  username: string,
): Promise<number> {
  const row = await server.db
    .selectFrom('group_members')
    .select('acked_seq')
    .where('group_id', '=', fromHex(chat))
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return row.acked_seq;
}

test('a burst of messages is acknowledged with a few coalesced acks, and the server learns the last position', async () => {
  const { url, server } = await serve();
  const [alice, bob] = await Promise.all([person(url, 'alice'), person(url, 'bob')]);
  const a = await openClient(url, alice);
  const acks: number[] = [];
  const b = await openClient(
    url,
    bob,
    undefined,
    watchingAcks((seq) => {
      acks.push(seq);
      return true;
    }),
  );
  await hasKeyPackages(b.client);
  const chat = await a.client.directConversation('bob');
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  const n = 40;
  await Promise.all(Array.from({ length: n }, (_, i) => a.client.sendText(chat, `burst ${i}`)));
  await until(
    () => b.inbox.filter((m) => m.text.startsWith('burst ')).length === n,
    'bob receives the burst',
  );
  const last = b.inbox.at(-1)!.seq;
  await until(
    async () => (await serverAcked(server, chat, 'bob')) >= last,
    "the server holds bob's position",
  );
  expect(acks, 'acks only move forward').toEqual([...acks].sort((x, y) => x - y));
  // One at most every ACK_DELAY_MS (200 ms) while the burst is processed: 5 here on an idle machine.
  expect(acks.length, 'far fewer acks than messages').toBeLessThan(n / 2);
});

test('an ack lost with the connection is sent again once the device is back online', async () => {
  const { url, server } = await serve();
  const [alice, bob] = await Promise.all([person(url, 'alice'), person(url, 'bob')]);
  const a = await openClient(url, alice);
  // From position `dropFrom` on, bob's first ack is lost: his connection drops instead of sending it.
  let dropFrom = Number.POSITIVE_INFINITY;
  let dropped = 0;
  const b = await openClient(
    url,
    bob,
    undefined,
    watchingAcks((seq) => {
      if (seq < dropFrom || dropped > 0) return true;
      dropped = seq;
      return false;
    }),
  );
  await hasKeyPackages(b.client);
  const chat = await a.client.directConversation('bob');
  await until(() => b.client.conversations().includes(chat), 'bob joins');
  const head = async () =>
    (
      await server.db
        .selectFrom('groups')
        .select('next_seq')
        .where('group_id', '=', fromHex(chat))
        .executeTakeFirstOrThrow()
    ).next_seq - 1;
  await until(
    async () => (await serverAcked(server, chat, 'bob')) === (await head()),
    'bob has acked all so far',
  );
  // A commit (alice updates her keys) is the last entry of the log: no receipt or reply follows it,
  // so no later ack would carry its position.
  dropFrom = (await head()) + 1;
  await a.client.selfUpdate(chat);
  await until(() => dropped > 0, "bob's ack is lost with his connection");
  expect(dropped).toBe(dropFrom);
  await until(
    async () => (await serverAcked(server, chat, 'bob')) === dropped,
    "the server learns bob's position",
  );
  expect(await head()).toBe(dropped);
});

test('typing indicators reach the others and stop when typing stops', async () => {
  const { url } = await serve();
  const { a, b, chat } = await aliceAndBob(url);
  const seen: boolean[] = [];
  b!.client.on('typing', (t) => {
    if (t.accountId === 'alice' && t.groupId === chat) seen.push(t.typing);
  });
  await a!.client.setTyping(chat, true);
  await a!.client.setTyping(chat, true); // repeated keystrokes: one indicator
  await until(() => seen.length === 1, 'typing shown');
  await a!.client.setTyping(chat, false);
  await until(() => seen.length === 2, 'typing stopped');
  expect(seen).toEqual([true, false]);
  expect(a!.inbox).toEqual([]); // indicators are not messages
  expect(b!.inbox).toEqual([]);
});

test('a named group: members learn its name, newcomers too, and the list shows the last message', async () => {
  const { url } = await serve();
  const {
    clients: [a, b, c, d],
  } = await chatOf(url, ['alice', 'bob', 'carol', 'dave']);
  const group = await a!.client.createGroup('Book club', ['bob', 'carol']);
  for (const x of [b!, c!])
    await until(() => x.client.conversation(group)?.name === 'Book club', 'name known');
  expect(b!.client.conversation(group)).toMatchObject({ direct: false, members: ['alice', 'bob', 'carol'] });

  await a!.client.addMembers(group, ['dave']);
  await until(() => d!.client.conversation(group)?.name === 'Book club', 'newcomer learns the name');
  await c!.client.rename(group, 'Book club 📚');
  for (const x of [a!, b!, d!])
    await until(() => x.client.conversation(group)?.name === 'Book club 📚', 'rename seen');

  await b!.client.sendText(group, 'next book?');
  await until(() => d!.inbox.length === 1, 'dave receives');
  const direct = await d!.client.directConversation('alice');
  await until(() => a!.client.conversations().includes(direct), 'alice joins the direct chat');
  await d!.client.sendText(direct, 'psst');
  await until(() => a!.inbox.some((m) => m.text === 'psst'), 'alice receives');
  const list = a!.client.conversationList();
  expect(list.map((x) => [x.name, x.unread, x.last?.text])).toEqual([
    [null, 1, 'psst'],
    ['Book club 📚', 1, 'next book?'],
  ]);
});

test('leaving a group: a member commits it, the leaver sees nothing new, the rest go on', async () => {
  const { url } = await serve();
  const {
    clients: [a, b, c],
  } = await chatOf(url, ['alice', 'bob', 'carol']);
  const group = await a!.client.createGroup('Trip', ['bob', 'carol']);
  for (const x of [b!, c!]) await until(() => x.client.conversation(group)?.name === 'Trip', 'joined');
  const removed: string[] = [];
  c!.client.on('removed', (g) => removed.push(g));

  await c!.client.leave(group);
  expect(c!.client.conversation(group)!.leaving).toBe(true);
  await expect(c!.client.sendText(group, 'one more thing')).rejects.toMatchObject({ code: 'not_a_member' });
  await until(() => removed.includes(group), 'carol out');
  expect(c!.client.conversation(group)!.ended).toBe(true);
  for (const x of [a!, b!])
    await until(() => x.client.members(group).join(',') === 'alice,bob', 'members agree');

  await a!.client.sendText(group, 'just us now');
  await until(() => b!.inbox.length === 1, 'bob receives');
  await graceForStrayFrames(); // a copy wrongly fanned out to carol would have come by now
  expect(c!.inbox).toEqual([]);
});

test('a message queued offline by someone removed meanwhile is never sent, and shows as failed', async () => {
  const { url } = await serve();
  const {
    clients: [a, b, c],
    people,
  } = await chatOf(url, ['alice', 'bob', 'carol']);
  const group = await a!.client.createGroup('Trip', ['bob', 'carol']);
  for (const x of [b!, c!]) await until(() => x.client.conversation(group)?.name === 'Trip', 'joined');
  await c!.client.close();
  // Carol writes while offline: the message waits in her outbox.
  const offline = await openStore(url, people[2]!);
  expect((await offline.sendText(group, 'count me in')).status).toBe('sending');
  await offline.close();
  await a!.client.removeMember(group, 'carol');

  const statuses: Array<{ status: MessageStatus; seq: number }> = [];
  const back = await openClient(url, people[2]!, (client) =>
    client.on('message_status', (s) => statuses.push({ status: s.status, seq: s.seq })),
  );
  await until(() => statuses.length > 0, 'the queued message is given up');
  expect(statuses).toEqual([{ status: 'failed', seq: 0 }]);
  expect(back.client.conversation(group)!.ended).toBe(true);
  expect((await back.client.history(group)).at(-1)).toMatchObject({ text: 'count me in', status: 'failed' });
  expect(await back.client.pending()).toBe(0);
  await a!.client.sendText(group, 'after carol');
  await until(() => b!.inbox.some((m) => m.text === 'after carol'), 'bob receives');
  expect([...a!.inbox, ...b!.inbox].map((m) => m.text)).toEqual(['after carol']);
});

test('presence: contacts see each other come online and go offline', async () => {
  const { url } = await serve();
  const { a, b, people } = await aliceAndBob(url);
  // Contacts once bob's device told the server it joined (its welcome_ack, just after the join).
  await until(() => a!.client.online().includes('bob'), 'bob online');
  await b!.client.close();
  await until(() => !a!.client.online().includes('bob'), 'bob offline');
  expect(a!.client.lastSeen('bob')).toBeGreaterThan(0);
  await openClient(url, people[1]!);
  await until(() => a!.client.online().includes('bob'), 'bob online again');
});

test('several devices of one person: all get the conversations, a device linked later joins them; own messages and reads are shared', async () => {
  const { url } = await serve();
  const {
    clients: [a, b],
    people,
  } = await chatOf(url, ['alice', 'bob']);
  // bob's second device (a laptop), certified by his first device's identity key.
  const laptopIdentity = await certifyNewDevice(identityKeyPairOf(people[1]!.identity), 'bob', cs);
  const session = await testApi(url).login('bob', 'pw-bob-1234');
  await testApi(url).addDevice(session.token, laptopIdentity.certificate);
  const laptop = await openClient(url, {
    identity: laptopIdentity,
    key: generateStorageKey(),
    file: `${tempDir('parley-laptop-')}/client.sqlite3`,
  });
  await hasKeyPackages(laptop.client);

  const chat = await a!.client.directConversation('bob');
  await until(() => laptop.client.conversations().includes(chat), 'laptop joins');
  await a!.client.sendText(chat, 'to both your devices');
  await until(() => b!.inbox.length === 1 && laptop.inbox.length === 1, 'both devices receive');
  await b!.client.sendText(chat, 'from the phone');
  await until(() => laptop.inbox.some((m) => m.text === 'from the phone'), 'laptop sees the phone message');
  expect(laptop.inbox.at(-1)).toMatchObject({ status: 'sent', from: { accountId: 'bob' } });
  expect(laptop.client.conversation(chat)!.unread).toBe(1);
  await b!.client.markRead(chat);
  await until(() => laptop.client.conversation(chat)!.unread === 0, 'read on the phone clears the laptop');

  // A tablet linked later joins the conversations bob is already in (by external commit), names included.
  const group = await a!.client.createGroup('Weekend', ['bob']);
  await until(() => laptop.client.conversation(group)?.name === 'Weekend', 'laptop in the group');
  const tabletIdentity = await certifyNewDevice(identityKeyPairOf(people[1]!.identity), 'bob', cs);
  await testApi(url).addDevice(session.token, tabletIdentity.certificate);
  const tablet = await openClient(url, {
    identity: tabletIdentity,
    key: generateStorageKey(),
    file: `${tempDir('parley-tablet-')}/client.sqlite3`,
  });
  await until(() => tablet.client.conversations().length === 2, 'tablet joins both conversations');
  await until(() => tablet.client.conversation(group)?.name === 'Weekend', 'tablet learns the group name');
  await a!.client.sendText(group, 'welcome, tablet');
  await until(() => tablet.inbox.some((m) => m.text === 'welcome, tablet'), 'tablet receives');
});

test('a device that lost its state rejoins by external commit and chats again', async () => {
  const { url } = await serve();
  const { a, b, people, chat } = await aliceAndBob(url);
  await a!.client.sendText(chat, 'before');
  await until(() => b!.inbox.length === 1, 'bob receives');

  // bob's device loses its local data (same device key, empty store).
  await b!.client.close();
  const wiped: Person = {
    ...people[1]!,
    key: generateStorageKey(),
    file: `${tempDir('parley-wiped-')}/c.sqlite3`,
  };
  const rejoined: Array<{ groupId: string; missed: number }> = [];
  const fresh = await openClient(url, wiped, (c) => c.on('rejoined', (r) => rejoined.push(r)));
  await fresh.client.sync();
  await until(() => fresh.client.conversations().includes(chat), 'bob rejoins');
  expect(rejoined.map((r) => r.groupId)).toEqual([chat]);
  await until(() => a!.client.epoch(chat) === fresh.client.epoch(chat), 'alice applies the rejoin');

  await a!.client.sendText(chat, 'after');
  await until(() => fresh.inbox.some((m) => m.text === 'after'), 'bob reads new messages');
  await fresh.client.sendText(chat, 'back again');
  await until(() => a!.inbox.some((m) => m.text === 'back again'), 'alice reads bob');
});

test('added while its sync was under way: the device joins from its Welcome, never by a needless external commit', async () => {
  const { url } = await serve();
  const [alice, bob] = [await person(url, 'alice'), await person(url, 'bob')];
  const a = await openClient(url, alice);
  // bob's first `sync` is held back until alice has added him: by then the Welcomes were already
  // collected, and the sync lists a group bob holds no state of.
  let held: (() => void) | undefined;
  let holding = true;
  const holdSync: SocketFactory = (u) => {
    const socket = nodeSocketFactory(u);
    const send = socket.send.bind(socket);
    socket.send = (data: Uint8Array) => {
      if (holding && decodeClientFrame(data).type === 'sync') {
        holding = false;
        held = () => send(data);
      } else send(data);
    };
    return socket;
  };
  const rejoined: unknown[] = [];
  const b = await openClient(url, bob, (c) => c.on('rejoined', (r) => rejoined.push(r)), holdSync);
  await until(() => held !== undefined, "bob's sync is on its way");
  const chat = await a.client.createConversation(['bob']);
  held!();
  await until(() => b.client.conversation(chat) !== undefined, 'bob joined');
  await b.client.sync();
  expect(rejoined).toEqual([]);
  expect(b.client.epoch(chat)).toBe(1n);
  await a.client.sendText(chat, 'welcome, bob');
  await until(() => b.inbox.some((m) => m.text === 'welcome, bob'), 'bob reads alice');
});
