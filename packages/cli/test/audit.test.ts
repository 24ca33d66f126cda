/**
 * `parley audit` (the real binary) against a real server: an honest log checks out (and its head
 * printed); a device the server slipped into someone's account, logged so clients accept it, is
 * caught as not certified by the account's identity key; a head from a history the server later
 * rewrote is caught as a split view.
 */
import { ParleyApi } from '@parley/client';
import { nativeCiphersuite } from '@parley/core/node';
import { rewriteLogEntry, slipInImpostorDevice } from '@parley/testing';
import { expect, test } from 'vitest';
import { parley, someone, startServer } from './harness.js';

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
