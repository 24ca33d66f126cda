/**
 * Several people, each a separate `parley` process with its own home, against a real server:
 * groups and direct chats among three, a message queued while the server is down, a key swapped
 * by the server, and devices linked and revoked.
 */
import { arch, hostname, platform } from 'node:os';
import { slipInImpostorDevice } from '@parley/testing';
import { expect, test } from 'vitest';
import { type Env, parley, readJson, registered, someone, startServer, Terminal } from './harness.js';

const texts = (lines: Array<Record<string, unknown>>) => lines.map((l) => `${l.from}: ${l.text}`);

test('three people exchange group and direct messages, each from separate processes', async () => {
  const { url } = await startServer();
  const [alice, bob, carol] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];

  expect((await parley(['group', 'Trip', 'bob', 'carol'], alice)).stdout).toBe(
    'created Trip with bob, carol · X25519 · AES-128-GCM\n',
  );
  expect((await parley(['send', 'Trip', 'alice here'], alice)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'bob here'], bob)).code).toBe(0);
  expect((await parley(['send', 'Trip', 'carol here'], carol)).code).toBe(0);
  expect((await parley(['send', 'carol', 'psst, carol'], bob)).code).toBe(0);

  const aliceReads = await readJson(alice);
  expect(texts(aliceReads)).toEqual(['bob: bob here', 'carol: carol here']);
  expect(aliceReads.every((l) => l.name === 'Trip')).toBe(true);
  expect(aliceReads[0]!.members).toEqual(['alice', 'bob', 'carol']);
  const bobReads = await readJson(bob);
  expect(texts(bobReads)).toEqual(['alice: alice here', 'carol: carol here']);
  const carolReads = await readJson(carol);
  expect(texts(carolReads)).toEqual(['alice: alice here', 'bob: bob here', 'bob: psst, carol']);
  expect(carolReads.at(-1)).toMatchObject({ name: null, members: ['bob', 'carol'] });
  // Each message was shown once.
  for (const who of [alice, bob, carol]) expect(await readJson(who)).toEqual([]);
});

test('a message sent while the server is down waits in the outbox across restarts and arrives once', async () => {
  const first = await startServer();
  const [alice, bob] = (await registered(first.url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'before the outage'], alice)).code).toBe(0);

  await first.stop();
  const queued = await parley(['send', 'bob', 'written during the outage'], alice);
  expect(queued).toMatchObject({
    code: 0,
    stdout: expect.stringMatching(/^queued for bob: the server is unreachable/),
  });
  // Another run while still down: nothing is lost or doubled.
  expect((await parley(['read'], alice)).stderr).toMatch(/cannot reach the server/);

  await startServer({ dataDir: first.dataDir, port: first.port });
  expect((await parley(['read'], alice)).code).toBe(0); // connecting flushes the outbox
  expect(texts(await readJson(bob))).toEqual([
    'alice: before the outage',
    'alice: written during the outage',
  ]);
  expect(await readJson(bob)).toEqual([]);
});

test('an identity key swapped at the server is detected and warned about; nothing is sent to it', async () => {
  const { url, server } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  expect((await parley(['send', 'bob', 'hello'], alice)).code).toBe(0);
  expect(texts(await readJson(bob))).toEqual(['alice: hello']);

  await slipInImpostorDevice(server.db, 'bob');
  const refused = await parley(['group', 'Plans', 'bob'], alice);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    "parley: warning: bob's identity key changed; what you send to conversations with bob, and what bob sends with the new key, is held.",
  );
  expect(refused.stderr).toContain('parley: bob was not added');
  // The warning stays until alice decides, and her messages to bob wait.
  const later = await parley(['read'], alice);
  expect(later.stderr).toContain("bob's identity key changed");
  const held = await parley(['send', 'bob', 'are you still you?'], alice);
  expect(held.stderr).toMatch(/the message is held until you check and accept the new key of bob/);
  expect(await readJson(bob)).toEqual([]);
});

test("a contact's key change holds only the conversations with them: a direct chat with someone else still sends", async () => {
  const { url, server } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];
  expect((await parley(['group', 'Trip', 'alice', 'carol'], bob)).code).toBe(0);
  expect((await parley(['send', 'alice', 'hi'], bob)).code).toBe(0);

  await slipInImpostorDevice(server.db, 'carol');
  expect((await parley(['group', 'Plans', 'carol'], bob)).code).toBe(1); // bob meets carol's new key
  const held = await parley(['send', 'Trip', 'for the Trip'], bob);
  expect(held).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('new key of carol'),
  });
  const direct = await parley(['send', 'alice', 'for alice only'], bob);
  expect(direct).toMatchObject({ code: 0, stdout: 'sent to alice\n' });
  expect(texts(await readJson(alice))).toEqual(['bob: hi', 'bob: for alice only']);
});

