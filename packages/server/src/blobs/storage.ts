/**
 * Where attachments' bytes live: one small interface over the two backends (fileStorage.ts, the
 * data directory; databaseStorage.ts, the blob_chunks table). The bytes
 * are ciphertext the clients made; the server never reads into them.
 */
import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';

export interface BlobStorage {
  readonly kind: 'file' | 'database';
  /** What the tus server writes uploads through (creation, PATCH, HEAD, termination). */
  readonly datastore: DataStore;
  /** Bytes `start` to `end` (inclusive) of a complete blob, streamed a piece at a time. */
  read(id: string, start: number, end: number): Readable;
  /** Delete a blob's bytes; nothing happens when there are none. */
  remove(id: string): Promise<void>;
}

/** The tus extensions every backend offers: no deferred length, no concatenation, no expiration. */
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination'];
