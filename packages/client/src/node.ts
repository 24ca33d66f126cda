/**
 * Node-only pieces of the SDK: the `ws` WebSocket, the SQLite record store, and trust in a server's
 * own TLS certificate.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ListOptions, RecordStore, RecordWrite } from './store.js';

export { fileSource, safeFileName, saveAttachment, trustingBlobHttp } from './nodeFiles.js';
export { nodeSocketFactory, nodeSocketFactoryTrusting } from './nodeSocket.js';
export {
  normalFingerprint,
  type PresentedCertificate,
  presentedCertificate,
  type ServerTrust,
  trustingFetch,
} from './nodeTls.js';

/** A RecordStore in one SQLite file (WAL). Values arrive sealed (SealedStore); keys are ids. */
export class SqliteRecordStore implements RecordStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly lists;
  private readonly writeAll: (writes: readonly RecordWrite[]) => void;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'create table if not exists records (ns text not null, key text not null, value blob not null, primary key (ns, key)) without rowid',
    );
    this.stmts = {
      get: this.db.prepare<[string, string], { value: Buffer }>(
        'select value from records where ns = ? and key = ?',
      ),
      put: this.db.prepare(
        'insert into records (ns, key, value) values (?, ?, ?) on conflict (ns, key) do update set value = excluded.value',
      ),
      del: this.db.prepare('delete from records where ns = ? and key = ?'),
    };
    // One statement per shape of range, so each reads only its range of the primary key.
    const select = (upper: string, order: string) =>
      this.db.prepare<unknown[], { key: string; value: Buffer }>(
        `select key, value from records where ns = ? and key > ? ${upper} order by key ${order} limit ?`,
      );
    this.lists = {
      asc: select('', 'asc'),
      desc: select('', 'desc'),
      ascBefore: select('and key < ?', 'asc'),
      descBefore: select('and key < ?', 'desc'),
    };
    // One SQLite transaction: committed whole, or rolled back on an error (or by the WAL after a crash).
    this.writeAll = this.db.transaction((writes: readonly RecordWrite[]) => {
      for (const w of writes) {
        if (w.value === null) this.stmts.del.run(w.ns, w.key);
        else this.stmts.put.run(w.ns, w.key, blob(w.value));
      }
    });
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const row = this.stmts.get.get(ns, key);
    return row === undefined ? undefined : new Uint8Array(row.value);
  }

  async put(ns: string, key: string, value: Uint8Array): Promise<void> {
    this.stmts.put.run(ns, key, blob(value));
  }

  async delete(ns: string, key: string): Promise<void> {
    this.stmts.del.run(ns, key);
  }

  async batch(writes: readonly RecordWrite[]): Promise<void> {
    this.writeAll(writes);
  }

  async list(ns: string, options: ListOptions = {}) {
    const order = options.reverse ? 'desc' : 'asc';
    const [stmt, upper] =
      options.before === undefined
        ? [this.lists[order], []]
        : [this.lists[`${order}Before`], [options.before]];
    return stmt
      .all(ns, options.after ?? '', ...upper, options.limit ?? -1)
      .map((r) => ({ key: r.key, value: new Uint8Array(r.value) }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function blob(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
