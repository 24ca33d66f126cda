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
 * Should the log still grow past `truncateBytes` (writes so constant that it never gets to be wholly
 * copied), the worker runs a TRUNCATE checkpoint, which copies all of it, starts it over and
 * empties the file; it holds the server's next write for as long as the copy takes (a few ms), as
 * SQLite's own automatic checkpoint always did. How long the log is comes from the last
 * checkpoint's report (its frames). It was once judged by the file's size, with RESTART
 * checkpoints, which leave the file as large as it was: once it had grown past the limit, every
 * checkpoint after held a write (bench:direct found the event loop stopped 10–20 ms in BEGIN
 * IMMEDIATE's busy wait several times a second).
 *
 * The worker's connection keeps `synchronous = FULL`: a checkpoint flushes the log before copying
 * and the database file after, so no committed page is ever only in memory.
 *
 * A worker that fails (it cannot open the database, say) is reported to `onFailure`, never thrown
 * into the server's process; the driver then turns SQLite's automatic checkpoint back on.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /** The checkpoints run so far, by kind. */
  counts(): Promise<CheckpointCounts>;
  stop(): Promise<void>;
}

export interface CheckpointCounts {
  passive: number;
  /** TRUNCATE checkpoints (the log had grown past the limit). */
  truncate: number;
}

interface CheckpointOptions {
  /** How often a checkpoint is tried, ms. */
  intervalMs: number;
  /** WAL length past which a TRUNCATE checkpoint is run. */
  truncateBytes: number;
  /**
   * The worker failed (it could not open the database, say): no checkpoint runs from here on, and
   * the caller takes over. Never thrown into the process: the server goes on without the worker.
   */
  onFailure: (error: Error) => void;
}

const DEFAULTS: CheckpointOptions = {
  intervalMs: 100,
  truncateBytes: 64 * 1024 * 1024,
  onFailure: () => {},
};

// Run as a CommonJS script (an `eval` worker): the server is ESM and its sources may be TypeScript
// (tests), so the worker is not a file of its own. It needs only better-sqlite3, by path.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 1000');
const pageSize = db.pragma('page_size', { simple: true });
const passive = db.prepare('pragma wal_checkpoint(PASSIVE)');
const truncate = db.prepare('pragma wal_checkpoint(TRUNCATE)');
const counts = { passive: 0, truncate: 0 };
// Frames in the log at the last checkpoint (its "log" column; -1 when it could not tell).
let frames = 0;
const timer = setInterval(() => {
  try {
    const big = frames * pageSize > workerData.truncateBytes;
    const done = (big ? truncate : passive).get();
    // A truncating checkpoint that got through leaves an empty log.
    frames = big && done.busy === 0 ? 0 : done.log;
    counts[big ? 'truncate' : 'passive']++;
  } catch {
    // Busy or a transient error: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'counts') return parentPort.postMessage({ counts });
  clearInterval(timer);
  try { passive.get(); } catch {}
  db.close();
  parentPort.postMessage('stopped');
});
`;

/** Start checkpointing the database in `file` (already in WAL mode) on a worker thread. */
export function startCheckpointer(file: string, options: Partial<CheckpointOptions> = {}): Checkpointer {
  const { intervalMs, truncateBytes, onFailure } = { ...DEFAULTS, ...options };
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, sqlitePath, intervalMs, truncateBytes },
  });
  worker.unref();
  // The worker's end, however it came (stopped, or failed: an error event, then its exit).
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let failed: Error | undefined;
  worker.once('error', (e) => {
    failed = e;
    onFailure(e);
  });
  let stopped: Promise<void> | undefined;
  return {
    counts: () =>
      new Promise<CheckpointCounts>((resolve, reject) => {
        const answer = (m: unknown) => {
          if (typeof m !== 'object' || m === null || !('counts' in m)) return;
          worker.off('message', answer);
          resolve((m as { counts: CheckpointCounts }).counts);
        };
        worker.on('message', answer);
        void exited.then(() => reject(failed ?? new Error('the checkpoint worker has stopped')));
        worker.postMessage('counts');
      }),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        void exited.then(resolve);
        worker.on('message', (m) => {
          if (m === 'stopped') void worker.terminate();
        });
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
