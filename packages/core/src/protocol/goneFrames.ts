/**
 * Deleted accounts still in a device's groups (issue #18, docs/protocol.md "Deleted accounts"): an
 * account deleted by the operator (or whose own leaves did not reach every group) keeps its MLS
 * leaves until a member's commit removes them. A device asks which accounts of its groups were
 * deleted (`gone_get`), each answer naming where the key transparency log recorded the deletion,
 * so the member checks it there before removing anyone; the server pushes `account_gone` to the
 * connected members when it happens, so they ask at once rather than at their next sync.
 */
import { bool, bytes, count, list, string, struct, u64 } from './fields.js';
import type { FrameSpec } from './frames.js';

/** Deleted accounts in one `gone` answer at most (the rest at the next ask, once these are removed). */
export const MAX_GONE_ITEMS = 256;

/** A deleted account with leaves, or a removal of them this device may not have shown yet, in a group. */
export interface GoneMember {
  groupId: Uint8Array;
  accountId: string;
  /** The `account_deleted` entry of the key transparency log: its index and loggedAt. */
  logIndex: number;
  loggedAt: number;
  /** The commit that removed the account's last leaf from the group; 0 while a leaf remains. */
  removedSeq: number;
}

export type GoneClientFrame = { type: 'gone_get'; requestId: number };

export type GoneServerFrame =
  | { type: 'gone'; requestId: number; items: GoneMember[]; more: boolean }
  | { type: 'account_gone'; requestId: 0; accountId: string };

type Specs = {
  readonly [K in (GoneClientFrame | GoneServerFrame)['type']]: FrameSpec<
    Extract<GoneClientFrame | GoneServerFrame, { type: K }>
  >;
};

export const GONE_FRAMES: Specs = {
  gone_get: { type: 24, from: 'client', fields: {} },
  gone: {
    type: 151,
    from: 'server',
    fields: {
      n: count('u16', 'items', { max: MAX_GONE_ITEMS }),
      items: list(
        struct({
          groupId: bytes(32, 1),
          accountId: string(128),
          logIndex: u64,
          loggedAt: u64,
          removedSeq: u64,
        }),
      ),
      more: bool,
    },
  },
  account_gone: { type: 152, from: 'server', push: true, fields: { accountId: string(128) } },
};
