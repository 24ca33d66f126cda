/**
 * No user-visible English is written into the web app's source (issue #20): every text people read
 * comes from the message catalogues. The scanner itself is checked on examples of each kind.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { findInSource, findInTree } from './hardcodedText.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

test('the scanner finds JSX text, literals shown in JSX, readable attributes and thrown messages', () => {
  const source = readFileSync(new URL('./hardcodedText.fixture.txt', import.meta.url), 'utf8');
  const texts = findInSource('a.tsx', source).map((f) => f.text);
  expect(texts).toEqual([
    'That went wrong.',
    'title=Members',
    'Hello there',
    'aria-label=Wait',
    'Working…',
    `title=Open ${'$'}{name}`,
  ]);
});

/** Not for people: main.tsx's check that index.html has the app's root (a developer's mistake). */
const ALLOWED = [/^main\.tsx:\d+ missing #root$/];

test('the web app has no hard-coded user-visible text: it all comes from the catalogues', () => {
  const found = findInTree(SRC)
    .map((f) => `${f.file.slice(SRC.length + 1)}:${f.line} ${f.text}`)
    .filter((f) => !ALLOWED.some((a) => a.test(f)));
  expect(found).toEqual([]);
});
