/**
 * One process owns a profile's group state: with `parley chat` open, one-shot commands from another
 * shell are handed to it (and show up in it), a second chat is refused with the running one named,
 * and the hand-off socket answers only a sender that unlocked the same device.
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, startServer, Terminal } from './harness.js';

/** Ask the profile's hand-off socket to run a command with a made-up proof; its answer. */
function forgedHandOff(env: Env): Promise<{ code: number; stderr: string }> {
  const dir = readFileSync(join(env.PARLEY_HOME!, 'current'), 'utf8').trim();
  return new Promise((resolve, reject) => {
    const socket = createConnection(join(dir, 'parley.sock'));
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n').filter((l) => l.length > 0);
      const last = JSON.parse(lines[lines.length - 1]!) as { nonce?: string; code?: number; stderr?: string };
      if (last.nonce !== undefined && lines.length === 1) {
        const request = {
          command: 'send',
          args: ['bob', 'forged'],
          flags: {},
          proof: Buffer.alloc(32).toString('base64'),
        };
        socket.write(`${JSON.stringify(request)}\n`);
      } else if (last.code !== undefined) resolve({ code: last.code, stderr: last.stderr ?? '' });
    });
  });
}

test('with parley chat open, parley send and read from another shell run inside it; a second chat is refused', async () => {
  const { url } = await startServer();
  const [alice, bob, carol] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];
  expect((await parley(['send', 'alice', 'hi alice'], bob)).code).toBe(0);

  const a = await Terminal.chat('alice-chat', alice);
  await a.waitFor('Secure session started', 'the chat screen');

  // A script sends while the chat is open: the chat sends it and shows it; nothing diverges.
  const sent = await parley(['send', 'bob', 'from a script'], alice);
  expect([sent.code, sent.stdout, sent.stderr]).toEqual([0, 'sent to bob\n', '']);
  await a.waitFor(/you: from a script/, 'the handed-off message in the open chat');
  expect((await readJson(bob)).map((m) => m.text)).toContain('from a script');

  // A script reads through the open chat too: what the chat shows (bob's reply, in the open
  // conversation) is read already; carol's message, in another conversation, is printed once.
  expect((await parley(['send', 'alice', 'answer me'], bob)).code).toBe(0);
  await a.waitFor('answer me', 'the reply arrives in the chat');
  expect((await parley(['send', 'alice', 'from carol'], carol)).code).toBe(0);
  await until(async () => {
    const read = await parley(['read', '--json'], alice);
    expect([read.code, read.stderr]).toEqual([0, '']);
    const printed = read.stdout.split('\n').filter((l) => l.length > 0);
    if (printed.length === 0) return false; // carol's conversation is still being joined
    expect(printed.map((l) => JSON.parse(l) as { from: string; text: string })).toEqual([
      expect.objectContaining({ from: 'carol', text: 'from carol' }),
    ]);
    return true;
  }, "carol's message read by a script");
  expect((await parley(['read', '--json'], alice)).stdout).toBe('');

  // Typed as another person would: a second chat on the same profile names the running one.
  const second = await Terminal.chat('alice-chat-2', alice);
  await second.waitFor(
    /parley chat is already open for alice on this machine \(process \d+\)/,
    'the refusal',
  );

  // The socket takes nothing from a process that did not unlock the device.
  const forged = await forgedHandOff(alice);
  expect(forged).toEqual({ code: 1, stderr: 'parley: the hand-off was refused\n' });
  expect((await readJson(bob)).map((m) => m.text)).not.toContain('forged');

  // Both the chat and the scripts keep working on one state: the chat sends and bob gets it.
  a.type('/dm bob');
  await a.waitFor(/bob · end-to-end encrypted/, 'the chat with bob');
  a.type('typed in the chat');
  await a.waitFor(/you: typed in the chat +✓/, 'sent from the chat');
  expect((await readJson(bob)).map((m) => m.text)).toContain('typed in the chat');

  // Once the chat ends, commands run on their own again.
  await a.quit();
  const after = await parley(['send', 'bob', 'after the chat'], alice);
  expect([after.code, after.stdout]).toEqual([0, 'sent to bob\n']);
  a.kill();
  second.kill();
});
