import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slipInImpostorDevice, until } from '@parley/testing';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  hasKeyPackages,
  message,
  newChat,
  newGroup,
  openConversation,
  openPerson,
  passwordOf,
  register,
  safetyDigits,
  screenshot,
  send,
  serve,
  showSafetyNumber,
  submitRegistration,
  WEB_ROOT,
} from './browser.js';

const suite = browserSuite();
const { people, person, pair } = suite;

const PHONE = { width: 390, height: 760 };

test('the server sends the web app with a CSP that forbids inline scripts and foreign origins; the build has no inline script', async () => {
  const res = await fetch(`${suite.served.url}/`);
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  // Built from configuration, never from the request's Host header: same-origin WebSockets are 'self'.
  expect(csp).toContain("connect-src 'self';");
  expect(csp).not.toContain('localhost');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res.headers.get('cache-control')).toBe('no-cache');
  const html = readFileSync(join(WEB_ROOT, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) {
    expect(s[0]).toMatch(/\ssrc="\/assets\//);
    expect(s[1]!.trim()).toBe('');
  }
  expect(html).not.toMatch(/\son[a-z]+=/i);
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)![1]!;
  const js = await fetch(suite.served.url + asset);
  expect(js.headers.get('cache-control')).toContain('immutable');
  // The API keeps its own routes beside the app.
  expect((await fetch(`${suite.served.url}/v1/server`)).status).toBe(200);
});

