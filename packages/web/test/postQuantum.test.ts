/**
 * The post-quantum choice in the web app: the new-chat form's checkbox starts an X-Wing
 * conversation, whose suite both sides' headers show, and messages go both ways in it.
 */
import { POST_QUANTUM_CIPHERSUITE } from '@parley/core';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  dialog,
  message,
  openConversation,
  screenshot,
  send,
} from './browser.js';

const suite = browserSuite();
const PQ = 'Suite: X-Wing (post-quantum) · AES-256-GCM';

test('ticking “Post-quantum encryption (X-Wing)” starts an X-Wing chat: both sides see the suite and read each other', async () => {
  const [uma, vic] = await suite.pair('uma', 'vic');
  // vic's browser publishes key packages of the post-quantum suite too.
  await until(
    async () =>
      (
        await suite.served.server.db
          .selectFrom('key_packages')
          .select('ref')
          .where('username', '=', 'vic')
          .where('cipher_suite', '=', POST_QUANTUM_CIPHERSUITE)
          .execute()
      ).length > 0,
    'vic has post-quantum key packages',
    BROWSER_WAIT_MS,
  );

  await uma.page.getByRole('button', { name: 'New chat' }).click();
  const d = dialog(uma.page);
  await d.getByLabel('Username').fill('vic');
  await d.getByLabel('Post-quantum encryption (X-Wing)').check();
  await screenshot(uma, 'post-quantum-new-chat');
  await d.getByRole('button', { name: 'Start chat' }).click();
  await d.waitFor({ state: 'detached' });
  await uma.page.getByTestId('suite').filter({ hasText: PQ }).waitFor();
  await send(uma, 'hello over X-Wing');
  await screenshot(uma, 'post-quantum-chat');

  await openConversation(vic, 'uma');
  await message(vic, 'hello over X-Wing').waitFor();
  expect(await vic.page.getByTestId('suite').innerText()).toBe(PQ);
  await send(vic, 'received, quantum-safe');
  await message(uma, 'received, quantum-safe').waitFor();
});

test('without the checkbox a chat uses the default suite, and says so', async () => {
  const [wes] = await suite.pair('wes', 'xan');
  await wes.page.getByRole('button', { name: 'New chat' }).click();
  const d = dialog(wes.page);
  await d.getByLabel('Username').fill('xan');
  await d.getByRole('button', { name: 'Start chat' }).click();
  await d.waitFor({ state: 'detached' });
  await wes.page.getByTestId('suite').filter({ hasText: 'Suite: X25519 · AES-128-GCM' }).waitFor();
});
