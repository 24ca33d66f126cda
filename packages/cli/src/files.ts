/**
 * Files from the terminal (`parley send --file`, `parley read --save`, `/file` and `/save` in
 * `parley chat`): a file on disk checked before anything is sent, its type guessed from its
 * extension, a received file saved into a folder (the SDK's saveAttachment: never outside it), and
 * how a file message and its transfer's progress are shown.
 */
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, resolve } from 'node:path';
import {
  type AttachmentInfo,
  type ChatMessage,
  errorText,
  type ParleyClient,
  type TransferOptions,
} from '@parley/client';
import { fileSource, safeFileName, saveAttachment } from '@parley/client/node';
import { is } from '@parley/core';
import { CliError } from './errors.js';
import { type Output, processOutput } from './output.js';

/** Types by extension (lower case); anything else is application/octet-stream. */
const MIME_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.heic': 'image/heic',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
};

/** The MIME type a file's name suggests. */
export function mimeTypeOf(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** A size as people read it: `0 B`, `512 B`, `1.5 KB`, `20.0 MB` (decimal units, as the SDK's messages). */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A path as typed where no shell expands it (the chat's input line): `~/x` is in the home folder. */
export function typedPath(path: string): string {
  return resolve(path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);
}

/** The absolute path of a file that can be sent, or a CliError saying why not. */
export async function sendablePath(path: string): Promise<string> {
  const absolute = resolve(path);
  const about = await stat(absolute).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(e.code === 'ENOENT' ? `there is no file ${path}` : `cannot read ${path} (${e.code})`);
  });
  if (about.isDirectory()) throw new CliError(`${path} is a folder; send a file`);
  if (!about.isFile()) throw new CliError(`${path} is not a regular file`);
  return absolute;
}

/** Send the file at `path` into a conversation; resolves with its message. */
export async function sendFile(
  client: ParleyClient,
  conversation: string,
  path: string,
  options: TransferOptions = {},
): Promise<ChatMessage> {
  const absolute = await sendablePath(path);
  const source = await fileSource(absolute);
  return client.files.send(
    conversation,
    source,
    { name: source.name, mimeType: mimeTypeOf(absolute) },
    options,
  );
}

/** Save a message's file into `dir` (created if missing); resolves with the path written. */
export async function saveFile(
  client: ParleyClient,
  file: AttachmentInfo,
  dir: string,
  options: TransferOptions = {},
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot create the folder ${dir} (${e.code})`);
  });
  return saveAttachment(client.files, file, dir, options);
}

/** Why a file was not saved, as a clause. */
export function notSaved(e: unknown): string {
  // The SDK's sentence for decrypt_failed speaks of messages; here it is the file that was damaged.
  if (is(e, 'decrypt_failed')) return 'the file was not saved: it arrived damaged (it did not decrypt)';
  return `the file was not saved: ${errorText(e, { brief: true })}`;
}

/** What a file message shows: `📎 name (size)`, an image's pixels too; the name as it would be saved. */
export function fileLine(file: AttachmentInfo): string {
  const pixels =
    file.width !== undefined && file.height !== undefined ? `, ${file.width}×${file.height}` : '';
  return `📎 ${safeFileName(file.name)} (${sizeText(file.size)}${pixels})`;
}

/** A file message's `attachment` in JSON: what the sender said of it, never its key or digest. */
export function fileJson(file: AttachmentInfo): Record<string, unknown> {
  return {
    name: file.name,
    mimeType: file.mimeType,
    size: file.size,
    ...(file.width !== undefined ? { width: file.width } : {}),
    ...(file.height !== undefined ? { height: file.height } : {}),
  };
}

/** `sending x.pdf: 42% (8.4 of 20.0 MB)`. */
export function progressText(verb: string, name: string, done: number, total: number): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `${verb} ${safeFileName(name)}: ${percent}% (${sizeText(done)} of ${sizeText(total)})`;
}

/**
 * A transfer's progress as one line on stderr, redrawn in place when the percentage changes, and
 * cleared by `end`; nothing at all when stderr is not a terminal (scripts) or the command was
 * handed to `parley chat` (whose terminal is the chat's screen).
 */
export function stderrProgress(
  output: Output,
  verb: string,
  name: string,
): { onProgress?: (done: number, total: number) => void; end(): void } {
  if (output !== processOutput || process.stderr.isTTY !== true) return { end: () => {} };
  let shown = -1;
  return {
    onProgress(done, total) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent === shown) return;
      shown = percent;
      process.stderr.write(`\r${progressText(verb, name, done, total)}\x1b[K`);
    },
    end() {
      if (shown >= 0) process.stderr.write('\r\x1b[K');
    },
  };
}
