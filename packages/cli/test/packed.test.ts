/**
 * The `parley` program as a release installs it (issue #20): `npm pack` of @parley/core,
 * @parley/client and @parley/cli, installed from those tarballs alone into an empty folder outside
 * the repository (third-party packages from the npm registry or its cache), runs `parley --version`
 * and lets two people register and exchange a message and a file on a real server.
 *
 * Two install steps are shortened, and only those: npm's native build of better-sqlite3 (a minute
 * or two of compiling on this machine) is replaced by the module this checkout already built for the
 * same Node, and @parley/core's install script (its ts-mls correction) is run with `npm rebuild`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { startServer, tempDir } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

async function npm(args: string[], cwd: string) {
  return run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 240_000 });
}

test('the packed CLI installs outside the repository and chats on a real server', {
  timeout: 300_000,
}, async () => {
  const dir = tempDir('parley-packed-');
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  await npm(
    [
      'pack',
      '-w',
      '@parley/core',
      '-w',
      '@parley/client',
      '-w',
      '@parley/cli',
      '--pack-destination',
      tarballs,
    ],
    ROOT,
  );
  const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
  expect(files.sort()).toEqual(['parley-cli-0.1.0.tgz', 'parley-client-0.1.0.tgz', 'parley-core-0.1.0.tgz']);

  const app = tempDir('parley-installed-');
  writeFileSync(join(app, 'package.json'), '{"private": true}\n');
  await npm(['install', '--prefer-offline', '--ignore-scripts', ...files.map((f) => join(tarballs, f))], app);
  await npm(['rebuild', '@parley/core'], app);
  const nativeDir = join(app, 'node_modules/better-sqlite3/build/Release');
  mkdirSync(nativeDir, { recursive: true });
  copyFileSync(
    join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    join(nativeDir, 'better_sqlite3.node'),
  );
  // Nothing of the repository is reachable from there, and ts-mls was corrected by core's script.
  expect(existsSync(join(app, 'node_modules/@parley/server'))).toBe(false);
  const tsMls = readFileSync(join(app, 'node_modules/ts-mls/dist/src/clientState.js'), 'utf8');
  expect(tsMls).toContain('Parley patch');

  const bin = join(app, 'node_modules/.bin/parley');
  const parley = async (args: string[], home: string) =>
    (
      await run(bin, args, {
        cwd: app,
        env: { ...process.env, PARLEY_HOME: home, PARLEY_PASSWORD: 'packed-pass-1' },
        timeout: 60_000,
      })
    ).stdout;
  expect(await parley(['--version'], dir)).toBe('parley 0.1.0\n');
  const server = await startServer();
  const [ann, ben] = [tempDir('parley-home-ann-'), tempDir('parley-home-ben-')];
  await parley(['register', server.url, 'ann'], ann);
  await parley(['register', server.url, 'ben'], ben);
  expect(await parley(['send', 'ben', 'from', 'a', 'release'], ann)).toBe('sent to ben\n');
  const note = join(dir, 'note.txt');
  writeFileSync(note, 'a file from the installed program');
  await parley(['send', 'ben', '--file', note], ann);
  const saved = join(dir, 'saved');
  const read = (await parley(['read', '--json', '--save', saved], ben))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; savedAs?: string });
  expect(read.map((m) => m.text)).toContain('from a release');
  const file = read.find((m) => m.savedAs !== undefined)!;
  expect(readFileSync(file.savedAs!, 'utf8')).toBe('a file from the installed program');
});
