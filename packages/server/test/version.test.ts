/** The server's version: `parley-server --version` and /v1/server both say the package's. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startLoopbackServer } from '@parley/testing';
import { expect, test } from 'vitest';

const BIN = new URL('../bin/parley-server.js', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

test('parley-server --version (and -V) prints the package version and starts nothing; /v1/server says the same', async () => {
  for (const flag of ['--version', '-V'])
    expect(execFileSync(process.execPath, [BIN, flag], { encoding: 'utf8', timeout: 10_000 })).toBe(
      `parley-server ${version}\n`,
    );
  const server = await startLoopbackServer();
  try {
    const info = (await (await fetch(`${server.url}/v1/server`)).json()) as { version: string };
    expect(info.version).toBe(version);
  } finally {
    await server.stop();
  }
});
