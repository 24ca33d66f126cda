/**
 * Files and images in the web app, against a real server and real Chromium: a 50 MB file sent
 * from the browser arrives byte for byte in an SDK client in Node, and one sent back is saved by
 * the browser byte for byte; an image shows its preview inline on the other side and opens large;
 * a type claimed to be an image that is not allowlisted is never drawn; a file over the server's
 * limit is refused in words before any byte is uploaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage } from '@parley/client';
import { fileSource, saveAttachment } from '@parley/client/node';
import { until } from '@parley/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  hasKeyPackages,
  newChat,
  openConversation,
  type Person,
  register,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

/** Files big enough to take a while take this long at most (a loaded 2-core machine). */
const TRANSFER_WAIT_MS = 150_000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-web-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file of `bytes` random bytes in the temporary folder; returns its path and SHA-256. */
async function randomFile(name: string, bytes: number): Promise<{ path: string; sha256: string }> {
  const path = join(dir, name);
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    await handle.write(chunk);
    left -= chunk.length;
  }
  await handle.close();
  return { path, sha256: hash.digest('hex') };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A noisy PNG drawn by the page itself (no image library in Node), as bytes. */
async function drawPng(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ([w, h]) => {
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext('2d')!;
      const sky = g.createLinearGradient(0, 0, 0, h);
      sky.addColorStop(0, '#f97316');
      sky.addColorStop(1, '#1e3a8a');
      g.fillStyle = sky;
      g.fillRect(0, 0, w, h);
      // Noise makes a preview large: it has to be made smaller to fit 16 KiB.
      for (let i = 0; i < 4000; i++) {
        g.fillStyle = `hsl(${(i * 37) % 360} 80% 60% / 0.6)`;
        g.fillRect((i * 7919) % w, (i * 104729) % h, 6, 6);
      }
      g.fillStyle = '#fde047';
      g.beginPath();
      g.arc(w / 2, h * 0.7, h / 5, 0, Math.PI * 2);
      g.fill();
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    },
    [width, height] as const,
  );
  return Buffer.from(base64, 'base64');
}

/** The message (not a quote) that carries the file `name`. */
function fileMessage(p: Person, name: string) {
  return p.page.locator('li.message', {
    has: p.page.locator(`.file-card .file-name:text-is("${name}"), .image-thumb img[alt="${name}"]`),
  });
}

