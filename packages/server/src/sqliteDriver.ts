/**
 * SQLite (better-sqlite3) for Kysely, with every commit made durable off the event loop.
 *
 * better-sqlite3 is synchronous: with `synchronous = FULL` each commit's flush of the write-ahead
 * log (an fsync, 4–10 ms on ordinary disks) stopped the whole event loop, so no socket was read or
 * written meanwhile. Here SQLite runs with `synchronous = NORMAL` in WAL mode — a commit writes its
 * frames to the WAL without the flush — and this driver then flushes the WAL with an fsync on
 * libuv's thread pool before the commit is reported done. That is the flush FULL does (SQLite's
 * documentation: FULL adds exactly one sync of the WAL after each commit; NORMAL already syncs
 * around checkpoints and when the WAL is reused), moved off the event loop.
 *
 * What stays exactly as it was:
 * - Durability: a commit (an explicit transaction's, or a single write statement's outside one)
 *   resolves only after its fsync, so nothing is acknowledged before it is on disk.
 * - Nobody sees a write before it is durable: SQLite has one connection here, held (a mutex, as in
 *   Kysely's own driver) until the fsync returns, so no other query runs in between.
 * - Order: the connection serialises everything; what survives a crash is a prefix of the commits
 *   (SQLite's WAL recovery stops at the first frame whose checksum fails).
 * An fsync that fails leaves the data's durability unknown: the driver then refuses every later
 * query (`StorageFailed`) rather than acknowledge anything more; a restart recovers from the WAL.
 *
 * Checkpoints (copying the WAL back into the database file) run on a worker thread too
 * (sqliteCheckpointer.ts), and so do the delivery hot path's batches of messages and acks
 * (sqliteAppender.ts: a connection of its own, which flushes at its commits itself).
 *
 * Prepared statements are kept by SQL text: Kysely prepares every query anew, which costs more than
 * running it. (A kept statement cannot serve two iterations at once; the server never streams a query.)
 */
import { closeSync, fsync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ParleyError } from '@parley/core';
import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { type SqliteAppender, startAppender } from './sqliteAppender.js';
import { type Checkpointer, startCheckpointer } from './sqliteCheckpointer.js';

const KEPT_STATEMENTS = 512;

/**
 * How long a statement refused as busy (the write lock held by a checkpoint or by another process)
 * is tried again, and the longest pause between tries. SQLite's own busy wait sleeps the thread it
 * runs on, here the event loop; so the connection has none (`busy_timeout = 0`) and the driver
 * waits on a timer instead, every socket served meanwhile.
 */
const BUSY_WAIT_MS = 5000;
const BUSY_STEP_MAX_MS = 20;

const busy = (e: unknown) => String((e as { code?: unknown } | undefined)?.code).startsWith('SQLITE_BUSY');

/** The WAL could not be flushed: nothing more is acknowledged until the server restarts. */
export class StorageFailed extends ParleyError {
  constructor(cause: unknown) {
    super('internal', 'the database could not make writes durable (fsync failed); restart the server', {
      cause,
    });
  }
}

/** Flush a file descriptor to disk, off the event loop. */
export type Fsync = (fd: number) => Promise<void>;

const fsyncAsync: Fsync = (fd) =>
  new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));

/** Flushes the database's write-ahead log: the file `<database>-wal`, opened on first use. */
class WalFlusher {
  private fd: number | undefined;
  private failed: unknown;

  constructor(
    private readonly databaseFile: string,
    private readonly sync: Fsync,
  ) {}

  check(): void {
    if (this.failed !== undefined) throw new StorageFailed(this.failed);
  }

