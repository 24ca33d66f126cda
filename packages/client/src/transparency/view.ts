/**
 * This device's view of its server's key transparency log (issue #21): the transparency key,
 * pinned on first use as a CLI pins a server, and the newest signed head seen, both in the sealed
 * store. Every head the client meets (the server's, or one a conversation member gossiped) goes
 * through `accept`: signed by the pinned key, and a consistent extension of the newest head or
 * one it extends (the server proves which with a consistency proof). Anything else is a split view:
 * the `log_split_view` event, and a SplitViewError carrying both signed heads.
 */
import {
  bytesEqual,
  decodeSignedTreeHead,
  encodeSignedTreeHead,
  fromHex,
  LogInvalidError,
  merkle,
  type SignedTreeHead,
  SplitViewError,
  sameTree,
  toHex,
  verifyTreeHead,
} from '@parley/core';
import type { SealedStore } from '../store.js';
import type { Connection } from '../transport.js';

const NS = 'transparency';
const KEY = 'view';

interface Stored {
  publicKey: string;
  head: string | null;
}

export interface SplitView {
  heads: readonly [SignedTreeHead, SignedTreeHead];
  source: 'server' | 'gossip';
}

export class LogView {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly store: SealedStore,
    private readonly hooks: { split(split: SplitView): void; newer(head: SignedTreeHead): void },
  ) {}

  /** Run one acceptance at a time: each reads and may replace the newest head. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async load(): Promise<{ publicKey: Uint8Array; head: SignedTreeHead | null } | undefined> {
    const s = await this.store.getJson<Stored>(NS, KEY);
    if (s === undefined) return undefined;
    return {
      publicKey: fromHex(s.publicKey),
      head: s.head === null ? null : decodeSignedTreeHead(fromHex(s.head)),
    };
  }

  private save(publicKey: Uint8Array, head: SignedTreeHead): Promise<void> {
    return this.store.putJson(NS, KEY, {
      publicKey: toHex(publicKey),
      head: toHex(encodeSignedTreeHead(head)),
    });
  }

  /** The newest head this device accepted (undefined before the first). */
  async newest(): Promise<SignedTreeHead | undefined> {
    return (await this.load())?.head ?? undefined;
  }

  /** The pinned transparency key, pinning the server's (log_head) on first use. */
  private async pinnedKey(): Promise<Uint8Array> {
    const stored = await this.load();
    if (stored !== undefined) return stored.publicKey;
    const f = await this.connection.request({ type: 'log_head_get' });
    if (f.type !== 'log_head') throw new LogInvalidError('the server gave no key log head');
    if (!verifyTreeHead(f.head, f.publicKey))
      throw new LogInvalidError('the server’s key log head is not signed by its key');
    await this.save(f.publicKey, f.head);
    return f.publicKey;
  }

  /** Fetch the server's latest head and accept it. */
  async refresh(): Promise<SignedTreeHead> {
    const f = await this.connection.request({ type: 'log_head_get' });
    if (f.type !== 'log_head') throw new LogInvalidError('the server gave no key log head');
    return this.accept(f.head, 'server', f.publicKey);
  }

  /**
   * Accept `head` (see the module comment); resolves with the newest head after it. `publicKey`:
   * the key the server says signed it, which must be the pinned one.
   */
  accept(head: SignedTreeHead, source: SplitView['source'], publicKey?: Uint8Array): Promise<SignedTreeHead> {
    return this.serial(async () => {
      const pinned = await this.pinnedKey();
      if (publicKey !== undefined && !bytesEqual(publicKey, pinned))
        throw new LogInvalidError('the server’s transparency key is not the one pinned for it');
      if (!verifyTreeHead(head, pinned))
        throw new LogInvalidError('a key log head is not signed by the server’s key');
      const newest = (await this.load())?.head ?? null;
      if (newest === null) {
        await this.save(pinned, head);
        this.hooks.newer(head);
        return head;
      }
      if (head.size === newest.size) {
        if (!sameTree(head, newest)) this.split([newest, head], source);
        if (head.timestamp > newest.timestamp) await this.save(pinned, head);
        return head.timestamp > newest.timestamp ? head : newest;
      }
      const [older, newer] = head.size < newest.size ? [head, newest] : [newest, head];
      if (!(await this.consistent(older, newer))) this.split([newest, head], source);
      if (newer === head) {
        await this.save(pinned, head);
        this.hooks.newer(head);
      }
      return newer;
    });
  }

  /** Whether the server proves `newer` extends `older`. */
  private async consistent(older: SignedTreeHead, newer: SignedTreeHead): Promise<boolean> {
    const f = await this.connection.request({
      type: 'log_consistency_get',
      first: older.size,
      second: newer.size,
    });
    if (f.type !== 'log_consistency') return false;
    return merkle.verifyConsistency(older.size, newer.size, older.root, newer.root, f.path);
  }

  private split(heads: readonly [SignedTreeHead, SignedTreeHead], source: SplitView['source']): never {
    this.hooks.split({ heads, source });
    throw new SplitViewError(heads, source);
  }
}
