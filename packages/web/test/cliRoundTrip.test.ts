/**
 * A file across the two front ends (issue #17): 50 MB attached in the web app (real Chromium) is
 * saved by the real `parley` program (`read --json --save DIR`) with the same SHA-256, and a file
 * the program sends back (`send --file`) is downloaded by the web app with the same SHA-256.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@parley/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BROWSER_WAIT_MS, browserSuite, newChat, register } from './browser.js';

const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const TRANSFER_WAIT_MS = 150_000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-web-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `parley <args>` as the person whose machine is `home`. */
function parley(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, PARLEY_HOME: home, PARLEY_PASSWORD: 'cli-password-1' }, timeout: 180_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function randomFile(name: string, bytes: number): Promise<{ path: string; sha256: string }> {
  const path = join(dir, name);
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= 1 << 20) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    await handle.write(chunk);
  }
  await handle.close();
  return { path, sha256: hash.digest('hex') };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const suite = browserSuite();

test('50 MB from the web app to the parley program and a file back, byte for byte both ways', async () => {
  const home = join(dir, 'home');
  const registered = await parley(['register', suite.served.url, 'cleo'], home);
  expect(registered.code, registered.stderr).toBe(0);
  const web = await suite.person('wren');
  await register(web);
  await newChat(web, 'cleo');

  const big = await randomFile('archive.bin', 50 * 1024 * 1024);
  const chooser = web.page.waitForEvent('filechooser');
  await web.page.getByRole('button', { name: 'Attach a file' }).click();
  await (await chooser).setFiles(big.path);
  await web.page
    .locator('li.message .file-card .file-name:text-is("archive.bin")')
    .waitFor({ timeout: TRANSFER_WAIT_MS });
  await web.page.getByRole('progressbar', { name: 'Sending archive.bin' }).waitFor({ state: 'detached' });

  // The program reads until the file message is there, and saves it.
  const saved = join(dir, 'saved');
  let messages: Array<{ attachment?: { name: string; size: number }; savedAs?: string }> = [];
  await until(
    async () => {
      const r = await parley(['read', 'wren', '--json', '--save', saved], home);
      messages = r.stdout
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      return messages.some((m) => m.attachment?.name === 'archive.bin');
    },
    'the program gets the file',
    TRANSFER_WAIT_MS,
  );
  const file = messages.find((m) => m.attachment?.name === 'archive.bin')!;
  expect(file.attachment!.size).toBe(50 * 1024 * 1024);
  expect(await sha256Of(file.savedAs!)).toBe(big.sha256);

  const back = await randomFile('reply.pdf', 3 * 1024 * 1024 + 7);
  const sent = await parley(['send', 'wren', '--file', back.path], home);
  expect(sent.code, sent.stderr).toBe(0);
  const card = web.page.locator('li.message', {
    has: web.page.locator('.file-card .file-name:text-is("reply.pdf")'),
  });
  await card.waitFor({ timeout: BROWSER_WAIT_MS });
  const download = web.page.waitForEvent('download', { timeout: TRANSFER_WAIT_MS });
  await card.getByRole('button', { name: 'Download reply.pdf' }).click();
  expect(await sha256Of((await (await download).path())!)).toBe(back.sha256);
}, 300_000); // 50 MB both ways through real Chromium and the real CLI: as attachments.test.ts