  async flush(): Promise<void> {
    this.check();
    try {
      if (this.fd === undefined) {
        // The WAL exists once anything was written in WAL mode. Its directory entry is flushed
        // once too, so a WAL created since the last checkpoint is found after a power loss.
        this.fd = openSync(`${this.databaseFile}-wal`, 'r');
        const dir = openSync(dirname(this.databaseFile), 'r');
        try {
          await this.sync(dir);
        } finally {
          closeSync(dir);
        }
      }
      await this.sync(this.fd);
    } catch (e) {
      this.failed = e;
      throw new StorageFailed(e);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

class DurableConnection implements DatabaseConnection {
  private readonly kept = new Map<string, SQLite.Statement>();
  /** Inside an explicit transaction: its writes are flushed at its commit. */
  inTransaction = false;

  constructor(
    private readonly sqlite: SQLite.Database,
    readonly wal: WalFlusher,
    /** The writer thread's batch in flight, if any (sqliteAppender.ts `idle`). */
    private readonly threadBusy: () => Promise<void> | undefined,
  ) {}

  private prepare(sql: string): SQLite.Statement {
    let statement = this.kept.get(sql);
    if (statement === undefined) {
      statement = this.sqlite.prepare(sql);
      if (this.kept.size >= KEPT_STATEMENTS) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(sql, statement);
    }
    return statement;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Outside a transaction a statement is its own transaction: refused as busy, it did nothing.
    return this.execute(query, !this.inTransaction);
  }

  /** `waitIfBusy`: a statement refused as busy did nothing, and is run again once the lock is free. */
  async execute<R>(query: CompiledQuery, waitIfBusy: boolean): Promise<QueryResult<R>> {
    this.wal.check();
    const statement = this.prepare(query.sql);
    const parameters = query.parameters as unknown[];
    let result: QueryResult<R>;
    for (let waited = 0; ; ) {
      try {
        if (statement.reader) result = { rows: statement.all(parameters) as R[] };
        else {
          const { changes, lastInsertRowid } = statement.run(parameters);
          result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
        }
        break;
      } catch (e) {
        if (!waitIfBusy || !busy(e) || waited >= BUSY_WAIT_MS) throw e;
        // The writer thread's batch holds the lock: tried again as soon as it is answered (before
        // the next one is handed over). Anyone else's hold: waited for on a timer.
        const started = Date.now();
        const thread = this.threadBusy();
        const ms = Math.min(BUSY_STEP_MAX_MS, 1 + waited / 4);
        await (thread ?? new Promise((resolve) => setTimeout(resolve, ms)));
        waited += thread === undefined ? ms : Math.max(1, Date.now() - started);
      }
    }
    // A write outside a transaction committed on its own: durable before it is reported.
    if (!this.inTransaction && !statement.readonly) await this.wal.flush();
    return result;
  }

  // biome-ignore lint/correctness/useYield: the server never streams a query
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite driver does not stream queries');
  }
}

/** One connection, taken by one user at a time. */
class Mutex {
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.held !== undefined) await this.held;
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  unlock(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

class DurableSqliteDriver implements Driver {
  private readonly mutex = new Mutex();
  private readonly connection: DurableConnection;
  private checkpointer: Checkpointer | undefined;
  private appender: SqliteAppender | undefined;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly databaseFile: string,
    sync: Fsync,
  ) {
    this.connection = new DurableConnection(sqlite, new WalFlusher(databaseFile, sync), () =>
      this.appender?.idle(),
    );
  }

  /** The writer thread, started on first use (after the migrations, which the main connection runs). */
  appenderThread(): SqliteAppender {
    this.appender ??= startAppender(
      this.databaseFile,
      -Number(this.sqlite.pragma('cache_size', { simple: true })),
    );
    return this.appender;
  }

  async init(): Promise<void> {
    // Checkpoints run on a worker thread, not inside a commit on the event loop.
    this.sqlite.pragma('wal_autocheckpoint = 0');
    // Busy: waited for on a timer (DurableConnection.execute), never by sleeping the event loop.
    this.sqlite.pragma('busy_timeout = 0');
    this.checkpointer = startCheckpointer(this.databaseFile, {
      // Without the worker, SQLite's own automatic checkpoint (inside a commit) keeps the log short.
      onFailure: () => {
        if (this.sqlite.open) this.sqlite.pragma('wal_autocheckpoint = 1000');
      },
    });
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DurableConnection): Promise<void> {
    // IMMEDIATE: the write lock is taken at the start, waited for (on a timer) if need be. A
    // deferred transaction that read first holds a snapshot, and SQLite refuses its first write at
    // once (SQLITE_BUSY, no wait: waiting could deadlock) when the worker's checkpoint has copied the
    // whole log meanwhile and the log is to start over; every such batch of messages was refused.
    // Marked first: BEGIN IMMEDIATE is no read-only statement, yet nothing to flush on its own.
    connection.inTransaction = true;
    try {
      await connection.execute(CompiledQuery.raw('begin immediate'), true);
    } catch (e) {
      connection.inTransaction = false;
      throw e;
    }
  }

  async commitTransaction(connection: DurableConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    connection.inTransaction = false;
    await connection.wal.flush();
  }

  async rollbackTransaction(connection: DurableConnection): Promise<void> {
    connection.inTransaction = false;
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DurableConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoted(name)}`));
  }

  async rollbackToSavepoint(connection: DurableConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoted(name)}`));
  }

  async releaseSavepoint(connection: DurableConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoted(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  async destroy(): Promise<void> {
    await this.appender?.stop();
    await this.checkpointer?.stop();
    this.connection.wal.close();
    this.sqlite.close();
  }
}

/** The driver under each dialect's adapter (which a database and its transactions share). */
const drivers = new WeakMap<object, DurableSqliteDriver>();

/** The writer thread of the SQLite database `db` (sqliteAppender.ts); undefined for another dialect. */
export function sqliteAppenderOf(db: Kysely<never>): SqliteAppender | undefined {
  return drivers.get(db.getExecutor().adapter)?.appenderThread();
}

/**
 * The dialect over an open better-sqlite3 database in WAL mode with `synchronous = NORMAL`, stored
 * in `databaseFile`. `sync` flushes a file (tests give one that fails, as a dying disk would).
 */
export function durableSqliteDialect(
  sqlite: SQLite.Database,
  databaseFile: string,
  sync: Fsync = fsyncAsync,
): Dialect {
  const driver = new DurableSqliteDriver(sqlite, databaseFile, sync);
  return {
    createDriver: () => driver,
    createAdapter: (): DialectAdapter => {
      const adapter = new SqliteAdapter();
      drivers.set(adapter, driver);
      return adapter;
    },
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(db),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
  };
}
