/**
 * An account the operator deletes (`parley-server accounts delete`, the real program) leaves its
 * conversations, with separate `parley` processes on a real server: the first member to sync
 * proves the deletion in the server's key log and commits the removal of its devices; every member
 * shows "bob's account was deleted" (carol, who was not running meanwhile, when she reads), the
 * server's tree no longer holds his leaves, and the others go on talking without him.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, startServer } from './harness.js';

const SERVER_BIN = new URL('../../server/bin/parley-server.js', import.meta.url).pathname;
const run = promisify(execFile);

/** `parley read <conversation> --json`, parsed. */
async function history(env: Env, conversation: string): Promise<Array<Record<string, unknown>>> {
  const r = await parley(['read', conversation, '--json'], env);
  if (r.code !== 0) throw new Error(`parley read ${conversation} failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const deleted = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => l.type === 'system' && l.event === 'account_deleted');

test('the operator deletes bob: alice and carol see his account deleted in their group, he is gone from it and from the direct chat, and they go on talking', async () => {
  const running = await startServer();
  const { url } = running;
  const [alice, bob, carol] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];
  expect((await parley(['group', 'Trip', 'bob', 'carol'], alice)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'hello both'], alice)).code).toBe(0);
  expect((await parley(['send', 'alice', 'hi alice'], bob)).code).toBe(0);
  expect((await readJson(alice)).map((m) => m.text)).toEqual(['hi alice']);
  expect((await readJson(carol)).map((m) => m.text)).toEqual(['hello both']);

  const op = await run(
    process.execPath,
    [SERVER_BIN, 'accounts', 'delete', 'bob', '--data-dir', running.dataDir],
    {
      timeout: 30_000,
    },
  );
  expect(op.stdout).toMatch(/^deleted bob: 1 devices/);

  // Alice's next run proves it in the key log and removes him from both conversations.
  const trip = await history(alice, 'Trip');
  expect(deleted(trip).map((l) => l.text)).toEqual(['bob’s account was deleted']);
  const rows = await running.server.db
    .selectFrom('group_members')
    .select('removed_seq')
    .where('username', '=', 'bob')
    .execute();
  // His leaves in the group and in the direct chat: both removed by alice's commits.
  expect(rows.length).toBe(2);
  expect(rows.every((r) => r.removed_seq !== null)).toBe(true);

  expect((await parley(['send', 'Trip', 'just us'], alice)).code).toBe(0);
  // Carol was not running: she learns it when she reads, and reads alice.
  const hers = await history(carol, 'Trip');
  expect(deleted(hers)).toHaveLength(1);
  expect(hers.at(-1)).toMatchObject({ from: 'alice', text: 'just us', members: ['alice', 'carol'] });
  expect((await parley(['send', 'Trip', 'so it seems'], carol)).code).toBe(0);
  expect((await readJson(alice)).at(-1)).toMatchObject({ text: 'so it seems', members: ['alice', 'carol'] });
});
