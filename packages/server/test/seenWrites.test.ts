/**
 * Last-seen times are written lazily (issue #15 item 3): a device reconnecting in a loop must not
 * make the server flush the disk on every connection change, yet what people read is current.
 * Against the server's real SQLite database, with accounts and devices made by real registrations.
 */
import { afterEach, expect, test } from 'vitest';
import type { Db } from '../src/db.js';
import { SeenWrites } from '../src/seenWrites.js';
import { type Running, register, startServer } from './helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** The server's database, counting the transactions begun on it. */
function counted(db: Db): { db: Db; transactions: () => number } {
  let n = 0;
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property === 'transaction') n++;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, transactions: () => n };
}

test('a hundred connection changes cost one transaction; reads see the latest times before it is written, the database after', async () => {
  running = await startServer();
  const alice = await register(running.url, 'alice', 'alice password one');
  expect(alice.status).toBe(201);
  const { accountId, deviceId } = alice.identity;
  const { db, transactions } = counted(running.server.db);
  const failures: unknown[] = [];
  // An interval no test waits for: only the explicit flush writes.
  const seen = new SeenWrites(db, (e) => failures.push(e), 3_600_000);
  const stored = async () => {
    const device = await db
      .selectFrom('devices')
      .select(['connected_at', 'disconnected_at'])
      .where('device_id', '=', deviceId)
      .executeTakeFirstOrThrow();
    const account = await db
      .selectFrom('accounts')
      .select('last_seen')
      .where('username', '=', accountId)
      .executeTakeFirstOrThrow();
    return { ...device, last_seen: account.last_seen };
  };
  const before = await stored();

  // A device that reconnects fifty times: each opening and closing is a change.
  for (let t = 1; t <= 50; t++) {
    seen.deviceSeen(accountId, deviceId, { connected_at: 1_000 + t });
    seen.deviceSeen(accountId, deviceId, { disconnected_at: 2_000 + t });
    seen.accountSeen(accountId, 3_000 + t);
  }
  expect(await stored()).toEqual(before);
  expect(transactions()).toBe(0);
  // Readers merge what is held: the latest of each.
  expect(seen.deviceRow(accountId, deviceId, before)).toEqual({
    connected_at: 1_050,
    disconnected_at: 2_050,
  });
  expect(seen.lastSeen(accountId, before.last_seen)).toBe(3_050);
  expect(seen.lastSeen('nobody', 7)).toBe(7);

  const flushed = seen.flush();
  // While the write is under way, readers still see the latest times, not the older stored ones.
  expect(seen.lastSeen(accountId, before.last_seen)).toBe(3_050);
  expect(seen.deviceRow(accountId, deviceId, before)).toEqual({
    connected_at: 1_050,
    disconnected_at: 2_050,
  });
  await flushed;
  expect(transactions()).toBe(1);
  expect(await stored()).toEqual({ connected_at: 1_050, disconnected_at: 2_050, last_seen: 3_050 });
  // Nothing held any more: a second flush writes nothing.
  await seen.flush();
  expect(transactions()).toBe(1);
  expect(failures).toEqual([]);
});
