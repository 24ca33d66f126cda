/** A module bundled with Vite (as the app is) into a script that a test adds to a page. */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** `entry` (a URL relative to the caller's module) bundled as a script that sets `window[name]`. */
export async function bundleForPage(entry: URL, name: string): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: fileURLToPath(entry), formats: ['iife'], name },
    },
  });
  const result = Array.isArray(out) ? out[0]! : out;
  if (!('output' in result)) throw new Error('unexpected Vite build result');
  return result.output.find((o) => o.type === 'chunk')!.code;
}
