/**
 * The installable web app (issue #20): the page links a web app manifest with its icons, a service
 * worker keeps the app shell, and with the network gone the app opens again from it, signed in,
 * its history read from IndexedDB; a message written offline waits (shown as sending) and goes out
 * when the network is back. The CSP stays as strict as before.
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  hasKeyPackages,
  message,
  newChat,
  openConversation,
  register,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

test('installable: a manifest with icons, and a service worker that opens the app offline with its history; a message sent offline goes when back online', async () => {
  const { url } = suite.served;
  const tess = await suite.person('tess');
  await register(tess);
  const ugo = await sdkPerson(url, 'ugo');
  await hasKeyPackages(suite.served, 'ugo');
  await newChat(tess, 'ugo');
  await send(tess, 'are you there?');
  await until(() => ugo.inbox.includes('are you there?'), 'ugo reads tess', BROWSER_WAIT_MS);
  const direct = ugo.client.conversations()[0]!;
  await ugo.client.sendText(direct, 'yes, here');
  await message(tess, 'yes, here').waitFor({ timeout: BROWSER_WAIT_MS });

  // The manifest the page links, with installable icons.
  const manifestUrl = await tess.page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = (await (await fetch(new URL(manifestUrl!, url))).json()) as {
    name: string;
    start_url: string;
    display: string;
    icons: Array<{ src: string; sizes: string; type: string }>;
  };
  expect(manifest).toMatchObject({ name: 'Parley', start_url: '/', display: 'standalone' });
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size)!;
    const res = await fetch(new URL(icon.src, url));
    expect(res.headers.get('content-type')).toBe('image/png');
  }

  // The service worker is installed and controls the page (the CSP let it register).
  const scope = await tess.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe(`${url}/`);
  await until(
    () => tess.page.evaluate(() => navigator.serviceWorker.controller !== null),
    'the worker controls the page',
  );

  // Offline: the app opens again from the kept shell, signed in, with its history.
  await tess.page.context().setOffline(true);
  await tess.page.reload();
  await openConversation(tess, 'ugo');
  await message(tess, 'yes, here').waitFor({ timeout: BROWSER_WAIT_MS });
  await message(tess, 'are you there?').waitFor();
  await screenshot(tess, 'offline-history');

  // Written offline: it waits, shown as sending, and goes out once the network is back.
  const box = tess.page.getByLabel('Message', { exact: true });
  await box.fill('written on the train');
  await box.press('Enter');
  const mine = tess.page.locator('li.message', { hasText: 'written on the train' });
  await mine.locator('.ticks[data-status="sending"]').waitFor({ timeout: BROWSER_WAIT_MS });
  expect(ugo.inbox).not.toContain('written on the train');
  await tess.page.context().setOffline(false);
  await until(() => ugo.inbox.includes('written on the train'), 'sent once back online', 60_000);
  await ugo.client.close();
});
