/** `parley timer` and `parley search`, as scripts and in the terminal chat (/timer). */
import { expect, test } from 'vitest';
import { type Env, parley, registered, startServer, Terminal } from './harness.js';

test('parley timer sets and reads a conversation’s disappearing messages; parley search finds words in the local history', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'the', 'Café', 'is', 'closed'], alice)).code).toBe(0);
  expect((await parley(['send', 'bob', 'see', 'you', 'tomorrow'], alice)).code).toBe(0);

  expect((await parley(['timer', 'bob', '1h'], alice)).stdout).toBe(
    'disappearing messages: 1 hour (new messages go that long after they are sent).\n',
  );
  expect((await parley(['timer', 'alice'], bob)).stdout).toMatch(/^disappearing messages: 1 hour /);
  const tooShort = await parley(['timer', 'bob', '1m'], alice);
  expect(tooShort.code).toBe(1);
  expect(tooShort.stderr).toContain('5 minutes to 4 weeks');
  const garbled = await parley(['timer', 'bob', 'soon'], alice);
  expect(garbled.code).toBe(1);
  expect(garbled.stderr).toContain('usage: timer');
  expect((await parley(['send', 'bob', 'gone', 'in', 'an', 'hour'], alice)).code).toBe(0);
  const latest = (await parley(['read', 'alice', '--json'], bob)).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const going = latest.find((m) => m.text === 'gone in an hour');
  expect(going.expiresAt).toBe(going.sentAt + 3_600_000);
  expect(latest.find((m) => m.text === 'see you tomorrow').expiresAt).toBeUndefined();
  expect((await parley(['timer', 'bob', 'off'], alice)).stdout).toBe('disappearing messages are off.\n');

  // Bob's device stored alice's messages when it synced (parley timer above): search reads them there.
  const found = await parley(['search', 'cafe'], bob);
  expect(found.stdout).toMatch(/^\[[\d-]+ [\d:]+\] alice · alice: the Café is closed\n$/);
  const [hit] = (await parley(['search', 'CLOSED', 'the', '--json'], bob)).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(hit).toMatchObject({ from: 'alice', snippet: 'the Café is closed', title: 'alice' });
  const none = await parley(['search', 'nothing'], bob);
  expect([none.code, none.stdout, none.stderr]).toEqual([0, '', 'no message found\n']);
});

test('in the terminal chat, /timer sets the timer and everyone gets a system line; a search is handed to the open chat', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'alice', 'tea', 'at', 'five?'], bob)).code).toBe(0);
  const a = await Terminal.chat('alice', alice);
  await a.waitFor(/bob: tea at five\?/, "bob's message");
  a.type('/timer 5m');
  await a.waitFor('you set disappearing messages to 5 minutes', 'the system line');
  const b = await Terminal.chat('bob', bob);
  await b.waitFor('alice set disappearing messages to 5 minutes', "the system line on bob's side");
  expect((await parley(['search', 'tea'], alice)).stdout).toContain('bob · bob: tea at five?');
});
