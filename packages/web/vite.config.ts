import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is served by the Parley server at '/'. The build must not emit inline scripts: the
// server's Content-Security-Policy forbids them (a test checks dist/index.html).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
  },
});
