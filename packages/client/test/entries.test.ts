/**
 * The SDK's entry points keep Node-only code out of browsers: what `@parley/client` and
 * `@parley/client/browser` import, module by module, names neither better-sqlite3, ws nor a `node:`
 * module; those two are optional peers, which only the Node entry (`@parley/client/node`) uses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Every package a module imports (statically, with its type-only imports left out), transitively. */
function packagesImported(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
      const specifier = m[1]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(join(src, entry));
  return packages;
}

test.each(['index.ts', 'browser.ts'])('%s imports nothing Node-only', (entry) => {
  const imported = [...packagesImported(entry)];
  expect(imported.length).toBeGreaterThan(0);
  expect(imported.filter((p) => p === 'ws' || p === 'better-sqlite3' || p.startsWith('node:'))).toEqual([]);
});

test('better-sqlite3 and ws are optional peers, used by the Node entry only', () => {
  expect(pkg.dependencies).not.toHaveProperty('better-sqlite3');
  expect(pkg.dependencies).not.toHaveProperty('ws');
  expect(pkg.peerDependenciesMeta).toEqual({ 'better-sqlite3': { optional: true }, ws: { optional: true } });
  expect([...packagesImported('node.ts')]).toEqual(expect.arrayContaining(['better-sqlite3', 'ws']));
});
