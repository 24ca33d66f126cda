/**
 * A new browser of an existing account (issue #18): restored from an encrypted backup on a fresh
 * profile (same identity: the contact's safety number does not change and no warning shows; the
 * history up to the backup is back), or linked from the account's browser with its history.
 */
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  expectAccessible,
  message,
  openConversation,
  passwordOf,
  registered,
  screenshot,
  send,
  showSafetyNumber,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

async function deviceCount(accountId: string): Promise<number> {
  const rows = await suite.served.server.db
    .selectFrom('devices')
    .select('device_id')
    .where('username', '=', accountId)
    .execute();
  return rows.length;
}

test('a backup restored on a fresh browser brings the history back, and the contact sees the same safety number and no warning', async () => {
  const lea = await registered(suite, 'lea');
  const kim = await sdkPerson(suite.served.url, 'kim', {}, { signsInOnTheWeb: true });
  const direct = await kim.client.createConversation(['lea']);
  await kim.client.sendText(direct, 'before the backup');
  await openConversation(lea, 'kim');
  await message(lea, 'before the backup').waitFor({ timeout: BROWSER_WAIT_MS });
  const before = await showSafetyNumber(lea);
  await dialog(lea.page).getByRole('button', { name: 'Close' }).click();
  const { file, recoveryKey } = await kim.client.exportBackup();
  await kim.client.close(); // kim's only device is lost

  const fresh = await suite.person('kim');
  const { page } = fresh;
  await page.getByRole('button', { name: 'Restore from backup' }).click();
  await page.getByLabel('Backup file').setInputFiles({
    name: 'kim.parley',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(file),
  });
  await page.getByLabel('Password').fill('kim-password-1234');
  await expectAccessible(fresh, 'the restore form');
  const alert = page.getByRole('alert');
  // A typo is caught by the key's own check, naming its line; another key does not open the file.
  const typo = `${recoveryKey.slice(0, 2)}${recoveryKey[2] === '7' ? '8' : '7'}${recoveryKey.slice(3)}`;
  await page.getByLabel('Recovery key').fill(typo);
  await page.getByRole('button', { name: 'Restore my account' }).click();
  await alert.filter({ hasText: /line 1/ }).waitFor();
  const other = (await sdkPerson(suite.served.url, 'nat')).client;
  const otherKey = (await other.exportBackup()).recoveryKey;
  await other.close();
  await page.getByLabel('Recovery key').fill(otherKey);
  await page.getByRole('button', { name: 'Restore my account' }).click();
  await alert.filter({ hasText: 'This recovery key does not open this backup' }).waitFor();
  // Nothing was kept: no device in this browser, none registered for kim.
  const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(databases.filter((n) => n?.includes('records'))).toEqual([]);
  expect(await deviceCount('kim')).toBe(1);

  await page.getByLabel('Recovery key').fill(recoveryKey.toLowerCase().replaceAll('-', ' '));
  await page.getByRole('button', { name: 'Restore my account' }).click();
  await page.getByTestId('me').filter({ hasText: 'kim' }).waitFor({ state: 'attached' });
  expect(await deviceCount('kim')).toBe(2);
  await openConversation(fresh, 'lea');
  await message(fresh, 'before the backup').waitFor();
  await send(fresh, 'back from my backup');
  await message(lea, 'back from my backup').waitFor({ timeout: BROWSER_WAIT_MS });
  await screenshot(fresh, 'restored-from-backup');
  expect(await lea.page.getByTestId('identity-warning').count()).toBe(0);
  expect(await showSafetyNumber(lea)).toBe(before);
});

