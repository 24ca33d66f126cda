/**
 * How the web app shows files, as plain values: sizes in the browser's locale, a sender's file
 * name made safe to show and save, a message's one-line summary, which previews may be drawn, and
 * the words that refuse a file over the server's limits.
 */
import type { AttachmentInfo } from '@parley/client';
import { expect, test } from 'vitest';
import { imageType, roomProblem, safeBlob, thumbnailUrl } from '../src/containers/files.js';
import { displayName, formatBytes, messageSummary } from '../src/format.js';

function info(over: Partial<AttachmentInfo> = {}): AttachmentInfo {
  return { blobId: 'b', name: 'x.png', mimeType: 'image/png', size: 1, key: '', sha256: '', ...over };
}

test('sizes in decimal units, at most one decimal', () => {
  expect(formatBytes(0)).toMatch(/^0 byte/);
  expect(formatBytes(820_000)).toBe('820 kB');
  expect(formatBytes(52_428_800)).toBe('52.4 MB');
  expect(formatBytes(3e12)).toBe('3 TB');
});

test('a sender’s file name: no controls, direction overrides, path or leading dots; long ones keep their end', () => {
  expect(displayName('report\u202Egnp.exe')).toBe('reportgnp.exe');
  expect(displayName('../../etc/passwd')).toBe('passwd');
  expect(displayName('C:\\Users\\x\\.bashrc')).toBe('bashrc');
  expect(displayName('a\u0000b\nc.txt')).toBe('abc.txt');
  expect(displayName('\u200b')).toBe('file');
  const long = displayName(`${'a'.repeat(300)}.pdf`);
  expect([...long].length).toBeLessThanOrEqual(120);
  expect(long.endsWith('a.pdf')).toBe(true);
});

test('a message in one line: its text, 📎 and a file’s name, or that it was deleted', () => {
  expect(messageSummary({ text: 'hi' })).toBe('hi');
  expect(messageSummary({ text: '', attachment: info({ name: 'a/b.pdf' }) })).toBe('📎 b.pdf');
  expect(messageSummary({ text: '', deleted: true })).toBe('Message deleted');
});

test('only allowlisted image types are drawn, and a preview only when its bytes are a JPEG or PNG', () => {
  expect(imageType(info({ mimeType: 'IMAGE/PNG' }))).toBe('image/png');
  for (const t of ['image/svg+xml', 'text/html', 'image/png; x', 'application/octet-stream'])
    expect(imageType(info({ mimeType: t }))).toBeUndefined();
  expect(thumbnailUrl(info({ thumbnail: '/9j/4AAQ' }))).toBe('data:image/jpeg;base64,/9j/4AAQ');
  expect(thumbnailUrl(info({ thumbnail: 'iVBORw0KGgoAAA=' }))).toBe('data:image/png;base64,iVBORw0KGgoAAA=');
  // Not an image type, not base64, not a JPEG or PNG: nothing is drawn.
  expect(thumbnailUrl(info({ mimeType: 'image/svg+xml', thumbnail: '/9j/4AAQ' }))).toBeUndefined();
  expect(thumbnailUrl(info({ thumbnail: '/9j/"><script>' }))).toBeUndefined();
  expect(thumbnailUrl(info({ thumbnail: 'PHN2Zz4=' }))).toBeUndefined();
  // What is shown has the allowlisted type; what is saved is plain bytes, whatever the sender claimed.
  expect(safeBlob(new Blob(['x']), info({ mimeType: 'image/webp' }), true).type).toBe('image/webp');
  expect(safeBlob(new Blob(['x']), info({ mimeType: 'text/html' }), true).type).toBe(
    'application/octet-stream',
  );
  expect(safeBlob(new Blob(['x']), info(), false).type).toBe('application/octet-stream');
});

test('a file over the server’s limit or the account’s quota is refused in words', () => {
  const usage = { usedBytes: 950_000_000, quotaBytes: 1_000_000_000, maxAttachmentBytes: 100_000_000 };
  expect(roomProblem(usage, { name: 'ok.bin', size: 40_000_000 })).toBeUndefined();
  expect(roomProblem(usage, { name: 'big.mov', size: 150_000_000 })).toBe(
    '“big.mov” is too large to send: it is 150 MB, and this server takes files up to 100 MB.',
  );
  expect(roomProblem(usage, { name: 'mid.mov', size: 99_000_000 })).toBe(
    '“mid.mov” (99 MB) does not fit in your storage: your files take 950 MB of 1 GB. Delete some files you sent to make room.',
  );
});
