/**
 * History on a machine linked with `parley devices add --history 30d` and `parley login` with the
 * code, through the real programs and server: the new machine says how many messages arrived and
 * its history (names included) holds the conversation's messages from before it was linked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type Env, parley, registered, someone, startServer, Terminal, tempDir } from './harness.js';

test('devices add --history 30d sends the history, and login with the code receives it before the first sync', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['group', 'Trip', 'bob'], alice)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'before the link'], alice)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'bob before'], bob)).code).toBe(0);

  const offer = await parley(['devices', 'add', '--history', '30d'], alice);
  expect(offer.code).toBe(0);
  expect(offer.stdout).toMatch(
    /Sent \d+ messages of 1 conversation to the new device, end-to-end encrypted\.\n$/,
  );
  const code = offer.stdout.match(/([0-9A-Z]{4}-){4}[0-9A-Z]{4}/)![0];
  expect((await parley(['devices', 'add', '--history', 'lots'], alice)).stderr).toMatch(
    /--history takes all/,
  );

  const laptop = someone('alice-laptop', { PARLEY_PASSWORD: alice.PARLEY_PASSWORD!, PARLEY_LINK_CODE: code });
  const linked = await parley(['login', url, 'alice'], laptop);
  expect(linked.code).toBe(0);
  expect(linked.stdout).toMatch(/Received \d+ messages of 1 conversation from your other device\.\n/);
  expect(linked.stdout).toMatch(/this machine is device \S+\. Secure session started\.\n$/);

  const file = join(tempDir('parley-export-'), 'history.json');
  expect((await parley(['export', file], laptop)).code).toBe(0);
  const history = JSON.parse(readFileSync(file, 'utf8')) as {
    conversations: Array<{ name: string | null; messages: Array<{ from: string; text: string }> }>;
  };
  const trip = history.conversations.find((c) => c.name === 'Trip')!;
  expect(trip.messages.filter((m) => m.text !== '').map((m) => `${m.from}: ${m.text}`)).toEqual(
    expect.arrayContaining(['alice: before the link', 'bob: bob before']),
  );
});

test('with `parley chat` open on the profile, devices add hands the sending to it; without --history a script sends none', async () => {
  const { url } = await startServer();
  const [alice] = (await registered(url, 'alice', 'bob')) as [Env];
  expect((await parley(['send', 'bob', 'while chatting'], alice)).code).toBe(0);
  const chat = await Terminal.chat('alice-chat', alice);
  await chat.waitFor('Secure session started', 'the chat screen');
  const offer = await parley(['devices', 'add', '--history', 'all'], alice);
  expect(offer.stdout).toMatch(/Sent 1 message of 1 conversation to the new device/);
  const code = offer.stdout.match(/([0-9A-Z]{4}-){4}[0-9A-Z]{4}/)![0];
  const laptop = someone('alice-laptop', { PARLEY_PASSWORD: alice.PARLEY_PASSWORD!, PARLEY_LINK_CODE: code });
  expect((await parley(['login', url, 'alice'], laptop)).stdout).toMatch(
    /Received 1 message of 1 conversation/,
  );
  await chat.quit();

  const none = await parley(['devices', 'add'], alice);
  expect(none.stdout).toMatch(/No history is sent to the new device\.\n$/);
  const tablet = someone('alice-tablet', {
    PARLEY_PASSWORD: alice.PARLEY_PASSWORD!,
    PARLEY_LINK_CODE: none.stdout.match(/([0-9A-Z]{4}-){4}[0-9A-Z]{4}/)![0],
  });
  expect((await parley(['login', url, 'alice'], tablet)).stdout).toMatch(
    /No history came from the other device/,
  );
});
