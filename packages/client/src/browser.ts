/**
 * Browser-only pieces of the SDK (no Node imports): the native WebSocket, a RecordStore in
 * IndexedDB, and the keeping of a device on this browser.
 *
 * Key handling in the browser:
 * - Each device gets a random 32-byte StorageKey (@parley/core at-rest encryption, used by
 *   SealedStore for every record the client writes).
 * - That key is kept in IndexedDB wrapped (AES-256-GCM) by a WebCrypto key generated
 *   non-extractable, stored in IndexedDB as a CryptoKey object: script running in the page can use
 *   it but can never read its bytes, so a script cannot carry the key away.
 * - The device identity (its private keys) is sealed with the StorageKey.
 * The browser itself holds the CryptoKey's material in its profile on disk: this protects against
 * exfiltration by script, not against someone who copies the browser profile (see SECURITY.md).
 */
import {
  type DeviceIdentity,
  openDeviceIdentity,
  type StorageKey,
  sealDeviceIdentity,
  storageKeyFromBytes,
} from '@parley/core';
import type { ListOptions, RecordStore, RecordWrite } from './store.js';
import type { SocketFactory, SocketLike } from './transport.js';

/** The platform WebSocket, delivering binary frames as ArrayBuffers. */
export { attachmentBlob, blobSource } from './browserFiles.js';

export const browserSocketFactory: SocketFactory = (url) => {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  return socket as unknown as SocketLike;
};

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(name: string, stores: string[]): Promise<IDBDatabase> {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    for (const s of stores) if (!r.result.objectStoreNames.contains(s)) r.result.createObjectStore(s);
  };
  return request(r);
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

interface StoredRecord {
  k: string;
  v: Uint8Array;
}

