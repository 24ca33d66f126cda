/**
 * Attaching blobs to a message: a `send` naming blobIds is refused (`blob_invalid`, nothing stored)
 * unless each blob is complete, uploaded by the sender's account to this group, and not yet
 * attached; once the message is stored at seq s, its blobs get seq s and the message's expiry.
 * Both steps run inside the message's write (delivery/store.ts), so a blob is attached at most once.
 * A send without blobIds never reaches this module (no extra query).
 */
import { type ClientFrame, toHex } from '@parley/core';
import type { Tx } from '../delivery/log.js';
import { FrameError } from '../hubTypes.js';

/** The checks and the update a send with attachments adds to its message's write. */
export interface Attachments {
  /** Refuse (FrameError blob_invalid) unless every blob may be attached to this message. */
  verify(tx: Tx): Promise<void>;
  /** The message was stored at `seq`: the blobs are its own from now on. */
  attach(tx: Tx, seq: number): Promise<void>;
}

/**
 * The attachments of a `send` (undefined without blobIds: nothing more happens); refused unless
 * the message is an application message.
 */
export function attachmentsOf(
  sender: { accountId: string },
  f: Extract<ClientFrame, { type: 'send' }>,
  application: boolean,
): Attachments | undefined {
  if (f.blobIds === undefined || f.blobIds.length === 0) return undefined;
  if (!application) throw new FrameError('blob_invalid', 'only an application message carries attachments');
  return attachments(sender, f.groupId, f.blobIds, f.expiresAt ?? null);
}

export function attachments(
  sender: { accountId: string },
  groupId: Uint8Array,
  blobIds: readonly Uint8Array[],
  expiresAt: number | null,
): Attachments {
  const ids = blobIds.map(toHex);
  const group = toHex(groupId);
  const invalid = () =>
    new FrameError('blob_invalid', 'an attachment is not a complete, unattached blob of yours');
  return {
    async verify(tx) {
      if (new Set(ids).size !== ids.length) throw invalid();
      const rows = await tx
        .selectFrom('blobs')
        .select(['username', 'group_id', 'complete', 'seq'])
        .where('id', 'in', ids)
        .execute();
      const fit = (r: (typeof rows)[number]) =>
        r.username === sender.accountId && toHex(r.group_id) === group && r.complete === 1 && r.seq === null;
      if (rows.length !== ids.length || !rows.every(fit)) throw invalid();
    },
    async attach(tx, seq) {
      const r = await tx
        .updateTable('blobs')
        .set({ seq, expires_at: expiresAt })
        .where('id', 'in', ids)
        .where('seq', 'is', null)
        .executeTakeFirst();
      // Another node may have attached one since verify (before this write took the group's
      // lock): then this write fails and is rolled back alone, and nothing of it is stored.
      if (Number(r.numUpdatedRows) !== ids.length) throw invalid();
    },
  };
}
