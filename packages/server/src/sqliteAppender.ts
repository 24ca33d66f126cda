/**
 * The delivery hot path's writes on SQLite, on a thread of their own (issue #19).
 *
 * better-sqlite3 runs every statement on the thread that calls it. A profile of one-to-one traffic
 * found the event loop spending about a third of its busy time in the three statements each message
 * takes (the checks, the sequence claim, the insert) and in the commit: meanwhile no socket was read
 * or written. The application messages and delivery acknowledgements at the head of the writer's
 * queue (nearly every batch under load) are therefore written here, as one batch, by a worker thread
 * with a connection of its own to the same database, while the event loop goes on serving sockets
 * and the next batch gathers.
 *
 * What stays exactly as it was (writeBatch.ts, sqliteDriver.ts):
 * - Durability: the worker's connection has `synchronous = FULL`, so its COMMIT returns only after
 *   the WAL is flushed, and the batch is answered only after that (SQLite: with FULL in WAL mode the
 *   log is synced at every commit). Nobody sees the batch before: SQLite makes a commit visible to
 *   other connections (the wal-index) after that sync.
 * - Order: batches still run one after another from the writer's one queue; the worker's write and
 *   the main connection's never overlap for the writer's own writes. A write of the main connection
 *   outside the writer, should one meet the worker's lock, tries again once the worker's batch is
 *   answered (`idle`, sqliteDriver.ts), never sleeping the event loop.
 * - Each message passes the same checks, in the same order: the checks of a message run after the
 *   previous message's insert, so an id sent twice in one batch finds the first.
 * The worker sleeps in SQLite's busy wait when the checkpointer holds the lock; only its own thread
 * waits.
 *
 * Anything the worker cannot do (an error, a constraint, the worker gone) makes the whole batch fail
 * here, having changed nothing (its transaction is rolled back); the writer then runs the batch again
 * on the main connection, each write on its own. An error at COMMIT (a failed flush, say) leaves the
 * durability unknown: the worker then refuses every later batch (until a restart), and the main
 * connection's own flushes decide whether anything more is acknowledged.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** An application message to check and append, if its checks pass. */
export interface AppendOp {
  op: 'append';
  groupId: Uint8Array;
  messageId: Uint8Array;
  accountId: string;
  deviceId: string;
  /** The kind stored (delivery/policy.ts `KIND.application`). */
  kind: number;
  /** What the checks that need no database say (policy.ts `applicationValid`). */
  valid: boolean;
  epoch: number;
  payload: Uint8Array;
  now: number;
  expiresAt: number | null;
}

/** A device's delivery cursor raised to `seq` (never lowered). */
export interface AckOp {
  op: 'ack';
  groupId: Uint8Array;
  accountId: string;
  deviceId: string;
  seq: number;
}

export type AppenderOp = AppendOp | AckOp;

/** What a message's checks read (policy.ts `ApplicationCheck`), when it was not appended. */
export type AppendRefused = { seq: undefined; check: unknown };

/** For each op, in order: an append's place (or its checks' row), an ack's nothing. */
export type AppenderResult = { seq: number; epoch: number } | AppendRefused | null;

export interface SqliteAppender {
  /** Run `ops` in one durable transaction; rejects, having changed nothing, if it cannot. */
  run(ops: AppenderOp[]): Promise<AppenderResult[]>;
  /**
   * Settles once no batch is in the thread (each answered, written or not); undefined when none is
   * now. A write of the main connection refused as busy tries again then, rather than on a timer
   * that could keep falling inside the thread's back-to-back batches.
   */
  idle(): Promise<void> | undefined;
  /** The batches, and their ops, written so far. */
  written(): { batches: number; ops: number };
  stop(): Promise<void>;
}

