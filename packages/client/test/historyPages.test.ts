/**
 * Paged reads of a conversation's history: each page is the latest messages before the cursor the
 * page after it returned, pages keep their bounds while new messages arrive, and the own messages
 * not sent (queued or failed) come only at the end of the latest page, as in the whole history.
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { ChatMessage, HistoryPage, ParleyClient } from '../src/index.js';
import { hasKeyPackages, openClient, openStore, person, serve } from './fixtures.js';

const texts = (messages: readonly ChatMessage[]) => messages.map((m) => m.text);

/** Every page from the latest back to the first, `limit` at a time. */
async function allPages(client: ParleyClient, groupId: string, limit: number): Promise<HistoryPage[]> {
  const pages = [await client.history(groupId, { limit })];
  while (pages.at(-1)!.earlier !== undefined)
    pages.push(await client.history(groupId, { before: pages.at(-1)!.earlier, limit }));
  return pages;
}

test('history pages back from the latest message, keeps its page bounds while messages arrive, and ends the latest page with what was not sent', async () => {
  const { url } = await serve();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => person(url, n)));
  const a = await openClient(url, alice!);
  const b = await openClient(url, bob!);
  let c = await openClient(url, carol!);
  for (const x of [b, c]) await hasKeyPackages(x.client);
  const group = await a.client.createGroup('Trip', ['bob', 'carol']);
  for (const x of [b, c]) await until(() => x.client.conversation(group)?.name === 'Trip', 'joined');
  const said = Array.from({ length: 12 }, (_, i) => `b${i + 1}`);
  for (const t of said) await b.client.sendText(group, t);
  await until(() => c.inbox.length === said.length, 'carol receives');

  const latest = await c.client.history(group, { limit: 5 });
  expect(texts(latest.messages)).toEqual(said.slice(-5));
  expect(latest.earlier).toBeDefined();

  // New messages after the latest page read: the pages before it do not move.
  for (const t of ['b13', 'b14']) await b.client.sendText(group, t);
  await until(() => c.inbox.length === said.length + 2, 'carol receives the new ones');
  const second = await c.client.history(group, { before: latest.earlier, limit: 5 });
  expect(texts(second.messages)).toEqual(said.slice(2, 7));
  const first = await c.client.history(group, { before: second.earlier, limit: 5 });
  expect(texts(first.messages)).toEqual(['b1', 'b2']);
  expect(first.earlier).toBeUndefined();
  // Read again, the same cursor gives the same page.
  expect(await c.client.history(group, { before: latest.earlier, limit: 5 })).toEqual(second);
  // Limits are checked; the default page holds everything this short conversation has.
  await expect(c.client.history(group, { limit: 0 })).rejects.toMatchObject({ code: 'usage' });
  expect(texts((await c.client.history(group, {})).messages)).toEqual([...said, 'b13', 'b14']);

  // Carol writes while offline: the queued message ends the latest page, and only that page.
  await c.client.close();
  const offline = await openStore(url, carol!);
  expect((await offline.sendText(group, 'count me in')).status).toBe('sending');
  const queued = await allPages(offline, group, 5);
  expect(queued.map((p) => texts(p.messages))).toEqual([
    ['b10', 'b11', 'b12', 'b13', 'b14', 'count me in'],
    ['b5', 'b6', 'b7', 'b8', 'b9'],
    ['b1', 'b2', 'b3', 'b4'],
  ]);
  expect(queued[0]!.messages.at(-1)!.status).toBe('sending');
  expect(queued.flatMap((p) => p.messages).filter((m) => m.status === 'sending')).toHaveLength(1);
  await offline.close();

  // Removed meanwhile, it fails: it still ends the latest page only, and the pages make the history.
  await a.client.removeMember(group, 'carol');
  c = await openClient(url, carol!);
  await until(() => c.client.conversation(group)?.ended === true, 'carol is out');
  await until(async () => (await c.client.pending()) === 0, 'the queued message is given up');
  const pages = await allPages(c.client, group, 4);
  expect(pages[0]!.messages.at(-1)).toMatchObject({ text: 'count me in', status: 'failed' });
  expect(
    pages
      .slice(1)
      .flatMap((p) => p.messages)
      .some((m) => m.status === 'failed'),
  ).toBe(false);
  expect(
    pages
      .reverse()
      .flatMap((p) => p.messages)
      .map((m) => [m.id, m.status]),
  ).toEqual((await c.client.history(group)).map((m) => [m.id, m.status]));
}, 60_000);
