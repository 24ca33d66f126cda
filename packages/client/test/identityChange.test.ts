/**
 * One contact's identity key changes: only what would reach that contact's new device waits for the
 * person's decision; every other conversation, receipt and typing indicator flows.
 */
import { graceForStrayFrames, replaceIdentity, until } from '@parley/testing';
import { expect, test } from 'vitest';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

test("a contact's key change holds only what would reach the new device; everything else flows", async () => {
  const { url, server } = await serve();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const a = await openClient(url, alice!);
  const b = await openClient(url, bob!);
  const c = await openClient(url, carol!);
  await hasKeyPackages(b.client);
  await hasKeyPackages(c.client);
  const trip = await a.client.createConversation(['bob', 'carol'], 'Trip');
  const direct = await b.client.createConversation(['alice']);
  await until(
    () => b.client.conversations().includes(trip) && a.client.conversations().includes(direct),
    'everyone joins',
  );

  // Carol starts over with a new identity key on a new phone; alice takes her old device out of the
  // Trip, checks the new key with her, accepts it and adds her new device.
  await c.client.close();
  const renewed = await replaceIdentity(server.db, 'carol');
  await a.client.removeMember(trip, 'carol');
  const c2 = await openClient(url, { ...carol!, identity: renewed, file: `${carol!.file}-new` });
  await hasKeyPackages(c2.client);
  await expect(a.client.addMembers(trip, ['carol'])).rejects.toMatchObject({ code: 'identity_key_mismatch' });
  await a.client.acknowledgeIdentityChange('carol');
  await a.client.addMembers(trip, ['carol']);
  await until(() => c2.client.conversations().includes(trip), "carol's new device joins");

  // Bob learns of the change from that commit; his client warns and keeps reading the Trip, but
  // what carol's new device says is not shown to him as hers until he accepts her new key.
  await until(async () => (await b.client.pendingIdentityChanges()).includes('carol'), 'bob is warned');
  await c2.client.sendText(trip, 'hello from my new phone');
  await until(() => a.inbox.some((m) => m.text === 'hello from my new phone'), 'alice reads carol');
  await a.client.sendText(trip, 'carol is back with a new phone');
  await until(() => b.inbox.some((m) => m.text === 'carol is back with a new phone'), 'bob reads the Trip');
  expect(b.inbox.map((m) => m.text)).not.toContain('hello from my new phone');

  // What bob sends to the Trip waits (carol's new device could read it); his direct chat with
  // alice does not, nor do his read receipts and typing indicators there.
  await b.client.sendText(trip, 'for the Trip, after I check');
  await b.client.sendText(direct, 'just for you');
  await until(() => a.inbox.some((m) => m.text === 'just for you'), 'alice receives the direct message');
  const ping = await a.client.sendText(direct, 'did you see?');
  await until(() => b.inbox.some((m) => m.text === 'did you see?'), 'bob receives the ping');
  let read = false;
  a.client.on('message_status', (s) => {
    if (s.id === ping.id && s.status === 'read') read = true;
  });
  await b.client.markRead(direct);
  await until(() => read, "alice sees bob's read receipt");
  const typingIn = new Set<string>();
  a.client.on('typing', (t) => {
    if (t.accountId === 'bob' && t.typing) typingIn.add(t.groupId);
  });
  await b.client.setTyping(trip, true);
  await b.client.setTyping(direct, true);
  await until(() => typingIn.has(direct), 'alice sees bob typing');
  await graceForStrayFrames(300); // time in which a Trip message not held would have reached alice
  expect(a.inbox.map((m) => m.text)).not.toContain('for the Trip, after I check');
  expect(typingIn.has(trip)).toBe(false);
  // Held: the text, and the delivered receipt for alice's Trip message.
  expect(await b.client.pending()).toBe(2);

  // Bob accepts carol's new key: the held message goes out, and carol's appears.
  await b.client.acknowledgeIdentityChange('carol');
  await until(
    () => [a, c2].every((x) => x.inbox.some((m) => m.text === 'for the Trip, after I check')),
    'the held message leaves',
  );
  expect(b.inbox.find((m) => m.text === 'hello from my new phone')?.from.accountId).toBe('carol');
  const history = (await b.client.history(trip)).map((m) => m.text);
  expect(history.indexOf('hello from my new phone')).toBeLessThan(
    history.indexOf('for the Trip, after I check'),
  );
  expect(await b.client.pending()).toBe(0);
  expect(await b.client.pendingIdentityChanges()).toEqual([]);
  // A key for bob's own account is never accepted: it would lock his device out of its profile.
  await expect(b.client.acknowledgeIdentityChange('bob')).rejects.toMatchObject({ code: 'usage' });
});

test("added to a new group with a contact's new key, a device joins and warns instead of failing its sync for good", async () => {
  const { url, server } = await serve();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const b = await openClient(url, bob!);
  const c = await openClient(url, carol!);
  await hasKeyPackages(c.client);
  // Bob knows carol's first key from a chat with her.
  const old = await b.client.createConversation(['carol']);
  await until(() => c.client.conversations().includes(old), 'carol joins');
  await c.client.close();
  const renewed = await replaceIdentity(server.db, 'carol');
  const c2 = await openClient(url, { ...carol!, identity: renewed, file: `${carol!.file}-new` });
  await hasKeyPackages(c2.client);
  await hasKeyPackages(b.client);

  // Alice meets carol for the first time with her new key, starts a group with her, then adds
  // bob: the tree in bob's Welcome holds carol's new key.
  const a = await openClient(url, alice!);
  const dinner = await a.client.createConversation(['carol'], 'Dinner');
  await a.client.addMembers(dinner, ['bob']);
  await until(() => b.client.conversations().includes(dinner), 'bob joins from his Welcome');
  expect(await b.client.pendingIdentityChanges()).toEqual(['carol']);
  await a.client.sendText(dinner, 'dinner at eight?');
  await until(() => b.inbox.some((m) => m.text === 'dinner at eight?'), 'bob reads the group');
  // What bob sends there waits for his decision; accepting releases it.
  await b.client.sendText(dinner, 'yes, once I have checked');
  await graceForStrayFrames(300);
  expect(a.inbox.map((m) => m.text)).not.toContain('yes, once I have checked');
  await b.client.acknowledgeIdentityChange('carol');
  await until(() => c2.inbox.some((m) => m.text === 'yes, once I have checked'), 'carol reads bob');
});
