/**
 * Blocking, as far as the server takes part: an account sends the whole list of accounts it blocks
 * (`block_list`), the server keeps it, and presence stops flowing between the two either way
 * (presence.ts). Everything else a block does — dropping the blocked account's messages, hiding a
 * conversation only it is in — happens in the blocker's clients; the server still relays, since it
 * cannot tell what a ciphertext is. The server learns who blocks whom (SECURITY.md).
 */
import { canonicalUsername, MAX_BLOCKED_ACCOUNTS } from '@parley/core';
import type { Db } from './db.js';
import { FrameError, type Hub } from './hub.js';
import type { PresenceService } from './presence.js';

export function blocks(hub: Hub, db: Db, presence: PresenceService): void {
  hub.on('block_list', async (session, frame) => {
    const me = session.accountId;
    const wanted = new Set<string>();
    for (const id of frame.accountIds) {
      let name: string;
      try {
        name = canonicalUsername(id);
      } catch {
        throw new FrameError('usage', 'a blocked account name is not a username');
      }
      if (name !== me) wanted.add(name);
    }
    if (wanted.size > MAX_BLOCKED_ACCOUNTS) throw new FrameError('usage', 'too many blocked accounts');
    const { added, removed } = await db.transaction().execute(async (tx) => {
      const before = new Set(
        (await tx.selectFrom('blocks').select('blocked').where('blocker', '=', me).execute()).map(
          (r) => r.blocked,
        ),
      );
      const added = [...wanted].filter((a) => !before.has(a));
      const removed = [...before].filter((a) => !wanted.has(a));
      if (removed.length > 0)
        await tx.deleteFrom('blocks').where('blocker', '=', me).where('blocked', 'in', removed).execute();
      if (added.length > 0)
        await tx
          .insertInto('blocks')
          .values(added.map((blocked) => ({ blocker: me, blocked, created_at: Date.now() })))
          .execute();
      return { added, removed };
    });
    for (const other of added) await presence.blockChanged(me, other, true);
    for (const other of removed) await presence.blockChanged(me, other, false);
    return { type: 'ok', requestId: frame.requestId };
  });
}
