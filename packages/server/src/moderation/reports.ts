/** The operator's reports (`parley-server reports list|resolve`): what people chose to reveal, newest first. */
import type { Db } from '../db.js';
import { OperatorError } from './accounts.js';

export interface ReportRow {
  id: string;
  reporter: string;
  reported: string;
  groupId: string;
  messageId: string;
  sentAt: number;
  text: string;
  file?: { name: string; mimeType: string; size: number };
  reason: string;
  createdAt: number;
  resolvedAt: number | null;
}

export async function listReports(db: Db, options: { all?: boolean } = {}): Promise<ReportRow[]> {
  let q = db.selectFrom('reports').selectAll().orderBy('created_at', 'desc').limit(10_000);
  if (options.all !== true) q = q.where('resolved_at', 'is', null);
  return (await q.execute()).map((r) => {
    const content = JSON.parse(r.content) as { text: string; file?: ReportRow['file'] };
    return {
      id: r.id,
      reporter: r.reporter,
      reported: r.reported,
      groupId: r.group_id,
      messageId: r.message_id,
      sentAt: Number(r.sent_at),
      text: content.text,
      ...(content.file !== undefined ? { file: content.file } : {}),
      reason: r.reason,
      createdAt: Number(r.created_at),
      resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    };
  });
}

/** Mark a report dealt with (it leaves `reports list`; `--all` still shows it). */
export async function resolveReport(db: Db, id: string, now = Date.now()): Promise<void> {
  const r = await db
    .updateTable('reports')
    .set({ resolved_at: now })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new OperatorError(`there is no open report ${id}`);
}
