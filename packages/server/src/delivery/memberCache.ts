/**
 * Members of groups by (group, epoch). Membership changes only through commits, and every commit
 * moves the epoch, so an entry can never be stale; it spares reading every member row for every
 * message. Entries filled inside a transaction that is rolled back must be dropped (`clear`).
 */
import { toHex } from '@parley/core';
import { activeMembers, type Queryable } from './log.js';
import type { Member } from './policy.js';

const MAX_ENTRIES = 10_000;

export interface MemberCache {
  /** The current members of the group, which is at `epoch` in `db`'s view. */
  at(db: Queryable, groupId: Uint8Array, epoch: number): Promise<Member[]>;
  clear(): void;
}

export function memberCache(): MemberCache {
  const entries = new Map<string, Member[]>();
  return {
    async at(db, groupId, epoch) {
      const key = `${toHex(groupId)}:${epoch}`;
      let members = entries.get(key);
      if (members === undefined) {
        members = await activeMembers(db, groupId);
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(key, members);
      }
      return members;
    },
    clear: () => entries.clear(),
  };
}