test('devices: list them by name, link a new machine named with --device-name using a one-time code, and revoke it', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob')) as [Env, Env];
  const list = await parley(['devices'], alice);
  expect(list.stdout).toMatch(
    new RegExp(
      `Devices of alice:\n\n {2}parley CLI on ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} {2}\\(CLI: ${platform()} ${arch()}\\) {2}\\S+\n {6}added \\d{4}-\\d\\d-\\d\\d · this device\n$`,
    ),
  );

  const offer = await parley(['devices', 'add'], alice);
  const code = offer.stdout.match(/([0-9A-Z]{4}-){4}[0-9A-Z]{4}/)?.[0];
  expect(code).toBeDefined();
  const laptop = someone('alice-laptop', { PARLEY_PASSWORD: alice.PARLEY_PASSWORD! });
  const wrongCode = await parley(['login', url, 'alice'], {
    ...laptop,
    PARLEY_LINK_CODE: 'AAAA-AAAA-AAAA-AAAA-AAAA',
  });
  expect(wrongCode.stderr).toBe('parley: that link code is unknown or expired\n');
  const linked = await parley(['login', url, 'alice', '--device-name', 'Work laptop'], {
    ...laptop,
    PARLEY_LINK_CODE: code!.toLowerCase(),
  });
  expect(linked.stdout).toMatch(
    /Logged in as alice on .*; this machine is device (\S+)\. Secure session started\./,
  );
  const laptopId = linked.stdout.match(/this machine is device (\S+)\./)![1]!;
  // The code works once.
  const again = await parley(['login', url, 'alice'], {
    ...someone('thief'),
    PARLEY_LINK_CODE: code!,
    PARLEY_PASSWORD: alice.PARLEY_PASSWORD!,
  });
  expect(again.stderr).toBe('parley: that link code is unknown or expired\n');

  expect((await parley(['send', 'alice', 'to all your devices'], bob)).code).toBe(0);
  expect(texts(await readJson(laptop))).toEqual(['bob: to all your devices']);
  // Read on the laptop is read on every device of alice's (read receipts reach her own devices too).
  expect(await readJson(alice)).toEqual([]);
  // The laptop reads both names (it got the account's label key at linking); alice's device saw it.
  const fromLaptop = (await parley(['devices'], laptop)).stdout;
  expect(fromLaptop).toContain(`Work laptop  (CLI: ${platform()} ${arch()})  ${laptopId}\n      added`);
  expect(fromLaptop).toMatch(/parley CLI on .*\n {6}added \S+ · last seen \d{4}-\d\d-\d\d \d\d:\d\d\n/);
  expect((await parley(['devices', 'add'], laptop)).stderr).toMatch(/only the first device/);

  expect((await parley(['devices', 'revoke', laptopId], alice)).stdout).toMatch(/is revoked/);
  expect((await parley(['devices'], alice)).stdout).toMatch(
    new RegExp(`Work laptop .* ${laptopId}\\n {6}added \\S+ · revoked \\S+, last seen `),
  );
  expect((await parley(['read'], laptop)).stderr).toMatch(
    /no longer accepts this device \(it was revoked\): link it again with `parley devices add` on another device/,
  );
});

test('the terminal chat shows joins, renames and removals as lines in the conversation, lists its members, and tells a removed member who removed them', async () => {
  const { url } = await startServer();
  const [alice, bob] = (await registered(url, 'alice', 'bob', 'carol')) as [Env, Env, Env];
  const b = await Terminal.chat('bob-removed', bob);
  await b.waitFor('Secure session started', 'the chat screen');
  expect((await parley(['group', 'Hiking trip', 'bob'], alice)).code).toBe(0);
  await b.waitFor(/Hiking trip · end-to-end encrypted/, "the group open on bob's side");

  const a = await Terminal.chat('alice-removes', alice);
  await a.waitFor(/Hiking trip · end-to-end encrypted/, 'the group open');
  a.type('/add carol');
  await b.waitFor('— carol joined', 'the join as a line in the conversation');
  a.type('/rename Hiking weekend');
  await b.waitFor('— the group was renamed “Hiking weekend”', 'the rename as a line');
  a.type('/members');
  await a.waitFor('Members of Hiking weekend (3)', 'the member list');
  const members = a.screen();
  expect(members).toContain('● alice (you)');
  expect(members).toMatch(/[●○] bob · not verified/);
  expect(members).toMatch(/[●○] carol · not verified/);
  a.key('Escape');
  a.type('/remove bob');
  await a.waitFor('— bob is no longer in the conversation', "the removal as a line on alice's side");
  await b.waitFor('you were removed from Hiking weekend by alice', 'the notice in the chat');
  expect(b.screen()).toContain('— you were removed by alice');
  await b.quit();

  const r = await parley(['send', 'Hiking weekend', 'still here?'], bob);
  expect([r.code, r.stderr]).toEqual([1, 'parley: you were removed from Hiking weekend by alice\n']);
  a.kill();
  b.kill();
});
