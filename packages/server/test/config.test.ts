import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

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

  test('bad values are refused with a message naming them', () => {
    expect(() => loadConfig(['--port', 'eighty'])).toThrow(ConfigError);
    expect(() => loadConfig([], { PORT: '70000' })).toThrow(/port/);
    expect(() => loadConfig(['--access', 'password'])).toThrow(/access password/);
    expect(() => loadConfig(['--tls-cert', 'x.pem'])).toThrow(/TLS/);
    expect(() => loadConfig(['--frobnicate', '1'])).toThrow(/unknown option/);
  });
});
