/**
 * Blocking, reporting and exporting from the terminal (issue #18), through the real `parley`
 * program: a blocked person's messages stop reaching `read` and come back after `unblock`; a
 * report reaches the operator's `parley-server reports list`; `export` writes the history as JSON
 * (and as an HTML page that escapes what others wrote), readable by its owner alone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { parley, registered, startServer } from './harness.js';

const json = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

const SERVER = fileURLToPath(new URL('../../server/bin/parley-server.js', import.meta.url));

test('block drops a person’s messages until unblock; report reaches the operator; export writes the history', async () => {
  const server = await startServer();
  const [alice, mallory] = await registered(server.url, 'alice', 'mallory');
  expect((await parley(['send', 'alice', 'buy', 'pills'], mallory!)).code).toBe(0);
  const [spam] = json((await parley(['read', '--json'], alice!)).stdout);
  expect(spam).toMatchObject({ from: 'mallory', text: 'buy pills' });

  const reported = await parley(['report', 'mallory', spam.id, 'spam', 'again'], alice!);
  expect(reported.stdout).toMatch(/^reported to the server's operator \(report [0-9a-f]{16}\)\n$/);
  const { stdout } = await promisify(execFile)(process.execPath, [
    SERVER,
    'reports',
    'list',
    '--json',
    '--data-dir',
    server.dataDir,
  ]);
  expect(JSON.parse(stdout)).toEqual([
    expect.objectContaining({
      reporter: 'alice',
      reported: 'mallory',
      text: 'buy pills',
      reason: 'spam again',
    }),
  ]);

  expect((await parley(['block', 'mallory'], alice!)).stdout).toMatch(/^blocked mallory/);
  expect((await parley(['block'], alice!)).stdout).toBe('you block mallory.\n');
  expect((await parley(['send', 'alice', '<b>still', 'here</b>'], mallory!)).code).toBe(0);
  expect(json((await parley(['read', '--json'], alice!)).stdout)).toEqual([]);
  expect((await parley(['unblock', 'mallory'], alice!)).stdout).toBe('unblocked mallory.\n');
  expect((await parley(['send', 'alice', '<i>back</i>'], mallory!)).code).toBe(0);
  expect(json((await parley(['read', '--json'], alice!)).stdout).map((m) => m.text)).toEqual(['<i>back</i>']);

  const dir = mkdtempSync(join(tmpdir(), 'parley-export-'));
  const file = join(dir, 'history.json');
  expect((await parley(['export', file], alice!)).stdout).toBe(
    `wrote 2 messages of 1 conversations to ${file}\n`,
  );
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const exported = JSON.parse(readFileSync(file, 'utf8'));
  expect(exported.conversations[0].messages.map((m: { text: string }) => m.text)).toEqual([
    'buy pills',
    '<i>back</i>',
  ]);
  const page = join(dir, 'history.html');
  expect((await parley(['export', '--html', page], alice!)).code).toBe(0);
  const html = readFileSync(page, 'utf8');
  expect(html).toContain('&lt;i&gt;back&lt;/i&gt;');
  expect(html).not.toContain('<i>back</i>');
});
