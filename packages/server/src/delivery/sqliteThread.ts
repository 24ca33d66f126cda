/**
 * SQLite's bulk write of the delivery hot path: a batch made only of application messages and
 * acks, written by the writer thread in one durable transaction of its own (sqliteAppender.ts,
 * which runs the same checks, sequence claim and insert as log.ts does for one message). Once it
 * is durable, each appended message goes on as any other (its recipients read on the main
 * connection: membership changes only through commits, which go through the same writer, so
 * nothing changed it since).
 */
import type { SqliteAppender } from '../sqliteAppender.js';
import type { Outcome as WriteOutcome } from '../writeBatch.js';
import type { AckInput, AfterApplication, BulkAppended, BulkInput, Outcome } from './dialect.js';
import { outcomeOf } from './dialect.js';
import type { Queryable } from './log.js';
import { KIND } from './policy.js';

/** A write of such a batch: a message to append, or an ack. */
export type ApartInput = { append: BulkInput } | { ack: AckInput };

const opOf = (input: ApartInput) => {
  if ('ack' in input) {
    const { groupId, sender, seq } = input.ack;
    return { op: 'ack' as const, groupId, accountId: sender.accountId, deviceId: sender.deviceId, seq };
  }
  const m = input.append;
  return {
    op: 'append' as const,
    groupId: m.groupId,
    messageId: m.messageId,
    accountId: m.sender.accountId,
    deviceId: m.sender.deviceId,
    kind: KIND.application,
    valid: m.valid,
    epoch: m.plan.epoch,
    payload: m.payload,
    now: m.now,
    expiresAt: m.expiresAt,
  };
};

/** The `apart` of such writes (writeBatch.ts `Bulk`): the batch on the thread, then each outcome. */
export function apartRun(appender: SqliteAppender, db: Queryable, after: AfterApplication) {
  // biome-ignore lint/suspicious/noExplicitAny: a batch mixes messages (Outcome) and acks (void)
  return async (inputs: ApartInput[]): Promise<WriteOutcome<any>[]> => {
    const results = await appender.run(inputs.map(opOf));
    const outcomes: WriteOutcome<Outcome | undefined>[] = [];
    for (const [i, input] of inputs.entries()) {
      if ('ack' in input) outcomes.push({ ok: true, value: undefined });
      else outcomes.push(await outcomeOf(db, input.append, results[i] as BulkAppended, after));
    }
    return outcomes;
  };
}
