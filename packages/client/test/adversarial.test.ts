/**
 * Hostile people against real clients (the server-side cases are in
 * packages/server/test/adversarial.test.ts, which lists where every other case is proven).
 */
import { DEFAULT_CIPHERSUITE } from '@parley/core';
import { expect, test } from 'vitest';
import { KEY_PACKAGE_TARGET } from '../src/index.js';
import { hasKeyPackages, openClient, person, serve, until } from './fixtures.js';

test('key-package exhaustion: a stranger claims every one-time package, the last resort still lets bob be added, and his client replenishes', async () => {
  const { url } = await serve();
  const [alice, bob, mallory] = [
    await person(url, 'alice'),
    await person(url, 'bob'),
    await person(url, 'mallory'),
  ];
  const a = await openClient(url, alice);
  const m = await openClient(url, mallory);
  const b = await openClient(url, bob);
  await hasKeyPackages(b.client);
  await b.client.close(); // bob is offline while mallory drains his packages

  // mallory claims bob's packages until only the last resort comes back.
  let claims = 0;
  for (;;) {
    const bundle = await m.client.connection.request({
      type: 'kp_claim',
      accountId: 'bob',
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (bundle.type !== 'kp_bundle') throw new Error(`claim refused: ${JSON.stringify(bundle)}`);
    claims++;
    if (bundle.keyPackages.every((k) => k.lastResort)) break;
    expect(claims).toBeLessThanOrEqual(KEY_PACKAGE_TARGET);
  }
  expect(claims).toBe(KEY_PACKAGE_TARGET + 1);

  // alice can still start a conversation with bob: his last-resort package is used again.
  const id = await a.client.createConversation(['bob']);
  await a.client.sendText(id, 'are you there?');

  // bob comes back: joins with the last resort, reads the message, and uploads fresh packages.
  const back = await openClient(url, bob);
  await until(async () => back.inbox.some((msg) => msg.text === 'are you there?'), 'bob reads alice');
  await until(async () => {
    const r = await back.client.connection.request({ type: 'kp_count' });
    return r.type === 'kp_remaining' && r.oneTime >= KEY_PACKAGE_TARGET && r.lastResort;
  }, 'bob replenished his key packages');
  await back.client.sendText(id, 'yes');
  await until(() => a.inbox.some((msg) => msg.text === 'yes'), 'alice reads bob');
});
