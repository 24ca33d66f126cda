/**
 * Migrations of the key transparency log: 0021 its tables, 0022 the key events of every account
 * that existed before it (registrations, device certificates, revocations, in creation order).
 */
import { encodeLogEntry, type LogEntry, logLeaf } from '@parley/core';
import type { Kysely } from 'kysely';
import type { TransparencyLogTable, TransparencyStateTable } from './tables.js';

type Bytes = 'blob' | 'bytea';

export async function m0021TransparencyLog(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('transparency_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('entry', bytes, (c) => c.notNull())
    .addColumn('leaf_hash', bytes, (c) => c.notNull())
    .addColumn('logged_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('transparency_log_account')
    .on('transparency_log')
    .columns(['username', 'device_id', 'seq'])
    .execute();
  await db.schema
    .createTable('transparency_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ transparency_state: TransparencyStateTable }>)
    .insertInto('transparency_state')
    .values({ id: 1, next_seq: 0 })
    .execute();
}

interface Old {
  accounts: { username: string; identity_key: Uint8Array; created_at: number };
  devices: {
    username: string;
    device_id: string;
    certificate: Uint8Array;
    created_at: number;
    revoked_at: number | null;
    revocation: Uint8Array | null;
  };
  transparency_log: TransparencyLogTable;
  transparency_state: TransparencyStateTable;
}

export async function m0022TransparencyBackfill(raw: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  const db = raw as Kysely<Old>;
  const events: Array<{ at: number; entry: LogEntry; deviceId: string | null }> = [];
  for (const a of await db
    .selectFrom('accounts')
    .select(['username', 'identity_key', 'created_at'])
    .execute())
    events.push({
      at: a.created_at,
      deviceId: null,
      entry: {
        kind: 'registered',
        accountId: a.username,
        identityKey: a.identity_key,
        loggedAt: a.created_at,
      },
    });
  const devices = await db
    .selectFrom('devices')
    .select(['username', 'device_id', 'certificate', 'created_at', 'revoked_at', 'revocation'])
    .execute();
  for (const d of devices) {
    events.push({
      at: d.created_at,
      deviceId: d.device_id,
      entry: {
        kind: 'device_certified',
        accountId: d.username,
        certificate: d.certificate,
        loggedAt: d.created_at,
      },
    });
    if (d.revoked_at !== null && d.revocation !== null)
      events.push({
        at: d.revoked_at,
        deviceId: d.device_id,
        entry: {
          kind: 'device_revoked',
          accountId: d.username,
          revocation: d.revocation,
          loggedAt: d.revoked_at,
        },
      });
  }
  // Registrations before their accounts' devices at the same instant (a stable sort keeps that).
  events.sort((x, y) => x.at - y.at);
  let seq = 0;
  for (const e of events) {
    const entry = encodeLogEntry(e.entry);
    await db
      .insertInto('transparency_log')
      .values({
        seq,
        username: e.entry.accountId,
        kind: e.entry.kind,
        device_id: e.deviceId,
        entry,
        leaf_hash: logLeaf(entry),
        logged_at: e.at,
      })
      .execute();
    seq++;
  }
  await db.updateTable('transparency_state').set({ next_seq: seq }).where('id', '=', 1).execute();
}
