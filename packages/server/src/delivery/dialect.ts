/**
 * What differs between the database engines in the message write path, behind one interface: the
 * bulk append of a group commit's application messages. PostgreSQL appends them in one statement
 * (postgres.ts); SQLite, in process, where a round trip costs nothing, runs prepared statements
 * for each directly on better-sqlite3 (sqliteAppend.ts).
 */
import { PostgresAdapter } from 'kysely';
import type { Db } from '../db.js';
import type { Append, Tx } from './log.js';
import type { ApplicationCheck } from './policy.js';
import { appendApplicationsPostgres } from './postgres.js';
import { appendApplicationsSqlite } from './sqliteAppend.js';

/** An application message to append together with others. */
export interface ApplicationAppend extends Append {
  /** What the checks that need no database say (policy.ts `applicationValid`). */
  valid: boolean;
}

/** One message of a bulk append: appended at `seq`, or not, with what its checks read. */
export type BulkAppended =
  | { seq: number; epoch: number }
  | { seq: undefined; check: ApplicationCheck | undefined };

export interface LogDialect {
  /**
   * Append several application messages (of any groups) at once, each only if its checks pass,
   * taking the groups' row locks in ascending group id order; one result per message, in order.
   */
  appendApplications: (tx: Tx, writes: ApplicationAppend[]) => Promise<BulkAppended[]>;
}

const sqlite: LogDialect = { appendApplications: appendApplicationsSqlite };
const postgres: LogDialect = { appendApplications: appendApplicationsPostgres };

export function dialectOf(db: Db): LogDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