test('two people register in their browsers, chat one-to-one, and see the same safety number and QR code', async () => {
  const alice = await person('alice');
  const bob = await person('bob', PHONE, 'dark');
  await register(alice);
  await register(bob);
  await screenshot(alice, 'conversation-list-empty');
  await hasKeyPackages(suite.served, 'bob');

  // Keyboard: dialogs open from focused buttons with Enter and close with Escape.
  await alice.page.getByRole('button', { name: 'New chat' }).focus();
  await alice.page.keyboard.press('Enter');
  await dialog(alice.page).getByLabel('Username').waitFor();
  expect(
    await dialog(alice.page)
      .getByLabel('Username')
      .evaluate((e) => e === document.activeElement),
  ).toBe(true);
  await alice.page.keyboard.press('Escape');
  await dialog(alice.page).waitFor({ state: 'detached' });

  await newChat(alice, 'bob');
  await send(alice, 'Hello Bob, this is end-to-end encrypted.');
  await expect(alice.page.getByTestId('encryption-status').textContent()).resolves.toMatch(
    /End-to-end encrypted · MLS.*not verified/,
  );

  // Bob's list shows the new conversation with an unread badge and the last message.
  const row = conversation(bob, 'alice');
  await row.locator('.badge', { hasText: '1' }).waitFor();
  await expect(row.locator('.conversation-last').textContent()).resolves.toBe(
    'Hello Bob, this is end-to-end encrypted.',
  );
  await screenshot(bob, 'unread-badge');
  await openConversation(bob, 'alice');
  await message(bob, 'Hello Bob').waitFor();
  await row.locator('.badge').waitFor({ state: 'detached' });
  // Bob has read it: Alice's message shows the read ticks; Bob is online.
  await alice.page.locator('.message.mine .ticks[data-status="read"]').waitFor();
  await alice.page.locator('.chat-title', { hasText: 'online' }).waitFor();

  // Typing indicator, then the reply.
  await bob.page.getByLabel('Message', { exact: true }).fill('Hi Alice!');
  await alice.page.getByText('bob is typing…').waitFor();
  await send(bob, 'Hi Alice! Got it.');
  await message(alice, 'Hi Alice! Got it.').waitFor();
  await alice.page.getByText('bob is typing…').waitFor({ state: 'detached' });
  await screenshot(alice, 'direct-chat');
  await screenshot(bob, 'direct-chat-phone-dark');

  // Safety numbers: 60 digits in 12 groups, the same on both screens, with a QR code.
  const numbers: string[] = [];
  for (const p of [alice, bob]) {
    const digits = await showSafetyNumber(p);
    expect(digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    await dialog(p.page)
      .getByRole('img', { name: /QR code of the safety number/ })
      .waitFor();
    numbers.push(digits);
  }
  expect(numbers[0]).toBe(numbers[1]);
  await screenshot(alice, 'safety-number');

  // Alice marks Bob verified: the chat's encryption status says so.
  await dialog(alice.page).getByRole('button', { name: 'Mark as verified' }).click();
  await dialog(alice.page).getByText('You have verified bob.').waitFor();
  await dialog(alice.page).getByRole('button', { name: 'Close' }).click();
  await alice.page.getByTestId('encryption-status').getByText('verified', { exact: true }).waitFor();
});

test('a third person joins a group; a removed member is told so and receives no new messages', async () => {
  const kate = await person('kate');
  const leo = await person('leo');
  const mia = await person('mia', PHONE);
  for (const p of [kate, leo, mia]) await register(p);
  await hasKeyPackages(suite.served, 'leo');
  await hasKeyPackages(suite.served, 'mia');

  await newGroup(kate, 'Project', ['leo']);
  await send(kate, 'first in the group');
  await conversation(leo, 'Project')
    .locator('.conversation-last', { hasText: 'first in the group' })
    .waitFor();

  // Kate adds Mia: she gets the conversation and what is said from then on.
  await kate.page.getByRole('button', { name: 'Members' }).click();
  await dialog(kate.page).getByLabel('Add people (usernames)').fill('mia');
  await dialog(kate.page).getByRole('button', { name: 'Add', exact: true }).click();
  await dialog(kate.page).locator('li[data-member="mia"]').waitFor();
  await screenshot(kate, 'group-members');
  await dialog(kate.page).getByRole('button', { name: 'Close' }).click();
  await conversation(mia, 'Project').waitFor();
  await send(kate, 'welcome, mia');
  await openConversation(mia, 'Project');
  await message(mia, 'welcome, mia').waitFor();
  await openConversation(leo, 'Project');
  await message(leo, 'welcome, mia').waitFor();
  await screenshot(mia, 'group-chat-phone');

  // Kate removes Leo: his app says so, and what follows never reaches him.
  await kate.page.getByRole('button', { name: 'Members' }).click();
  await dialog(kate.page).getByRole('button', { name: 'Remove leo' }).click();
  await dialog(kate.page).locator('li[data-member="leo"]').waitFor({ state: 'detached' });
  await dialog(kate.page).getByRole('button', { name: 'Close' }).click();
  await leo.page.getByTestId('ended').waitFor();
  await send(kate, 'after leo left');
  await message(mia, 'after leo left').waitFor();
  // Mia then writes to Leo directly; by the time that arrives, the group message (sent before it)
  // would have arrived too had Leo still been a member.
  await mia.page.getByRole('button', { name: 'Back to conversations' }).click();
  await newChat(mia, 'leo');
  await send(mia, 'direct to leo, sent after the group message');
  await conversation(leo, 'mia')
    .locator('.conversation-last', { hasText: 'direct to leo, sent after the group message' })
    .waitFor();
  expect(await message(leo, 'after leo left').count()).toBe(0);
  expect(await conversation(leo, 'Project').locator('.conversation-last').textContent()).not.toContain(
    'after leo left',
  );
  await screenshot(leo, 'removed-from-group');

  // Renaming reaches the remaining members.
  await kate.page.getByRole('button', { name: 'Members' }).click();
  await dialog(kate.page).getByLabel('Group name').fill('Project Alpha');
  await dialog(kate.page).getByRole('button', { name: 'Rename' }).click();
  await dialog(kate.page).getByRole('button', { name: 'Close' }).click();
  await conversation(mia, 'Project Alpha').waitFor({ state: 'attached' });
});

test('a contact key swapped by the server brings up a warning with the new safety number; it can be put off while the conversation stays held; accepting it re-pins', async () => {
  const [alice, bob] = await pair('erin', 'frank');
  await newChat(alice, 'frank');
  await send(alice, 'before the swap');
  await conversation(bob, 'erin').locator('.conversation-last', { hasText: 'before the swap' }).waitFor();
  const before = await showSafetyNumber(alice);
  await dialog(alice.page).getByRole('button', { name: 'Close' }).click();

  // The server turns malicious: it slips in a "frank" device certified by an identity key of its own.
  await slipInImpostorDevice(suite.served.server.db, 'frank');

  // Erin starts a group with "frank": her browser refuses the impostor and warns, blocking the app.
  await alice.page.getByRole('button', { name: 'New group' }).click();
  const form = dialog(alice.page);
  await form.getByLabel('Group name').fill('Weekend');
  await form.getByLabel(/Members/).fill('frank');
  await form.getByRole('button', { name: 'Create group' }).click();
  const warning = alice.page.getByRole('alertdialog', { name: 'frank’s safety number changed' });
  await warning.waitFor();
  expect(await warning.evaluate((d) => d.matches(':modal'))).toBe(true);
  await alice.page.keyboard.press('Escape');
  expect(await warning.isVisible()).toBe(true);
  await warning.getByRole('button', { name: 'Compare new safety number' }).click();
  const after = await safetyDigits(warning, 'new-safety-number');
  expect(after).toMatch(/^(\d{5} ){11}\d{5}$/);
  expect(after).not.toBe(before);
  await screenshot(alice, 'identity-changed-warning');

  // She can put it off: the app is hers again, the conversation with frank says it is held, and
  // Review brings the warning back. Her other conversations carry on meanwhile.
  await warning.getByRole('button', { name: 'Decide later' }).click();
  await warning.waitFor({ state: 'detached' });
  await openConversation(alice, 'frank');
  const held = alice.page.getByRole('status').filter({ hasText: 'What you send here waits' });
  await held.getByRole('button', { name: 'Review' }).click();
  await warning.waitFor();

  // Erin accepts the new key knowingly: the warning goes, the new key is pinned, unverified.
  await warning.getByRole('button', { name: 'Accept the new key' }).click();
  await warning.waitFor({ state: 'detached' });
  await alice.page.keyboard.press('Escape');
  await openConversation(alice, 'frank');
  const pinned = await showSafetyNumber(alice);
  expect(pinned).toBe(after);
  await dialog(alice.page).getByRole('button', { name: 'Mark as verified' }).waitFor();
});

test('errors are shown plainly: username taken, wrong password, no device in this browser', async () => {
  const first = await person('grace');
  await register(first);
  const second = await person('grace');
  await submitRegistration(second);
  await second.page
    .getByRole('alert')
    .filter({ hasText: 'That username is taken, or looks too much like one that is.' })
    .waitFor();

  await second.page.getByRole('button', { name: 'I already have an account' }).click();
  await second.page.getByLabel('Username').fill('grace');
  await second.page.getByLabel('Password', { exact: true }).fill('not the password');
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();

  await second.page.getByLabel('Password', { exact: true }).fill(passwordOf('grace'));
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page
    .getByRole('alert')
    .filter({ hasText: 'This browser holds no device of grace yet.' })
    .waitFor();
  await second.page.getByLabel('Link code').waitFor();
  await screenshot(second, 'error-no-device');
});

test('a server with an access password asks for it at registration and refuses a wrong one', async () => {
  const guarded = await serve({ access: 'password', accessPassword: 'club-secret-42' });
  try {
    const p = await openPerson(suite.browser, guarded.url, 'heidi');
    people.push(p);
    await submitRegistration(p, { label: 'Server access password', value: 'wrong-secret' });
    await p.page.getByRole('alert').filter({ hasText: 'Wrong access password or invite code.' }).waitFor();
    await p.page.getByLabel('Server access password').fill('club-secret-42');
    await p.page.getByRole('button', { name: 'Create account' }).click();
    await p.page.getByTestId('me').filter({ hasText: 'heidi' }).waitFor();
  } finally {
    await guarded.stop();
  }
});

test('history stays on the device encrypted in IndexedDB across reloads; logging out with removal deletes it', async () => {
  const [alice, bob] = await pair('ivan', 'judy');
  await newChat(alice, 'judy');
  await send(alice, 'a secret worth keeping');
  await conversation(bob, 'ivan')
    .locator('.conversation-last', { hasText: 'a secret worth keeping' })
    .waitFor();

  await alice.page.reload();
  await openConversation(alice, 'judy');
  await message(alice, 'a secret worth keeping').waitFor();

  // A second tab of the same browser does not run the same device at the same time.
  const tab = await alice.context.newPage();
  await tab.goto(suite.served.url);
  await tab.getByRole('alert').filter({ hasText: 'already open in another tab' }).waitFor();
  await tab.close();

  // What IndexedDB holds is sealed: neither the text nor the device's keys appear in it.
  const stored = await alice.page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('parley-records-ivan');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const rows = await new Promise<Array<{ v: Uint8Array }>>((resolve, reject) => {
      const r = db.transaction('records').objectStore('records').getAll();
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    db.close();
    return rows.map((row) => Array.from(row.v, (b) => String.fromCharCode(b)).join(''));
  });
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.some((s) => s.includes('a secret worth keeping'))).toBe(false);
  expect(stored.every((s) => s.startsWith('PRLY'))).toBe(true);

  await alice.page.getByRole('button', { name: 'Log out' }).click();
  await dialog(alice.page).getByRole('button', { name: 'Log out and remove this device’s data' }).click();
  await alice.page.getByRole('button', { name: 'Sign in' }).waitFor();
  const databases = await alice.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(databases).not.toContain('parley-records-ivan');
  await alice.page.reload();
  await alice.page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
});

