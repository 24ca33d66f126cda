/**
 * How writes reach the database. Every accepted message is durable before its `sent` (on SQLite
 * the driver flushes the WAL after each commit, sqliteDriver.ts; PostgreSQL's default
 * synchronous_commit), so each transaction commit costs a
 * disk flush: a few milliseconds on ordinary disks, which caps one-transaction-per-message at a few
 * hundred messages a second.
 *
 * Writes are therefore group-committed, on both engines: those that arrive while a batch is being
 * written wait, then run together in the next transaction, on one connection, and one commit makes
 * the whole batch durable before any of them is answered. Batches run one after another, and
 * writes enter the queue in the order they are submitted, so later writes see earlier ones (of the
 * same batch too, uncommitted, since they share the transaction), and what survives a crash is
 * always a prefix of the queue. On PostgreSQL there are a few such writers side by side, each for
 * its share of the order keys (groups): one group's writes all go through the same one.
 *
 * A batch runs optimistically: its writes back to back, without savepoints (each costs a round
 * trip on PostgreSQL). If one of them throws, the transaction is rolled back and the batch run again
 * with each write in its own savepoint, so a write that fails is rolled back alone and reports its
 * own error while the others stand.
 *
 * A write may also say how to be done together with others of its kind (`Bulk`): consecutive such
 * writes of a batch (after the ordering below) are then done by one call, one statement on
 * PostgreSQL instead of one round trip each. A bulk call reports each write's own result or
 * refusal; a refused write must have changed nothing. Should the call throw, the batch is run again
 * isolated, where every write is done on its own.
 *
 * A write may instead say how a whole batch of its kind is done elsewhere (`Bulk.apart`: on SQLite,
 * by the writer thread, sqliteAppender.ts). The writes at the head of the queue that share an
 * `apart` make a batch handed over whole, answered once it is durable (the writes after them make
 * the next batch); should it fail, it changed nothing and is run here, isolated. Batches still run one after another, so the order and the prefix rule stand.
 *
 * Locks (PostgreSQL): a message write takes its group's row lock (the compare-and-set UPDATE in
 * delivery/log.ts) and, under it, rows of that group only. A batch holds those locks until it commits, so
 * two nodes' batches could deadlock if they took two groups in opposite orders; writes are therefore
 * run in order of their `order` key (the group id; stable, so one group's writes keep their order),
 * which makes a cycle impossible between batches. Should PostgreSQL still report a deadlock
 * (40P01) or a serialization failure (40001), the whole batch is rolled back and run again (a few
 * times): nothing of it was stored, so nothing is stored twice.
 */
import { ParleyError } from '@parley/core';
import { type ControlledTransaction, type Kysely, SqliteAdapter, type Transaction } from 'kysely';
import type { Database } from './db.js';

/**
 * Run `work` in a transaction; resolves once it is durable. `order`: the key whose row locks the
 * work takes (a group id), so batches take them in one order.
 */
export type Writer = <T>(
  work: (tx: Transaction<Database>) => Promise<T>,
  order?: string,
  bulk?: Bulk<T>,
) => Promise<T>;

/** A write's own result, or its refusal (which changed nothing). */
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * How a write is done together with others of its kind: `run` (the same function for all of
 * them) gets their `input`s in batch order and returns one outcome for each, in that order. It
 * must take the row locks of several order keys in ascending order of the keys.
 */
