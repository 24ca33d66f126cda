/**
 * SQLite-only path of the log: a group commit's application messages checked, numbered and inserted
 * by prepared statements run directly on better-sqlite3, one after another, in the writer's
 * transaction — the same three statements log.ts runs through Kysely for one message
 * (`applicationCheck`, the sequence claim, the insert), without building a query object, a promise
 * and a result object for each of them. PostgreSQL's equivalent is one statement (postgres.ts).
 *
 * Each message's check runs after the previous message's insert, so a message id sent twice in one
 * batch finds the first and gets its earlier answer, as it would in two batches.
 */
import type SQLite from 'better-sqlite3';
import { sqliteUnder } from '../sqliteDriver.js';
import type { ApplicationAppend, BulkAppended } from './dialect.js';
import type { Tx } from './log.js';
import { type ApplicationCheck, KIND } from './policy.js';

interface Statements {
  check: SQLite.Statement<unknown[], ApplicationCheck>;
  claim: SQLite.Statement<unknown[], { next_seq: number; epoch: number }>;
  insert: SQLite.Statement<unknown[]>;
}

const prepared = new WeakMap<SQLite.Database, Statements>();

function statementsOf(sqlite: SQLite.Database): Statements {
  let s = prepared.get(sqlite);
  if (s === undefined) {
    s = {
      check: sqlite.prepare(
        `select groups.epoch, me.leaf_index, me.removed_seq, stored.seq, stored.sender_username,
           stored.sender_device, stored.epoch as stored_epoch, stored.kind
         from groups
         left join group_members as me
           on me.group_id = groups.group_id and me.username = ? and me.device_id = ?
         left join messages as stored on stored.group_id = groups.group_id and stored.message_id = ?
         where groups.group_id = ?`,
      ),
      claim: sqlite.prepare(
        'update groups set next_seq = next_seq + 1 where group_id = ? returning next_seq, epoch',
      ),
      insert: sqlite.prepare(
        `insert into messages (group_id, seq, message_id, sender_username, sender_device, epoch, kind, data,
           created_at, expires_at) values (?, ?, ?, ?, ?, ?, ${KIND.application}, ?, ?, ?)`,
      ),
    };
    prepared.set(sqlite, s);
  }
  return s;
}

/** Whether a message whose checks read `row` may be stored (policy.ts `applicationRefusal` says why not). */
function passes(w: ApplicationAppend, row: ApplicationCheck | undefined): row is ApplicationCheck {
  return (
    row !== undefined &&
    w.valid &&
    row.seq === null &&
    row.leaf_index !== null &&
    row.removed_seq === null &&
    row.epoch >= w.plan.epoch
  );
}

export async function appendApplicationsSqlite(tx: Tx, writes: ApplicationAppend[]): Promise<BulkAppended[]> {
  const sqlite = sqliteUnder(tx as never);
  if (sqlite === undefined) throw new Error('the SQLite append needs a SQLite transaction');
  const { check, claim, insert } = statementsOf(sqlite);
  return writes.map((w): BulkAppended => {
    const { accountId, deviceId } = w.sender;
    const row = check.get(accountId, deviceId, w.messageId, w.groupId);
    if (!passes(w, row)) return { seq: undefined, check: row };
    const claimed = claim.get(w.groupId)!;
    const seq = claimed.next_seq - 1;
    insert.run(w.groupId, seq, w.messageId, accountId, deviceId, w.plan.epoch, w.payload, w.now, w.expiresAt);
    return { seq, epoch: claimed.epoch };
  });
}
