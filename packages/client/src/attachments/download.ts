/**
 * Downloading a file: the blob streamed from `GET /v1/blobs/<id>`, opened chunk by chunk as it
 * arrives (core AttachmentOpener) and handed to the sink in order. A dropped connection resumes
 * with a `Range` request from the last byte taken; each resume that makes progress restores the
 * retries. The sink sees only authenticated plaintext, but the file is whole and the one the
 * message named only when this resolves: a sink writes to a temporary place until then.
 */
import { AttachmentOpener, type AttachmentPrimitives, fromHex, ParleyError } from '@parley/core';
import type { AttachmentInfo } from '../chat/types.js';
import type { AttachmentSink, BlobHttp, TransferOptions } from './types.js';
import { refusalError } from './upload.js';

/** Failures in a row (without a byte of progress) before a download gives up. */
const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 250;

export interface DownloadSource {
  /** `<server>/v1/blobs/<id>`. */
  url: string;
  authorization(): Promise<string>;
  refused(): void;
  http: BlobHttp;
  primitives?: AttachmentPrimitives;
}

/** One request from `opener.offset` on; returns normally when the blob ended, throws on failure. */
async function attempt(
  source: DownloadSource,
  opener: AttachmentOpener,
  sink: AttachmentSink,
  file: AttachmentInfo,
  options: TransferOptions,
  plainDone: { bytes: number },
): Promise<void> {
  const from = opener.offset;
  const headers: Record<string, string> = { authorization: await source.authorization() };
  if (from > 0) headers.range = `bytes=${from}-`;
  const answer = await source.http.send('GET', source.url, headers, options.signal);
  if (answer.status === 401) source.refused();
  if (answer.status !== (from > 0 ? 206 : 200)) throw refusalError(answer.status, await answer.text());
  for await (const bytes of answer.body()) {
    for (const plain of opener.push(bytes)) {
      await sink.write(plain);
      plainDone.bytes += plain.length;
      options.onProgress?.(plainDone.bytes, file.size);
    }
  }
}

/** Fetch, check and decrypt `file` into `sink`. */
export async function downloadBlob(
  source: DownloadSource,
  file: AttachmentInfo,
  sink: AttachmentSink,
  options: TransferOptions = {},
): Promise<void> {
  const opener = new AttachmentOpener(fromHex(file.key), file.size, fromHex(file.sha256), source.primitives);
  const plainDone = { bytes: 0 };
  let failures = 0;
  for (;;) {
    const before = opener.offset;
    try {
      await attempt(source, opener, sink, file, options, plainDone);
      if (!opener.complete) throw new ParleyError('transfer_failed', 'the connection ended early');
      opener.finish();
      return;
    } catch (e) {
      // Refused for good (not found, forbidden), damaged, or cancelled: no retry.
      if (e instanceof ParleyError && e.code !== 'transfer_failed' && e.code !== 'unauthorized') throw e;
      if (options.signal?.aborted === true)
        throw new ParleyError('transfer_failed', 'the download was cancelled');
      failures = opener.offset > before ? 1 : failures + 1;
      if (failures >= MAX_ATTEMPTS)
        throw e instanceof ParleyError
          ? e
          : new ParleyError('transfer_failed', 'the file could not be fetched');
      await new Promise((r) => setTimeout(r, RETRY_BASE_MS * 2 ** (failures - 1)));
    }
  }
}
