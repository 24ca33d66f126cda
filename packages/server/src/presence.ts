/**
 * Presence: whether an account has a connected device, and when it was last seen. It is visible
 * only to accounts that share a conversation with it (the online user list of a chat), never to
 * strangers. Changes are pushed to those accounts' connected devices.
 */
import type { PresenceEntry, ServerFrame } from '@parley/core';
import type { Db } from './db.js';
import type { Hub } from './hub.js';

/** Accounts that share at least one group with `accountId` (both as current members), itself excluded. */
async function contactsOf(db: Db, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members as mine')
    .innerJoin('group_members as theirs', 'theirs.group_id', 'mine.group_id')
    .select('theirs.username')
    .distinct()
    .where('mine.username', '=', accountId)
    .where('mine.removed_seq', 'is', null)
    .where('theirs.removed_seq', 'is', null)
    .where('theirs.username', '!=', accountId)
    .execute();
  return rows.map((r) => r.username);
}

export function presence(hub: Hub, { db }: { db: Db }): void {
  async function entryFor(accountId: string): Promise<PresenceEntry> {
    const online = hub.sessionsOf(accountId).length > 0;
    const row = await db
      .selectFrom('accounts')
      .select('last_seen')
      .where('username', '=', accountId)
      .executeTakeFirst();
    return { accountId, online, lastSeen: online ? Date.now() : (row?.last_seen ?? 0) };
  }

  async function announce(accountId: string): Promise<void> {
    const entry = await entryFor(accountId);
    const frame: ServerFrame = { type: 'presence', requestId: 0, entries: [entry] };
    for (const contact of await contactsOf(db, accountId))
      for (const s of hub.sessionsOf(contact)) s.send(frame);
  }

  hub.onConnectionChange(async (accountId, connected) => {
    const devices = hub.sessionsOf(accountId).length;
    // Only the first device coming online and the last going offline change the account's presence.
    if (connected && devices !== 1) return;
    if (!connected) {
      if (devices !== 0) return;
      await db
        .updateTable('accounts')
        .set({ last_seen: Date.now() })
        .where('username', '=', accountId)
        .execute();
    }
    await announce(accountId);
  });

  hub.on('presence_query', async (session, frame): Promise<ServerFrame> => {
    const contacts = await contactsOf(db, session.accountId);
    const entries: PresenceEntry[] = [];
    for (const c of contacts.sort()) entries.push(await entryFor(c));
    return { type: 'presence', requestId: frame.requestId, entries };
  });
}
