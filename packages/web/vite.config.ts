import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is served by the Parley server at '/'. The build must not emit inline scripts: the
// server's Content-Security-Policy forbids them (a test checks dist/index.html).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
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
