/**
 * The web app's accessibility in real Chromium (issue #22): axe-core finds no violation (of any
 * impact) on the sign-in screens, the chat screen with text, file and image messages, replies and
 * reactions (light, dark, and at a phone's width), and every dialog (light, dark, and at 360 × 740,
 * where the account's dialogs open from the list's screen); the main flow works with the
 * keyboard alone (arrow keys between conversations, opening one puts the cursor in the composer,
 * Enter sends, Tab reaches a message's actions, Escape closes a dialog and focus goes back to what
 * opened it, focus is kept when the devices list loads and after Back on a phone); the live
 * region says each incoming message with its sender, also from other chats, and nothing else;
 * the app reflows at 320 CSS px and at 400% zoom (320 × 256 CSS px: the headers and composer are
 * compact and the messages get over 60% of the height; screenshots); nothing animates when the
 * person prefers reduced motion.
 */
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  dialog,
  expectAccessible,
  message,
  newChat,
  newGroup,
  openConversation,
  type Person,
  passwordOf,
  register,
  registered,
  screenshot,
  send,
} from './browser.js';
import { focused, tabTo } from './keyboard.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

/** A small PNG drawn by the page itself, as bytes. */
async function drawPng(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(300, 200);
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#1e3a8a';
    g.fillRect(0, 0, 300, 200);
    g.fillStyle = '#fde047';
    g.fillRect(100, 60, 100, 80);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  return Buffer.from(base64, 'base64');
}

/** Open a dialog with `open`, audit it with axe, close it with Escape. */
async function audit(p: Person, open: () => Promise<void>, where: string): Promise<void> {
  await open();
  const d = dialog(p.page);
  await d.waitFor();
  await expectAccessible(p, where);
  await p.page.keyboard.press('Escape');
  await d.waitFor({ state: 'detached' });
}

function click(p: Person, name: string): () => Promise<void> {
  return () => p.page.getByRole('button', { name, exact: true }).click();
}

/** The dialogs of ada's open conversation with cy (details, block, safety number, image, report). */
async function chatDialogs(ada: Person, thumb: Locator, how: string): Promise<void> {
  await audit(ada, click(ada, 'Details'), `the details panel (${how})`);
  await audit(
    ada,
    async () => {
      await click(ada, 'Details')();
      await dialog(ada.page).getByRole('button', { name: 'Block cy' }).click();
      await dialog(ada.page).getByRole('heading', { name: 'Block cy?' }).waitFor();
    },
    `the block confirmation (${how})`,
  );
  await audit(
    ada,
    async () => {
      await click(ada, 'Details')();
      await dialog(ada.page).getByRole('button', { name: 'Safety number', exact: true }).click();
      await dialog(ada.page).getByTestId('safety-number').waitFor();
    },
    `the safety number (${how})`,
  );
  await audit(ada, () => thumb.click(), `the image dialog (${how})`);
  await audit(
    ada,
    async () => {
      const theirs = ada.page.locator('li.message', {
        has: ada.page.locator(':scope > .text', { hasText: 'hat' }),
      });
      await theirs.hover();
      await theirs.getByRole('button', { name: 'Report', exact: true }).click();
    },
    `the report dialog (${how})`,
  );
}

/** The account's dialogs (privacy, new chat and group, devices, link a device, log out). */
async function accountDialogs(ada: Person, how: string): Promise<void> {
  await audit(
    ada,
    async () => {
      await click(ada, 'Privacy')();
      await dialog(ada.page).getByRole('button', { name: 'Download my history' }).click();
      await dialog(ada.page).getByRole('link', { name: 'Download as JSON' }).waitFor();
    },
    `the privacy dialog (${how})`,
  );
  await audit(ada, click(ada, 'New chat'), `the new chat dialog (${how})`);
  await audit(ada, click(ada, 'New group'), `the new group dialog (${how})`);
  await audit(
    ada,
    async () => {
      await click(ada, 'Devices')();
      await dialog(ada.page).getByLabel('Password').fill(passwordOf('ada'));
      await dialog(ada.page).getByRole('button', { name: 'Show devices' }).click();
      await dialog(ada.page).locator('li').first().waitFor();
    },
    `the devices dialog (${how})`,
  );
  await audit(ada, click(ada, 'Link a device'), `the link a device dialog (${how})`);
  await audit(ada, click(ada, 'Log out'), `the log out dialog (${how})`);
  await audit(
    ada,
    async () => {
      await click(ada, 'Log out')();
      await dialog(ada.page).getByRole('button', { name: 'Delete my account…' }).click();
      await dialog(ada.page).getByRole('heading', { name: 'Delete my account' }).waitFor();
    },
    `the delete account dialog (${how})`,
  );
}

