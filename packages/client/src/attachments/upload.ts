/**
 * Uploading a sealed file over tus (tus.io, resumable uploads 1.0.0, with tus-js-client): created
 * with its final length, sent in CHUNK_BYTES pieces, and after a dropped connection resumed from
 * the offset the server reports. The server learns the conversation (it checks membership and
 * counts the quota) and the blob's length; the file's name and type never leave the message.
 */
import { isErrorCode, ParleyError } from '@parley/core';
import { DetailedError, type HttpRequest, Upload } from 'tus-js-client';
import type { EncryptedFile } from './encryptedFile.js';
import type { BlobHttp, TransferOptions } from './types.js';

/** Bytes per PATCH request (the deploy/ proxies take up to 8 MiB). */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Waits before each retry after a failure (the last failure then ends the upload). */
const RETRY_DELAYS_MS = [0, 500, 1000, 2000, 4000, 8000, 15000];

export interface UploadTarget {
  /** The tus endpoint: `<server>/v1/uploads`. */
  endpoint: string;
  authorization(): Promise<string>;
  /** The ticket was refused: ask for a new one before the retry. */
  refused(): void;
  http: BlobHttp;
}

/** The error an HTTP refusal stands for: the server's code when its body names one. */
export function refusalError(status: number, text: string): ParleyError {
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const code = body?.error?.code;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${status}`;
  return new ParleyError(isErrorCode(code) ? code : 'transfer_failed', message, { status });
}

/** The error a refused or failed upload ends with. */
export function transferError(e: unknown): ParleyError {
  if (e instanceof ParleyError) return e;
  const response = e instanceof DetailedError ? e.originalResponse : null;
  if (response !== null) return refusalError(response.getStatus(), response.getBody());
  return new ParleyError('transfer_failed', 'the file could not be sent: the server could not be reached');
}

/** Whether tus-js-client should try again after `e`: not when the server refused for good. */
function retryable(e: DetailedError): boolean {
  const status = e.originalResponse?.getStatus() ?? 0;
  return (
    status === 0 || status >= 500 || status === 401 || status === 409 || status === 423 || status === 429
  );
}

/** The error a cancelled upload ends with. */
export function cancelledError(): ParleyError {
  return new ParleyError('transfer_failed', 'the upload was cancelled');
}

/**
 * Upload `file` into conversation `groupIdHex`; resolves with the server's blob id. Cancelled by
 * `options.signal`, also when it was aborted before the call: the server is told to drop what it
 * received (tus termination) once it has named the upload; an upload it never named is swept.
 */
export function uploadBlob(
  target: UploadTarget,
  groupIdHex: string,
  file: EncryptedFile,
  options: TransferOptions = {},
): Promise<string> {
  const signal = options.signal;
  if (signal?.aborted === true) return Promise.reject(cancelledError());
  return new Promise((resolve, reject) => {
    const upload: Upload = new Upload(file as never, {
      endpoint: target.endpoint,
      uploadSize: file.size,
      chunkSize: CHUNK_BYTES,
      metadata: { group: groupIdHex },
      retryDelays: RETRY_DELAYS_MS,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      fingerprint: async () => `parley-${groupIdHex}-${file.size}`,
      fileReader: {
        openFile: async () => ({
          size: file.size,
          slice: async (start: number, end: number) => {
            const bytes = await file.range(start, end);
            // tus-js-client sends the chunk it reads even when the upload was aborted meanwhile
            // (its abort only stops a request already sent): a read that ends after a cancel fails,
            // which it then ignores as aborted, and no PATCH follows the termination.
            if (signal?.aborted === true) throw cancelledError();
            // tus-js-client measures a chunk by its `size` (a Blob's), which a Uint8Array lacks:
            // without it the last chunk counts as empty and the upload fails as too short.
            return { value: Object.assign(bytes, { size: bytes.length }), done: end >= file.size };
          },
          close: () => {},
        }),
      },
      ...(target.http.tusHttpStack !== undefined ? { httpStack: target.http.tusHttpStack } : {}),
      onBeforeRequest: async (req: HttpRequest) => {
        req.setHeader('Authorization', await target.authorization());
      },
      onShouldRetry: (e: DetailedError) => {
        if (e.originalResponse?.getStatus() === 401) target.refused();
        return retryable(e);
      },
      onProgress: (sent: number, total: number) => options.onProgress?.(sent, total),
      onError: (e: Error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(transferError(e));
      },
      onSuccess: () => {
        // From here the caller owns the blob (and deletes it if cancelled before its message).
        signal?.removeEventListener('abort', onAbort);
        const id = upload.url?.split('/').pop() ?? '';
        if (/^[0-9a-f]{32}$/.test(id)) resolve(id);
        else reject(new ParleyError('protocol', 'the server named the upload in an unexpected way'));
      },
    });
    const onAbort = () => {
      void upload.abort(true).catch(() => {});
      reject(cancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    upload.start();
  });
}
