import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import {
  conversation,
  dialog,
  hasKeyPackages,
  launch,
  message,
  newChat,
  openConversation,
  openPerson,
  type Person,
  register,
  type Served,
  screenshot,
  send,
  serve,
  WEB_ROOT,
} from './browser.js';

let browser: Browser;
let served: Served;
const people: Person[] = [];

beforeAll(async () => {
  browser = await launch();
  served = await serve();
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

afterEach(async () => {
  const problems = people.flatMap((p) => p.problems.map((x) => `${p.name}: ${x}`));
  for (const p of people.splice(0)) await p.context.close();
  expect(problems).toEqual([]);
});

async function person(name: string, viewport?: { width: number; height: number }) {
  const p = await openPerson(browser, served.url, name, viewport);
  people.push(p);
  return p;
}

test('the server sends the web app with a CSP that forbids inline scripts and foreign origins; the build has no inline script', async () => {
  const res = await fetch(`${served.url}/`);
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toMatch(/connect-src 'self' ws:\/\/localhost:\d+/);
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
  const js = await fetch(served.url + asset);
  expect(js.headers.get('cache-control')).toContain('immutable');
  // The API keeps its own routes beside the app.
  expect((await fetch(`${served.url}/v1/server`)).status).toBe(200);
});

test('two people register in their browsers, chat one-to-one, and see the same safety number and QR code', async () => {
  const alice = await person('alice');
  const bob = await person('bob');
  await register(alice);
  await register(bob);
  await screenshot(alice, 'conversation-list-empty');
  await hasKeyPackages(served, 'bob');

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
  await send(bob, 'Hi Alice! Got it.');
  await message(alice, 'Hi Alice! Got it.').waitFor();
  await alice.page.locator('.message.mine .ticks[data-status]').first().waitFor();
  await screenshot(alice, 'direct-chat');

  // Safety numbers: 60 digits in 12 groups, the same on both screens, with a QR code.
  const numbers: string[] = [];
  for (const p of [alice, bob]) {
    await p.page.getByRole('button', { name: 'Safety number' }).click();
    const d = dialog(p.page);
    const digits = (await d.getByTestId('safety-number').locator('span').allTextContents()).join(' ');
    expect(digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    await d.getByRole('img', { name: /QR code of the safety number/ }).waitFor();
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
