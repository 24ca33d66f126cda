/**
 * The account in the browser: linking a second browser as a named device and managing the devices
 * (names, platforms, dates, revoking), times shown as the browser's locale writes them, the
 * "Share when I'm online" setting (off hides one's presence and, reciprocally, everyone else's),
 * and a lookalike or mixed-script username refused at registration with the reason in plain words.
 */
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  hasKeyPackages,
  message,
  newChat,
  openConversation,
  passwordOf,
  register,
  screenshot,
  send,
  submitRegistration,
} from './browser.js';

const suite = browserSuite();
const { person, pair } = suite;

/** Open the Devices dialog (the password confirms it) and wait for its list. */
async function showDevices(p: Awaited<ReturnType<typeof person>>, count: number) {
  await p.page.getByRole('button', { name: 'Devices', exact: true }).click();
  await dialog(p.page).getByLabel('Password').fill(passwordOf(p.name));
  await dialog(p.page).getByRole('button', { name: 'Show devices' }).click();
  const rows = dialog(p.page).getByRole('list', { name: 'Devices' }).getByRole('listitem');
  await rows.nth(count - 1).waitFor();
  expect(await rows.count()).toBe(count);
  return rows;
}

test('a second browser joins the account with a link code and a name; the devices list shows names, platforms and dates, and revokes it', async () => {
  const [first, friend] = await pair('pat', 'rob');
  await newChat(first, 'rob');
  await send(first, 'from the first device');
  await conversation(friend, 'pat')
    .locator('.conversation-last', { hasText: 'from the first device' })
    .waitFor();

  await first.page.getByRole('button', { name: 'Link a device' }).click();
  await dialog(first.page).getByLabel('Password').fill(passwordOf('pat'));
  await dialog(first.page).getByRole('button', { name: 'Get a link code' }).click();
  const shown = dialog(first.page).getByTestId('link-code');
  await shown.waitFor();
  const code = (await shown.textContent())!;
  expect(code).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
  await screenshot(first, 'link-code');

  const second = await person('pat');
  await second.page.getByRole('button', { name: 'I already have an account' }).click();
  await second.page.getByLabel('Username').fill('pat');
  await second.page.getByLabel('Password', { exact: true }).fill(passwordOf('pat'));
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.getByLabel('Link code').fill('0000-0000-0000-0000-0000');
  // The new device is named here; the browser and system are offered.
  const name = second.page.getByLabel('Name this device');
  expect(await name.inputValue()).toBe('Chrome on Linux');
  await name.fill('Pat’s tablet');
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page
    .getByRole('alert')
    .filter({ hasText: 'That link code is unknown, used or expired.' })
    .waitFor();
  await second.page.getByLabel('Link code').fill(code.toLowerCase());
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.getByTestId('me').filter({ hasText: 'pat' }).waitFor({ state: 'attached' });

  // The new device joins pat's conversation with rob and gets what is said from then on, as does the first.
  await conversation(second, 'rob').waitFor();
  await openConversation(friend, 'pat');
  await send(friend, 'hello to both of your devices');
  await openConversation(second, 'rob');
  await message(second, 'hello to both of your devices').waitFor();
  await dialog(first.page).getByRole('button', { name: 'Close' }).click();
  await message(first, 'hello to both of your devices').waitFor();
  await screenshot(second, 'linked-device');

  // The first device lists both by name and platform, added today; the new one is online.
  const day = /added [A-Z][a-z]{2} \d{1,2}, \d{4}/;
  let rows = await showDevices(first, 2);
  const mine = rows.filter({ hasText: 'this device' });
  for (const text of ['Chrome on Linux', 'Web: Chrome on Linux', day])
    await mine.filter({ hasText: text }).waitFor();
  const other = rows.filter({ hasNotText: 'this device' });
  for (const text of ['Pat’s tablet', 'Web: Chrome on Linux', day, 'online now'])
    await other.filter({ hasText: text }).waitFor();
  await screenshot(first, 'devices');

  // Revoked, it is cut off at once; once gone, the list says when it was last seen.
  await other.getByRole('button', { name: 'Revoke' }).click();
  await other.getByRole('button', { name: 'Revoke Pat’s tablet for good' }).click();
  await other.filter({ hasText: 'revoked' }).waitFor();
  await second.page.getByTestId('connection-banner').filter({ hasText: 'revoked' }).waitFor();
  await dialog(first.page).getByRole('button', { name: 'Close' }).click();
  await until(
    async () => {
      const row = await suite.served.server.db
        .selectFrom('devices')
        .select('disconnected_at')
        .where('username', '=', 'pat')
        .where('revoked_at', 'is not', null)
        .executeTakeFirst();
      return row?.disconnected_at != null;
    },
    'the revoked device to be recorded as gone',
    BROWSER_WAIT_MS,
  );
  rows = await showDevices(first, 2);
  await rows
    .filter({ hasText: 'Pat’s tablet' })
    .filter({ hasText: /revoked .* · last seen \d{1,2}:\d\d\s[AP]M/ })
    .waitFor();
  await dialog(first.page).getByRole('button', { name: 'Close' }).click();
  await send(first, 'only one device now');
  await conversation(friend, 'pat')
    .locator('.conversation-last', { hasText: 'only one device now' })
    .waitFor();
});

