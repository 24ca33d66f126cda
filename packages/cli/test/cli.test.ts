import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, DEFAULT_CONFIG } from '@parley/server';
import { afterAll, beforeAll, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dirs: string[] = [];
let url = '';
let stop: () => Promise<void> = async () => {};

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-server-'));
  dirs.push(dataDir);
  const server = await buildServer({
    ...DEFAULT_CONFIG,
    dataDir,
    logLevel: 'silent',
    access: 'password',
    accessPassword: 'club-secret',
  });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  stop = () => server.close();
});
afterAll(async () => {
  await stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-cli-home-'));
  dirs.push(d);
  return d;
}

/** Run `parley ...` as a separate process, as a person or a script would. */
function parley(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('two people register, message each other and read with --json, from separate processes', async () => {
  const alice = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'alice-password-1',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  };
  const bob = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'bob-password-12',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  };
  const ra = await parley(['register', url, 'Alice'], alice);
  expect(ra.stderr).toBe('');
  expect(ra.stdout).toMatch(/Registered alice .*Secure session started/);
  expect((await parley(['register', url, 'bob'], bob)).code).toBe(0);
  expect((await parley(['whoami'], alice)).stdout).toMatch(/^alice on /);

  expect((await parley(['send', 'bob', 'hello', 'bob!'], alice)).stdout).toBe('sent to bob\n');
  const bobReads = await parley(['read', '--json'], bob);
  const lines = bobReads.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toMatchObject([{ from: 'alice', text: 'hello bob!', members: ['alice', 'bob'] }]);
  // Reading again shows nothing new.
  expect((await parley(['read', '--json'], bob)).stdout).toBe('');

  // bob answers in the same conversation (no second one is created).
  expect((await parley(['send', 'alice', 'hi', 'alice'], bob)).code).toBe(0);
  const aliceReads = (await parley(['read', '--json'], alice)).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(aliceReads).toMatchObject([{ from: 'bob', text: 'hi alice', conversation: lines[0].conversation }]);

  // Both see the same safety number; marking it verified sticks.
  const digits = (out: string) => out.match(/(\d{5} ){3}\d{5}/g)!.join(' ');
  const aliceSees = await parley(['verify', 'bob'], alice);
  const bobSees = await parley(['verify', 'alice'], bob);
  expect(digits(aliceSees.stdout)).toMatch(/^(\d{5} ){11}\d{5}$/);
  expect(digits(aliceSees.stdout)).toBe(digits(bobSees.stdout));
  expect(aliceSees.stdout).toMatch(/[▀▄█]/); // the QR code
  expect((await parley(['verify', 'bob', '--mark'], alice)).stdout).toBe('bob is verified.\n');
  expect((await parley(['verify', 'bob'], alice)).stdout).toContain('Safety number with bob (verified)');
  expect((await parley(['verify', 'zed'], alice)).stderr).toBe(
    'parley: you have no conversation with zed yet\n',
  );
});

test('clear errors: wrong password, wrong access password, username taken, unreachable server', async () => {
  const carol = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'carol-password',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  };
  expect((await parley(['register', url, 'carol'], carol)).code).toBe(0);
  const wrong = await parley(['read'], { ...carol, PARLEY_PASSWORD: 'not-carols' });
  expect([wrong.code, wrong.stderr]).toEqual([1, 'parley: wrong password\n']);
  const login = await parley(['login', url, 'carol'], { ...carol, PARLEY_PASSWORD: 'not-carols' });
  expect(login.stderr).toBe('parley: wrong username or password\n');
  const access = await parley(['register', url, 'dave'], {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'dave-password',
    PARLEY_ACCESS_PASSWORD: 'guess',
  });
  expect(access.stderr).toBe('parley: wrong access password or invite code\n');
  const taken = await parley(['register', url, 'CAROL'], { ...carol, PARLEY_HOME: home() });
  expect(taken.stderr).toBe('parley: that username is taken\n');
  const down = await parley(['register', 'http://127.0.0.1:1', 'erin'], {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'erin-password',
  });
  expect(down.stderr).toBe('parley: cannot reach the server at http://127.0.0.1:1\n');
  expect((await parley(['frobnicate'], carol)).code).toBe(1);
});
