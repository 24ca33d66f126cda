/**
 * The account's privacy in the browser: the "Share when I'm online" setting (off hides one's
 * presence and, reciprocally, everyone else's), and a lookalike or mixed-script username refused at
 * registration with the reason in plain words.
 */
import { expect, test } from 'vitest';
import { browserSuite, dialog, newChat, screenshot, send, submitRegistration } from './browser.js';

const suite = browserSuite();
const { person, pair } = suite;

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
  await expect.poll(() => share.isChecked()).toBe(true);
  await share.uncheck();
  await expect.poll(() => share.isChecked()).toBe(false);
  await expect(dialog(una.page).textContent()).resolves.toMatch(/no longer see when they are online/);
  await screenshot(una, 'privacy-off');
  await vicSees.filter({ hasText: 'No contacts online' }).waitFor();
  await unaSees.filter({ hasText: 'No contacts online' }).waitFor();

  // The setting is the account's: it is read back from the server when the dialog opens again.
  await dialog(una.page).getByRole('button', { name: 'Close' }).click();
  await una.page.getByRole('button', { name: 'Privacy' }).click();
  await expect.poll(() => dialog(una.page).getByLabel('Share when I’m online').isChecked()).toBe(false);
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
