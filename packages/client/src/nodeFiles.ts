/**
 * Attachments in Node: a file on disk as an AttachmentSource (read in pieces), a received file
 * saved into a folder under a sanitised name (never outside it; written to a hidden part file and
 * renamed only once the whole file checked out), and BlobHttp over node:https for a profile that
 * trusts its server's own certificate.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, join, resolve } from 'node:path';
import { DefaultHttpStack } from 'tus-js-client';
import type { Files } from './attachments/files.js';
import type { AttachmentSource, BlobAnswer, BlobHttp, TransferOptions } from './attachments/types.js';
import type { AttachmentInfo } from './chat/types.js';
import type { ServerTrust } from './nodeTls.js';

/** A file on disk, read in pieces as the upload asks for them. */
export async function fileSource(path: string): Promise<AttachmentSource & { name: string }> {
  const { size } = await stat(path);
  return {
    size,
    name: basename(path),
    async read(offset, length) {
      const handle = await open(path, 'r');
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

const RESERVED = /[<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters (C0, DEL, C1) become `_`. */
function withoutControls(s: string): string {
  return [...s]
    .map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) < 0xa0) ? '_' : c))
    .join('');
}
const MAX_NAME_CHARS = 120;

/**
 * A sender's file name made safe to create in a folder: no path (`../../x`, `/etc/x`, `C:\x` keep
 * only their last part), no control, bidirectional or reserved characters, no leading dots (hidden
 * files, `.` and `..`), not empty, at most MAX_NAME_CHARS characters with its extension kept.
 */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  let clean = withoutControls(last.normalize('NFC'))
    .normalize('NFC')
    .replace(RESERVED, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  const chars = [...clean];
  if (chars.length > MAX_NAME_CHARS) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
    clean = chars.slice(0, MAX_NAME_CHARS - [...ext].length).join('') + ext;
  }
  return clean === '' ? 'file' : clean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A name in `dir` not taken yet: `name`, else `name (1).ext`, `name (2).ext`, … */
async function freeName(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? name : `${stem} (${n})${ext}`;
    if (!(await exists(join(dir, candidate)))) return candidate;
  }
}

/** Fetch a message's file into `dir`; returns the path written (inside `dir`, whatever the name said). */
export async function saveAttachment(
  files: Files,
  file: AttachmentInfo,
  dir: string,
  options: TransferOptions = {},
): Promise<string> {
  const folder = resolve(dir);
  const name = await freeName(folder, safeFileName(file.name));
  const target = join(folder, name);
  if (resolve(target, '..') !== folder) throw new Error('refusing to write outside the folder');
  const part = join(folder, `.${name}.part`);
  const handle = await open(part, 'w', 0o600);
  try {
    await files.download(file, { write: async (chunk) => void (await handle.write(chunk)) }, options);
    await handle.close();
    await rename(part, target);
    return target;
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(part, { force: true });
    throw e;
  }
}

function answerOf(res: IncomingMessage): BlobAnswer {
  return {
    status: res.statusCode ?? 0,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return typeof v === 'string' ? v : null;
    },
    body: () => res,
    text: async () => {
      const parts: Buffer[] = [];
      for await (const chunk of res) parts.push(chunk as Buffer);
      return Buffer.concat(parts).toString('utf8');
    },
  };
}

/** BlobHttp over node:http(s), trusting `trust.ca` alone for https (as trustingFetch does). */
export function trustingBlobHttp(trust: ServerTrust): BlobHttp {
  return {
    send: (method, url, headers, signal, body) =>
      new Promise((resolvePromise, reject) => {
        const request = url.startsWith('https:') ? httpsRequest : httpRequest;
        const req = request(url, { method, headers, ca: trust.ca, ...(signal ? { signal } : {}) }, (res) =>
          resolvePromise(answerOf(res)),
        );
        req.on('error', reject);
        req.end(body);
      }),
    tusHttpStack: new DefaultHttpStack({ ca: trust.ca }),
  };
}
