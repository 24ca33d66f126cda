/**
 * Replies, reactions, edits and deletes between three people (one of them on two devices): real
 * server, real MLS, real SQLite stores.
 */
import { fromUtf8 } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import { enqueue } from '../src/chat/outbox.js';
import type { ChatMessage, ParleyClient } from '../src/index.js';
import { hasKeyPackages, openClient, person, secondDevice, serve } from './fixtures.js';

const chatOf = (client: ParleyClient) => (client as unknown as { chat: Chat }).chat;

async function shown(client: ParleyClient, group: string, id: string): Promise<ChatMessage | undefined> {
  return (await client.history(group)).find((m) => m.id === id);
}

/** Every stored record of the conversation's history and meta, decrypted, as text. */
async function storedText(client: ParleyClient, group: string): Promise<string> {
  const { store } = chatOf(client);
  const rows = [
    ...(await store.list(`messages:${group}`)),
    ...(await store.list('conversations')),
    ...(await store.list('outbox')),
  ];
  return rows.map((r) => fromUtf8(r.value)).join('\n');
}

test('replies quote, reactions toggle and count who, edits reach everyone, deletes leave a tombstone, forgeries are ignored and counted', async () => {
  const { url } = await serve();
  const people = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const [a, b, c] = [
    await openClient(url, people[0]!),
    await openClient(url, people[1]!),
    await openClient(url, people[2]!),
  ];
  // alice's second device.
  const laptop = await secondDevice(url, people[0]!);
  for (const x of [b, c, laptop]) await hasKeyPackages(x.client);
  const all = [a, b, c, laptop];
  const group = await a.client.createGroup('Plans', ['bob', 'carol']);
  await until(() => all.every((x) => x.client.conversations().includes(group)), 'everyone joins');

  await a.client.sendText(group, 'meet at noon');
  await until(() => [b, c, laptop].every((x) => x.inbox.length === 1), 'the message arrives');
  const id = b.inbox[0]!.id;

  // A reply shows a quote of its target, on every side.
  const reply = await b.client.reply(group, id, 'noon works');
  expect(reply.replyTo).toEqual({ id, from: 'alice', text: 'meet at noon' });
  await until(() => c.inbox.some((m) => m.text === 'noon works'), 'the reply arrives');
  expect(c.inbox.find((m) => m.text === 'noon works')!.replyTo).toEqual({
    id,
    from: 'alice',
    text: 'meet at noon',
  });

  // Reactions: several per person, counted with who reacted; a second reaction with an emoji takes it back.
  const updates: ChatMessage[] = [];
  c.client.on('message_updated', (m) => updates.push(m));
  await b.client.react(group, id, '👍');
  await c.client.react(group, id, '👍');
  await c.client.react(group, id, '🎉');
  await laptop.client.react(group, id, '👍');
  const everyone = (want: Record<string, string[]>, what: string) =>
    until(async () => {
      for (const x of all) {
        const m = await shown(x.client, group, id);
        if (JSON.stringify(m?.reactions ?? {}) !== JSON.stringify(want)) return false;
      }
      return true;
    }, what);
  await everyone({ '👍': ['alice', 'bob', 'carol'], '🎉': ['carol'] }, 'reactions counted everywhere');
  await c.client.react(group, id, '👍');
  // alice reacted from her laptop: her phone knows, so the same emoji there takes it back.
  await until(async () => (await shown(a.client, group, id))?.reactions?.['👍']?.length === 2, 'phone sees');
  await a.client.react(group, id, '👍');
  await everyone({ '👍': ['bob'], '🎉': ['carol'] }, 'reactions taken back everywhere');
  expect(updates.some((m) => m.id === id && m.reactions?.['🎉']?.[0] === 'carol')).toBe(true);

  // An edit by the author: everyone sees the latest text, marked edited, quotes included.
  await a.client.edit(group, id, 'meet at one');
  await until(async () => {
    for (const x of all) if ((await shown(x.client, group, id))?.text !== 'meet at one') return false;
    return true;
  }, 'the edit reaches everyone');
  expect((await shown(c.client, group, id))!.edited).toBeGreaterThan(0);
  expect((await shown(c.client, group, reply.id))!.replyTo?.text).toBe('meet at one');

  // Only the author may edit or delete: the SDK refuses, and a forged one sent anyway is ignored and counted.
  await expect(b.client.edit(group, id, 'meet never')).rejects.toMatchObject({ code: 'usage' });
  const forgeries: string[] = [];
  c.client.on('forged_annotation', (f) => forgeries.push(`${f.kind} by ${f.by.accountId}`));
  const bob = chatOf(b.client);
  await bob.serial(() => enqueue(bob, bob.store, group, { type: 'edit', target: id, text: 'meet never' }));
  await bob.serial(() => enqueue(bob, bob.store, group, { type: 'delete', target: id }));
  await b.client.sync();
  await until(
    () => [a, c, laptop].every((x) => x.client.conversation(group)!.forged === 2),
    'forgeries counted',
  );
  expect(forgeries).toEqual(['edit by bob', 'delete by bob']);
  for (const x of all) expect((await shown(x.client, group, id))!.text).toBe('meet at one');

  // A delete by the author: a tombstone everywhere, and the text is gone from every device's store.
  await laptop.client.deleteMessage(group, id);
  await until(async () => {
    for (const x of all) if ((await shown(x.client, group, id))?.deleted !== true) return false;
    return true;
  }, 'the delete reaches everyone');
  for (const x of all) {
    const m = (await shown(x.client, group, id))!;
    expect(m).toMatchObject({ text: '', deleted: true });
    expect(m.reactions).toBeUndefined();
    expect((await shown(x.client, group, reply.id))!.replyTo).toEqual({
      id,
      from: 'alice',
      text: '',
      deleted: true,
    });
    const stored = await storedText(x.client, group);
    expect(stored).toContain('noon works');
    expect(stored).not.toContain('meet at');
  }
  await expect(c.client.react(group, id, '👍')).rejects.toMatchObject({ code: 'usage' });
});
