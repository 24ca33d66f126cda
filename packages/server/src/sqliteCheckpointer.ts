/**
 * SQLite's WAL checkpoints, on a worker thread of their own.
 *
 * In WAL mode every commit appends pages to the write-ahead log; a checkpoint copies them back into
 * the database file and flushes it (SQLite: https://sqlite.org/wal.html#checkpointing). SQLite runs
 * one automatically inside the commit that takes the log past 1,000 pages, on the committing
 * thread — here the event loop, stopped for the copy and two fsyncs. The server therefore turns
 * that off (`wal_autocheckpoint = 0`) and a worker thread with its own connection runs PASSIVE
 * checkpoints instead, which never wait for or block the server's connection: they copy what no
 * reader still needs. The log is reused from its start once a checkpoint has copied all of it.
 *
 * Should the log still grow past `restartBytes` (writes so constant that it never gets to be wholly
 * copied), the worker runs a RESTART checkpoint, which makes the next writer start the log over;
 * it may hold the server's next write for as long as the copy takes (a few ms), as SQLite's own
 * automatic checkpoint always did.
 *
 * The worker's connection keeps `synchronous = FULL`: a checkpoint flushes the log before copying
 * and the database file after, so no committed page is ever only in memory.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  stop(): Promise<void>;
}

interface CheckpointOptions {
  /** How often a checkpoint is tried, ms. */
  intervalMs: number;
  /** WAL size past which a RESTART checkpoint is run. */
  restartBytes: number;
}

const DEFAULTS: CheckpointOptions = { intervalMs: 100, restartBytes: 64 * 1024 * 1024 };

// Run as a CommonJS script (an `eval` worker): the server is ESM and its sources may be TypeScript
// (tests), so the worker is not a file of its own. It needs only better-sqlite3, by path.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 1000');
const passive = db.prepare('pragma wal_checkpoint(PASSIVE)');
const restart = db.prepare('pragma wal_checkpoint(RESTART)');
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const timer = setInterval(() => {
  try {
    (walSize() > workerData.restartBytes ? restart : passive).get();
  } catch {
    // Busy or a transient error: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { passive.get(); } catch {}
  db.close();
  parentPort.postMessage('stopped');
});
`;

/** Start checkpointing the database in `file` (already in WAL mode) on a worker thread. */
export function startCheckpointer(file: string, options: Partial<CheckpointOptions> = {}): Checkpointer {
  const { intervalMs, restartBytes } = { ...DEFAULTS, ...options };
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, sqlitePath, intervalMs, restartBytes },
  });
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', () => void worker.terminate());
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
