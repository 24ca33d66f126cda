/**
 * How message writes reach the database. Every accepted message is durable before its `sent`
 * (SQLite synchronous=FULL; PostgreSQL's default synchronous_commit), so each transaction commit
 * costs a disk flush: a few milliseconds on ordinary disks, which caps one-transaction-per-message
 * at a few hundred messages a second.
 *
 * On SQLite (one connection, writes serialised anyway) writes are therefore group-committed: those
 * that arrive while a batch is being written wait, then run together in the next transaction, each
 * in its own savepoint (a write that fails is rolled back alone and reports its own error), and
 * one commit makes the whole batch durable before any of them is answered. On PostgreSQL each write
 * is its own transaction: the pool runs them in parallel, the server coalesces their flushes, and a
 * batch would hold the row locks of many groups at once (and could deadlock with another node's).
 */
import { type Kysely, SqliteAdapter, type Transaction } from 'kysely';
import type { Database } from './db.js';

/** Run `work` in a transaction; resolves once it is durable. */
export type Writer = <T>(work: (tx: Transaction<Database>) => Promise<T>) => Promise<T>;

const MAX_BATCH = 256;

interface Pending {
  work: (tx: Transaction<Database>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The writer suited to the database: group commit on SQLite, a transaction per write elsewhere.
 * `onBatchLost` runs when a whole batch failed to commit (caches filled inside it must be dropped).
 */
export function writerFor(db: Kysely<Database>, onBatchLost: () => void): Writer {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return (work) => db.transaction().execute(work);
  const queue: Pending[] = [];
  let writing = false;

  async function writeBatch(): Promise<void> {
    let batch: Pending[] = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      const trx = await db.startTransaction().execute();
      // Taken once the connection is ours: writes queued while waiting for it (behind reads, or
      // behind the previous batch's flush) join this batch.
      batch = queue.splice(0, MAX_BATCH);
      try {
        for (const item of batch) {
          const sp = await trx.savepoint('write').execute();
          try {
            const value = await item.work(sp);
            await sp.releaseSavepoint('write').execute();
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sp.rollbackToSavepoint('write').execute();
            await sp.releaseSavepoint('write').execute();
            outcomes.push({ ok: false, error });
          }
        }
        await trx.commit().execute();
      } catch (e) {
        await trx
          .rollback()
          .execute()
          .catch(() => {});
        throw e;
      }
    } catch (e) {
      onBatchLost();
      // Nothing of the batch is stored (and if no transaction could start, nothing queued can be).
      for (const item of batch.length > 0 ? batch : queue.splice(0)) item.reject(e);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) await writeBatch();
    writing = false;
  }

  return <T>(work: (tx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!writing) void drain();
    });
}
