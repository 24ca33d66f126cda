/**
 * Disappearing messages on the server: `send`'s expiresAt is checked, stored with the ciphertext,
 * a fetch never returns the message after it, and the sweep deletes the rows in bounded runs.
 */
import { encodeAppMessage, encryptApplication, randomBytes, textMessage } from '@parley/core';
import { until } from '@parley/testing';
import { afterEach, expect, test } from 'vitest';
import { sweepExpired } from '../src/expiry.js';
import { type Running, startServer } from './helpers.js';
import { chattingPair, type Device } from './pair.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function sendText(from: Device, groupId: Uint8Array, text: string, expiresAt?: number) {
  const e = await encryptApplication(from.mls, from.state!, encodeAppMessage(textMessage(text)));
  from.state = e.newState;
  return from.ws.request({
    type: 'send',
    groupId,
    messageId: randomBytes(16),
    payload: e.message,
    welcome: null,
    ...(expiresAt !== undefined ? { groupInfo: null, expiresAt } : {}),
  });
}

test('an expiry in the past or beyond four weeks is refused; an expiring message is never fetched after it, and the sweep deletes it in bounded runs', async () => {
  // The sweep runs at start-up only: the fetch must hide expired rows on its own.
  running = await startServer({ expirySweepMs: 3_600_000 });
  const { alice, bob, groupId } = await chattingPair(running.url);
  const now = Date.now();
  for (const expiresAt of [now - 1, now + 29 * 24 * 3600_000 + 1000])
    expect(await sendText(alice, groupId, 'no', expiresAt)).toMatchObject({
      type: 'error',
      code: 'invalid_expiry',
    });

  const soon = Date.now() + 400;
  const first = await sendText(alice, groupId, 'going soon', soon);
  const second = await sendText(alice, groupId, 'going too', soon);
  const kept = await sendText(alice, groupId, 'staying');
  if (first.type !== 'sent' || second.type !== 'sent' || kept.type !== 'sent') throw new Error('not sent');
  const fetched = async () => {
    const page = await bob.ws.request({ type: 'fetch', groupId, afterSeq: 0, limit: 100 });
    return page.type === 'messages' ? page.items.map((i) => i.seq) : [];
  };
  expect(await fetched()).toEqual(expect.arrayContaining([first.seq, second.seq, kept.seq]));
  const db = running.server.db;
  const rows = () =>
    db.selectFrom('messages').select(['seq', 'expires_at']).where('expires_at', 'is not', null).execute();
  expect((await rows()).map((r) => r.expires_at)).toEqual([soon, soon]);

  await until(async () => !(await fetched()).includes(first.seq), 'the deadline passes');
  expect(await fetched()).not.toContain(second.seq);
  expect(await fetched()).toContain(kept.seq);
  expect(await rows()).toHaveLength(2); // not swept yet, but never handed out

  expect(await sweepExpired(db, Date.now(), 1)).toBe(1);
  expect(await sweepExpired(db, Date.now(), 1)).toBe(1);
  expect(await sweepExpired(db, Date.now(), 1)).toBe(0);
  expect(await rows()).toEqual([]);
  expect(await fetched()).toContain(kept.seq);
});
