/**
 * The accounts this person blocks, kept in the sealed store (one record: the list, and whether the
 * server has it yet) and in memory for the checks every received message goes through.
 */
import type { SealedStore } from '../store.js';
import type { Batch } from './batch.js';

const NS = 'blocks';
const KEY = 'list';

interface Stored {
  accounts: string[];
  /** The server was told this list (`block_list`); false after a change made offline. */
  synced: boolean;
}

export class Blocks {
  private constructor(
    private accounts: Set<string>,
    private isSynced: boolean,
  ) {}

  static async load(store: SealedStore): Promise<Blocks> {
    const raw = await store.get(NS, KEY);
    const stored = raw === undefined ? undefined : (JSON.parse(new TextDecoder().decode(raw)) as Stored);
    return new Blocks(new Set(stored?.accounts ?? []), stored?.synced ?? true);
  }

  has(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  all(): string[] {
    return [...this.accounts].sort();
  }

  get synced(): boolean {
    return this.isSynced;
  }

  /** Block or unblock (in a batch: memory follows once it is stored); returns whether it changed. */
  async set(w: Batch, accountId: string, blocked: boolean): Promise<boolean> {
    if (this.accounts.has(accountId) === blocked) return false;
    const next = new Set(this.accounts);
    if (blocked) next.add(accountId);
    else next.delete(accountId);
    await w.putJson(NS, KEY, { accounts: [...next].sort(), synced: false } satisfies Stored);
    w.apply(() => {
      this.accounts = next;
      this.isSynced = false;
    });
    return true;
  }

  /** The server has `accounts` (the list as it was sent). */
  async markSynced(w: Batch, accounts: string[]): Promise<void> {
    if (accounts.join('\0') !== this.all().join('\0')) return; // changed meanwhile: sent again
    await w.putJson(NS, KEY, { accounts, synced: true } satisfies Stored);
    w.apply(() => {
      this.isSynced = true;
    });
  }
}
