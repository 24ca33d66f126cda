/**
 * Presence: whether an account has a connected device, and when it was last seen. It is visible
 * only to accounts that share a conversation with it (the online user list of a chat), never to
 * strangers. Changes are pushed to those accounts' connected devices. Connection counts live in the
 * Cluster, so with several nodes an account is online while it has a connection on any of them.
 */
import { encodeServerFrame, type PresenceEntry, type ServerFrame } from '@parley/core';
import type { Cluster } from './cluster.js';
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

export function presence(hub: Hub, { db, cluster }: { db: Db; cluster: Cluster }): void {
  async function entriesFor(accountIds: string[]): Promise<PresenceEntry[]> {
    const online = await cluster.online(accountIds);
    const rows =
      accountIds.length === 0
        ? []
        : await db
            .selectFrom('accounts')
            .select(['username', 'last_seen'])
            .where('username', 'in', accountIds)
            .execute();
    const lastSeen = new Map(rows.map((r) => [r.username, r.last_seen ?? 0]));
    const now = Date.now();
    return accountIds.map((accountId, i) => ({
      accountId,
      online: online[i]!,
      lastSeen: online[i] ? now : (lastSeen.get(accountId) ?? 0),
    }));
  }

  async function announce(accountId: string): Promise<void> {
    const frame = encodeServerFrame({
      type: 'presence',
      requestId: 0,
      entries: await entriesFor([accountId]),
    });
    hub.pushTo(
      (await contactsOf(db, accountId)).map((contact) => ({ accountId: contact })),
      frame,
    );
  }

  hub.onConnectionChange(async (accountId, connected) => {
    const connections = await cluster.presenceChange(accountId, connected ? 1 : -1);
    // Only the first connection coming online and the last going offline change the account's presence.
    if (connected && connections !== 1) return;
    if (!connected) {
      if (connections !== 0) return;
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
    return { type: 'presence', requestId: frame.requestId, entries: await entriesFor(contacts.sort()) };
  });
}
