/**
 * `parley account reset-identity` as separate `parley` processes against a real server: a person
 * whose only device is gone (a fresh machine, no backup) starts over with the password; the old
 * device is refused, the new one is in the conversation, and the contact is warned of the change.
 */
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, someone, startServer } from './harness.js';

test('parley account reset-identity: a new key with the password alone; the old device is refused, the contact warned', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'before'], alice)).code).toBe(0);
  expect((await readJson(bob)).map((m) => m.text)).toEqual(['before']);

  // A new machine (a wrong password resets nothing: the SDK's test); a script must say --yes.
  const fresh = someone('alice', { PARLEY_PASSWORD: alice.PARLEY_PASSWORD! });
  const unconfirmed = await parley(['account', 'reset-identity', url, 'alice'], fresh);
  expect(unconfirmed.code).toBe(1);
  expect(unconfirmed.stderr).toMatch(/--yes; nothing was reset/);

  const done = await parley(['account', 'reset-identity', url, 'alice', '--yes'], fresh);
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(
    /^Reset the identity of alice on .*: a new identity key; 1 former devices revoked\. This machine is the new device \S+; it joined 1 conversations\./m,
  );
  // On the machine that had the device, it is refused; the reset machine cannot reset again while it holds one.
  const old = await parley(['send', 'bob', 'from the lost device'], alice);
  expect(old.code).toBe(1);
  expect(old.stderr).toMatch(/revoked/);
  const again = await parley(['account', 'reset-identity', url, 'alice', '--yes'], fresh);
  expect(again.stderr).toMatch(/this machine has a device of alice/);

  // Bob is warned; what the new device says waits until he accepts its key.
  expect((await parley(['send', 'bob', 'it is me, with a new key'], fresh)).code).toBe(0);
  const bobReads = await parley(['read'], bob);
  expect(bobReads.stderr).toMatch(/warning: alice's identity key changed/);
  expect(bobReads.stdout).not.toMatch(/it is me, with a new key/);
});
