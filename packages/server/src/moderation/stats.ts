/**
 * What the operator can know of the server's use (`parley-server stats`): counts only, from the
 * database. There is no content to count: messages are ciphertext the server cannot read.
 */
import type { Db } from '../db.js';

export interface ServerStats {
  accounts: number;
  disabledAccounts: number;
  devices: number;
  revokedDevices: number;
  groups: number;
  /** Messages (and commits) in the groups' logs, waiting for delivery or retention. */
  storedMessages: number;
  storedMessageBytes: number;
  keyPackages: number;
  unusedInvites: number;
}

/** A count Kysely returns as a number, a string (PostgreSQL's bigint) or null (a sum of nothing). */
const num = (row: { n: unknown } | undefined) => Number(row?.n ?? 0);

export async function serverStats(db: Db): Promise<ServerStats> {
  const rows = <T extends 'accounts' | 'devices' | 'groups' | 'messages' | 'key_packages' | 'invites'>(
    table: T,
  ) => db.selectFrom(table as 'accounts').select((eb) => eb.fn.countAll<number>().as('n'));
  return {
    accounts: num(await rows('accounts').executeTakeFirst()),
    disabledAccounts: num(await rows('accounts').where('disabled_at', 'is not', null).executeTakeFirst()),
    devices: num(
      await db
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    ),
    revokedDevices: num(
      await db
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is not', null)
        .executeTakeFirst(),
    ),
    groups: num(await rows('groups').executeTakeFirst()),
    storedMessages: num(await rows('messages').executeTakeFirst()),
    storedMessageBytes: num(
      await db
        .selectFrom('messages')
        .select((eb) => eb.fn.sum<number>(eb.fn('length', ['data'])).as('n'))
        .executeTakeFirst(),
    ),
    keyPackages: num(await rows('key_packages').executeTakeFirst()),
    unusedInvites: num(
      await db
        .selectFrom('invites')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    ),
  };
}
