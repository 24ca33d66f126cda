// @parley/web/dist-path: where this package's build (`npm run build`: Vite's output) is, for the
// server that serves it. The directory holds index.html only once the app has been built.
import { fileURLToPath } from 'node:url';

/** The absolute path of the web app's build directory. */
export const webDistPath = fileURLToPath(new URL('./dist', import.meta.url));
