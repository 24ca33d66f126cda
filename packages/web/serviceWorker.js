/**
 * The service worker's source, written into the build as `sw.js` by vite.config.ts, which puts in
 * the list of the build's files (SHELL) and a name that changes with them (VERSION). It keeps the
 * app shell — the page, its scripts, styles and icons — so the app opens without a network and
 * reads its history from IndexedDB; sending waits in the encrypted outbox until the connection is
 * back. It never caches the API (/v1/…, /healthz, /metrics): messages and files are not its business.
 */
const SHELL = /* SHELL */ [];
const VERSION = /* VERSION */ 'dev';
const CACHE = `parley-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('parley-shell-') && n !== CACHE).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** @param {URL} url */
function isApi(url) {
  return url.pathname.startsWith('/v1/') || url.pathname === '/healthz' || url.pathname === '/metrics';
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || isApi(url)) return;
  if (request.mode === 'navigate') {
    // The page: the network's when it answers (a new version shows at once), else the kept one.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match('/index.html')) ?? Response.error()),
    );
    return;
  }
  // Scripts, styles, icons: content-hashed or fixed, so the kept copy is the right one.
  event.respondWith(caches.match(request).then((kept) => kept ?? fetch(request)));
});
