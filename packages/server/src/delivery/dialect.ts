/**
 * What differs between the database engines in the message write path: how a group commit's
 * application messages (and delivery acks) are written together (writeBatch.ts `Bulk`).
 * - PostgreSQL appends a batch's messages in one statement, in the writer's transaction
 *   (postgres.ts); acks are written one by one in that transaction.
 * - SQLite writes the messages and acks at the head of the writer's queue on its writer thread, in
 *   a transaction of their own (sqliteThread.ts), so the event loop serves sockets meanwhile. Other
 *   writes, and those queued after them, run on the main connection, each message through the same
 *   checks as one by one.
 */
import type { ServerFrame } from '@parley/core';
import { PostgresAdapter } from 'kysely';
import type { Db } from '../db.js';
import { sqliteAppenderOf } from '../sqliteDriver.js';
import type { Bulk, Outcome as WriteOutcome } from '../writeBatch.js';
import type { Append, Queryable, Tx } from './log.js';
import type { ApplicationCheck, Member, Sender } from './policy.js';
import { appendApplicationsPostgres } from './postgres.js';
import { apartRun } from './sqliteThread.js';

/** What storing a message came to: stored (and for whom), stale, or answered without storing. */
export type Outcome =
  | { seq: number; epoch: number; recipients: Member[] }
  | { stale: number }
  | { answer: ServerFrame };

/** An application message to append together with others. */
export interface ApplicationAppend extends Append {
  /** What the checks that need no database say (policy.ts `applicationValid`). */
  valid: boolean;
}

/** An application message queued for a bulk append, with its refusal (policy.ts). */
export interface BulkInput extends ApplicationAppend {
  refusal: (row: ApplicationCheck | undefined) => ServerFrame | undefined;
}

/** A device's delivery cursor in a group, raised to `seq`. */
export interface AckInput {
  groupId: Uint8Array;
  sender: Sender;
  seq: number;
}

/** One message of a bulk append: appended at `seq`, or not, with what its checks read. */
export type BulkAppended =
  | { seq: number; epoch: number }
  | { seq: undefined; check: ApplicationCheck | undefined };

/** After an application message is appended at `seq` (the group at `epoch`): who gets it. */
export type AfterApplication = (db: Queryable, m: Append, seq: number, epoch: number) => Promise<Outcome>;

export interface LogDialect {
  /** How an application message's write is done with others. */
  application(input: BulkInput): Bulk<Outcome>;
  /** How an ack's write is done with others, or alone in the writer's transaction. */
  ack(input: AckInput): Bulk<void> | undefined;
}

/**
 * A message appended (`r.seq`) goes on as any other (`after`); one not appended gets its refusal,
 * or its earlier answer (a retry).
 */
export async function outcomeOf(
  db: Queryable,
  input: BulkInput,
  r: BulkAppended,
  after: AfterApplication,
): Promise<WriteOutcome<Outcome>> {
  if (r.seq !== undefined) return { ok: true, value: await after(db, input, r.seq, r.epoch) };
  try {
    const again = input.refusal(r.check);
    if (again === undefined) throw new Error('message neither stored nor refused');
    return { ok: true, value: { answer: again } };
  } catch (error) {
    return { ok: false, error };
  }
}

/** PostgreSQL's bulk append, in the writer's transaction. */
function postgresRun(after: AfterApplication) {
  return async (tx: Tx, inputs: BulkInput[]): Promise<WriteOutcome<Outcome>[]> => {
    const results = await appendApplicationsPostgres(tx, inputs);
    const outcomes: WriteOutcome<Outcome>[] = [];
    for (const [i, input] of inputs.entries()) outcomes.push(await outcomeOf(tx, input, results[i]!, after));
    return outcomes;
  };
}

/** The bulk writes of `db`'s engine. One function for each kind, so the writer merges them. */
export function dialectOf(db: Db, after: AfterApplication): LogDialect {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const run = postgresRun(after);
    return { application: (input) => ({ run, input }), ack: () => undefined };
  }
  const appender = sqliteAppenderOf(db as never);
  if (appender === undefined) throw new Error('no writer thread for this SQLite database');
  const apart = apartRun(appender, db, after);
  return {
    application: (input) => ({ apart, input: { append: input } }),
    ack: (input) => ({ apart, input: { ack: input } }),
  };
}
