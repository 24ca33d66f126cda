/**
 * The file backend: @tus/file-store in `<dataDir>/blobs` (one file per blob, named by its id, and
 * tus's `<id>.json` beside it); ranged reads are fs read streams.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { type BlobStorage, TUS_EXTENSIONS } from './storage.js';

/**
 * @tus/file-store 2.1.1's constructor also makes its directory in the background, with a callback
 * that throws: a directory removed meanwhile (a server stopped at once, its data removed) crashes
 * the process. The directory is made here, synchronously, before the store exists; this store
 * skips the background attempt (the method is private in the typings, so it is set by name).
 */
class PreparedFileStore extends FileStore {}
Object.defineProperty(PreparedFileStore.prototype, 'checkOrCreateDirectory', { value: () => {} });

export function fileStorage(directory: string): BlobStorage {
  // Only the server's user reads it (tus would create it readable by all).
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const datastore = new PreparedFileStore({ directory });
  datastore.extensions = TUS_EXTENSIONS;
  return {
    kind: 'file',
    datastore,
    read: (id, start, end) => createReadStream(join(directory, id), { start, end }),
    async remove(id) {
      await rm(join(directory, id), { force: true });
      await rm(join(directory, `${id}.json`), { force: true });
    },
  };
}