test('a browser linked with "All of it" shows the messages of the existing conversations', async () => {
  const uma = await registered(suite, 'uma');
  const vic = await sdkPerson(suite.served.url, 'vic');
  const direct = await vic.client.createConversation(['uma']);
  const club = await vic.client.createConversation(['uma'], 'Book club');
  const n = (i: number) => String(i).padStart(2, '0');
  for (let i = 1; i <= 20; i++) {
    await vic.client.sendText(direct, `direct ${n(i)}`);
    await vic.client.sendText(club, `club ${n(i)}`);
  }
  await conversation(uma, 'Book club')
    .locator('.conversation-last', { hasText: 'club 20' })
    .waitFor({ timeout: BROWSER_WAIT_MS });
  await conversation(uma, 'vic').locator('.conversation-last', { hasText: 'direct 20' }).waitFor();

  await uma.page.getByRole('button', { name: 'Link a device' }).click();
  const d = dialog(uma.page);
  await d.getByLabel('Password').fill(passwordOf('uma'));
  await d.getByLabel('Send your history to the new device').selectOption('all');
  await expectAccessible(uma, 'the link dialog with its history choice', 'dialog[open]');
  await d.getByRole('button', { name: 'Get a link code' }).click();
  const code = (await d.getByTestId('link-code').textContent())!;

  const second = await suite.person('uma');
  await second.page.getByRole('button', { name: 'I already have an account' }).click();
  await second.page.getByLabel('Username').fill('uma');
  await second.page.getByLabel('Password', { exact: true }).fill(passwordOf('uma'));
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.getByLabel('Link code').fill(code);
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.getByTestId('me').filter({ hasText: 'uma' }).waitFor({ state: 'attached' });
  await d
    .getByTestId('history-progress')
    .filter({ hasText: 'Sent 40 messages of 2 conversations to the new device' })
    .waitFor();

  await openConversation(second, 'Book club');
  for (const text of ['club 01', 'club 20']) await message(second, text).waitFor();
  await openConversation(second, 'vic');
  for (const text of ['direct 01', 'direct 20']) await message(second, text).waitFor();
  await screenshot(second, 'linked-with-history');
  // The history is the second device's own now; and it reads what is said from now on.
  await vic.client.sendText(direct, 'to both of your devices');
  await message(second, 'to both of your devices').waitFor({ timeout: BROWSER_WAIT_MS });
  await vic.client.close();
});

test('with no device and no backup left, Reset my identity signs in with a new key; the contact is warned of the change', async () => {
  const pia = await registered(suite, 'pia');
  const ora = await sdkPerson(suite.served.url, 'ora', {}, { signsInOnTheWeb: true });
  const direct = await ora.client.createConversation(['pia']);
  await ora.client.sendText(direct, 'hi from my old phone');
  await openConversation(pia, 'ora');
  await message(pia, 'hi from my old phone').waitFor({ timeout: BROWSER_WAIT_MS });
  await ora.client.close(); // lost, with no backup

  const fresh = await suite.person('ora');
  const { page } = fresh;
  await page.getByRole('button', { name: 'I already have an account' }).click();
  await page.getByLabel('Username').fill('ora');
  await page.getByLabel('Password', { exact: true }).fill('ora-password-1234');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /Reset my identity/ }).click();
  expect(await page.getByLabel('Username').inputValue()).toBe('ora');
  await page.getByLabel('Password', { exact: true }).fill('ora-password-1234');
  await expectAccessible(fresh, 'the reset form');
  // Nothing happens until the person says they understand.
  await page.getByRole('button', { name: 'Reset my identity' }).click();
  await page.getByRole('alert').filter({ hasText: 'Tick the box' }).waitFor();
  expect(await deviceCount('ora')).toBe(1);
  await page.getByLabel(/I understand/).check();
  await page.getByRole('button', { name: 'Reset my identity' }).click();
  await page.getByTestId('me').filter({ hasText: 'ora' }).waitFor({ state: 'attached' });
  await conversation(fresh, 'pia').waitFor({ timeout: BROWSER_WAIT_MS });
  await screenshot(fresh, 'identity-reset');

  const warning = pia.page.getByRole('alertdialog', { name: 'ora’s safety number changed' });
  await warning.waitFor({ timeout: BROWSER_WAIT_MS });
  await warning.getByRole('button', { name: 'Accept the new key' }).click();
  await warning.waitFor({ state: 'detached' });
  await openConversation(fresh, 'pia');
  await send(fresh, 'this is my new key');
  await message(pia, 'this is my new key').waitFor({ timeout: BROWSER_WAIT_MS });
});
