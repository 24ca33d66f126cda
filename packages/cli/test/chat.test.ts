/**
 * `parley chat` in a real terminal (tmux): keys are typed with send-keys and the screen is read with
 * capture-pane, while the server and the other people run as real processes.
 */
import { expect, test, vi } from 'vitest';
import { type Env, parley, readJson, registered, startServer, Terminal } from './harness.js';

test('in the terminal chat: log in, open a direct chat, send, see the reply arrive with delivery states', async () => {
  const server = await startServer();
  const { url } = server;
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];

  const a = Terminal.open('alice', ['chat'], alice);
  await a.waitFor('Password:', 'the password prompt');
  a.type(alice.PARLEY_PASSWORD!);
  await a.waitFor('Secure session started', 'the chat screen');
  a.type('/dm bob');
  await a.waitFor(/bob · end-to-end encrypted · MLS · epoch \d+ · not verified/, 'the direct chat');
  a.type('hello bob, from the terminal');
  await a.waitFor(/you: hello bob, from the terminal +✓ sent/, 'sent');

  // bob, in his own terminal chat, sees the conversation with one unread message, opens it and answers.
  const b = Terminal.open('bob', ['chat'], bob);
  await b.waitFor('Password:', 'bob password prompt');
  b.type(bob.PARLEY_PASSWORD!);
  await b.waitFor('alice: hello bob, from the terminal', "alice's message on bob's screen");
  await a.waitFor(/you: hello bob, from the terminal +✓✓ read/, 'read receipt');
  await a.waitFor(/● bob/, 'bob online');
  b.type('hi alice', false);
  await a.waitFor('bob is typing…', 'typing indicator');
  b.key('Enter');
  const screen = await a.waitFor('bob: hi alice', 'the reply');
  expect(screen).toMatch(/Parley · alice on 127\.0\.0\.1:\d+ · online/);

  // Slash commands answer on screen.
  a.type('/help');
  await a.waitFor('/verify <user> [ok]', 'help panel');
  a.key('Escape');
  await a.waitFor((s) => !s.includes('Commands'), 'the panel closes');
  a.type('/verify bob');
  const digits = (s: string) => (s.match(/\d{5} \d{5} \d{5} \d{5}/g) ?? []).join(' ');
  const aliceNumber = digits(await a.waitFor(/Safety number with bob/, 'safety number'));
  b.type('/verify alice');
  const bobNumber = digits(await b.waitFor(/Safety number with alice/, 'bob safety number'));
  expect(aliceNumber).toMatch(/^(\d{5} ){11}\d{5}$/);
  expect(aliceNumber).toBe(bobNumber);
  // Escape (closing the panel) and a command typed at once arrive as one read: still a command.
  a.press('Escape', '/verify bob ok', 'Enter');
  await a.waitFor('epoch 1 · verified', 'verified');
  a.type('/frobnicate');
  await a.waitFor('unknown command /frobnicate', 'an unknown command is named');
  b.type('/dm alice');
  await b.waitFor(/alice · end-to-end encrypted/, "bob's chat with alice");
  expect(b.screen()).not.toContain('verify bob ok');
  expect(b.screen()).not.toContain('frobnicate');

  // With the server gone, alice is offline and does not show bob as online any more.
  await server.stop();
  const offline = await a.waitFor(/· (connecting|offline)/, 'alice offline');
  expect(offline).not.toContain('● bob');
  expect(offline).toMatch(/unknown \((connecting|offline)\)/);
  a.type('/quit');
  await vi.waitFor(() => expect(a.exited(), 'parley chat ends').toBe(true), {
    timeout: 20_000,
    interval: 100,
  });
  expect(a.screen()).not.toContain('Conversations'); // the normal screen is back
  a.kill();
  b.kill();
});

test('a chat killed mid-conversation (kill -9) and restarted catches up in order with nothing lost', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'one'], alice)).code).toBe(0);

  let b = await Terminal.chat('bob-1', bob);
  await b.waitFor('alice: one', 'first message');
  expect((await parley(['send', 'bob', 'two'], alice)).code).toBe(0);
  await b.waitFor('alice: two', 'second message');
  process.kill(b.pid(), 'SIGKILL');
  b.kill();

  for (const n of ['three', 'four', 'five']) expect((await parley(['send', 'bob', n], alice)).code).toBe(0);
  b = await Terminal.chat('bob-2', bob);
  const screen = await b.waitFor('alice: five', 'caught up');
  const order = ['one', 'two', 'three', 'four', 'five'].map((n) => screen.indexOf(`alice: ${n}`));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((x, y) => x - y)).toEqual(order);
  expect(screen).not.toContain('could not be decrypted');
  b.kill();
  // Nothing was left behind for a later reader either.
  expect(await readJson(bob)).toEqual([]);
});
