/**
 * `parley serve` without making the server a dependency of the terminal client: @parley/server is
 * an optional peer, imported only when `parley serve` runs, with a clear message when absent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { loadServer } from '../src/commands/serve.js';
import { Terminal, tempDir } from './harness.js';

test('`parley serve` loads the server package when it is installed', async () => {
  expect(typeof (await loadServer()).runServerCommand).toBe('function');
});

test('without the server package, `parley serve` says how to install it', async () => {
  await expect(loadServer('@parley/not-installed')).rejects.toThrow(
    'parley serve needs the server, which is not installed: run `npm install @parley/server`',
  );
});

test('the server is an optional peer of the CLI, and no module of the CLI imports it statically', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(pkg.dependencies).not.toHaveProperty('@parley/server');
  expect(pkg.peerDependenciesMeta['@parley/server']).toEqual({ optional: true });
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(10);
  const importing = files.filter((f) =>
    /^import\s+(?!type\b)[^'"]*?from\s+'@parley\/server'/m.test(readFileSync(join(src, f), 'utf8')),
  );
  expect(importing).toEqual([]);
});

test('`parley serve` on a terminal logs each request as a readable line, not JSON', async () => {
  const t = Terminal.open('serve', ['serve', '--port', '0', '--data-dir', tempDir('parley-serve-')], {});
  const banner = await t.waitFor(/running at http:\/\/\S+/, 'the banner');
  const url = /running at (http:\/\/\S+)/.exec(banner)![1]!;
  expect((await fetch(`${url}/v1/server`)).status).toBe(200);
  const screen = await t.waitFor(/\d\d:\d\d:\d\d INFO +GET \/v1\/server 200 \d+ms/, 'the request line');
  expect(screen).not.toContain('{"level"');
  t.kill();
});
