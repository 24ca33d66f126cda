/**
 * The operator's invite codes (`parley-server invites …`) for a server whose access policy is
 * "invite": create single-use codes (shown once: only their SHA-256 is stored), list them by a short
 * id (the start of that hash) with whether and by whom each was used, revoke an unused one.
 */
import { toHex } from '@parley/core';
import { createInvites } from '../accounts.js';
import type { Db } from '../db.js';
import { OperatorError } from './accounts.js';

/** An invite's id: the first ID_CHARS hex characters of its code's hash (never the code). */
const ID_CHARS = 12;

export interface InviteRow {
  id: string;
  createdAt: number;
  usedAt: number | null;
  usedBy: string | null;
}

export { createInvites };

export async function listInvites(db: Db): Promise<InviteRow[]> {
  const rows = await db
    .selectFrom('invites')
    .select(['code_hash', 'created_at', 'used_at', 'used_by'])
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: toHex(r.code_hash).slice(0, ID_CHARS),
    createdAt: Number(r.created_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    usedBy: r.used_by,
  }));
}

/** Revoke the unused invite `id` names (its code no longer registers anyone). */
export async function revokeInvite(db: Db, id: string): Promise<void> {
  if (!/^[0-9a-f]{12}$/.test(id)) throw new OperatorError(`an invite id is ${ID_CHARS} hex characters`);
  const match = (await db.selectFrom('invites').select(['code_hash', 'used_at']).execute()).filter((r) =>
    toHex(r.code_hash).startsWith(id),
  );
  if (match.length === 0) throw new OperatorError(`there is no invite ${id}`);
  if (match[0]!.used_at !== null) throw new OperatorError(`invite ${id} was already used`);
  await db.deleteFrom('invites').where('code_hash', '=', match[0]!.code_hash).execute();
}