// The same statements as the per-message path through Kysely (delivery/log.ts: the application
// check, the sequence claim, the insert; delivery/queries.ts `raiseCursor`).
const STATEMENTS = {
  check: `select groups.epoch, me.leaf_index, me.removed_seq, stored.seq, stored.sender_username,
      stored.sender_device, stored.epoch as stored_epoch, stored.kind
    from groups
    left join group_members as me
      on me.group_id = groups.group_id and me.username = ? and me.device_id = ?
    left join messages as stored on stored.group_id = groups.group_id and stored.message_id = ?
    where groups.group_id = ?`,
  claim: 'update groups set next_seq = next_seq + 1 where group_id = ? returning next_seq, epoch',
  insert: `insert into messages (group_id, seq, message_id, sender_username, sender_device, epoch, kind,
      data, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ack: `update group_members set acked_seq = ?, accepted = 1
    where group_id = ? and username = ? and device_id = ? and acked_seq < ?`,
};

// Run as a CommonJS script (an \`eval\` worker), as the checkpointer is: the server is ESM and its
// sources may be TypeScript (tests). A message passes the checks when the group exists, the sender
// is a member not removed, no message has its id, and the group is not past its epoch (policy.ts
// `applicationRefusal` says why not, from the row, on the main thread).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('cache_size = -' + workerData.cacheKib);
const s = workerData.statements;
const check = db.prepare(s.check), claim = db.prepare(s.claim), insert = db.prepare(s.insert);
const ack = db.prepare(s.ack);
const begin = db.prepare('begin immediate'), commit = db.prepare('commit'), rollback = db.prepare('rollback');
let failed;
// A batch comes packed (\`pack\` below): its byte fields in one transferred buffer, the rest in a
// flat list; the answer is two entries per op.
function write(m, out) {
  const bytes = Buffer.from(m.bytes);
  const c = m.cols;
  let i = 0, at = 0;
  const take = () => bytes.subarray(at, (at += c[i++]));
  for (let k = 0; k < m.n; k++) {
    if (c[i++] === 0) {
      const groupId = take();
      ack.run(c[i + 2], groupId, c[i], c[i + 1], c[i + 2]);
      i += 3;
      out.push(0, 0);
      continue;
    }
    const groupId = take(), messageId = take(), payload = take();
    const [accountId, deviceId, kind, valid, epoch, now, expiresAt] = c.slice(i, (i += 7));
    const row = check.get(accountId, deviceId, messageId, groupId);
    if (row === undefined || !valid || row.seq !== null || row.leaf_index === null ||
        row.removed_seq !== null || row.epoch < epoch) {
      out.push(-1, row ?? null);
      continue;
    }
    const claimed = claim.get(groupId);
    const seq = claimed.next_seq - 1;
    insert.run(groupId, seq, messageId, accountId, deviceId, epoch, kind, payload, now, expiresAt);
    out.push(seq, claimed.epoch);
  }
}
// A large batch comes in parts (\`more\`), each answered once written, the last one committed.
parentPort.on('message', (m) => {
  if (m === 'stop') {
    if (db.inTransaction) rollback.run();
    db.close();
    parentPort.postMessage('stopped');
    return;
  }
  if (failed !== undefined) return parentPort.postMessage({ id: m.id, error: failed });
  const results = [];
  try {
    if (!db.inTransaction) begin.run();
    write(m, results);
  } catch (e) {
    if (db.inTransaction) rollback.run();
    return parentPort.postMessage({ id: m.id, error: String((e && e.code) || 'error') });
  }
  if (m.more) return parentPort.postMessage({ id: m.id, results });
  try {
    commit.run();
  } catch (e) {
    failed = 'commit failed: ' + String((e && e.code) || 'error');
    if (db.inTransaction) try { rollback.run(); } catch {}
    return parentPort.postMessage({ id: m.id, error: failed });
  }
  parentPort.postMessage({ id: m.id, results });
});
`;

/** The worker could not write the batch: nothing of it was stored. */
export class AppenderFailed extends Error {
  constructor(reason: string) {
    super(`the SQLite writer thread did not write the batch (${reason})`);
  }
}

interface Reply {
  id: number;
  /** Two entries per op: an append's seq and epoch (or -1 and its checks' row), an ack's 0, 0. */
  results?: unknown[];
  error?: string;
}

/** The bytes an op hands over. */
const bytesOf = (o: AppenderOp) =>
  o.groupId.length + (o.op === 'append' ? o.messageId.length + o.payload.length : 0);

/**
 * A batch as the thread takes it: the byte fields of every op in one buffer, handed over rather
 * than copied, and the rest in a flat list (cloning an object per op cost more than writing it).
 */
function pack(ops: AppenderOp[]): { n: number; bytes: ArrayBuffer; cols: unknown[] } {
  let size = 0;
  for (const o of ops) size += bytesOf(o);
  const bytes = new Uint8Array(size);
  const cols: unknown[] = [];
  let at = 0;
  const put = (b: Uint8Array) => {
    bytes.set(b, at);
    at += b.length;
    cols.push(b.length);
  };
  for (const o of ops) {
    cols.push(o.op === 'ack' ? 0 : 1);
    put(o.groupId);
    if (o.op === 'ack') cols.push(o.accountId, o.deviceId, o.seq);
    else {
      put(o.messageId);
      put(o.payload);
      cols.push(o.accountId, o.deviceId, o.kind, o.valid, o.epoch, o.now, o.expiresAt);
    }
  }
  return { n: ops.length, bytes: bytes.buffer, cols };
}

function unpack(ops: AppenderOp[], flat: unknown[]): AppenderResult[] {
  return ops.map((o, k) => {
    if (o.op === 'ack') return null;
    const seq = flat[2 * k] as number;
    const second = flat[2 * k + 1];
    return seq < 0 ? { seq: undefined, check: second ?? undefined } : { seq, epoch: second as number };
  });
}

/**
 * The most bytes handed over at once. A batch of larger messages (up to 256 of 1 MiB each) goes in
 * parts of about this size, each sent once the one before is written, all in one transaction: the
 * copies handed over never hold more than this, whatever the batch.
 */
const PART_BYTES = 4 * 1024 * 1024;

/** The end of the part of `ops` that starts at `from`: at least one op, at most PART_BYTES after it. */
function partEnd(ops: AppenderOp[], from: number): number {
  let to = from + 1;
  let bytes = bytesOf(ops[from]!);
  while (to < ops.length && bytes + bytesOf(ops[to]!) <= PART_BYTES) bytes += bytesOf(ops[to++]!);
  return to;
}

/** Start the writer thread for the database in `file` (already migrated, in WAL mode). */
export function startAppender(file: string, cacheKib: number): SqliteAppender {
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, sqlitePath, cacheKib, statements: STATEMENTS },
  });
  worker.unref();
  const waiting = new Map<number, { resolve(r: unknown[]): void; reject(e: Error): void }>();
  let next = 0;
  let gone: string | undefined;
  /** Batches being written (their parts one after another). */
  let running = 0;
  const written = { batches: 0, ops: 0 };
  let idle: { promise: Promise<void>; resolve(): void } | undefined;
  const end = (reason: string) => {
    gone ??= reason;
    for (const w of waiting.values()) w.reject(new AppenderFailed(gone));
    waiting.clear();
  };
  worker.on('message', (m: Reply | 'stopped') => {
    if (m === 'stopped') return void worker.terminate();
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    if (m.results !== undefined) w.resolve(m.results);
    else w.reject(new AppenderFailed(m.error ?? 'no answer'));
  });
  // A failure is reported to the batches waiting, never thrown into the process.
  worker.once('error', (e) => end(e.name));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      end('the thread has stopped');
      resolve();
    }),
  );

  /** Hand `ops` over; `more`: parts of the same batch follow. */
  function post(ops: AppenderOp[], more: boolean): Promise<AppenderResult[]> {
    if (gone !== undefined) return Promise.reject(new AppenderFailed(gone));
    const id = next++;
    const part = pack(ops);
    return new Promise<unknown[]>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, more, ...part }, [part.bytes]);
    }).then((flat) => unpack(ops, flat));
  }

  async function run(ops: AppenderOp[]): Promise<AppenderResult[]> {
    if (ops.length === 0) return post(ops, false);
    let results: AppenderResult[] = [];
    for (let from = 0; from < ops.length; ) {
      const to = partEnd(ops, from);
      const part = await post(from === 0 && to === ops.length ? ops : ops.slice(from, to), to < ops.length);
      results = from === 0 ? part : results.concat(part);
      from = to;
    }
    written.batches++;
    written.ops += ops.length;
    return results;
  }

  let stopped: Promise<void> | undefined;
  return {
    run(ops) {
      running++;
      worker.ref(); // a batch in the thread keeps the process up until it is answered
      return run(ops).finally(() => {
        if (--running > 0) return;
        worker.unref();
        idle?.resolve();
        idle = undefined;
      });
    },
    idle() {
      if (running === 0) return undefined;
      if (idle === undefined) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        idle = { promise, resolve };
      }
      return idle.promise;
    },
    written: () => ({ ...written }),
    stop() {
      stopped ??= (async () => {
        if (gone === undefined) worker.postMessage('stop');
        await exited;
      })();
      return stopped;
    },
  };
}
