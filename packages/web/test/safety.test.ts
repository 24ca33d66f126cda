/**
 * The person's safety tools in the web app (issue #18), in real Chromium against a real server,
 * with SDK peers in Node: blocking hides someone's later messages and the chat only they share,
 * unblocking brings their new messages back; a report reaches the operator's real `reports list`;
 * the history downloads as JSON (its messages as sent) and as a web page (message text escaped).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HistoryExport } from '@parley/client';
import { until } from '@parley/testing';
import type { Locator } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  hasKeyPackages,
  message,
  openConversation,
  type Person,
  registered,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const BIN = fileURLToPath(new URL('../../server/bin/parley-server.js', import.meta.url));
const run = promisify(execFile);
const suite = browserSuite();

/** The message whose own text contains `text`. */
function bubble(p: Person, text: string): Locator {
  return p.page.locator('li.message').filter({ has: p.page.locator(':scope > .text', { hasText: text }) });
}

test('blocking hides their later messages and the chat only they share; unblocking brings new ones', async () => {
  const wen = await registered(suite, 'wen');
  const mal = await sdkPerson(suite.served.url, 'mal');
  const kit = await sdkPerson(suite.served.url, 'kit');
  await hasKeyPackages(suite.served, 'kit');
  const direct = await mal.client.directConversation('wen');
  await mal.client.sendText(direct, 'hello from mal');
  const club = await mal.client.createGroup('Club', ['wen', 'kit']);
  await mal.client.sendText(club, 'mal in the club');
  // The group shows under its name once its welcome is read (until then it is titled "mal" too).
  await conversation(wen, 'Club').waitFor();
  await openConversation(wen, 'mal');
  await message(wen, 'hello from mal').waitFor();

  // Details of the chat: Block mal, with a confirmation saying what it does.
  await wen.page.getByRole('button', { name: 'Details' }).click();
  await dialog(wen.page).getByRole('button', { name: 'Block mal' }).click();
  const confirm = dialog(wen.page);
  await confirm.getByRole('heading', { name: 'Block mal?' }).waitFor();
  expect(await confirm.textContent()).toContain('dropped on this device');
  await screenshot(wen, 'safety-block-confirmation');
  await confirm.getByRole('button', { name: 'Block mal' }).click();
  await confirm.waitFor({ state: 'detached' });

  // The one-to-one chat leaves the list (and closes); the group stays, without mal's messages.
  await conversation(wen, 'mal').waitFor({ state: 'detached' });
  await openConversation(wen, 'Club');
  await mal.client.sendText(club, 'mal after the block');
  await until(() => kit.inbox.includes('mal after the block'), 'kit got mal', BROWSER_WAIT_MS);
  await kit.client.sendText(club, 'kit is still here');
  await message(wen, 'kit is still here').waitFor();
  expect(await wen.page.locator('.message .text').allTextContents()).toEqual(['kit is still here']);

  // Privacy lists mal, with Unblock; mal's new messages show again.
  await wen.page.getByRole('button', { name: 'Privacy' }).click();
  const privacy = dialog(wen.page);
  await privacy.locator('[data-blocked="mal"]').waitFor();
  await screenshot(wen, 'safety-blocked-list');
  await privacy.getByRole('button', { name: 'Unblock mal' }).click();
  await privacy.getByText('You have not blocked anyone.').waitFor();
  await wen.page.keyboard.press('Escape');
  await privacy.waitFor({ state: 'detached' });
  await mal.client.sendText(club, 'mal after the unblock');
  await message(wen, 'mal after the unblock').waitFor();
  await mal.client.close();
  await kit.client.close();
});

test('a reported message reaches the operator with its reason; own messages offer no Report', async () => {
  const ria = await registered(suite, 'ria');
  const spam = await sdkPerson(suite.served.url, 'spam');
  const direct = await spam.client.directConversation('ria');
  await spam.client.sendText(direct, 'buy my pills');
  await spam.client.sendText(direct, 'a private aside');
  await openConversation(ria, 'spam');
  await message(ria, 'a private aside').waitFor();
  await send(ria, 'no thanks');
  await bubble(ria, 'no thanks').hover();
  expect(await bubble(ria, 'no thanks').getByRole('button', { name: 'Report' }).count()).toBe(0);

  await bubble(ria, 'buy my pills').hover();
  await bubble(ria, 'buy my pills').getByRole('button', { name: 'Report', exact: true }).click();
  const d = dialog(ria.page);
  await d.getByRole('heading', { name: 'Report a message from spam' }).waitFor();
  expect(await d.textContent()).toContain('shown to the operator of your server');
  const send_ = d.getByRole('button', { name: 'Send report' });
  expect(await send_.isDisabled()).toBe(true);
  await d.getByLabel('Reason (required)').fill('selling pills');
  await screenshot(ria, 'safety-report-dialog');
  await send_.click();
  await d.getByTestId('report-sent').waitFor();

  const { stdout } = await run(
    process.execPath,
    [BIN, 'reports', 'list', '--json', '--data-dir', suite.served.dataDir],
    { timeout: 20_000 },
  );
  const reports = JSON.parse(stdout) as Array<Record<string, unknown>>;
  expect(reports).toEqual([
    expect.objectContaining({
      reporter: 'ria',
      reported: 'spam',
      text: 'buy my pills',
      reason: 'selling pills',
    }),
  ]);
  expect(stdout).not.toContain('private aside');
  await d.getByRole('button', { name: 'Done' }).click();
  await d.waitFor({ state: 'detached' });
  await spam.client.close();
});

test('the history downloads as JSON with the messages and as a page with their text escaped', async () => {
  const eve = await registered(suite, 'eve');
  const pen = await sdkPerson(suite.served.url, 'pen');
  const direct = await pen.client.directConversation('eve');
  const risky = '<img src=x onerror=alert(1)>';
  await pen.client.sendText(direct, risky);
  await openConversation(eve, 'pen');
  await message(eve, risky).waitFor();
  await send(eve, 'looks like markup');

  await eve.page.getByRole('button', { name: 'Privacy' }).click();
  const d = dialog(eve.page);
  await d.getByRole('button', { name: 'Download my history' }).click();
  const asJson = d.getByRole('link', { name: 'Download as JSON' });
  await asJson.waitFor();
  const [json] = await Promise.all([eve.page.waitForEvent('download'), asJson.click()]);
  expect(json.suggestedFilename()).toMatch(/^parley-eve-.*\.json$/);
  const data = JSON.parse(await readFile((await json.path())!, 'utf8')) as HistoryExport;
  expect(data.account).toBe('eve');
  const chat = data.conversations.find((c) => c.members.includes('pen'));
  expect(chat?.messages.map((m) => [m.from, m.text])).toEqual([
    ['pen', risky],
    ['eve', 'looks like markup'],
  ]);

  const [page] = await Promise.all([
    eve.page.waitForEvent('download'),
    d.getByRole('link', { name: 'Download as a web page' }).click(),
  ]);
  const html = await readFile((await page.path())!, 'utf8');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(html).not.toContain(risky);
  expect(html).toContain('looks like markup');
  await pen.client.close();
});
