/**
 * Local storage behind one small async interface, with an in-memory implementation here and a
 * SQLite one for Node (../node.ts); the web app adds IndexedDB. Records live in namespaces
 * ("identities", "groups", "outbox", "messages:<conversation>", ...) under string keys, ordered by
 * key (keys are non-empty strings). The typed stores on top seal every value with @parley/core's at-rest encryption, bound to
 * its namespace, so nothing sensitive (keys, group state, history) is written in clear. Record keys
 * (ids) are not encrypted. `batch` writes several records all or nothing, so what one step changes
 * (group state, cursor, history, markers) lands together or not at all.
 */
import {
  fromHex,
  fromUtf8,
  type IdentityStore,
  open,
  type PinnedIdentity,
  type StorageKey,
  seal,
  toHex,
  utf8,
} from '@parley/core';

/** One write of a batch: a record put (value) or deleted (value null). */
export interface RecordWrite {
  ns: string;
  key: string;
  value: Uint8Array | null;
}

export interface RecordStore {
  get(ns: string, key: string): Promise<Uint8Array | undefined>;
  put(ns: string, key: string, value: Uint8Array): Promise<void>;
  delete(ns: string, key: string): Promise<void>;
  /** Apply the writes in order, atomically: after a failure or a crash, none of them or all of them. */
  batch(writes: readonly RecordWrite[]): Promise<void>;
  /**
   * Records of a namespace in key order (greatest key first when `reverse`), optionally only keys
   * after `after` and before `before` (both exclusive), at most `limit`: with `reverse`, the last
   * `limit` of the range, read from its end.
   */
  list(ns: string, options?: ListOptions): Promise<Array<{ key: string; value: Uint8Array }>>;
  close(): Promise<void>;
}

/** Which records of a namespace `RecordStore.list` reads, and in which order. */
export interface ListOptions {
  /** Only keys greater than this one. */
  after?: string;
  /** Only keys less than this one. */
  before?: string;
  /** At most this many records. */
  limit?: number;
  /** Greatest key first. */
  reverse?: boolean;
}

/** Whether `key` lies within the range of `options` (its bounds are exclusive). */
export function inRange(key: string, options: ListOptions): boolean {
  return (
    (options.after === undefined || key > options.after) &&
    (options.before === undefined || key < options.before)
  );
}

export class MemoryRecordStore implements RecordStore {
  private readonly data = new Map<string, Map<string, Uint8Array>>();

  async get(ns: string, key: string) {
    return this.data.get(ns)?.get(key)?.slice();
  }
  async put(ns: string, key: string, value: Uint8Array) {
    let m = this.data.get(ns);
    if (m === undefined) {
      m = new Map();
      this.data.set(ns, m);
    }
    m.set(key, value.slice());
  }
  async delete(ns: string, key: string) {
    this.data.get(ns)?.delete(key);
  }
  async batch(writes: readonly RecordWrite[]) {
    // Values copied first (the only step that can fail), then applied synchronously: nothing can
    // observe or interrupt half of it.
    const copies = writes.map((w) => ({ ...w, value: w.value?.slice() ?? null }));
    for (const w of copies) {
      if (w.value === null) this.data.get(w.ns)?.delete(w.key);
      else {
        const m = this.data.get(w.ns) ?? new Map<string, Uint8Array>();
        this.data.set(w.ns, m.set(w.key, w.value));
      }
    }
  }
  async list(ns: string, options: ListOptions = {}) {
    const m = this.data.get(ns);
    if (m === undefined) return [];
    const keys = [...m.keys()].filter((k) => inRange(k, options)).sort();
    if (options.reverse) keys.reverse();
    return keys.slice(0, options.limit ?? keys.length).map((key) => ({ key, value: m.get(key)!.slice() }));
  }
  async close() {}
}

/** A RecordStore whose values are sealed with a storage key, each bound to its namespace. */
export class SealedStore {
  constructor(
    readonly records: RecordStore,
    private readonly key: StorageKey,
  ) {}

  private context(ns: string): string {
    return `parley/v1/client-store/${ns}`;
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const sealed = await this.records.get(ns, key);
    return sealed === undefined ? undefined : open(this.key, sealed, this.context(ns));
  }

  async put(ns: string, key: string, value: Uint8Array): Promise<void> {
    await this.records.put(ns, key, seal(this.key, value, this.context(ns)));
  }

  async delete(ns: string, key: string): Promise<void> {
    await this.records.delete(ns, key);
  }

  /** Seal the values and write everything in one atomic RecordStore batch. */
  async batch(writes: readonly RecordWrite[]): Promise<void> {
    await this.records.batch(
      writes.map((w) =>
        w.value === null ? w : { ...w, value: seal(this.key, w.value, this.context(w.ns)) },
      ),
    );
  }

  async list(ns: string, options?: ListOptions): Promise<Array<{ key: string; value: Uint8Array }>> {
    const rows = await this.records.list(ns, options);
    return rows.map((r) => ({ key: r.key, value: open(this.key, r.value, this.context(ns)) }));
  }

  /**
   * Up to `limit` records as `list` reads them, and whether the range holds more beyond them: one
   * more record is read to tell, but only the page's records are opened.
   */
  async page(
    ns: string,
    options: ListOptions & { limit: number },
  ): Promise<{ rows: Array<{ key: string; value: Uint8Array }>; more: boolean }> {
    const sealed = await this.records.list(ns, { ...options, limit: options.limit + 1 });
    const rows = sealed
      .slice(0, options.limit)
      .map((r) => ({ key: r.key, value: open(this.key, r.value, this.context(ns)) }));
    return { rows, more: sealed.length > options.limit };
  }

  async getJson<T>(ns: string, key: string): Promise<T | undefined> {
    const v = await this.get(ns, key);
    return v === undefined ? undefined : (JSON.parse(fromUtf8(v)) as T);
  }

  async putJson(ns: string, key: string, value: unknown): Promise<void> {
    await this.put(ns, key, utf8(JSON.stringify(value)));
  }
}

/** Pinned identity keys of contacts (the AuthenticationService's memory), persisted and sealed. */
export class StoredIdentities implements IdentityStore {
  static readonly NS = 'identities';
  constructor(private readonly store: SealedStore) {}

  async get(accountId: string): Promise<PinnedIdentity | undefined> {
    const v = await this.store.getJson<{ identityKey: string; verified: boolean; pinnedAt: number }>(
      StoredIdentities.NS,
      accountId,
    );
    if (v === undefined) return undefined;
    return { accountId, identityKey: fromHex(v.identityKey), verified: v.verified, pinnedAt: v.pinnedAt };
  }

  async put(identity: PinnedIdentity): Promise<void> {
    await this.store.putJson(StoredIdentities.NS, identity.accountId, {
      identityKey: toHex(identity.identityKey),
      verified: identity.verified,
      pinnedAt: identity.pinnedAt,
    });
  }

  /** Every pinned contact, for the contact list. */
  async all(): Promise<PinnedIdentity[]> {
    const rows = await this.store.list(StoredIdentities.NS);
    return rows.map((r) => {
      const v = JSON.parse(fromUtf8(r.value)) as { identityKey: string; verified: boolean; pinnedAt: number };
      return {
        accountId: r.key,
        identityKey: fromHex(v.identityKey),
        verified: v.verified,
        pinnedAt: v.pinnedAt,
      };
    });
  }
}
