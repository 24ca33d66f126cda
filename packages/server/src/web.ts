/**
 * Serving the web app (packages/web's build) at '/': static files with a Content-Security-Policy
 * that allows scripts, styles and connections from this origin only (plus WebAssembly compilation,
 * which OPAQUE needs), and caching that suits Vite's output: the entry document is revalidated
 * every time, content-hashed files under assets/ are cached for a year.
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

/** A Host header we are willing to repeat in the policy: a hostname or IP literal and a port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined, tls: boolean): string {
  // 'self' covers same-origin ws(s) in CSP Level 3 browsers; older ones need the socket named.
  const socket = host !== undefined && HOST_PATTERN.test(host) ? ` ${tls ? 'wss' : 'ws'}://${host}` : '';
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

function securityHeaders(reply: FastifyReply, tls: boolean): void {
  reply.header('content-security-policy', contentSecurityPolicy(reply.request.host, tls));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** Serve the web app from `root` if it has been built; returns whether it is served. */
export async function webApp(app: FastifyInstance, root: string | undefined, tls: boolean): Promise<boolean> {
  if (root === undefined || !existsSync(`${root}/index.html`)) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => {
      securityHeaders(reply, tls);
      const hashed = path.startsWith(`${root}/assets/`);
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}