test('the sign-in and registration screens have no accessibility violation', async () => {
  const p = await suite.person('axe-first');
  await p.page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
  await expectAccessible(p, 'the first screen');
  const other = p.page.getByRole('button', { name: /Create an account|I already have an account/ });
  if ((await other.count()) > 0) {
    await other.first().click();
    await expectAccessible(p, 'the other form of the first screen');
  }
});

test('the chat screen with files, images, replies and reactions, and every dialog, pass axe', async () => {
  const ada = await registered(suite, 'ada');
  const cy = await sdkPerson(suite.served.url, 'cy');
  const direct = await cy.client.directConversation('ada');
  const hello = await cy.client.sendText(direct, 'hello ada, here is the plan');
  await openConversation(ada, 'cy');
  await message(ada, 'here is the plan').waitFor();

  // A reply, an image and a file from ada; cy reacts and replies.
  const bubble = ada.page.locator('li.message', {
    has: ada.page.locator(':scope > .text', { hasText: 'plan' }),
  });
  await bubble.hover();
  await bubble.getByRole('button', { name: 'Reply', exact: true }).click();
  await send(ada, 'sounds good');
  await ada.page
    .getByTestId('file-input')
    .setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: await drawPng(ada.page) });
  await ada.page
    .getByTestId('file-input')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('bring water') });
  const thumb = ada.page.getByRole('button', { name: 'Open image map.png' });
  await thumb.waitFor({ timeout: BROWSER_WAIT_MS });
  await ada.page.locator('li.message', { hasText: 'notes.txt' }).waitFor({ timeout: BROWSER_WAIT_MS });
  await cy.client.react(direct, hello.id, '🎉');
  await ada.page.getByRole('button', { name: '🎉 1: cy' }).waitFor();
  await cy.client.reply(direct, hello.id, 'and bring a hat');
  await message(ada, 'and bring a hat').waitFor();
  await ada.page.mouse.move(0, 0);
  await expectAccessible(ada, 'the chat screen');
  // Hovered, a message's actions show: they pass too.
  await bubble.hover();
  await expectAccessible(ada, 'a message with its actions shown');
  await ada.page.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(ada, 'the chat screen in the dark scheme');
  await ada.page.setViewportSize({ width: 390, height: 760 });
  await expectAccessible(ada, 'the chat screen at a phone’s width');
  await ada.page.getByRole('button', { name: 'Back to conversations' }).click();
  await expectAccessible(ada, 'the conversation list at a phone’s width');
  await ada.page.setViewportSize({ width: 1100, height: 760 });
  await openConversation(ada, 'cy');

  // Every dialog, in both themes at a desktop's width, and at a phone's (where the account's
  // dialogs open from the list's screen).
  for (const colorScheme of ['light', 'dark'] as const) {
    await ada.page.emulateMedia({ colorScheme });
    await chatDialogs(ada, thumb, colorScheme);
    await accountDialogs(ada, colorScheme);
  }
  await ada.page.emulateMedia({ colorScheme: 'light' });
  await ada.page.setViewportSize({ width: 360, height: 740 });
  await chatDialogs(ada, thumb, 'at 360 × 740');
  await ada.page.getByRole('button', { name: 'Back to conversations' }).click();
  await accountDialogs(ada, 'at 360 × 740');
  await cy.client.close();
});

