/** Scripts act on messages by id: `parley read --json` prints ids, `parley reply|react|edit|delete` take them. */
import { expect, test } from 'vitest';
import { type Env, parley, registered, startServer, Terminal } from './harness.js';

const json = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

test('read --json gives ids; reply, react, edit and delete take them, and everyone reads the result', async () => {
  const { url } = await startServer();
  const [alice, bob] = await registered(url, 'alice', 'bob');
  expect((await parley(['send', 'bob', 'lunch', 'at', 'noon'], alice!)).code).toBe(0);
  const [first] = json((await parley(['read', '--json'], bob!)).stdout);
  expect(first).toMatchObject({ from: 'alice', text: 'lunch at noon', reactions: {} });
  const id: string = first.id;
  expect(id).toMatch(/^[0-9a-f]{32}$/);

  expect((await parley(['react', 'alice', id, '👍'], bob!)).stdout).toBe('reacted 👍\n');
  expect((await parley(['reply', 'alice', id.slice(0, 8), 'sounds', 'good'], bob!)).stdout).toBe('replied\n');
  const [reply] = json((await parley(['read', '--json'], alice!)).stdout);
  expect(reply).toMatchObject({
    from: 'bob',
    text: 'sounds good',
    replyTo: { id, from: 'alice', text: 'lunch at noon' },
  });
  const mine = json((await parley(['read', 'bob', '--json'], alice!)).stdout);
  expect(mine.find((m) => m.id === id)).toMatchObject({
    text: 'lunch at noon',
    reactions: { '👍': ['bob'] },
  });

  expect((await parley(['edit', 'bob', id, 'lunch', 'at', 'one'], alice!)).stdout).toBe('edited\n');
  const refused = await parley(['edit', 'alice', id, 'never'], bob!);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('only its author can change a message');
  const edited = json((await parley(['read', 'alice', '--json'], bob!)).stdout).find((m) => m.id === id);
  expect(edited).toMatchObject({ text: 'lunch at one', reactions: { '👍': ['bob'] } });
  expect(edited.edited).toBeGreaterThan(0);

  expect((await parley(['delete', 'bob', id], alice!)).stdout).toBe('deleted\n');
  const after = json((await parley(['read', 'alice', '--json'], bob!)).stdout);
  expect(after.find((m) => m.id === id)).toMatchObject({ text: '', deleted: true, reactions: {} });
  expect(after.find((m) => m.text === 'sounds good').replyTo).toMatchObject({ id, deleted: true });
  const plain = (await parley(['read', 'alice'], bob!)).stdout;
  expect(plain).toMatch(/\] alice: \(message deleted\)\n/);
  expect(plain).toContain('  ↪ alice: (message deleted)\n');
  expect(plain).not.toContain('lunch');
});

test('in the terminal chat: /react, /reply, /edit and /delete act on the numbered messages; a handed-off react shows too', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'alice', 'tea', 'at', 'five?'], bob)).code).toBe(0);
  const a = await Terminal.chat('alice', alice);
  await a.waitFor(/1 \[\d\d:\d\d\] bob: tea at five\?/, "bob's message, numbered");

  a.type('/react 1 👍');
  await a.waitFor('bob: tea at five? [👍 alice]', 'the reaction');
  a.type('/reply 1 yes please');
  await a.waitFor(
    /↪ bob: tea at five\?\s*\n.*│ 2 \[\d\d:\d\d\] you: yes please/,
    'the reply under its quote',
  );
  // A script run meanwhile is handed to the chat, which owns the profile.
  const [tea] = json((await parley(['read', 'alice', '--json'], bob)).stdout);
  expect((await parley(['react', 'bob', tea.id, '🎉'], alice)).stdout).toBe('reacted 🎉\n');
  await a.waitFor('[👍 alice] [🎉 alice]', 'the handed-off reaction');

  a.type('/edit 2 yes, gladly');
  await a.waitFor(/you: yes, gladly \(edited\)/, 'the edit');
  a.type('/edit 1 coffee');
  await a.waitFor('only its author can change a message', "editing bob's message is refused");
  a.type('/delete 2');
  await a.waitFor(/2 \[\d\d:\d\d\] you: \(message deleted\)/, 'the tombstone');
  const seen = json((await parley(['read', 'alice', '--json'], bob)).stdout);
  expect(seen[0]).toMatchObject({ text: 'tea at five?', reactions: { '👍': ['alice'], '🎉': ['alice'] } });
  expect(seen[1]).toMatchObject({ from: 'alice', text: '', deleted: true });
  await a.quit();
});
