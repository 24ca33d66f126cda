/**
 * `parley audit` (the real binary) against a real server: an honest log checks out (and its head
 * printed); a device the server slipped into someone's account, logged so clients accept it, is
 * caught as not certified by the account's identity key; a head from a history the server later
 * rewrote is caught as a split view. `--watch` keeps checking, and reports both when they happen
 * while it runs.
 */
import { spawn } from 'node:child_process';
import { ParleyApi } from '@parley/client';
import { nativeCiphersuite } from '@parley/core/node';
import { rewriteLogEntry, slipInImpostorDevice, until } from '@parley/testing';
import { expect, test } from 'vitest';
import { bin, parley, someone, startServer } from './harness.js';

test('parley audit checks an honest log, catches an injected device, and a head from a rewritten history', async () => {
  const server = await startServer();
  const cs = await nativeCiphersuite();
  for (const name of ['alice', 'bob'])
    await new ParleyApi(server.url, { unsafeTestingCheapKsf: true }).register(
      name,
      `${name} password 123`,
      cs,
    );
  const auditor = someone('auditor');

  const honest = await parley(['audit', server.url, '--print-head'], auditor);
  expect(honest.code).toBe(0);
  expect(honest.stdout).toContain('log of 4 entries: 2 accounts, 2 device certificates');
  expect(honest.stdout).toContain('OK: every head and entry checks out');
  const head = /^head: (\S+)$/m.exec(honest.stdout)![1]!;

  await slipInImpostorDevice(server.server.db, 'bob');
  const injected = await parley(['audit', server.url, '--head', head], auditor);
  expect(injected.code).toBe(1);
  expect(injected.stdout).toMatch(
    /entry 4 \(bob\): device \S+ is not certified by the account's identity key/,
  );
  // The head given earlier is still a head of this log.
  expect(injected.stdout).not.toContain('given head 1');

  // The operator rewrites alice's registration and restarts: the old head no longer fits.
  await rewriteLogEntry(server.server.db, 0);
  await server.stop();
  const again = await startServer({ dataDir: server.dataDir, port: server.port });
  const rewritten = await parley(['audit', again.url, '--head', head], auditor);
  expect(rewritten.code).toBe(1);
  expect(rewritten.stdout).toMatch(/given head 1: root \S+ is not this log's at size 4 \(split view\)/);
});

test('parley audit --watch reports, in its next round, a device slipped in and then a history rewritten while it runs', async () => {
  const server = await startServer();
  const cs = await nativeCiphersuite();
  for (const name of ['alice', 'bob'])
    await new ParleyApi(server.url).register(name, `${name} password 123`, cs);
  const watcher = spawn(process.execPath, [bin, 'audit', server.url, '--watch', '--interval', '0.3'], {
    env: { ...process.env, ...someone('auditor') },
  });
  let out = '';
  let err = '';
  watcher.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  watcher.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  try {
    await until(() => out.includes('OK: every head and entry checks out'), 'the first round passes');
    const rounds = () => out.split('log of ').length - 1;

    await slipInImpostorDevice(server.server.db, 'bob');
    await until(
      () => /entry 4 \(bob\): device \S+ is not certified/.test(out),
      'the injected device is reported',
    );
    expect(out).toContain('log of 5 entries');

    // The operator rewrites alice's registration and restarts: the watcher's tree no longer fits.
    await rewriteLogEntry(server.server.db, 0);
    await server.stop();
    // A monitor outlives a server that is down: the round fails, and the next one is tried.
    await until(() => err.includes('this round failed (fetch failed); trying again'), 'a round fails');
    const seen = rounds();
    await startServer({ dataDir: server.dataDir, port: server.port });
    const last = () => out.split('log of ').at(-1)!;
    await until(() => rounds() > seen && last().includes('split view'), 'the rewrite is reported');
    expect(last()).toMatch(/the server’s head: root \S+ is not this log's at size 5 \(split view\)/);
    expect(watcher.exitCode).toBeNull();
  } catch (e) {
    throw new Error(`${String(e)}\n--- audit's output:\n${out.slice(-2000)}\n--- errors:\n${err}`);
  } finally {
    watcher.kill();
  }
});
