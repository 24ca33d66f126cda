import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '@parley/server';
import { beforeAll, expect, test } from 'vitest';
import { bin, parley, startServer, Terminal, tempDir } from './harness.js';

let url = '';

beforeAll(async () => {
  // Every `parley` here logs in from 127.0.0.1: the per-address login limit (10 a minute, with
  // backoff) is tested in the server's tests, not met by this file's pace.
  ({ url } = await startServer({
    access: 'password',
    accessPassword: 'club-secret',
    config: { limits: { ...DEFAULT_CONFIG.limits, loginsPerMinute: 1_000 } },
  }));
});

function home(): string {
  return tempDir('parley-cli-home-');
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
  const again = (await parley(['verify', 'bob'], alice)).stdout;
  expect(again).toContain('Safety number with bob (verified)');
  expect(again).not.toContain('--mark');
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
  expect(taken.stderr).toBe('parley: that username is taken, or looks too much like one that is\n');
  const lookalike = await parley(['register', url, 'caro1'], { ...carol, PARLEY_HOME: home() });
  expect(lookalike.stderr).toBe('parley: that username is taken, or looks too much like one that is\n');
  const mixed = await parley(['register', url, 'c\u0430rol'], { ...carol, PARLEY_HOME: home() });
  expect(mixed.stderr).toBe(
    'parley: usernames cannot mix writing systems (such as Latin and Cyrillic letters): use letters of one script\n',
  );
  const down = await parley(['register', 'http://127.0.0.1:1', 'erin'], {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'erin-password',
  });
  expect(down.stderr).toBe('parley: cannot reach the server at http://127.0.0.1:1\n');
  expect((await parley(['frobnicate'], carol)).code).toBe(1);
});

/** The scrypt parameters in the header of a profile's sealed device identity: [logN, r, p]. */
function profileScrypt(parleyHome: string): number[] {
  const dir = readFileSync(join(parleyHome, 'current'), 'utf8').trim();
  const header = readFileSync(join(dir, 'device.parley')).subarray(0, 9);
  expect([...header.subarray(0, 6)]).toEqual([...Buffer.from('PRLY'), 1, 1]); // version 1, scrypt
  return [...header.subarray(6, 9)];
}

test("a profile is sealed with scrypt, and an account logs in with OPAQUE, at the production parameters; the tests' cheap ones are refused outside a test run", async () => {
  const ivy = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'ivy-password-1',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
    PARLEY_TEST_WEAK_KDF: '',
  };
  expect((await parley(['register', url, 'ivy'], ivy)).code).toBe(0);
  expect(profileScrypt(ivy.PARLEY_HOME)).toEqual([17, 8, 1]); // N = 2^17, r = 8, p = 1
  expect((await parley(['read'], ivy)).code).toBe(0);
  expect((await parley(['read'], { ...ivy, PARLEY_PASSWORD: 'not-ivys' })).stderr).toBe(
    'parley: wrong password\n',
  );

  // The harness's default: cheap parameters, which open only where the setting is given.
  const jack = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'jack-password-1',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  };
  expect((await parley(['register', url, 'jack'], jack)).code).toBe(0);
  expect(profileScrypt(jack.PARLEY_HOME)).toEqual([10, 8, 1]);
  expect(await parley(['read'], { ...jack, PARLEY_TEST_WEAK_KDF: '' })).toMatchObject({
    code: 1,
    stdout: '',
    stderr: expect.stringMatching(/^parley: /),
  });
  // Its OPAQUE registration used the cheap key stretching too: the production one (what ivy
  // registered and logged in with above) does not prove jack's password, the test setting does
  // (and the login goes on to ask for a device link code on this new machine).
  const jackElsewhere = { ...jack, PARLEY_HOME: home() };
  expect((await parley(['login', url, 'jack'], { ...jackElsewhere, PARLEY_TEST_WEAK_KDF: '' })).stderr).toBe(
    'parley: wrong username or password\n',
  );
  expect((await parley(['login', url, 'jack'], jackElsewhere)).stdout).toMatch(
    /^This machine has no device of jack yet\./,
  );

  // Outside a test run (no VITEST, no NODE_ENV=test) the setting itself is refused.
  const { VITEST: _v, NODE_ENV: _n, ...plainEnv } = process.env;
  const outside = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [bin, 'read'],
      { env: { ...plainEnv, ...jack, PARLEY_TEST_WEAK_KDF: '1' }, timeout: 60_000 },
      (_error, _stdout, stderr) => resolve(stderr),
    );
  });
  expect(outside).toBe('parley: PARLEY_TEST_WEAK_KDF is for Parley’s own test runs only\n');
});

