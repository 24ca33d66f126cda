// `node scripts/icons.mjs`: the web app's PNG icons (the install prompts want 192 and 512 px) drawn
// from packages/web/public/favicon.svg by Chromium, so the SVG stays the one source.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const dir = new URL('../packages/web/public/', import.meta.url);
const svg = readFileSync(new URL('favicon.svg', dir), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
for (const size of [192, 512]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
  );
  await page.screenshot({ path: new URL(`icon-${size}.png`, dir).pathname, omitBackground: true });
  await page.close();
}
await browser.close();
console.log('wrote icon-192.png and icon-512.png');
