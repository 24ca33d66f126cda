/**
 * deploy/compose.yaml and deploy/compose.sqlite.yaml, checked without a container engine: every
 * Parley service's environment (over the image's) passes the server's own configuration loader and
 * means what the file says; the proxy reaches every node and is the one address the nodes trust;
 * the database credentials agree; the files they mount exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_DIR, reverseProxyProgram } from '@parley/testing';
import { expect, test } from 'vitest';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../src/config.js';
import { type ComposeService, composeFile, dockerfileStages, stageEnv } from './deployFiles.js';

const imageEnv = stageEnv(dockerfileStages().at(-1)!);
const env = { PARLEY_DOMAIN: 'chat.example.org', POSTGRES_PASSWORD: 'c0ffee0123456789' };

/** The configuration a Parley service's container starts with (the image's environment, then the service's). */
function configOf(service: ComposeService) {
  const variables = { ...imageEnv, ...service.environment };
  for (const name of Object.keys(variables)) expect(ENVIRONMENT_VARIABLES).toContain(name);
  return loadConfig([], variables);
}

test('the image sets only variables the server reads, and its data directory is its volume', () => {
  for (const name of Object.keys(imageEnv)) expect(ENVIRONMENT_VARIABLES).toContain(name);
  const config = loadConfig([], imageEnv);
  expect([config.host, config.port, config.dataDir, config.logFormat]).toEqual([
    '0.0.0.0',
    8080,
    '/data',
    'json',
  ]);
});

test('compose.yaml: two nodes on the shared PostgreSQL and Redis behind Caddy, which is the only proxy they trust', () => {
  const compose = composeFile('compose.yaml', env);
  const { services } = compose;
  expect(Object.keys(services).sort()).toEqual(['caddy', 'parley1', 'parley2', 'postgres', 'redis']);
  const nodes = ['parley1', 'parley2'];
  const caddy = services.caddy!;
  const caddyAddress = (caddy.networks as Record<string, { ipv4_address: string }>).parley!.ipv4_address;
  const subnet = compose.networks!.parley!.ipam!.config[0]!.subnet;
  expect(subnet.endsWith('.0/24') && caddyAddress.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
  const pg = services.postgres!.environment!;

  for (const name of nodes) {
    const node = services[name]!;
    const config = configOf(node);
    const database = new URL(config.database!);
    expect([database.username, database.password, database.host, database.pathname]).toEqual([
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      'postgres:5432',
      `/${pg.POSTGRES_DB}`,
    ]);
    expect(new URL(config.redis!).host).toBe('redis:6379');
    expect(config.trustProxy).toEqual([caddyAddress]);
    expect(config.publicUrl).toBe('https://chat.example.org');
    expect(config.host).toBe('0.0.0.0');
    // Built from this repository; only Caddy is reachable from outside.
    expect(existsSync(join(DEPLOY_DIR, node.build!.context, 'Dockerfile'))).toBe(true);
    expect(node.ports).toBeUndefined();
    expect(node.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  }
  expect(services.postgres!.healthcheck).toBeDefined();
  expect(services.redis!.healthcheck).toBeDefined();

  // Caddy: its configuration is deploy/caddy/Caddyfile (the one the proxy tests run), it reaches
  // every node at the port the image listens on, and it alone is published.
  expect(caddy.environment).toEqual({
    PARLEY_DOMAIN: 'chat.example.org',
    PARLEY_NODES: nodes.map((n) => `${n}:${imageEnv.PORT}`).join(' '),
  });
  expect(caddy.volumes).toContain('./caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
  expect(existsSync(join(DEPLOY_DIR, 'caddy', 'Caddyfile'))).toBe(true);
  expect(caddy.ports).toEqual(['80:80', '443:443', '443:443/udp']);
  expect(Object.keys(caddy.depends_on!).sort()).toEqual(nodes);

  // Every named volume a service mounts is declared.
  for (const service of Object.values(services))
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (!source.startsWith('.')) expect(Object.keys(compose.volumes!)).toContain(source);
    }
});

test('compose.yaml refuses to start without a database password or a domain', () => {
  expect(() => composeFile('compose.yaml', { ...env, POSTGRES_PASSWORD: '' })).toThrow(/POSTGRES_PASSWORD/);
  expect(() => composeFile('compose.yaml', { ...env, PARLEY_DOMAIN: undefined })).toThrow(/PARLEY_DOMAIN/);
});

test('compose.sqlite.yaml: one node on SQLite with its data in a volume, on loopback only', () => {
  const { services, volumes } = composeFile('compose.sqlite.yaml', {});
  expect(Object.keys(services)).toEqual(['parley']);
  const parley = services.parley!;
  const config = configOf(parley);
  expect(config.database).toBeUndefined();
  expect(config.access).toBe('open');
  const [volume, mountPoint] = parley.volumes![0]!.split(':') as [string, string];
  expect(mountPoint).toBe(config.dataDir);
  expect(Object.keys(volumes!)).toContain(volume);
  expect(parley.ports).toEqual([`127.0.0.1:${config.port}:${config.port}`]);
  expect(existsSync(join(DEPLOY_DIR, parley.build!.context, 'Dockerfile'))).toBe(true);
});

test("Caddy reads compose.yaml's Caddyfile with compose's environment: the domain with automatic HTTPS, every node an upstream", (ctx) => {
  const caddy = reverseProxyProgram('caddy');
  if (caddy === undefined) return ctx.skip();
  const service = composeFile('compose.yaml', env).services.caddy!;
  const mount = service.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
  const adapted = execFileSync(
    caddy,
    ['adapt', '--config', join(DEPLOY_DIR, mount.split(':')[0]!), '--adapter', 'caddyfile'],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...service.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = Object.values(JSON.parse(adapted).apps.http.servers)[0] as {
    listen: string[];
    routes: Array<{
      match: Array<{ host: string[] }>;
      handle: Array<{ routes: Array<{ handle: unknown[] }> }>;
    }>;
  };
  expect(server.listen).toEqual([':443']);
  expect(server.routes[0]!.match[0]!.host).toEqual(['chat.example.org']);
  const handlers = server.routes[0]!.handle[0]!.routes.flatMap((r) => r.handle) as Array<{
    handler: string;
    upstreams?: Array<{ dial: string }>;
  }>;
  const proxy = handlers.find((h) => h.handler === 'reverse_proxy')!;
  expect(proxy.upstreams!.map((u) => u.dial)).toEqual(['parley1:8080', 'parley2:8080']);
});
