/**
 * A node's view of the key transparency log: the whole tree in memory (core LogTree), caught up
 * from the database before each answer (one indexed query when nothing is new), so every node
 * answers for every entry any node committed. Heads are signed when the tree grows, and again
 * when the last one is older than HEAD_REFRESH_MS, so a client sees how fresh a head is.
 */
import {
  type LoggedIdentity,
  type LoggedKey,
  LogTree,
  MAX_IDENTITY_ENTRIES,
  type SignedTreeHead,
} from '@parley/core';
import type { Db } from '../db.js';
import type { TransparencyKey } from './key.js';

export const HEAD_REFRESH_MS = 60_000;

export class TransparencyLog {
  private readonly tree = new LogTree();
  private head: SignedTreeHead | null = null;
  private catching: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    readonly key: TransparencyKey,
  ) {}

  /** Read the entries committed since the last catch-up (one query at a time per node). */
  catchUp(): Promise<void> {
    this.catching ??= this.readNew().finally(() => {
      this.catching = null;
    });
    return this.catching;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const rows = await this.db
        .selectFrom('transparency_log')
        .select(['seq', 'leaf_hash'])
        .where('seq', '>=', this.tree.size)
        .orderBy('seq')
        .limit(10_000)
        .execute();
      for (const r of rows) {
        // Indexes are committed in order with no gap (append.ts); stop at one not yet visible.
        if (Number(r.seq) !== this.tree.size) return;
        this.tree.append(new Uint8Array(r.leaf_hash));
      }
      if (rows.length < 10_000) return;
    }
  }

  /** The latest signed head (caught up first). */
  async latest(): Promise<SignedTreeHead> {
    await this.catchUp();
    const now = Date.now();
    const h = this.head;
    if (h === null || h.size !== this.tree.size || now - h.timestamp > HEAD_REFRESH_MS) {
      const head = { size: this.tree.size, root: this.tree.root(), timestamp: now };
      this.head = { ...head, signature: this.key.signHead(head) };
    }
    return this.head!;
  }

  get size(): number {
    return this.tree.size;
  }

  /** Inclusion proof of `index` in the tree of `size` leaves (RangeError when either is beyond it). */
  async inclusion(index: number, size: number): Promise<Uint8Array[]> {
    await this.catchUp();
    return this.tree.inclusionProof(index, size);
  }

  async consistency(first: number, second: number): Promise<Uint8Array[]> {
    await this.catchUp();
    return this.tree.consistencyProof(first, second);
  }

  /** Up to `limit` encoded entries from `start` (fewer at the end of the log). */
  async entries(start: number, limit: number): Promise<Uint8Array[]> {
    const rows = await this.db
      .selectFrom('transparency_log')
      .select('entry')
      .where('seq', '>=', start)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => new Uint8Array(r.entry));
  }

  /**
   * Where the certificates of `deviceIds` of `accountId` are in the log, proved against `head`:
   * each device's latest certificate entry. A device with none in the head is left out.
   */
  async proofsFor(accountId: string, deviceIds: string[], head: SignedTreeHead): Promise<LoggedKey[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('transparency_log')
      .select(['seq', 'device_id', 'logged_at'])
      .where('username', '=', accountId)
      .where('kind', '=', 'device_certified')
      .where('device_id', 'in', deviceIds)
      .where('seq', '<', head.size)
      .orderBy('seq')
      .execute();
    const latest = new Map<string, { seq: number; loggedAt: number }>();
    for (const r of rows) latest.set(r.device_id!, { seq: Number(r.seq), loggedAt: Number(r.logged_at) });
    return [...latest].map(([deviceId, { seq, loggedAt }]) => ({
      deviceId,
      index: seq,
      loggedAt,
      path: this.tree.inclusionProof(seq, head.size),
    }));
  }

  /**
   * The entries that logged `accountId`'s identity keys (registered, identity_reset) in `head`, the
   * latest MAX_IDENTITY_ENTRIES of them oldest first, each proved against `head`: what a client
   * checks a key it meets for the first time against (first contact, issue #21).
   */
  async identityProofs(accountId: string, head: SignedTreeHead): Promise<LoggedIdentity[]> {
    const rows = await this.db
      .selectFrom('transparency_log')
      .select(['seq', 'entry'])
      .where('username', '=', accountId)
      .where('kind', 'in', ['registered', 'identity_reset'])
      .where('seq', '<', head.size)
      .orderBy('seq', 'desc')
      .limit(MAX_IDENTITY_ENTRIES)
      .execute();
    return rows.reverse().map((r) => ({
      index: Number(r.seq),
      entry: new Uint8Array(r.entry),
      path: this.tree.inclusionProof(Number(r.seq), head.size),
    }));
  }
}
