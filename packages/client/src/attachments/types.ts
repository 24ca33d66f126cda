/** The attachment API's value types: where a file comes from and goes to, and how bytes travel. */
import type { HttpStack } from 'tus-js-client';

/** A file to send, read in pieces (never whole): a file on disk, a browser File, bytes in memory. */
export interface AttachmentSource {
  readonly size: number;
  /** `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where a received file's bytes go, in order. */
export interface AttachmentSink {
  write(chunk: Uint8Array): Promise<void> | void;
}

/** What a message says about the file it carries (name and type are shown, never trusted). */
export interface FileDescription {
  name: string;
  mimeType: string;
  /** An image's size and a small preview (JPEG or PNG, at most MAX_THUMBNAIL_BYTES). */
  image?: { width: number; height: number; thumbnail: Uint8Array };
  /** The message this one replies to. */
  replyTo?: string;
}

export interface TransferOptions {
  /** Bytes of the file moved so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the transfer (an upload's bytes are then deleted from the server). */
  signal?: AbortSignal;
}

/** The account's stored attachments and the server's limits (`GET /v1/blobs/usage`). */
export interface BlobUsage {
  usedBytes: number;
  quotaBytes: number;
  maxAttachmentBytes: number;
}

/** An HTTP answer whose body is read as it streams. */
export interface BlobAnswer {
  status: number;
  header(name: string): string | null;
  body(): AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

/**
 * How attachment bytes travel: requests whose answers stream, and tus-js-client's HTTP stack for
 * uploads.
 * The platform's fetch and the library's stack by default; in Node a profile that trusts its
 * server's own certificate passes both over node:https (`trustingBlobHttp`, `@parley/client/node`).
 */
export interface BlobHttp {
  send(
    method: 'GET' | 'DELETE' | 'POST',
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    body?: string,
  ): Promise<BlobAnswer>;
  tusHttpStack?: HttpStack;
}
