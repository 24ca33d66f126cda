/**
 * Disappearing messages and search, through the SDK against a real server (real MLS, real SQLite
 * on both sides): a timer any member sets, messages that leave both devices and the server's
 * database at their deadline, and search over the local history.
 */
import { encodeAppMessage, fromUtf8, newMessageId, textMessage } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import type { Chat } from '../src/chat/context.js';
import { encryptAndSend } from '../src/chat/outbox.js';
import type { ParleyClient, TimerChange } from '../src/index.js';
import { hasKeyPackages, openClient, person, serve } from './fixtures.js';

const chatOf = (client: ParleyClient) => (client as unknown as { chat: Chat }).chat;
const short = { shortTimersForTests: true };

/** Every stored record of the client, decrypted, as text. */
async function storedText(client: ParleyClient, group: string): Promise<string> {
  const { store } = chatOf(client);
  const namespaces = [`messages:${group}`, `message-index:${group}`, 'conversations', 'outbox', 'expiring'];
  const rows = (await Promise.all(namespaces.map((ns) => store.list(ns)))).flat();
  return rows.map((r) => fromUtf8(r.value)).join('\n');
}

test('a timer any member sets reaches everyone; its messages leave both devices and the server at their deadline; after it is turned off they stay', async () => {
  const running = await serve({ expirySweepMs: 50 });
  const { url } = running;
  const [pa, pb, pc] = await Promise.all([person(url, 'alice'), person(url, 'bob'), person(url, 'carol')]);
  const a = await openClient(url, pa, undefined, undefined, short);
  const b = await openClient(url, pb, undefined, undefined, short);
  const c = await openClient(url, pc);
  await hasKeyPackages(b.client);
  await hasKeyPackages(c.client);
  const timers: TimerChange[] = [];
  b.client.on('timer', (t) => timers.push(t));
  const group = await a.client.createConversation(['bob']);
  await until(() => b.client.conversations().includes(group), 'bob joins');

  // People choose from 5 minutes up; this client may go shorter only because of its test option.
  await expect(a.client.setTimer(group, 60 * 60 * 24 * 29)).rejects.toMatchObject({ code: 'usage' });
  await a.client.setTimer(group, 3);
  expect(a.client.conversation(group)!.timer).toBe(3);
  await until(() => timers.length === 1, 'bob learns of the timer');
  expect(timers).toEqual([{ groupId: group, seconds: 3, by: 'alice' }]);
  expect(b.client.conversation(group)!.timer).toBe(3);
  // A newcomer learns the timer from whoever adds them; the others see no change again.
  await a.client.addMembers(group, ['carol']);
  await until(() => c.client.conversation(group)?.timer === 3, 'carol learns the timer');

  const sent = await a.client.sendText(group, 'this goes away soon');
  expect(sent.expiresAt).toBe(sent.sentAt + 3000);
  await until(() => b.inbox.some((m) => m.text === 'this goes away soon'), 'bob gets the message');
  expect(b.inbox[0]!.expiresAt).toBe(sent.expiresAt);
  const db = running.server.db;
  const expiring = () =>
    db.selectFrom('messages').select(['seq', 'expires_at']).where('expires_at', 'is not', null).execute();
  expect((await expiring()).map((r) => r.expires_at)).toEqual([sent.expiresAt]);
  expect((await b.client.search('goes AWAY')).map((r) => r.id)).toEqual([sent.id]);

  // After the deadline: gone from both devices' stores (nothing readable left) and from the server.
  await until(
    async () =>
      [a, b].every((x) => x.client.conversation(group)!.last === undefined) &&
      (await expiring()).length === 0,
    'the message disappears everywhere',
  );
  for (const x of [a, b]) {
    // Only the system lines are left: the timer change, carol joining (systemLines.test.ts).
    expect((await x.client.history(group)).map((m) => m.system?.event ?? m.text)).toEqual([
      'timer',
      'members',
    ]);
    expect(await storedText(x.client, group)).not.toContain('goes away');
    expect(await x.client.search('goes away')).toEqual([]);
  }

  // Turned off: a message sent afterwards stays, and the server keeps it without an expiry.
  await b.client.setTimer(group, 0);
  await until(() => a.client.conversation(group)!.timer === 0, 'alice learns it is off');
  expect(timers.map((t) => [t.seconds, t.by])).toEqual([
    [3, 'alice'],
    [0, 'bob'],
  ]);
  await b.client.sendText(group, 'this one stays');
  await until(() => a.inbox.some((m) => m.text === 'this one stays'), 'alice gets it');
  expect(a.inbox.find((m) => m.text === 'this one stays')!.expiresAt).toBeUndefined();
  expect(await expiring()).toEqual([]);
  expect((await a.client.history(group)).map((m) => m.system?.event ?? m.text)).toEqual([
    'timer',
    'members',
    'timer',
    'this one stays',
  ]);

  // The server refuses an expiry in the past or beyond four weeks (and a day) ahead.
  const chat = chatOf(a.client);
  for (const expiresAt of [Date.now() - 1000, Date.now() + 30 * 24 * 3600_000]) {
    const id = newMessageId();
    const { answer } = await chat.serial(() =>
      encryptAndSend(chat, group, id, encodeAppMessage({ ...textMessage('x'), id }), { expiresAt }),
    );
    expect(answer).toMatchObject({ type: 'error', code: 'invalid_expiry' });
  }
});

test('search finds messages holding every word, across conversations, ignoring case and accents, newest first, but not deleted ones', async () => {
  const { url } = await serve();
  const [pa, pb, pc] = await Promise.all([person(url, 'alice'), person(url, 'bob'), person(url, 'carol')]);
  const a = await openClient(url, pa);
  const b = await openClient(url, pb);
  const c = await openClient(url, pc);
  await Promise.all([b, c].map((x) => hasKeyPackages(x.client)));
  const withBob = await a.client.createConversation(['bob']);
  const group = await a.client.createGroup('Trip', ['bob', 'carol']);
  await until(() => [withBob, group].every((g) => b.client.conversations().includes(g)), 'bob joins both');

  await a.client.sendText(withBob, 'The Café opens at nine');
  await b.client.sendText(group, 'cafe tomorrow? the one by the station');
  await a.client.sendText(group, 'a message about something else');
  const gone = await a.client.sendText(group, 'secret cafe plan');
  await until(() => b.inbox.length === 3, 'bob gets alice’s messages');
  await b.client.sync();
  await a.client.deleteMessage(group, gone.id);
  await until(
    async () => (await b.client.history(group)).some((m) => m.deleted === true),
    'the delete arrives',
  );

  const found = await b.client.search('CAFÉ');
  expect(found.map((r) => r.snippet)).toEqual([
    'cafe tomorrow? the one by the station',
    'The Café opens at nine',
  ]);
  expect(found.map((r) => r.conversation)).toEqual([group, withBob]);
  expect(found[1]).toMatchObject({ from: 'alice', groupId: withBob });
  expect((await b.client.search('cafe station')).length).toBe(1);
  expect(await b.client.search('cafe', { limit: 1 })).toHaveLength(1);
  expect(await b.client.search('secret')).toEqual([]);
  await expect(b.client.search('   ')).rejects.toMatchObject({ code: 'usage' });
});
