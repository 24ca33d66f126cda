/** System lines kept in history, as scripts (`parley read`) and the terminal chat show them after a restart. */
import { expect, test } from 'vitest';
import { type Env, parley, registered, startServer, Terminal } from './harness.js';

async function readConversation(env: Env, who: string): Promise<Array<Record<string, unknown>>> {
  const r = await parley(['read', who, '--json'], env);
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('a timer change is a system line among the messages in parley read (JSON and text) and in parley chat, on both sides', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'first'], alice)).code).toBe(0);
  expect((await parley(['timer', 'bob', '1h'], alice)).code).toBe(0);
  expect((await parley(['send', 'bob', 'second'], alice)).code).toBe(0);

  // Every command is a new process: what it reads was stored by an earlier run.
  const bobs = await readConversation(bob, 'alice');
  expect(bobs.map((m) => m.text)).toEqual(['first', 'alice set disappearing messages to 1 hour', 'second']);
  expect(bobs[1]).toEqual({
    type: 'system',
    event: 'timer',
    seconds: 3600,
    by: 'alice',
    id: expect.any(String),
    conversation: bobs[0]!.conversation,
    name: null,
    sentAt: expect.any(Number),
    text: 'alice set disappearing messages to 1 hour',
  });
  expect(bobs[0]!.type).toBeUndefined(); // messages keep their shape
  const alices = await readConversation(alice, 'bob');
  expect(alices.map((m) => m.text)).toEqual(['first', 'you set disappearing messages to 1 hour', 'second']);
  const text = (await parley(['read', 'alice'], bob)).stdout.split('\n');
  expect(text[1]).toMatch(/^\[[\d-]+ [\d:]+\] — alice set disappearing messages to 1 hour$/);

  // The terminal chat shows it between the messages, which alone are numbered.
  const b = await Terminal.chat('bob', bob);
  await b.waitFor(
    /1 \[[\d:]+\] alice: first[\s\S]*— alice set disappearing messages to 1 hour[\s\S]*2 \[[\d:]+\] alice: second/,
    'the line in place',
  );
  await b.quit();
});