/** An Etc/GMT zone where it is now between 3 and 4 in the morning (Etc/GMT-N is UTC+N). */
function zoneAtThreeInTheMorning(): string {
  let offset = (3 - new Date().getUTCHours() + 24) % 24;
  if (offset > 12) offset -= 24;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

test('message times follow the browser’s locale: 24-hour in en-GB, 12-hour in en-US', async () => {
  const timezoneId = zoneAtThreeInTheMorning();
  const gil = await person('gil', undefined, undefined, { locale: 'en-GB', timezoneId });
  const ula = await person('ula', undefined, undefined, { locale: 'en-US', timezoneId });
  await register(gil);
  await register(ula);
  await hasKeyPackages(suite.served, 'ula');
  await newChat(gil, 'ula');
  await send(gil, 'what time is it');
  await openConversation(ula, 'gil');
  await message(ula, 'what time is it').waitFor();
  const timeOn = (p: typeof gil) =>
    p.page.locator('.message', { hasText: 'what time is it' }).locator('time').textContent();
  // The hour may tick over to 4 while the test runs.
  expect(await timeOn(gil)).toMatch(/^0[34]:\d\d$/);
  expect(await timeOn(ula)).toMatch(/^[34]:\d\d\sAM$/);
});

test('"Share when I’m online" off hides both sides’ presence; on shares it again', async () => {
  const [una, vic] = await pair('una', 'vic');
  await newChat(una, 'vic');
  await send(una, 'hello vic');
  const unaSees = una.page.getByTestId('online');
  const vicSees = vic.page.getByTestId('online');
  await unaSees.filter({ hasText: 'Online: vic' }).waitFor();
  await vicSees.filter({ hasText: 'Online: una' }).waitFor();

  await una.page.getByRole('button', { name: 'Privacy' }).click();
  const share = dialog(una.page).getByLabel('Share when I’m online');
  await expect.poll(() => share.isChecked(), { timeout: BROWSER_WAIT_MS }).toBe(true);
  await share.uncheck();
  await expect.poll(() => share.isChecked(), { timeout: BROWSER_WAIT_MS }).toBe(false);
  await expect(dialog(una.page).textContent()).resolves.toMatch(/no longer see when they are online/);
  await screenshot(una, 'privacy-off');
  await vicSees.filter({ hasText: 'No contacts online' }).waitFor();
  await unaSees.filter({ hasText: 'No contacts online' }).waitFor();

  // The setting is the account's: it is read back from the server when the dialog opens again.
  await dialog(una.page).getByRole('button', { name: 'Close' }).click();
  await una.page.getByRole('button', { name: 'Privacy' }).click();
  await expect
    .poll(() => dialog(una.page).getByLabel('Share when I’m online').isChecked(), {
      timeout: BROWSER_WAIT_MS,
    })
    .toBe(false);
  await dialog(una.page).getByLabel('Share when I’m online').check();
  await vicSees.filter({ hasText: 'Online: una' }).waitFor();
  await unaSees.filter({ hasText: 'Online: vic' }).waitFor();
});

test('registering a lookalike or mixed-script name shows why in plain words', async () => {
  await pair('wes', 'mia');
  const mixed = await person('w\u0435s'); // a Cyrillic е among Latin letters
  await submitRegistration(mixed);
  await mixed.page
    .getByRole('alert')
    .filter({ hasText: 'Usernames cannot mix writing systems (such as Latin and Cyrillic letters)' })
    .waitFor();
  const lookalike = await person('rnia'); // r + n look like the m of mia
  await submitRegistration(lookalike);
  await lookalike.page
    .getByRole('alert')
    .filter({ hasText: 'That username is taken, or looks too much like one that is' })
    .waitFor();
});