describe('with the default limits', () => {
  const suite = browserSuite();

  test('a 50 MB file goes from the browser to a Node client byte for byte, and one sent back is saved by the browser byte for byte', async () => {
    const wes = await suite.person('wes');
    await register(wes);
    const nod = await sdkPerson(suite.served.url, 'nod');
    const received: ChatMessage[] = [];
    nod.client.on('message', (m) => received.push(m));
    await hasKeyPackages(suite.served, 'nod');
    await newChat(wes, 'nod');
    await send(wes, 'sending you the archive');
    await until(() => nod.inbox.includes('sending you the archive'), 'nod reads wes', BROWSER_WAIT_MS);

    // wes attaches 50 MB with the file chooser: its progress shows, with a Cancel button.
    const big = await randomFile('archive.bin', 50 * 1024 * 1024);
    const requests: string[] = [];
    wes.page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    const chooser = wes.page.waitForEvent('filechooser');
    await wes.page.getByRole('button', { name: 'Attach a file' }).click();
    await (await chooser).setFiles(big.path);
    const progress = wes.page.getByRole('progressbar', { name: 'Sending archive.bin' });
    await progress.waitFor();
    await wes.page.getByRole('button', { name: 'Cancel: Sending archive.bin' }).waitFor();
    await screenshot(wes, 'attach-progress');

    // nod's client gets the message and saves the file: the same bytes.
    await until(
      () => received.some((m) => m.attachment?.name === 'archive.bin'),
      'nod gets the file',
      TRANSFER_WAIT_MS,
    );
    expect(requests.some((r) => r.startsWith('POST /v1/uploads'))).toBe(true);
    const archive = received.find((m) => m.attachment?.name === 'archive.bin')!;
    expect(archive.attachment!.size).toBe(50 * 1024 * 1024);
    const saved = await saveAttachment(nod.client.files, archive.attachment!, dir);
    expect(await sha256Of(saved)).toBe(big.sha256);
    await fileMessage(wes, 'archive.bin').waitFor();
    await progress.waitFor({ state: 'detached' });

    // wes sends it again and cancels once the server has named the upload: the progress goes, the
    // server is told to drop the bytes, no message is sent (checked at the end), and no error shows.
    // (A cancel before the upload is named sends nothing at all: client/test/attachments.test.ts.)
    const named = wes.page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/uploads',
      { timeout: BROWSER_WAIT_MS },
    );
    await wes.page.getByTestId('file-input').setInputFiles(big.path);
    expect((await named).status()).toBe(201);
    await wes.page.getByRole('button', { name: 'Cancel: Sending archive.bin' }).click();
    await progress.waitFor({ state: 'detached' });
    await expect
      .poll(() => requests.filter((r) => r.startsWith('DELETE /v1/uploads/')).length, {
        timeout: BROWSER_WAIT_MS,
      })
      .toBe(1);
    expect(await wes.page.getByRole('alert').count()).toBe(0);

    // nod sends one back: wes sees a card with its name and size, downloads it, and it is the same.
    const back = await randomFile('report.bin', 8 * 1024 * 1024);
    const groupId = nod.client.conversations()[0]!;
    await nod.client.files.send(groupId, await fileSource(back.path), {
      name: 'report.bin',
      mimeType: 'application/octet-stream',
    });
    const card = fileMessage(wes, 'report.bin').locator('.file-card');
    await card.waitFor({ timeout: BROWSER_WAIT_MS });
    expect(await card.locator('.file-size').innerText()).toBe('8.4 MB');
    await screenshot(wes, 'file-card');
    const download = wes.page.waitForEvent('download', { timeout: TRANSFER_WAIT_MS });
    await card.getByRole('button', { name: 'Download report.bin' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('report.bin');
    expect(await sha256Of((await file.path())!)).toBe(back.sha256);

    // A type that claims to be an image but is not allowlisted (SVG can carry script) is a card.
    await nod.client.files.send(groupId, await fileSource(back.path), {
      name: 'drawing.svg',
      mimeType: 'image/svg+xml',
    });
    await fileMessage(wes, 'drawing.svg').locator('.file-card').waitFor({ timeout: BROWSER_WAIT_MS });
    expect(await wes.page.locator('li.message img').count()).toBe(0);
    expect(await fileMessage(wes, 'archive.bin').count()).toBe(1);
    expect(received.filter((m) => m.attachment?.name === 'archive.bin')).toHaveLength(1);
    await nod.client.close();
  }, 300_000);

  test('an image shows its preview inline on the other side, opens large, takes replies and reactions, and is deleted for everyone', async () => {
    const [uma, vic] = await suite.pair('uma', 'vic');
    await newChat(uma, 'vic');
    await send(uma, 'look at this');
    await openConversation(vic, 'uma');

    const png = await drawPng(uma.page, 1200, 800);
    await uma.page
      .getByTestId('file-input')
      .setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png });

    // vic sees the preview (a JPEG of at most 16 KiB, at the image's aspect ratio), its alt text the name.
    const thumb = vic.page.getByRole('button', { name: 'Open image sunset.png' });
    await thumb.waitFor({ timeout: BROWSER_WAIT_MS });
    const img = thumb.getByRole('img', { name: 'sunset.png' });
    await expect
      .poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth))
      .toBeGreaterThan(0);
    const src = (await img.getAttribute('src'))!;
    expect(src.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').length).toBeLessThanOrEqual(16 * 1024);
    const natural = await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight]);
    expect(Math.max(...natural)).toBeLessThanOrEqual(320);
    const box = (await thumb.boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(1.5, 1);
    await screenshot(vic, 'image-inline');

    // Opened: a modal dialog with focus in it, the full image fetched and decrypted; closed, focus is back.
    await thumb.click();
    const opened = vic.page.getByRole('dialog', { name: 'sunset.png' });
    const large = opened.getByRole('img', { name: 'sunset.png' });
    await large.waitFor({ timeout: BROWSER_WAIT_MS });
    await expect
      .poll(() => large.evaluate((i: HTMLImageElement) => [i.complete, i.naturalWidth, i.naturalHeight]))
      .toEqual([true, 1200, 800]);
    expect(await opened.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await opened.getByRole('link', { name: /Download/ }).waitFor();
    await screenshot(vic, 'image-opened');
    await vic.page.keyboard.press('Escape');
    await opened.waitFor({ state: 'detached' });
    expect(await thumb.evaluate((b) => b === document.activeElement)).toBe(true);

    // A file message takes replies (quoting its name) and reactions; it is never offered for editing.
    const image = vic.page.locator('li.message', { has: thumb });
    await image.hover();
    await image.getByRole('button', { name: 'Reply', exact: true }).click();
    await vic.page.getByTestId('replying').filter({ hasText: '📎 sunset.png' }).waitFor();
    await send(vic, 'gorgeous');
    await vic.page.locator('li.message .quote', { hasText: '📎 sunset.png' }).waitFor();
    const mine = uma.page.locator('li.message', {
      has: uma.page.getByRole('button', { name: 'Open image sunset.png' }),
    });
    await mine.hover();
    await mine.getByRole('button', { name: 'React', exact: true }).click();
    await uma.page.getByRole('button', { name: 'React with 🎉' }).click();
    await image.getByRole('button', { name: '🎉 1: uma' }).waitFor();
    await mine.hover();
    expect(await mine.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(0);

    // Deleted for everyone: the tombstone on both sides, the image gone, the quote says so.
    await mine.getByRole('button', { name: 'Delete', exact: true }).click();
    await uma.page.getByRole('button', { name: 'Delete for everyone' }).click();
    for (const p of [uma, vic]) {
      await p.page.locator('li.message .text.tombstone', { hasText: 'Message deleted' }).waitFor();
      await p.page.locator('li.message .quote', { hasText: 'Message deleted' }).waitFor();
      expect(await p.page.locator('li.message img').count()).toBe(0);
    }
  });
});

