import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { logStreamFor } from '../src/logFormat.js';

describe('configuration', () => {
  test('defaults, then file, then environment, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cfg-'));
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0', retentionDays: 7 }));
    const c = loadConfig(['--port', '9002', '--access=invite'], {
      PARLEY_CONFIG: file,
      PORT: '9001',
      PARLEY_DATA_DIR: dir,
    });
    expect(c).toMatchObject({
      port: 9002,
      host: '0.0.0.0',
      retentionDays: 7,
      access: 'invite',
      dataDir: dir,
    });
    expect(loadConfig([], {}).port).toBe(8080);
  });

  test('limits.framesInFlight (frames of a connection unanswered at once) is 64 by default, set in the file, 1 to 1024', () => {
    expect(loadConfig([], {}).limits.framesInFlight).toBe(64);
    const dir = mkdtempSync(join(tmpdir(), 'parley-cfg-'));
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ limits: { framesInFlight: 8 } }));
    expect(loadConfig(['--config', file], {}).limits).toMatchObject({
      framesInFlight: 8,
      messagesPerSecond: 50,
    });
    writeFileSync(file, JSON.stringify({ limits: { framesInFlight: 0 } }));
    expect(() => loadConfig(['--config', file], {})).toThrow(/limits.framesInFlight/);
  });

  test('trustProxy: off by default; addresses and CIDR ranges from the flag, environment or file; nothing else', () => {
    expect(loadConfig([], {}).trustProxy).toBeUndefined();
    expect(loadConfig(['--trust-proxy', '10.0.0.1, 192.168.0.0/16,::1'], {}).trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
    ]);
    expect(loadConfig([], { PARLEY_TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
    const dir = mkdtempSync(join(tmpdir(), 'parley-cfg-'));
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ trustProxy: ['fd00::/8'] }));
    expect(loadConfig(['--config', file], {}).trustProxy).toEqual(['fd00::/8']);
    // A hop count cannot tell a proxy from a client that forged the header; "everyone" is not an address.
    for (const bad of ['1', 'true', '*', '10.0.0.0/33', 'proxy.example', ''])
      expect(() => loadConfig(['--trust-proxy', bad], {})).toThrow(/trustProxy/);
  });

  test('limits.rateLimitedCloseAfter (refusals in 10 s before a connection is closed) is 100 by default, set in the file, at least 1', () => {
    expect(loadConfig([], {}).limits.rateLimitedCloseAfter).toBe(100);
    const dir = mkdtempSync(join(tmpdir(), 'parley-cfg-'));
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ limits: { rateLimitedCloseAfter: 7 } }));
    expect(loadConfig(['--config', file], {}).limits.rateLimitedCloseAfter).toBe(7);
    writeFileSync(file, JSON.stringify({ limits: { rateLimitedCloseAfter: 0 } }));
    expect(() => loadConfig(['--config', file], {})).toThrow(/limits.rateLimitedCloseAfter/);
  });

  test('the caps (connections, registrations, devices, link codes, groups): defaults, set in the file, ranges, no unknown limit', () => {
    expect(loadConfig([], {}).limits).toMatchObject({
      unauthenticatedPerAddress: 64,
      unauthenticatedTotal: 2048,
      failedConnectionsPerAddressPerMinute: 30,
      connectionsPerAddress: 1024,
      connectionsPerDevice: 16,
      connectionsPerAccount: 128,
      registrationsPerAddressPerHour: 30,
      registrationsPerHour: 300,
      devicesPerAccount: 32,
      linkCodesPerAccount: 5,
      groupsPerAccountPerDay: 500,
      groupsPerAccount: 5000,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'parley-cfg-')), 'parley.json');
    writeFileSync(file, JSON.stringify({ limits: { devicesPerAccount: 3, unauthenticatedPerAddress: 2 } }));
    expect(loadConfig(['--config', file], {}).limits).toMatchObject({
      devicesPerAccount: 3,
      unauthenticatedPerAddress: 2,
      linkCodesPerAccount: 5,
    });
    writeFileSync(file, JSON.stringify({ limits: { linkCodesPerAccount: 0 } }));
    expect(() => loadConfig(['--config', file], {})).toThrow(/limits.linkCodesPerAccount/);
    writeFileSync(file, JSON.stringify({ limits: { socketsPerPerson: 3 } }));
    expect(() => loadConfig(['--config', file], {})).toThrow(/unknown setting limits.socketsPerPerson/);
  });

  test('logFormat: auto by default (text on a terminal, JSON otherwise), text or json from the flag or environment', () => {
    expect(loadConfig([]).logFormat).toBe('auto');
    expect(loadConfig(['--log-format', 'json']).logFormat).toBe('json');
    expect(loadConfig([], { PARLEY_LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(() => loadConfig(['--log-format', 'xml'])).toThrow(/logFormat must be auto, text or json/);
    const lines: string[] = [];
    const text = logStreamFor('auto', { isTTY: true, write: (l: string) => lines.push(l) })!;
    text.write(
      `${JSON.stringify({ level: 30, time: 0, msg: 'request', method: 'GET', route: '/healthz', status: 200, ms: 2 })}\n`,
    );
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}GET \/healthz 200 2ms\n$/);
    expect(logStreamFor('auto', { isTTY: false, write: () => true })).toBeUndefined();
    expect(logStreamFor('json', { isTTY: true, write: () => true })).toBeUndefined();
  });

  test('bad values are refused with a message naming them', () => {
    expect(() => loadConfig(['--port', 'eighty'])).toThrow(ConfigError);
    expect(() => loadConfig([], { PORT: '70000' })).toThrow(/port/);
    expect(() => loadConfig(['--access', 'password'])).toThrow(/access password/);
    expect(() => loadConfig(['--tls-cert', 'x.pem'])).toThrow(/TLS/);
    expect(() => loadConfig(['--frobnicate', '1'])).toThrow(/unknown option/);
  });

  test('PostgreSQL and Redis come from DATABASE_URL / REDIS_URL or --database / --redis; bad URLs are refused without echoing them', () => {
    const c = loadConfig(['--redis', 'redis://127.0.0.1:6380', '--redis-prefix', 'site-a:'], {
      DATABASE_URL: 'postgres://parley:secret@db.internal:5432/parley',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(c).toMatchObject({
      database: 'postgres://parley:secret@db.internal:5432/parley',
      redis: 'redis://127.0.0.1:6380',
      redisPrefix: 'site-a:',
    });
    const defaults = loadConfig([], {});
    expect([defaults.database, defaults.redis, defaults.redisPrefix]).toEqual([
      undefined,
      undefined,
      'parley:',
    ]);
    expect(() => loadConfig(['--database', 'mysql://u:hunter2@h/db'])).toThrow(/database must be a postgres/);
    try {
      loadConfig(['--database', 'mysql://u:hunter2@h/db']);
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(() => loadConfig([], { REDIS_URL: 'not a url' })).toThrow(/redis must be a URL/);
    expect(() => loadConfig(['--redis-prefix', 'a b'])).toThrow(/redisPrefix/);
  });

  test('metrics access, HSTS, public URL and client-IP logging: defaults, file, environment, flags', () => {
    const defaults = loadConfig([], {});
    expect(defaults.metrics).toEqual({ access: 'loopback' });
    expect([defaults.hstsMaxAgeSeconds, defaults.logClientIp, defaults.publicUrl]).toEqual([
      31536000,
      false,
      undefined,
    ]);
    const token = 'a-metrics-token-of-some-length';
    const file = join(mkdtempSync(join(tmpdir(), 'parley-config-')), 'c.json');
    writeFileSync(file, JSON.stringify({ metrics: { access: 'open' }, hstsMaxAgeSeconds: 600 }));
    const c = loadConfig(
      ['--config', file, '--metrics-access', 'token', '--public-url', 'https://chat.example.org/app'],
      {
        PARLEY_METRICS_TOKEN: token,
        PARLEY_LOG_CLIENT_IP: 'true',
        PARLEY_HSTS_MAX_AGE: '0',
      },
    );
    expect(c.metrics).toEqual({ access: 'token', token });
    expect([c.hstsMaxAgeSeconds, c.logClientIp, c.publicUrl]).toEqual([0, true, 'https://chat.example.org']);
    expect(() => loadConfig(['--metrics-access', 'token'])).toThrow(/metrics token/);
    expect(() => loadConfig(['--metrics-access', 'everyone'])).toThrow(/metrics.access/);
    expect(() => loadConfig(['--public-url', 'ftp://x'])).toThrow(/publicUrl/);
    expect(() => loadConfig(['--log-client-ip', 'maybe'])).toThrow(/logClientIp/);
    // A short token is refused without being repeated.
    try {
      loadConfig(['--metrics-token', 'short-secret']);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/metrics.token/);
      expect((e as Error).message).not.toContain('short-secret');
    }
  });
});
