/**
 * Serving the web app (packages/web's build) at '/': static files with a Content-Security-Policy
 * that allows scripts, styles and connections from this origin only (plus WebAssembly compilation,
 * which OPAQUE needs, and the configured public origin's WebSocket), and caching that suits Vite's
 * output: the entry document is revalidated every time, content-hashed files under assets/ are
 * cached for a year. The policy comes from the configuration only, never from the request.
 */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

const WEB_PACKAGE = '@parley/web/dist-path';

/** Where the installed @parley/web package keeps its build; undefined when it is not installed. */
async function installedWebBuild(): Promise<string | undefined> {
  try {
    import.meta.resolve(WEB_PACKAGE);
  } catch {
    return undefined; // an optional peer: without it the server serves the API only
  }
  return ((await import(WEB_PACKAGE)) as typeof import('@parley/web/dist-path')).webDistPath;
}

/** The web app's build that is served unless the configuration names another (`webRoot`). */
export const DEFAULT_WEB_ROOT: string | undefined = await installedWebBuild();

/**
 * The policy for a server reached at `publicUrl` (an origin the configuration validated), if known.
 * 'self' covers same-origin ws:/wss: in CSP Level 3 browsers (current Chromium, Firefox, Safari);
 * older ones need the socket's origin named, which only the configured public URL can give safely.
 */
export function contentSecurityPolicy(publicUrl: string | undefined): string {
  const origin = publicUrl === undefined ? undefined : new URL(publicUrl);
  const socket =
    origin === undefined ? '' : ` ${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}`;
  return [
    "default-src 'none'",
    // OPAQUE runs as WebAssembly, compiled from the app's own bundle: 'wasm-unsafe-eval' allows
    // WebAssembly compilation only, not eval() of JavaScript. No inline scripts are allowed.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${socket}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function securityHeaders(reply: FastifyReply, policy: string): void {
  reply.header('content-security-policy', policy);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** Serve the web app from `root` if it has been built; returns whether it is served. */
export async function webApp(
  app: FastifyInstance,
  root: string | undefined,
  publicUrl: string | undefined,
): Promise<boolean> {
  if (root === undefined || !existsSync(`${root}/index.html`)) return false;
  const policy = contentSecurityPolicy(publicUrl);
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => {
      securityHeaders(reply, policy);
      const hashed = path.startsWith(`${root}/assets/`);
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}