describe('with a 1 MB limit per file', () => {
  const suite = browserSuite({ maxAttachmentBytes: 1_000_000 });

  test('a file over the limit is refused in words before any byte is uploaded', async () => {
    const [xia, yan] = await suite.pair('xia', 'yan');
    await newChat(xia, 'yan');
    const requests: string[] = [];
    xia.page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    const big = await randomFile('holiday.mov', 2_500_000);
    await xia.page.getByTestId('file-input').setInputFiles(big.path);
    const alert = xia.page.getByRole('alert').filter({ hasText: 'too large' });
    await alert.waitFor({ timeout: BROWSER_WAIT_MS });
    expect(await alert.innerText()).toBe(
      '“holiday.mov” is too large to send: it is 2.5 MB, and this server takes files up to 1 MB.',
    );
    await screenshot(xia, 'attach-too-large');
    expect(requests).toContain('GET /v1/blobs/usage');
    expect(requests.filter((r) => r.includes('/v1/uploads'))).toEqual([]);
    expect(await xia.page.locator('li.message').count()).toBe(0);
    void yan;
  });

  test('a file dropped on the conversation or pasted into the composer is sent', async () => {
    const [zoe, ada] = await suite.pair('zoe', 'ada');
    await newChat(zoe, 'ada');
    const files = (name: string) =>
      zoe.page.evaluateHandle((n) => {
        const data = new DataTransfer();
        data.items.add(new File([`the contents of ${n}`], n, { type: 'text/plain' }));
        return data;
      }, name);
    const chat = zoe.page.getByRole('region', { name: 'Conversation: ada' });
    const dropped = await files('dropped.txt');
    await chat.dispatchEvent('dragover', { dataTransfer: dropped });
    await zoe.page.locator('.chat.dropping').waitFor();
    await chat.dispatchEvent('drop', { dataTransfer: dropped });
    const pasted = await files('pasted.txt');
    await zoe.page.getByLabel('Message', { exact: true }).evaluate((box, data) => {
      box.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, pasted);
    await openConversation(ada, 'zoe');
    for (const name of ['dropped.txt', 'pasted.txt']) {
      await fileMessage(ada, name).waitFor({ timeout: BROWSER_WAIT_MS });
      await fileMessage(zoe, name).waitFor();
    }
    expect(await zoe.page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
  });
});
