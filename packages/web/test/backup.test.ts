/**
 * A backup from the web app (issue #18): Privacy → Back up my account downloads an encrypted file
 * and shows its recovery key once; the SDK opens that file with that key (and refuses it with
 * another), and it holds the account's identity and the contacts it pinned.
 */
import { readFile } from 'node:fs/promises';
import { readBackup } from '@parley/client';
import { until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  dialog,
  hasKeyPackages,
  newChat,
  register,
  screenshot,
  send,
} from './browser.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

test('Back up my account gives a file and a recovery key that opens it (and no other key does)', async () => {
  const xena = await suite.person('xena');
  await register(xena);
  const yuri = await sdkPerson(suite.served.url, 'yuri');
  await hasKeyPackages(suite.served, 'yuri');
  await newChat(xena, 'yuri');
  await send(xena, 'keep this');
  await until(() => yuri.inbox.includes('keep this'), 'yuri reads xena', BROWSER_WAIT_MS);

  await xena.page.getByRole('button', { name: 'Privacy' }).click();
  const d = dialog(xena.page);
  await d.getByRole('button', { name: 'Back up my account' }).click();
  const shown = d.getByTestId('recovery-key');
  await shown.waitFor({ timeout: BROWSER_WAIT_MS });
  const recoveryKey = (await shown.innerText()).trim().split('\n').join(' ');
  expect(recoveryKey).toMatch(/^([0-9A-Z]{4}-){3}[0-9A-Z]{4}( ([0-9A-Z]{4}-){3}[0-9A-Z]{4}){3}$/);
  await shown.scrollIntoViewIfNeeded();
  await screenshot(xena, 'backup-recovery-key');
  const download = xena.page.waitForEvent('download');
  await d.getByRole('link', { name: 'Download the backup file' }).click();
  const file = new Uint8Array(await readFile((await (await download).path())!));

  const contents = readBackup(file, recoveryKey);
  expect(contents.accountId).toBe('xena');
  expect(contents.identityPrivateKey.length).toBeGreaterThan(0);
  expect(contents.records.some((r) => r.ns === 'identities')).toBe(true);
  const other = `${recoveryKey.slice(0, -1)}${recoveryKey.endsWith('0') ? '1' : '0'}`;
  expect(() => readBackup(file, other)).toThrow();
  await yuri.client.close();
});
