/** `--post-quantum` on the commands that start conversations, and the suite in what the CLI shows. */
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, startServer, Terminal } from './harness.js';

const PQ = 'X-Wing (post-quantum) · AES-256-GCM';

test('parley group and send --post-quantum start X-Wing conversations; the output and the chat header name the suite', async () => {
  const { url } = await startServer();
  const [alice, bob, carol] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];

  const created = await parley(['group', 'Quantum', 'bob', '--post-quantum'], alice);
  expect([created.code, created.stdout]).toEqual([0, `created Quantum with bob · ${PQ}\n`]);
  expect((await parley(['send', 'Quantum', 'hello', 'from', 'X-Wing'], alice)).code).toBe(0);
  expect((await readJson(bob)).map((m) => [m.name, m.text])).toEqual([['Quantum', 'hello from X-Wing']]);
  // A group keeps its suite: asking for post-quantum on an ordinary one is refused.
  expect((await parley(['group', 'Plain', 'carol'], alice)).stdout).toBe(
    'created Plain with carol · X25519 · AES-128-GCM\n',
  );
  const refused = await parley(['group', 'Plain', 'bob', '--post-quantum'], alice);
  expect([refused.code, refused.stderr]).toEqual([
    1,
    'parley: Plain already exists; a group keeps the encryption it was started with\n',
  ]);

  // A one-to-one chat: the flag comes before the recipient; the rest is the text as typed.
  const direct = await parley(['send', '--post-quantum', 'alice', 'direct', '--and', 'safe'], bob);
  expect([direct.code, direct.stdout]).toEqual([0, `sent to alice · ${PQ}\n`]);
  expect((await readJson(alice)).map((m) => m.text)).toEqual(['direct --and safe']);
  expect((await parley(['send', 'alice', 'plain', 'hi'], carol)).code).toBe(0);
  const notPq = await parley(['send', '--post-quantum', 'alice', 'now', 'pq?'], carol);
  expect([notPq.code, notPq.stderr]).toEqual([
    1,
    'parley: your conversation with alice is not post-quantum; a conversation keeps the encryption it was started with\n',
  ]);

  // The terminal chat's header shows the suite of the open conversation.
  const b = await Terminal.chat('bob', bob);
  await b.waitFor(/alice · end-to-end encrypted · MLS · epoch \d+/, 'the header');
  await b.waitFor(`suite: ${PQ}`, 'the suite under it');
  b.type('/group Lab carol --post-quantum');
  await b.waitFor(`group Lab created · ${PQ}`, 'the /group notice');
  await b.quit();
});
