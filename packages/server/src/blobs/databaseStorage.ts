/**
 * The database backend: a tus DataStore over the blob_chunks table, so that every node of a
 * cluster reaches the bytes. An upload is written as pieces of at most CHUNK_BYTES, each its own
 * row (blob_id, offset, size, data) inserted as soon as it is full, so an interrupted PATCH keeps
 * what arrived up to its last whole piece and the upload resumes from there; a read streams the
 * rows it covers one at a time. The blob's declared length and group are in its `blobs` row,
 * written before tus creates the upload (uploads.ts).
 */
import { Readable } from 'node:stream';
import { toHex } from '@parley/core';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { Db } from '../db.js';
import { type BlobStorage, TUS_EXTENSIONS } from './storage.js';

/** The largest piece one row holds. */
export const CHUNK_BYTES = 1024 * 1024;

class DatabaseStore extends DataStore {
  constructor(private readonly db: Db) {
    super();
    this.extensions = TUS_EXTENSIONS;
  }

  /** The blob's row exists already (uploads.ts); its chunks come with the PATCHes. */
  override async create(upload: Upload): Promise<Upload> {
    return upload;
  }

  override async remove(id: string): Promise<void> {
    await this.db.deleteFrom('blob_chunks').where('blob_id', '=', id).execute();
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    let at = offset;
    let held: Buffer[] = [];
    let heldBytes = 0;
    const flush = async (size: number) => {
      const all = Buffer.concat(held, heldBytes);
      const data = all.subarray(0, size);
      await this.db.insertInto('blob_chunks').values({ blob_id: id, offset: at, size, data }).execute();
      at += size;
      held = size < all.length ? [all.subarray(size)] : [];
      heldBytes = all.length - size;
    };
    for await (const chunk of readable) {
      held.push(chunk as Buffer);
      heldBytes += (chunk as Buffer).length;
      while (heldBytes >= CHUNK_BYTES) await flush(CHUNK_BYTES);
    }
    if (heldBytes > 0) await flush(heldBytes);
    return at;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await this.db
      .selectFrom('blobs')
      .select(['length', 'group_id', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw ERRORS.FILE_NOT_FOUND;
    const last = await this.db
      .selectFrom('blob_chunks')
      .select(['offset', 'size'])
      .where('blob_id', '=', id)
      .orderBy('offset', 'desc')
      .limit(1)
      .executeTakeFirst();
    return new Upload({
      id,
      size: row.length,
      offset: last === undefined ? 0 : last.offset + last.size,
      metadata: { group: toHex(row.group_id) },
      creation_date: new Date(row.created_at).toISOString(),
    });
  }
}

/** Bytes `start`..`end` of blob `id`, one chunk row at a time. */
async function* pieces(db: Db, id: string, start: number, end: number): AsyncGenerator<Buffer> {
  let from = start;
  while (from <= end) {
    const row = await db
      .selectFrom('blob_chunks')
      .select(['offset', 'size', 'data'])
      .where('blob_id', '=', id)
      .where('offset', '<=', from)
      .orderBy('offset', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined || row.offset + row.size <= from) throw new Error('a blob chunk is missing');
    const upTo = Math.min(row.size, end + 1 - row.offset);
    yield Buffer.from(row.data.buffer, row.data.byteOffset + (from - row.offset), upTo - (from - row.offset));
    from = row.offset + upTo;
  }
}

export function databaseStorage(db: Db): BlobStorage {
  const datastore = new DatabaseStore(db);
  return {
    kind: 'database',
    datastore,
    read: (id, start, end) => Readable.from(pieces(db, id, start, end)),
    remove: (id) => datastore.remove(id),
  };
}