test('once allowed, a message arriving while the tab is in the background shows a notification; clicking it opens the chat', async () => {
  const [quinn, ruth] = await pair('quinn', 'ruth');

  // The browser has not decided yet: the app offers to enable notifications; allowing hides the offer.
  const enable = ruth.page.getByRole('button', { name: 'Enable notifications' });
  await enable.waitFor();
  await ruth.context.grantPermissions(['notifications'], { origin: suite.served.url });
  await enable.click();
  await enable.waitFor({ state: 'detached' });

  // Headless Chromium shows no tab strip: this script lets the test put the tab in the background
  // (document.hidden and a visibilitychange event, as switching tabs does) and keeps each
  // notification the page creates, so the test can read it and click it.
  await ruth.context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    let hidden = false;
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    w.setTabHidden = (h: boolean) => {
      hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    const Real = window.Notification;
    const shown: Notification[] = [];
    w.shownNotifications = shown;
    class Kept extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push(this);
      }
    }
    Object.defineProperty(Kept, 'permission', { get: () => Real.permission });
    w.Notification = Kept;
  });
  await ruth.page.reload();
  await ruth.page.getByTestId('me').filter({ hasText: 'ruth' }).waitFor({ state: 'attached' });
  const shown = () =>
    ruth.page.evaluate(() =>
      (window as unknown as { shownNotifications: Notification[] }).shownNotifications.map((n) => ({
        title: n.title,
        body: n.body,
      })),
    );

  // While the tab is in front, a message shows in the app only.
  await newChat(quinn, 'ruth');
  await send(quinn, 'are you there?');
  await conversation(ruth, 'quinn').locator('.conversation-last', { hasText: 'are you there?' }).waitFor();
  expect(await shown()).toEqual([]);

  // In the background: a notification with the sender and the text; the message stays unread.
  await ruth.page.evaluate(() =>
    (window as unknown as { setTabHidden: (h: boolean) => void }).setTabHidden(true),
  );
  await send(quinn, 'lunch at noon?');
  await until(async () => (await shown()).length === 1, 'a notification', BROWSER_WAIT_MS);
  expect(await shown()).toEqual([{ title: 'quinn', body: 'lunch at noon?' }]);
  await conversation(ruth, 'quinn').locator('.badge', { hasText: '2' }).waitFor();

  // Clicking it brings the tab forward with the chat open, and the messages are read.
  await ruth.page.evaluate(() => {
    const w = window as unknown as { shownNotifications: Notification[]; setTabHidden: (h: boolean) => void };
    w.shownNotifications[0]!.onclick?.(new Event('click'));
    w.setTabHidden(false);
  });
  await ruth.page.locator('.chat-title h2', { hasText: 'quinn' }).waitFor();
  await message(ruth, 'lunch at noon?').waitFor();
  await quinn.page
    .locator('.message.mine', { hasText: 'lunch at noon?' })
    .locator('.ticks[data-status="read"]')
    .waitFor();
});
