/**
 * How many groups one account may create: per day (a rate: `rate_limited`), and at most so many
 * of its groups alive at once, a group being alive while some device is still a member of it (a
 * hard cap: `limit_reached`, until members leave). Every conversation, a one-to-one chat too, is a
 * group, so the defaults leave a family's use far below them.
 */
import type { Cluster } from '../cluster.js';
import type { Limits } from '../config.js';
import type { Db } from '../db.js';
import { FrameError } from '../hub.js';

const DAY_MS = 24 * 60 * 60_000;

/** A check to run before a group is created by `accountId`; throws the refusal. */
export function groupCap(
  db: Db,
  cluster: Cluster,
  limits: Pick<Limits, 'groupsPerAccount' | 'groupsPerAccountPerDay'>,
): (accountId: string) => Promise<void> {
  const perDay = cluster.limiter('groups-per-day', limits.groupsPerAccountPerDay, DAY_MS);
  return async (accountId) => {
    const { n } = await db
      .selectFrom('groups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_by', '=', accountId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('group_members')
            .select('group_members.group_id')
            .whereRef('group_members.group_id', '=', 'groups.group_id')
            .where('group_members.removed_seq', 'is', null),
        ),
      )
      .executeTakeFirstOrThrow();
    if (Number(n) >= limits.groupsPerAccount) {
      throw new FrameError(
        'limit_reached',
        `this account created ${limits.groupsPerAccount} conversations that are still in use, the most this server allows; leave some first`,
      );
    }
    if (!(await perDay.take(accountId))) {
      throw new FrameError(
        'rate_limited',
        `this account created ${limits.groupsPerAccountPerDay} conversations today, the most this server allows; try again tomorrow`,
      );
    }
  };
}
