/**
 * Browser test harness: a real Parley server on loopback serving the built web app, and real
 * Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core. Each person is
 * a separate browser context (its own IndexedDB, like a separate browser profile).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '@parley/server';
import { type LoopbackServer, startLoopbackServer, until } from '@parley/testing';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** How long a test waits for something a browser does (pages are slow to start on a loaded machine). */
export const BROWSER_WAIT_MS = 20_000;
export const WEB_ROOT = fileURLToPath(new URL('../dist', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type Served = LoopbackServer;

/** A real server on loopback serving the built web app (see @parley/testing). */
export async function serve(
  overrides: Partial<ServerConfig> = {},
  dataDir?: string,
  port?: number,
): Promise<Served> {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error('build the web app first (npm run build)');
  const running = await startLoopbackServer({
    config: { webRoot: WEB_ROOT, ...overrides },
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  // localhost is a secure context for WebCrypto, like 127.0.0.1; use the name people type.
  return { ...running, url: running.url.replace('://127.0.0.1', '://localhost') };
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** The browser's language and time zone (Chromium's own when not given). */
export interface Where {
  locale?: string;
  timezoneId?: string;
}

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and uncaught errors the page reported: must stay empty. */
  problems: string[];
}

export async function openPerson(
  browser: Browser,
  url: string,
  name: string,
  viewport = { width: 1100, height: 760 },
  colorScheme: 'light' | 'dark' = 'light',
  where: Where = {},
): Promise<Person> {
  const context = await browser.newContext({ viewport, colorScheme, ...where });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return { name, context, page, problems };
}

/** A test file's Chromium and server, and the people its tests open. */
export interface Suite {
  readonly browser: Browser;
  readonly served: Served;
  /** Everyone opened by the running test: closed after it, and their pages must report no problem. */
  readonly people: Person[];
  /** Someone in their own browser context on this suite's server. */
  person(
    name: string,
    viewport?: { width: number; height: number },
    scheme?: 'light' | 'dark',
    where?: Where,
  ): Promise<Person>;
  /** Two people registered in their own browsers; others can start a chat with the second. */
  pair(first: string, second: string): Promise<[Person, Person]>;
}

/**
 * Start Chromium and a server (with `config` over the test defaults) before the file's (or the
 * describe block's) tests and stop them after; close each test's people.
 */
export function browserSuite(config: Partial<ServerConfig> = {}): Suite {
  let browser: Browser | undefined;
  let served: Served | undefined;
  const people: Person[] = [];
  beforeAll(async () => {
    browser = await launch();
    served = await serve(config);
  });
  afterEach(async () => {
    const problems = people.flatMap((p) => p.problems.map((x) => `${p.name}: ${x}`));
    for (const p of people.splice(0)) await p.context.close();
    expect(problems).toEqual([]);
  });
  // Closing Chromium can be slow on a loaded machine: the hook gets more than the default minute.
  afterAll(async () => {
    await Promise.all([browser?.close(), served?.stop()]);
  }, 180_000);
  const suite: Suite = {
    get browser() {
      if (browser === undefined) throw new Error('the browser starts before the tests');
      return browser;
    },
    get served() {
      if (served === undefined) throw new Error('the server starts before the tests');
      return served;
    },
    people,
    async person(name, viewport, scheme, where) {
      const p = await openPerson(suite.browser, suite.served.url, name, viewport, scheme, where);
      people.push(p);
      return p;
    },
    async pair(first, second) {
      const a = await suite.person(first);
      const b = await suite.person(second);
      await register(a);
      await register(b);
      await hasKeyPackages(suite.served, second);
      return [a, b];
    },
  };
  return suite;
}

export function passwordOf(name: string): string {
  return `correct horse ${name} battery`;
}

/** Fill the registration form (switching to it if needed) and submit. */
export async function submitRegistration(p: Person, extra?: { label: string; value: string }): Promise<void> {
  const { page } = p;
  await page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
  if (await page.getByRole('button', { name: 'Create an account' }).isVisible())
    await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(p.name);
  await page.getByLabel('Password', { exact: true }).fill(passwordOf(p.name));
  if (extra !== undefined) await page.getByLabel(extra.label).fill(extra.value);
  await page.getByRole('button', { name: 'Create account' }).click();
}

export async function register(p: Person): Promise<void> {
  await submitRegistration(p);
  await p.page.getByTestId('me').filter({ hasText: p.name }).waitFor({ state: 'attached' });
}

/** Someone registered in their own browser, whom others (SDK peers too) can add to conversations. */
export async function registered(suite: Suite, name: string): Promise<Person> {
  const p = await suite.person(name);
  await register(p);
  await hasKeyPackages(suite.served, name);
  return p;
}

/** Wait until the server holds key packages of the account (others can add it to conversations). */
export async function hasKeyPackages(served: Served, accountId: string): Promise<void> {
  await until(
    async () => {
      const row = await served.server.db
        .selectFrom('key_packages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('username', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n) > 0;
    },
    `${accountId} has key packages`,
    BROWSER_WAIT_MS,
  );
}

export function dialog(page: Page): Locator {
  return page.locator('dialog[open]').last();
}

/** The safety number shown in a dialog, as 12 groups of 5 digits joined by spaces. */
export async function safetyDigits(within: Locator, testId = 'safety-number'): Promise<string> {
  const digits = within.getByTestId(testId);
  await digits.waitFor();
  return (await digits.locator('span').allTextContents()).join(' ');
}

/** Open the safety number with the open conversation's contact; returns its digits. */
export async function showSafetyNumber(p: Person): Promise<string> {
  await p.page.getByRole('button', { name: 'Safety number' }).click();
  return safetyDigits(dialog(p.page));
}

export async function newChat(p: Person, other: string): Promise<void> {
  await p.page.getByRole('button', { name: 'New chat' }).click();
  const d = dialog(p.page);
  await d.getByLabel('Username').fill(other);
  await d.getByRole('button', { name: 'Start chat' }).click();
  await d.waitFor({ state: 'detached' });
}

export async function newGroup(p: Person, name: string, members: string[]): Promise<void> {
  await p.page.getByRole('button', { name: 'New group' }).click();
  const d = dialog(p.page);
  await d.getByLabel('Group name').fill(name);
  await d.getByLabel(/Members/).fill(members.join(', '));
  await d.getByRole('button', { name: 'Create group' }).click();
  await d.waitFor({ state: 'detached' });
}

export async function send(p: Person, text: string): Promise<void> {
  const box = p.page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await message(p, text).waitFor();
}

export function message(p: Person, text: string): Locator {
  return p.page.locator('.message .text', { hasText: text });
}

export function conversation(p: Person, title: string): Locator {
  return p.page.locator(`button.conversation[data-conversation="${title}"]`);
}

export async function openConversation(p: Person, title: string): Promise<void> {
  await conversation(p, title).click();
  await p.page.locator('.chat-title h2', { hasText: title }).waitFor();
}

export async function screenshot(p: Person, name: string): Promise<void> {
  await p.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** axe-core's browser bundle, injected into pages to audit them. */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeSource: string | undefined;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Audit the page (or the part `within` selects) with axe-core: every violation, whatever its
 * impact (minor to critical), one line each (impact, rule, help, the elements and why).
 */
export async function axeProblems(p: Person, within?: string): Promise<string[]> {
  // Evaluated rather than added as a <script> (page.addScriptTag): the app's Content-Security-Policy
  // refuses inline scripts, and the audit is of the page as served, policy included.
  axeSource ??= `${await readFile(AXE, 'utf8')};void 0`;
  if (!(await p.page.evaluate(() => 'axe' in window))) await p.page.evaluate(axeSource);
  const violations = await p.page.evaluate(async (context) => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run(context ?? document, { resultTypes: ['violations'] })) as {
      violations: AxeViolation[];
    };
    return result.violations;
  }, within);
  return violations.map(
    (v) =>
      `${v.impact} ${v.id} (${v.help}): ${v.nodes
        .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
        .join('; ')}`,
  );
}

/** The page (or the part `within` selects) has no axe violation at all; `where` names it. */
export async function expectAccessible(p: Person, where: string, within?: string): Promise<void> {
  const problems = await axeProblems(p, within);
  expect(problems, `axe on ${where}:\n${problems.join('\n')}`).toEqual([]);
}
