/**
 * A hostile member breaks a group with a commit the server accepts (correctly signed, from its own
 * leaf) but that nobody else can apply (what is broken needs the epoch's secrets to check). The
 * honest members repair the conversation by themselves, are told which device broke it, keep
 * chatting, can commit, and remove the offender, who then reads nothing new. Real server on
 * loopback, real MLS, real SQLite stores.
 */
import { fromHex, groupMembers, processIncoming } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { GroupBroken, GroupRepaired, SocketFactory, SocketLike } from '../src/index.js';
import { nodeSocketFactory } from '../src/node.js';
import { inBatch } from '../src/storage/batch.js';
import { advanceCursor } from '../src/storage/log.js';
import { breakTheGroup, dropGroupInfo, internals } from './brokenGroup.js';
import { filteredSocket, hasKeyPackages, openClient, type Person, person, serve } from './fixtures.js';

/** alice, bob and carol in one group, each having read a first message. */
async function threeInAGroup(url: string, sockets: { alice?: SocketFactory } = {}) {
  const people = [await person(url, 'alice'), await person(url, 'bob'), await person(url, 'carol')];
  const repairs = new Map<string, GroupRepaired[]>();
  const broken = new Map<string, GroupBroken[]>();
  const open = (p: Person, name: string, socketFactory?: SocketFactory) =>
    openClient(
      url,
      p,
      (c) => {
        repairs.set(name, []);
        broken.set(name, []);
        c.on('group_repaired', (r: GroupRepaired) => repairs.get(name)!.push(r));
        c.on('group_broken', (r) => broken.get(name)!.push(r));
      },
      socketFactory,
    );
  const a = await open(people[0]!, 'alice', sockets.alice);
  const b = await open(people[1]!, 'bob');
  const c = await open(people[2]!, 'carol');
  await hasKeyPackages(b.client);
  await hasKeyPackages(c.client);
  const id = await a.client.createGroup('Book club', ['bob', 'carol']);
  await until(() => b.client.conversation(id)?.name === 'Book club', 'bob joins');
  await until(() => c.client.conversation(id)?.name === 'Book club', 'carol joins');
  await a.client.sendText(id, 'hello both');
  await until(() => b.inbox.length === 1 && c.inbox.length === 1, 'both read alice');
  return { a, b, c, id, people, repairs, broken };
}

