/**
 * Deleting an account from the web app (issue #18): Log out → Delete my account asks for the
 * password, leaves every conversation (the other side sees the person go), deletes the account on
 * the server, and removes this browser's data; the name is then refused (reserved) and the
 * account can no longer sign in.
 */
import { ParleyApi } from '@parley/client';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  dialog,
  hasKeyPackages,
  newChat,
  passwordOf,
  register,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

test('Delete my account leaves the conversations, deletes the account and this browser’s data; the name stays reserved', async () => {
  const { url } = suite.served;
  const vera = await suite.person('vera');
  await register(vera);
  const walt = await sdkPerson(url, 'walt');
  await hasKeyPackages(suite.served, 'walt');
  await newChat(vera, 'walt');
  await send(vera, 'goodbye soon');
  await until(() => walt.inbox.includes('goodbye soon'), 'walt reads vera', BROWSER_WAIT_MS);
  const direct = walt.client.conversations()[0]!;

  await vera.page.getByRole('button', { name: 'Log out' }).click();
  await dialog(vera.page).getByRole('button', { name: 'Delete my account…' }).click();
  const d = dialog(vera.page);
  await d.getByText('It cannot be undone').waitFor();
  await screenshot(vera, 'delete-account');
  await d.getByLabel('Password').fill(passwordOf('vera'));
  await d.getByRole('button', { name: 'Delete my account for good' }).click();
  await vera.page
    .getByRole('button', { name: /Create account|Sign in/ })
    .waitFor({ timeout: BROWSER_WAIT_MS });

  // Gone from the server: no account row, and a sign-in fails.
  const row = await suite.served.server.db
    .selectFrom('accounts')
    .select('username')
    .where('username', '=', 'vera')
    .executeTakeFirst();
  expect(row).toBeUndefined();
  await expect(new ParleyApi(url).login('vera', passwordOf('vera'))).rejects.toThrow();
  // The other side sees her go: walt commits her leave when he syncs.
  await until(
    () => !walt.client.members(direct).includes('vera'),
    'vera left the conversation',
    BROWSER_WAIT_MS,
  );
  // The name is reserved: registering it again is refused.
  await vera.page.getByLabel('Username').fill('vera');
  const refusal = vera.page.getByRole('alert');
  await vera.page.getByLabel('Password', { exact: true }).fill('another-password-1');
  await vera.page.getByRole('button', { name: 'Create account' }).click();
  await refusal.waitFor({ timeout: BROWSER_WAIT_MS });
  expect(await refusal.innerText()).toMatch(/reserved|taken|not available/i);
  await walt.client.close();
});
