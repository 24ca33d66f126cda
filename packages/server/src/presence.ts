/**
 * Presence: whether an account has a connected device, and when it was last seen. It flows only
 * between two accounts that have both joined a common conversation (a current member device of
 * each that holds the group's state: `group_members.accepted`, see dropWelcome) and that both
 * share their presence (`accounts.share_presence`, the `presence_share` frame). Being added is
 * not joining: a stranger who adds someone with a Welcome they cannot open learns nothing. An
 * account that hides its presence sees no one's (reciprocity, as WhatsApp's "last seen").
 * Changes are pushed to those accounts' connected devices. Connection counts live in the Cluster,
 * so with several nodes an account is online while it has a connection on any of them.
 */
import { encodeServerFrame, type PresenceEntry, type ServerFrame } from '@parley/core';
import type { Cluster } from './cluster.js';
import type { Db } from './db.js';
import type { Hub } from './hub.js';
import type { SeenWrites } from './seenWrites.js';

/** Whether the account shares its presence (an unknown account shares nothing). */
async function sharing(db: Db, accountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('share_presence')
    .where('username', '=', accountId)
    .executeTakeFirst();
  return row?.share_presence === 1;
}

/**
 * The accounts `accountId` exchanges presence with: those with a joined, current member device in
 * a group where `accountId` has one too, that share their presence; none when `accountId` does not.
 */
async function contactsOf(db: Db, accountId: string): Promise<string[]> {
  if (!(await sharing(db, accountId))) return [];
  const rows = await db
    .selectFrom('group_members as mine')
    .innerJoin('group_members as theirs', 'theirs.group_id', 'mine.group_id')
    .innerJoin('accounts', 'accounts.username', 'theirs.username')
    .select('theirs.username')
    .distinct()
    .where('mine.username', '=', accountId)
    .where('mine.removed_seq', 'is', null)
    .where('mine.accepted', '=', 1)
    .where('theirs.removed_seq', 'is', null)
    .where('theirs.accepted', '=', 1)
    .where('theirs.username', '!=', accountId)
    .where('accounts.share_presence', '=', 1)
    // Blocking either way ends the exchange (blocks.ts).
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('blocks')
            .select('blocks.blocker')
            .where((b) =>
              b.or([
                b.and([
                  b('blocks.blocker', '=', accountId),
                  b('blocks.blocked', '=', b.ref('theirs.username')),
                ]),
                b.and([
                  b('blocks.blocked', '=', accountId),
                  b('blocks.blocker', '=', b.ref('theirs.username')),
                ]),
              ]),
            ),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.username);
}

/** Presence of accounts that are no longer shared: offline, never seen (clients forget them). */
function hidden(accountIds: string[]): PresenceEntry[] {
  return accountIds.map((accountId) => ({ accountId, online: false, lastSeen: 0 }));
}

export interface PresenceService {
  /** An account's device joined a conversation: tell its (possibly new) contacts it is there. */
  joined(accountId: string): Promise<void>;
  /** `a` blocked `b` (or unblocked): each stops (or starts again) seeing the other's presence. */
  blockChanged(a: string, b: string, blocked: boolean): Promise<void>;
}

export function presence(
  hub: Hub,
  { db, cluster, seen }: { db: Db; cluster: Cluster; seen: SeenWrites },
): PresenceService {
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
    const lastSeen = new Map(rows.map((r) => [r.username, seen.lastSeen(r.username, r.last_seen) ?? 0]));
    const now = Date.now();
    return accountIds.map((accountId, i) => ({
      accountId,
      online: online[i]!,
      lastSeen: online[i] ? now : (lastSeen.get(accountId) ?? 0),
    }));
  }

  function push(to: string[], entries: PresenceEntry[]): void {
    if (to.length === 0 || entries.length === 0) return;
    const frame = encodeServerFrame({ type: 'presence', requestId: 0, entries });
    hub.pushTo(
      to.map((accountId) => ({ accountId })),
      frame,
    );
  }

  async function announce(accountId: string): Promise<void> {
    const contacts = await contactsOf(db, accountId);
    if (contacts.length > 0) push(contacts, await entriesFor([accountId]));
  }

  /** Switch an account's sharing; its contacts and its own devices learn what changed. */
  async function setSharing(accountId: string, share: boolean): Promise<void> {
    const before = await contactsOf(db, accountId);
    const changed = await db
      .updateTable('accounts')
      .set({ share_presence: share ? 1 : 0 })
      .where('username', '=', accountId)
      .where('share_presence', '=', share ? 0 : 1)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) return;
    if (!share) {
      push(before, hidden([accountId]));
      push([accountId], hidden(before));
      return;
    }
    const after = await contactsOf(db, accountId);
    push(after, await entriesFor([accountId]));
    push([accountId], await entriesFor(after));
  }

  hub.onConnectionChange(async (accountId, connected) => {
    const connections = await cluster.presenceChange(accountId, connected ? 1 : -1);
    // Only the first connection coming online and the last going offline change the account's presence.
    if (connected && connections !== 1) return;
    if (!connected) {
      if (connections !== 0) return;
      seen.accountSeen(accountId, Date.now());
    }
    await announce(accountId);
  });

  hub.on('presence_query', async (session, frame): Promise<ServerFrame> => {
    const contacts = await contactsOf(db, session.accountId);
    return { type: 'presence', requestId: frame.requestId, entries: await entriesFor(contacts.sort()) };
  });

  hub.on('presence_share', async (session, frame): Promise<ServerFrame> => {
    if (frame.share !== null) await setSharing(session.accountId, frame.share);
    return {
      type: 'presence_sharing',
      requestId: frame.requestId,
      share: await sharing(db, session.accountId),
    };
  });

  async function blockChanged(a: string, b: string, blocked: boolean): Promise<void> {
    if (blocked) {
      push([b], hidden([a]));
      push([a], hidden([b]));
    } else if ((await contactsOf(db, a)).includes(b)) {
      push([b], await entriesFor([a]));
      push([a], await entriesFor([b]));
    }
  }

  return { joined: announce, blockChanged };
}
