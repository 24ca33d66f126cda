/**
 * Key transparency warnings in the web app (issue #21), against a real server turned malicious:
 * a device the operator adds to the person's own account is reported (key_alert), and a key log
 * whose history the operator rewrote is reported as a split view (log_split_view). Each warning is
 * its own alert, says what happened and what to do, stays across a reload until hidden, and is
 * translated.
 */
import { rewriteLogEntry, slipInImpostorDevice } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  browserSuite,
  expectAccessible,
  hasKeyPackages,
  newChat,
  openPerson,
  type Person,
  register,
  type Served,
  screenshot,
  serve,
} from './browser.js';

const suite = browserSuite();
const { people, person } = suite;

/** Choose the app's language (as its language switch keeps it) and reload the page. */
async function reloadIn(p: Person, locale: string): Promise<void> {
  await p.page.evaluate((l) => localStorage.setItem('parley.locale', l), locale);
  await p.page.reload();
  await p.page.getByTestId('me').waitFor();
}

test('a device the server adds to my account raises a lasting warning that says to check my devices', async () => {
  const kim = await person('kim');
  await register(kim);
  const row = await suite.served.server.db
    .selectFrom('devices')
    .select('device_id')
    .where('username', '=', 'kim')
    .executeTakeFirstOrThrow();
  await slipInImpostorDevice(suite.served.server.db, 'kim');
  const impostor = await suite.served.server.db
    .selectFrom('devices')
    .select('device_id')
    .where('username', '=', 'kim')
    .where('device_id', '!=', row.device_id)
    .executeTakeFirstOrThrow();

  // The device checks its account when it connects: a reload is a new connection.
  await kim.page.reload();
  const warning = kim.page.getByRole('alert').filter({ hasText: 'none of your devices made was added' });
  await warning.waitFor();
  expect(await warning.textContent()).toContain(impostor.device_id);
  expect(await warning.textContent()).toContain('revoke any device you do not recognise');
  expect(await warning.textContent()).not.toContain(row.device_id);
  // The generic catch-up banner does not stand in for it.
  expect(await kim.page.getByText('Catching up failed').count()).toBe(0);
  await screenshot(kim, 'key-alert-warning');
  await expectAccessible(kim, 'the key alert warning');

  // It stays across a reload (the SDK reports an entry once), in the chosen language too.
  await reloadIn(kim, 'de');
  await kim.page.getByRole('alert').filter({ hasText: 'den keines deiner Geräte erstellt hat' }).waitFor();
  await reloadIn(kim, 'en');
  await warning.getByRole('button', { name: 'Hide this warning' }).click();
  await warning.waitFor({ state: 'detached' });
  await kim.page.reload();
  await kim.page.getByTestId('me').waitFor();
  expect(await kim.page.getByTestId('key-alert-warning').count()).toBe(0);
});

test('a key log history the server rewrote is shown as a split-view warning, not as a failed catch-up', async () => {
  const own = await serve();
  let again: Served | undefined;
  try {
    const lea = await openPerson(suite.browser, own.url, 'lea');
    const max = await openPerson(suite.browser, own.url, 'max');
    people.push(lea, max);
    await register(lea);
    await register(max);
    await hasKeyPackages(own, 'max');
    // Starting a chat with max takes his keys with their proofs: lea's browser accepts a head
    // that covers max's registration.
    await newChat(lea, 'max');
    const entry = await own.server.db
      .selectFrom('transparency_log')
      .select('seq')
      .where('username', '=', 'max')
      .where('kind', '=', 'registered')
      .executeTakeFirstOrThrow();

    // The operator rewrites max's registration and restarts: lea's browser reconnects and checks.
    await rewriteLogEntry(own.server.db, Number(entry.seq));
    await own.stop(true);
    again = await serve({}, own.dataDir, own.port);
    const warning = lea.page.getByRole('alert').filter({ hasText: 'may be trying to intercept' });
    await warning.waitFor({ timeout: 60_000 });
    expect(await warning.textContent()).toContain('Compare safety numbers');
    expect(await lea.page.getByText('Catching up failed').count()).toBe(0);
    await screenshot(lea, 'split-view-warning');
    await expectAccessible(lea, 'the split view warning');
    await reloadIn(lea, 'ar');
    await lea.page.getByRole('alert').filter({ hasText: 'قد يحاول الخادم اعتراض محادثاتك' }).waitFor();
  } finally {
    await again?.stop(true);
    await own.stop();
  }
});
