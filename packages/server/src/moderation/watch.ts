/**
 * Every node cuts a disabled or deleted account's connections within WATCH_INTERVAL_MS, whichever
 * process disabled or deleted it (the operator's command writes only the database): each node
 * reads the accounts disabled or deleted since its last look (indexed range reads) and closes their
 * devices' connections here; for a deleted one, it also tells the devices connected here that
 * share a group with it (`account_gone`, goneMembers.ts).
 */
import { CLOSE } from '@parley/core';
import type { Db } from '../db.js';
import { announceGone } from '../goneMembers.js';
import type { Hub } from '../hub.js';
import { periodic } from '../periodic.js';

export const WATCH_INTERVAL_MS = 500;

export function watchDisabled(
  db: Db,
  hub: Hub,
  onError: (e: unknown) => void,
  intervalMs = WATCH_INTERVAL_MS,
) {
  // From a little before start: an account disabled while this node started is cut off too.
  let since = Date.now() - 10 * intervalMs;
  return periodic(
    intervalMs,
    async () => {
      const now = Date.now();
      const rows = await db
        .selectFrom('accounts')
        .select('username')
        .where('disabled_at', '>=', since)
        .execute();
      const deleted = await db
        .selectFrom('deleted_accounts')
        .select('username')
        .where('deleted_at', '>=', since)
        .execute();
      // Clocks of the command and the node may differ a little: look back one interval again.
      since = now - intervalMs;
      for (const { username } of rows) hub.closeAccount(username, CLOSE.disabled.code, CLOSE.disabled.reason);
      for (const { username } of deleted) {
        hub.closeAccount(username, CLOSE.revoked.code, CLOSE.revoked.reason);
        // Its fellow members connected here learn it at once (goneMembers.ts).
        await announceGone(db, hub, username);
      }
    },
    onError,
  );
}