test('the keyboard alone sends a message, reaches its actions, and closes a dialog back to its button', async () => {
  const [kay, lou] = await suite.pair('kay', 'lou');
  await kay.page.getByRole('button', { name: 'New chat' }).focus();
  await kay.page.keyboard.press('Enter');
  await kay.page.keyboard.type('lou');
  await kay.page.keyboard.press('Enter');
  await kay.page.locator('.chat-title h2', { hasText: 'lou' }).waitFor();
  await newGroup(kay, 'Crew', ['lou']);
  await kay.page.locator('.chat-title h2', { hasText: 'Crew' }).waitFor();

  // The conversation list is one Tab stop; the arrow keys move between conversations, Enter opens.
  const titles = await kay.page
    .locator('button.conversation')
    .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-conversation')!));
  expect([...titles].sort()).toEqual(['Crew', 'lou']);
  const [first, second] = titles;
  await conversation(kay, first!).focus();
  await kay.page.keyboard.press('ArrowDown');
  expect(await focused(kay)).toContain(second);
  await kay.page.keyboard.press('ArrowUp');
  expect(await focused(kay)).toContain(first);
  await kay.page.keyboard.press('End');
  expect(await focused(kay)).toContain(second);
  await kay.page.keyboard.press('Home');
  expect(await focused(kay)).toContain(first);
  if (first !== 'lou') await kay.page.keyboard.press('ArrowDown');
  await kay.page.keyboard.press('Enter');
  await kay.page.locator('.chat-title h2', { hasText: 'lou' }).waitFor();
  expect(await kay.page.locator('button.conversation[tabindex="0"]').count()).toBe(1);
  // Opening a conversation puts the cursor in its composer.
  await expect.poll(() => kay.page.evaluate(() => document.activeElement?.id)).toBe('composer');

  // Tab to the composer, type, Enter sends.
  await kay.page.getByRole('button', { name: 'Details' }).focus();
  await tabTo(kay, (e) => e.getAttribute('aria-label') === 'Message' || e.id === 'composer');
  await kay.page.keyboard.type('typed without a mouse');
  await kay.page.keyboard.press('Enter');
  await message(kay, 'typed without a mouse').waitFor();
  await openConversation(lou, 'kay');
  await message(lou, 'typed without a mouse').waitFor();

  // From the top of the conversation, Tab reaches the message's actions (shown while focused).
  await lou.page.getByRole('button', { name: 'Details' }).focus();
  await tabTo(lou, (e) => e.textContent === 'Reply' && e.closest('li.message') !== null);
  expect(await lou.page.locator('li.message .actions button', { hasText: 'Reply' }).isVisible()).toBe(true);
  await lou.page.keyboard.press('Tab');
  expect(await focused(lou)).toBe('React');

  // A dialog opened from the keyboard closes with Escape, and focus goes back to its button.
  await lou.page.getByRole('button', { name: 'Privacy' }).focus();
  await lou.page.keyboard.press('Enter');
  await dialog(lou.page).waitFor();
  expect(await dialog(lou.page).evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await lou.page.keyboard.press('Escape');
  await dialog(lou.page).waitFor({ state: 'detached' });
  expect(await focused(lou)).toBe('Privacy');

  // The devices dialog: the password, Enter, and focus is on the list that replaced the form.
  await lou.page.getByRole('button', { name: 'Devices' }).focus();
  await lou.page.keyboard.press('Enter');
  await lou.page.keyboard.type(passwordOf('lou'));
  await lou.page.keyboard.press('Enter');
  // The password is checked by a login (OPAQUE) first: under a loaded CI machine, more than the
  // poll's default second.
  await expect.poll(() => focused(lou), { timeout: BROWSER_WAIT_MS }).toBe('Devices');
  expect(await dialog(lou.page).evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await lou.page.keyboard.press('Escape');
  await dialog(lou.page).waitFor({ state: 'detached' });
  expect(await lou.page.evaluate(() => document.activeElement?.textContent)).toBe('Devices');

  // One pane at a time on a phone: Back puts focus on the conversation just left.
  await lou.page.setViewportSize({ width: 390, height: 760 });
  await lou.page.getByRole('button', { name: 'Back to conversations' }).focus();
  await lou.page.keyboard.press('Enter');
  await expect
    .poll(() => lou.page.evaluate(() => document.activeElement?.getAttribute('data-conversation')))
    .toBe('kay');
});

test('with reduced motion preferred, nothing on the chat screen animates, not even motion added later', async () => {
  const p = await suite.person('moe');
  await p.page.emulateMedia({ reducedMotion: 'reduce' });
  await register(p);
  const moving = () =>
    p.page.evaluate(
      () =>
        Array.from(document.querySelectorAll('*'))
          .map((e) => getComputedStyle(e))
          .filter(
            (s) =>
              (s.animationName !== 'none' && Number.parseFloat(s.animationDuration) > 0.01) ||
              Number.parseFloat(s.transitionDuration) > 0.01 ||
              Number.parseFloat(s.transitionDelay) > 0.01,
          ).length,
    );
  // A probe that moves (a transition and an animation, as a later change could add): the rule
  // stops it too, and only when reduced motion is asked for.
  await p.page.evaluate(() => {
    const probe = document.createElement('div');
    probe.id = 'motion-probe';
    probe.style.transition = 'opacity 2s ease 1s';
    probe.style.animation = 'motion-probe 3s infinite';
    document.body.append(probe);
  });
  expect(await moving()).toBe(0);
  await p.page.emulateMedia({ reducedMotion: 'no-preference' });
  expect(await moving()).toBe(1);
  await p.page.emulateMedia({ reducedMotion: 'reduce' });
  expect(await moving()).toBe(0);
  expect(
    await p.page.evaluate(() => {
      const s = getComputedStyle(document.getElementById('motion-probe')!);
      return [s.transitionDuration, s.transitionDelay, s.animationDuration, s.animationIterationCount];
    }),
  ).toEqual(['0s', '0s', '0s', '1']);
});

test('the live region says each incoming message with its sender, from other chats too, and nothing else', async () => {
  const nia = await registered(suite, 'nia');
  const oz = await sdkPerson(suite.served.url, 'oz');
  const direct = await oz.client.directConversation('nia');
  const band = await oz.client.createGroup('Band', ['nia']);
  await oz.client.sendText(direct, 'first words');
  // The group shows under its name once its welcome is read (until then it is titled "oz" too).
  await conversation(nia, 'Band').waitFor();
  await openConversation(nia, 'oz');
  const announcer = nia.page.getByTestId('announcer');
  await expect.poll(() => announcer.textContent(), { timeout: BROWSER_WAIT_MS }).toBe('oz: first words');
  // The history is not a live region: opening a chat says nothing.
  expect(await nia.page.locator('.messages[aria-live]').count()).toBe(0);
  expect(await announcer.getAttribute('aria-live')).toBe('polite');

  await oz.client.sendText(band, 'practice at six');
  await expect
    .poll(() => announcer.textContent(), { timeout: BROWSER_WAIT_MS })
    .toBe('oz in Band: practice at six');
  await send(nia, 'my own words');
  await openConversation(nia, 'Band');
  await openConversation(nia, 'oz');
  expect(await announcer.textContent()).toBe('oz in Band: practice at six');
  await oz.client.close();
});

test('at 320 CSS px wide, and zoomed to 400%, the app reflows and the messages keep the room', async () => {
  const [sal, sam] = await suite.pair('sal', 'sam');
  await newChat(sal, 'sam');
  await send(sal, 'hello there');
  const measure = () =>
    sal.page.evaluate(() => ({
      messages: document.querySelector('.messages')!.getBoundingClientRect().height,
      scrollWidth: document.documentElement.scrollWidth,
    }));
  // A phone 320 px wide: one column, nothing wider than the screen, the messages most of the height;
  // the header keeps who is signed in.
  await sal.page.setViewportSize({ width: 320, height: 640 });
  await screenshot(sal, 'reflow-320');
  let m = await measure();
  expect(m.scrollWidth).toBe(320);
  expect(m.messages).toBeGreaterThan(640 / 2);
  expect(await sal.page.getByTestId('me').isVisible()).toBe(true);
  // 1280 × 1024 at 400%: 320 × 256 CSS px. The account's buttons wait on the list's screen.
  await sal.page.setViewportSize({ width: 320, height: 256 });
  await screenshot(sal, 'reflow-400-percent');
  m = await measure();
  expect(m.scrollWidth).toBe(320);
  expect(m.messages).toBeGreaterThan(256 * 0.6);
  // Compact, the chat's header still says whether the contact is verified, and the composer is there.
  expect(await sal.page.getByTestId('encryption-status').getByText('not verified').isVisible()).toBe(true);
  expect(await sal.page.getByLabel('Message', { exact: true }).isVisible()).toBe(true);
  // Page Up and Page Down in the composer scroll the messages.
  for (const i of [1, 2, 3, 4]) await send(sal, `line ${i}`);
  const scrolled = () => sal.page.locator('.messages').evaluate((l) => l.scrollTop);
  const bottom = await scrolled();
  await sal.page.getByLabel('Message', { exact: true }).press('PageUp');
  await expect.poll(scrolled).toBeLessThan(bottom);
  // Reading further up, nobody is pulled down by a message that arrives meanwhile.
  const reading = await scrolled();
  await openConversation(sam, 'sal');
  await send(sam, 'are you there');
  await message(sal, 'are you there').waitFor();
  // Two frames: the list's effects after the message was drawn have run.
  await sal.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  expect(await scrolled()).toBe(reading);
  await sal.page.getByLabel('Message', { exact: true }).press('PageDown');
  await expect.poll(scrolled).toBeGreaterThan(bottom - 2);
  // Back at the bottom, the list follows what arrives again.
  await sal.page.getByLabel('Message', { exact: true }).press('PageDown');
  const toBottom = () =>
    sal.page.locator('.messages').evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight);
  await expect.poll(toBottom).toBeLessThan(2);
  // (Followed to the list's last line; its bottom padding, 0.8rem, may stay below.)
  for (const text of ['still here', 'and again']) {
    await send(sam, text);
    await message(sal, text).waitFor();
    await expect.poll(toBottom).toBeLessThan(16);
  }
  await sal.page.getByRole('button', { name: 'Back to conversations' }).click();
  await sal.page.getByRole('button', { name: 'Privacy' }).waitFor();
  expect(await sal.page.evaluate(() => document.documentElement.scrollWidth)).toBe(320);
});
