/** Attachments in the browser: a File (or any Blob) as an AttachmentSource, a received file as a Blob. */
import type { Files } from './attachments/files.js';
import type { AttachmentSource, TransferOptions } from './attachments/types.js';
import type { AttachmentInfo } from './chat/types.js';

/** A File or Blob, read in pieces as the upload asks for them (the browser keeps it on disk). */
export function blobSource(file: Blob): AttachmentSource {
  return {
    size: file.size,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  };
}

/**
 * A message's file fetched, checked and decrypted into a Blob of its (claimed) type; the parts
 * become one Blob only once the whole file checked out.
 */
export async function attachmentBlob(
  files: Files,
  file: AttachmentInfo,
  options: TransferOptions = {},
): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  await files.download(file, { write: (chunk) => void parts.push(new Uint8Array(chunk)) }, options);
  return new Blob(parts, { type: file.mimeType });
}
