/** Moving with the keyboard alone in the web app's Chromium tests. */
import type { Person } from './browser.js';

/** The element that has focus, described by its accessible name or text. */
export function focused(p: Person): Promise<string> {
  return p.page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return e?.getAttribute('aria-label') ?? e?.textContent?.trim() ?? '';
  });
}

/**
 * Press Tab until the focused element matches `test` (at most `limit` presses). `test` runs in the
 * page: it sees only its arguments, the element and `arg`.
 */
export async function tabTo<A = undefined>(
  p: Person,
  test: (e: HTMLElement, arg: A) => boolean,
  limit = 40,
  arg?: A,
): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    await p.page.keyboard.press('Tab');
    if (await p.page.evaluate(`(${test.toString()})(document.activeElement, ${JSON.stringify(arg)})`)) return;
    seen.push(await focused(p));
  }
  throw new Error(`Tab did not reach the element (went through: ${seen.join(' | ')})`);
}

/** Tab to the button whose accessible name (its label, else its text) is `name`. */
export function tabToButton(p: Person, name: string, limit = 40): Promise<void> {
  return tabTo(
    p,
    (e, n) => e.tagName === 'BUTTON' && (e.getAttribute('aria-label') ?? e.textContent?.trim()) === n,
    limit,
    name,
  );
}
