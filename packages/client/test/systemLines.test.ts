/**
 * System lines kept in history, through the SDK against a real server (real MLS, real SQLite
 * stores reopened): a disappearing-messages timer change stays in both members' histories at its
 * log position after a restart, and the timer removes the messages around it, never the line.
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { type ChatMessage, type ParleyClient, systemText } from '../src/index.js';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

const short = { shortTimersForTests: true };

/** A history as text: messages by their text, system lines in words (from `me`'s side). */
function shown(history: ChatMessage[], me: string): string[] {
  return history.map((m) => (m.system === undefined ? m.text : `— ${systemText(m, me)}`));
}

async function historyOf(client: ParleyClient, group: string): Promise<string[]> {
  return shown(await client.history(group), client.accountId);
}

test('a timer change is a system line in both members’ histories, in log order, after a restart; the timer removes messages, not the line', async () => {
  const { url } = await serve();
  const [pa, pb] = await Promise.all([person(url, 'alice'), person(url, 'bob')]);
  let a = await openClient(url, pa, undefined, undefined, short);
  let b = await openClient(url, pb, undefined, undefined, short);
  await hasKeyPackages(b.client);
  const group = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(group), 'bob joins');

  await a.client.sendText(group, 'before the timer');
  await until(() => b.inbox.length === 1, 'bob gets the first message');
  const lines: ChatMessage[] = [];
  b.client.on('system', (entry) => lines.push(entry));
  await a.client.setTimer(group, 3);
  // Shown at once on alice's side, even before the server stored it.
  expect(await historyOf(a.client, group)).toEqual([
    'before the timer',
    '— you set disappearing messages to 3 seconds',
  ]);
  await until(() => lines.length === 1, 'bob stores the system line');
  expect(lines[0]).toMatchObject({ groupId: group, system: { event: 'timer', seconds: 3, by: 'alice' } });
  await b.client.sendText(group, 'after the timer');
  await until(() => a.inbox.some((m) => m.text === 'after the timer'), 'alice gets the reply');
  await b.client.setTimer(group, 0);
  await until(() => a.client.conversation(group)!.timer === 0, 'alice learns it is off');
  await until(
    async () => (await a.client.pending(group)) + (await b.client.pending(group)) === 0,
    'all sent',
  );

  // Both restart on the same stores.
  await Promise.all([a.client.close(), b.client.close()]);
  a = await openClient(url, pa, undefined, undefined, short);
  b = await openClient(url, pb, undefined, undefined, short);
  const seen = {
    alice: [
      'before the timer',
      '— you set disappearing messages to 3 seconds',
      'after the timer',
      '— bob turned off disappearing messages',
    ],
    bob: [
      'before the timer',
      '— alice set disappearing messages to 3 seconds',
      'after the timer',
      '— you turned off disappearing messages',
    ],
  };
  // Read before the 3 seconds are up, the reply is still there; the lines stand at their log positions.
  const early = await Promise.all([historyOf(a.client, group), historyOf(b.client, group)]);
  for (const [i, who] of (['alice', 'bob'] as const).entries())
    if (early[i]!.length === 4) expect(early[i]).toEqual(seen[who]);
  const page = await b.client.history(group, { limit: 10 });
  const seqs = page.messages.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  expect(page.messages.filter((m) => m.system !== undefined).every((m) => m.seq > 0)).toBe(true);

  // The timer removes the message sent under it on both sides; the system lines stay.
  await until(
    async () =>
      (await historyOf(a.client, group)).length === 3 && (await historyOf(b.client, group)).length === 3,
    'the reply disappears',
  );
  expect(await historyOf(a.client, group)).toEqual(seen.alice.filter((l) => l !== 'after the timer'));
  expect(await historyOf(b.client, group)).toEqual(seen.bob.filter((l) => l !== 'after the timer'));
  // A system line is not a message: nothing can react to it, and it is never the conversation's last.
  await expect(b.client.react(group, lines[0]!.id, '👍')).rejects.toMatchObject({ code: 'usage' });
  expect(b.client.conversation(group)!.last?.text).toBe('before the timer');
});

test('people joining and leaving, and a new name, are system lines on every member’s side, after a restart too; a conversation’s starting adds and first name are not', async () => {
  const { url } = await serve();
  const [pa, pb, pc] = await Promise.all([person(url, 'alice'), person(url, 'bob'), person(url, 'carol')]);
  let a = await openClient(url, pa);
  let b = await openClient(url, pb);
  const c = await openClient(url, pc);
  for (const x of [b, c]) await hasKeyPackages(x.client);
  const group = await a.client.createGroup('Trip', ['bob']);
  await until(() => b.client.conversations().includes(group), 'bob joins');
  await a.client.sendText(group, 'hello');
  await until(() => b.inbox.length === 1, 'bob reads it');
  await a.client.addMembers(group, ['carol']);
  await until(() => c.client.conversations().includes(group), 'carol joins');
  await until(() => b.client.members(group).includes('carol'), 'bob sees carol in');
  await a.client.removeMember(group, 'carol');
  await until(() => c.client.conversation(group)?.ended === true, 'carol is removed');
  await until(() => !b.client.members(group).includes('carol'), 'bob sees carol out');
  await b.client.rename(group, 'Trip to the sea');
  await until(() => a.client.conversation(group)?.name === 'Trip to the sea', 'alice learns the name');
  await until(async () => (await b.client.pending(group)) === 0, 'the rename is sent');

  await Promise.all([a.client.close(), b.client.close()]);
  a = await openClient(url, pa);
  b = await openClient(url, pb);
  const lines = [
    'hello',
    '— carol joined',
    '— carol is no longer in the conversation',
    '— the group was renamed “Trip to the sea”',
  ];
  expect(await historyOf(a.client, group)).toEqual(lines);
  expect(await historyOf(b.client, group)).toEqual(lines);
  // carol sees what happened while she was in: her own removal, said as such.
  expect(await historyOf(c.client, group)).toEqual(['— you were removed by alice']);
  const [removal] = (await c.client.history(group)).filter((m) => m.system !== undefined);
  expect(removal!.system).toEqual({ event: 'members', joined: [], left: ['carol'], by: 'alice' });
});