/** The records of a range from its end backwards (a cursor stepping back), at most `limit`. */
function lastRecords(os: IDBObjectStore, range: IDBKeyRange, limit = Infinity): Promise<StoredRecord[]> {
  const rows: StoredRecord[] = [];
  if (limit <= 0) return Promise.resolve(rows);
  const r = os.openCursor(range, 'prev');
  return new Promise((resolve, reject) => {
    r.onsuccess = () => {
      const cursor = r.result;
      if (cursor === null) return resolve(rows);
      rows.push(cursor.value as StoredRecord);
      if (rows.length >= limit) resolve(rows);
      else cursor.continue();
    };
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * A RecordStore in one IndexedDB database: one object store whose keys are [namespace, key]
 * arrays, so a namespace's records are one contiguous key range in key order.
 */
export class IndexedDbRecordStore implements RecordStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name: string): Promise<IndexedDbRecordStore> {
    return new IndexedDbRecordStore(await openDatabase(name, ['records']));
  }

  private store(mode: IDBTransactionMode): { os: IDBObjectStore; tx: IDBTransaction } {
    const tx = this.db.transaction('records', mode, { durability: 'strict' });
    return { os: tx.objectStore('records'), tx };
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const r = (await request(this.store('readonly').os.get([ns, key]))) as StoredRecord | undefined;
    return r === undefined ? undefined : new Uint8Array(r.v);
  }

  async put(ns: string, key: string, value: Uint8Array): Promise<void> {
    const { os, tx } = this.store('readwrite');
    const record: StoredRecord = { k: key, v: value.slice() };
    os.put(record, [ns, key]);
    await done(tx);
  }

  async delete(ns: string, key: string): Promise<void> {
    const { os, tx } = this.store('readwrite');
    os.delete([ns, key]);
    await done(tx);
  }

  /** One readwrite transaction: IndexedDB commits all of its requests or, if one fails, none. */
  async batch(writes: readonly RecordWrite[]): Promise<void> {
    const { os, tx } = this.store('readwrite');
    try {
      for (const w of writes) {
        if (w.value === null) os.delete([w.ns, w.key]);
        else os.put({ k: w.key, v: w.value.slice() } satisfies StoredRecord, [w.ns, w.key]);
      }
    } catch (e) {
      tx.abort(); // a write refused at once: the requests queued before it must not commit either
      throw e;
    }
    await done(tx);
  }

  async list(ns: string, options: ListOptions = {}) {
    // An empty range (IDBKeyRange refuses to make one).
    if (options.before !== undefined && options.before <= (options.after ?? '')) return [];
    // Arrays sort after strings in IndexedDB's key order, so [ns, []] bounds every [ns, string].
    const range = IDBKeyRange.bound(
      [ns, options.after ?? ''],
      options.before === undefined ? [ns, []] : [ns, options.before],
      options.after !== undefined,
      true,
    );
    const os = this.store('readonly').os;
    const rows = options.reverse
      ? await lastRecords(os, range, options.limit)
      : ((await request(os.getAll(range, options.limit))) as StoredRecord[]);
    return rows.map((r) => ({ key: r.k, value: new Uint8Array(r.v) }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** What this browser keeps about one of its devices (one per account). */
interface DeviceRecord {
  accountId: string;
  deviceId: string;
  /** Non-extractable AES-GCM key wrapping the storage key. */
  wrappingKey: CryptoKey;
  iv: Uint8Array;
  wrappedStorageKey: Uint8Array;
  /** The device identity sealed with the storage key. */
  sealedIdentity: Uint8Array;
  /** Whether the person is signed in (the app opens this device on load without asking again). */
  signedIn: boolean;
}

export interface BrowserDevice {
  identity: DeviceIdentity;
  storageKey: StorageKey;
  /** The device's record store (open it with openRecords, close it with the client). */
  recordsName: string;
}

export interface BrowserDeviceSummary {
  accountId: string;
  deviceId: string;
  signedIn: boolean;
}

const bytes = (b: ArrayBuffer | Uint8Array): Uint8Array<ArrayBuffer> =>
  new Uint8Array(b) as Uint8Array<ArrayBuffer>;

/**
 * The devices this browser holds, in one IndexedDB database (`<prefix>-devices`), each with its own
 * record database (`<prefix>-records-<account>`).
 */
export class BrowserDevices {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly prefix: string,
  ) {}

  static async open(prefix = 'parley'): Promise<BrowserDevices> {
    return new BrowserDevices(await openDatabase(`${prefix}-devices`, ['devices']), prefix);
  }

  private context(accountId: string): Uint8Array<ArrayBuffer> {
    return bytes(new TextEncoder().encode(`parley/v1/web-storage-key/${accountId}`));
  }

  private async record(accountId: string): Promise<DeviceRecord | undefined> {
    const tx = this.db.transaction('devices', 'readonly');
    return (await request(tx.objectStore('devices').get(accountId))) as DeviceRecord | undefined;
  }

  private async write(record: DeviceRecord): Promise<void> {
    const tx = this.db.transaction('devices', 'readwrite', { durability: 'strict' });
    tx.objectStore('devices').put(record, record.accountId);
    await done(tx);
  }

  /** Keep a newly registered device: fresh storage key, wrapped; identity sealed. */
  async save(identity: DeviceIdentity): Promise<BrowserDevice> {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const storageKey = storageKeyFromBytes(raw);
    const wrappingKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const wrapped = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: this.context(identity.accountId) },
      wrappingKey,
      raw,
    );
    raw.fill(0);
    await this.write({
      accountId: identity.accountId,
      deviceId: identity.deviceId,
      wrappingKey,
      iv,
      wrappedStorageKey: bytes(wrapped),
      sealedIdentity: sealDeviceIdentity(storageKey, identity),
      signedIn: false,
    });
    return { identity, storageKey, recordsName: this.recordsName(identity.accountId) };
  }

  /** Unwrap a device kept here, or undefined when this browser has none for the account. */
  async load(accountId: string): Promise<BrowserDevice | undefined> {
    const r = await this.record(accountId);
    if (r === undefined) return undefined;
    const raw = bytes(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes(r.iv), additionalData: this.context(accountId) },
        r.wrappingKey,
        bytes(r.wrappedStorageKey),
      ),
    );
    const storageKey = storageKeyFromBytes(raw);
    raw.fill(0);
    return {
      identity: openDeviceIdentity(storageKey, new Uint8Array(r.sealedIdentity)),
      storageKey,
      recordsName: this.recordsName(accountId),
    };
  }

  async list(): Promise<BrowserDeviceSummary[]> {
    const tx = this.db.transaction('devices', 'readonly');
    const all = (await request(tx.objectStore('devices').getAll())) as DeviceRecord[];
    return all.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId, signedIn: r.signedIn }));
  }

  async setSignedIn(accountId: string, signedIn: boolean): Promise<void> {
    const r = await this.record(accountId);
    if (r !== undefined) await this.write({ ...r, signedIn });
  }

  recordsName(accountId: string): string {
    return `${this.prefix}-records-${encodeURIComponent(accountId)}`;
  }

  openRecords(accountId: string): Promise<IndexedDbRecordStore> {
    return IndexedDbRecordStore.open(this.recordsName(accountId));
  }

  /** Remove everything this browser holds for the account: its keys, identity and history. */
  async remove(accountId: string): Promise<void> {
    const tx = this.db.transaction('devices', 'readwrite', { durability: 'strict' });
    tx.objectStore('devices').delete(accountId);
    await done(tx);
    const del = indexedDB.deleteDatabase(this.recordsName(accountId));
    await new Promise<void>((resolve, reject) => {
      del.onsuccess = () => resolve();
      del.onerror = () => reject(del.error ?? new Error('could not delete the local history'));
      // Blocked: a connection is still open elsewhere (another tab); deletion completes when it closes.
      del.onblocked = () => resolve();
    });
  }

  close(): void {
    this.db.close();
  }
}