export interface Bulk<T> {
  // biome-ignore lint/suspicious/noExplicitAny: each kind of bulk write has its own input type
  run?: (tx: Transaction<Database>, inputs: any[]) => Promise<Outcome<T>[]>;
  /**
   * How a whole batch of such writes is done elsewhere, in a durable transaction of its own (on
   * SQLite, by the writer thread: sqliteAppender.ts), when every write of the batch has the same
   * `apart`. It resolves once the batch is durable, or rejects having stored nothing; the batch is
   * then run here, each write on its own.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each kind of bulk write has its own input type
  apart?: (inputs: any[]) => Promise<Outcome<T>[]>;
  input: unknown;
}

const MAX_BATCH = 256;
/** Runs of one batch after PostgreSQL aborted it as a deadlock or serialization failure. */
const MAX_ATTEMPTS = 4;
const RETRYABLE = new Set(['40P01', '40001']);

interface Pending {
  work: (tx: Transaction<Database>) => Promise<unknown>;
  order: string;
  bulk: Bulk<unknown> | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A write failed in a batch run without savepoints: run it again with them. */
class WriteFailed extends ParleyError {
  constructor() {
    super('internal', 'a write of the batch failed');
  }
}

function retryable(e: unknown): boolean {
  return RETRYABLE.has((e as { code?: unknown } | undefined)?.code as string);
}

/**
 * The group-committing writer. `onRollback` runs whenever a batch's transaction is rolled back
 * (caches filled inside it must be dropped).
 */
export function writerFor(db: Kysely<Database>, onRollback: () => void): Writer {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return batchWriter(db, onRollback);
  // PostgreSQL: a few writers side by side, each with its own connection and its own share of
  // the groups (by order key), so that writes to different groups do not wait for one another's
  // round trips and flushes. Their batches touch disjoint groups, so they never wait on each
  // other's locks; one group's writes all go through one writer, in order.
  const lanes = Array.from({ length: POSTGRES_WRITERS }, () => batchWriter(db, onRollback));
  return (work, order = '', bulk) => lanes[laneOf(order)]!(work, order, bulk);
}

/** Writers side by side on PostgreSQL (connections of the pool, which has 10 by default). */
const POSTGRES_WRITERS = 4;

function laneOf(order: string): number {
  let h = 0;
  for (let i = 0; i < order.length; i++) h = (h * 31 + order.charCodeAt(i)) >>> 0;
  return h % POSTGRES_WRITERS;
}

/**
 * The next batch, when the queue starts with writes done elsewhere by one `apart` (Bulk): those
 * writes, up to the first that is not, taken off `queue` (the rest makes the batch after).
 */
function takeApart(
  queue: Pending[],
): { apart: NonNullable<Bulk<unknown>['apart']>; batch: Pending[] } | undefined {
  const apart = queue[0]?.bulk?.apart;
  if (apart === undefined) return undefined;
  const most = Math.min(queue.length, MAX_BATCH);
  let n = 1;
  while (n < most && queue[n]!.bulk?.apart === apart) n++;
  return { apart, batch: queue.splice(0, n) };
}

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((item, i) => {
    const o = outcomes[i]!;
    if (o.ok) item.resolve(o.value);
    else item.reject(o.error);
  });
}

/** Every write of `batch` in `trx`, in order; with a savepoint each when `isolated`. */
async function runWrites(
  trx: ControlledTransaction<Database>,
  batch: Pending[],
  isolated: boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i]!;
    const bulkRun = item.bulk?.run;
    if (!isolated && bulkRun !== undefined) {
      let end = i + 1;
      while (end < batch.length && batch[end]!.bulk?.run === bulkRun) end++;
      const inputs = batch.slice(i, end).map((b) => b.bulk!.input);
      let results: Outcome[];
      try {
        results = await bulkRun(trx, inputs);
      } catch (error) {
        throw retryable(error) ? error : new WriteFailed();
      }
      if (results.length !== inputs.length) throw new Error('a bulk write answered for fewer writes');
      outcomes.push(...results);
      i = end - 1;
      continue;
    }
    if (!isolated) {
      try {
        outcomes.push({ ok: true, value: await item.work(trx) });
      } catch (error) {
        throw retryable(error) ? error : new WriteFailed();
      }
      continue;
    }
    const sp = await trx.savepoint('write').execute();
    try {
      const value = await item.work(sp);
      await sp.releaseSavepoint('write').execute();
      outcomes.push({ ok: true, value });
    } catch (error) {
      if (retryable(error)) throw error;
      await sp.rollbackToSavepoint('write').execute();
      await sp.releaseSavepoint('write').execute();
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/** One writer: one batch at a time, on one connection. */
function batchWriter(db: Kysely<Database>, onRollback: () => void): Writer {
  const queue: Pending[] = [];
  let writing = false;

  /** The next batch, if it is all done elsewhere (`takeApart`): resolved from there, or run here isolated. */
  async function writeApart(): Promise<boolean> {
    // Writes queued in this same turn (the first one started the writer) join the batch.
    await undefined;
    const taken = takeApart(queue);
    if (taken === undefined) return false;
    const { apart, batch } = taken;
    let outcomes: Outcome[];
    try {
      outcomes = await apart(batch.map((b) => b.bulk!.input));
      if (outcomes.length !== batch.length) throw new Error('a bulk write answered for fewer writes');
    } catch {
      await writeBatch(batch, true);
      return true;
    }
    settle(batch, outcomes);
    return true;
  }

  /** The next batch (or `batch`, taken already), in a transaction of the writer's connection. */
  async function writeBatch(batch: Pending[] = [], isolated = false): Promise<void> {
    try {
      for (let attempt = 1; ; ) {
        const trx = await db.startTransaction().execute();
        // Taken once the connection is ours: writes queued while waiting for it (behind the
        // previous batch's flush) join this batch.
        if (batch.length === 0) {
          batch = queue.splice(0, MAX_BATCH);
          batch.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
        }
        let outcomes: Outcome[];
        try {
          outcomes = await runWrites(trx, batch, isolated);
          await trx.commit().execute();
        } catch (e) {
          await trx
            .rollback()
            .execute()
            .catch(() => {});
          onRollback();
          // A write failed: run the batch again with a savepoint each (WriteFailed only comes from
          // a run without them). Aborted as a deadlock: run it again as it was, a few times.
          if (e instanceof WriteFailed) isolated = true;
          else if (!retryable(e) || ++attempt > MAX_ATTEMPTS) throw e;
          continue;
        }
        settle(batch, outcomes);
        return;
      }
    } catch (e) {
      onRollback();
      // Nothing of the batch is stored. Writes queued behind it fail too, so that of one
      // connection's writes, what is stored stays a prefix of what it sent.
      for (const item of [...batch, ...queue.splice(0)]) item.reject(e);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      if (!(await writeApart())) await writeBatch();
      // Let the event loop turn between batches: on SQLite (synchronous underneath) a batch runs
      // entirely in promise callbacks, so without this the next one would start before the
      // sockets are written to (the pushes of this one) or read from (writes to join the next).
      await new Promise((resolve) => setImmediate(resolve));
    }
    writing = false;
  }

  return <T>(work: (tx: Transaction<Database>) => Promise<T>, order = '', bulk?: Bulk<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, order, bulk, resolve: resolve as (v: unknown) => void, reject });
      if (!writing) void drain();
    });
}
