/**
 * Reporting a message (issue #18): a person forwards one message they received to the operator,
 * who reads it with `parley-server reports list` (the real program, on the server's database) and
 * resolves it. Only what the reporter chose is revealed; the route needs a device's ticket; a
 * person cannot report their own or a deleted message.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

const BIN = fileURLToPath(new URL('../../server/bin/parley-server.js', import.meta.url));
const run = promisify(execFile);

async function operator(args: string[], dataDir: string): Promise<string> {
  return (await run(process.execPath, [BIN, ...args, '--data-dir', dataDir], { timeout: 20_000 })).stdout;
}

test('a reported message reaches the operator with its sender and reason; the operator resolves it', async () => {
  const server = await serve();
  const alice = await openClient(server.url, await person(server.url, 'alice'));
  const mallory = await openClient(server.url, await person(server.url, 'mallory'));
  await hasKeyPackages(alice.client);
  const direct = await mallory.client.directConversation('alice');
  await mallory.client.sendText(direct, 'buy my pills');
  await mallory.client.sendText(direct, 'a private aside');
  await until(() => alice.inbox.length === 2, 'alice got both');
  const [spam] = alice.inbox;

  const id = await alice.client.report(direct, spam!.id, 'spam');
  const open = JSON.parse(await operator(['reports', 'list', '--json'], server.dataDir)) as Array<
    Record<string, unknown>
  >;
  expect(open).toEqual([
    expect.objectContaining({
      id,
      reporter: 'alice',
      reported: 'mallory',
      text: 'buy my pills',
      reason: 'spam',
    }),
  ]);
  // Only the message chosen: nothing of the other one.
  expect(JSON.stringify(open)).not.toContain('private aside');
  expect(await operator(['reports', 'resolve', id], server.dataDir)).toBe(`resolved ${id}\n`);
  expect(JSON.parse(await operator(['reports', 'list', '--json'], server.dataDir))).toEqual([]);
  expect(JSON.parse(await operator(['reports', 'list', '--all', '--json'], server.dataDir))).toHaveLength(1);

  await expect(mallory.client.report(direct, spam!.id, 'x')).rejects.toThrow(/your own message/);
  await expect(alice.client.report(direct, spam!.id, '  ')).rejects.toThrow(/reason/);
  // Without a device's ticket the route refuses.
  const bare = await fetch(`${server.url}/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account: 'bob',
      groupId: 'ab',
      messageId: 'cd',
      sentAt: 1,
      text: 'x',
      reason: 'y',
    }),
  });
  expect(bare.status).toBe(401);
});
