/**
 * The browser's side of files in conversations: what is sent about a chosen file (a name and type
 * within the protocol's limits; for an image its size and a small JPEG preview made here with
 * createImageBitmap and a canvas), whether a file fits the server's limits (said in words before
 * any byte moves), and how a received file may be shown: only the image types allowlisted here
 * are ever drawn, and a Blob made to show or save one never takes its type from the sender.
 */
import type { AttachmentInfo, BlobUsage, FileDescription } from '@parley/client';
import { MAX_ATTACHMENT_NAME_BYTES, MAX_MIME_TYPE_BYTES, MAX_THUMBNAIL_BYTES, utf8 } from '@parley/core';
import { displayName, formatBytes } from '../format.js';

/** The image types the app draws (never SVG, which can carry script and links). */
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Longest side of a preview, in pixels; then smaller ones until the JPEG fits MAX_THUMBNAIL_BYTES. */
const THUMBNAIL_SIDES = [320, 240, 160, 96];
const THUMBNAIL_QUALITIES = [0.8, 0.6, 0.4];

/** The type to draw a file as: one of the allowlisted image types, or none. */
export function imageType(info: Pick<AttachmentInfo, 'mimeType'>): string | undefined {
  const t = info.mimeType.toLowerCase();
  return IMAGE_TYPES.has(t) ? t : undefined;
}

/** A data: URL of a message's preview, when it is one (a JPEG or PNG by its first bytes). */
export function thumbnailUrl(info: AttachmentInfo): string | undefined {
  const t = info.thumbnail;
  if (t === undefined || imageType(info) === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  if (t.startsWith('/9j/')) return `data:image/jpeg;base64,${t}`;
  if (t.startsWith('iVBORw0KGgo')) return `data:image/png;base64,${t}`;
  return undefined;
}

/** A received file as a Blob to show (its allowlisted image type) or to save (plain bytes). */
export function safeBlob(blob: Blob, info: AttachmentInfo, show: boolean): Blob {
  const type = show ? imageType(info) : undefined;
  return new Blob([blob], { type: type ?? 'application/octet-stream' });
}

/** `text` cut to at most `max` bytes of UTF-8, on a character boundary. */
function fitBytes(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (utf8(out + ch).length > max) break;
    out += ch;
  }
  return out;
}

/** A file's name within the protocol's limit, its extension kept. */
function sentName(name: string): string {
  const shown = displayName(name);
  if (utf8(shown).length <= MAX_ATTACHMENT_NAME_BYTES) return shown;
  const dot = shown.lastIndexOf('.');
  const ext = dot > 0 && shown.length - dot <= 16 ? shown.slice(dot) : '';
  return (
    fitBytes(shown.slice(0, shown.length - ext.length), MAX_ATTACHMENT_NAME_BYTES - utf8(ext).length) + ext
  );
}

function canvasJpeg(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/** An image's size and a JPEG preview of at most MAX_THUMBNAIL_BYTES (empty if none fits). */
async function imageOf(file: Blob): Promise<FileDescription['image']> {
  const bitmap = await createImageBitmap(file);
  try {
    const { width, height } = bitmap;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d');
    if (context === null) return { width, height, thumbnail: new Uint8Array() };
    for (const side of THUMBNAIL_SIDES) {
      const scale = Math.min(1, side / Math.max(width, height));
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      // JPEG has no transparency: a white ground under it rather than black.
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      for (const quality of THUMBNAIL_QUALITIES) {
        const jpeg = await canvasJpeg(canvas, quality);
        if (jpeg !== null && jpeg.size <= MAX_THUMBNAIL_BYTES)
          return { width, height, thumbnail: new Uint8Array(await jpeg.arrayBuffer()) };
      }
    }
    return { width, height, thumbnail: new Uint8Array() };
  } finally {
    bitmap.close();
  }
}

/** What a message says about `file`: an image it cannot decode is sent as a plain file. */
export async function describeFile(file: File): Promise<FileDescription> {
  const type = file.type !== '' && utf8(file.type).length <= MAX_MIME_TYPE_BYTES ? file.type : '';
  const about: FileDescription = { name: sentName(file.name), mimeType: type || 'application/octet-stream' };
  if (imageType(about) === undefined) return about;
  const image = await imageOf(file).catch(() => undefined);
  return image === undefined ? { ...about, mimeType: 'application/octet-stream' } : { ...about, image };
}

/** Why `file` cannot be sent under the server's limits, in words; undefined when it fits. */
export function roomProblem(usage: BlobUsage, file: { name: string; size: number }): string | undefined {
  const name = displayName(file.name);
  if (file.size > usage.maxAttachmentBytes)
    return `“${name}” is too large to send: it is ${formatBytes(file.size)}, and this server takes files up to ${formatBytes(usage.maxAttachmentBytes)}.`;
  if (usage.usedBytes + file.size > usage.quotaBytes)
    return `“${name}” (${formatBytes(file.size)}) does not fit in your storage: your files take ${formatBytes(usage.usedBytes)} of ${formatBytes(usage.quotaBytes)}. Delete some files you sent to make room.`;
  return undefined;
}