test('a member breaks the group with a commit nobody can apply: the others repair it, see who did it, chat on and remove the device', async () => {
  const { url } = await serve();
  const { a, b, c, id, people, repairs } = await threeInAGroup(url);
  const carolDevice = c.client.deviceId;
  const attack = await breakTheGroup(url, c, people[2]!, id, 'membership_tag');

  // Both honest members rejoin by themselves (no later traffic needed) and are told who broke it.
  await until(() => repairs.get('alice')!.length === 1 && repairs.get('bob')!.length === 1, 'both repair');
  for (const name of ['alice', 'bob']) {
    expect(repairs.get(name)).toEqual([
      {
        groupId: id,
        seq: attack.seq,
        by: { accountId: 'carol', deviceId: carolDevice },
        reason: expect.any(String),
        missed: expect.any(Number),
      },
    ]);
  }
  await until(() => a.client.epoch(id) === b.client.epoch(id), 'alice and bob in the same epoch');
  expect(a.client.epochAuthenticator(id)).toEqual(b.client.epochAuthenticator(id));
  // Each rejoin replaced its device's old leaf: every device is in the tree once.
  const devices = groupMembers(internals(a.client).state(id)!).map((m) => `${m.accountId}/${m.deviceId}`);
  expect(devices.sort()).toEqual(
    [`alice/${a.client.deviceId}`, `bob/${b.client.deviceId}`, `carol/${carolDevice}`].sort(),
  );

  // They keep chatting, in the same conversation, history kept.
  await a.client.sendText(id, 'still here?');
  await until(() => b.inbox.some((m) => m.text === 'still here?'), 'bob reads alice after the repair');
  await b.client.sendText(id, 'yes');
  await until(() => a.inbox.some((m) => m.text === 'yes'), 'alice reads bob after the repair');
  // The repair is a system line of the history, at the broken commit's position.
  expect((await a.client.history(id)).map((m) => m.system?.event ?? m.text)).toEqual([
    'hello both',
    'repaired',
    'still here?',
    'yes',
  ]);

  // Honest members can commit, and remove the device that broke the group.
  await b.client.selfUpdate(id);
  await a.client.removeMember(id, 'carol');
  expect(a.client.members(id)).toEqual(['alice', 'bob']);
  await until(() => b.client.members(id).length === 2, 'bob sees carol removed');

  // After the removal carol's device gets nothing new, and her keys open none of it.
  await a.client.sendText(id, 'carol is gone');
  await until(() => b.inbox.some((m) => m.text === 'carol is gone'), 'bob reads it');
  const page = await a.client.connection.request({
    type: 'fetch',
    groupId: fromHex(id),
    afterSeq: 0,
    limit: 500,
  });
  if (page.type !== 'messages') throw new Error('alice cannot fetch');
  const last = page.items.at(-1)!;
  await expect(processIncoming(attack.device, attack.state, last.payload)).rejects.toThrow();
  const hers = await attack.connection.request({
    type: 'fetch',
    groupId: fromHex(id),
    afterSeq: 0,
    limit: 500,
  });
  if (hers.type === 'messages') expect(hers.items.map((m) => m.seq)).not.toContain(last.seq);
  else expect(hers).toMatchObject({ type: 'error', code: 'not_a_member' });
  attack.connection.close();
});

test('an honest commit loses the race to a broken one: its sender repairs the group and its commit goes through, no loop', async () => {
  const { url } = await serve();
  let holdPushes = false;
  // alice's device does not see the broken commit arrive: her next commit meets it as `stale_epoch`.
  const deaf: SocketFactory = (u) => withoutPushes(nodeSocketFactory(u), () => holdPushes);
  const { a, b, c, id, people, repairs } = await threeInAGroup(url, { alice: deaf });
  const epoch = a.client.epoch(id)!;
  holdPushes = true;
  const attack = await breakTheGroup(url, c, people[2]!, id, 'path_secrets');
  await until(() => repairs.get('bob')!.length === 1, 'bob repairs');

  await a.client.selfUpdate(id); // stale_epoch → catch up → the broken commit → rejoin → commit again
  holdPushes = false;
  expect(repairs.get('alice')!.map((r) => r.by?.accountId)).toEqual(['carol']);
  expect(a.client.epoch(id)! > epoch + 1n).toBe(true);
  await a.client.sendText(id, 'after my update');
  await until(() => b.inbox.some((m) => m.text === 'after my update'), 'bob reads alice');
  await until(() => a.client.epoch(id) === b.client.epoch(id), 'same epoch');
  expect(a.client.epochAuthenticator(id)).toEqual(b.client.epochAuthenticator(id));
  attack.connection.close();
});

test('a device left behind a commit it skipped (an older client reported it undecryptable) rejoins when its commit gets stale_epoch, instead of failing for good', async () => {
  const { url } = await serve();
  let holdPushes = false;
  const deaf: SocketFactory = (u) => withoutPushes(nodeSocketFactory(u), () => holdPushes);
  const { a, b, c, id, people } = await threeInAGroup(url, { alice: deaf });
  await b.client.close(); // nobody else commits: only alice's own commit can reveal the problem
  const rejoined: unknown[] = [];
  a.client.on('rejoined', (r) => rejoined.push(r));
  holdPushes = true;
  const attack = await breakTheGroup(url, c, people[2]!, id, 'path_secrets');
  // alice's cursor passes the broken commit without applying it, as the previous client version did.
  const store = internals(a.client).store;
  await inBatch(store, (w) => advanceCursor(w, id, attack.seq));
  const epoch = a.client.epoch(id)!;

  await a.client.selfUpdate(id); // stale_epoch; the log has nothing more; still behind → rejoin
  holdPushes = false;
  expect(rejoined).toEqual([{ groupId: id, missed: 0 }]);
  expect(a.client.epoch(id)).toBe(epoch + 3n); // the broken commit, alice's rejoin, her update
  attack.connection.close();
});

