/**
 * `parley account delete` as separate `parley` processes against a real server: on a terminal it
 * asks for the account's name and does nothing on a wrong answer; a script needs --yes; with it the
 * account leaves its conversations (the others see it go and go on without it), is deleted on the
 * server, and this machine's profile is removed; the name cannot be taken again for a while.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, someone, startServer, Terminal } from './harness.js';

test('parley account delete: confirmed on a terminal or by --yes, leaves, deletes, removes the profile', async () => {
  const { url } = await startServer();
  const [alice, bob, carol] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];
  expect((await parley(['group', 'Trip', 'bob', 'carol'], alice)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'hello both'], alice)).code).toBe(0);
  expect((await readJson(carol)).length).toBe(1);

  // A script without --yes deletes nothing; on a terminal, a wrong name deletes nothing either.
  const script = await parley(['account', 'delete'], carol);
  expect(script.code).toBe(1);
  expect(script.stderr).toMatch(/--yes; nothing was deleted/);
  const t = Terminal.open('confirm', ['account', 'delete'], carol);
  await t.waitFor('Password:', 'the password prompt');
  t.type(carol.PARLEY_PASSWORD!);
  await t.waitFor('Type carol to confirm:', 'the confirmation prompt');
  t.type('bob');
  await t.waitFor('nothing was deleted', 'the refusal');
  expect((await parley(['whoami'], carol)).code).toBe(0);

  const done = await parley(['account', 'delete', '--yes'], carol);
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/^Left 1 conversations: Trip\.$/m);
  expect(done.stdout).toMatch(
    /^Deleted account carol on .*: 1 devices, \d+ key packages and 0 files removed\. The name stays reserved until \d{4}-\d\d-\d\d\.$/m,
  );
  expect(done.stdout).toMatch(/^Removed this machine's profile/m);
  expect(readdirSync(join(carol.PARLEY_HOME!, 'profiles'))).toEqual([]);
  expect(existsSync(join(carol.PARLEY_HOME!, 'current'))).toBe(false);

  // Alice's next sync commits carol's leave; the group goes on without her.
  await readJson(alice);
  expect((await parley(['send', 'Trip', 'just us'], alice)).code).toBe(0);
  const bobReads = await readJson(bob);
  expect(bobReads.at(-1)).toMatchObject({ text: 'just us', members: ['alice', 'bob'] });

  // Carol cannot log in again, and her name stays reserved.
  const back = await parley(['login', url, 'carol'], someone('carol'));
  expect(back.code).toBe(1);
  const taken = await parley(['register', url, 'carol'], someone('carol2'));
  expect(taken.code).toBe(1);
  expect(taken.stderr).toMatch(/deleted recently/);
});
