import { expect, test } from 'vitest';
import { loadServer } from '../src/commands/serve.js';

test('`parley serve` loads the server package when it is installed', async () => {
  expect(typeof (await loadServer()).runServerCommand).toBe('function');
});

test('without the server package, `parley serve` says how to install it', async () => {
  await expect(loadServer('@parley/not-installed')).rejects.toThrow(
    'parley serve needs the server, which is not installed: run `npm install @parley/server`',
  );
});