test('with no GroupInfo of the new epoch to rejoin from, the members are told the conversation is broken and by whom, once, and still exchange messages', async () => {
  const { url, server } = await serve();
  const { a, b, c, id, people, repairs } = await threeInAGroup(url);
  const carolDevice = c.client.deviceId;
  // The server takes a GroupInfo with every commit; one that has none for the new epoch (it lost
  // it, say) is what leaves nothing to rejoin from. alice and bob are away meanwhile.
  await a.client.close();
  await b.client.close();
  const attack = await breakTheGroup(url, c, people[2]!, id, 'membership_tag');
  await dropGroupInfo(server, id);
  const broken = new Map<string, GroupBroken[]>([
    ['alice', []],
    ['bob', []],
  ]);
  const [alice, bob] = [
    await openClient(url, people[0]!, (client) =>
      client.on('group_broken', (r) => broken.get('alice')!.push(r)),
    ),
    await openClient(url, people[1]!, (client) =>
      client.on('group_broken', (r) => broken.get('bob')!.push(r)),
    ),
  ];
  await until(() => broken.get('alice')!.length === 1 && broken.get('bob')!.length === 1, 'both told');
  for (const name of ['alice', 'bob'])
    expect(broken.get(name)).toEqual([
      {
        groupId: id,
        seq: attack.seq,
        by: { accountId: 'carol', deviceId: carolDevice },
        reason: expect.any(String),
      },
    ]);
  await alice.client.sendText(id, 'can you still read me?');
  await until(() => bob.inbox.some((m) => m.text === 'can you still read me?'), 'bob reads alice');
  await bob.client.sendText(id, 'yes');
  await until(() => alice.inbox.some((m) => m.text === 'yes'), 'alice reads bob');
  expect([...repairs.values()].flat()).toEqual([]);
  expect(broken.get('alice')).toHaveLength(1);
  attack.connection.close();
});

test('a member offline when the group broke repairs it when it comes back, and reads what is sent after', async () => {
  const { url } = await serve();
  const { a, b, c, id, people, repairs } = await threeInAGroup(url);
  await b.client.close();
  const attack = await breakTheGroup(url, c, people[2]!, id, 'membership_tag');
  await until(() => repairs.get('alice')!.length === 1, 'alice repairs');
  await a.client.sendText(id, 'while bob was away'); // in the repaired epoch, which bob joins after it

  const back: GroupRepaired[] = [];
  const bob = await openClient(url, people[1]!, (client) => client.on('group_repaired', (r) => back.push(r)));
  await until(() => back.length === 1, 'bob repairs on coming back');
  expect(back[0]).toMatchObject({ seq: attack.seq, by: { accountId: 'carol' } });
  expect(back[0]!.missed).toBeGreaterThanOrEqual(2); // alice's rejoin and her message: unreadable to him
  await a.client.sendText(id, 'welcome back');
  await until(() => bob.inbox.some((m) => m.text === 'welcome back'), 'bob reads alice');
  await a.client.removeMember(id, 'carol');
  await until(() => bob.client.members(id).length === 2, 'bob sees carol removed');
  attack.connection.close();
});

/** A socket that drops the server's `deliver` pushes (frame type 133) while `dropping()` says so. */
function withoutPushes(inner: SocketLike, dropping: () => boolean): SocketLike {
  return filteredSocket(inner, (bytes) => dropping() && bytes[0] === 133);
}
