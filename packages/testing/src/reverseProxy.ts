/**
 * The reverse proxies deploy/ documents (Caddy and nginx, the real programs from the system's
 * packages), run from those very files as child processes on loopback, with TLS, in front of
 * Parley nodes. Only the settings an operator's machine would give differently are the test's own:
 * ports, addresses, the certificate and the proxy's working files (a temporary directory).
 *
 * A missing program skips the test outside CI and fails it in CI (`CI=true`), as the PostgreSQL
 * tests do.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpsRequest } from './httpsRequest.js';
import { selfSignedCertificate } from './tls.js';
import { until } from './waiting.js';

export type ProxyKind = 'caddy' | 'nginx';
export const PROXY_KINDS: readonly ProxyKind[] = ['caddy', 'nginx'];

/** The repository's deploy/ folder (this file is packages/testing/dist/reverseProxy.js). */
export const DEPLOY_DIR = fileURLToPath(new URL('../../../deploy/', import.meta.url));

export interface ReverseProxy {
  kind: ProxyKind;
  /** https://127.0.0.1:<port>, the address clients use. */
  url: string;
  /** http://127.0.0.1:<port>, which redirects to `url`. */
  httpUrl: string;
  /** The certificate (PEM) a client trusts to reach `url`: the proxy's own authority or certificate. */
  ca: string;
  /** Everything the proxy wrote to stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The proxy program's path; undefined (with a warning) when it is not installed, outside CI.
 * In CI a missing proxy is an error: .ci/run installs both.
 */
export function reverseProxyProgram(kind: ProxyKind): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  const found = dirs.map((d) => join(d, kind)).find((p) => p.startsWith('/') && existsSync(p));
  if (found !== undefined) return found;
  const why = `${kind} is not installed (apt-get install ${kind})`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`skipping the ${kind} test: ${why}`);
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Launch {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The authority clients trust, once the proxy has made it. */
  ca(): string | undefined;
  /** Files of the launch's own outside the proxy's directory, removed when it stops. */
  files?: string;
}

/** Caddy: deploy/caddy/Caddyfile under global options that keep it on loopback and in `dir`. */
function caddy(dir: string, httpPort: number, httpsPort: number, upstreams: string[]): Launch {
  const config = join(dir, 'Caddyfile');
  writeFileSync(
    config,
    [
      '{',
      '\tadmin off',
      '\tskip_install_trust',
      '\tdefault_bind 127.0.0.1',
      `\thttp_port ${httpPort}`,
      `\thttps_port ${httpsPort}`,
      `\tstorage file_system ${join(dir, 'data')}`,
      '}',
      `import ${join(DEPLOY_DIR, 'caddy', 'Caddyfile')}`,
      '',
    ].join('\n'),
  );
  // An IP address as the site: Caddy's automatic HTTPS uses its own local authority for it.
  const root = join(dir, 'data', 'pki', 'authorities', 'local', 'root.crt');
  return {
    args: ['run', '--config', config, '--adapter', 'caddyfile'],
    env: {
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'xdg-data'),
      XDG_CONFIG_HOME: join(dir, 'xdg-config'),
      PARLEY_DOMAIN: '127.0.0.1',
      PARLEY_NODES: upstreams.join(' '),
    },
    ca: () => (existsSync(root) ? readFileSync(root, 'utf8') : undefined),
  };
}

/** The template's ${NAME}s filled in from `values`, as envsubst does; a name not given is an error. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}}`);
    return value;
  });
}

/** nginx: deploy/nginx/parley.conf.template filled in, inside a main file that keeps nginx in `dir`. */
function nginx(dir: string, httpPort: number, httpsPort: number, upstreams: string[]): Launch {
  const tls = selfSignedCertificate();
  const site = fillTemplate(readFileSync(join(DEPLOY_DIR, 'nginx', 'parley.conf.template'), 'utf8'), {
    PARLEY_DOMAIN: '127.0.0.1',
    PARLEY_NODE_1: upstreams[0]!,
    PARLEY_NODE_2: upstreams[1] ?? upstreams[0]!,
    PARLEY_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    PARLEY_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
    PROXY_TLS_CERT: tls.cert,
    PROXY_TLS_KEY: tls.key,
  });
  writeFileSync(join(dir, 'parley.conf'), site);
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((n) => `  ${temp(n)}`),
      `  include ${join(dir, 'parley.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  // Run as root, nginx's workers drop to `nobody`: they must reach the temporary directories.
  chmodSync(dir, 0o755);
  const ca = readFileSync(tls.cert, 'utf8');
  return {
    args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'],
    env: {},
    ca: () => ca,
    files: dirname(tls.cert),
  };
}

/**
 * The proxy `kind` on two free loopback ports (HTTPS, and HTTP that redirects), in front of
 * `upstreams` (host:port each; nginx's template takes two, one is used twice), once it answers
 * /healthz over TLS. Undefined when the program is missing outside CI.
 */
export async function startReverseProxy(
  kind: ProxyKind,
  upstreams: string[],
): Promise<ReverseProxy | undefined> {
  const program = reverseProxyProgram(kind);
  if (program === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), `parley-${kind}-`));
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const launch = (kind === 'caddy' ? caddy : nginx)(dir, httpPort, httpsPort, upstreams);
  const child: ChildProcess = spawn(program, launch.args, {
    cwd: dir,
    env: { PATH: process.env.PATH, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    if (launch.files !== undefined) rmSync(launch.files, { recursive: true, force: true });
  };
  const url = `https://127.0.0.1:${httpsPort}`;
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`${kind} exited: ${out}`);
        const ca = launch.ca();
        return ca !== undefined && (await healthy(url, ca));
      },
      `${kind} to answer /healthz over TLS`,
      20_000,
      100,
    );
  } catch (e) {
    await stop();
    throw new Error(`${kind} did not start: ${(e as Error).message}\n${out}`);
  }
  return { kind, url, httpUrl: `http://127.0.0.1:${httpPort}`, ca: launch.ca()!, output: () => out, stop };
}

async function healthy(url: string, ca: string): Promise<boolean> {
  const { status } = await httpsRequest(`${url}/healthz`, { ca }).catch(() => ({ status: 0 }));
  return status === 200;
}
