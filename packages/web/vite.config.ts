import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * `sw.js`, the service worker (serviceWorker.js), with the build's files as the shell it keeps and
 * a version that changes when any of them does (so an update replaces the kept copies).
 */
function serviceWorker(): Plugin {
  return {
    name: 'parley-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const publicFiles = readdirSync(fileURLToPath(new URL('public', import.meta.url)));
      const shell = [
        '/',
        '/index.html',
        ...Object.keys(bundle).map((f) => `/${f}`),
        ...publicFiles.map((f) => `/${f}`),
      ]
        .filter((f, i, all) => all.indexOf(f) === i && !f.endsWith('.map'))
        .sort();
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 16);
      const source = readFileSync(fileURLToPath(new URL('serviceWorker.js', import.meta.url)), 'utf8')
        .replace('/* SHELL */ []', JSON.stringify(shell))
        .replace("/* VERSION */ 'dev'", JSON.stringify(version));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

// The app is served by the Parley server at '/'. The build must not emit inline scripts: the
// server's Content-Security-Policy forbids them (a test checks dist/index.html).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), serviceWorker()],
  // Quiet builds (npm start prints only what the server says); warnings and errors still show.
  logLevel: 'warn',
  resolve: { alias: { crypto: fileURLToPath(new URL('src/webcrypto.ts', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
  },
});