test("usernames take core's canonical form: `parley send Straße` reaches the account strasse", async () => {
  const env = (name: string) => ({
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: `${name}-password-1`,
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  });
  const frank = env('frank');
  const strasse = env('strasse');
  expect((await parley(['register', url, 'frank'], frank)).code).toBe(0);
  expect((await parley(['register', url, 'strasse'], strasse)).code).toBe(0);

  expect(await parley(['send', 'Straße', 'grüß dich'], frank)).toMatchObject({
    code: 0,
    stdout: 'sent to Straße\n',
  });
  const read = (await parley(['read', '--json'], strasse)).stdout.trim().split('\n');
  expect(read.map((l) => JSON.parse(l))).toMatchObject([{ from: 'frank', text: 'grüß dich' }]);
  // The same person by another spelling: one conversation, one safety number.
  expect((await parley(['verify', 'STRASSE'], frank)).stdout).toContain('Safety number with strasse:');
  expect((await parley(['verify', 'straße', '--mark'], frank)).stdout).toBe('strasse is verified.\n');
});

test('register on a terminal asks for the password twice: two different ones create nothing', async () => {
  const hana = { PARLEY_HOME: home(), PARLEY_PASSWORD: 'unused', PARLEY_ACCESS_PASSWORD: 'club-secret' };
  const first = Terminal.open('hana-1', ['register', url, 'hana'], hana);
  await first.waitFor('Password:', 'the password prompt');
  first.type('hana-password-1');
  await first.waitFor('Repeat the password:', 'the repeat prompt');
  first.type('hana-password-2');
  await first.waitFor('parley: the two passwords differ; nothing was created', 'the refusal');
  first.kill();
  const second = Terminal.open('hana-2', ['register', url, 'hana'], hana);
  await second.waitFor('Password:', 'the password prompt');
  second.type('hana-password-1');
  await second.waitFor('Repeat the password:', 'the repeat prompt');
  second.type('hana-password-1');
  await second.waitFor(/Registered hana on/, 'registered');
  second.kill();
});

test('--version prints the version, not the usage', async () => {
  const r = await parley(['--version'], { PARLEY_HOME: home() });
  expect([r.code, r.stdout]).toEqual([0, 'parley 0.1.0\n']);
});

test('`parley presence off` stops sharing when the account is online, `on` shares again', async () => {
  const gina = {
    PARLEY_HOME: home(),
    PARLEY_PASSWORD: 'gina-password-1',
    PARLEY_ACCESS_PASSWORD: 'club-secret',
  };
  expect((await parley(['register', url, 'gina'], gina)).code).toBe(0);
  expect((await parley(['presence'], gina)).stdout).toMatch(/^presence is on: /);
  expect((await parley(['presence', 'off'], gina)).stdout).toMatch(
    /^presence is off: .*you do not see theirs\.\n$/,
  );
  expect((await parley(['presence'], gina)).stdout).toMatch(/^presence is off: /);
  expect((await parley(['presence', 'on'], gina)).stdout).toMatch(/^presence is on: /);
  expect(await parley(['presence', 'maybe'], gina)).toMatchObject({
    code: 1,
    stderr: 'parley: usage: presence [on|off]\n',
  });
});
