/** BlobHttp over the platform's fetch (browsers, and Node for http:// or a publicly trusted https://). */
import type { BlobAnswer, BlobHttp } from './types.js';

async function* chunks(stream: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (stream === null) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export const fetchBlobHttp: BlobHttp = {
  async send(method, url, headers, signal, body): Promise<BlobAnswer> {
    const res = await fetch(url, {
      method,
      headers,
      ...(signal !== undefined ? { signal } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return {
      status: res.status,
      header: (name) => res.headers.get(name),
      body: () => chunks(res.body),
      text: () => res.text(),
    };
  },
};
